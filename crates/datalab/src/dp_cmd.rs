//! `datalab dp`: differential-privacy queries with a per-recipient budget ledger (docs/dp.md).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use datalab_data::container::LabHome;
use datalab_data::{ColumnRole, DataError, Result};
use datalab_dp::spec::Bounds;
use datalab_dp::{LEDGER_FILE, Ledger, Options, Outcome, QueryRequest, QuerySpec, Status};
use serde_json::json;

use crate::assess_cmds::{Data, resolve};
use crate::commands::print_json;
use crate::progress;

#[derive(Args)]
pub struct DpArgs {
    #[command(subcommand)]
    pub command: DpCommand,
}

#[derive(Subcommand)]
pub enum DpCommand {
    /// Answer an aggregate query with differential privacy, spending budget from the ledger.
    Query(DpQueryArgs),
    /// Show (or, as the holder, set) a recipient's privacy budget on a dataset.
    Budget(DpBudgetArgs),
}

#[derive(Args)]
pub struct DpQueryArgs {
    /// The container (NAME or NAME@VERSION); the budget is kept per container NAME.
    pub data: String,
    /// Who receives the answer (the budget is per recipient).
    #[arg(long = "as", value_name = "RECIPIENT")]
    pub recipient: String,
    /// The query: SELECT COUNT(*) | COUNT(DISTINCT subject) | SUM | AVG | QUANTILE(col, q) |
    /// MEDIAN … FROM NAME [WHERE …] [GROUP BY …]; bounds as CLAMP(col, lo, hi).
    #[arg(
        long,
        value_name = "SQL",
        conflicts_with = "spec",
        required_unless_present = "spec"
    )]
    pub sql: Option<String>,
    /// The query as JSON (docs/dp.md) instead of --sql.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// This query's privacy loss ε (on its own, at the budget's δ). Default 1.
    #[arg(long, default_value_t = 1.0)]
    pub epsilon: f64,
    /// Column bounds for SUM/AVG/QUANTILE without CLAMP: col=LOWER:UPPER (repeatable).
    #[arg(long, value_name = "COL=LO:HI")]
    pub bounds: Vec<String>,
    /// Public GROUP BY keys: col=a,b,c (repeatable). Columns without them go through DP
    /// partition selection (only keys with enough rows are shown).
    #[arg(long, value_name = "COL=K1,K2,…")]
    pub public_keys: Vec<String>,
    /// A codelist file of public keys for a column: col=FILE (one key per line).
    #[arg(long, value_name = "COL=FILE")]
    pub public_keys_file: Vec<String>,
    /// The privacy unit's id column. Default: the column with role `subject` in the manifest;
    /// without one each row is its own unit.
    #[arg(long, value_name = "COLUMN")]
    pub subject: Option<String>,
    /// Rows each subject may contribute (the first ones kept, the rest dropped). Default 1.
    #[arg(long, default_value_t = 1)]
    pub max_rows_per_subject: u32,
    /// δ spent on partition selection (default: a tenth of the budget's δ).
    #[arg(long, value_name = "DELTA")]
    pub selection_delta: Option<f64>,
}

#[derive(Args)]
pub struct DpBudgetArgs {
    /// The container NAME.
    pub data: String,
    /// The recipient.
    #[arg(long = "as", value_name = "RECIPIENT")]
    pub recipient: String,
    /// Set (replace) the total ε of this recipient on this dataset.
    #[arg(long, value_name = "EPSILON")]
    pub set: Option<f64>,
    /// The total δ with --set. Default 1e-6.
    #[arg(long, default_value_t = 1e-6, requires = "set")]
    pub delta: f64,
}

pub fn dp_cmd(home: &LabHome, a: &DpArgs, json_out: bool) -> Result<ExitCode> {
    match &a.command {
        DpCommand::Query(q) => query_cmd(home, q, json_out),
        DpCommand::Budget(b) => budget_cmd(home, b, json_out),
    }
}

fn open_ledger(home: &LabHome) -> Result<Ledger> {
    std::fs::create_dir_all(home.root()).map_err(|e| DataError::Io {
        context: format!("creating {}", home.root().display()),
        source: e,
    })?;
    Ledger::open(&home.root().join(LEDGER_FILE))
}

/// The container's name (the ledger key); files are refused: a budget needs a stable identity.
fn dataset_name(data: &Data) -> Result<String> {
    match data {
        Data::Container(c) => Ok(c.record.name.clone()),
        Data::File(p) => Err(DataError::usage(format!(
            "{} is a file: DP queries run on containers, whose budget the ledger tracks (datalab import it first)",
            p.display()
        ))),
    }
}

fn parse_bounds(items: &[String]) -> Result<HashMap<String, Bounds>> {
    let mut out = HashMap::new();
    for it in items {
        let bad = || {
            DataError::usage(format!(
                "--bounds '{it}': expected COLUMN=LOWER:UPPER, e.g. income=0:200000"
            ))
        };
        let (col, range) = it.split_once('=').ok_or_else(bad)?;
        let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
        let lower: f64 = lo.trim().parse().map_err(|_| bad())?;
        let upper: f64 = hi.trim().parse().map_err(|_| bad())?;
        if !(lower.is_finite() && upper.is_finite() && lower <= upper) {
            return Err(bad());
        }
        out.insert(col.trim().to_string(), Bounds { lower, upper });
    }
    Ok(out)
}

fn parse_keys(items: &[String], files: &[String]) -> Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for it in items {
        let (col, keys) = it.split_once('=').ok_or_else(|| {
            DataError::usage(format!("--public-keys '{it}': expected COLUMN=K1,K2,…"))
        })?;
        out.entry(col.trim().to_string())
            .or_default()
            .extend(keys.split(',').map(|k| k.trim().to_string()));
    }
    for it in files {
        let (col, path) = it.split_once('=').ok_or_else(|| {
            DataError::usage(format!("--public-keys-file '{it}': expected COLUMN=FILE"))
        })?;
        let text = std::fs::read_to_string(path).map_err(|e| DataError::Io {
            context: format!("reading {path}"),
            source: e,
        })?;
        out.entry(col.trim().to_string()).or_default().extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    for keys in out.values_mut() {
        keys.sort();
        keys.dedup();
    }
    Ok(out)
}

fn query_cmd(home: &LabHome, a: &DpQueryArgs, json_out: bool) -> Result<ExitCode> {
    let data = resolve(home, &a.data)?;
    let dataset = dataset_name(&data)?;
    let (text, spec): (String, QuerySpec) = match (&a.sql, &a.spec) {
        (Some(sql), _) => (sql.clone(), datalab_dp::sql::parse(sql)?),
        (None, Some(p)) => {
            let t = std::fs::read_to_string(p).map_err(|e| DataError::Io {
                context: format!("reading {}", p.display()),
                source: e,
            })?;
            let spec = serde_json::from_str(&t)
                .map_err(|e| DataError::usage(format!("{}: {e}", p.display())))?;
            (t, spec)
        }
        (None, None) => return Err(DataError::usage("pass --sql or --spec")),
    };
    let subject = a.subject.clone().or_else(|| {
        data.manifest().and_then(|m| {
            m.schema
                .iter()
                .find(|c| c.role == Some(ColumnRole::Subject))
                .map(|c| c.name.clone())
        })
    });
    if a.max_rows_per_subject == 0 {
        return Err(DataError::usage(
            "--max-rows-per-subject must be at least 1",
        ));
    }
    if let Some(d) = a.selection_delta
        && !(d > 0.0 && d < 1.0)
    {
        return Err(DataError::usage(format!(
            "--selection-delta {d} must be within (0, 1)"
        )));
    }
    let options = Options {
        subject,
        max_rows_per_subject: a.max_rows_per_subject,
        bounds: parse_bounds(&a.bounds)?,
        public_keys: parse_keys(&a.public_keys, &a.public_keys_file)?,
        selection_delta: a.selection_delta.unwrap_or(0.0),
    };
    // Read only the columns the query needs: a throwaway plan names them.
    let mut ledger = open_ledger(home)?;
    let bar = progress::rows(&format!("reading {}", data.label()), json_out);
    let (schema, _) = data.open_columns(&bar, None)?; // lazy: only the schema is read
    let columns = Options::columns_of(&spec, &options, &schema)?;
    let (schema, stream) = data.open_columns(&bar, Some(&columns))?;
    let outcome = datalab_dp::run(
        &mut ledger,
        QueryRequest {
            dataset,
            recipient: a.recipient.clone(),
            text,
            spec,
            epsilon: a.epsilon,
            options,
        },
        &schema,
        stream,
    )?;
    bar.finish_and_clear();
    match outcome {
        Outcome::Answered(r) => {
            if json_out {
                print_json(
                    &serde_json::to_value(&r).map_err(|e| DataError::Integrity(e.to_string()))?,
                )?;
            } else {
                println!(
                    "{} — privacy unit: {}, at most {} row(s) each",
                    r.query, r.privacy_unit, r.max_rows_per_unit
                );
                for g in &r.groups {
                    let key = g
                        .key
                        .iter()
                        .map(|k| k.as_deref().unwrap_or("null"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    for v in &g.values {
                        let val = v.value.map(fmt_num).unwrap_or_else(|| "—".into());
                        let acc = match (&v.ci95, v.rank_error95) {
                            (Some([lo, hi]), _) => {
                                format!("95% CI [{}, {}]", fmt_num(*lo), fmt_num(*hi))
                            }
                            (None, Some(r)) => format!(
                                "rank within ±{r} rows (95%), grid {}",
                                fmt_num(v.resolution.unwrap_or(0.0))
                            ),
                            _ => String::new(),
                        };
                        let key = if key.is_empty() {
                            String::new()
                        } else {
                            format!("[{key}] ")
                        };
                        println!("  {key}{} = {val}   {acc}", v.aggregate);
                    }
                }
                println!(
                    "spent ε = {} (ρ = {:.6}, δ = {:e}); budget: ε {:.4} of {} left",
                    r.epsilon, r.rho, r.delta, r.budget.epsilon_left, r.budget.epsilon_total
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Refused { reason, budget } => {
            if json_out {
                print_json(&json!({"refused": true, "reason": reason, "budget": *budget}))?;
            } else {
                eprintln!("refused: {reason}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

fn print_status(s: &Status) {
    println!(
        "{} for {}: ε {} total, δ {:e}",
        s.dataset, s.recipient, s.epsilon_total, s.delta_total
    );
    println!(
        "  spent: ε {:.6} (ρ {:.6}, partition-selection δ {:e}) in {} quer{}; left: ε {:.6}",
        s.epsilon_spent,
        s.rho_spent,
        s.delta_spent,
        s.queries.len(),
        if s.queries.len() == 1 { "y" } else { "ies" },
        s.epsilon_left
    );
    for q in &s.queries {
        println!("  {}  ε {}  {}", q.at, q.epsilon, q.query);
    }
}

fn budget_cmd(home: &LabHome, a: &DpBudgetArgs, json_out: bool) -> Result<ExitCode> {
    let data = resolve(home, &a.data)?;
    let dataset = dataset_name(&data)?;
    let mut ledger = open_ledger(home)?;
    let status = match a.set {
        Some(eps) => ledger.set_budget(&dataset, &a.recipient, eps, a.delta)?,
        None => ledger.status(&dataset, &a.recipient)?.ok_or_else(|| {
            DataError::usage(format!(
                "no privacy budget for '{}' on '{dataset}': set one with --set EPSILON",
                a.recipient
            ))
        })?,
    };
    if json_out {
        print_json(
            &serde_json::to_value(&status).map_err(|e| DataError::Integrity(e.to_string()))?,
        )?;
    } else {
        print_status(&status);
    }
    Ok(ExitCode::SUCCESS)
}
