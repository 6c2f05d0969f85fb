//! The keystore: round trip, wrong passphrase, tampering with any byte, file modes, and no
//! secret ever in the file, a `Debug` text or an error message.

use std::fs;
use std::path::Path;

use datalab_protect::pseudo::encoding::{base64url, hex};
use datalab_protect::pseudo::keystore::{KdfParams, default_keystore_path};
use datalab_protect::pseudo::{KeySource, KeyStatus, Keystore, KeystoreError};

const PASSPHRASE: &str = "tr0ub4dor&3-horse-battery";
const TINY: KdfParams = KdfParams {
    m_kib: 8,
    t: 1,
    p: 1,
};

fn standard_base64(bytes: &[u8]) -> String {
    base64url(bytes).replace('-', "+").replace('_', "/")
}

fn secret_forms(material: &[u8; 32]) -> Vec<String> {
    vec![
        hex(material),
        hex(material).to_uppercase(),
        base64url(material),
        standard_base64(material),
        format!("{:?}", &material[..8]),
        PASSPHRASE.to_string(),
    ]
}

fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "{what} contains a secret: {text}"
        );
    }
}

fn new_store(dir: &Path) -> (std::path::PathBuf, Keystore) {
    let path = default_keystore_path(dir);
    let ks = Keystore::create_with(&path, &KeySource::passphrase(PASSPHRASE), TINY).unwrap();
    (path, ks)
}

#[test]
fn create_open_rotate_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut ks) = new_store(dir.path());
    assert_eq!(path, dir.path().join("keys").join("keystore.json"));
    let tokens = ks.new_key("tokens").unwrap();
    let ff1 = ks.new_key("ff1").unwrap();
    assert!(matches!(
        ks.new_key("tokens"),
        Err(KeystoreError::ActiveKeyExists(_))
    ));
    ks.save().unwrap();
    let tokens_key = ks.get(&tokens).unwrap();

    let mut ks2 = Keystore::open(&path, &KeySource::passphrase(PASSPHRASE)).unwrap();
    assert_eq!(ks2.list(), ks.list());
    assert_eq!(ks2.get(&tokens).unwrap().material(), tokens_key.material());
    assert_eq!(ks2.active_key("ff1").unwrap().id(), &ff1);
    assert_ne!(ks2.get(&ff1).unwrap().material(), tokens_key.material());

    let rotated = ks2.rotate("tokens").unwrap();
    ks2.save().unwrap();
    let ks3 = Keystore::open(&path, &KeySource::passphrase(PASSPHRASE)).unwrap();
    assert_eq!(ks3.active_key("tokens").unwrap().id(), &rotated);
    let old = ks3.list().iter().find(|k| k.id == tokens).unwrap();
    assert_eq!(old.status, KeyStatus::Retired);
    assert!(old.retired.is_some());
    // The retired key is kept: old pseudonyms can still be reversed.
    assert_eq!(ks3.get(&tokens).unwrap().material(), tokens_key.material());
    assert!(matches!(
        ks3.active_key("nothing"),
        Err(KeystoreError::NoActiveKey(_))
    ));
    assert!(matches!(
        Keystore::create_with(&path, &KeySource::passphrase(PASSPHRASE), TINY),
        Err(KeystoreError::Exists(_))
    ));
}

#[test]
fn wrong_passphrase_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut ks) = new_store(dir.path());
    ks.new_key("tokens").unwrap();
    ks.save().unwrap();
    let err = Keystore::open(&path, &KeySource::passphrase("not the passphrase")).unwrap_err();
    assert!(matches!(err, KeystoreError::WrongPassphrase(_)));
    assert!(
        err.to_string()
            .contains("wrong passphrase or damaged keystore"),
        "{err}"
    );
    assert!(matches!(
        Keystore::open(&path, &KeySource::passphrase("")),
        Err(KeystoreError::EmptyPassphrase)
    ));
    assert!(matches!(
        Keystore::open(
            &dir.path().join("none.json"),
            &KeySource::passphrase(PASSPHRASE)
        ),
        Err(KeystoreError::NotFound(_))
    ));
}

#[test]
fn any_changed_byte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut ks) = new_store(dir.path());
    let id = ks.new_key("tokens").unwrap();
    ks.new_key("dates").unwrap();
    ks.save().unwrap();
    let secrets = secret_forms(ks.get(&id).unwrap().material());
    let original = fs::read(&path).unwrap();
    let source = KeySource::passphrase(PASSPHRASE);
    let mut kinds = std::collections::BTreeSet::new();
    for i in 0..original.len() {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut bytes = original.clone();
            bytes[i] ^= flip;
            fs::write(&path, &bytes).unwrap();
            match Keystore::open(&path, &source) {
                Ok(_) => panic!("byte {i} ^ {flip:#x} went unnoticed"),
                Err(e) => {
                    let msg = e.to_string();
                    assert_no_secret(&msg, &secrets, "error message");
                    assert_no_secret(&format!("{e:?}"), &secrets, "error Debug");
                    kinds.insert(msg.split('(').next().unwrap_or("").to_string());
                }
            }
        }
    }
    // Appending or truncating is refused too.
    let mut longer = original.clone();
    longer.push(b'\n');
    fs::write(&path, &longer).unwrap();
    assert!(Keystore::open(&path, &source).is_err());
    fs::write(&path, &original[..original.len() - 2]).unwrap();
    assert!(Keystore::open(&path, &source).is_err());
    fs::write(&path, &original).unwrap();
    assert!(Keystore::open(&path, &source).is_ok());
    assert!(kinds.len() >= 2, "{kinds:?}");
}

#[cfg(unix)]
#[test]
fn private_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (path, mut ks) = new_store(dir.path());
    ks.new_key("tokens").unwrap();
    ks.save().unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    // No temporary file left behind.
    assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let err = Keystore::open(&path, &KeySource::passphrase(PASSPHRASE)).unwrap_err();
    assert!(
        matches!(err, KeystoreError::Permissions { mode: 0o640, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[test]
fn no_secret_in_file_debug_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut ks) = new_store(dir.path());
    let id = ks.new_key("tokens").unwrap();
    ks.save().unwrap();
    let key = ks.get(&id).unwrap();
    let secrets = secret_forms(key.material());
    let text = fs::read_to_string(&path).unwrap();
    assert_no_secret(&text, &secrets, "keystore file");
    assert!(text.contains(id.as_str()), "the id is public");
    assert_no_secret(&format!("{ks:?}"), &secrets, "Keystore Debug");
    assert_no_secret(&format!("{key:?}"), &secrets, "Key Debug");
    assert_eq!(format!("{key:?}"), format!("Key {{ id: \"{id}\", .. }}"));
    let source = KeySource::passphrase(PASSPHRASE);
    assert_no_secret(&format!("{source:?}"), &secrets, "KeySource Debug");
    let err = Keystore::open(&path, &KeySource::passphrase("wrong")).unwrap_err();
    assert_no_secret(&format!("{err} {err:?}"), &secrets, "error");
}

#[test]
fn raw_key_encryption_key() {
    let dir = tempfile::tempdir().unwrap();
    let kek_file = dir.path().join("kek.txt");
    let kek = [0x42u8; 32];
    fs::write(&kek_file, format!("{}\n", hex(&kek))).unwrap();
    let path = dir.path().join("elsewhere").join("ks.json");
    let source = KeySource::from_key_file(&kek_file).unwrap();
    let mut ks = Keystore::create(&path, &source).unwrap();
    let id = ks.new_key("vault").unwrap();
    ks.save().unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"kdf\": \"raw\""), "{text}");
    assert_no_secret(&text, &[hex(&kek)], "keystore file");
    // The same key given directly opens it; a passphrase does not.
    let ks2 = Keystore::open(&path, &KeySource::raw_key(&kek)).unwrap();
    assert_eq!(
        ks2.get(&id).unwrap().material(),
        ks.get(&id).unwrap().material()
    );
    assert!(matches!(
        Keystore::open(&path, &KeySource::passphrase(PASSPHRASE)),
        Err(KeystoreError::NeedsRawKey(_))
    ));
    assert!(matches!(
        Keystore::open(&path, &KeySource::raw_key(&[0x43; 32])),
        Err(KeystoreError::WrongPassphrase(_))
    ));
}

#[test]
fn default_argon2_parameters_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ks.json");
    let mut ks = Keystore::create(&path, &KeySource::passphrase(PASSPHRASE)).unwrap();
    ks.new_key("tokens").unwrap();
    ks.save().unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"m_kib\": 65536"), "{text}");
    assert!(Keystore::open(&path, &KeySource::passphrase(PASSPHRASE)).is_ok());
}
