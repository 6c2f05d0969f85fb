//! XChaCha20-Poly1305 sealing with a fresh random 192-bit nonce per message (random nonces of
//! that size never collide in practice, so no counter state has to be kept).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

pub(crate) const NONCE_LEN: usize = 24;
pub(crate) const TAG_LEN: usize = 16;

/// Encrypts `plaintext` bound to `aad`; returns the nonce and the ciphertext with its tag.
pub(crate) fn seal(
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
) -> std::io::Result<([u8; NONCE_LEN], Vec<u8>)> {
    let mut nonce = [0u8; NONCE_LEN];
    super::os_random(&mut nonce)?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| std::io::Error::other("encryption failed"))?;
    Ok((nonce, ct))
}

/// Decrypts and authenticates; `None` when the key is wrong or any byte was changed.
pub(crate) fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = [3u8; 32];
        let (nonce, ct) = seal(&key, b"header", b"secret").unwrap();
        assert_eq!(ct.len(), 6 + TAG_LEN);
        assert_eq!(&open(&key, &nonce, b"header", &ct).unwrap()[..], b"secret");
        assert!(open(&key, &nonce, b"headeR", &ct).is_none());
        assert!(open(&[4u8; 32], &nonce, b"header", &ct).is_none());
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(open(&key, &nonce, b"header", &bad).is_none());
        let (nonce2, _) = seal(&key, b"header", b"secret").unwrap();
        assert_ne!(nonce, nonce2);
    }
}
