//! Data-quality score: seven dimensions scored 0–100 and an overall score, each with the checks
//! behind it, their failing counts and example rows. The rules are documented in
//! docs/assessment.md; every score can be recomputed from the counts in the report.

use serde::Serialize;

use datalab_data::Manifest;

use crate::profile::{Finding, TableProfile, days_to_iso};

#[derive(Clone, Debug, Serialize)]
pub struct QualityCheck {
    pub check: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub passed: bool,
    pub failing: u64,
    pub checked: u64,
    pub example_rows: Vec<u64>,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Dimension {
    pub name: String,
    /// None when the dimension does not apply (e.g. timeliness without any date column).
    pub score: Option<f64>,
    pub method: String,
    pub checks: Vec<QualityCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QualityReport {
    pub overall: f64,
    pub dimensions: Vec<Dimension>,
}

const VALIDITY_CHECKS: [&str; 6] = [
    "invalid_identifier",
    "future_date",
    "impossible_age",
    "sentinel_value",
    "unreadable_text",
    "outlier",
];
const CONSISTENCY_CHECKS: [&str; 2] = ["date_order", "mixed_units"];

/// Days after the newest date beyond which data counts as stale, and when it scores 0.
const FRESH_DAYS: f64 = 365.0;
const STALE_ZERO_DAYS: f64 = 3650.0;

fn from_finding(f: &Finding, rows: u64) -> QualityCheck {
    QualityCheck {
        check: f.check.clone(),
        column: f.column.clone(),
        passed: f.count == 0,
        failing: f.count,
        checked: rows,
        example_rows: f.example_rows.clone(),
        detail: f.detail.clone(),
    }
}

/// Share of rows without a problem, counting a row once per failing check (conservative).
fn row_score(checks: &[QualityCheck], rows: u64) -> f64 {
    if rows == 0 {
        return 100.0;
    }
    let failing: u64 = checks.iter().map(|c| c.failing).sum();
    100.0 * (1.0 - failing.min(rows) as f64 / rows as f64)
}

/// Two decimals: enough to show that 42 failing rows in 100,000 are not a perfect score.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn score(
    profile: &TableProfile,
    extra: &[Finding],
    manifest: Option<&Manifest>,
    today_days: i32,
) -> QualityReport {
    let rows = profile.rows;
    let findings: Vec<&Finding> = profile.findings.iter().chain(extra).collect();
    let mut dims = Vec::new();

    // Completeness: missing cells over all cells.
    let cells = rows * profile.columns.len() as u64;
    let nulls: u64 = profile.columns.iter().map(|c| c.nulls).sum();
    let completeness_checks: Vec<QualityCheck> = profile
        .columns
        .iter()
        .filter(|c| c.nulls > 0)
        .map(|c| QualityCheck {
            check: "missing_values".into(),
            column: Some(c.name.clone()),
            passed: false,
            failing: c.nulls,
            checked: rows,
            example_rows: c.null_example_rows.clone(),
            detail: format!(
                "{} of {} values missing ({:.1}%)",
                c.nulls,
                rows,
                100.0 * c.null_share
            ),
        })
        .collect();
    dims.push(Dimension {
        name: "completeness".into(),
        score: Some(if cells == 0 {
            100.0
        } else {
            100.0 * (1.0 - nulls as f64 / cells as f64)
        }),
        method: "100 × (1 − missing cells / all cells)".into(),
        checks: completeness_checks,
    });

    // Validity and consistency: rows failing inferred checks.
    for (name, kinds, method) in [
        (
            "validity",
            &VALIDITY_CHECKS[..],
            "100 × (1 − rows failing a validity check / rows); a row failing two checks counts twice",
        ),
        (
            "consistency",
            &CONSISTENCY_CHECKS[..],
            "100 × (1 − rows failing a consistency check / rows); a row failing two checks counts twice",
        ),
    ] {
        let checks: Vec<QualityCheck> = findings
            .iter()
            .filter(|f| kinds.contains(&f.check.as_str()))
            .map(|f| from_finding(f, rows))
            .collect();
        dims.push(Dimension {
            name: name.into(),
            score: Some(row_score(&checks, rows)),
            method: method.into(),
            checks,
        });
    }

    // Uniqueness: exact duplicate rows; repeated values in identifier columns are reported too.
    let mut uniqueness = Vec::new();
    if let Some(f) = findings.iter().find(|f| f.check == "duplicate_rows") {
        uniqueness.push(from_finding(f, rows));
    }
    for c in &profile.columns {
        let is_id = c
            .pii
            .as_ref()
            .and_then(|p| p.entity)
            .is_some_and(|e| e.is_direct_identifier())
            || c.semantic_type == "identifier";
        let non_null = c.count - c.nulls;
        // Only columns meant to be (nearly) unique: names and the like repeat by nature.
        if is_id && c.distinct_exact && c.distinct < non_null && c.distinct * 2 >= non_null {
            uniqueness.push(QualityCheck {
                check: "repeated_identifier".into(),
                column: Some(c.name.clone()),
                passed: false,
                failing: non_null - c.distinct,
                checked: non_null,
                example_rows: Vec::new(),
                detail: format!(
                    "{} values repeat in an identifier column",
                    non_null - c.distinct
                ),
            });
        }
    }
    dims.push(Dimension {
        name: "uniqueness".into(),
        score: Some(if rows == 0 {
            100.0
        } else {
            100.0 * (1.0 - profile.duplicates.rows as f64 / rows as f64)
        }),
        method: "100 × (1 − duplicate rows / rows)".into(),
        checks: uniqueness,
    });

    // Timeliness: how old the newest date is (future values ignored).
    let newest = profile
        .columns
        .iter()
        .filter_map(|c| c.temporal.as_ref())
        .filter_map(|t| {
            chrono::NaiveDate::parse_from_str(&t.max[..10.min(t.max.len())], "%Y-%m-%d").ok()
        })
        .map(|d| {
            (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
        })
        .filter(|&d| d <= today_days)
        .max();
    let (timeliness, t_checks) = match newest {
        None => (None, Vec::new()),
        Some(d) => {
            let age = (today_days - d) as f64;
            let s = if age <= FRESH_DAYS {
                100.0
            } else {
                (100.0 * (1.0 - (age - FRESH_DAYS) / (STALE_ZERO_DAYS - FRESH_DAYS))).max(0.0)
            };
            (
                Some(s),
                vec![QualityCheck {
                    check: "stale_data".into(),
                    column: None,
                    passed: age <= FRESH_DAYS,
                    failing: u64::from(age > FRESH_DAYS),
                    checked: 1,
                    example_rows: Vec::new(),
                    detail: format!(
                        "the newest date is {} ({} days before {})",
                        days_to_iso(d),
                        age as i64,
                        days_to_iso(today_days)
                    ),
                }],
            )
        }
    };
    dims.push(Dimension {
        name: "timeliness".into(),
        score: timeliness,
        method: format!("100 when the newest date (not in the future) is at most {FRESH_DAYS} days old, falling linearly to 0 at {STALE_ZERO_DAYS} days; not applicable without dates"),
        checks: t_checks,
    });

    // Provenance: what the manifest records about where the data comes from.
    let mut prov = Vec::new();
    let mut check = |name: &str, ok: bool, detail: &str| {
        prov.push(QualityCheck {
            check: name.into(),
            column: None,
            passed: ok,
            failing: u64::from(!ok),
            checked: 1,
            example_rows: Vec::new(),
            detail: detail.into(),
        })
    };
    match manifest {
        Some(m) => {
            check(
                "source_hash",
                !m.source.sha256.is_empty(),
                "SHA-256 of the source file recorded",
            );
            check(
                "source_name",
                !m.source.file_name.is_empty(),
                "source file name recorded",
            );
            check(
                "import_time",
                !m.imported_at.is_empty(),
                "import time recorded",
            );
            check(
                "publisher",
                m.metadata.publisher.is_some(),
                "publisher named (import --publisher)",
            );
            check(
                "license",
                m.metadata.license.is_some(),
                "licence named (import --license)",
            );
            check(
                "description",
                m.metadata.description.is_some(),
                "dataset description (import --description)",
            );
        }
        None => {
            check(
                "container",
                false,
                "not imported as a container: no recorded hash, time, publisher, licence or description (datalab import)",
            );
        }
    }
    let passed = prov.iter().filter(|c| c.passed).count() as f64;
    let prov_score = 100.0 * passed / prov.len() as f64;
    dims.push(Dimension {
        name: "provenance".into(),
        score: Some(prov_score),
        method: "share of provenance facts recorded: source hash, source name, import time, publisher, licence, description".into(),
        checks: prov,
    });

    // Semantic clarity: can a reader tell what each column means?
    let mut sem = Vec::new();
    let mut points = 0.0;
    let mut possible = 0.0;
    for c in &profile.columns {
        let info = manifest.and_then(|m| m.schema.iter().find(|s| s.name == c.name));
        let described = info.is_some_and(|i| i.description.is_some());
        let needs_unit = c.numeric.is_some()
            && !matches!(c.semantic_type.as_str(), "identifier" | "categorical");
        let has_unit = info.is_some_and(|i| i.unit.is_some());
        let generic = c.name.starts_with("column_") || c.name.chars().count() < 2;
        possible += 2.0 + f64::from(u8::from(needs_unit));
        points += f64::from(u8::from(described))
            + f64::from(u8::from(!generic))
            + f64::from(u8::from(needs_unit && has_unit));
        let mut missing = Vec::new();
        if !described {
            missing.push("description");
        }
        if needs_unit && !has_unit {
            missing.push("unit");
        }
        if generic {
            missing.push("meaningful name");
        }
        if !missing.is_empty() {
            sem.push(QualityCheck {
                check: "column_documentation".into(),
                column: Some(c.name.clone()),
                passed: false,
                failing: 1,
                checked: 1,
                example_rows: Vec::new(),
                detail: format!("no {}", missing.join(", no ")),
            });
        }
    }
    dims.push(Dimension {
        name: "semantic_clarity".into(),
        score: Some(if possible == 0.0 { 100.0 } else { 100.0 * points / possible }),
        method: "per column one point each for a description, a meaningful name and (for measurements) a unit, over the points possible".into(),
        checks: sem,
    });

    for d in &mut dims {
        d.score = d.score.map(round2);
    }
    let applicable: Vec<f64> = dims.iter().filter_map(|d| d.score).collect();
    let overall = round2(applicable.iter().sum::<f64>() / applicable.len().max(1) as f64);
    QualityReport {
        overall,
        dimensions: dims,
    }
}
