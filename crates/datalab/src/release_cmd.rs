//! `datalab release`: the main job in one command — assess, settle the column roles,
//! pseudonymise or drop direct identifiers, anonymise the quasi-identifiers to the purpose's
//! target, validate the output (risk, quality, utility kept), and write the data, a report and
//! a signed certificate into a folder that appears complete or not at all (docs/release.md).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::SchemaRef;
use datalab_assess::assess::{Assessment, SourceInfo, assess};
use datalab_assess::profile::ProfileOptions;
use datalab_data::container::LabHome;
use datalab_data::provider::MemoryTable;
use datalab_data::read::Format;
use datalab_data::read::source::hash_file;
use datalab_data::write::{write_atomic, write_file};
use datalab_data::{ColumnRole, DataError, Result};
use datalab_protect::anonymize::{
    AnonymizationReport, AnonymizeConfig, SuppressedRecords, anonymize,
};
use datalab_protect::hierarchy::Hierarchy;
use datalab_protect::hierarchy::spec::HierarchySpec;
use datalab_protect::metric::MetricKind;
use datalab_protect::model::ModelSpec;
use datalab_protect::pseudonymize::{ColumnPolicy, Policy, Pseudonymizer, TokenVault};
use datalab_protect::risk_section::{RiskSettings, RiskThresholds};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::assess_cmds::{Data, resolve, run_assessment};
use crate::{ReleaseArgs, progress};

/// What a release is for; each purpose has documented default targets (docs/release.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    AiTraining,
    Research,
    OpenData,
}

/// The targets of a purpose.
#[derive(Clone, Debug, Serialize)]
pub struct Targets {
    pub k: u64,
    pub max_risk: f64,
    pub avg_risk: f64,
    pub suppression: f64,
    /// What happens to direct identifiers: "drop" or "token".
    pub identifiers: String,
}

impl Purpose {
    pub fn name(self) -> &'static str {
        match self {
            Purpose::AiTraining => "ai-training",
            Purpose::Research => "research",
            Purpose::OpenData => "open-data",
        }
    }

    /// Defaults: open data goes to anyone (EMA's 0.09 highest risk, k = 11); research goes to
    /// vetted researchers under agreement and keeps linkable tokens; AI training sits between.
    pub fn targets(self) -> Targets {
        let (k, max_risk, avg_risk, suppression, identifiers) = match self {
            Purpose::OpenData => (11, 0.09, 0.05, 0.05, "drop"),
            Purpose::AiTraining => (10, 0.1, 0.075, 0.05, "drop"),
            Purpose::Research => (5, 0.2, 0.1, 0.05, "token"),
        };
        Targets {
            k,
            max_risk,
            avg_risk,
            suppression,
            identifiers: identifiers.into(),
        }
    }
}

/// `--config release.toml`: every setting optional; the purpose's defaults fill the rest.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseConfig {
    purpose: Option<Purpose>,
    /// Column → role (identifier, quasi_identifier, sensitive, insensitive, subject).
    #[serde(default)]
    roles: BTreeMap<String, ColumnRole>,
    /// "drop" or "token".
    identifiers: Option<String>,
    /// Token context for `identifiers = "token"`.
    context: Option<String>,
    k: Option<u64>,
    max_risk: Option<f64>,
    avg_risk: Option<f64>,
    suppression: Option<f64>,
    l_diversity: Option<String>,
    t_closeness: Option<String>,
    metric: Option<String>,
    /// Keep suppressed records with '*' instead of leaving them out.
    keep_suppressed: Option<bool>,
    population: Option<String>,
    population_size: Option<u64>,
    #[serde(default)]
    hierarchies: BTreeMap<String, String>,
}

/// Names the stage in an error message.
fn stage_err(name: &str, e: DataError) -> DataError {
    match e {
        DataError::Usage(m) => DataError::usage(format!("release stage '{name}': {m}")),
        DataError::Integrity(m) => DataError::Integrity(format!("release stage '{name}': {m}")),
        other => other,
    }
}

fn stage<T>(name: &str, r: Result<T>) -> Result<T> {
    r.map_err(|e| stage_err(name, e))
}

/// The roles the release uses: config, else the container's recorded roles, else the
/// assessment's suggestions (confirmed on a terminal, or accepted with --yes).
fn settle_roles(
    data: &Data,
    cfg: &ReleaseConfig,
    assessment: &Assessment,
    yes: bool,
    quiet: bool,
) -> Result<(BTreeMap<String, ColumnRole>, &'static str)> {
    let suggested: BTreeMap<String, ColumnRole> = assessment
        .roles
        .iter()
        .map(|r| (r.column.clone(), r.suggestion.role))
        .collect();
    let recorded: BTreeMap<String, ColumnRole> = data
        .manifest()
        .map(|m| {
            m.schema
                .iter()
                .filter_map(|c| c.role.map(|r| (c.name.clone(), r)))
                .collect()
        })
        .unwrap_or_default();
    let (mut roles, origin) = if !recorded.is_empty() {
        (recorded, "recorded in the container")
    } else {
        (suggested.clone(), "suggested by the assessment")
    };
    for (c, r) in &cfg.roles {
        if !suggested.contains_key(c) {
            return Err(DataError::usage(format!(
                "the release config gives a role to '{c}', which the data does not have"
            )));
        }
        roles.insert(c.clone(), *r);
    }
    let origin = if !cfg.roles.is_empty() && cfg.roles.len() == suggested.len() {
        "given in the release config"
    } else {
        origin
    };
    if origin == "suggested by the assessment" && !yes {
        let listing: Vec<String> = roles
            .iter()
            .map(|(c, r)| format!("  {c} = \"{}\"", role_name(*r)))
            .collect();
        if std::io::stdin().is_terminal() && !quiet {
            eprintln!("Roles suggested by the assessment:\n{}", listing.join("\n"));
            eprint!("Use these roles for the release? [y/N] ");
            let mut answer = String::new();
            let _ = std::io::stdin().read_line(&mut answer);
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                return Err(DataError::usage(
                    "roles not confirmed; put them under [roles] in a --config file, or record them with datalab roles NAME --accept",
                ));
            }
        } else {
            return Err(DataError::usage(format!(
                "the column roles were not confirmed. The release would use:\n{}\nAccept them with --yes, record them in the container (datalab roles NAME --accept), or set them under [roles] in --config",
                listing.join("\n")
            )));
        }
    }
    Ok((roles, origin))
}

fn role_name(r: ColumnRole) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The text form of every value (None for null): how distributions are compared.
fn texts(array: &dyn Array) -> Vec<Option<String>> {
    match ArrayFormatter::try_new(array, &FormatOptions::default()) {
        Ok(f) => (0..array.len())
            .map(|i| (!array.is_null(i)).then(|| f.value(i).to_string()))
            .collect(),
        Err(_) => vec![None; array.len()],
    }
}

fn column_texts(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| match b.schema().index_of(name) {
            Ok(i) => texts(b.column(i).as_ref()),
            Err(_) => Vec::new(),
        })
        .collect()
}

/// Total variation distance between two empirical distributions.
fn tvd<K: Ord + Clone>(a: &[K], b: &[K]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 1.0;
    }
    let mut counts: BTreeMap<K, (f64, f64)> = BTreeMap::new();
    for k in a {
        counts.entry(k.clone()).or_default().0 += 1.0;
    }
    for k in b {
        counts.entry(k.clone()).or_default().1 += 1.0;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    counts
        .values()
        .map(|(x, y)| (x / na - y / nb).abs())
        .sum::<f64>()
        / 2.0
}

/// Numbers with many distinct values are compared in ten bins cut at the input's deciles.
fn binned(
    input: &[Option<String>],
    output: &[Option<String>],
) -> Option<(Vec<String>, Vec<String>)> {
    let nums: Vec<f64> = input
        .iter()
        .flatten()
        .map(|v| v.parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .ok()?;
    let distinct: std::collections::BTreeSet<u64> = nums.iter().map(|x| x.to_bits()).collect();
    if distinct.len() <= 50 {
        return None;
    }
    let mut sorted = nums.clone();
    sorted.sort_by(f64::total_cmp);
    let cuts: Vec<f64> = (1..10).map(|i| sorted[i * sorted.len() / 10]).collect();
    let bin = |v: &Option<String>| -> String {
        match v.as_deref().map(str::parse::<f64>) {
            Some(Ok(x)) => format!("bin{}", cuts.iter().filter(|&&c| x >= c).count()),
            Some(Err(_)) => "other".into(),
            None => "null".into(),
        }
    };
    Some((
        input.iter().map(bin).collect(),
        output.iter().map(bin).collect(),
    ))
}

#[derive(Debug, Serialize)]
pub struct ColumnUtility {
    pub column: String,
    /// Total variation distance between the input (generalised like the output, for
    /// quasi-identifiers) and the output: 0 = same distribution, 1 = disjoint.
    pub distance: f64,
    /// Distinct values before → after.
    pub distinct_before: usize,
    pub distinct_after: usize,
}

#[derive(Debug, Serialize)]
pub struct Utility {
    pub rows_before: u64,
    pub rows_after: u64,
    pub rows_kept: f64,
    pub columns: Vec<ColumnUtility>,
    /// Mean two-way TVD over pairs of compared columns.
    pub pairwise_mean_distance: Option<f64>,
    pub pairwise_max_distance: Option<f64>,
    pub pairs: usize,
}

/// Utility kept: per-column and pairwise distances between input and output.
fn utility(
    input: &[RecordBatch],
    output: &[RecordBatch],
    out_schema: &SchemaRef,
    qis: &[(String, Hierarchy)],
    levels: &[usize],
    skip: &[String],
) -> Utility {
    let rows_before: u64 = input.iter().map(|b| b.num_rows() as u64).sum();
    let rows_after: u64 = output.iter().map(|b| b.num_rows() as u64).sum();
    let mut keyed: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let mut columns = Vec::new();
    for f in out_schema.fields() {
        let name = f.name();
        if skip.contains(name) {
            continue;
        }
        let mut before = column_texts(input, name);
        let after = column_texts(output, name);
        if let Some(q) = qis.iter().position(|(n, _)| n == name) {
            let (h, level) = (&qis[q].1, levels[q]);
            before = before
                .into_iter()
                .map(|v| {
                    let v = v.unwrap_or_default();
                    Some(h.label(&v, level).unwrap_or("*").to_string())
                })
                .collect();
        }
        let distinct =
            |v: &[Option<String>]| v.iter().collect::<std::collections::BTreeSet<_>>().len();
        let (db, da) = (distinct(&before), distinct(&after));
        let (kb, ka): (Vec<String>, Vec<String>) = match binned(&before, &after) {
            Some(b) => b,
            None => (
                before
                    .iter()
                    .map(|v| v.clone().unwrap_or_else(|| "\u{0}null".into()))
                    .collect(),
                after
                    .iter()
                    .map(|v| v.clone().unwrap_or_else(|| "\u{0}null".into()))
                    .collect(),
            ),
        };
        columns.push(ColumnUtility {
            column: name.clone(),
            distance: tvd(&kb, &ka),
            distinct_before: db,
            distinct_after: da,
        });
        if keyed.len() < 12 {
            keyed.push((name.clone(), kb, ka));
        }
    }
    // Pairwise only when input rows line up with output rows (no rows left out): otherwise the
    // joint distributions are compared over different row sets, which TVD handles too.
    let mut pair_d = Vec::new();
    for i in 0..keyed.len() {
        for j in i + 1..keyed.len() {
            let a: Vec<(&str, &str)> = keyed[i]
                .1
                .iter()
                .map(String::as_str)
                .zip(keyed[j].1.iter().map(String::as_str))
                .collect();
            let b: Vec<(&str, &str)> = keyed[i]
                .2
                .iter()
                .map(String::as_str)
                .zip(keyed[j].2.iter().map(String::as_str))
                .collect();
            pair_d.push(tvd(&a, &b));
        }
    }
    Utility {
        rows_before,
        rows_after,
        rows_kept: if rows_before == 0 {
            0.0
        } else {
            rows_after as f64 / rows_before as f64
        },
        columns,
        pairwise_mean_distance: (!pair_d.is_empty())
            .then(|| pair_d.iter().sum::<f64>() / pair_d.len() as f64),
        pairwise_max_distance: pair_d.iter().copied().reduce(f64::max),
        pairs: pair_d.len(),
    }
}

/// Quality of in-memory data by the assessment's scoring (the profile of the output).
fn quality_of(schema: &SchemaRef, batches: &[RecordBatch], label: &str) -> Result<Assessment> {
    let open =
        |columns: Option<&[String]>| -> Result<(SchemaRef, datalab_assess::assess::BatchStream)> {
            let (schema, batches) = match columns {
                None => (schema.clone(), batches.to_vec()),
                Some(cols) => {
                    let idx: Vec<usize> = cols
                        .iter()
                        .map(|c| {
                            schema
                                .index_of(c)
                                .map_err(|_| DataError::usage(format!("no column '{c}'")))
                        })
                        .collect::<Result<_>>()?;
                    let projected = Arc::new(
                        schema
                            .project(&idx)
                            .map_err(|e| DataError::Integrity(e.to_string()))?,
                    );
                    let bs = batches
                        .iter()
                        .map(|b| {
                            b.project(&idx)
                                .map_err(|e| DataError::Integrity(e.to_string()))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    (projected as SchemaRef, bs)
                }
            };
            Ok((schema, Box::new(batches.into_iter().map(Ok))))
        };
    assess(
        &open,
        SourceInfo {
            kind: "file".into(),
            name: label.into(),
            version: None,
            container_id: None,
            sha256: None,
        },
        None,
        ProfileOptions::default(),
    )
}

/// The release's own report (report.json).
#[derive(Debug, Serialize)]
pub struct ReleaseReport {
    pub tool: String,
    /// The container (NAME@VERSION) or file released.
    pub input_label: String,
    pub created: String,
    pub purpose: Purpose,
    pub targets: Targets,
    pub input: Value,
    pub roles: BTreeMap<String, String>,
    pub roles_origin: String,
    /// Per column: what was done ("dropped", "tokenised", "generalised to level 2 of 4", "kept").
    pub actions: BTreeMap<String, String>,
    pub anonymization: Option<AnonymizationReport>,
    pub quality_before: f64,
    pub quality_after: f64,
    pub utility: Utility,
    pub outputs: Vec<Value>,
    pub verdict: Verdict,
    pub certificate_id: String,
    pub warnings: Vec<String>,
}

impl ReleaseReport {
    pub fn purpose_name(&self) -> &'static str {
        self.purpose.name()
    }
}

#[derive(Debug, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub summary: String,
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn release_cmd(home: &LabHome, a: &ReleaseArgs, json_out: bool) -> Result<ExitCode> {
    let report = release(home, a, json_out)?;
    if json_out {
        crate::commands::print_json(&json!({
            "output": a.output,
            "verdict": report.verdict,
            "report_html": a.output.join("report.html"),
            "certificate": a.output.join("certificate.json"),
            "report": report,
        }))?;
    } else {
        print_summary(&report, a);
    }
    Ok(if report.verdict.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_summary(report: &ReleaseReport, a: &ReleaseArgs) {
    println!(
        "{} → {} ({})",
        report.input_label,
        a.output.display(),
        report.purpose.name()
    );
    println!("  {}", report.verdict.summary);
    println!(
        "  quality {:.1} → {:.1}; rows kept {:.1}%; mean column distance {:.3}",
        report.quality_before,
        report.quality_after,
        100.0 * report.utility.rows_kept,
        report
            .utility
            .columns
            .iter()
            .map(|c| c.distance)
            .sum::<f64>()
            / report.utility.columns.len().max(1) as f64
    );
    for w in &report.warnings {
        println!("  warning: {w}");
    }
    println!(
        "  wrote data.parquet, data.csv, report.html, report.json, certificate.json; verify with: datalab verify {} --data {}",
        a.output.join("certificate.json").display(),
        a.output.join("data.parquet").display()
    );
}

/// Runs a release and returns its report (`quiet`: no progress bars or questions on stderr).
pub fn release(home: &LabHome, a: &ReleaseArgs, json_out: bool) -> Result<ReleaseReport> {
    // Never overwrite a non-empty folder without --force: checked before any work.
    if a.output.exists() {
        let non_empty = std::fs::read_dir(&a.output)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
        if non_empty && !a.force {
            return Err(DataError::usage(format!(
                "{} exists and is not empty; choose another folder or pass --force to replace it",
                a.output.display()
            )));
        }
    }
    let cfg: ReleaseConfig = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| DataError::usage(format!("config {}: {e}", p.display())))?;
            toml::from_str(&text)
                .map_err(|e| DataError::usage(format!("config {}: {e}", p.display())))?
        }
        None => ReleaseConfig::default(),
    };
    let purpose = a.purpose.or(cfg.purpose).unwrap_or(Purpose::Research);
    let mut targets = purpose.targets();
    if let Some(k) = cfg.k {
        targets.k = k;
    }
    if let Some(v) = cfg.max_risk {
        targets.max_risk = v;
    }
    if let Some(v) = cfg.avg_risk {
        targets.avg_risk = v;
    }
    if let Some(v) = cfg.suppression {
        targets.suppression = v;
    }
    if let Some(v) = &cfg.identifiers {
        if v != "drop" && v != "token" {
            return Err(DataError::usage(format!(
                "config: identifiers = \"{v}\": use \"drop\" or \"token\""
            )));
        }
        targets.identifiers = v.clone();
    }
    let data = resolve(home, &a.data)?;
    let label = data.label();

    // 1. Assess.
    let assessment = stage("assess", run_assessment(&data, None, json_out))?;
    let (roles, roles_origin) = stage(
        "roles",
        settle_roles(&data, &cfg, &assessment, a.yes, json_out),
    )?;
    let with_role = |r: ColumnRole| -> Vec<String> {
        roles
            .iter()
            .filter(|(_, v)| **v == r)
            .map(|(c, _)| c.clone())
            .collect()
    };
    let identifiers: Vec<String> = with_role(ColumnRole::Identifier)
        .into_iter()
        .chain(with_role(ColumnRole::Subject))
        .collect();
    let qi = with_role(ColumnRole::QuasiIdentifier);
    let sensitive = with_role(ColumnRole::Sensitive);

    let bar = progress::rows(&format!("reading {label}"), json_out);
    let (schema, stream) = data.open(&bar)?;
    let input: Vec<RecordBatch> = stream.collect::<Result<_>>()?;
    bar.finish_and_clear();

    // 2. Direct identifiers: tokenised (research) or dropped.
    let spinner = progress::spinner("pseudonymising direct identifiers", json_out);
    let mut policy = Policy {
        context: Some(
            cfg.context
                .clone()
                .unwrap_or_else(|| format!("release-{}", purpose.name())),
        ),
        ..Policy::default()
    };
    let mut actions: BTreeMap<String, String> = BTreeMap::new();
    for c in &identifiers {
        let p = if targets.identifiers == "token" {
            actions.insert(
                c.clone(),
                "replaced by keyed tokens (HMAC-SHA256, 128 bits)".into(),
            );
            ColumnPolicy::Token {
                context: None,
                encoding: None,
                length: None,
            }
        } else {
            actions.insert(c.clone(), "dropped (direct identifier)".into());
            ColumnPolicy::Drop
        };
        policy.columns.insert(c.clone(), p);
    }
    let (run_key, key_id) = if policy.needs_key() {
        let (k, id) = stage("pseudonymise", crate::pseudo_cmd::active_run_key(home))?;
        (Some(k), Some(id))
    } else {
        (None, None)
    };
    let mut no_vault = |_: &str| -> std::result::Result<Box<dyn TokenVault>, String> {
        Err("vaults are not used by releases".into())
    };
    let mut pseudo = stage(
        "pseudonymise",
        Pseudonymizer::new(
            &schema,
            &policy,
            input.first(),
            run_key.as_ref(),
            &mut no_vault,
            None,
        )
        .map_err(crate::pseudo_cmd::perr),
    )?;
    let mut stage2 = Vec::with_capacity(input.len());
    for b in &input {
        stage2.push(stage(
            "pseudonymise",
            pseudo.apply(b, 2).map_err(crate::pseudo_cmd::perr),
        )?);
    }
    let schema2 = pseudo.schema();
    spinner.finish_and_clear();

    // 3. Anonymise the quasi-identifiers.
    let mut warnings = Vec::new();
    let population = crate::risk_cmd::population(cfg.population_size, cfg.population.as_deref())?;
    let (output, anon_report, qis_h) = if qi.is_empty() {
        warnings.push(
            "no quasi-identifiers: nothing was generalised, and re-identification risk could not be measured".into(),
        );
        (stage2.clone(), None, Vec::new())
    } else {
        let table = MemoryTable::new(schema2.clone(), stage2.clone());
        let mut specs: BTreeMap<String, HierarchySpec> = BTreeMap::new();
        for (attr, text) in &cfg.hierarchies {
            let spec: HierarchySpec =
                text.parse()
                    .map_err(|e: datalab_protect::hierarchy::HierarchyError| {
                        DataError::usage(e.to_string())
                    })?;
            let dir = a
                .config
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            specs.insert(attr.clone(), spec.relative_to(&dir));
        }
        let (qis_h, sens, _built) = stage(
            "anonymise",
            crate::anonymize_cmd::build_hierarchies(
                &table, &schema2, &label, &qi, &sensitive, &specs,
            ),
        )?;
        let mut models = vec![
            ModelSpec::KAnonymity { k: targets.k },
            ModelSpec::MaxRisk {
                threshold: targets.max_risk,
            },
            ModelSpec::AverageRisk {
                threshold: targets.avg_risk,
            },
        ];
        if let Some(l) = &cfg.l_diversity {
            for (s, _) in &sens {
                models
                    .push(ModelSpec::parse_l_diversity(l, s).map_err(crate::anonymize_cmd::perr)?);
            }
        }
        if let Some(t) = &cfg.t_closeness {
            for (s, _) in &sens {
                models
                    .push(ModelSpec::parse_t_closeness(t, s).map_err(crate::anonymize_cmd::perr)?);
            }
        }
        let metric = match &cfg.metric {
            Some(m) => MetricKind::parse(m).map_err(crate::anonymize_cmd::perr)?,
            None => MetricKind::default(),
        };
        let config = AnonymizeConfig {
            quasi_identifiers: qis_h.clone(),
            sensitive: sens,
            models,
            suppression_limit: targets.suppression,
            metric,
            suppressed: if cfg.keep_suppressed == Some(true) {
                SuppressedRecords::Star
            } else {
                SuppressedRecords::Drop
            },
            budget: None,
            risk: RiskSettings {
                thresholds: RiskThresholds {
                    max_risk: targets.max_risk,
                    avg_risk: targets.avg_risk,
                    ..RiskThresholds::default()
                },
                population: population.as_ref().map(|p| p.0),
                population_label: population.as_ref().map(|p| p.1.clone()),
                data_label: Some(label.clone()),
            },
        };
        let spinner = progress::spinner("anonymising quasi-identifiers", json_out);
        let r = anonymize(schema2.clone(), stage2.clone(), &config);
        spinner.finish_and_clear();
        let (out, report) = stage("anonymise", r.map_err(crate::anonymize_cmd::perr))?;
        for (q, at) in report.quasi_identifiers.iter().enumerate() {
            actions.insert(
                at.name.clone(),
                format!(
                    "generalised to level {} of {} ({} → {} distinct values)",
                    report.levels[q], at.max_level, at.distinct_before, at.distinct_after
                ),
            );
        }
        (out, Some(report), qis_h)
    };
    for f in schema2.fields() {
        actions
            .entry(f.name().clone())
            .or_insert_with(|| "kept".into());
    }
    let out_schema: SchemaRef = output
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| schema2.clone());

    // 4. Validate: quality and utility of the output (the risk is in the anonymisation report).
    let spinner = progress::spinner("validating the output", json_out);
    let after = stage(
        "validate",
        quality_of(&out_schema, &output, "release output"),
    )?;
    let levels = anon_report
        .as_ref()
        .map(|r| r.levels.clone())
        .unwrap_or_default();
    let tokens: Vec<String> = policy
        .columns
        .iter()
        .filter(|(_, p)| matches!(p, ColumnPolicy::Token { .. }))
        .map(|(c, _)| c.clone())
        .collect();
    let util = utility(&stage2, &output, &out_schema, &qis_h, &levels, &tokens);
    spinner.finish_and_clear();
    let models_hold = anon_report
        .as_ref()
        .is_none_or(|r| r.models.iter().all(|m| m.holds));
    let risk_ok = anon_report.as_ref().is_some_and(|r| r.risk.passed);
    let passed = models_hold && risk_ok;
    let summary = match &anon_report {
        Some(r) => format!(
            "{} of {} records released for {}; every class holds at least {} records (k = {} required); highest re-identification risk {:.4} (target {}), average {:.4} (target {}); {}.",
            util.rows_after,
            util.rows_before,
            purpose.name(),
            r.class_sizes.min,
            targets.k,
            r.risk.after.as_ref().map_or(f64::NAN, |x| x.sample.highest_risk),
            targets.max_risk,
            r.risk.after.as_ref().map_or(f64::NAN, |x| x.sample.average_prosecutor_risk),
            targets.avg_risk,
            if passed { "all targets met" } else { "NOT all targets met" }
        ),
        None => "no quasi-identifiers: the release only removed or tokenised direct identifiers; its re-identification risk is not measured".into(),
    };

    // 5. Write everything into a staging folder, then move it into place.
    let parent = a
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| DataError::Io {
        context: format!("creating {}", parent.display()),
        source: e,
    })?;
    let staging = parent.join(format!(
        ".{}.partial-{}",
        a.output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| DataError::Io {
        context: format!("creating {}", staging.display()),
        source: e,
    })?;
    let result = (|| -> Result<(ReleaseReport, Value)> {
        let mut outputs = Vec::new();
        for format in [Format::Parquet, Format::Csv] {
            let name = format!("data.{}", format.name());
            let path = staging.join(&name);
            write_file(&path, format, &out_schema, output.iter().cloned().map(Ok))?;
            let digest = hash_file(&path)?;
            outputs.push(json!({"path": name, "sha256": digest.sha256, "bytes": digest.bytes}));
        }
        let input_info = input_description(&data)?;
        let certificate_id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
        let report = ReleaseReport {
            tool: format!("datalab {}", env!("CARGO_PKG_VERSION")),
            input_label: label.clone(),
            created: now_rfc3339(),
            purpose,
            targets,
            input: input_info,
            roles: roles
                .iter()
                .map(|(c, r)| (c.clone(), role_name(*r)))
                .collect(),
            roles_origin: roles_origin.to_string(),
            actions,
            anonymization: anon_report,
            quality_before: assessment.quality.overall,
            quality_after: after.quality.overall,
            utility: util,
            outputs,
            verdict: Verdict { passed, summary },
            certificate_id,
            warnings,
        };
        let subject = crate::release_cert::subject(&report, key_id.as_deref(), &policy);
        let certificate = crate::release_cert::issue(home, &report.certificate_id, subject)?;
        write_atomic(
            &staging.join("certificate.json"),
            &serde_json::to_vec_pretty(&certificate)
                .map_err(|e| DataError::Integrity(e.to_string()))?,
        )?;
        datalab_data::container::stall_point("release-mid-write");
        write_atomic(
            &staging.join("report.json"),
            &serde_json::to_vec_pretty(&report).map_err(|e| DataError::Integrity(e.to_string()))?,
        )?;
        write_atomic(
            &staging.join("report.html"),
            crate::release_html::render(&report, &label, &certificate).as_bytes(),
        )?;
        Ok((report, certificate))
    })();
    let (report, _certificate) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(stage_err("write", e));
        }
    };
    datalab_data::container::stall_point("release-before-install");
    install(&staging, &a.output)?;
    Ok(report)
}

/// The input as the certificate names it: container id and version, or file name, with hashes.
fn input_description(data: &Data) -> Result<Value> {
    Ok(match data {
        Data::Container(c) => json!({
            "container": c.record.name,
            "version": c.record.version,
            "container_id": c.record.id,
            "sha256": c.record.data_sha256,
            "source_sha256": c.record.source_sha256,
        }),
        Data::File(p) => {
            let d = hash_file(p)?;
            json!({
                "file": p.file_name().map(|n| n.to_string_lossy().into_owned()),
                "sha256": d.sha256,
                "bytes": d.bytes,
            })
        }
    })
}

/// Moves the finished staging folder to `target`, replacing an existing one (only reached
/// with --force or when it is empty).
fn install(staging: &Path, target: &Path) -> Result<()> {
    let io = |what: String| {
        move |e: std::io::Error| DataError::Io {
            context: what,
            source: e,
        }
    };
    if target.exists() {
        let old = staging.with_extension(format!("old-{}", std::process::id()));
        std::fs::rename(target, &old).map_err(io(format!("moving {} aside", target.display())))?;
        std::fs::rename(staging, target).map_err(io(format!("installing {}", target.display())))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(staging, target).map_err(io(format!("installing {}", target.display())))?;
    }
    datalab_data::write::sync_parent(target);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tvd_of_equal_and_disjoint_samples() {
        assert_eq!(tvd(&[1, 2, 2, 3], &[3, 2, 1, 2]), 0.0);
        assert_eq!(tvd(&[1, 1], &[2, 2]), 1.0);
        assert!((tvd(&[1, 2], &[1, 1]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn purposes_have_documented_targets() {
        assert_eq!(Purpose::OpenData.targets().max_risk, 0.09);
        assert_eq!(Purpose::Research.targets().identifiers, "token");
        assert_eq!(Purpose::AiTraining.targets().identifiers, "drop");
    }
}
