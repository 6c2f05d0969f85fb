//! End-to-end: `assess`, `check` and `roles` on the demo patients table, checked against the
//! defects the generator reports having planted.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{Lab, read_csv, s};

fn planted(demo: &Value, kind: &str, column: Option<&str>) -> u64 {
    demo["demo_data"]["defects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == kind && column.is_none_or(|c| d["column"] == c))
        .map(|d| d["rows"].as_u64().unwrap())
        .sum()
}

fn check<'a>(a: &'a Value, dim: &str, check: &str, column: Option<&str>) -> Vec<&'a Value> {
    a["quality"]["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == dim)
        .unwrap()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == check && column.is_none_or(|col| c["column"] == col))
        .collect()
}

#[test]
fn the_demo_assessment_finds_every_planted_defect_and_identifier() {
    let lab = Lab::new();
    let demo = lab.json(&["demo", "--rows", "20000", "--shared-data", "/nonexistent"]);
    let out = lab.path("assessment");
    let summary = lab.json(&["assess", "patients", "-o", s(&out), "--today", "2026-11-29"]);
    assert!(out.join("assessment.html").exists());
    let a: Value =
        serde_json::from_slice(&std::fs::read(out.join("assessment.json")).unwrap()).unwrap();
    assert_eq!(a["rows"], 20000);
    assert_eq!(summary["quality"]["overall"], a["quality"]["overall"]);

    // Missing values: exactly the planted ones.
    for col in ["email", "phone", "medication", "postcode"] {
        let c = check(&a, "completeness", "missing_values", Some(col));
        assert_eq!(c.len(), 1, "no missing-values check for {col}");
        assert_eq!(
            c[0]["failing"].as_u64(),
            Some(planted(&demo, "missing_values", Some(col))),
            "{col}"
        );
    }
    let dup = check(&a, "uniqueness", "duplicate_rows", None);
    assert_eq!(
        dup[0]["failing"].as_u64(),
        Some(planted(&demo, "duplicate_rows", None))
    );
    let future = check(&a, "validity", "future_date", Some("birth_date"));
    assert_eq!(
        future[0]["failing"].as_u64(),
        Some(planted(&demo, "future_dates", Some("birth_date")))
    );
    let sentinel = check(&a, "validity", "sentinel_value", Some("birth_date"));
    assert_eq!(
        sentinel[0]["failing"].as_u64(),
        Some(planted(&demo, "sentinel_values", Some("birth_date")))
    );
    let order: Vec<&Value> = check(&a, "consistency", "date_order", None)
        .into_iter()
        .filter(|c| {
            c["detail"]
                .as_str()
                .unwrap()
                .starts_with("'admission_date' is after 'discharge_date'")
        })
        .collect();
    assert_eq!(
        order[0]["failing"].as_u64(),
        Some(planted(&demo, "date_order", None))
    );
    let units = check(&a, "consistency", "mixed_units", Some("weight"));
    assert_eq!(
        units[0]["failing"].as_u64(),
        Some(planted(&demo, "mixed_units", Some("weight")))
    );
    // Example rows point at real defects: the first duplicate row repeats an earlier one.
    assert!(!dup[0]["example_rows"].as_array().unwrap().is_empty());

    // Every identifier column is found, with the right entity, and gets the identifier role.
    let pii: Vec<(String, String)> = a["pii"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in_text"] == false)
        .map(|p| {
            (
                p["column"].as_str().unwrap().to_string(),
                p["entity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (col, entity) in [
        ("email", "email"),
        ("phone", "phone"),
        ("iban", "iban"),
        ("full_name", "person_name"),
    ] {
        assert!(
            pii.contains(&(col.to_string(), entity.to_string())),
            "{col} not detected as {entity}: {pii:?}"
        );
    }
    assert!(
        pii.iter().any(|(c, _)| c == "national_id"),
        "national_id not detected: {pii:?}"
    );
    let role = |col: &str| {
        a["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["column"] == col)
            .unwrap()["role"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for col in [
        "patient_id",
        "full_name",
        "national_id",
        "email",
        "phone",
        "iban",
    ] {
        assert_eq!(role(col), "identifier", "{col}");
    }
    for col in ["birth_date", "sex", "postcode", "municipality"] {
        assert_eq!(role(col), "quasi_identifier", "{col}");
    }
    for col in ["diagnosis_icd10", "medication"] {
        assert_eq!(role(col), "sensitive", "{col}");
    }
    let html = std::fs::read_to_string(out.join("assessment.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
}

#[test]
fn check_suites_gate_with_exit_codes() {
    let lab = Lab::new();
    let data = lab.path("visits.csv");
    std::fs::write(&data, "id,admission_date,discharge_date,ward\n1,2024-01-01,2024-01-05,A\n2,2024-02-01,2024-01-20,B\n3,2024-03-01,,C\n").unwrap();
    let good = lab.path("good.toml");
    std::fs::write(&good, "[[check]]\nkind = \"not_null\"\ncolumn = \"id\"\n").unwrap();
    let (code, out, err) = lab.run(&["check", s(&good), s(&data)]);
    assert_eq!(code, 0, "{out}{err}");
    let bad = lab.path("bad.toml");
    std::fs::write(&bad, "[[check]]\nkind = \"expression\"\nexpr = \"discharge_date >= admission_date\"\n[[check]]\nkind = \"not_null\"\ncolumn = \"discharge_date\"\n").unwrap();
    let (code, out, _) = lab.run(&["check", s(&bad), s(&data)]);
    assert_eq!(code, 1, "{out}");
    let report = lab.json(&["check", s(&good), s(&data)]);
    assert_eq!(report["passed"], true);
    let (code, out, _) = lab.run(&["--json", "check", s(&bad), s(&data)]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let expr = &report["checks"][0];
    assert_eq!(
        (expr["failing"].as_u64(), expr["example_rows"][0].as_u64()),
        (Some(1), Some(2))
    );
    let broken = lab.path("broken.toml");
    std::fs::write(
        &broken,
        "[[check]]\nkind = \"not_null\"\ncolumn = \"nope\"\n",
    )
    .unwrap();
    let (code, _, err) = lab.run(&["check", s(&broken), s(&data)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn roles_are_suggested_and_recorded_in_a_new_version() {
    let lab = Lab::new();
    let data = lab.path("people.csv");
    std::fs::write(&data, "email,age,diagnosis,score\nann@example.com,34,E11.9,3\nbob@example.org,51,I10,4\ncid@example.net,28,J45.9,5\n").unwrap();
    lab.json(&["import", s(&data)]);
    let r = lab.json(&["roles", "people"]);
    let cols = r["columns"].as_array().unwrap();
    let role = |c: &str| {
        cols.iter().find(|x| x["name"] == c).unwrap()["role"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(role("email"), "identifier");
    assert_eq!(role("diagnosis"), "sensitive");
    assert!(
        cols.iter()
            .all(|c| c["reason"].as_str().is_some_and(|s| !s.is_empty()))
    );
    let r = lab.json(&["roles", "people", "--accept"]);
    assert_eq!(r["recorded"]["version"], 2);
    let m = lab.json(&["inspect", "people"]);
    let schema = m["manifest"]["schema"].as_array().unwrap();
    assert_eq!(
        schema.iter().find(|c| c["name"] == "email").unwrap()["role"],
        "identifier"
    );
    // Edit a roles file and apply it.
    let file = lab.path("roles.toml");
    lab.json(&["roles", "people", "--write", s(&file)]);
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("score = \"insensitive\"", "score = \"sensitive\"");
    std::fs::write(&file, text).unwrap();
    let r = lab.json(&["roles", "people", "--apply", s(&file)]);
    assert_eq!(r["recorded"]["version"], 3);
    let m = lab.json(&["inspect", "people@3"]);
    assert_eq!(
        m["manifest"]["schema"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "score")
            .unwrap()["role"],
        "sensitive"
    );
    let (code, _, err) = lab.run(&["roles", s(&data), "--accept"]);
    assert_eq!(code, 2, "{err}");
}

/// Reads a CSV written by `datalab export`/`anonymize` (comma-separated, header, RFC 4180).
#[test]
fn anonymize_the_demo_with_recorded_roles_and_default_hierarchies() {
    let lab = Lab::new();
    lab.json(&["demo", "--rows", "5000", "--shared-data", "/nonexistent"]);
    lab.json(&["roles", "patients", "--accept"]);
    let out = lab.path("anon");
    let r = lab.json(&[
        "anonymize",
        "patients",
        "--qi",
        "birth_date,sex,postcode,country",
        "--k",
        "5",
        "--suppression",
        "0.05",
        "-o",
        s(&out),
    ]);
    let report = &r["report"];
    assert!(
        report["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["holds"] == true)
    );
    // Recompute k-anonymity from the output file itself: every released combination of the
    // quasi-identifiers occurs at least 5 times (suppressed rows carry '*' everywhere).
    let (header, rows) = read_csv(&out.join("anonymized.csv"));
    assert_eq!(rows.len(), 5000);
    let idx: Vec<usize> = ["birth_date", "sex", "postcode", "country"]
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    let mut classes: std::collections::HashMap<Vec<String>, usize> =
        std::collections::HashMap::new();
    for row in &rows {
        *classes
            .entry(idx.iter().map(|&i| row[i].clone()).collect())
            .or_default() += 1;
    }
    let suppressed = classes
        .iter()
        .filter(|(k, _)| k.iter().all(|v| v == "*"))
        .map(|(_, n)| *n)
        .sum::<usize>();
    assert!(
        suppressed as f64 <= 0.05 * 5000.0,
        "{suppressed} suppressed"
    );
    assert_eq!(
        suppressed as u64,
        report["suppressed_records"].as_u64().unwrap()
    );
    for (key, n) in &classes {
        assert!(*n >= 5, "class {key:?} has {n} rows");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
    // Bad input: a QI the data does not have, k above the row count.
    let (code, _, err) = lab.run(&[
        "anonymize",
        "patients",
        "--qi",
        "nope",
        "--k",
        "5",
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope"), "{err}");
    let (code, _, err) = lab.run(&[
        "anonymize",
        "patients",
        "--qi",
        "sex",
        "--k",
        "999999",
        "-o",
        s(&out),
    ]);
    assert_ne!(code, 0, "{err}");
}

#[test]
fn risk_reports_sample_numbers_and_a_verdict() {
    let lab = Lab::new();
    let data = lab.path("r.csv");
    // Classes on (sex, zip): (F, 111) × 3, (M, 222) × 1 → 2 classes, 1 sample unique.
    std::fs::write(&data, "sex,zip,diag\nF,111,x\nF,111,y\nF,111,z\nM,222,x\n").unwrap();
    let (code, out, err) = lab.run(&["--json", "risk", s(&data), "--qi", "sex,zip"]);
    assert_eq!(
        code, 1,
        "the unique record exceeds the default thresholds: {err}"
    );
    let r: Value = serde_json::from_str(&out).unwrap();
    let sample = &r["report"]["sample"];
    assert_eq!(
        (
            sample["records"].as_u64(),
            sample["classes"].as_u64(),
            sample["sample_uniques"].as_u64()
        ),
        (Some(4), Some(2), Some(1))
    );
    assert_eq!(sample["highest_risk"].as_f64(), Some(1.0));
    assert_eq!(sample["average_prosecutor_risk"].as_f64(), Some(0.5));
    assert_eq!(r["passed"], false);
    assert_eq!(r["checks"][0]["measure"], "highest risk (prosecutor)");
    assert!(r["dpia_paragraph"].as_str().unwrap().contains("sex, zip"));
    let (code, _, _) = lab.run(&[
        "risk",
        s(&data),
        "--qi",
        "sex,zip",
        "--max-risk",
        "1",
        "--avg-risk",
        "1",
    ]);
    assert_eq!(code, 0);
    let (code, _, err) = lab.run(&["risk", s(&data), "--qi", "sex", "--population", "Atlantis"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lab.run(&["risk", s(&data), "--qi", "nope"]);
    assert_eq!(code, 2, "{err}");
}

/// Class sizes over `cols` counted directly from CSV rows (independent of datalab's code).
fn count_classes(
    header: &[String],
    rows: &[Vec<String>],
    cols: &[&str],
) -> Vec<(Vec<String>, u64)> {
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| header.iter().position(|h| h == c).expect("column"))
        .collect();
    let mut counts: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
    for r in rows {
        *counts
            .entry(idx.iter().map(|&i| r[i].clone()).collect())
            .or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

#[test]
fn risk_per_record_and_journalist_risk_against_a_population_table() {
    let lab = Lab::new();
    // Population: 20 people; the sample takes 6 of them.
    let mut pop = String::from("sex,zip,age\n");
    for i in 0..20 {
        let sex = if i % 2 == 0 { "F" } else { "M" };
        let zip = ["111", "222", "333"][i % 3];
        pop.push_str(&format!("{sex},{zip},{}\n", 30 + i));
    }
    let population = lab.path("pop.csv");
    std::fs::write(&population, &pop).unwrap();
    let sample = lab.path("sample.csv");
    std::fs::write(
        &sample,
        "sex,zip,age\nF,111,30\nF,111,36\nM,222,31\nF,333,32\nF,333,38\nF,333,44\n",
    )
    .unwrap();
    let records = lab.path("records.csv");
    let dir = lab.path("riskout");
    let (code, out, err) = lab.run(&[
        "--json",
        "risk",
        s(&sample),
        "--qi",
        "sex,zip",
        "--population-table",
        s(&population),
        "--records",
        s(&records),
        "-o",
        s(&dir),
    ]);
    assert_eq!(code, 1, "uniques exceed the default thresholds: {err}");
    let r: Value = serde_json::from_str(&out).unwrap();

    let (sh, srows) = read_csv(&sample);
    let (ph, prows) = read_csv(&population);
    let sample_classes = count_classes(&sh, &srows, &["sex", "zip"]);
    let pop_classes = count_classes(&ph, &prows, &["sex", "zip"]);
    let size_of = |classes: &[(Vec<String>, u64)], key: &[String]| {
        classes
            .iter()
            .find(|(k, _)| k == key)
            .map(|c| c.1)
            .unwrap_or(0)
    };
    // Per-record CSV: one line per input row, in order, with the independently counted sizes.
    let (rh, rrows) = read_csv(&records);
    assert_eq!(
        rh,
        [
            "row",
            "class_size",
            "prosecutor_risk",
            "population_class_size",
            "journalist_risk"
        ]
    );
    assert_eq!(rrows.len(), srows.len());
    let mut expected_sum = 0.0;
    let mut expected_max: f64 = 0.0;
    for (i, (rec, row)) in rrows.iter().zip(&srows).enumerate() {
        let key = vec![row[0].clone(), row[1].clone()];
        let f = size_of(&sample_classes, &key);
        let big_f = size_of(&pop_classes, &key);
        assert_eq!(rec[0], (i + 1).to_string());
        assert_eq!(rec[1], f.to_string());
        assert!((rec[2].parse::<f64>().unwrap() - 1.0 / f as f64).abs() < 1e-12);
        assert_eq!(rec[3], big_f.to_string());
        let j = 1.0 / big_f as f64;
        assert!((rec[4].parse::<f64>().unwrap() - j).abs() < 1e-12);
        expected_sum += j;
        expected_max = expected_max.max(j);
    }
    let jr = &r["journalist"];
    assert_eq!(jr["population_records"].as_u64(), Some(20));
    assert!((jr["highest_risk"].as_f64().unwrap() - expected_max).abs() < 1e-12);
    assert!(
        (jr["average_risk"].as_f64().unwrap() - expected_sum / srows.len() as f64).abs() < 1e-12
    );
    assert_eq!(jr["inconsistent_classes"].as_u64(), Some(0));
    let html = std::fs::read_to_string(dir.join("risk.html")).unwrap();
    assert!(html.contains("Journalist risk against the population table"));
    assert!(!html.contains("<script"));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("risk.json")).unwrap()).unwrap();
    assert_eq!(json["report"], r["report"]);
}

#[test]
fn anonymize_to_risk_thresholds_and_report_risk_before_and_after() {
    let lab = Lab::new();
    let adult = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/adult");
    let h = |a: &str| {
        format!(
            "{a}=file:{}",
            adult.join(format!("adult_hierarchy_{a}.csv")).display()
        )
    };
    let out = lab.path("anon");
    let (code, stdout, err) = lab.run(&[
        "--json",
        "anonymize",
        s(&adult.join("adult.csv")),
        "--qi",
        "age,sex,race,marital-status",
        "--hierarchy",
        &h("age"),
        "--hierarchy",
        &h("sex"),
        "--hierarchy",
        &h("race"),
        "--hierarchy",
        &h("marital-status"),
        "--max-risk",
        "0.09",
        "--avg-risk",
        "0.02",
        "--population-uniqueness",
        "0.0001",
        "--population",
        "USA",
        "--suppression",
        "0.02",
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&stdout).unwrap();
    // Recount the classes of the output (suppressed rows read as one all-'*' class).
    let (header, rows) = read_csv(&out.join("anonymized.csv"));
    let classes = count_classes(&header, &rows, &["age", "sex", "race", "marital-status"]);
    let smallest = classes.iter().map(|c| c.1).min().unwrap();
    assert!(
        1.0 / smallest as f64 <= 0.09,
        "a class of {smallest} records"
    );
    let avg = classes.len() as f64 / rows.len() as f64;
    assert!(avg <= 0.02, "average risk {avg}");
    let risk = &r["report"]["risk"];
    let after = &risk["after"]["sample"];
    assert_eq!(after["classes"].as_u64(), Some(classes.len() as u64));
    assert!((after["highest_risk"].as_f64().unwrap() - 1.0 / smallest as f64).abs() < 1e-12);
    assert!((after["average_prosecutor_risk"].as_f64().unwrap() - avg).abs() < 1e-12);
    assert_eq!(risk["before"]["sample"]["records"].as_u64(), Some(30_162));
    assert!(
        risk["after"]["population"]["dankar"]["share"]
            .as_f64()
            .unwrap()
            <= 0.0001
    );
    assert_eq!(risk["passed"], true);
    assert!(
        risk["dpia_paragraph"]
            .as_str()
            .unwrap()
            .contains("After protection")
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Re-identification risk"));
    // Impossible risk targets are usage errors.
    let (code, _, err) = lab.run(&[
        "anonymize",
        s(&adult.join("adult.csv")),
        "--qi",
        "sex",
        "--max-risk",
        "0",
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lab.run(&[
        "anonymize",
        s(&adult.join("adult.csv")),
        "--qi",
        "sex",
        "--population-uniqueness",
        "0.01",
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 2, "needs a population: {err}");
}

#[test]
fn risk_with_special_uniques_and_sampling_weights() {
    let lab = Lab::new();
    let data = lab.path("w.csv");
    // (F,111) ×3, (M,222) ×1, (M,111) ×2; weights 1 except the pair (weight 50 each).
    std::fs::write(
        &data,
        "sex,zip,w\nF,111,1\nF,111,1\nF,111,1\nM,222,1\nM,111,50\nM,111,50\n",
    )
    .unwrap();
    let records = lab.path("rec.csv");
    let (code, out, err) = lab.run(&[
        "--json",
        "risk",
        s(&data),
        "--qi",
        "sex,zip",
        "--suda",
        "--weights",
        "w",
        "--records",
        s(&records),
    ]);
    assert_eq!(code, 1, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    // The unique (M,222) is the only special unique: {zip=222} alone is an MSU.
    assert_eq!(r["special_uniques"]["special_uniques"].as_u64(), Some(1));
    assert_eq!(r["individual"]["weighted"], true);
    let (h, rows) = read_csv(&records);
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let risk: Vec<f64> = rows
        .iter()
        .map(|r| r[col("individual_risk")].parse().unwrap())
        .collect();
    // Weights 1: the sample is its own population, risk = 1/f.
    assert!((risk[0] - 1.0 / 3.0).abs() < 1e-12);
    assert!((risk[3] - 1.0).abs() < 1e-12);
    // f = 2 with F = 100: well below 1/2, above 1/F.
    assert!(risk[4] < 0.5 && risk[4] > 0.01, "{}", risk[4]);
    let suda: Vec<f64> = rows
        .iter()
        .map(|r| r[col("suda_score")].parse().unwrap())
        .collect();
    assert!(suda[3] > 0.0 && suda.iter().enumerate().all(|(i, &x)| i == 3 || x == 0.0));
    let (code, _, err) = lab.run(&["risk", s(&data), "--qi", "sex,zip", "--weights", "sex"]);
    assert_eq!(code, 2, "non-numeric weights: {err}");
}
