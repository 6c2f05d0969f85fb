//! Issuing and verifying release certificates: every check fails for exactly what it guards.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use datalab_govern::certificate::{
    Certificate, IssuerKey, Report, certified_hashes, default_issuer_key_path, format_time,
    sha256_file, sign, verify_certificate,
};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn subject(files: &[(&str, &str)]) -> Value {
    json!({
        "id": "urn:datalab:release:patients-2026",
        "name": "Patients extract — k=5, ε=1.5",
        "input": { "container": "patients", "version": 3 },
        "guarantees": { "k": 5, "epsilon": 1.5, "rows": 19874 },
        "output": {
            "files": files.iter().map(|(p, h)| json!({ "path": p, "sha256": h })).collect::<Vec<_>>()
        }
    })
}

fn issue(key: &IssuerKey, issuer: &str, from: &str, until: Option<&str>, subj: Value) -> Value {
    let cert = Certificate::new(
        issuer,
        "urn:uuid:0b6d0a3e-4c1f-4c55-9a55-6a4f3c8f2f10",
        from,
        until,
        subj,
    );
    sign(&cert, key, from).unwrap()
}

fn key() -> IssuerKey {
    IssuerKey::from_seed(&[0x5a; 32])
}

fn passed(report: &Report, name: &str) -> bool {
    report
        .check(name)
        .unwrap_or_else(|| panic!("no check {name}: {report:#?}"))
        .passed
}

fn message<'a>(report: &'a Report, name: &str) -> &'a str {
    &report.check(name).unwrap().message
}

const H1: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const H2: &str = "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9";

#[test]
fn a_fresh_certificate_verifies_with_every_check_named() {
    let key = key();
    let cert = issue(
        &key,
        key.did(),
        "2026-01-01T00:00:00Z",
        Some("2027-01-01T00:00:00Z"),
        subject(&[("a.csv", H1)]),
    );
    assert_eq!(
        cert["@context"],
        json!(["https://www.w3.org/ns/credentials/v2"])
    );
    assert_eq!(
        cert["type"],
        json!(["VerifiableCredential", "DataLabReleaseCertificate"])
    );
    assert_eq!(cert["issuer"], key.did());
    assert_eq!(cert["validFrom"], "2026-01-01T00:00:00Z");
    assert_eq!(cert["validUntil"], "2027-01-01T00:00:00Z");
    assert_eq!(
        cert["proof"]["verificationMethod"],
        key.verification_method()
    );
    assert_eq!(cert["proof"]["@context"], cert["@context"]);
    let report = verify_certificate(&cert, t("2026-06-01T00:00:00Z"), None);
    assert!(report.verified, "{report:#?}");
    let names: Vec<_> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "credential",
            "proof",
            "cryptosuite",
            "signature",
            "issuer",
            "validity"
        ]
    );
    assert_eq!(report.signer.as_deref(), Some(key.did()));
    // Without validUntil the period is open-ended.
    let open = issue(&key, key.did(), "2026-01-01T00:00:00Z", None, subject(&[]));
    assert!(open.get("validUntil").is_none());
    assert!(verify_certificate(&open, t("2100-01-01T00:00:00Z"), None).verified);
}

/// Changing any byte of a certificate either makes it unreadable JSON, leaves it semantically
/// identical (skipped), or makes verification fail.
#[test]
fn changing_any_byte_breaks_verification() {
    let key = key();
    let cert = issue(
        &key,
        key.did(),
        "2026-01-01T00:00:00Z",
        Some("2030-01-01T00:00:00Z"),
        subject(&[("anonymized.csv", H1), ("report.json", H2)]),
    );
    let now = t("2026-06-01T00:00:00Z");
    assert!(verify_certificate(&cert, now, None).verified);
    let text = serde_json::to_string_pretty(&cert).unwrap().into_bytes();
    let (mut unreadable, mut identical, mut rejected) = (0, 0, 0);
    for i in 0..text.len() {
        let b = text[i];
        let mut replacements = vec![b ^ 0x01, b ^ 0x20, b'0', b'"', b'z', b' ', b'\t'];
        replacements.sort_unstable();
        replacements.dedup();
        for r in replacements.into_iter().filter(|&r| r != b) {
            let mut changed = text.clone();
            changed[i] = r;
            let Ok(v) = serde_json::from_slice::<Value>(&changed) else {
                unreadable += 1;
                continue;
            };
            if v == cert {
                identical += 1;
                continue;
            }
            let report = verify_certificate(&v, now, None);
            assert!(
                !report.verified,
                "byte {i} changed from {:?} to {:?} still verifies:\n{}",
                b as char,
                r as char,
                String::from_utf8_lossy(&changed)
            );
            rejected += 1;
        }
    }
    eprintln!(
        "{} bytes: {rejected} rejected, {unreadable} unreadable JSON, {identical} identical",
        text.len()
    );
    // Most changes keep the JSON readable (inside strings) and must all be caught.
    assert!(
        identical > 0 && rejected > text.len(),
        "rejected {rejected}, unreadable {unreadable}, identical {identical}"
    );
}

#[test]
fn each_part_of_the_proof_is_checked_separately() {
    let key = key();
    let good = issue(&key, key.did(), "2026-01-01T00:00:00Z", None, subject(&[]));
    let now = t("2026-06-01T00:00:00Z");

    let mut no_proof = good.clone();
    no_proof.as_object_mut().unwrap().remove("proof");
    let r = verify_certificate(&no_proof, now, None);
    assert!(!passed(&r, "proof") && !passed(&r, "signature") && !passed(&r, "issuer"));
    assert!(message(&r, "proof").contains("no \"proof\""), "{r:#?}");

    let mut set = good.clone();
    set["proof"] = json!([good["proof"].clone()]);
    assert!(message(&verify_certificate(&set, now, None), "proof").contains("proof set"));

    let mut suite = good.clone();
    suite["proof"]["cryptosuite"] = json!("eddsa-rdfc-2022");
    let r = verify_certificate(&suite, now, None);
    assert!(passed(&r, "proof") && !passed(&r, "cryptosuite") && !passed(&r, "signature"));
    assert!(
        message(&r, "cryptosuite").contains("expected \"eddsa-jcs-2022\""),
        "{r:#?}"
    );

    let mut purpose = good.clone();
    purpose["proof"]["proofPurpose"] = json!("authentication");
    let r = verify_certificate(&purpose, now, None);
    assert!(
        message(&r, "cryptosuite").contains("proofPurpose"),
        "{r:#?}"
    );

    let mut short = good.clone();
    short["proof"]["proofValue"] = json!("z3mJ");
    let r = verify_certificate(&short, now, None);
    assert!(message(&r, "proof").contains("64"), "{r:#?}");

    let mut web = good.clone();
    web["proof"]["verificationMethod"] = json!("did:web:example.com#key-1");
    let r = verify_certificate(&web, now, None);
    assert!(message(&r, "signature").contains("not a did:key"), "{r:#?}");

    let mut context = good.clone();
    context["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://example.org/extra/v1"));
    let r = verify_certificate(&context, now, None);
    assert!(!passed(&r, "signature"), "{r:#?}");
    assert!(message(&r, "signature").contains("@context"), "{r:#?}");

    let mut tampered = good.clone();
    tampered["credentialSubject"]["guarantees"]["k"] = json!(2);
    let r = verify_certificate(&tampered, now, None);
    assert_eq!(
        r.failed().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["signature"]
    );
    assert!(
        message(&r, "signature").contains("changed after signing"),
        "{r:#?}"
    );
}

#[test]
fn a_key_other_than_the_issuers_fails_the_issuer_check() {
    let signer = key();
    let named = IssuerKey::from_seed(&[0x11; 32]);
    let cert = issue(
        &signer,
        named.did(),
        "2026-01-01T00:00:00Z",
        None,
        subject(&[]),
    );
    let r = verify_certificate(&cert, t("2026-06-01T00:00:00Z"), None);
    assert!(passed(&r, "signature"), "{r:#?}");
    assert!(!passed(&r, "issuer"));
    assert!(
        message(&r, "issuer").contains(signer.did()) && message(&r, "issuer").contains(named.did())
    );
    // An issuer given as an object with an id is accepted.
    let mut doc = Certificate::new(
        signer.did(),
        &Certificate::new_id(),
        "2026-01-01T00:00:00Z",
        None,
        subject(&[]),
    );
    doc["issuer"] = json!({ "id": signer.did(), "name": "The Lab" });
    let cert = sign(&doc, &signer, "2026-01-01T00:00:00Z").unwrap();
    assert!(verify_certificate(&cert, t("2026-06-01T00:00:00Z"), None).verified);
}

#[test]
fn expired_and_not_yet_valid_fail_the_validity_check() {
    let key = key();
    let cert = issue(
        &key,
        key.did(),
        "2026-01-01T00:00:00Z",
        Some("2026-12-31T23:59:59Z"),
        subject(&[]),
    );
    let at = |s: &str| verify_certificate(&cert, t(s), None);
    for inside in [
        "2026-01-01T00:00:00Z",
        "2026-07-01T12:00:00Z",
        "2026-12-31T23:59:59Z",
    ] {
        assert!(at(inside).verified, "{inside}");
    }
    let early = at("2025-12-31T23:59:59Z");
    assert_eq!(
        early.failed().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["validity"]
    );
    assert!(
        message(&early, "validity").starts_with("not yet valid: valid from 2026-01-01T00:00:00Z")
    );
    let late = at("2027-01-01T00:00:00Z");
    assert_eq!(
        late.failed().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["validity"]
    );
    assert!(message(&late, "validity").starts_with("expired: valid until 2026-12-31T23:59:59Z"));
    // Relative to now, as the CLI uses it.
    let now = Utc::now();
    let past = Certificate::new(
        key.did(),
        &Certificate::new_id(),
        &format_time(now - Duration::days(30)),
        Some(&format_time(now - Duration::days(1))),
        subject(&[]),
    );
    let past = sign(&past, &key, &format_time(now)).unwrap();
    assert!(!passed(&verify_certificate(&past, now, None), "validity"));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn the_data_check_compares_the_files_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "released.csv", b"id,age\n1,42\n");
    let other = write(dir.path(), "other.csv", b"id,age\n1,43\n");
    let hash = sha256_file(&good).unwrap();
    // sha256("foo") is H1.
    assert_eq!(sha256_file(&write(dir.path(), "foo", b"foo")).unwrap(), H1);
    let key = key();
    let now = t("2026-06-01T00:00:00Z");
    let cert = issue(
        &key,
        key.did(),
        "2026-01-01T00:00:00Z",
        None,
        subject(&[("report.json", H2), ("released.csv", &hash)]),
    );
    assert_eq!(certified_hashes(&cert).len(), 2);

    let r = verify_certificate(&cert, now, Some(&good));
    assert!(r.verified, "{r:#?}");
    assert!(message(&r, "data").contains("certified as released.csv"));

    let r = verify_certificate(&cert, now, Some(&other));
    assert_eq!(
        r.failed().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["data"]
    );
    let m = message(&r, "data");
    assert!(
        m.contains(&sha256_file(&other).unwrap())
            && m.contains("does not certify")
            && m.contains(&hash),
        "{m}"
    );

    let missing = dir.path().join("missing.csv");
    let r = verify_certificate(&cert, now, Some(&missing));
    assert!(message(&r, "data").starts_with("cannot read"), "{r:#?}");

    // The single-hash form, in upper case.
    let single = json!({ "output": { "sha256": hash.to_uppercase() } });
    let cert = issue(&key, key.did(), "2026-01-01T00:00:00Z", None, single);
    assert!(verify_certificate(&cert, now, Some(&good)).verified);

    // A certificate that certifies no file.
    let none = issue(
        &key,
        key.did(),
        "2026-01-01T00:00:00Z",
        None,
        json!({ "id": "x" }),
    );
    let r = verify_certificate(&none, now, Some(&good));
    assert!(message(&r, "data").contains("certifies no file"), "{r:#?}");
}

#[test]
fn sign_refuses_what_it_cannot_sign() {
    let key = key();
    assert!(sign(&json!([1, 2]), &key, "2026-01-01T00:00:00Z").is_err());
    let doc = Certificate::new(
        key.did(),
        "urn:uuid:x",
        "2026-01-01T00:00:00Z",
        None,
        json!({}),
    );
    assert!(sign(&doc, &key, "yesterday").is_err());
    let signed = sign(&doc, &key, "2026-01-01T00:00:00Z").unwrap();
    assert!(sign(&signed, &key, "2026-01-01T00:00:00Z").is_err());
}

#[cfg(unix)]
#[test]
fn the_issuer_key_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let path = default_issuer_key_path(home.path());
    assert!(path.ends_with("keys/issuer.key"));
    let key = IssuerKey::load_or_create(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = IssuerKey::load_or_create(&path).unwrap_err().to_string();
    assert!(
        err.contains("may be read by other users") && err.contains("chmod 600"),
        "{err}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(IssuerKey::load_or_create(&path).unwrap().did(), key.did());
}
