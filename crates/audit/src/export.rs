//! The write-once export of checkpoints (检查点外部留存).

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::{AuditError, Checkpoint};

const KEY_FILE: &str = "verifying-key.hex";
const PREFIX: &str = "checkpoint-";
const SUFFIX: &str = ".json";

/// A folder outside the database (ideally another disk, a WORM mount, or a
/// folder synced to the regulator) holding one read-only file per checkpoint and
/// the verifying key. Files are created, never replaced: what was exported stays
/// as it was, which is what lets [`verify`](crate::verify) trust it over the database.
#[derive(Clone, Debug)]
pub struct ExportDir {
    dir: PathBuf,
}

impl ExportDir {
    /// Opens the folder, creating it if needed.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        std::fs::create_dir_all(path).map_err(|e| AuditError::io(path, e))?;
        Ok(ExportDir { dir: path.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a checkpoint of `count` entries is exported to.
    pub fn checkpoint_path(&self, count: u64) -> PathBuf {
        self.dir.join(format!("{PREFIX}{count:012}{SUFFIX}"))
    }

    /// Exports `cp` as `checkpoint-<count, 12 digits>.json` (read-only). Writing
    /// the same checkpoint again is a no-op; a different one with the same count
    /// is refused.
    pub fn write(&self, cp: &Checkpoint) -> Result<PathBuf, AuditError> {
        let path = self.checkpoint_path(cp.count);
        let mut bytes =
            serde_json::to_vec_pretty(cp).map_err(|e| AuditError::ExportCorrupt { path: path.clone(), reason: e.to_string() })?;
        bytes.push(b'\n');
        self.write_once(&path, &bytes)?;
        Ok(path)
    }

    /// Exports the verifying key once; the same key again is a no-op, a different
    /// one is refused (a rotated key needs a new export folder).
    pub fn write_verifying_key(&self, hex_key: &str) -> Result<PathBuf, AuditError> {
        let path = self.dir.join(KEY_FILE);
        let text = format!("{}\n", hex_key.trim());
        self.write_once(&path, text.as_bytes())?;
        Ok(path)
    }

    /// The exported verifying key (if any) and every exported checkpoint, by count.
    pub fn read(&self) -> Result<(Option<String>, Vec<Checkpoint>), AuditError> {
        let key_path = self.dir.join(KEY_FILE);
        let key = match std::fs::read_to_string(&key_path) {
            Ok(t) => Some(t.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(AuditError::io(key_path, e)),
        };
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(|e| AuditError::io(&self.dir, e))? {
            let entry = entry.map_err(|e| AuditError::io(&self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !(name.starts_with(PREFIX) && name.ends_with(SUFFIX)) {
                continue;
            }
            let path = entry.path();
            let corrupt = |reason: String| AuditError::ExportCorrupt { path: path.clone(), reason };
            let text = std::fs::read_to_string(&path).map_err(|e| AuditError::io(&path, e))?;
            let cp: Checkpoint = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
            // A file renamed to claim another count is not silently accepted.
            if path != self.checkpoint_path(cp.count) {
                return Err(corrupt(format!("holds the checkpoint of {} entries but is not named for it", cp.count)));
            }
            out.push(cp);
        }
        out.sort_by_key(|c| c.count);
        Ok((key, out))
    }

    fn write_once(&self, path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o444).open(path) {
            Ok(mut f) => {
                f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| AuditError::io(path, e))?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).map_err(|e| AuditError::io(path, e))?;
                // The new name must survive a power cut too.
                std::fs::File::open(&self.dir).and_then(|d| d.sync_all()).map_err(|e| AuditError::io(&self.dir, e))?;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let existing = std::fs::read(path).map_err(|e| AuditError::io(path, e))?;
                if existing == bytes {
                    Ok(())
                } else {
                    Err(AuditError::ExportConflict { path: path.to_path_buf() })
                }
            }
            Err(e) => Err(AuditError::io(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Signer;
    use minesafe_model::Timestamp;

    fn cp(s: &Signer, count: u64, at: i64) -> Checkpoint {
        s.sign(count, &format!("{count:064x}"), Timestamp(at))
    }

    #[test]
    fn checkpoints_are_written_once_read_only_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let ex = ExportDir::open(&dir.path().join("export")).unwrap();
        let s = Signer::from_seed([3; 32]);
        let (a, b) = (cp(&s, 200, 2), cp(&s, 100, 1).with_hashes(vec!["x".into()]));
        let pa = ex.write(&a).unwrap();
        ex.write(&b).unwrap();
        assert_eq!(pa.file_name().unwrap(), "checkpoint-000000000200.json");
        assert_eq!(std::fs::metadata(&pa).unwrap().permissions().mode() & 0o777, 0o444);
        // Same content again: fine. Different content for the same count: refused, file unchanged.
        let before = std::fs::read(&pa).unwrap();
        ex.write(&a).unwrap();
        let err = ex.write(&cp(&s, 200, 3)).unwrap_err();
        assert!(matches!(err, AuditError::ExportConflict { .. }), "{err}");
        assert_eq!(std::fs::read(&pa).unwrap(), before);
        let (key, cps) = ex.read().unwrap();
        assert_eq!(key, None);
        assert_eq!(cps, vec![b, a]);
    }

    #[test]
    fn verifying_key_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let ex = ExportDir::open(dir.path()).unwrap();
        let k = Signer::from_seed([1; 32]).verifying_key_hex();
        ex.write_verifying_key(&k).unwrap();
        ex.write_verifying_key(&k).unwrap();
        let other = Signer::from_seed([2; 32]).verifying_key_hex();
        assert!(matches!(ex.write_verifying_key(&other), Err(AuditError::ExportConflict { .. })));
        assert_eq!(ex.read().unwrap().0, Some(k));
    }

    #[test]
    fn a_renamed_or_garbled_export_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let ex = ExportDir::open(dir.path()).unwrap();
        let s = Signer::from_seed([3; 32]);
        let p = ex.write(&cp(&s, 5, 1)).unwrap();
        std::fs::copy(&p, dir.path().join("checkpoint-000000000006.json")).unwrap();
        assert!(matches!(ex.read(), Err(AuditError::ExportCorrupt { .. })));
        std::fs::remove_file(dir.path().join("checkpoint-000000000006.json")).unwrap();
        std::fs::write(dir.path().join("checkpoint-000000000007.json"), "{not json").unwrap();
        assert!(matches!(ex.read(), Err(AuditError::ExportCorrupt { .. })));
        // Unrelated files are ignored.
        std::fs::remove_file(dir.path().join("checkpoint-000000000007.json")).unwrap();
        std::fs::write(dir.path().join("README"), "hi").unwrap();
        assert_eq!(ex.read().unwrap().1.len(), 1);
    }
}
