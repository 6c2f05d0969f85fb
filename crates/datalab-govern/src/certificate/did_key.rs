//! `did:key` for Ed25519 (W3C did:key method v0.7, Multikey).
//!
//! The method-specific id is the multibase base58btc encoding of the multicodec
//! `ed25519-pub` (varint `0xed 0x01`) followed by the 32-byte public key, which always starts
//! `z6Mk`. The verification method of such a DID is `did:key:<id>#<id>`. Resolution needs no
//! network: the key is in the identifier itself.
//!
//! Secret keys use the Multikey form of the W3C test vectors: multicodec `ed25519-priv`
//! (varint `0x80 0x26`) followed by the 32-byte seed, base58btc (`z3u2…`).

use ed25519_dalek::VerifyingKey;

use super::CertError;
use super::multibase::{decode_base58btc, encode_base58btc};

/// Multicodec varint of `ed25519-pub` (0xed).
pub const ED25519_PUB_PREFIX: [u8; 2] = [0xed, 0x01];
/// Multicodec varint of `ed25519-priv` (0x1300).
pub const ED25519_PRIV_PREFIX: [u8; 2] = [0x80, 0x26];

/// The Multikey `publicKeyMultibase` of an Ed25519 public key (`z6Mk…`).
pub fn public_key_multibase(key: &VerifyingKey) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB_PREFIX);
    bytes.extend_from_slice(key.as_bytes());
    encode_base58btc(&bytes)
}

/// The public key of a `z6Mk…` Multikey string.
pub fn decode_public_key_multibase(text: &str) -> Result<VerifyingKey, CertError> {
    let bytes = decode_base58btc(text)?;
    let Some(raw) = bytes.strip_prefix(&ED25519_PUB_PREFIX[..]) else {
        return Err(CertError::Key(format!(
            "'{text}' is not an Ed25519 public key (multicodec prefix 0xed01 expected)"
        )));
    };
    let raw: [u8; 32] = raw.try_into().map_err(|_| {
        CertError::Key(format!(
            "'{text}' holds {} key bytes; an Ed25519 public key has 32",
            raw.len()
        ))
    })?;
    VerifyingKey::from_bytes(&raw)
        .map_err(|_| CertError::Key(format!("'{text}' is not a valid Ed25519 public key")))
}

/// `did:key:z6Mk…` of an Ed25519 public key.
pub fn did_from_public_key(key: &VerifyingKey) -> String {
    format!("did:key:{}", public_key_multibase(key))
}

/// The verification method id of a did:key: `did:key:z6Mk…#z6Mk…`.
pub fn verification_method_of(did: &str) -> String {
    let id = did.strip_prefix("did:key:").unwrap_or(did);
    format!("{did}#{id}")
}

/// Resolves a did:key verification method (`did:key:X#X`) to its DID and public key. The
/// fragment must repeat the method-specific id, as did:key requires.
pub fn resolve_verification_method(vm: &str) -> Result<(String, VerifyingKey), CertError> {
    let Some(rest) = vm.strip_prefix("did:key:") else {
        return Err(CertError::Key(format!(
            "verification method '{vm}' is not a did:key (only did:key is resolved: no network)"
        )));
    };
    let (id, fragment) = match rest.split_once('#') {
        Some((id, f)) => (id, f),
        None => {
            return Err(CertError::Key(format!(
                "verification method '{vm}' has no '#fragment' (expected did:key:X#X)"
            )));
        }
    };
    if id != fragment {
        return Err(CertError::Key(format!(
            "verification method '{vm}': the fragment '{fragment}' differs from the key '{id}'"
        )));
    }
    let key = decode_public_key_multibase(id)?;
    Ok((format!("did:key:{id}"), key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_round_trip_and_prefix() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let vk = sk.verifying_key();
        let mb = public_key_multibase(&vk);
        assert!(mb.starts_with("z6Mk"), "{mb}");
        assert_eq!(decode_public_key_multibase(&mb).unwrap(), vk);
        let did = did_from_public_key(&vk);
        let vm = verification_method_of(&did);
        assert_eq!(vm, format!("{did}#{mb}"));
        assert_eq!(resolve_verification_method(&vm).unwrap(), (did, vk));
    }

    #[test]
    fn refuses_malformed_methods() {
        let mb = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        assert!(resolve_verification_method(&format!("did:key:{mb}#{mb}")).is_ok());
        for bad in [
            format!("did:web:example.com#{mb}"),
            format!("did:key:{mb}"),
            format!("did:key:{mb}#key-1"),
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ".into(),
            // An X25519 key (multicodec 0xec) is not an Ed25519 key.
            "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc#z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc".into(),
        ] {
            assert!(resolve_verification_method(&bad).is_err(), "{bad}");
        }
    }
}
