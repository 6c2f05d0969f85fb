//! End-to-end: `datalab verify` on certificates issued through the library.

use chrono::{Duration, Utc};
use datalab_govern::certificate::{Certificate, IssuerKey, format_time, sha256_file, sign};
use serde_json::{Value, json};

mod common;
use common::{Lab, s};

/// Issues a certificate for `data` with the lab's issuer key (created on first use).
fn issue(lab: &Lab, data: &std::path::Path, valid_until: chrono::DateTime<Utc>) -> Value {
    let key = IssuerKey::load_or_create(&IssuerKey::default_path(&lab.home())).unwrap();
    let now = Utc::now();
    let cert = Certificate::new(
        key.did(),
        &Certificate::new_id(),
        &format_time(now - Duration::hours(1)),
        Some(&format_time(valid_until)),
        json!({
            "id": "urn:datalab:release:test",
            "output": { "files": [
                { "path": "released.csv", "sha256": sha256_file(data).unwrap() }
            ] }
        }),
    );
    sign(&cert, &key, &format_time(now)).unwrap()
}

fn write_json(lab: &Lab, name: &str, v: &Value) -> std::path::PathBuf {
    let p = lab.path(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

#[test]
fn verify_exit_codes_and_messages() {
    let lab = Lab::new();
    let data = lab.path("released.csv");
    std::fs::write(&data, "id,age\n1,40-49\n2,30-39\n").unwrap();
    let other = lab.path("other.csv");
    std::fs::write(&other, "id,age\n1,40-49\n2,30-38\n").unwrap();
    let cert = issue(&lab, &data, Utc::now() + Duration::days(365));
    let good = write_json(&lab, "certificate.json", &cert);

    // Everything holds: exit 0.
    let (code, out, err) = lab.run(&["verify", s(&good), "--data", s(&data)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": verified"), "{out}");
    for name in [
        "proof",
        "cryptosuite",
        "signature",
        "issuer",
        "validity",
        "data",
    ] {
        assert!(out.contains(&format!("ok   {name}")), "{name}: {out}");
    }
    let (code, out, _) = lab.run(&["verify", s(&good)]);
    assert_eq!(code, 0, "{out}");
    let v = lab.json(&["verify", s(&good), "--data", s(&data)]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["issuer"], cert["issuer"]);
    assert_eq!(v["checks"].as_array().unwrap().len(), 7);

    // The wrong data file: exit 1, the data check says why.
    let (code, out, err) = lab.run(&["verify", s(&good), "--data", s(&other)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("NOT VERIFIED") && out.contains("FAIL data"),
        "{out}"
    );
    assert!(
        err.contains("1 check(s) failed: data") && err.contains("does not certify"),
        "{err}"
    );

    // A changed certificate: exit 1 on the signature.
    let mut tampered = cert.clone();
    tampered["credentialSubject"]["id"] = json!("urn:datalab:release:other");
    let bad = write_json(&lab, "tampered.json", &tampered);
    let (code, out, err) = lab.run(&["verify", s(&bad)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("FAIL signature") && err.contains("changed after signing"),
        "{err}"
    );
    let (code, out, _) = lab.run(&["--json", "verify", s(&bad)]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], false);
    let failed: Vec<_> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["signature"]);

    // Expired: exit 1 on the validity period.
    let expired = issue(&lab, &data, Utc::now() - Duration::minutes(1));
    let expired = write_json(&lab, "expired.json", &expired);
    let (code, out, err) = lab.run(&["verify", s(&expired)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("FAIL validity") && err.contains("expired: valid until"),
        "{err}"
    );

    // Unreadable or not JSON: exit 2.
    let (code, _, err) = lab.run(&["verify", s(&lab.path("missing.json"))]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read") && err.contains("missing.json"),
        "{err}"
    );
    let broken = lab.path("broken.json");
    std::fs::write(&broken, &std::fs::read_to_string(&good).unwrap()[..100]).unwrap();
    let (code, _, err) = lab.run(&["verify", s(&broken)]);
    assert_eq!(code, 2);
    assert!(err.contains("is not valid JSON"), "{err}");
    let (code, _, err) = lab.run(&["verify", s(&good), "--data", s(&lab.path("nope.csv"))]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the data file"), "{err}");
}
