//! Signed checkpoints (签名检查点) and the key that signs them.

use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use minesafe_model::Timestamp;
use serde::{Deserialize, Serialize};

use crate::AuditError;

const CHECKPOINT_DOMAIN: &[u8] = b"minesafe-audit-checkpoint-v1";

/// A signed statement "the chain had `count` entries and its last hash was
/// `head` at `at`". Committing to the count (not only the head) is what makes
/// truncation detectable; the signature is what makes re-stamping detectable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub count: u64,
    pub head: String,
    pub at: Timestamp,
    /// [`Signer::key_id`] of the key that signed.
    pub key_id: String,
    /// Ed25519 signature over [`checkpoint_message`], lowercase hex.
    pub signature: String,
    /// Hashes of the entries since the previous checkpoint (oldest first, the last
    /// one is `head`). Not signed and not evidence: the verdict rests on the signed
    /// head alone. After a signed head failed to match, they locate the first
    /// rewritten entry exactly instead of to within one checkpoint interval.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<String>,
}

impl Checkpoint {
    /// Attaches the locator hashes (see [`Checkpoint::hashes`]).
    pub fn with_hashes(mut self, hashes: Vec<String>) -> Self {
        self.hashes = hashes;
        self
    }

    /// The same checkpoint without the locator: what the database keeps and what
    /// stored and exported copies are compared on.
    pub fn signed_part(&self) -> Checkpoint {
        Checkpoint { hashes: Vec::new(), ..self.clone() }
    }
}

/// The bytes signed: the domain `minesafe-audit-checkpoint-v1` (length-prefixed,
/// u64 LE), `count` (u64 LE), `head` (length-prefixed), `at` (i64 LE, UTC seconds).
pub fn checkpoint_message(count: u64, head: &str, at: Timestamp) -> Vec<u8> {
    let mut m = Vec::with_capacity(8 + CHECKPOINT_DOMAIN.len() + 8 + 8 + head.len() + 8);
    m.extend_from_slice(&(CHECKPOINT_DOMAIN.len() as u64).to_le_bytes());
    m.extend_from_slice(CHECKPOINT_DOMAIN);
    m.extend_from_slice(&count.to_le_bytes());
    m.extend_from_slice(&(head.len() as u64).to_le_bytes());
    m.extend_from_slice(head.as_bytes());
    m.extend_from_slice(&at.0.to_le_bytes());
    m
}

/// First 16 hex digits of BLAKE3 of the public key: names the key in checkpoints
/// so a rotated key is recognisable without printing the whole key.
pub fn key_id_of(verifying_key: &[u8; 32]) -> String {
    blake3::hash(verifying_key).to_hex()[..16].to_string()
}

/// Whether `cp` carries a valid signature by `verifying_key_hex` (and names that
/// key). Any malformed hex is simply "not valid".
pub fn verify_checkpoint(cp: &Checkpoint, verifying_key_hex: &str) -> bool {
    let Some(vk) = parse_verifying_key(verifying_key_hex) else { return false };
    if cp.key_id != key_id_of(vk.as_bytes()) {
        return false;
    }
    let Some(sig) = hex::decode(&cp.signature).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else { return false };
    vk.verify_strict(&checkpoint_message(cp.count, &cp.head, cp.at), &Signature::from_bytes(&sig)).is_ok()
}

pub(crate) fn parse_verifying_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The checkpoint signing key. Lives in its own file, apart from the database:
/// someone who can rewrite the database must not also be able to sign.
pub struct Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("key_id", &self.key_id()).finish_non_exhaustive()
    }
}

impl Signer {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Signer { key: SigningKey::from_bytes(&seed) }
    }

    /// A fresh key from the kernel's random source.
    pub fn generate() -> Result<Self, AuditError> {
        const SOURCE: &str = "/dev/urandom";
        let mut seed = [0u8; 32];
        std::fs::File::open(SOURCE).and_then(|mut f| f.read_exact(&mut seed)).map_err(|e| AuditError::io(SOURCE, e))?;
        let s = Signer::from_seed(seed);
        seed.fill(0);
        Ok(s)
    }

    /// Loads the key at `path` (64 hex digits of seed), or creates it there with
    /// mode 0600 (its folder with 0700) if there is none. Refuses a key file that
    /// group or other can read.
    pub fn load_or_create(path: &Path) -> Result<Self, AuditError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| AuditError::io(dir, e))?;
            }
        }
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(mut f) => {
                let s = Signer::generate()?;
                let mut text = hex::encode(s.key.to_bytes());
                text.push('\n');
                f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| AuditError::io(path, e))?;
                Ok(s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Signer::load(path),
            Err(e) => Err(AuditError::io(path, e)),
        }
    }

    /// Loads an existing key file (see [`load_or_create`](Signer::load_or_create)).
    pub fn load(path: &Path) -> Result<Self, AuditError> {
        let meta = std::fs::metadata(path).map_err(|e| AuditError::io(path, e))?;
        if !meta.is_file() {
            return Err(AuditError::KeyFormat { path: path.into(), reason: "not a regular file".into() });
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(AuditError::KeyPermissions { path: path.into(), mode });
        }
        let text = std::fs::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
        let bad = |reason: String| AuditError::KeyFormat { path: path.into(), reason };
        let bytes = hex::decode(text.trim()).map_err(|e| bad(e.to_string()))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| bad(format!("{} bytes, expected 32", b.len())))?;
        Ok(Signer::from_seed(seed))
    }

    /// Signs "`count` entries, last hash `head`, at `at`".
    pub fn sign(&self, count: u64, head: &str, at: Timestamp) -> Checkpoint {
        let sig = self.key.sign(&checkpoint_message(count, head, at));
        Checkpoint { count, head: head.to_string(), at, key_id: self.key_id(), signature: hex::encode(sig.to_bytes()), hashes: Vec::new() }
    }

    pub fn verifying_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    pub fn key_id(&self) -> String {
        key_id_of(&self.key.verifying_key().to_bytes())
    }
}

/// When to write the next checkpoint: every `every_events` entries or every
/// `every_secs` seconds, whichever comes first. A limit of 0 is switched off.
/// Both bound the window [`verify`](crate::verify) cannot protect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointPolicy {
    pub every_events: u64,
    pub every_secs: i64,
}

impl Default for CheckpointPolicy {
    fn default() -> Self {
        CheckpointPolicy { every_events: 100, every_secs: 300 }
    }
}

impl CheckpointPolicy {
    /// Whether a checkpoint is due now that the chain has `count` entries. Never
    /// without entries after `last`. With no checkpoint yet, any entry makes one
    /// due: there is no earlier checkpoint to measure time from, and the first
    /// entries are as worth protecting as any.
    pub fn due(&self, last: Option<&Checkpoint>, count: u64, now: Timestamp) -> bool {
        let done = last.map_or(0, |c| c.count);
        if count <= done {
            return false;
        }
        let Some(last) = last else { return true };
        (self.every_events > 0 && count - done >= self.every_events) || (self.every_secs > 0 && now.secs_since(last.at) >= self.every_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        Timestamp::parse_beijing("2026-01-31 10:00:00").unwrap()
    }

    const HEAD: &str = "abababababababababababababababababababababababababababababababab";

    #[test]
    fn signature_verifies_and_binds_every_signed_field() {
        let s = Signer::from_seed([7; 32]);
        let head = "ab".repeat(32);
        let cp = s.sign(42, &head, t0());
        let vk = s.verifying_key_hex();
        assert!(verify_checkpoint(&cp, &vk));
        assert_eq!(cp.key_id.len(), 16);
        assert_eq!(cp.key_id, key_id_of(&hex::decode(&vk).unwrap().try_into().unwrap()));
        for bad in [
            Checkpoint { count: 41, ..cp.clone() },
            Checkpoint { head: "ac".repeat(32), ..cp.clone() },
            Checkpoint { at: t0().plus_secs(1), ..cp.clone() },
            Checkpoint { signature: "00".repeat(64), ..cp.clone() },
            Checkpoint { signature: "zz".into(), ..cp.clone() },
            Checkpoint { key_id: "0".repeat(16), ..cp.clone() },
        ] {
            assert!(!verify_checkpoint(&bad, &vk), "{bad:?}");
        }
        // Another key, or a malformed key, does not verify.
        assert!(!verify_checkpoint(&cp, &Signer::from_seed([8; 32]).verifying_key_hex()));
        assert!(!verify_checkpoint(&cp, "not hex"));
        // The locator hashes are not signed.
        assert!(verify_checkpoint(&cp.clone().with_hashes(vec![head.clone()]), &vk));
    }

    #[test]
    fn generated_keys_differ() {
        let a = Signer::generate().unwrap();
        let b = Signer::generate().unwrap();
        assert_ne!(a.verifying_key_hex(), b.verifying_key_hex());
        assert_eq!(a.verifying_key_hex().len(), 64);
    }

    #[test]
    fn key_file_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/audit.key");
        let a = Signer::load_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        let b = Signer::load_or_create(&path).unwrap();
        assert_eq!(a.verifying_key_hex(), b.verifying_key_hex());
        // The Debug form does not leak the seed.
        let seed = std::fs::read_to_string(&path).unwrap();
        assert!(!format!("{a:?}").contains(seed.trim()));
    }

    #[test]
    fn key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        Signer::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Signer::load_or_create(&path).unwrap_err();
        assert!(matches!(err, AuditError::KeyPermissions { mode: 0o644, .. }), "{err}");
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(Signer::load(&path), Err(AuditError::KeyPermissions { .. })));
    }

    #[test]
    fn malformed_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("short", "abcd"), ("nothex", &"zz".repeat(32)), ("empty", "")] {
            let path = dir.path().join(name);
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).unwrap().write_all(text.as_bytes()).unwrap();
            assert!(matches!(Signer::load(&path), Err(AuditError::KeyFormat { .. })), "{name}");
        }
        assert!(matches!(Signer::load(&dir.path().join("missing")), Err(AuditError::Io { .. })));
    }

    #[test]
    fn policy_is_due_by_count_or_time_and_never_without_new_entries() {
        let p = CheckpointPolicy::default();
        assert_eq!((p.every_events, p.every_secs), (100, 300));
        let s = Signer::from_seed([1; 32]);
        let last = s.sign(100, HEAD, t0());
        assert!(!p.due(None, 0, t0()));
        assert!(p.due(None, 1, t0()));
        assert!(!p.due(Some(&last), 100, t0().plus_secs(10_000)), "no new entries");
        assert!(!p.due(Some(&last), 199, t0().plus_secs(299)));
        assert!(p.due(Some(&last), 200, t0().plus_secs(1)), "count limit reached");
        assert!(p.due(Some(&last), 101, t0().plus_secs(300)), "time limit reached");
        let count_only = CheckpointPolicy { every_events: 10, every_secs: 0 };
        assert!(!count_only.due(Some(&last), 109, t0().plus_secs(1_000_000)));
        assert!(count_only.due(Some(&last), 110, t0()));
    }
}
