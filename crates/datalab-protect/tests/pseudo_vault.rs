//! The token vault: stable random tokens, reverse lookup, encrypted persistence, wrong key and
//! tampering refused.

use std::collections::HashSet;
use std::fs;

use datalab_protect::pseudo::{KdfParams, Key, KeySource, Keystore, Vault, VaultError, vault_path};

fn keys(dir: &std::path::Path) -> (Key, Key) {
    let mut ks = Keystore::create_with(
        &dir.join("keys").join("keystore.json"),
        &KeySource::passphrase("vault test passphrase"),
        KdfParams {
            m_kib: 8,
            t: 1,
            p: 1,
        },
    )
    .unwrap();
    let a = ks.new_key("vault-a").unwrap();
    let b = ks.new_key("vault-b").unwrap();
    (ks.get(&a).unwrap(), ks.get(&b).unwrap())
}

#[test]
fn tokens_are_stable_random_and_reversible() {
    let dir = tempfile::tempdir().unwrap();
    let (key, other) = keys(dir.path());
    let path = vault_path(dir.path(), "patients").unwrap();
    assert_eq!(path, dir.path().join("vaults").join("patients.vault"));
    assert!(vault_path(dir.path(), "../x").is_err());
    assert!(vault_path(dir.path(), "").is_err());

    let mut v = Vault::create(&path, &key).unwrap();
    let values: Vec<String> = (0..20_000).map(|i| format!("19{:010}", i * 7919)).collect();
    let tokens: Vec<String> = values
        .iter()
        .map(|x| v.token_for(x).unwrap().to_string())
        .collect();
    assert!(tokens.iter().all(|t| {
        t.len() == 16
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    }));
    assert_eq!(tokens.iter().collect::<HashSet<_>>().len(), values.len());
    assert_eq!(
        v.token_for(&values[5]).unwrap(),
        tokens[5],
        "repeated value, same token"
    );
    assert_eq!(v.len(), values.len());
    assert_eq!(v.reverse(&tokens[7]), Some(values[7].as_str()));
    assert_eq!(v.lookup("never seen"), None);
    assert_eq!(v.reverse("aaaaaaaaaaaaaaaa"), None);
    assert!(v.is_dirty());
    v.save().unwrap();
    assert!(!v.is_dirty());

    let text = fs::read(&path).unwrap();
    for needle in [&values[0], &values[19_999], &tokens[3]] {
        assert!(
            !text.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "plaintext in the vault file"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let mut w = Vault::open(&path, &key).unwrap();
    assert_eq!(w.len(), values.len());
    for (x, t) in values.iter().zip(&tokens).step_by(97) {
        assert_eq!(w.lookup(x), Some(t.as_str()));
        assert_eq!(w.reverse(t), Some(x.as_str()));
    }
    let new = w.token_for("a new value").unwrap().to_string();
    w.save().unwrap();
    let w2 = Vault::open_or_create(&path, &key).unwrap();
    assert_eq!(w2.reverse(&new), Some("a new value"));

    let err = Vault::open(&path, &other).unwrap_err();
    assert!(matches!(err, VaultError::WrongKey { .. }), "{err}");
    assert!(err.to_string().contains(key.id().as_str()), "{err}");
    assert!(matches!(
        Vault::create(&path, &key),
        Err(VaultError::Exists(_))
    ));
    assert!(matches!(
        Vault::open(&vault_path(dir.path(), "none").unwrap(), &key),
        Err(VaultError::NotFound(_))
    ));
}

#[test]
fn tampering_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keys(dir.path());
    let path = vault_path(dir.path(), "small").unwrap();
    let mut v = Vault::create(&path, &key).unwrap();
    for i in 0..50 {
        v.token_for(&format!("value {i}")).unwrap();
    }
    v.save().unwrap();
    let original = fs::read(&path).unwrap();
    for i in 0..original.len() {
        let mut bytes = original.clone();
        bytes[i] ^= 0x04;
        fs::write(&path, &bytes).unwrap();
        assert!(
            Vault::open(&path, &key).is_err(),
            "byte {i} changed unnoticed"
        );
    }
    fs::write(&path, &original[..original.len() - 1]).unwrap();
    assert!(matches!(
        Vault::open(&path, &key),
        Err(VaultError::Damaged(_))
    ));
    fs::write(&path, b"not a vault").unwrap();
    assert!(matches!(
        Vault::open(&path, &key),
        Err(VaultError::NotAVault { .. })
    ));
    fs::write(&path, &original).unwrap();
    assert_eq!(Vault::open(&path, &key).unwrap().len(), 50);
}
