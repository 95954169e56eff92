//! `minesafe evidence FINDING`: the raw upload files a finding rests on, copied from
//! the write-once archive (SHA-256 verified) into a folder with a manifest.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use minesafe_store::Store;

pub fn run(finding: &str, db: &Path, out: &Path) -> Result<i32> {
    let store = crate::ingest::open_store(db)?;
    let Some(f) = store.finding(finding)? else { bail!("no finding {finding} in {}", db.display()) };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let names: BTreeSet<&str> = f.evidence.iter().map(|e| e.file.as_str()).filter(|n| !n.is_empty()).collect();
    let mut manifest = String::new();
    for name in names {
        let Some(file) = store.file_by_name(name)? else { bail!("file {name} named by the finding is not in the store") };
        let bytes = store.archived_bytes(&file.sha256).with_context(|| format!("archive copy of {name}"))?;
        std::fs::write(out.join(name), &bytes).with_context(|| format!("cannot write {name}"))?;
        let _ = writeln!(manifest, "{}  {}", file.sha256, name);
    }
    std::fs::write(out.join("SHA256SUMS"), &manifest)?;
    std::fs::write(out.join("finding.json"), serde_json::to_string_pretty(&f)?)?;
    println!(
        "{} file(s) for finding {} ({}) written to {}; check with: (cd {} && sha256sum -c SHA256SUMS)",
        manifest.lines().count(),
        f.id,
        f.rule,
        out.display(),
        out.display()
    );
    Ok(0)
}
