//! The keystore: named 32-byte keys kept apart from the data, encrypted at rest.
//!
//! **File** (`<lab home>/keys/keystore.json` by default, see [`default_keystore_path`]; any
//! other path, e.g. on a removable volume, works too) — pretty-printed JSON:
//!
//! ```json
//! {
//!   "format": "datalab-keystore",
//!   "version": 1,
//!   "kek": { "kdf": "argon2id", "salt": "…", "m_kib": 65536, "t": 3, "p": 1 },
//!   "keys": [
//!     { "id": "k_3f0c…", "purpose": "tokens", "created": "2025-05-01T10:00:00Z",
//!       "status": "active", "retired": null }
//!   ],
//!   "nonce": "…",
//!   "sealed": "…"
//! }
//! ```
//!
//! `sealed` (base64url) is XChaCha20-Poly1305 over the concatenated key material (32 bytes per
//! key, in the order of `keys`), with the compact JSON of the header (`format`, `version`,
//! `kek`, `keys`) as associated data; a fresh random `nonce` is drawn at every save. The
//! key-encryption key (KEK) is Argon2id of the passphrase with the stored salt and
//! parameters (`"kdf": "argon2id"`), or a raw 32-byte key given in hex or base64
//! (`"kdf": "raw"`). On opening, the file must also be byte for byte the form datalab writes,
//! so *any* change of *any* byte — metadata, whitespace, ciphertext — is refused.
//!
//! Key ids are `k_` and 16 random hex digits: they say nothing about the key material.
//!
//! **Files and permissions.** Written atomically (temporary file in the same folder, mode 0600
//! set before any byte is written, fsync, rename); folders the keystore creates get mode 0700.
//! A keystore readable or writable by group or others is refused on opening (as `ssh` does
//! with private keys), with the `chmod` that fixes it.
//!
//! **Secrets.** Where the passphrase comes from: [`KeySource::from_env_or_prompt`]. Key
//! material, the KEK and the passphrase are wiped from memory when dropped and never appear in
//! an error, `Debug` or `Display` text.

use std::fmt;
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use datalab_data::write::AtomicFile;

use super::encoding::{base64url, decode_base64, decode_hex, hex};
use super::seal;

pub const FORMAT: &str = "datalab-keystore";
pub const VERSION: u32 = 1;
/// Environment variable holding the keystore passphrase.
pub const PASSPHRASE_ENV: &str = "DATALAB_KEY_PASSPHRASE";
/// Environment variable naming a file with the passphrase or a raw 32-byte key (hex/base64).
pub const KEY_FILE_ENV: &str = "DATALAB_KEY_FILE";

/// Bounds on Argon2 parameters read from a file, checked before any work is done (the header
/// is authenticated only after the KDF has run, so a modified file must not be able to make
/// it allocate without bound).
const MAX_M_KIB: u32 = 1024 * 1024;
const MAX_T: u32 = 100;
const MAX_P: u32 = 64;
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// `<lab home>/keys/keystore.json`.
pub fn default_keystore_path(home: &Path) -> PathBuf {
    home.join("keys").join("keystore.json")
}

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("no keystore at {0}")]
    NotFound(PathBuf),
    #[error("{0} already exists; open it instead of creating a new keystore")]
    Exists(PathBuf),
    #[error(
        "{path} can be read or written by group or others (mode {mode:03o}); it holds secrets \
         and must be private: run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path}: not a datalab keystore ({reason})")]
    NotAKeystore { path: PathBuf, reason: String },
    #[error("{path}: damaged or modified keystore ({reason})")]
    Damaged { path: PathBuf, reason: String },
    #[error("{0}: wrong passphrase or damaged keystore")]
    WrongPassphrase(PathBuf),
    #[error(
        "{0} is locked with a raw 32-byte key, not a passphrase: set {KEY_FILE_ENV} to the \
         file holding that key (hex or base64)"
    )]
    NeedsRawKey(PathBuf),
    #[error(
        "no keystore passphrase: set {PASSPHRASE_ENV}, or {KEY_FILE_ENV} to a file holding the \
         passphrase or a 32-byte key (hex or base64), or run in a terminal to be asked for it"
    )]
    NoSecret,
    #[error("the keystore passphrase is empty")]
    EmptyPassphrase,
    #[error("the two passphrases differ")]
    PassphraseMismatch,
    #[error("{0}")]
    BadSource(String),
    #[error("no key {0} in the keystore")]
    UnknownKey(String),
    #[error("no active key for purpose '{0}'")]
    NoActiveKey(String),
    #[error("purpose '{0}' already has an active key; rotate it to replace it")]
    ActiveKeyExists(String),
    #[error("bad key purpose: {0}")]
    BadPurpose(String),
    #[error("bad key id '{0}' (expected k_ and 16 hex digits)")]
    BadKeyId(String),
    #[error("key derivation: {0}")]
    Kdf(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("{0}")]
    Write(String),
}

pub type Result<T, E = KeystoreError> = std::result::Result<T, E>;

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> KeystoreError {
    let context = context.into();
    move |source| KeystoreError::Io { context, source }
}

// ---------------------------------------------------------------------------------------------
// Ids, keys, metadata
// ---------------------------------------------------------------------------------------------

/// `k_` and 16 lowercase hex digits, random.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

impl KeyId {
    fn random() -> Result<KeyId> {
        let mut b = [0u8; 8];
        super::os_random(&mut b).map_err(io_err("generating a key id"))?;
        Ok(KeyId(format!("k_{}", hex(&b))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KeyId {
    type Err = KeystoreError;

    fn from_str(s: &str) -> Result<KeyId> {
        let ok = s.len() == 18
            && s.starts_with("k_")
            && s[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(KeyId(s.to_string()))
        } else {
            Err(KeystoreError::BadKeyId(s.chars().take(40).collect()))
        }
    }
}

impl TryFrom<String> for KeyId {
    type Error = KeystoreError;

    fn try_from(s: String) -> Result<KeyId> {
        s.parse()
    }
}

impl From<KeyId> for String {
    fn from(k: KeyId) -> String {
        k.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Used for new pseudonyms.
    Active,
    /// Kept so that data pseudonymised with it can still be reversed or re-keyed.
    Retired,
}

/// Metadata of one key: never its material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    pub id: KeyId,
    pub purpose: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub status: KeyStatus,
    /// When it was retired (RFC 3339, UTC).
    pub retired: Option<String>,
}

/// 32 bytes of key material; wiped on drop. `Debug` shows only the id.
#[derive(Clone)]
pub struct Key {
    id: KeyId,
    material: Zeroizing<[u8; 32]>,
}

impl Key {
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The key material, for the pseudonymisation functions.
    pub fn material(&self) -> &[u8; 32] {
        &self.material
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id.0)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Where the passphrase comes from
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SecretKind {
    /// Always a passphrase (env var, prompt).
    Passphrase,
    /// A raw 32-byte key when it parses as one (64 hex digits or base64 of 32 bytes), else a
    /// passphrase (key files).
    PassphraseOrKey,
}

/// The secret that unlocks a keystore. `Debug` shows where it came from, never the secret.
pub struct KeySource {
    secret: Zeroizing<String>,
    kind: SecretKind,
    origin: String,
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySource")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl KeySource {
    pub fn passphrase(passphrase: impl Into<String>) -> KeySource {
        KeySource {
            secret: Zeroizing::new(passphrase.into()),
            kind: SecretKind::Passphrase,
            origin: "passphrase".into(),
        }
    }

    /// A raw key-encryption key (no Argon2).
    pub fn raw_key(kek: &[u8; 32]) -> KeySource {
        KeySource {
            secret: Zeroizing::new(hex(kek)),
            kind: SecretKind::PassphraseOrKey,
            origin: "raw key".into(),
        }
    }

    /// A file holding a raw 32-byte key (64 hex digits, or base64) or else a passphrase (one
    /// trailing newline is dropped).
    pub fn from_key_file(path: &Path) -> Result<KeySource> {
        let f =
            fs::File::open(path).map_err(io_err(format!("opening key file {}", path.display())))?;
        let mut bytes = Zeroizing::new(Vec::new());
        Read::take(f, 64 * 1024)
            .read_to_end(&mut bytes)
            .map_err(io_err(format!("reading key file {}", path.display())))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            KeystoreError::BadSource(format!("key file {} is not UTF-8 text", path.display()))
        })?;
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(text);
        Ok(KeySource {
            secret: Zeroizing::new(text.to_string()),
            kind: SecretKind::PassphraseOrKey,
            origin: format!("key file {}", path.display()),
        })
    }

    /// `DATALAB_KEY_PASSPHRASE`, else `DATALAB_KEY_FILE`, else a prompt on the terminal when
    /// standard input is one (asked twice when `confirm`, for a new keystore), else
    /// [`KeystoreError::NoSecret`].
    pub fn from_env_or_prompt(confirm: bool) -> Result<KeySource> {
        let passphrase = match std::env::var(PASSPHRASE_ENV) {
            Ok(p) => Some(Zeroizing::new(p)),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(KeystoreError::BadSource(format!(
                    "{PASSPHRASE_ENV} is not valid UTF-8"
                )));
            }
        };
        let key_file = std::env::var_os(KEY_FILE_ENV).map(PathBuf::from);
        Self::resolve(
            passphrase,
            key_file.as_deref(),
            io::stdin().is_terminal(),
            confirm,
        )
    }

    /// The resolution order of [`KeySource::from_env_or_prompt`], on given values.
    pub fn resolve(
        passphrase_env: Option<Zeroizing<String>>,
        key_file_env: Option<&Path>,
        interactive: bool,
        confirm: bool,
    ) -> Result<KeySource> {
        if let Some(p) = passphrase_env {
            return Ok(KeySource {
                secret: p,
                kind: SecretKind::Passphrase,
                origin: PASSPHRASE_ENV.into(),
            });
        }
        if let Some(path) = key_file_env {
            return Self::from_key_file(path);
        }
        if !interactive {
            return Err(KeystoreError::NoSecret);
        }
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(io_err("reading the passphrase from the terminal"))
        };
        let first = ask("Keystore passphrase: ")?;
        if confirm {
            let second = ask("Repeat the passphrase: ")?;
            if *first != *second {
                return Err(KeystoreError::PassphraseMismatch);
            }
        }
        Ok(KeySource {
            secret: first,
            kind: SecretKind::Passphrase,
            origin: "terminal".into(),
        })
    }

    /// Where the secret came from (for messages): never the secret itself.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn raw(&self) -> Option<Zeroizing<[u8; 32]>> {
        if self.kind != SecretKind::PassphraseOrKey {
            return None;
        }
        let t = self.secret.trim();
        let bytes = Zeroizing::new(if t.len() == 64 {
            decode_hex(t)?
        } else {
            decode_base64(t)?
        });
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(Zeroizing::new(arr))
    }
}

// ---------------------------------------------------------------------------------------------
// KEK parameters and the file
// ---------------------------------------------------------------------------------------------

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane (about a quarter of a second).
    fn default() -> Self {
        KdfParams {
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kdf", rename_all = "lowercase", deny_unknown_fields)]
enum Kek {
    Argon2id {
        salt: String,
        m_kib: u32,
        t: u32,
        p: u32,
    },
    Raw,
}

#[derive(Serialize)]
struct Header<'a> {
    format: &'a str,
    version: u32,
    kek: &'a Kek,
    keys: &'a [KeyInfo],
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    format: String,
    version: u32,
    kek: Kek,
    keys: Vec<KeyInfo>,
    nonce: String,
    sealed: String,
}

fn header_bytes(kek: &Kek, keys: &[KeyInfo]) -> Vec<u8> {
    serde_json::to_vec(&Header {
        format: FORMAT,
        version: VERSION,
        kek,
        keys,
    })
    .unwrap_or_default()
}

fn derive_kek(path: &Path, kek: &Kek, source: &KeySource) -> Result<Zeroizing<[u8; 32]>> {
    match kek {
        Kek::Raw => source
            .raw()
            .ok_or_else(|| KeystoreError::NeedsRawKey(path.to_path_buf())),
        Kek::Argon2id { salt, m_kib, t, p } => {
            if source.secret.is_empty() {
                return Err(KeystoreError::EmptyPassphrase);
            }
            let damaged = |reason: &str| KeystoreError::Damaged {
                path: path.to_path_buf(),
                reason: reason.to_string(),
            };
            let salt = decode_base64(salt).ok_or_else(|| damaged("bad salt"))?;
            if *m_kib > MAX_M_KIB || *t > MAX_T || *p > MAX_P || *t == 0 || *p == 0 {
                return Err(damaged("Argon2 parameters out of range"));
            }
            let params = argon2::Params::new(*m_kib, *t, *p, Some(32))
                .map_err(|e| KeystoreError::Kdf(e.to_string()))?;
            let argon =
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let mut out = Zeroizing::new([0u8; 32]);
            argon
                .hash_password_into(source.secret.as_bytes(), &salt, &mut out[..])
                .map_err(|e| KeystoreError::Kdf(e.to_string()))?;
            Ok(out)
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Creates missing folders of `dir` with mode 0700.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(io_err(format!("creating folder {}", dir.display())))
}

/// Writes `bytes` to `path` atomically with mode 0600 (set before writing).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut f = AtomicFile::create(path).map_err(|e| KeystoreError::Write(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io_err(format!(
                "setting permissions of a file next to {}",
                path.display()
            )))?;
    }
    f.file()
        .write_all(bytes)
        .map_err(io_err(format!("writing {}", path.display())))?;
    f.commit().map_err(|e| KeystoreError::Write(e.to_string()))
}

/// Reads a private file: refused when group or others may read or write it.
pub(crate) fn read_private(path: &Path) -> Result<Vec<u8>> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(KeystoreError::NotFound(path.to_path_buf()));
        }
        Err(e) => return Err(io_err(format!("reading {}", path.display()))(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeystoreError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(KeystoreError::NotAKeystore {
            path: path.to_path_buf(),
            reason: format!("{} bytes is far too large", meta.len()),
        });
    }
    fs::read(path).map_err(io_err(format!("reading {}", path.display())))
}

// ---------------------------------------------------------------------------------------------
// The keystore
// ---------------------------------------------------------------------------------------------

/// An open keystore. Changes ([`Keystore::new_key`], [`Keystore::rotate`]) stay in memory
/// until [`Keystore::save`].
pub struct Keystore {
    path: PathBuf,
    kek_params: Kek,
    kek: Zeroizing<[u8; 32]>,
    keys: Vec<KeyInfo>,
    material: Vec<Zeroizing<[u8; 32]>>,
}

impl fmt::Debug for Keystore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keystore")
            .field("path", &self.path)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Keystore {
    /// Creates and writes an empty keystore at `path` (refused if the file exists), with the
    /// default Argon2id parameters when `source` is a passphrase.
    pub fn create(path: &Path, source: &KeySource) -> Result<Keystore> {
        Self::create_with(path, source, KdfParams::default())
    }

    /// [`Keystore::create`] with chosen Argon2id parameters (small ones for tests).
    pub fn create_with(path: &Path, source: &KeySource, params: KdfParams) -> Result<Keystore> {
        if path.exists() {
            return Err(KeystoreError::Exists(path.to_path_buf()));
        }
        let kek_params = if source.raw().is_some() {
            Kek::Raw
        } else {
            if source.secret.is_empty() {
                return Err(KeystoreError::EmptyPassphrase);
            }
            if params.m_kib > MAX_M_KIB
                || !(1..=MAX_T).contains(&params.t)
                || !(1..=MAX_P).contains(&params.p)
            {
                return Err(KeystoreError::Kdf(format!(
                    "Argon2 parameters out of range: memory at most {MAX_M_KIB} KiB, 1 to \
                     {MAX_T} passes, 1 to {MAX_P} lanes"
                )));
            }
            let mut salt = [0u8; 16];
            super::os_random(&mut salt).map_err(io_err("generating a salt"))?;
            Kek::Argon2id {
                salt: base64url(&salt),
                m_kib: params.m_kib,
                t: params.t,
                p: params.p,
            }
        };
        let kek = derive_kek(path, &kek_params, source)?;
        let mut ks = Keystore {
            path: path.to_path_buf(),
            kek_params,
            kek,
            keys: Vec::new(),
            material: Vec::new(),
        };
        ks.save()?;
        Ok(ks)
    }

    /// Opens and decrypts the keystore at `path`.
    pub fn open(path: &Path, source: &KeySource) -> Result<Keystore> {
        let bytes = Zeroizing::new(read_private(path)?);
        let damaged = |reason: String| KeystoreError::Damaged {
            path: path.to_path_buf(),
            reason,
        };
        let file: StoreFile = match serde_json::from_slice(&bytes) {
            Ok(f) => f,
            Err(e) => {
                // Say "not a keystore" only when it does not even claim to be one.
                let claims = std::str::from_utf8(&bytes).is_ok_and(|s| s.contains(FORMAT));
                return Err(if claims {
                    damaged(format!("unreadable: {e}"))
                } else {
                    KeystoreError::NotAKeystore {
                        path: path.to_path_buf(),
                        reason: e.to_string(),
                    }
                });
            }
        };
        if file.format != FORMAT {
            return Err(KeystoreError::NotAKeystore {
                path: path.to_path_buf(),
                reason: format!(
                    "format '{}'",
                    file.format.chars().take(40).collect::<String>()
                ),
            });
        }
        if file.version != VERSION {
            return Err(KeystoreError::NotAKeystore {
                path: path.to_path_buf(),
                reason: format!(
                    "version {} (this datalab reads version {VERSION})",
                    file.version
                ),
            });
        }
        if render(&file).as_bytes() != bytes.as_slice() {
            return Err(damaged(
                "the file differs from the form datalab writes: it was edited".into(),
            ));
        }
        let nonce: [u8; seal::NONCE_LEN] = decode_base64(&file.nonce)
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| damaged("bad nonce".into()))?;
        let sealed = decode_base64(&file.sealed).ok_or_else(|| damaged("bad ciphertext".into()))?;
        if sealed.len() != file.keys.len() * 32 + seal::TAG_LEN {
            return Err(damaged(
                "ciphertext length does not match the key list".into(),
            ));
        }
        let mut ids: Vec<&KeyId> = file.keys.iter().map(|k| &k.id).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != file.keys.len() {
            return Err(damaged("duplicate key ids".into()));
        }
        let kek = derive_kek(path, &file.kek, source)?;
        let aad = header_bytes(&file.kek, &file.keys);
        let plain = seal::open(&kek, &nonce, &aad, &sealed)
            .ok_or_else(|| KeystoreError::WrongPassphrase(path.to_path_buf()))?;
        let material = plain
            .chunks_exact(32)
            .map(|c| {
                let mut k = Zeroizing::new([0u8; 32]);
                k.copy_from_slice(c);
                k
            })
            .collect();
        Ok(Keystore {
            path: path.to_path_buf(),
            kek_params: file.kek,
            kek,
            keys: file.keys,
            material,
        })
    }

    /// Encrypts and writes the keystore (atomically, mode 0600).
    pub fn save(&mut self) -> Result<()> {
        let aad = header_bytes(&self.kek_params, &self.keys);
        let mut plain = Zeroizing::new(Vec::with_capacity(self.material.len() * 32));
        for m in &self.material {
            plain.extend_from_slice(&m[..]);
        }
        let (nonce, sealed) =
            seal::seal(&self.kek, &aad, &plain).map_err(io_err("encrypting the keystore"))?;
        let file = StoreFile {
            format: FORMAT.into(),
            version: VERSION,
            kek: self.kek_params.clone(),
            keys: self.keys.clone(),
            nonce: base64url(&nonce),
            sealed: base64url(&sealed),
        };
        write_private(&self.path, render(&file).as_bytes())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ids and metadata of all keys, oldest first. Never material.
    pub fn list(&self) -> &[KeyInfo] {
        &self.keys
    }

    /// A new random active key for `purpose` (refused when the purpose already has an active
    /// key: use [`Keystore::rotate`]).
    pub fn new_key(&mut self, purpose: &str) -> Result<KeyId> {
        check_purpose(purpose)?;
        if self.active_index(purpose).is_some() {
            return Err(KeystoreError::ActiveKeyExists(purpose.to_string()));
        }
        self.add_key(purpose)
    }

    /// A new active key for `purpose`; the previous active one (if any) becomes retired but is
    /// kept, so data pseudonymised with it can still be reversed or re-keyed.
    pub fn rotate(&mut self, purpose: &str) -> Result<KeyId> {
        check_purpose(purpose)?;
        let old = self.active_index(purpose);
        let id = self.add_key(purpose)?;
        if let Some(i) = old {
            self.keys[i].status = KeyStatus::Retired;
            self.keys[i].retired = Some(now());
        }
        Ok(id)
    }

    fn add_key(&mut self, purpose: &str) -> Result<KeyId> {
        let mut id = KeyId::random()?;
        while self.keys.iter().any(|k| k.id == id) {
            id = KeyId::random()?;
        }
        let mut material = Zeroizing::new([0u8; 32]);
        super::os_random(&mut material[..]).map_err(io_err("generating a key"))?;
        self.keys.push(KeyInfo {
            id: id.clone(),
            purpose: purpose.to_string(),
            created: now(),
            status: KeyStatus::Active,
            retired: None,
        });
        self.material.push(material);
        Ok(id)
    }

    fn active_index(&self, purpose: &str) -> Option<usize> {
        self.keys
            .iter()
            .rposition(|k| k.purpose == purpose && k.status == KeyStatus::Active)
    }

    /// The key with id `id`, active or retired.
    pub fn get(&self, id: &KeyId) -> Result<Key> {
        let i = self
            .keys
            .iter()
            .position(|k| &k.id == id)
            .ok_or_else(|| KeystoreError::UnknownKey(id.to_string()))?;
        Ok(Key {
            id: id.clone(),
            material: self.material[i].clone(),
        })
    }

    /// The active key for `purpose`.
    pub fn active_key(&self, purpose: &str) -> Result<Key> {
        let i = self
            .active_index(purpose)
            .ok_or_else(|| KeystoreError::NoActiveKey(purpose.to_string()))?;
        Ok(Key {
            id: self.keys[i].id.clone(),
            material: self.material[i].clone(),
        })
    }
}

impl Drop for Keystore {
    fn drop(&mut self) {
        // Zeroizing wipes the KEK and each key; nothing else holds secrets.
        self.kek.zeroize();
    }
}

fn render(file: &StoreFile) -> String {
    let mut s = serde_json::to_string_pretty(file).unwrap_or_default();
    s.push('\n');
    s
}

fn check_purpose(purpose: &str) -> Result<()> {
    if purpose.trim().is_empty() {
        return Err(KeystoreError::BadPurpose("it is empty".into()));
    }
    if purpose.chars().count() > 200 {
        return Err(KeystoreError::BadPurpose(
            "longer than 200 characters".into(),
        ));
    }
    if purpose.chars().any(char::is_control) {
        return Err(KeystoreError::BadPurpose(
            "it contains control characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_order() {
        let dir = tempfile::tempdir().unwrap();
        let kf = dir.path().join("kek");
        fs::write(&kf, format!("{}\n", "ab".repeat(32))).unwrap();
        let s =
            KeySource::resolve(Some(Zeroizing::new("pw".into())), Some(&kf), false, false).unwrap();
        assert_eq!(s.origin(), PASSPHRASE_ENV);
        assert!(s.raw().is_none());
        let s = KeySource::resolve(None, Some(&kf), false, false).unwrap();
        assert!(s.origin().starts_with("key file"));
        assert_eq!(s.raw().unwrap()[..], [0xab; 32]);
        assert!(!format!("{s:?}").contains("abab"));
        assert!(matches!(
            KeySource::resolve(None, None, false, false),
            Err(KeystoreError::NoSecret)
        ));
        fs::write(&kf, "correct horse battery staple\r\n").unwrap();
        let s = KeySource::resolve(None, Some(&kf), false, false).unwrap();
        assert!(s.raw().is_none());
        assert_eq!(s.secret.as_str(), "correct horse battery staple");
        let b64 = crate::pseudo::encoding::base64url(&[7u8; 32]);
        fs::write(&kf, &b64).unwrap();
        assert_eq!(
            KeySource::resolve(None, Some(&kf), false, false)
                .unwrap()
                .raw()
                .unwrap()[..],
            [7u8; 32]
        );
    }

    #[test]
    fn key_ids() {
        let id = KeyId::random().unwrap();
        assert_eq!(id.as_str().len(), 18);
        assert_eq!(id.as_str().parse::<KeyId>().unwrap(), id);
        assert!("k_xyz".parse::<KeyId>().is_err());
        assert!("k_0123456789ABCDEF".parse::<KeyId>().is_err());
    }
}
