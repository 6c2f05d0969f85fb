//! End-to-end: `pseudonymize`, `reidentify` and `keys` with a real keystore — linkage by
//! context, intervals kept by date shifting, reversal only with the key (and logged), clear
//! errors for wrong passphrases and tampered keystores, and no key material anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use datalab_protect::pseudo::keystore::{KeySource, Keystore};

mod common;
use common::{Lab, read_csv, s};

const PASS: &str = "a long test passphrase";

fn lab() -> Lab {
    let mut lab = Lab::new();
    lab.env.push(("DATALAB_KEY_PASSPHRASE".into(), PASS.into()));
    lab
}

/// `datalab pseudonymize DATA --policy POLICY -o OUT`, which must succeed.
fn run_policy(lab: &Lab, data: &Path, policy: &Path, out: &Path) -> serde_json::Value {
    lab.json(&["pseudonymize", s(data), "--policy", s(policy), "-o", s(out)])
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let (h, rows) = read_csv(path);
    let i = h.iter().position(|c| c == name).expect("column");
    rows.into_iter().map(|r| r[i].clone()).collect()
}

/// Luhn check (tested on its own in datalab-data).
fn luhn_valid(s: &str) -> bool {
    datalab_data::identifiers::luhn_valid(&s.replace(' ', ""))
}

/// A Luhn-valid 16-digit number from a seed.
fn card(seed: u64) -> String {
    let body = format!(
        "4{:014}",
        seed.wrapping_mul(2_654_435_761) % 100_000_000_000_000
    );
    (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|n| luhn_valid(n))
        .unwrap()
}

#[test]
fn tokens_link_within_a_context_and_never_across_contexts() {
    let lab = lab();
    let a = lab.path("holder_a.csv");
    let b = lab.path("holder_b.csv");
    let mut ta = String::from("person,x\n");
    let mut tb = String::from("person,y\n");
    for i in 0..200 {
        ta.push_str(&format!("P{i:05},{i}\n"));
        tb.push_str(&format!("P{:05},{i}\n", i + 100)); // 100 persons in common
    }
    std::fs::write(&a, ta).unwrap();
    std::fs::write(&b, tb).unwrap();
    let policy = |ctx: &str| {
        let p = lab.path(&format!("policy_{ctx}.toml"));
        std::fs::write(
            &p,
            format!("[columns.person]\ntransform = \"token\"\ncontext = \"{ctx}\"\n"),
        )
        .unwrap();
        p
    };
    let run = |data: &Path, ctx: &str, out: &str| {
        let o = lab.path(out);
        run_policy(&lab, data, &policy(ctx), &o);
        column(&o.join("pseudonymized.csv"), "person")
    };
    let tok_a = run(&a, "study-42", "out_a");
    let tok_b = run(&b, "study-42", "out_b");
    let tok_c = run(&b, "marketing", "out_c");
    // Same key + same context: the 100 shared persons get the same tokens.
    let set_a: BTreeSet<_> = tok_a.iter().collect();
    let shared: Vec<_> = tok_b.iter().filter(|t| set_a.contains(t)).collect();
    assert_eq!(shared.len(), 100);
    assert_eq!(tok_a[100..], tok_b[..100]);
    // Different context: nothing in common.
    assert!(tok_c.iter().all(|t| !set_a.contains(t)));
    assert!(tok_c.iter().zip(&tok_b).all(|(c, b)| c != b));
    // Default tokens are 32 hex characters (128 bits), none equal to an input value.
    assert!(tok_a.iter().all(|t| t.len() == 32 && !t.starts_with('P')));
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(lab.path("out_a/pseudonymization.json")).unwrap(),
    )
    .unwrap();
    let col = &report["columns"][0];
    assert_eq!(col["transform"], "token");
    assert!(col["details"]["collision_probability"].as_f64().unwrap() < 1e-30);
    assert!(col["key_id"].as_str().unwrap().starts_with("k_"));
}

#[test]
fn date_shift_keeps_every_interval_of_a_subject() {
    let lab = lab();
    let data = lab.path("visits.csv");
    let mut t = String::from("subject,admitted,discharged\n");
    for i in 0..300 {
        let subject = i % 40;
        let day = 1 + (i * 7) % 27;
        let month = 1 + (i % 12);
        t.push_str(&format!(
            "S{subject},2023-{month:02}-{day:02},2023-{month:02}-{:02}\n",
            day + 1 + (i % 2)
        ));
    }
    std::fs::write(&data, t).unwrap();
    let policy = lab.path("p.toml");
    std::fs::write(
        &policy,
        "[columns.admitted]\ntransform = \"date-shift\"\nsubject = \"subject\"\nmax_days = 15\n\
         [columns.discharged]\ntransform = \"date-shift\"\nsubject = \"subject\"\nmax_days = 15\n",
    )
    .unwrap();
    let out = lab.path("out");
    run_policy(&lab, &data, &policy, &out);
    let (_, before) = read_csv(&data);
    let (_, after) = read_csv(&out.join("pseudonymized.csv"));
    let day = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap()
            .signed_duration_since(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
            .num_days()
    };
    let mut shift_of: BTreeMap<String, i64> = BTreeMap::new();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a[0], b[0], "the subject column is kept");
        let s1 = day(&a[1]) - day(&b[1]);
        let s2 = day(&a[2]) - day(&b[2]);
        assert_eq!(s1, s2, "both dates of a row move together");
        assert!(s1 != 0 && s1.abs() <= 15, "shift {s1}");
        assert_eq!(
            *shift_of.entry(b[0].clone()).or_insert(s1),
            s1,
            "one shift per subject"
        );
        assert_eq!(day(&a[2]) - day(&a[1]), day(&b[2]) - day(&b[1]));
    }
    let distinct: BTreeSet<i64> = shift_of.values().copied().collect();
    assert!(
        distinct.len() > 5,
        "subjects get different shifts: {distinct:?}"
    );
}

#[test]
fn reversal_needs_the_key_is_logged_and_bad_secrets_leave_no_output() {
    let lab = lab();
    let data = lab.path("cards.csv");
    let mut t = String::from("card,email,note\n");
    let cards: Vec<String> = (0..150).map(card).collect();
    for (i, c) in cards.iter().enumerate() {
        let shown = format!("{} {} {} {}", &c[0..4], &c[4..8], &c[8..12], &c[12..16]);
        t.push_str(&format!("{shown},user{i}@example.org,n{i}\n"));
    }
    std::fs::write(&data, t).unwrap();
    let policy = lab.path("p.toml");
    std::fs::write(
        &policy,
        "context = \"c1\"\n[columns.card]\ntransform = \"encrypt\"\ncheck_digit = \"luhn\"\n\
         [columns.email]\ntransform = \"vault\"\n",
    )
    .unwrap();
    let out = lab.path("out");
    let (code, stdout, stderr) = lab.run(&[
        "pseudonymize",
        s(&data),
        "--policy",
        s(&policy),
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let enc = column(&out.join("pseudonymized.csv"), "card");
    let (_, rows) = read_csv(&data);
    for (e, row) in enc.iter().zip(&rows) {
        let orig = &row[0];
        assert_eq!(e.len(), orig.len());
        assert_eq!(
            e.match_indices(' ').collect::<Vec<_>>(),
            orig.match_indices(' ').collect::<Vec<_>>()
        );
        assert_ne!(e, orig);
        assert!(luhn_valid(orig) && !luhn_valid(e), "{e} must not pass Luhn");
    }
    let emails = column(&out.join("pseudonymized.csv"), "email");
    assert!(emails.iter().all(|e| !e.contains('@') && e.len() == 16));

    // Wrong passphrase or tampered keystore: a clear error and no output.
    let back = lab.path("back.csv");
    let (code, _, err) = lab.run_env(
        &[
            "reidentify",
            s(&out),
            "--reason",
            "patient recontact",
            "-o",
            s(&back),
        ],
        &[("DATALAB_KEY_PASSPHRASE", "not the passphrase")],
    );
    assert_eq!(code, 2);
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!back.exists());
    let ks_path = lab.home().join("keys/keystore.json");
    let original = std::fs::read(&ks_path).unwrap();
    let mut tampered = original.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x01;
    std::fs::write(&ks_path, &tampered).unwrap();
    let (code, _, err) = lab.run(&[
        "reidentify",
        s(&out),
        "--reason",
        "patient recontact",
        "-o",
        s(&back),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(!back.exists());
    std::fs::write(&ks_path, &original).unwrap();
    // Without a reason: refused.
    let (code, _, _) = lab.run(&["reidentify", s(&out), "--reason", "", "-o", s(&back)]);
    assert_eq!(code, 2);
    assert!(!lab.home().join("audit/reidentification.log").exists());

    // The key holder gets the originals back, and the use is logged.
    let (code, _, err) = lab.run(&[
        "reidentify",
        s(&out),
        "--reason",
        "patient recontact",
        "-o",
        s(&back),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        column(&back, "card"),
        rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        column(&back, "email"),
        rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>()
    );
    let log = std::fs::read_to_string(lab.home().join("audit/reidentification.log")).unwrap();
    assert_eq!(log.lines().count(), 1);
    assert!(log.contains("patient recontact") && log.contains("\"rows\":150"));
    assert!(
        !log.contains("example.org") && !log.contains(&rows[0][0]),
        "no values in the log"
    );

    // No key material or passphrase in anything written or printed.
    let ks = Keystore::open(&ks_path, &KeySource::passphrase(PASS)).unwrap();
    let mut secrets = vec![PASS.to_string()];
    for info in ks.list() {
        let key = ks.get(&info.id).unwrap();
        let hex: String = key.material().iter().map(|b| format!("{b:02x}")).collect();
        secrets.push(hex.clone());
        secrets.push(hex.to_uppercase());
        secrets.push(hex[..16].to_string());
    }
    let mut texts = vec![stdout, stderr, log, err];
    for dir in [&out, &lab.home().join("audit")] {
        for e in std::fs::read_dir(dir).unwrap() {
            texts.push(
                String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned(),
            );
        }
    }
    texts.push(String::from_utf8_lossy(&original).into_owned());
    for t in &texts {
        for secret in &secrets {
            assert!(!t.contains(secret.as_str()), "a secret leaked");
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ks_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn bad_policies_are_usage_errors_and_write_nothing() {
    let lab = lab();
    let data = lab.path("d.csv");
    std::fs::write(&data, "id,age\nA1,34\nA2,51\n").unwrap();
    let out = lab.path("out");
    for (toml, needle) in [
        ("[columns.nope]\ntransform = \"token\"\n", "nope"),
        ("[columns.id]\ntransform = \"rot13\"\n", "rot13"),
        (
            "[columns.age]\ntransform = \"date-shift\"\nsubject = \"id\"\n",
            "not a date",
        ),
        ("[columns.age]\ntransform = \"bucket\"\n", "width"),
    ] {
        let policy = lab.path("p.toml");
        std::fs::write(&policy, toml).unwrap();
        let (code, _, err) = lab.run(&[
            "pseudonymize",
            s(&data),
            "--policy",
            s(&policy),
            "-o",
            s(&out),
        ]);
        assert_eq!(code, 2, "{toml}: {err}");
        assert!(err.contains(needle), "{toml}: {err}");
        assert!(!out.join("pseudonymized.csv").exists());
    }
    // A file without recorded roles needs a policy.
    let (code, _, err) = lab.run(&["pseudonymize", s(&data), "-o", s(&out)]);
    assert_eq!(code, 2);
    assert!(err.contains("--policy"), "{err}");
    // No passphrase source at all: a clear error naming the variable.
    let policy = lab.path("p.toml");
    std::fs::write(&policy, "[columns.id]\ntransform = \"token\"\n").unwrap();
    let bare = Lab::new();
    let (code, _, err) = bare.run(&[
        "pseudonymize",
        s(&data),
        "--policy",
        s(&policy),
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("DATALAB_KEY_PASSPHRASE"), "{err}");
}

#[test]
fn default_policy_follows_the_recorded_roles_and_rotation_rekeys_encryption() {
    let lab = lab();
    lab.json(&["demo", "--rows", "300", "--shared-data", "/nonexistent"]);
    lab.json(&["roles", "patients", "--accept"]);
    let out = lab.path("out");
    let r = lab.json(&[
        "pseudonymize",
        "patients",
        "-o",
        s(&out),
        "--store",
        "patients-pseudo",
    ]);
    // The stored container's manifest names the key id, never key material.
    let key_id = r["report"]["additional_information"]["key_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let inspected = lab.json(&["inspect", "patients-pseudo"]).to_string();
    assert!(inspected.contains(&key_id), "{inspected}");
    let cols = r["report"]["columns"].as_array().unwrap();
    let transform = |name: &str| {
        cols.iter()
            .find(|c| c["name"] == name)
            .map(|c| c["transform"].as_str().unwrap().to_string())
    };
    assert_eq!(transform("national_id").as_deref(), Some("token"));
    assert_eq!(transform("email").as_deref(), Some("token"));
    assert_eq!(transform("birth_date").as_deref(), Some("date-shift"));
    assert_eq!(transform("diagnosis_icd10").as_deref(), Some("keep"));

    // Rotation: a new active key; an encrypt-only output is re-keyed and still reverses.
    let data = lab.path("ids.csv");
    std::fs::write(&data, "id\n12345678\n87654321\n10000001\n").unwrap();
    let policy = lab.path("p.toml");
    std::fs::write(&policy, "[columns.id]\ntransform = \"encrypt\"\n").unwrap();
    let first = lab.path("first");
    run_policy(&lab, &data, &policy, &first);
    let second = lab.path("second");
    let rot = lab.json(&["keys", "rotate", "--rekey", s(&first), "-o", s(&second)]);
    assert_ne!(rot["active"], rot["retired"]);
    let a = column(&first.join("pseudonymized.csv"), "id");
    let b = column(&second.join("pseudonymized.csv"), "id");
    assert!(a.iter().zip(&b).all(|(x, y)| x != y && x.len() == y.len()));
    let back = lab.path("back.csv");
    lab.json(&[
        "reidentify",
        s(&second),
        "--reason",
        "audit check",
        "-o",
        s(&back),
    ]);
    assert_eq!(column(&back, "id"), ["12345678", "87654321", "10000001"]);
    // One-way columns cannot be re-keyed from the output: refused before the keystore changes.
    let keys_before = lab.json(&["keys", "list"])["keys"]
        .as_array()
        .unwrap()
        .len();
    let (code, _, err) = lab.run(&[
        "keys",
        "rotate",
        "--rekey",
        s(&out),
        "-o",
        s(&lab.path("x")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("one-way"), "{err}");
    assert_eq!(
        lab.json(&["keys", "list"])["keys"]
            .as_array()
            .unwrap()
            .len(),
        keys_before
    );
}

#[test]
fn free_text_spans_are_replaced_by_labels_or_tokens() {
    let lab = lab();
    let data = lab.path("notes.csv");
    std::fs::write(
        &data,
        "id,note\n1,Call back on anna.berg@example.se about the results\n2,No personal data here\n3,Mail anna.berg@example.se again\n",
    )
    .unwrap();
    let policy = lab.path("p.toml");
    std::fs::write(&policy, "[columns.note]\ntransform = \"text\"\n").unwrap();
    let out = lab.path("out");
    run_policy(&lab, &data, &policy, &out);
    let notes = column(&out.join("pseudonymized.csv"), "note");
    assert_eq!(notes[0], "Call back on [EMAIL] about the results");
    assert_eq!(notes[1], "No personal data here");
    std::fs::write(
        &policy,
        "[columns.note]\ntransform = \"text\"\nreplace = \"token\"\n",
    )
    .unwrap();
    let out2 = lab.path("out2");
    run_policy(&lab, &data, &policy, &out2);
    let notes = column(&out2.join("pseudonymized.csv"), "note");
    assert!(!notes[0].contains('@') && notes[0].contains("[EMAIL:"));
    // The same address gets the same token in both notes.
    let token = |n: &str| {
        n[n.find("[EMAIL:").unwrap()..]
            .split(']')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(token(&notes[0]), token(&notes[2]));
}
