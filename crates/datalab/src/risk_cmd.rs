//! `datalab risk`: re-identification risk of the quasi-identifier combination in a table, with a
//! verdict against thresholds and a paragraph for a data-protection impact assessment.

use std::process::ExitCode;

use arrow_array::RecordBatch;
use datalab_data::container::LabHome;
use datalab_data::{ColumnRole, DataError, Result};
use datalab_protect::risk::{RiskReport, analyze, class_sizes};
use serde_json::json;

use crate::assess_cmds::resolve;
use crate::commands::print_json;
use crate::{RiskArgs, progress};

/// Population presets: ARX's USA figure, and EU figures (Eurostat, 1 January 2024, rounded to the
/// thousand). Pass --population-size for an exact figure.
const POPULATIONS: &[(&str, u64)] = &[
    ("USA", 317_238_626),
    ("EU", 449_206_000),
    ("AT", 9_159_000),
    ("BE", 11_832_000),
    ("BG", 6_445_000),
    ("HR", 3_862_000),
    ("CY", 934_000),
    ("CZ", 10_901_000),
    ("DK", 5_961_000),
    ("EE", 1_375_000),
    ("FI", 5_604_000),
    ("FR", 68_402_000),
    ("DE", 83_445_000),
    ("GR", 10_397_000),
    ("HU", 9_585_000),
    ("IE", 5_271_000),
    ("IT", 58_990_000),
    ("LV", 1_872_000),
    ("LT", 2_886_000),
    ("LU", 672_000),
    ("MT", 563_000),
    ("NL", 17_943_000),
    ("PL", 36_621_000),
    ("PT", 10_640_000),
    ("RO", 19_064_000),
    ("SK", 5_425_000),
    ("SI", 2_124_000),
    ("ES", 48_620_000),
    ("SE", 10_552_000),
];

fn population(a: &RiskArgs) -> Result<Option<(u64, String)>> {
    if let Some(n) = a.population_size {
        return Ok(Some((n, format!("{n} (given)"))));
    }
    let Some(region) = &a.population else {
        return Ok(None);
    };
    let code = region.trim().to_ascii_uppercase();
    POPULATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, n)| Some((*n, format!("{n} ({c} preset)"))))
        .ok_or_else(|| {
            DataError::usage(format!(
                "--population '{region}': use USA, EU or an EU member state code ({}), or --population-size N",
                POPULATIONS[2..].iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            ))
        })
}

fn check_threshold(name: &str, v: f64) -> Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(DataError::usage(format!(
            "--{name} {v}: give a share between 0 and 1"
        )))
    }
}

/// The verdicts: (what, measured, threshold, passed).
fn verdicts(r: &RiskReport, a: &RiskArgs) -> Vec<(String, f64, f64, bool)> {
    let mut v = vec![
        (
            "highest risk (prosecutor)".to_string(),
            r.sample.highest_risk,
            a.max_risk,
            r.sample.highest_risk <= a.max_risk,
        ),
        (
            "average risk (prosecutor)".to_string(),
            r.sample.average_prosecutor_risk,
            a.avg_risk,
            r.sample.average_prosecutor_risk <= a.avg_risk,
        ),
    ];
    if let Some(share) = r.population.as_ref().and_then(|p| p.dankar.share) {
        v.push((
            "population uniques (Dankar's rule)".to_string(),
            share,
            a.population_uniqueness,
            share <= a.population_uniqueness,
        ));
    }
    v
}

fn dpia_paragraph(
    label: &str,
    qi: &[String],
    r: &RiskReport,
    population: Option<&str>,
    v: &[(String, f64, f64, bool)],
) -> String {
    let s = &r.sample;
    let mut text = format!(
        "The re-identification risk of {label} was assessed with datalab for an attacker who knows the \
         quasi-identifiers {}. Of {} records, {} ({:.1}%) are unique on these attributes in the data. \
         Under the prosecutor model (the attacker knows the person is in the data) the highest risk of \
         any record is {:.3} and the average risk {:.3}; under the marketer model (linking the whole \
         data set) the expected share of correctly re-identified records is {:.3}.",
        qi.join(", "),
        s.records,
        s.sample_uniques,
        100.0 * s.sample_uniques_share,
        s.highest_risk,
        s.average_prosecutor_risk,
        s.marketer_risk
    );
    if let (Some(p), Some(pop)) = (&r.population, population) {
        match p.dankar.share {
            Some(share) => text.push_str(&format!(
                " Assuming the data is a sample of a population of {pop}, an estimated {:.4}% of records are unique in the population (Dankar et al.'s rule).",
                100.0 * share
            )),
            None => text.push_str(" The population-uniqueness estimators were not applicable to this data."),
        }
    }
    let failed: Vec<&str> = v.iter().filter(|x| !x.3).map(|x| x.0.as_str()).collect();
    if failed.is_empty() {
        text.push_str(" All measured risks are within the thresholds set for this assessment.");
    } else {
        text.push_str(&format!(
            " The following exceed the thresholds set for this assessment: {}; the data should be further protected (e.g. generalised with datalab anonymize) before release.",
            failed.join(", ")
        ));
    }
    text
}

pub fn risk_cmd(home: &LabHome, a: &RiskArgs, json_out: bool) -> Result<ExitCode> {
    check_threshold("max-risk", a.max_risk)?;
    check_threshold("avg-risk", a.avg_risk)?;
    check_threshold("population-uniqueness", a.population_uniqueness)?;
    let pop = population(a)?;
    let data = resolve(home, &a.data)?;
    let qi: Vec<String> = if a.qi.is_empty() {
        data.manifest()
            .map(|m| {
                m.schema
                    .iter()
                    .filter(|c| c.role == Some(ColumnRole::QuasiIdentifier))
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        a.qi.clone()
    };
    if qi.is_empty() {
        return Err(DataError::usage(
            "no quasi-identifiers: pass --qi a,b,c or record roles first (datalab roles NAME --accept)",
        ));
    }
    let bar = progress::rows(&format!("reading {}", data.label()), json_out);
    let (schema, stream) = data.open_columns(&bar, Some(&qi))?;
    let batches: Vec<RecordBatch> = stream.collect::<Result<_>>()?;
    bar.finish_and_clear();
    let to_err = |e: datalab_protect::risk::RiskError| DataError::usage(e.to_string());
    let sizes = class_sizes(schema, batches, &qi).map_err(to_err)?;
    let report = analyze(&sizes, a.max_risk, pop.as_ref().map(|p| p.0)).map_err(to_err)?;
    let v = verdicts(&report, a);
    let passed = v.iter().all(|x| x.3);
    let paragraph = dpia_paragraph(
        &data.label(),
        &qi,
        &report,
        pop.as_ref().map(|p| p.1.as_str()),
        &v,
    );
    if json_out {
        print_json(&json!({
            "data": data.label(),
            "quasi_identifiers": qi,
            "population": pop.as_ref().map(|p| p.0),
            "report": report,
            "verdict": {
                "passed": passed,
                "checks": v.iter().map(|(what, m, t, ok)| json!({"measure": what, "value": m, "threshold": t, "passed": ok})).collect::<Vec<_>>(),
            },
            "dpia_paragraph": paragraph,
        }))?;
    } else {
        let s = &report.sample;
        println!("{} — quasi-identifiers: {}", data.label(), qi.join(", "));
        println!(
            "  records {}, equivalence classes {}, sample uniques {} ({:.4}%)",
            s.records,
            s.classes,
            s.sample_uniques,
            100.0 * s.sample_uniques_share
        );
        println!(
            "  prosecutor: highest {:.6}, average {:.6}; records at the highest risk {}",
            s.highest_risk, s.average_prosecutor_risk, s.records_at_highest_risk
        );
        println!("  marketer: {:.6}", s.marketer_risk);
        if let Some(p) = &report.population {
            let show = |e: &datalab_protect::risk::Estimate| match (e.share, &e.not_applicable) {
                (Some(x), _) => format!("{x:.7}"),
                (None, Some(why)) => format!("not applicable ({why})"),
                (None, None) => "not applicable".into(),
            };
            println!(
                "  population {} (sampling fraction {:.6}):",
                pop.as_ref().map(|p| p.1.as_str()).unwrap_or(""),
                p.sampling_fraction
            );
            println!(
                "    Pitman {}; Zayatz {}; SNB {}; Dankar's rule {}",
                show(&p.pitman),
                show(&p.zayatz),
                show(&p.snb),
                show(&p.dankar)
            );
        }
        println!(
            "  verdict: {}",
            if passed {
                "within the thresholds"
            } else {
                "ABOVE a threshold"
            }
        );
        for (what, m, t, ok) in &v {
            println!(
                "    {} {what}: {m:.6} (threshold {t})",
                if *ok { "ok  " } else { "FAIL" }
            );
        }
        println!();
        println!("{paragraph}");
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
