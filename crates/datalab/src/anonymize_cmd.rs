//! `datalab anonymize`: configuration from options, a TOML file and the container's roles;
//! hierarchies loaded or built; the engine run; data, report.json and report.html written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef};
use datalab_data::container::{DescriptiveMetadata, ImportRequest, LabHome};
use datalab_data::provider::{AggregateProvider, GroupBy, GroupQuery, MemoryTable};
use datalab_data::read::ReadOptions;
use datalab_data::write::{write_atomic, write_file};
use datalab_data::{ColumnRole, DataError, Result};
use datalab_protect::anonymize::{AnonymizeConfig, ProtectError, SuppressedRecords, anonymize};
use datalab_protect::hierarchy::Hierarchy;
use datalab_protect::hierarchy::spec::{HierarchySpec, parse_assignment};
use datalab_protect::metric::MetricKind;
use datalab_protect::model::ModelSpec;
use datalab_protect::risk_section::{RiskSettings, RiskThresholds};
use datalab_protect::search::SearchBudget;
use serde::Deserialize;
use serde_json::json;

use crate::assess_cmds::resolve;
use crate::commands::{format_of, print_json, run_import};
use crate::{AnonymizeArgs, progress};

/// `--config` file: the same settings as the options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    qi: Option<Vec<String>>,
    sensitive: Option<Vec<String>>,
    k: Option<u64>,
    l_diversity: Option<String>,
    t_closeness: Option<String>,
    max_risk: Option<f64>,
    avg_risk: Option<f64>,
    population_uniqueness: Option<f64>,
    population: Option<String>,
    population_size: Option<u64>,
    suppression: Option<f64>,
    metric: Option<String>,
    drop_suppressed: Option<bool>,
    max_nodes: Option<u64>,
    max_seconds: Option<f64>,
    #[serde(default)]
    hierarchies: BTreeMap<String, String>,
}

pub(crate) fn perr(e: ProtectError) -> DataError {
    if e.is_usage() {
        DataError::usage(e.to_string())
    } else {
        DataError::Integrity(e.to_string())
    }
}

fn herr(e: datalab_protect::hierarchy::HierarchyError) -> DataError {
    if e.is_usage() {
        DataError::usage(e.to_string())
    } else {
        DataError::Integrity(e.to_string())
    }
}

/// Distinct values of a column with their row counts, as the text the hierarchies use.
fn value_counts(table: &MemoryTable, column: &str) -> Result<Vec<(String, u64)>> {
    let t = table.group_counts(&GroupQuery {
        group_by: vec![GroupBy::column(column)],
        sums: vec![],
    })?;
    Ok((0..t.len())
        .filter_map(|g| {
            t.dictionaries[0]
                .value(t.key(g)[0])
                .map(|v| (v.to_string(), t.counts[g]))
        })
        .collect())
}

/// A hierarchy when none was given: calendar levels for dates, quantile bins for numbers,
/// masking for codes of one length, and straight to '*' for other text.
fn default_spec(ty: &DataType, values: &[(String, u64)]) -> Option<HierarchySpec> {
    let text = match ty {
        DataType::Date32 | DataType::Timestamp(_, _) => "date",
        t if t.is_numeric() => "quantile:8",
        _ => {
            // Codes (postcodes, zip codes): short, letters/digits/spaces, no words.
            let codes = values.len() > 20
                && values.iter().all(|(v, _)| {
                    let n = v.chars().count();
                    (2..=10).contains(&n)
                        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
                        && v.chars().any(|c| c.is_ascii_digit())
                });
            if codes { "mask" } else { return None }
        }
    };
    text.parse().ok()
}

/// Adds a row for empty cells: they stay their own (empty) group below the top level, which
/// is '*'. Without it the engine refuses columns with nulls.
fn with_null_row(h: Hierarchy) -> Result<Hierarchy> {
    let mut rows = h.rows();
    let height = h.height();
    let mut null_row = vec![String::new(); height];
    if height > 1 {
        null_row[height - 1] = "*".into();
    }
    rows.push(null_row);
    Hierarchy::from_rows(h.attribute(), rows).map_err(herr)
}

fn flat(attribute: &str, values: &[(String, u64)]) -> Result<Hierarchy> {
    let rows = values
        .iter()
        .map(|(v, _)| vec![v.clone(), "*".to_string()])
        .collect();
    Hierarchy::from_rows(attribute, rows).map_err(herr)
}

/// Quasi-identifiers with their hierarchies (given specs first, else defaults) and sensitive
/// attributes with theirs when given; also the descriptions of the hierarchies built by default.
pub(crate) type Hierarchies = (
    Vec<(String, Hierarchy)>,
    Vec<(String, Option<Hierarchy>)>,
    Vec<String>,
);

pub(crate) fn build_hierarchies(
    table: &MemoryTable,
    schema: &SchemaRef,
    label: &str,
    qi: &[String],
    sensitive: &[String],
    specs: &BTreeMap<String, HierarchySpec>,
) -> Result<Hierarchies> {
    let field_type = |c: &str| -> Result<DataType> {
        schema
            .field_with_name(c)
            .map(|f| f.data_type().clone())
            .map_err(|_| DataError::unknown_column(label, c, schema))
    };
    let mut quasi_identifiers = Vec::new();
    let mut built = Vec::new();
    for c in qi {
        let ty = field_type(c)?;
        let values = value_counts(table, c)?;
        let weighted: Vec<(&str, u64)> = values.iter().map(|(v, n)| (v.as_str(), *n)).collect();
        let h = match specs.get(c) {
            Some(spec) => spec.build_weighted(c, &weighted).map_err(herr)?,
            None => match default_spec(&ty, &values) {
                Some(spec) => {
                    built.push(format!("{c}={spec}"));
                    spec.build_weighted(c, &weighted).map_err(herr)?
                }
                None => {
                    built.push(format!("{c}=flat (value → *)"));
                    flat(c, &values)?
                }
            },
        };
        let has_nulls = table
            .encoded(c)?
            .codes
            .contains(&datalab_data::provider::NULL_CODE);
        let h = if has_nulls && h.value_index("").is_none() {
            with_null_row(h)?
        } else {
            h
        };
        quasi_identifiers.push((c.clone(), h));
    }
    let mut sens = Vec::new();
    for c in sensitive {
        field_type(c)?;
        let h = match specs.get(c) {
            Some(spec) => {
                let values = value_counts(table, c)?;
                let weighted: Vec<(&str, u64)> =
                    values.iter().map(|(v, n)| (v.as_str(), *n)).collect();
                Some(spec.build_weighted(c, &weighted).map_err(herr)?)
            }
            None => None,
        };
        sens.push((c.clone(), h));
    }

    Ok((quasi_identifiers, sens, built))
}

pub fn anonymize_cmd(home: &LabHome, a: &AnonymizeArgs, json_out: bool) -> Result<ExitCode> {
    let (file_cfg, cfg_dir) = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| DataError::usage(format!("config {}: {e}", p.display())))?;
            let c: FileConfig = toml::from_str(&text)
                .map_err(|e| DataError::usage(format!("config {}: {e}", p.display())))?;
            (c, p.parent().map(Path::to_path_buf).unwrap_or_default())
        }
        None => (FileConfig::default(), PathBuf::new()),
    };
    let data = resolve(home, &a.data)?;
    let roles = |want: ColumnRole| -> Vec<String> {
        data.manifest()
            .map(|m| {
                m.schema
                    .iter()
                    .filter(|c| c.role == Some(want))
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let pick = |cli: &Vec<String>, file: &Option<Vec<String>>, role: ColumnRole| -> Vec<String> {
        if !cli.is_empty() {
            cli.clone()
        } else if let Some(f) = file {
            f.clone()
        } else {
            roles(role)
        }
    };
    let qi = pick(&a.qi, &file_cfg.qi, ColumnRole::QuasiIdentifier);
    let sensitive = pick(&a.sensitive, &file_cfg.sensitive, ColumnRole::Sensitive);
    if qi.is_empty() {
        return Err(DataError::usage(
            "no quasi-identifiers: pass --qi a,b,c, put qi = [...] in --config, or record roles first (datalab roles NAME --accept)",
        ));
    }

    let bar = progress::rows(&format!("reading {}", data.label()), json_out);
    let (schema, stream) = data.open(&bar)?;
    let batches: Vec<RecordBatch> = stream.collect::<Result<_>>()?;
    bar.finish_and_clear();
    let table = MemoryTable::new(schema.clone(), batches.clone());

    // Hierarchies: options, then config file, then defaults.
    let mut specs: BTreeMap<String, HierarchySpec> = BTreeMap::new();
    for (attr, text) in &file_cfg.hierarchies {
        let spec: HierarchySpec = text.parse().map_err(herr)?;
        specs.insert(attr.clone(), spec.relative_to(&cfg_dir));
    }
    for text in &a.hierarchies {
        let (attr, spec) = parse_assignment(text).map_err(herr)?;
        specs.insert(attr, spec);
    }
    for attr in specs.keys() {
        if !qi.contains(attr) && !sensitive.contains(attr) {
            return Err(DataError::usage(format!(
                "--hierarchy names '{attr}', which is neither a quasi-identifier nor a sensitive attribute"
            )));
        }
    }
    let (quasi_identifiers, sens, built) =
        build_hierarchies(&table, &schema, &data.label(), &qi, &sensitive, &specs)?;

    let mut models = Vec::new();
    let k = a.k.or(file_cfg.k);
    if let Some(k) = k {
        models.push(ModelSpec::KAnonymity { k });
    }
    if let Some(l) = a.l_diversity.clone().or(file_cfg.l_diversity.clone()) {
        for (s, _) in &sens {
            models.push(ModelSpec::parse_l_diversity(&l, s).map_err(perr)?);
        }
    }
    if let Some(t) = a.t_closeness.clone().or(file_cfg.t_closeness.clone()) {
        for (s, _) in &sens {
            models.push(ModelSpec::parse_t_closeness(&t, s).map_err(perr)?);
        }
    }
    if let Some(threshold) = a.max_risk.or(file_cfg.max_risk) {
        models.push(ModelSpec::MaxRisk { threshold });
    }
    if let Some(threshold) = a.avg_risk.or(file_cfg.avg_risk) {
        models.push(ModelSpec::AverageRisk { threshold });
    }
    let pop = crate::risk_cmd::population(
        a.population_size.or(file_cfg.population_size),
        a.population.as_deref().or(file_cfg.population.as_deref()),
    )?;
    if let Some(threshold) = a.population_uniqueness.or(file_cfg.population_uniqueness) {
        let Some((population, _)) = &pop else {
            return Err(DataError::usage(
                "--population-uniqueness needs the population: --population USA|EU|<EU country code> or --population-size N",
            ));
        };
        models.push(ModelSpec::PopulationUniqueness {
            threshold,
            population: *population,
        });
    }
    if models.is_empty() {
        return Err(DataError::usage(
            "no privacy model: pass --k N, --max-risk R, --avg-risk R or --population-uniqueness S \
             (and optionally --l-diversity, --t-closeness)",
        ));
    }
    for m in &models {
        m.validate().map_err(perr)?;
    }
    if models.iter().any(|m| m.attribute().is_some()) && sens.is_empty() {
        return Err(DataError::usage(
            "--l-diversity and --t-closeness need --sensitive attributes",
        ));
    }
    let suppression = a.suppression.or(file_cfg.suppression).unwrap_or(0.0);
    let metric = match a.metric.clone().or(file_cfg.metric.clone()) {
        Some(m) => MetricKind::parse(&m).map_err(perr)?,
        None => MetricKind::default(),
    };
    let max_nodes = a.max_nodes.or(file_cfg.max_nodes);
    let max_seconds = a.max_seconds.or(file_cfg.max_seconds);
    let budget = (max_nodes.is_some() || max_seconds.is_some()).then(|| SearchBudget {
        max_nodes,
        max_time: max_seconds.map(std::time::Duration::from_secs_f64),
    });
    let defaults = RiskThresholds::default();
    let config = AnonymizeConfig {
        quasi_identifiers,
        sensitive: sens,
        models,
        suppression_limit: suppression,
        metric,
        suppressed: if a.drop_suppressed || file_cfg.drop_suppressed == Some(true) {
            SuppressedRecords::Drop
        } else {
            SuppressedRecords::Star
        },
        budget,
        risk: RiskSettings {
            thresholds: RiskThresholds {
                max_risk: a
                    .max_risk
                    .or(file_cfg.max_risk)
                    .unwrap_or(defaults.max_risk),
                avg_risk: a
                    .avg_risk
                    .or(file_cfg.avg_risk)
                    .unwrap_or(defaults.avg_risk),
                population_uniqueness: a
                    .population_uniqueness
                    .or(file_cfg.population_uniqueness)
                    .unwrap_or(defaults.population_uniqueness),
            },
            population: pop.as_ref().map(|p| p.0),
            population_label: pop.as_ref().map(|p| p.1.clone()),
            data_label: Some(data.label()),
        },
    };

    let spinner = progress::spinner("searching the generalisation lattice", json_out);
    let result = anonymize(schema.clone(), batches, &config);
    spinner.finish_and_clear();
    let (out_batches, report) = result.map_err(perr)?;

    std::fs::create_dir_all(&a.output).map_err(|e| DataError::Io {
        context: format!("creating {}", a.output.display()),
        source: e,
    })?;
    let format = format_of(a.format);
    let data_path = a.output.join(format!("anonymized.{}", format.name()));
    let out_schema: SchemaRef = out_batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| Arc::new(arrow_schema::Schema::empty()));
    write_file(
        &data_path,
        format,
        &out_schema,
        out_batches.into_iter().map(Ok),
    )?;
    let report_json = serde_json::to_string_pretty(&report)
        .map_err(|e| DataError::Integrity(format!("serialising the report: {e}")))?;
    write_atomic(&a.output.join("report.json"), report_json.as_bytes())?;
    write_atomic(
        &a.output.join("report.html"),
        datalab_protect::report_html::render(&report, &data.label()).as_bytes(),
    )?;
    let stored = match &a.store {
        Some(name) => Some(run_import(
            home,
            &ImportRequest {
                path: data_path.clone(),
                name: Some(name.clone()),
                metadata: DescriptiveMetadata {
                    description: Some(format!(
                        "anonymised from {} (levels {:?})",
                        data.label(),
                        report.levels
                    )),
                    license: None,
                    publisher: None,
                },
                read: ReadOptions::default(),
            },
            json_out,
        )?),
        None => None,
    };
    let holds = report.models.iter().all(|m| m.holds);
    if json_out {
        print_json(&json!({
            "data": data_path,
            "report_json": a.output.join("report.json"),
            "report_html": a.output.join("report.html"),
            "built_hierarchies": built,
            "stored": stored.as_ref().map(|o| json!({"name": o.manifest.name, "version": o.manifest.version})),
            "report": report,
        }))?;
    } else {
        println!(
            "{}: {} → {} records released, {} suppressed, {} classes",
            data.label(),
            report.records,
            report.output_records,
            report.suppressed_records,
            report.classes
        );
        for at in &report.quasi_identifiers {
            let ex: Vec<String> = at
                .examples
                .iter()
                .take(3)
                .map(|e| format!("{} → {}", e.value, e.label))
                .collect();
            println!(
                "  {:<16} level {} of {}  ({})",
                at.name,
                at.level,
                at.max_level,
                ex.join(", ")
            );
        }
        println!(
            "  {} = {:.4} ({}; {} of {} transformations evaluated in {:.0} ms)",
            report.metric.name,
            report.metric.value,
            if report.search.optimal {
                "optimal"
            } else {
                "best effort"
            },
            report.search.nodes_checked,
            report.search.lattice_size,
            report.search.total_ms
        );
        for m in &report.models {
            println!("  {} {}", if m.holds { "holds:" } else { "FAILS:" }, m.name);
        }
        let r = &report.risk;
        match &r.after {
            Some(after) => println!(
                "  risk: highest {:.4} → {:.4}, average {:.4} → {:.4}, sample uniques {} → {} ({})",
                r.before.sample.highest_risk,
                after.sample.highest_risk,
                r.before.sample.average_prosecutor_risk,
                after.sample.average_prosecutor_risk,
                r.before.sample.sample_uniques,
                after.sample.sample_uniques,
                if r.passed {
                    "within the risk thresholds"
                } else {
                    "ABOVE a risk threshold"
                }
            ),
            None => println!("  risk: nothing released"),
        }
        for b in &built {
            println!("  built hierarchy {b}");
        }
        println!(
            "wrote {}, report.json and report.html in {}",
            data_path.display(),
            a.output.display()
        );
        if let Some(o) = &stored {
            println!("stored as {}@{}", o.manifest.name, o.manifest.version);
        }
    }
    Ok(if holds {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
