//! `datalab synth`: fit a synthesizer (with or without differential privacy), sample from a saved
//! model, or both at once; `datalab synth evaluate` scores synthetic data against real data.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use clap::{Args, Subcommand};
use datalab_data::container::LabHome;
use datalab_data::read::Format;
use datalab_data::write::{write_atomic, write_file};
use datalab_data::{ColumnRole, DataError, Result};
use datalab_synth::constraints::{Constraint, combinations_from_file, parse_range, parse_rule};
use datalab_synth::evaluate::{EvalOptions, evaluate, report_html};
use datalab_synth::{DpOptions, FitOptions, Model, fit_dp, fit_non_dp};
use serde_json::json;

use crate::assess_cmds::{Data, resolve};
use crate::commands::print_json;
use crate::progress;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SynthArgs {
    #[command(subcommand)]
    pub command: Option<SynthCommand>,
    /// Fit and sample at once: a container (NAME or NAME@VERSION) or a data file.
    pub data: Option<String>,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub sample: SampleOpts,
    /// Output data file (format from the extension: .csv, .parquet, .jsonl).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also save the fitted model here.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum SynthCommand {
    /// Fit a synthesizer and save the model (parameters only, never records).
    Fit {
        /// A container (NAME or NAME@VERSION) or a data file.
        data: String,
        #[command(flatten)]
        fit: FitArgs,
        /// Where to write the model (JSON).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Generate rows from a saved model.
    Sample {
        /// A model written by `datalab synth fit`.
        model: PathBuf,
        #[command(flatten)]
        sample: SampleOpts,
        /// Output data file (format from the extension: .csv, .parquet, .jsonl).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Score synthetic data against real data: fidelity, utility and privacy (JSON + HTML).
    Evaluate {
        /// The real data the synthesizer was fitted on (container or file).
        real: String,
        /// The synthetic data (container or file).
        synth: String,
        /// Real rows NOT used for fitting: needed for utility, the DCR comparison and the
        /// membership-inference attack.
        #[arg(long, value_name = "DATA")]
        holdout: Option<String>,
        /// Column to predict for the utility test.
        #[arg(long, value_name = "COL")]
        target: Option<String>,
        /// Seed of the evaluation's subsamples.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output folder for evaluation.json and evaluation.html.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
}

#[derive(Args, Clone)]
pub struct FitArgs {
    /// Differential privacy: fit with noisy statistics (needs --epsilon and --delta).
    #[arg(long)]
    pub dp: bool,
    /// DP budget ε (implies --dp).
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// DP budget δ (implies --dp), e.g. 1e-6; should be well below 1/rows.
    #[arg(long)]
    pub delta: Option<f64>,
    /// Identifier columns, regenerated as fresh ids (default: the container's identifier roles).
    #[arg(long = "id", value_delimiter = ',', value_name = "COL")]
    pub ids: Vec<String>,
    /// The privacy unit's id column (default: the container's subject role).
    #[arg(long, value_name = "COL")]
    pub subject: Option<String>,
    /// DP with --subject: rows one subject may contribute (extra rows are dropped at random).
    #[arg(long, default_value_t = 1)]
    pub max_rows_per_subject: u32,
    /// COL=MIN:MAX value range (repeatable); in DP mode also used as public bounds.
    #[arg(long = "range", value_name = "COL=MIN:MAX")]
    pub ranges: Vec<String>,
    /// A rule between two columns, "A<=B" (repeatable).
    #[arg(long = "rule", value_name = "A<=B")]
    pub rules: Vec<String>,
    /// Fixed combinations: "A,B" (combinations seen in the data; non-DP only) or "A,B=FILE"
    /// (allowed combinations from a CSV with columns A and B). Repeatable.
    #[arg(long = "fixed", value_name = "A,B[=FILE]")]
    pub fixed: Vec<String>,
    /// Quantile bins per numeric column (default 32, DP 16).
    #[arg(long)]
    pub bins: Option<usize>,
    /// Non-DP: largest number of parents per column in the network (1 = Chow-Liu-like tree).
    #[arg(long, default_value_t = 2)]
    pub max_parents: usize,
}

#[derive(Args, Clone)]
pub struct SampleOpts {
    /// Rows to generate (default: as many as the model was fitted on).
    #[arg(short = 'n', long = "rows", value_name = "ROWS")]
    pub rows: Option<u64>,
    /// Seed: the same model and seed give the same rows.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

fn out_format(path: &Path) -> Result<Format> {
    path.extension()
        .and_then(|e| Format::parse(&e.to_string_lossy()))
        .ok_or_else(|| {
            DataError::usage(format!(
                "-o {}: use a .csv, .parquet or .jsonl file name (the format comes from the extension)",
                path.display()
            ))
        })
}

fn check_folder(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(DataError::usage(format!(
            "{}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

fn read_all(data: &Data, json_out: bool) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let bar = progress::rows(&format!("reading {}", data.label()), json_out);
    let (schema, stream) = data.open_columns(&bar, None)?;
    let batches: Vec<RecordBatch> = stream.collect::<Result<_>>()?;
    bar.finish_and_clear();
    Ok((schema, batches))
}

fn fit(home: &LabHome, data_arg: &str, a: &FitArgs, seed: u64, json_out: bool) -> Result<Model> {
    let dp = a.dp || a.epsilon.is_some() || a.delta.is_some();
    let dp_opts = if dp {
        let (Some(epsilon), Some(delta)) = (a.epsilon, a.delta) else {
            return Err(DataError::usage(
                "DP mode needs both --epsilon and --delta (e.g. --epsilon 1 --delta 1e-6)",
            ));
        };
        Some(DpOptions {
            epsilon,
            delta,
            max_rows_per_subject: a.max_rows_per_subject,
            bins: a.bins.unwrap_or(16),
        })
    } else {
        None
    };
    let mut constraints: Vec<Constraint> = Vec::new();
    for r in &a.ranges {
        constraints.push(parse_range(r)?);
    }
    for r in &a.rules {
        constraints.push(parse_rule(r)?);
    }
    let mut fixed_from_data = Vec::new();
    for f in &a.fixed {
        let (cols, file) = match f.split_once('=') {
            Some((c, p)) => (c, Some(PathBuf::from(p.trim()))),
            None => (f.as_str(), None),
        };
        let cols: Vec<String> = cols.split(',').map(|s| s.trim().to_string()).collect();
        if cols.len() < 2 || cols.iter().any(|c| c.is_empty()) {
            return Err(DataError::usage(format!(
                "--fixed '{f}': name at least two columns, e.g. city,country"
            )));
        }
        match file {
            Some(p) => constraints.push(Constraint::Fixed {
                combinations: combinations_from_file(&p, &cols)?,
                columns: cols,
            }),
            None if dp => {
                return Err(DataError::usage(format!(
                    "--fixed '{f}': in DP mode the allowed combinations must come from a file (A,B=FILE): reading them from the data would not be private"
                )));
            }
            None => fixed_from_data.push(cols),
        }
    }
    let data = resolve(home, data_arg)?;
    let mut ids = a.ids.clone();
    let mut subject = a.subject.clone();
    if let Some(m) = data.manifest() {
        for c in &m.schema {
            if ids.is_empty() && c.role == Some(ColumnRole::Identifier) {
                ids.push(c.name.clone());
            }
            if subject.is_none() && c.role == Some(ColumnRole::Subject) {
                subject = Some(c.name.clone());
            }
        }
    }
    let (schema, batches) = read_all(&data, json_out)?;
    for c in constraints.iter() {
        let names: Vec<&String> = match c {
            Constraint::Range { column, .. } => vec![column],
            Constraint::LessEq { left, right } => vec![left, right],
            Constraint::Fixed { columns, .. } => columns.iter().collect(),
        };
        for n in names {
            if schema.index_of(n).is_err() {
                return Err(DataError::unknown_column(
                    &format!("constraint '{}'", c.describe()),
                    n,
                    &schema,
                ));
            }
        }
    }
    let opts = FitOptions {
        identifiers: ids,
        subject,
        bins: a.bins.unwrap_or(32),
        max_parents: a.max_parents.max(1),
        seed,
        constraints,
        fixed_from_data,
        ..FitOptions::default()
    };
    let model = match dp_opts {
        Some(d) => fit_dp(&schema, &batches, &opts, &d)?,
        None => fit_non_dp(&schema, &batches, &opts)?,
    };
    // Checks the constraints against the model's columns now, not at sampling time.
    datalab_synth::constraints::Compiled::new(&model.constraints, &model.columns)?;
    Ok(model)
}

fn summary(model: &Model) -> serde_json::Value {
    json!({
        "mode": model.mode,
        "rows_fitted": model.rows,
        "structure": model.structure,
        "columns": model.columns.iter().map(|c| json!({
            "name": c.name,
            "type": c.data_type.to_string(),
            "states": c.states(),
            "note": c.note,
        })).collect::<Vec<_>>(),
        "constraints": model.constraints.iter().map(|c| c.describe()).collect::<Vec<_>>(),
        "constraint_method": "rejection sampling (up to 100 draws per row), then repair: clamp to the range, swap the two values of an a <= b rule, or replace a forbidden combination by a random allowed one",
        "privacy": model.privacy.as_ref().map(|p| json!({
            "statement": p.statement,
            "epsilon": p.epsilon,
            "delta": p.delta,
            "epsilon_spent": p.epsilon_spent,
            "rho": p.rho,
            "unit": p.unit,
            "releases": p.ledger.entries.len(),
        })),
    })
}

fn sample_to(model: &Model, s: &SampleOpts, out: &Path) -> Result<serde_json::Value> {
    let format = out_format(out)?;
    let rows = s.rows.unwrap_or(model.rows);
    let (schema, batches, stats) = model.sample(rows, s.seed, 65_536)?;
    write_file(out, format, &schema, batches.into_iter().map(Ok))?;
    Ok(json!({
        "rows": rows,
        "seed": s.seed,
        "output": out.display().to_string(),
        "constraints": stats,
        "note": if model.mode == "dp" { "the noise was drawn when the model was fitted; sampling from the saved model is reproducible with --seed, refitting is not" } else { "reproducible: the same data, options and --seed give the same rows" },
    }))
}

fn print(v: &serde_json::Value, json_out: bool) -> Result<()> {
    if json_out {
        return print_json(v);
    }
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    Ok(())
}

pub fn synth_cmd(home: &LabHome, a: &SynthArgs, json_out: bool) -> Result<ExitCode> {
    match &a.command {
        Some(SynthCommand::Fit {
            data,
            fit: f,
            output,
        }) => {
            check_folder(output)?;
            let model = fit(home, data, f, 0, json_out)?;
            write_atomic(output, &model.to_json()?)?;
            let mut v = summary(&model);
            v["model"] = json!(output.display().to_string());
            print(&v, json_out)?;
        }
        Some(SynthCommand::Sample {
            model,
            sample,
            output,
        }) => {
            let m = Model::from_json(model)?;
            check_folder(output)?;
            let v = sample_to(&m, sample, output)?;
            print(&v, json_out)?;
        }
        Some(SynthCommand::Evaluate {
            real,
            synth,
            holdout,
            target,
            seed,
            output,
        }) => {
            if output.exists() && !output.is_dir() {
                return Err(DataError::usage(format!(
                    "-o {}: not a folder",
                    output.display()
                )));
            }
            let real_d = resolve(home, real)?;
            let synth_d = resolve(home, synth)?;
            let hold_d = holdout.as_deref().map(|h| resolve(home, h)).transpose()?;
            if target.is_some() && hold_d.is_none() {
                return Err(DataError::usage(
                    "--target needs --holdout (utility is measured on real rows not used for fitting)",
                ));
            }
            let r = read_all(&real_d, json_out)?;
            let s = read_all(&synth_d, json_out)?;
            let h = hold_d.as_ref().map(|d| read_all(d, json_out)).transpose()?;
            let report = evaluate(
                &r,
                &s,
                h.as_ref(),
                &EvalOptions {
                    target: target.clone(),
                    seed: *seed,
                },
            )?;
            std::fs::create_dir_all(output).map_err(|e| DataError::Io {
                context: format!("creating {}", output.display()),
                source: e,
            })?;
            let v = serde_json::to_value(&report)
                .map_err(|e| DataError::Integrity(format!("report: {e}")))?;
            let text = serde_json::to_vec_pretty(&v)
                .map_err(|e| DataError::Integrity(format!("report: {e}")))?;
            write_atomic(&output.join("evaluation.json"), &text)?;
            write_atomic(
                &output.join("evaluation.html"),
                report_html(&report, &real_d.label(), &synth_d.label()).as_bytes(),
            )?;
            print(
                &json!({
                    "output": output.display().to_string(),
                    "scores": report.scores,
                }),
                json_out,
            )?;
        }
        None => {
            let Some(data) = &a.data else {
                return Err(DataError::usage(
                    "datalab synth: name the data (datalab synth DATA -n ROWS -o OUT) or a subcommand: fit, sample, evaluate",
                ));
            };
            let Some(output) = &a.output else {
                return Err(DataError::usage(
                    "datalab synth DATA: give the output file with -o FILE",
                ));
            };
            out_format(output)?;
            check_folder(output)?;
            if let Some(m) = &a.model {
                check_folder(m)?;
            }
            let model = fit(home, data, &a.fit, a.sample.seed, json_out)?;
            if let Some(m) = &a.model {
                write_atomic(m, &model.to_json()?)?;
            }
            let mut v = summary(&model);
            v["sample"] = sample_to(&model, &a.sample, output)?;
            print(&v, json_out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
