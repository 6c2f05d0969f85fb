//! End-to-end tests of the real `datalab` binary: commands, JSON output, exit codes, bad input,
//! concurrent and interrupted imports.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        Lab {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("lab")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("datalab").unwrap();
        c.arg("--home")
            .arg(self.home())
            .env_remove("DATALAB_HOME")
            .env_remove("DATALAB_TEST_STALL_AT");
        c
    }

    /// Runs and returns (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.run(&all);
        assert_eq!(code, 0, "{args:?} failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

#[test]
fn demo_builds_and_imports_the_demo_data() {
    let lab = Lab::new();
    let shared = shared_data();
    let (code, out, err) = lab.run(&["demo", "--rows", "3000", "--shared-data", s(&shared)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("patients@1") && out.contains("3000 rows"),
        "{out}"
    );
    let list = lab.json(&["list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"patients"));
    if shared.join("adult/adult.csv").exists() {
        assert!(names.contains(&"adult"));
        let adult = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "adult")
            .unwrap();
        assert_eq!(adult["rows"], 30162);
    }
    // Deterministic: running it again stores nothing new.
    let (code, _, _) = lab.run(&["demo", "--rows", "3000", "--shared-data", s(&shared)]);
    assert_eq!(code, 0);
    assert_eq!(lab.json(&["list"]).as_array().unwrap().len(), names.len());
    let inspect = lab.json(&["inspect", "patients", "--rows", "2"]);
    assert_eq!(inspect["manifest"]["rows"], 3000);
    assert_eq!(inspect["first_rows"].as_array().unwrap().len(), 2);
    let cols: Vec<&str> = inspect["manifest"]["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for c in [
        "full_name",
        "national_id",
        "email",
        "phone",
        "iban",
        "birth_date",
        "sex",
        "postcode",
        "municipality",
        "country",
        "diagnosis_icd10",
        "medication",
    ] {
        assert!(cols.contains(&c), "missing demo column {c}");
    }
}

#[test]
fn import_inspect_export_round_trip_in_every_format() {
    let lab = Lab::new();
    let src = lab.file("visits.csv", "id;name;when;score\n1;Ann;2024-01-02;1.5\n2;Åsa;2024-02-03;\n3;\"Lee; Jr\";2024-03-04;-2\n");
    let before = std::fs::read(&src).unwrap();
    let o = lab.json(&[
        "import",
        s(&src),
        "--description",
        "visits",
        "--license",
        "CC-BY-4.0",
        "--publisher",
        "Clinic",
    ]);
    assert_eq!(
        (
            o["name"].as_str(),
            o["version"].as_u64(),
            o["rows"].as_u64(),
            o["created"].as_bool()
        ),
        (Some("visits"), Some(1), Some(3), Some(true))
    );
    assert_eq!(o["manifest"]["metadata"]["publisher"], "Clinic");
    assert_eq!(o["manifest"]["source"]["read"]["delimiter"], "semicolon");
    assert_eq!(std::fs::read(&src).unwrap(), before);

    let original = lab.json(&["inspect", "visits", "--rows", "10"])["first_rows"].clone();
    for fmt in ["csv", "parquet", "jsonl"] {
        let out = lab.dir.path().join(format!("out.{fmt}"));
        let e = lab.json(&["export", "visits@1", "--format", fmt, "-o", s(&out)]);
        assert_eq!(e["rows"], 3);
        let name = format!("back_{fmt}");
        lab.json(&["import", s(&out), "--name", &name]);
        let back = lab.json(&["inspect", &name, "--rows", "10"])["first_rows"].clone();
        assert_eq!(back, original, "{fmt} export does not round-trip");
    }
}

#[test]
fn versions_and_deduplication_from_the_cli() {
    let lab = Lab::new();
    let src = lab.file("t.csv", "a,b\n1,2\n");
    assert_eq!(lab.json(&["import", s(&src), "--name", "t"])["version"], 1);
    let again = lab.json(&["import", s(&src), "--name", "t"]);
    assert_eq!(
        (again["version"].as_u64(), again["created"].as_bool()),
        (Some(1), Some(false))
    );
    std::fs::write(&src, "a,b\n1,3\n").unwrap();
    let v2 = lab.json(&["import", s(&src), "--name", "t"]);
    assert_eq!(
        (v2["version"].as_u64(), v2["previous_version"].as_u64()),
        (Some(2), Some(1))
    );
    let (code, out, _) = lab.run(&["import", s(&src), "--name", "t"]);
    assert_eq!(code, 0);
    assert!(out.contains("already holds identical data"), "{out}");
    assert_eq!(lab.json(&["inspect", "t@1"])["manifest"]["version"], 1);
    assert_eq!(lab.json(&["inspect", "t"])["manifest"]["version"], 2);
}

#[test]
fn exit_codes_and_error_messages() {
    let lab = Lab::new();
    // Usage errors: exit 2.
    let (code, _, err) = lab.run(&["import"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lab.run(&["import", s(&lab.dir.path().join("missing.csv"))]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such file"), "{err}");
    let weird = lab.file("data.xyz", "a,b\n1,2\n");
    let (code, _, err) = lab.run(&["import", s(&weird)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown file extension '.xyz'") && err.contains("--format"),
        "{err}"
    );
    let (code, _, _) = lab.run(&["import", s(&weird), "--format", "csv"]);
    assert_eq!(code, 0, "--format overrides the extension");
    let good = lab.file("g.csv", "a,b\n1,2\n");
    let (code, _, err) = lab.run(&["import", s(&good), "--delimiter", "ab"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lab.run(&["import", s(&good), "--infer-rows", "0"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lab.run(&["import", s(&good), "--name", "bad/name"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lab.run(&["inspect", "nothing"]);
    assert_eq!(code, 1);
    assert!(err.contains("no container named 'nothing'"), "{err}");
    // Data errors: exit 1, naming file and line.
    let ragged = lab.file("ragged.csv", "a,b\n1,2\n3\n4,5\n");
    let (code, _, err) = lab.run(&["import", s(&ragged)]);
    assert_eq!(code, 1);
    assert!(
        err.contains("ragged.csv") && err.contains("line 3") && err.contains("--skip-bad-rows"),
        "{err}"
    );
    let o = lab.json(&["import", s(&ragged), "--skip-bad-rows"]);
    assert_eq!(
        (o["rows"].as_u64(), o["skipped_rows"]["count"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(o["manifest"]["source"]["skipped_rows"], 1);
    for (name, text, needle) in [
        ("empty.csv", "", "empty"),
        ("header.csv", "a,b\n", "no data rows"),
    ] {
        let p = lab.file(name, text);
        let (code, _, err) = lab.run(&["import", s(&p)]);
        assert_eq!(code, 1, "{name}");
        assert!(err.contains(needle), "{name}: {err}");
    }
    let p = lab.dir.path().join("latin.csv");
    std::fs::write(&p, b"name,city\nJos\xE9,Malm\xF6\n").unwrap();
    let (code, _, err) = lab.run(&["import", s(&p)]);
    assert_eq!(code, 0);
    assert!(err.contains("warning") && err.contains("Latin-1"), "{err}");
    let (code, _, err) = lab.run(&["import", s(&p), "--encoding", "utf8"]);
    assert_eq!(code, 1);
    assert!(err.contains("line 2") && err.contains("UTF-8"), "{err}");
}

#[test]
fn verify_container_reports_tampering_with_exit_1() {
    let lab = Lab::new();
    let src = lab.file("v.csv", "a,b\n1,2\n3,4\n");
    lab.json(&["import", s(&src)]);
    assert_eq!(lab.json(&["verify-container", "v"])["ok"], true);
    let manifest = lab.home().join("containers/v/v1/manifest.json");
    let mut perm = std::fs::metadata(&manifest).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&manifest, perm).unwrap();
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"rows\": 2", "\"rows\": 3");
    std::fs::write(&manifest, text).unwrap();
    let (code, out, _) = lab.run(&["verify-container", "v"]);
    assert_eq!(code, 1);
    assert!(out.contains("FAILED") && out.contains("differs"), "{out}");
}

fn big_csv(lab: &Lab, name: &str, rows: usize, salt: usize) -> PathBuf {
    let mut text = String::from("id,group,value,day\n");
    for i in 0..rows {
        text.push_str(&format!(
            "{i},g{},{}.5,2024-01-{:02}\n",
            i % 7,
            i * salt,
            1 + i % 28
        ));
    }
    lab.file(name, &text)
}

#[test]
fn two_processes_importing_at_once_do_not_corrupt_the_catalog() {
    let lab = Lab::new();
    let a = big_csv(&lab, "a.csv", 50_000, 1);
    let b = big_csv(&lab, "b.csv", 50_000, 2);
    let spawn = |p: &Path| {
        lab.cmd()
            .args(["--json", "import", s(p), "--name", "same"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (pa, pb, pc) = (spawn(&a), spawn(&b), spawn(&a));
    for p in [pa, pb, pc] {
        let out = p.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = lab.json(&["list"]);
    let versions: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_u64().unwrap())
        .collect();
    assert_eq!(
        versions,
        vec![1, 2],
        "a and b stored once each, the duplicate recognised"
    );
    assert_eq!(lab.json(&["verify-container", "same"])["ok"], true);
}

/// Starts an import that stalls at `point`, waits until it is there, and kills it (SIGKILL).
fn kill_import_at(lab: &Lab, src: &Path, point: &str) {
    let mut child = lab
        .cmd()
        .args(["import", s(src), "--name", "victim"])
        .env("DATALAB_TEST_STALL_AT", point)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut reached = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.contains(&format!("stalled at {point}")) {
            reached = true;
            break;
        }
    }
    assert!(reached, "import never reached {point}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn an_import_killed_midway_leaves_no_partial_container() {
    let lab = Lab::new();
    let src = big_csv(&lab, "victim.csv", 200_000, 3);
    let before = std::fs::read(&src).unwrap();
    for point in ["mid-data", "before-commit", "after-rename"] {
        kill_import_at(&lab, &src, point);
        assert_eq!(
            std::fs::read(&src).unwrap(),
            before,
            "input modified ({point})"
        );
        let list = lab.json(&["list"]);
        assert_eq!(
            list.as_array().unwrap().len(),
            0,
            "a killed import became visible ({point})"
        );
        let (code, _, err) = lab.run(&["inspect", "victim"]);
        assert_eq!(code, 1, "{err}");
    }
    // The next import cleans up after the dead ones and succeeds as version 1.
    let o = lab.json(&["import", s(&src), "--name", "victim"]);
    assert_eq!(
        (o["version"].as_u64(), o["rows"].as_u64()),
        (Some(1), Some(200_000))
    );
    assert_eq!(lab.json(&["verify-container", "victim"])["ok"], true);
    let staging: Vec<_> = std::fs::read_dir(lab.home().join("staging"))
        .unwrap()
        .collect();
    assert!(
        staging.is_empty(),
        "stale staging folders were not removed: {staging:?}"
    );
}
