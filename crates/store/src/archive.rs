//! The write-once raw archive and the quarantine folder: plain files beside the
//! database, shared by every backend.
//!
//! Archive layout: `<archive>/<sha[0..2]>/<sha256>`, one file per distinct
//! content, read-only, never modified. A file is first written to
//! `<archive>/.tmp/` and then renamed to its final name, so the final name
//! never holds a partial write; as the name is the hash of the content, a
//! concurrent writer of the same name can only put the same bytes there.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::StoreError;

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// True for 64 lower-case hex digits (the only shape the archive names files by).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Debug)]
pub(crate) struct Archive {
    dir: PathBuf,
    sync: bool,
}

impl Archive {
    pub(crate) fn new(dir: PathBuf, sync: bool) -> Result<Self, StoreError> {
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        Ok(Archive { dir, sync })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn durable(&self) -> bool {
        self.sync
    }

    /// Flushes every archived file written with `defer` to stable storage.
    #[cfg(target_os = "linux")]
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        use std::os::fd::AsRawFd;
        let d = File::open(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
        // SAFETY: `syncfs` takes a file descriptor that stays open (owned by `d`) for the call.
        let rc = unsafe { libc::syncfs(d.as_raw_fd()) };
        if rc != 0 {
            return Err(StoreError::io(&self.dir, std::io::Error::last_os_error()));
        }
        Ok(())
    }

    /// Without `syncfs`, a full `sync` is the portable way to flush deferred files.
    #[cfg(not(target_os = "linux"))]
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        let status = std::process::Command::new("sync").status().map_err(|e| StoreError::io(&self.dir, e))?;
        if !status.success() {
            return Err(StoreError::io(&self.dir, std::io::Error::other("sync failed")));
        }
        Ok(())
    }

    /// Path relative to the archive dir (what the database records).
    pub(crate) fn relative(sha: &str) -> PathBuf {
        Path::new(&sha[..2]).join(sha)
    }

    pub(crate) fn path_of(&self, sha: &str) -> PathBuf {
        self.dir.join(Self::relative(sha))
    }

    /// Stores `bytes` under `sha` unless a file of that name exists. An existing
    /// file is never modified: if it holds the same bytes it is reused; if not,
    /// the archive was altered and [`StoreError::Tampered`] is returned.
    /// With `defer`, a durable archive leaves the flush to [`Archive::flush`], which
    /// the store calls once before committing the transaction that names the files
    /// (group commit: one filesystem flush per batch instead of two fsyncs per file).
    pub(crate) fn put(&self, sha: &str, bytes: &[u8], defer: bool) -> Result<PathBuf, StoreError> {
        debug_assert!(is_sha256_hex(sha));
        let fin = self.path_of(sha);
        if fin.exists() {
            self.get(sha)?;
            return Ok(fin);
        }
        let parent = fin.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&parent).map_err(|e| StoreError::io(&parent, e))?;
        let tmp_dir = self.dir.join(".tmp");
        fs::create_dir_all(&tmp_dir).map_err(|e| StoreError::io(&tmp_dir, e))?;
        let tmp = tmp_dir.join(format!("{sha}.{}.{}", std::process::id(), TMP_COUNTER.fetch_add(1, Ordering::Relaxed)));
        let sync_now = self.sync && !defer;
        write_tmp(&tmp, bytes, sync_now)?;
        // The name is the content's hash, so renaming over a concurrent writer's copy
        // replaces identical bytes; a rename (unlike link + unlink) frees no inode and
        // costs one directory operation, which dominates ingest of many small files.
        if let Err(e) = fs::rename(&tmp, &fin) {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::io(&fin, e));
        }
        if sync_now {
            sync_dir(&parent)?;
        }
        Ok(fin)
    }

    /// Reads an archived file and checks it still hashes to its name.
    pub(crate) fn get(&self, sha: &str) -> Result<Vec<u8>, StoreError> {
        if !is_sha256_hex(sha) {
            return Err(StoreError::Invalid(format!("not a SHA-256 (64 lower-case hex digits): {sha:?}")));
        }
        let path = self.path_of(sha);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(StoreError::NotArchived(sha.to_string())),
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        let actual = sha256_hex(&bytes);
        if actual != sha {
            return Err(StoreError::Tampered { sha256: sha.to_string(), actual });
        }
        Ok(bytes)
    }
}

/// Writes a private temporary file, read-only from birth, optionally fsynced.
fn write_tmp(path: &Path, bytes: &[u8], sync: bool) -> Result<(), StoreError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o444);
    }
    let mut f = opts.open(path).map_err(|e| StoreError::io(path, e))?;
    f.write_all(bytes).map_err(|e| StoreError::io(path, e))?;
    if sync {
        f.sync_all().map_err(|e| StoreError::io(path, e))?;
    }
    #[cfg(not(unix))]
    {
        let mut perm = f.metadata().map_err(|e| StoreError::io(path, e))?.permissions();
        perm.set_readonly(true);
        fs::set_permissions(path, perm).map_err(|e| StoreError::io(path, e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io(dir, e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    let _ = File::open;
    Ok(())
}

/// The quarantine folder: files that could not be read at all, kept under their
/// own name for an operator, each with a `<name>.reason.txt`.
#[derive(Clone, Debug)]
pub(crate) struct Quarantine {
    dir: PathBuf,
}

impl Quarantine {
    pub(crate) fn new(dir: PathBuf) -> Result<Self, StoreError> {
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        Ok(Quarantine { dir })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Copies `bytes` in under `name` (or `stem.N.ext` when a different file
    /// already has that name). Returns the stored file name and whether it was
    /// newly written (`false`: identical bytes were already there under it).
    pub(crate) fn put(&self, name: &str, bytes: &[u8], reason: &str) -> Result<(String, bool), StoreError> {
        let clean = sanitize_name(name);
        for n in 0..10_000u32 {
            let candidate = if n == 0 { clean.clone() } else { suffixed(&clean, n) };
            let path = self.dir.join(&candidate);
            let rpath = self.dir.join(format!("{candidate}.reason.txt"));
            if !path.exists() && rpath.exists() {
                // The reason name is taken (e.g. by a file uploaded under that name).
                continue;
            }
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(bytes).map_err(|e| StoreError::io(&path, e))?;
                    f.sync_all().map_err(|e| StoreError::io(&path, e))?;
                    let text = format!("file: {name}\nsha256: {}\nreason: {reason}\n", sha256_hex(bytes));
                    OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&rpath)
                        .and_then(|mut r| r.write_all(text.as_bytes()))
                        .map_err(|e| StoreError::io(&rpath, e))?;
                    return Ok((candidate, true));
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    // Same name: keep it unless it is the very same file sent again.
                    match fs::read(&path) {
                        Ok(existing) if existing == bytes => return Ok((candidate, false)),
                        Ok(_) => continue,
                        Err(e) if e.kind() == ErrorKind::IsADirectory => continue,
                        Err(e) => return Err(StoreError::io(&path, e)),
                    }
                }
                Err(e) => return Err(StoreError::io(&path, e)),
            }
        }
        Err(StoreError::Invalid(format!("too many quarantined files named {clean:?}")))
    }
}

/// Keeps only a plain file name: no directories, no `..`, no NUL.
fn sanitize_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().map(|c| if c == '\0' || c.is_control() { '_' } else { c }).collect();
    match cleaned.as_str() {
        "" | "." | ".." => "unnamed".to_string(),
        _ => cleaned,
    }
}

/// `a.txt` → `a.1.txt`; `noext` → `noext.1`; `.hidden` → `.hidden.1`.
fn suffixed(name: &str, n: u32) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => format!("{}.{n}{}", &name[..i], &name[i..]),
        _ => format!("{name}.{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_folder() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("a\\b\\c.txt"), "c.txt");
        assert_eq!(sanitize_name(".."), "unnamed");
        assert_eq!(sanitize_name("dir/"), "unnamed");
        assert_eq!(sanitize_name("x\0y"), "x_y");
        assert_eq!(suffixed("999900000001_CDSS_20250301080610.txt", 2), "999900000001_CDSS_20250301080610.2.txt");
        assert_eq!(suffixed("noext", 1), "noext.1");
        assert_eq!(suffixed(".hidden", 1), ".hidden.1");
    }

    #[test]
    fn sha_shape() {
        assert!(is_sha256_hex(&sha256_hex(b"x")));
        assert!(!is_sha256_hex("../../../../etc/passwd"));
        assert!(!is_sha256_hex(&sha256_hex(b"x").to_uppercase()));
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
