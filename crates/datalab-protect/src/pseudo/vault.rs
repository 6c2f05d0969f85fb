//! The token vault: random tokens for values, kept in an encrypted value ↔ token table.
//!
//! Unlike keyed tokens, a vault token has no relation to its value at all (16 base32
//! characters = 80 bits from the operating system's random generator); reversing needs the
//! table *and* the key. A repeated value gets its existing token.
//!
//! **File** (`<lab home>/vaults/<name>.vault`, see [`vault_path`]), binary:
//!
//! ```text
//! "DLVAULT1" | key-id length (1 byte) | key id (ASCII) | nonce (24 bytes) | sealed table
//! ```
//!
//! The table — entry count (u64 LE), then per entry the 16 token bytes, the value's length
//! (u32 LE) and its UTF-8 bytes — is sealed as a whole with XChaCha20-Poly1305 under
//! `derive_key(key, "datalab-vault-v1", "")`, with everything before the nonce as associated
//! data; a fresh nonce is drawn at every save. The whole table is rewritten on each save
//! (atomically, mode 0600): simple, and fine up to a few million entries.
//! The key id in the header lets a wrong key be named before any decryption is tried.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use super::keystore::{Key, KeyId, KeystoreError, read_private, write_private};
use super::seal;

const MAGIC: &[u8; 8] = b"DLVAULT1";
pub const VAULT_LABEL: &str = "datalab-vault-v1";
/// Characters of a vault token (base32, 80 bits).
pub const TOKEN_CHARS: usize = 16;
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

type Token = [u8; TOKEN_CHARS];

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0}")]
    NotFound(PathBuf),
    #[error("{0} already exists")]
    Exists(PathBuf),
    #[error("bad vault name '{0}': use 1 to 64 letters, digits, '-' or '_'")]
    BadName(String),
    #[error("{path}: not a datalab vault ({reason})")]
    NotAVault { path: PathBuf, reason: String },
    #[error("{path} was sealed with key {sealed_with}, not with key {given}")]
    WrongKey {
        path: PathBuf,
        sealed_with: String,
        given: String,
    },
    #[error("{0}: wrong key or damaged vault")]
    Damaged(PathBuf),
    #[error("a value of {0} bytes is too long for a vault")]
    ValueTooLong(usize),
    #[error("{0}")]
    File(KeystoreError),
}

impl From<KeystoreError> for VaultError {
    fn from(e: KeystoreError) -> Self {
        match e {
            KeystoreError::NotFound(p) => VaultError::NotFound(p),
            e => VaultError::File(e),
        }
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

/// `<home>/vaults/<name>.vault`; `name` is 1–64 ASCII letters, digits, `-` or `_`.
pub fn vault_path(home: &Path, name: &str) -> Result<PathBuf> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(VaultError::BadName(name.chars().take(80).collect()));
    }
    Ok(home.join("vaults").join(format!("{name}.vault")))
}

/// An open vault. New tokens stay in memory until [`Vault::save`].
pub struct Vault {
    path: PathBuf,
    key_id: KeyId,
    key: Zeroizing<[u8; 32]>,
    by_value: HashMap<Arc<str>, Token>,
    by_token: HashMap<Token, Arc<str>>,
    random: Zeroizing<Vec<u8>>,
    dirty: bool,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("key_id", &self.key_id)
            .field("entries", &self.by_value.len())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A new, empty vault for `path` (written at the first [`Vault::save`]); refused if the
    /// file exists.
    pub fn create(path: &Path, key: &Key) -> Result<Vault> {
        if path.exists() {
            return Err(VaultError::Exists(path.to_path_buf()));
        }
        Ok(Self::empty(path, key))
    }

    fn empty(path: &Path, key: &Key) -> Vault {
        Vault {
            path: path.to_path_buf(),
            key_id: key.id().clone(),
            key: super::derive_key(key.material(), VAULT_LABEL, b""),
            by_value: HashMap::new(),
            by_token: HashMap::new(),
            random: Zeroizing::new(Vec::new()),
            dirty: true,
        }
    }

    /// Opens the vault at `path` if it exists, else a new empty one.
    pub fn open_or_create(path: &Path, key: &Key) -> Result<Vault> {
        if path.exists() {
            Self::open(path, key)
        } else {
            Ok(Self::empty(path, key))
        }
    }

    pub fn open(path: &Path, key: &Key) -> Result<Vault> {
        let bytes = read_private(path)?;
        let not_vault = |reason: &str| VaultError::NotAVault {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if bytes.len() < MAGIC.len() + 1 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(not_vault("no DLVAULT1 header"));
        }
        let id_len = usize::from(bytes[MAGIC.len()]);
        let id_end = MAGIC.len() + 1 + id_len;
        let nonce_end = id_end + seal::NONCE_LEN;
        if bytes.len() < nonce_end + seal::TAG_LEN {
            return Err(VaultError::Damaged(path.to_path_buf()));
        }
        let id_text = String::from_utf8_lossy(&bytes[MAGIC.len() + 1..id_end]).into_owned();
        if id_text != key.id().as_str() {
            return Err(VaultError::WrongKey {
                path: path.to_path_buf(),
                sealed_with: id_text.chars().take(40).collect(),
                given: key.id().to_string(),
            });
        }
        let mut vault = Self::empty(path, key);
        let nonce: [u8; seal::NONCE_LEN] = bytes[id_end..nonce_end]
            .try_into()
            .map_err(|_| VaultError::Damaged(path.to_path_buf()))?;
        let plain = seal::open(&vault.key, &nonce, &bytes[..id_end], &bytes[nonce_end..])
            .ok_or_else(|| VaultError::Damaged(path.to_path_buf()))?;
        vault
            .load_table(&plain)
            .ok_or_else(|| VaultError::Damaged(path.to_path_buf()))?;
        vault.dirty = false;
        Ok(vault)
    }

    fn load_table(&mut self, plain: &[u8]) -> Option<()> {
        let mut rest = plain;
        let mut take = |n: usize| -> Option<&[u8]> {
            if rest.len() < n {
                return None;
            }
            let (a, b) = rest.split_at(n);
            rest = b;
            Some(a)
        };
        let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
        for _ in 0..count {
            let token: Token = take(TOKEN_CHARS)?.try_into().ok()?;
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            let value: Arc<str> = Arc::from(std::str::from_utf8(take(len)?).ok()?);
            if self.by_token.insert(token, value.clone()).is_some()
                || self.by_value.insert(value, token).is_some()
            {
                return None;
            }
        }
        take(0)?;
        rest.is_empty().then_some(())
    }

    /// Seals and writes the table (atomically, mode 0600, creating `vaults/` with 0700).
    pub fn save(&mut self) -> Result<()> {
        let id = self.key_id.as_str().as_bytes();
        let mut header = Vec::with_capacity(MAGIC.len() + 1 + id.len());
        header.extend_from_slice(MAGIC);
        header.push(id.len() as u8);
        header.extend_from_slice(id);
        let mut plain = Zeroizing::new(Vec::with_capacity(
            8 + self
                .by_value
                .keys()
                .map(|v| v.len() + TOKEN_CHARS + 4)
                .sum::<usize>(),
        ));
        plain.extend_from_slice(&(self.by_value.len() as u64).to_le_bytes());
        for (value, token) in &self.by_value {
            plain.extend_from_slice(token);
            plain.extend_from_slice(&(value.len() as u32).to_le_bytes());
            plain.extend_from_slice(value.as_bytes());
        }
        let (nonce, sealed) = seal::seal(&self.key, &header, &plain).map_err(|source| {
            VaultError::File(KeystoreError::Io {
                context: "sealing the vault".into(),
                source,
            })
        })?;
        let mut out = header;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        write_private(&self.path, &out)?;
        self.dirty = false;
        Ok(())
    }

    /// The token of `value`: its existing one, or a new random one.
    pub fn token_for(&mut self, value: &str) -> Result<&str> {
        if value.len() > u32::MAX as usize {
            return Err(VaultError::ValueTooLong(value.len()));
        }
        if !self.by_value.contains_key(value) {
            let token = loop {
                let t = self.random_token()?;
                if !self.by_token.contains_key(&t) {
                    break t;
                }
            };
            let v: Arc<str> = Arc::from(value);
            self.by_token.insert(token, v.clone());
            self.by_value.insert(v, token);
            self.dirty = true;
        }
        Ok(self.by_value.get(value).map(as_str).unwrap_or_default())
    }

    /// The token of `value` if it has one (no new token).
    pub fn lookup(&self, value: &str) -> Option<&str> {
        self.by_value.get(value).map(as_str)
    }

    /// The value behind `token`.
    pub fn reverse(&self, token: &str) -> Option<&str> {
        let t: Token = token.as_bytes().try_into().ok()?;
        self.by_token.get(&t).map(|v| &**v)
    }

    pub fn len(&self) -> usize {
        self.by_value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_value.is_empty()
    }

    /// Whether there are tokens not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn random_token(&mut self) -> Result<Token> {
        // 5 bits per character: 16 characters from 16 random bytes (the top 3 bits dropped).
        if self.random.len() < TOKEN_CHARS {
            let mut buf = Zeroizing::new(vec![0u8; 4096]);
            super::os_random(&mut buf).map_err(|source| {
                VaultError::File(KeystoreError::Io {
                    context: "generating vault tokens".into(),
                    source,
                })
            })?;
            self.random = buf;
        }
        let start = self.random.len() - TOKEN_CHARS;
        let mut t = [0u8; TOKEN_CHARS];
        for (slot, &r) in t.iter_mut().zip(&self.random[start..]) {
            *slot = BASE32[usize::from(r & 31)];
        }
        self.random.truncate(start);
        Ok(t)
    }
}

fn as_str(t: &Token) -> &str {
    std::str::from_utf8(t).unwrap_or_default()
}
