//! `datalab verify CERTIFICATE [--data FILE]`: checks a release certificate offline (see
//! docs/certificates.md). Exit 0 when every check holds, 1 when one fails, 2 when the
//! certificate (or the data file) cannot be read or is not JSON.

use std::process::ExitCode;

use chrono::Utc;
use datalab_data::container::LabHome;
use datalab_govern::certificate::verify_certificate;
use serde_json::{Value, json};

use crate::VerifyCertArgs;

pub fn verify_cmd(
    _home: &LabHome,
    a: &VerifyCertArgs,
    json_out: bool,
) -> datalab_data::Result<ExitCode> {
    let path = &a.certificate;
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) => return Ok(unreadable(format!("cannot read {}: {e}", path.display()))),
    };
    let doc: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            return Ok(unreadable(format!(
                "{} is not valid JSON ({e}); a certificate is a JSON document",
                path.display()
            )));
        }
    };
    if let Some(data) = &a.data
        && let Err(e) = std::fs::File::open(data)
    {
        return Ok(unreadable(format!(
            "cannot read the data file {}: {e}",
            data.display()
        )));
    }
    let report = verify_certificate(&doc, Utc::now(), a.data.as_deref());
    if json_out {
        let mut v = json!({ "certificate": path.display().to_string() });
        if let Some(data) = &a.data {
            v["data"] = json!(data.display().to_string());
        }
        let Value::Object(r) = serde_json::to_value(&report).expect("a report serialises") else {
            unreachable!("a report is an object")
        };
        v.as_object_mut().unwrap().extend(r);
        crate::commands::print_json(&v)?;
    } else {
        let verdict = if report.verified {
            "verified"
        } else {
            "NOT VERIFIED"
        };
        println!("{}: {verdict}", path.display());
        if let Some(issuer) = &report.issuer {
            println!("  issuer: {issuer}");
        }
        for c in &report.checks {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            println!("  {mark} {:<12} {}", c.name, c.message);
        }
        let failed: Vec<_> = report.failed().collect();
        if !failed.is_empty() {
            eprintln!(
                "{} check(s) failed: {}",
                failed.len(),
                failed
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for c in failed {
                eprintln!("  {}: {}", c.name, c.message);
            }
        }
    }
    Ok(if report.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn unreadable(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
