//! The I/O side of the alarm lifecycle: loads open alarms from the store, feeds
//! them the new findings, the mines' YCBJ explanations and the clock, delivers
//! notifications, and stores every changed alarm with its new transitions.
//!
//! The alarm book itself (`minesafe-alarms`) is pure. Alarms live in the store, not
//! in this process: `minesafe alarms ack …` from another shell changes the same rows
//! the server reads on its next sync, and SQLite serialises the writers.

use std::path::Path;

use anyhow::{Context, Result};
use minesafe_alarms::{Alarm, AlarmBook, Command, Directory, Effect, Notification, Notifier, NotifyError, Policy};
use minesafe_engine::FileReport;
use minesafe_formats::Content;
use minesafe_model::registry::Regulators;
use minesafe_model::{Finding, Registry, Timestamp};
use minesafe_store::{AlarmEventRow, AlarmFilter, AlarmRow, SqliteStore, Store};

use crate::pipeline::ContentTap;

/// Writes each notification as one JSON line on standard error.
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn notify(&mut self, n: &Notification) -> Result<(), NotifyError> {
        let line = serde_json::to_string(&serde_json::json!({ "notify": n }))
            .map_err(|e| NotifyError::Delivery { alarm: n.alarm.clone(), reason: e.to_string() })?;
        eprintln!("{line}");
        Ok(())
    }
}

/// POSTs each notification as JSON to a URL (an SMS or voice gateway, a dispatch
/// console). Plain HTTP inside the regulator's network; a failed delivery is
/// reported and the escalation timers keep running.
pub struct WebhookNotifier {
    url: String,
    agent: ureq::Agent,
}

impl WebhookNotifier {
    pub fn new(url: &str) -> Self {
        let agent = ureq::Agent::config_builder().timeout_global(Some(std::time::Duration::from_secs(5))).build().into();
        WebhookNotifier { url: url.to_string(), agent }
    }
}

impl Notifier for WebhookNotifier {
    fn notify(&mut self, n: &Notification) -> Result<(), NotifyError> {
        let body = serde_json::to_string(n).map_err(|e| NotifyError::Delivery { alarm: n.alarm.clone(), reason: e.to_string() })?;
        self.agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .map(|_| ())
            .map_err(|e| NotifyError::Delivery { alarm: n.alarm.clone(), reason: format!("POST {}: {e}", self.url) })
    }
}

/// Builds notifiers from `--notify` values: `log`, `webhook=URL`.
pub fn notifiers(specs: &[String]) -> Result<Vec<Box<dyn Notifier>>> {
    let mut v: Vec<Box<dyn Notifier>> = Vec::new();
    for s in specs {
        if s == "log" {
            v.push(Box::new(LogNotifier));
        } else if let Some(url) = s.strip_prefix("webhook=") {
            anyhow::ensure!(url.starts_with("http://"), "--notify {s}: webhooks are plain http:// inside the regulator's network");
            v.push(Box::new(WebhookNotifier::new(url)));
        } else if s != "none" {
            anyhow::bail!("--notify {s}: expected `log`, `none` or `webhook=http://…`");
        }
    }
    Ok(v)
}

pub fn load_regulators(path: Option<&Path>) -> Result<Option<Regulators>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read regulators {}", path.display()))?;
    let toml = path.extension().is_some_and(|e| e == "toml");
    Ok(Some(minesafe_formats::registry::parse_regulators(&text, toml).with_context(|| format!("regulators {}", path.display()))?))
}

pub fn load_policy(path: Option<&Path>) -> Result<Policy> {
    let Some(path) = path else { return Ok(Policy::default()) };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read alarm policy {}", path.display()))?;
    Policy::from_toml(&text).with_context(|| format!("alarm policy {}", path.display()))
}

/// A YCBJ record waiting for the next sync.
struct PendingExplanation {
    mine: String,
    point: String,
    time: Timestamp,
    cause: String,
    measures: String,
    file: String,
    record: usize,
}

pub struct AlarmDesk {
    pub policy: Policy,
    pub directory: Directory,
    notifiers: Vec<Box<dyn Notifier>>,
    queued: Vec<Finding>,
    explanations: Vec<PendingExplanation>,
}

impl AlarmDesk {
    pub fn new(registry: &Registry, regulators: Option<&Path>, policy: Option<&Path>, notify: &[String], _quiet: bool) -> Result<Self> {
        let regulators = load_regulators(regulators)?;
        Ok(AlarmDesk {
            policy: load_policy(policy)?,
            directory: Directory::new(registry, regulators.as_ref()),
            notifiers: notifiers(notify)?,
            queued: Vec::new(),
            explanations: Vec::new(),
        })
    }

    /// Findings to consider at the next sync.
    pub fn queue(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.queued.extend(findings);
    }

    /// Applies queued findings and explanations and the clock to the open alarms in
    /// the store; returns the ALM-1 findings raised (already stored).
    pub fn sync(&mut self, store: &mut SqliteStore, now: Timestamp) -> Result<Vec<Finding>> {
        let mut book = load_book(store, &AlarmFilter { open_only: true, ..Default::default() })?;
        let mut effects = Vec::new();
        for f in std::mem::take(&mut self.queued) {
            effects.extend(book.on_finding(&f, now, &self.policy, &self.directory));
        }
        for e in std::mem::take(&mut self.explanations) {
            if let Some(id) = book.on_explanation(&e.mine, &e.point, e.time, &e.cause, &e.measures, &e.file, Some(e.record), now) {
                effects.push(Effect::Changed(id));
            }
        }
        effects.extend(book.tick(now, &self.policy, &self.directory));
        deliver(store, &book, effects, &mut self.notifiers)
    }
}

impl ContentTap for AlarmDesk {
    fn on_content(&mut self, report: &FileReport, content: &Content<'_>) {
        let Content::Ycbj(p) = content else { return };
        let mine = report.mine.clone().unwrap_or_default();
        for (i, e) in &p.accepted {
            if e.cause.is_empty() && e.measures.is_empty() {
                continue;
            }
            self.explanations.push(PendingExplanation {
                mine: mine.clone(),
                point: e.point.clone(),
                time: e.start,
                cause: e.cause.clone(),
                measures: e.measures.clone(),
                file: report.name.clone(),
                record: *i,
            });
        }
    }
}

pub fn load_book(store: &SqliteStore, filter: &AlarmFilter) -> Result<AlarmBook> {
    let rows = store.alarms(filter)?;
    let alarms = rows
        .iter()
        .map(|r| serde_json::from_str::<Alarm>(&r.body).with_context(|| format!("alarm {} in the store", r.id)))
        .collect::<Result<Vec<_>>>()?;
    Ok(AlarmBook::from_alarms(alarms))
}

/// Stores changed alarms, hands findings to the store, delivers notifications.
pub fn deliver(
    store: &mut SqliteStore,
    book: &AlarmBook,
    effects: Vec<Effect>,
    notifiers: &mut [Box<dyn Notifier>],
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    for e in effects {
        match e {
            Effect::Changed(id) => {
                if !changed.contains(&id) {
                    changed.push(id);
                }
            }
            Effect::Finding(f) => findings.push(f),
            Effect::Notify(n) => notes.push(n),
        }
    }
    for id in &changed {
        if let Some(a) = book.get(id) {
            save_alarm(store, a)?;
        }
    }
    store.put_findings(&findings)?;
    // Delivery after the record: a notification never goes out for a state the
    // store does not hold.
    for n in &notes {
        for nt in notifiers.iter_mut() {
            if let Err(e) = nt.notify(n) {
                eprintln!("minesafe: {e}");
            }
        }
    }
    Ok(findings)
}

pub fn save_alarm(store: &mut SqliteStore, a: &Alarm) -> Result<()> {
    let body = serde_json::to_string(a)?;
    let row = AlarmRow {
        id: a.id.clone(),
        mine: a.mine.clone(),
        rule: a.rule.clone(),
        state: a.state.id().to_string(),
        open: !a.state.is_final(),
        raised_at: a.raised_at,
        updated_at: a.last_at(),
        body,
    };
    let events = a
        .history
        .iter()
        .map(|t| {
            Ok(AlarmEventRow {
                alarm: a.id.clone(),
                seq: i64::from(t.seq),
                at: t.at,
                actor: t.actor.clone(),
                action: serde_json::to_value(t.action)?.as_str().unwrap_or("change").to_string(),
                body: serde_json::to_string(t)?,
            })
        })
        .collect::<Result<Vec<_>, serde_json::Error>>()?;
    store.put_alarm(&row, &events).with_context(|| format!("storing alarm {}", a.id))?;
    Ok(())
}

/// Applies one person's command to one stored alarm.
pub fn apply_command(store: &mut SqliteStore, cmd: Command, now: Timestamp, policy: &Policy) -> Result<Alarm> {
    let id = cmd.alarm().to_string();
    let rows = store.alarms(&AlarmFilter { id: Some(id.clone()), ..Default::default() })?;
    let row = rows.into_iter().next().with_context(|| format!("no alarm {id}"))?;
    let alarm: Alarm = serde_json::from_str(&row.body).with_context(|| format!("alarm {id} in the store"))?;
    let mut book = AlarmBook::from_alarms(vec![alarm]);
    let effects = book.apply(cmd, now, policy)?;
    let mut log: Vec<Box<dyn Notifier>> = vec![Box::new(LogNotifier)];
    deliver(store, &book, effects, &mut log)?;
    book.get(&id).cloned().with_context(|| format!("alarm {id} vanished"))
}
