//! The ledger on disk: events in the store's append-only table, each one an
//! audit-chain entry, with signed checkpoints exported to a separate place.
//!
//! Opening replays every stored event into a fresh [`Ledger`]; submitting applies
//! one event, and only if the ledger accepts it appends it (canonical JSON, the
//! record's snapshot hash, BLAKE3 chained to the previous entry) and writes a
//! checkpoint when the policy says one is due. A refused command leaves no
//! trace in the chain: refusals are answers, not changes.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use minesafe_audit::{canonical_json, Chain, Checkpoint, CheckpointPolicy, Entry, ExportDir, Signer};
use minesafe_ledger::{Applied, Event, Ledger, LedgerConfig, Refusal};
use minesafe_model::Timestamp;
use minesafe_store::{CheckpointRow, LedgerEventRow, SqliteStore, Store};

/// Where the audit trail keeps what must not live in the database.
#[derive(clap::Args, Clone, Debug)]
pub struct AuditPaths {
    /// The Ed25519 signing key for checkpoints (created, mode 0600, on first use).
    /// Keep it apart from the database. Default: `$XDG_CONFIG_HOME/minesafe/audit-signing.key`.
    #[arg(long, env = "MINESAFE_AUDIT_KEY", global = true)]
    pub audit_key: Option<PathBuf>,
    /// The write-once checkpoint export. Default: `<db>.checkpoints/` beside the database;
    /// point it at another disk or a mounted regulator share in production.
    #[arg(long, env = "MINESAFE_AUDIT_EXPORT", global = true)]
    pub audit_export: Option<PathBuf>,
    /// Write a checkpoint after this many events (0: no count limit) …
    #[arg(long, default_value_t = 100, global = true)]
    pub checkpoint_every: u64,
    /// … or when the last one is this many seconds old (0: no age limit).
    #[arg(long, default_value_t = 300, global = true)]
    pub checkpoint_secs: i64,
}

impl AuditPaths {
    pub fn key_path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.audit_key {
            return Ok(p.clone());
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .context("no --audit-key given and neither XDG_CONFIG_HOME nor HOME is set")?;
        Ok(base.join("minesafe").join("audit-signing.key"))
    }

    pub fn export_path(&self, db: &Path) -> PathBuf {
        self.audit_export.clone().unwrap_or_else(|| {
            let mut s = db.as_os_str().to_owned();
            s.push(".checkpoints");
            PathBuf::from(s)
        })
    }

    fn policy(&self) -> CheckpointPolicy {
        CheckpointPolicy { every_events: self.checkpoint_every, every_secs: self.checkpoint_secs }
    }
}

pub struct LedgerDb {
    pub store: SqliteStore,
    pub ledger: Ledger,
    chain: Chain,
    paths: AuditPaths,
    db: PathBuf,
    last_checkpoint: Option<Checkpoint>,
}

pub fn row_of(e: &Entry) -> LedgerEventRow {
    LedgerEventRow {
        seq: e.seq,
        at: e.at,
        actor: e.actor.clone(),
        action: e.action.clone(),
        record: e.record.clone(),
        mine: e.mine.clone(),
        body: e.body.clone(),
        snapshot_hash: e.snapshot_hash.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
        alg: e.alg.clone(),
    }
}

pub fn entry_of(r: &LedgerEventRow) -> Entry {
    Entry {
        seq: r.seq,
        at: r.at,
        actor: r.actor.clone(),
        action: r.action.clone(),
        record: r.record.clone(),
        mine: r.mine.clone(),
        body: r.body.clone(),
        snapshot_hash: r.snapshot_hash.clone(),
        prev_hash: r.prev_hash.clone(),
        hash: r.hash.clone(),
        alg: r.alg.clone(),
    }
}

pub fn checkpoint_of(r: &CheckpointRow) -> Checkpoint {
    Checkpoint {
        count: r.count,
        head: r.head.clone(),
        at: r.at,
        key_id: r.key_id.clone(),
        signature: r.signature.clone(),
        hashes: Vec::new(),
    }
}

fn checkpoint_row(c: &Checkpoint) -> CheckpointRow {
    CheckpointRow { count: c.count, head: c.head.clone(), at: c.at, key_id: c.key_id.clone(), signature: c.signature.clone() }
}

/// Loads `--ledger-config` (TOML with the fields of `LedgerConfig`), else the defaults.
pub fn load_config(path: Option<&Path>) -> Result<LedgerConfig> {
    match path {
        None => Ok(LedgerConfig::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            toml::from_str(&text).with_context(|| format!("{}: not a ledger configuration", p.display()))
        }
    }
}

impl LedgerDb {
    /// Opens (or creates) the store and replays its ledger events.
    pub fn open(db: &Path, paths: &AuditPaths, config: LedgerConfig) -> Result<Self> {
        let store = crate::ingest::open_store(db)?;
        let mut ledger = Ledger::new(config);
        let rows = store.ledger_events()?;
        let last_checkpoint = store.checkpoints()?.last().map(checkpoint_of);
        let covered = last_checkpoint.as_ref().map_or(0, |c| c.count);
        let mut chain = Chain::new();
        for r in &rows {
            let ev: Event = serde_json::from_str(&r.body)
                .with_context(|| format!("ledger event #{} ({}) is not readable; run `minesafe audit verify`", r.seq, r.record))?;
            if let Err(refusal) = ledger.apply(&ev) {
                bail!("ledger event #{} ({} on {}) no longer applies: {refusal}; run `minesafe audit verify`", r.seq, r.action, r.record);
            }
        }
        if let Some(last) = rows.last() {
            // The hashes since the last checkpoint travel with the next one, so a
            // re-stamped trail can be located to the entry (minesafe_audit::Checkpoint::hashes).
            let since = rows.iter().filter(|r| r.seq > covered).map(|r| r.hash.clone()).collect();
            chain = Chain::resume_with(last.seq, last.hash.clone(), since);
        }
        Ok(LedgerDb { store, ledger, chain, paths: paths.clone(), db: db.to_path_buf(), last_checkpoint })
    }

    /// Applies and records one event, or returns the refusal (nothing is written).
    pub fn submit(&mut self, ev: &Event) -> Result<std::result::Result<Applied, Refusal>> {
        let applied = match self.ledger.apply(ev) {
            Ok(a) => a,
            Err(r) => return Ok(Err(r)),
        };
        let snapshot = self.ledger.snapshot(&applied.record).unwrap_or(serde_json::Value::Null);
        let body = serde_json::to_value(ev)?;
        let entry =
            self.chain.append(ev.at, &ev.actor.id, &ev.command.name(), &applied.record.to_string(), &applied.mine, &body, &snapshot);
        debug_assert_eq!(entry.body, canonical_json(&body));
        self.store.append_ledger_event(&row_of(&entry))?;
        Ok(Ok(applied))
    }

    /// Writes a checkpoint if the policy says one is due at `now` (or `force`).
    pub fn checkpoint_if_due(&mut self, now: Timestamp, force: bool) -> Result<Option<Checkpoint>> {
        let count = self.chain.count();
        let due = if force {
            self.last_checkpoint.as_ref().is_none_or(|c| c.count < count)
        } else {
            self.paths.policy().due(self.last_checkpoint.as_ref(), count, now)
        };
        if !due || count == 0 {
            return Ok(None);
        }
        let signer = Signer::load_or_create(&self.paths.key_path()?)?;
        let export = ExportDir::open(&self.paths.export_path(&self.db))?;
        export.write_verifying_key(&signer.verifying_key_hex())?;
        let cp = signer.sign(count, self.chain.head(), now).with_hashes(self.chain.take_since_checkpoint());
        // Export first: a checkpoint only counts once it is outside the database.
        export.write(&cp)?;
        self.store.put_checkpoint(&checkpoint_row(&cp))?;
        self.last_checkpoint = Some(cp.clone());
        Ok(Some(cp))
    }

    pub fn export_dir(&self) -> PathBuf {
        self.paths.export_path(&self.db)
    }
}
