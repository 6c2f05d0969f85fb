//! The assessment: profile + quality score + personal data + suggested roles, as one report.
//!
//! Two streaming passes over the data: the first profiles every column and records inferred
//! checks; the second counts outliers (which need the median and MAD from the first).

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use serde::Serialize;

use datalab_data::{DataError, Manifest};

use crate::pii::Entity;
use crate::profile::{Alert, Finding, ProfileOptions, Profiler, TableProfile};
use crate::quality::{QualityReport, score};
use crate::roles::{ColumnFacts, RoleSuggestion, suggest_role};

/// Version of the assessment.json schema (docs/assessment.md). Bump on incompatible changes.
pub const ASSESSMENT_SCHEMA_VERSION: u32 = 1;

/// A way to read the data from the start, as often as needed.
pub type BatchStream = Box<dyn Iterator<Item = Result<RecordBatch, DataError>> + Send>;
/// Opens the data from the first row; `Some(columns)` asks for just those columns (a source
/// may return more: columns are looked up by name).
pub type OpenData<'a> =
    &'a dyn Fn(Option<&[String]>) -> Result<(SchemaRef, BatchStream), DataError>;

#[derive(Clone, Debug, Serialize)]
pub struct SourceInfo {
    /// "container" or "file".
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ColumnRoleReport {
    pub column: String,
    #[serde(flatten)]
    pub suggestion: RoleSuggestion,
}

#[derive(Clone, Debug, Serialize)]
pub struct PiiColumn {
    pub column: String,
    pub entity: Entity,
    pub label: String,
    pub share: f64,
    pub confidence: f64,
    /// True when the entity sits inside free text rather than being the whole value.
    pub in_text: bool,
    pub values: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub schema_version: u32,
    pub generated_at: String,
    pub tool: String,
    pub source: SourceInfo,
    pub rows: u64,
    pub columns: u64,
    pub quality: QualityReport,
    pub pii: Vec<PiiColumn>,
    pub roles: Vec<ColumnRoleReport>,
    pub profile: TableProfile,
}

pub fn assess(
    open: OpenData<'_>,
    source: SourceInfo,
    manifest: Option<&Manifest>,
    opts: ProfileOptions,
) -> Result<Assessment, DataError> {
    let today = opts.today_days;
    let (schema, batches) = open(None)?;
    let mut profiler = Profiler::new(schema.clone(), opts);
    // Reading (parsing, decompressing) runs on its own thread, profiling on this one.
    std::thread::scope(|scope| -> Result<(), DataError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        scope.spawn(move || {
            for b in batches {
                let failed = b.is_err();
                if tx.send(b).is_err() || failed {
                    break;
                }
            }
        });
        for b in rx {
            profiler.add(&b?);
        }
        Ok(())
    })?;
    let mut profile = profiler.finish();
    let (outliers, heavy_tails) = count_outliers(open, &profile)?;
    profile.alerts.extend(heavy_tails);
    let quality = score(&profile, &outliers, manifest, today);
    let pii = pii_columns(&profile);
    let roles = profile
        .columns
        .iter()
        .map(|c| {
            let entity = c.pii.as_ref().and_then(|p| p.entity);
            let top: Vec<(String, u64)> = c
                .top_values
                .iter()
                .map(|t| (t.value.clone(), t.count))
                .collect();
            let facts = ColumnFacts {
                name: &c.name,
                ty: &c.ty,
                rows: c.count,
                non_null: c.count - c.nulls,
                distinct: c.distinct,
                pii_entity: entity.map(Entity::name),
                pii_share: c.pii.as_ref().map_or(0.0, |p| p.share),
                top_values: &top,
            };
            ColumnRoleReport {
                column: c.name.clone(),
                suggestion: suggest_role(&facts),
            }
        })
        .collect();
    Ok(Assessment {
        schema_version: ASSESSMENT_SCHEMA_VERSION,
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tool: format!("datalab {}", env!("CARGO_PKG_VERSION")),
        source,
        rows: profile.rows,
        columns: profile.columns.len() as u64,
        quality,
        pii,
        roles,
        profile,
    })
}

fn pii_columns(profile: &TableProfile) -> Vec<PiiColumn> {
    let mut out = Vec::new();
    for c in &profile.columns {
        let Some(p) = &c.pii else { continue };
        if let Some(e) = p.entity {
            // A column mixing several countries' ID schemes is named as such, not by its majority.
            let schemes: Vec<&str> = p
                .entities
                .iter()
                .filter(|x| x.entity.is_national_id() && x.values > 0)
                .map(|x| x.entity.label())
                .collect();
            let label = if e.is_national_id() && schemes.len() > 1 {
                format!(
                    "national identity numbers of {} schemes ({})",
                    schemes.len(),
                    schemes.join(", ")
                )
            } else {
                e.label().to_string()
            };
            out.push(PiiColumn {
                column: c.name.clone(),
                entity: e,
                label,
                share: p.share,
                confidence: p.confidence,
                in_text: false,
                values: (p.share * p.scanned as f64).round() as u64,
            });
        }
        for hit in &p.in_text {
            out.push(PiiColumn {
                column: c.name.clone(),
                entity: hit.entity,
                label: hit.entity.label().to_string(),
                share: if p.scanned == 0 {
                    0.0
                } else {
                    hit.values as f64 / p.scanned as f64
                },
                confidence: 0.0,
                in_text: true,
                values: hit.values,
            });
        }
    }
    out
}

/// Modified z-score above which a value is an outlier (Iglewicz & Hoaglin).
const OUTLIER_Z: f64 = 3.5;

/// Above this share of values, "outliers" describe a heavy-tailed distribution, not errors.
const MAX_OUTLIER_SHARE: f64 = 0.01;

/// Second pass: values far from the median in MAD units, per numeric measurement column.
/// Columns where too many values are far out get a `heavy_tailed` alert instead.
fn count_outliers(
    open: OpenData<'_>,
    profile: &TableProfile,
) -> Result<(Vec<Finding>, Vec<Alert>), DataError> {
    // (column index, median, mad) for columns where the rule makes sense.
    let targets: Vec<(usize, f64, f64)> = profile
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c.semantic_type.as_str(), "identifier" | "categorical"))
        .filter_map(|(i, c)| {
            let n = c.numeric.as_ref()?;
            let median = n.quantiles.iter().find(|(q, _)| *q == 0.5)?.1;
            (n.mad > 0.0 && median.is_finite()).then_some((i, median, n.mad))
        })
        .collect();
    if targets.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let names: Vec<String> = targets
        .iter()
        .map(|t| profile.columns[t.0].name.clone())
        .collect();
    let (_, batches) = open(Some(&names))?;
    let mut counts = vec![(0u64, Vec::new()); targets.len()];
    let mut row0 = 1u64;
    for b in batches {
        let b = b?;
        for (k, &(_, median, mad)) in targets.iter().enumerate() {
            let Some(col) = b.column_by_name(&names[k]) else {
                continue;
            };
            let Ok(col) = arrow_cast::cast(col, &DataType::Float64) else {
                continue;
            };
            let col = col.as_primitive::<Float64Type>();
            for i in 0..col.len() {
                if col.is_null(i) {
                    continue;
                }
                let z = 0.6745 * (col.value(i) - median).abs() / mad;
                if z > OUTLIER_Z {
                    counts[k].0 += 1;
                    if counts[k].1.len() < 10 {
                        counts[k].1.push(row0 + i as u64);
                    }
                }
            }
        }
        row0 += b.num_rows() as u64;
    }
    let mut alerts = Vec::new();
    let mut findings = Vec::new();
    for (&(idx, median, mad), (n, rows)) in targets.iter().zip(counts) {
        let col = &profile.columns[idx];
        let non_null = (col.count - col.nulls).max(1);
        if n == 0 {
            continue;
        }
        if n as f64 > MAX_OUTLIER_SHARE * non_null as f64 {
            alerts.push(Alert {
                column: Some(col.name.clone()),
                kind: "heavy_tailed".into(),
                message: format!(
                    "heavy_tailed: {:.1}% of values lie more than {OUTLIER_Z} robust standard deviations from the median; not counted as errors",
                    100.0 * n as f64 / non_null as f64
                ),
            });
            continue;
        }
        findings.push(Finding {
            check: "outlier".into(),
            column: Some(profile.columns[idx].name.clone()),
            count: n,
            example_rows: rows,
            detail: format!(
                "{n} values lie more than {OUTLIER_Z} robust standard deviations from the median {median:.4} (MAD {mad:.4})"
            ),
        });
    }
    Ok((findings, alerts))
}
