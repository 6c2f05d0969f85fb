//! End-to-end tests of `datalab dp`: the ledger (refusal, concurrency), bounds, subjects.

mod common;

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use common::{Lab, s};

/// A container `people` with a subject column: subject "heavy" has 1,000 rows (income 100000),
/// subjects s0..s999 one row each (income 1000).
fn lab_with_people() -> Lab {
    let lab = Lab::new();
    let mut csv = String::from("pid,sex,income\n");
    for _ in 0..1000 {
        csv.push_str("heavy,F,100000\n");
    }
    for i in 0..1000 {
        csv.push_str(&format!(
            "s{i},{},1000\n",
            if i % 2 == 0 { "F" } else { "M" }
        ));
    }
    let path = lab.path("people.csv");
    std::fs::write(&path, csv).unwrap();
    let (code, _, err) = lab.run(&["import", s(&path)]);
    assert_eq!(code, 0, "{err}");
    lab
}

#[test]
fn query_answers_with_intervals_and_spends_budget() {
    let lab = lab_with_people();
    lab.json(&["dp", "budget", "people", "--as", "ana", "--set", "2"]);
    let r = lab.json(&[
        "dp",
        "query",
        "people",
        "--as",
        "ana",
        "--epsilon",
        "1",
        "--subject",
        "pid",
        "--max-rows-per-subject",
        "1",
        "--public-keys",
        "sex=F,M",
        "--sql",
        "SELECT sex, COUNT(*), SUM(CLAMP(income, 0, 100000)) FROM people GROUP BY sex",
    ]);
    assert_eq!(r["privacy_unit"], "subject (pid)");
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        for v in g["values"].as_array().unwrap() {
            let ci = v["ci95"].as_array().unwrap();
            let x = v["value"].as_f64().unwrap();
            assert!(ci[0].as_f64().unwrap() <= x && x <= ci[1].as_f64().unwrap());
        }
    }
    // The heavy subject counts once: F has 500 + 1 subjects. σ ≈ 2 at ε = 1; 40 is far outside.
    let f_count = groups[0]["values"][0]["value"].as_f64().unwrap();
    assert!((f_count - 501.0).abs() < 40.0, "{f_count}");
    let b = lab.json(&["dp", "budget", "people", "--as", "ana"]);
    assert_eq!(b["queries"].as_array().unwrap().len(), 1);
    let left = b["epsilon_left"].as_f64().unwrap();
    assert!(left > 0.99 && left <= 1.0 + 1e-9, "{left}");
}

#[test]
fn refuses_the_query_that_would_cross_the_budget() {
    let lab = lab_with_people();
    lab.json(&["dp", "budget", "people", "--as", "ana", "--set", "1"]);
    let q = [
        "dp",
        "query",
        "people",
        "--as",
        "ana",
        "--sql",
        "SELECT COUNT(*) FROM people",
    ];
    let mut a = q.to_vec();
    a.extend(["--epsilon", "0.8"]);
    assert_eq!(lab.run(&a).0, 0);
    let (code, out, err) = lab.run(&a);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("refused"), "{err}");
    assert!(out.is_empty(), "no answer on refusal: {out}");
    let b = lab.json(&["dp", "budget", "people", "--as", "ana"]);
    assert_eq!(b["queries"].as_array().unwrap().len(), 1);
    // No budget for another recipient: a usage error, no answer.
    let (code, out, _) = lab.run(&[
        "dp",
        "query",
        "people",
        "--as",
        "eve",
        "--sql",
        "SELECT COUNT(*) FROM people",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
}

#[test]
fn missing_bounds_is_a_clear_error_and_spends_nothing() {
    let lab = lab_with_people();
    lab.json(&["dp", "budget", "people", "--as", "ana", "--set", "1"]);
    let (code, out, err) = lab.run(&[
        "dp",
        "query",
        "people",
        "--as",
        "ana",
        "--sql",
        "SELECT AVG(income) FROM people",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("no bounds") && err.contains("CLAMP(income"),
        "{err}"
    );
    let b = lab.json(&["dp", "budget", "people", "--as", "ana"]);
    assert_eq!(b["queries"].as_array().unwrap().len(), 0);
}

#[test]
fn two_concurrent_processes_cannot_both_spend_the_last_budget() {
    let lab = lab_with_people();
    lab.json(&["dp", "budget", "people", "--as", "ana", "--set", "1"]);
    // Each query costs ε = 0.8: exactly one of the four fits. The test hook holds the write lock
    // for 300 ms between check and record, so the processes really overlap.
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::cargo_bin("datalab")
                .unwrap()
                .arg("--home")
                .arg(lab.home())
                .args([
                    "dp",
                    "query",
                    "people",
                    "--as",
                    "ana",
                    "--epsilon",
                    "0.8",
                    "--sql",
                    "SELECT COUNT(*) FROM people",
                ])
                .env("DATALAB_TEST_LEDGER_STALL_MS", "300")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap())
        .collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|&&c| c == 1).count(), 3, "{codes:?}");
    let b = lab.json(&["dp", "budget", "people", "--as", "ana"]);
    assert_eq!(b["queries"].as_array().unwrap().len(), 1);
    assert!(b["epsilon_spent"].as_f64().unwrap() <= 1.0);
}
