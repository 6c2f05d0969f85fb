//! The lab's issuer key: one Ed25519 key pair, its did:key, stored in the lab's home.
//!
//! File (`<home>/keys/issuer.key`, mode 0600, JSON):
//!
//! ```json
//! {
//!   "type": "Ed25519",
//!   "did": "did:key:z6Mk…",
//!   "publicKeyMultibase": "z6Mk…",
//!   "secretKeyMultibase": "z3u2…",
//!   "created": "2026-01-01T00:00:00Z"
//! }
//! ```
//!
//! `secretKeyMultibase` is the 32-byte seed in the Multikey form (multicodec `ed25519-priv`,
//! base58btc). The key is generated from the OS random source on first use, written to a
//! temporary file created with mode 0600, fsynced and linked into place only if no key exists
//! yet (two processes racing to create it end up with the same key). A key file that group or
//! others may read is refused.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::CertError;
use super::did_key::{
    ED25519_PRIV_PREFIX, did_from_public_key, public_key_multibase, verification_method_of,
};
use super::multibase::{decode_base58btc, encode_base58btc};

/// The file name of the issuer key inside `<home>/keys/`.
pub const ISSUER_KEY_FILE: &str = "issuer.key";

/// The lab's signing key. `Debug` shows the DID only, never the secret.
pub struct IssuerKey {
    signing: SigningKey,
    did: String,
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerKey")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// The default location of the issuer key in a lab home: `<home>/keys/issuer.key`.
    pub fn default_path(home: &Path) -> PathBuf {
        home.join("keys").join(ISSUER_KEY_FILE)
    }

    /// A key from a 32-byte Ed25519 seed (tests and vectors; real keys come from
    /// [`IssuerKey::generate`]).
    pub fn from_seed(seed: &[u8; 32]) -> IssuerKey {
        let signing = SigningKey::from_bytes(seed);
        let did = did_from_public_key(&signing.verifying_key());
        IssuerKey { signing, did }
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> Result<IssuerKey, CertError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut seed[..])
            .map_err(|e| CertError::Key(format!("the OS random source failed: {e}")))?;
        Ok(IssuerKey::from_seed(&seed))
    }

    /// A key from its Multikey secret (`z3u2…`: multicodec `ed25519-priv` + 32-byte seed).
    pub fn from_secret_multibase(text: &str) -> Result<IssuerKey, CertError> {
        let bytes = Zeroizing::new(decode_base58btc(text)?);
        let Some(raw) = bytes.strip_prefix(&ED25519_PRIV_PREFIX[..]) else {
            return Err(CertError::Key(
                "the secret key is not an Ed25519 Multikey (multicodec prefix 0x8026 expected)"
                    .into(),
            ));
        };
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(raw.try_into().map_err(|_| {
            CertError::Key(format!(
                "the secret key holds {} bytes; an Ed25519 seed has 32",
                raw.len()
            ))
        })?);
        Ok(IssuerKey::from_seed(&seed))
    }

    /// The Multikey secret (`z3u2…`). Handle with care: this is the key.
    pub fn secret_multibase(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(34));
        bytes.extend_from_slice(&ED25519_PRIV_PREFIX);
        bytes.extend_from_slice(self.signing.as_bytes());
        Zeroizing::new(encode_base58btc(&bytes))
    }

    /// `did:key:z6Mk…`
    pub fn did(&self) -> &str {
        &self.did
    }

    /// `did:key:z6Mk…#z6Mk…`, the `verificationMethod` of this key's proofs.
    pub fn verification_method(&self) -> String {
        verification_method_of(&self.did)
    }

    /// The public key as Multikey (`z6Mk…`).
    pub fn public_key_multibase(&self) -> String {
        public_key_multibase(&self.verifying_key())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The raw 64-byte Ed25519 signature of `message`.
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// Loads the key at `path`, or creates it (and its folder, mode 0700) if there is none.
    pub fn load_or_create(path: &Path) -> Result<IssuerKey, CertError> {
        match IssuerKey::load(path) {
            Err(CertError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                let key = IssuerKey::generate()?;
                if key.store_new(path)? {
                    Ok(key)
                } else {
                    // Another process created it first: use theirs.
                    IssuerKey::load(path)
                }
            }
            other => other,
        }
    }

    /// Loads an existing key file; refuses one that group or others may read.
    pub fn load(path: &Path) -> Result<IssuerKey, CertError> {
        let io = |e| CertError::Io {
            context: format!("reading the issuer key {}", path.display()),
            source: e,
        };
        let file = fs::File::open(path).map_err(io)?;
        check_private(path, &file)?;
        let text = Zeroizing::new(std::io::read_to_string(file).map_err(io)?);
        let bad = |what: &str| {
            CertError::Key(format!(
                "{}: {what}; this is not a datalab issuer key file",
                path.display()
            ))
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| bad(&format!("not JSON ({e})")))?;
        if v.get("type").and_then(Value::as_str) != Some("Ed25519") {
            return Err(bad("\"type\" is not \"Ed25519\""));
        }
        let secret = v
            .get("secretKeyMultibase")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no \"secretKeyMultibase\""))?;
        let key = IssuerKey::from_secret_multibase(secret)
            .map_err(|e| bad(&format!("\"secretKeyMultibase\": {e}")))?;
        if let Some(did) = v.get("did").and_then(Value::as_str)
            && did != key.did
        {
            return Err(CertError::Key(format!(
                "{}: the stored did {did} does not belong to the stored secret key (which is {}); \
                 the file was changed",
                path.display(),
                key.did
            )));
        }
        Ok(key)
    }

    /// Writes the key to `path` if nothing is there yet. `Ok(false)`: a key already exists.
    fn store_new(&self, path: &Path) -> Result<bool, CertError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let io = |what: String| {
            move |e| CertError::Io {
                context: what,
                source: e,
            }
        };
        create_private_dir(dir).map_err(io(format!("creating {}", dir.display())))?;
        let created = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let secret = self.secret_multibase();
        let body = Zeroizing::new(
            serde_json::to_string_pretty(&json!({
                "type": "Ed25519",
                "did": self.did,
                "publicKeyMultibase": self.public_key_multibase(),
                "secretKeyMultibase": secret.as_str(),
                "created": created,
            }))
            .expect("a JSON object serialises")
                + "\n",
        );
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| ISSUER_KEY_FILE.into());
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce)
            .map_err(|e| CertError::Key(format!("the OS random source failed: {e}")))?;
        let tmp = dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            hex::encode(nonce)
        ));
        let result = (|| {
            let mut f = open_private_new(&tmp)?;
            f.write_all(body.as_bytes())?;
            f.sync_all()?;
            drop(f);
            // A hard link never replaces an existing file: the first key created wins.
            match fs::hard_link(&tmp, path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
                Err(e) => return Err(e),
            }
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(true)
        })();
        let _ = fs::remove_file(&tmp);
        result.map_err(io(format!("writing the issuer key {}", path.display())))
    }
}

#[cfg(unix)]
fn open_private_new(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private_new(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn check_private(path: &Path, file: &fs::File) -> Result<(), CertError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|e| CertError::Io {
            context: format!("reading the permissions of {}", path.display()),
            source: e,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CertError::Key(format!(
            "the issuer key {} may be read by other users (mode {:04o}); a signing key must be \
             private to its owner: run `chmod 600 {}` (and consider the key leaked if others \
             had access)",
            path.display(),
            mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &fs::File) -> Result<(), CertError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let key = IssuerKey::from_seed(&[42; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains(key.did()), "{shown}");
        assert!(!shown.contains(key.secret_multibase().as_str()), "{shown}");
        assert!(!shown.contains(&hex::encode([42u8; 32])), "{shown}");
    }

    #[test]
    fn secret_multibase_round_trip() {
        let key = IssuerKey::from_seed(&[9; 32]);
        let back = IssuerKey::from_secret_multibase(&key.secret_multibase()).unwrap();
        assert_eq!(back.did(), key.did());
        assert!(key.secret_multibase().starts_with("z3u2"));
    }

    #[test]
    fn created_once_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = IssuerKey::default_path(dir.path());
        let a = IssuerKey::load_or_create(&path).unwrap();
        let b = IssuerKey::load_or_create(&path).unwrap();
        assert_eq!(a.did(), b.did());
        assert!(a.did().starts_with("did:key:z6Mk"));
        let stored: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(stored["did"], a.did());
        assert_eq!(stored["publicKeyMultibase"], a.public_key_multibase());
        // No temporary files left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(ISSUER_KEY_FILE)]);
        // Two fresh keys differ.
        let other = tempfile::tempdir().unwrap();
        let c = IssuerKey::load_or_create(&IssuerKey::default_path(other.path())).unwrap();
        assert_ne!(a.did(), c.did());
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_0600_and_a_readable_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = IssuerKey::default_path(dir.path());
        IssuerKey::load_or_create(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        for loose in [0o640, 0o604, 0o644] {
            fs::set_permissions(&path, fs::Permissions::from_mode(loose)).unwrap();
            let err = IssuerKey::load_or_create(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
            assert!(err.contains(&format!("{loose:04o}")), "{err}");
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        IssuerKey::load(&path).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_tampered_key_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("issuer.key");
        IssuerKey::load_or_create(&path).unwrap();
        let mut v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        v["did"] = json!(IssuerKey::from_seed(&[1; 32]).did());
        fs::write(&path, v.to_string()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let err = IssuerKey::load(&path).unwrap_err().to_string();
        assert!(err.contains("does not belong"), "{err}");
    }
}
