//! Pseudonymisation: the cryptographic core (docs/pseudonymisation.md).
//!
//! - [`ff1`]: FF1 format-preserving encryption (NIST SP 800-38G) on numeral strings, and
//!   [`format`]: the layer on text values that keeps separators, length and — optionally —
//!   check digits.
//! - [`token`]: keyed tokens (HMAC-SHA256 with a per-context subkey) and their encodings.
//! - [`date_shift`]: a keyed, per-subject day offset for shifting dates.
//! - [`vault`]: random tokens kept in an encrypted value ↔ token table.
//! - [`keystore`]: named 32-byte keys kept apart from the data, encrypted at rest.
//!
//! Every key used by these modules is 32 bytes of key material from the keystore; each use
//! derives its own subkey with [`derive_key`] so that one key never serves two purposes
//! directly.

pub mod date_shift;
pub mod encoding;
pub mod ff1;
pub mod format;
pub mod keystore;
pub mod token;
pub mod vault;

mod bignum;
mod seal;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

pub use date_shift::{DateShifter, offset_days};
pub use ff1::{Ff1, Ff1Error};
pub use format::{Alphabet, CheckDigit, CheckDigitMode, FormatCipher, FormatError};
pub use keystore::{
    KdfParams, Key, KeyId, KeyInfo, KeySource, KeyStatus, Keystore, KeystoreError,
    default_keystore_path,
};
pub use token::{Encoding, TokenError, TokenFormat, Tokenizer};
pub use vault::{Vault, VaultError, vault_path};

/// Derives a 32-byte subkey for one use of a key:
/// `HMAC-SHA256(key, label ‖ 0x00 ‖ context)`. `label` names the algorithm and version
/// (e.g. `"datalab-ff1-v1"`) and never contains a NUL byte, so label and context cannot be
/// confused.
pub fn derive_key(key: &[u8], label: &str, context: &[u8]) -> Zeroizing<[u8; 32]> {
    debug_assert!(!label.as_bytes().contains(&0));
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(label.as_bytes());
    mac.update(&[0]);
    mac.update(context);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

/// Fills `buf` from the operating system's random number generator.
pub(crate) fn os_random(buf: &mut [u8]) -> Result<(), std::io::Error> {
    getrandom::fill(buf).map_err(|e| std::io::Error::other(format!("system random generator: {e}")))
}
