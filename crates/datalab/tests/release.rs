//! End-to-end: `datalab release` on generated data — roles never guessed silently, the written
//! file recounted for k and risk, identifiers gone, byte-identical reruns, no partial folder
//! after a kill, no overwrite without --force, and a certificate that verifies.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

mod common;
use common::{Lab, read_csv, s};

/// 3,000 people: id and name (direct identifiers), age, sex, zip (quasi-identifiers), diagnosis.
fn people(lab: &Lab) -> std::path::PathBuf {
    let mut t = String::from("person_id,full_name,age,sex,zip,diagnosis\n");
    let mut x: u64 = 42;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..3000 {
        let age = 18 + next() % 70;
        let sex = if next() % 2 == 0 { "F" } else { "M" };
        let zip = format!("{}", 11000 + (next() % 40) * 25);
        let diag = ["I10", "E11", "J45", "C50", "F32"][(next() % 5) as usize];
        t.push_str(&format!(
            "P{i:06},Person Number{i},{age},{sex},{zip},{diag}\n"
        ));
    }
    let p = lab.path("people.csv");
    std::fs::write(&p, t).unwrap();
    p
}

fn config(lab: &Lab) -> std::path::PathBuf {
    let p = lab.path("release.toml");
    std::fs::write(
        &p,
        "purpose = \"open-data\"\n[roles]\nperson_id = \"identifier\"\nfull_name = \"identifier\"\n\
         age = \"quasi_identifier\"\nsex = \"quasi_identifier\"\nzip = \"quasi_identifier\"\n\
         diagnosis = \"sensitive\"\n",
    )
    .unwrap();
    p
}

#[test]
fn roles_are_never_guessed_silently() {
    let lab = Lab::new();
    let data = people(&lab);
    let out = lab.path("rel");
    let (code, _, err) = lab.run(&["release", s(&data), "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes") && err.contains("person_id"), "{err}");
    assert!(!out.exists());
}

#[test]
fn release_meets_its_targets_on_the_written_file_and_certifies_it() {
    let lab = Lab::new();
    let data = people(&lab);
    let cfg = config(&lab);
    let out = lab.path("rel");
    let (code, stdout, err) = lab.run(&[
        "--json",
        "release",
        s(&data),
        "--config",
        s(&cfg),
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}\n{stdout}");
    let r: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["verdict"]["passed"], true);
    for f in [
        "data.parquet",
        "data.csv",
        "report.html",
        "report.json",
        "certificate.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // Recount from the written CSV: direct identifiers gone, k and risk within the targets.
    let (header, rows) = read_csv(&out.join("data.csv"));
    assert!(
        !header.contains(&"person_id".to_string()) && !header.contains(&"full_name".to_string())
    );
    let idx: Vec<usize> = ["age", "sex", "zip"]
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    let mut classes: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for row in &rows {
        *classes
            .entry(idx.iter().map(|&i| row[i].clone()).collect())
            .or_insert(0) += 1;
    }
    let smallest = *classes.values().min().unwrap();
    assert!(smallest >= 11, "k = {smallest}");
    assert!(1.0 / smallest as f64 <= 0.09);
    assert!(classes.len() as f64 / rows.len() as f64 <= 0.05);
    assert!(rows.len() as f64 >= 0.95 * 3000.0, "suppression limit 5%");
    let report = &r["report"];
    assert_eq!(
        report["utility"]["rows_after"].as_u64(),
        Some(rows.len() as u64)
    );
    let cert: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("certificate.json")).unwrap())
            .unwrap();
    assert_eq!(
        cert["credentialSubject"]["anonymisation"]["measured"]["kReached"].as_u64(),
        Some(smallest)
    );
    assert_eq!(cert["proof"]["cryptosuite"], "eddsa-jcs-2022");

    // The certificate verifies with the data, and fails after one byte of the data changes.
    let data_file = out.join("data.csv");
    let (code, _, err) = lab.run(&[
        "verify",
        s(&out.join("certificate.json")),
        "--data",
        s(&data_file),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut bytes = std::fs::read(&data_file).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    let tampered = lab.path("tampered.csv");
    std::fs::write(&tampered, &bytes).unwrap();
    let (code, _, _) = lab.run(&[
        "verify",
        s(&out.join("certificate.json")),
        "--data",
        s(&tampered),
    ]);
    assert_eq!(code, 1);

    // The same input and config give byte-identical data; a non-empty folder needs --force.
    let (code, _, err) = lab.run(&["release", s(&data), "--config", s(&cfg), "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
    let again = lab.path("rel2");
    let (code, _, err) = lab.run(&["release", s(&data), "--config", s(&cfg), "-o", s(&again)]);
    assert_eq!(code, 0, "{err}");
    for f in ["data.parquet", "data.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
    let (code, _, err) = lab.run(&[
        "release",
        s(&data),
        "--config",
        s(&cfg),
        "--force",
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_release_killed_midway_leaves_no_folder() {
    let lab = Lab::new();
    let data = people(&lab);
    let cfg = config(&lab);
    for point in ["release-mid-write", "release-before-install"] {
        let out = lab.path(point);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("datalab"))
            .arg("--home")
            .arg(lab.home())
            .args(["release", s(&data), "--config", s(&cfg), "-o", s(&out)])
            .env("DATALAB_TEST_STALL_AT", point)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let reached = BufReader::new(stderr)
            .lines()
            .any(|l| l.unwrap().contains(&format!("stalled at {point}")));
        assert!(reached, "never reached {point}");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            !out.exists(),
            "{point}: a partial release folder is visible"
        );
        assert!(!Path::new(&out).with_extension("csv").exists());
    }
}
