//! `minesafe alarms …`: list alarms and answer them (叫应, 响应, 回应), call one
//! false and confirm it — each step stored with who did it and when.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use minesafe_alarms::{Alarm, Channel, Command, Party};
use minesafe_store::{AlarmFilter, Store};

use crate::alarm_desk::{apply_command, load_book, load_policy};
use crate::Format;

#[derive(clap::Args, Clone, Debug)]
pub struct AlarmArgs {
    #[arg(long, default_value = "minesafe.db", global = true)]
    pub db: PathBuf,
    /// The present, RFC 3339 (default: the system clock). Replays and tests set it.
    #[arg(long, global = true)]
    pub now: Option<String>,
    /// Alarm policy (TOML), as given to `serve`.
    #[arg(long, global = true)]
    pub alarm_policy: Option<PathBuf>,
    #[command(subcommand)]
    pub command: AlarmCommand,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum AlarmCommand {
    /// Alarms with their state, who acknowledged and when.
    List {
        /// Also closed, dismissed and superseded alarms.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        mine: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One alarm with its full transition log.
    Show { alarm: String },
    /// 叫应: acknowledge for the mine or the regulator.
    Ack {
        alarm: String,
        #[arg(long = "as")]
        who: String,
        #[arg(long, value_parser = ["mine", "regulator"], default_value = "mine")]
        party: String,
        #[arg(long, value_parser = ["phone", "sms", "radio", "in_person", "platform"], default_value = "platform")]
        channel: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// 响应: the action taken.
    Respond {
        alarm: String,
        #[arg(long = "as")]
        who: String,
        #[arg(long)]
        action: String,
    },
    /// 回应: close with a reply.
    Close {
        alarm: String,
        #[arg(long = "as")]
        who: String,
        #[arg(long)]
        reply: String,
    },
    /// Call the alarm false; a second person must confirm.
    Dismiss {
        alarm: String,
        #[arg(long = "as")]
        who: String,
        #[arg(long)]
        reason: String,
    },
    /// Confirm someone else's dismissal.
    Confirm {
        alarm: String,
        #[arg(long = "as")]
        who: String,
    },
    /// Reject someone else's dismissal.
    Reject {
        alarm: String,
        #[arg(long = "as")]
        who: String,
        #[arg(long)]
        reason: String,
    },
}

fn channel(s: &str) -> Channel {
    match s {
        "phone" => Channel::Phone,
        "sms" => Channel::Sms,
        "radio" => Channel::Radio,
        "in_person" => Channel::InPerson,
        _ => Channel::Platform,
    }
}

pub fn run(args: &AlarmArgs) -> Result<i32> {
    let db: &Path = &args.db;
    anyhow::ensure!(db.exists(), "no store at {} (run `minesafe serve` or `minesafe ingest` first)", db.display());
    let mut store = crate::ingest::open_store(db)?;
    let now = crate::clock::now_or_wall(args.now.as_deref())?;
    let policy = load_policy(args.alarm_policy.as_deref())?;
    let cmd = match &args.command {
        AlarmCommand::List { all, mine, format } => {
            let book = load_book(&store, &AlarmFilter { open_only: !all, mine: mine.clone(), ..Default::default() })?;
            print_list(book.alarms(), *format)?;
            return Ok(0);
        }
        AlarmCommand::Show { alarm } => {
            let book = load_book(&store, &AlarmFilter { id: Some(alarm.clone()), ..Default::default() })?;
            let a = book.get(alarm).with_context(|| format!("no alarm {alarm}"))?;
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            serde_json::to_writer_pretty(&mut w, a)?;
            writeln!(w)?;
            for e in store.alarm_events(alarm)? {
                writeln!(w, "#{:<3} {}  {:<18} {}", e.seq, e.at, e.action, e.actor)?;
            }
            return Ok(0);
        }
        AlarmCommand::Ack { alarm, who, party, channel: ch, comment } => Command::Acknowledge {
            alarm: alarm.clone(),
            party: if party == "regulator" { Party::Regulator } else { Party::Mine },
            who: who.clone(),
            channel: channel(ch),
            comment: comment.clone(),
        },
        AlarmCommand::Respond { alarm, who, action } => Command::Respond { alarm: alarm.clone(), who: who.clone(), action: action.clone() },
        AlarmCommand::Close { alarm, who, reply } => Command::Close { alarm: alarm.clone(), who: who.clone(), reply: reply.clone() },
        AlarmCommand::Dismiss { alarm, who, reason } => Command::Dismiss { alarm: alarm.clone(), who: who.clone(), reason: reason.clone() },
        AlarmCommand::Confirm { alarm, who } => Command::ConfirmDismissal { alarm: alarm.clone(), who: who.clone() },
        AlarmCommand::Reject { alarm, who, reason } => {
            Command::RejectDismissal { alarm: alarm.clone(), who: who.clone(), reason: reason.clone() }
        }
    };
    let a = apply_command(&mut store, cmd, now, &policy)?;
    println!("{} {} → {}", a.id, a.rule, a.state.id());
    Ok(0)
}

fn print_list(alarms: &[Alarm], format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    match format {
        Format::Json => {
            for a in alarms {
                serde_json::to_writer(&mut w, a)?;
                writeln!(w)?;
            }
        }
        Format::Table => {
            writeln!(
                w,
                "{:<20} {:<12} {:<10} {:<18} {:<25} {:>6} {:>7}  title",
                "alarm", "mine", "rule", "state", "raised", "ack s", "close s"
            )?;
            for a in alarms {
                let ack = a.ack_secs().map(|s| s.to_string()).unwrap_or_else(|| "-".into());
                let close = a.close_secs().map(|s| s.to_string()).unwrap_or_else(|| "-".into());
                let mut state = a.state.id().to_string();
                if a.late {
                    state.push_str(" (late)");
                }
                if a.inhibited_by.is_some() {
                    state.push_str(" (inhibited)");
                }
                writeln!(
                    w,
                    "{:<20} {:<12} {:<10} {:<18} {:<25} {:>6} {:>7}  {}",
                    a.id,
                    a.mine,
                    a.rule,
                    state,
                    a.raised_at.to_string(),
                    ack,
                    close,
                    a.title
                )?;
            }
        }
    }
    Ok(())
}
