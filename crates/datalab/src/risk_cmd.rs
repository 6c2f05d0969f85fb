//! `datalab risk`: re-identification risk of the quasi-identifier combination in a table, with a
//! verdict against thresholds and a paragraph for a data-protection impact assessment.

use std::process::ExitCode;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use datalab_data::container::LabHome;
use datalab_data::provider::MemoryTable;
use datalab_data::write::{AtomicFile, write_atomic};
use datalab_data::{ColumnRole, DataError, Result};
use datalab_protect::risk::{
    JournalistRisk, POPULATION_PRESETS, RiskError, RowClasses, analyze, journalist_risk,
    population_class_sizes, population_preset, row_classes,
};
use datalab_protect::risk_individual::{
    IndividualRiskError, IndividualRiskOptions, RiskMethod, individual_risk_from_batches,
};
use datalab_protect::risk_section::{
    RiskAnalysis, RiskSettings, RiskThresholds, assumptions, checks, dpia_paragraph,
};
use datalab_protect::risk_suda::{DEFAULT_DIS_FRACTION, SudaError, SudaOptions, suda_from_batches};

use crate::assess_cmds::{Data, resolve};
use crate::commands::print_json;
use crate::{RiskArgs, progress};

/// The population size from `--population-size N` or `--population REGION`, with a label.
pub fn population(size: Option<u64>, region: Option<&str>) -> Result<Option<(u64, String)>> {
    if let Some(n) = size {
        return Ok(Some((n, format!("{n} (given)"))));
    }
    let Some(region) = region else {
        return Ok(None);
    };
    let code = region.trim().to_ascii_uppercase();
    population_preset(&code)
        .map(|n| Some((n, format!("{n} ({code} preset)"))))
        .ok_or_else(|| {
            DataError::usage(format!(
                "--population '{region}': use USA, EU or an EU member state code ({}), or --population-size N",
                POPULATION_PRESETS[2..].iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            ))
        })
}

fn rerr(e: RiskError) -> DataError {
    match e {
        RiskError::Data(d) => d,
        RiskError::Usage(m) => DataError::usage(m),
    }
}

/// Columns of `data` in memory (the quasi-identifiers plus `extra`), with each row's class.
struct Loaded {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    classes: RowClasses,
    rows: u64,
}

fn classes_of(data: &Data, qi: &[String], extra: Option<&str>, json_out: bool) -> Result<Loaded> {
    let bar = progress::rows(&format!("reading {}", data.label()), json_out);
    let mut columns = qi.to_vec();
    if let Some(e) = extra
        && !columns.iter().any(|c| c == e)
    {
        columns.push(e.to_string());
    }
    let (schema, stream) = data.open_columns(&bar, Some(&columns))?;
    let batches: Vec<RecordBatch> = stream.collect::<Result<_>>()?;
    bar.finish_and_clear();
    let table = MemoryTable::new(schema.clone(), batches.clone());
    let rows = table.rows() as u64;
    Ok(Loaded {
        schema,
        batches,
        classes: row_classes(&table, qi).map_err(rerr)?,
        rows,
    })
}

/// Per-record extra columns of the records CSV: (header, value per row).
type RecordColumns = Vec<(&'static str, Vec<f64>)>;

fn quasi_identifiers(data: &Data, given: &[String]) -> Result<Vec<String>> {
    let qi: Vec<String> = if given.is_empty() {
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
        given.to_vec()
    };
    if qi.is_empty() {
        return Err(DataError::usage(
            "no quasi-identifiers: pass --qi a,b,c or record roles first (datalab roles NAME --accept)",
        ));
    }
    Ok(qi)
}

/// Every record's risk as CSV: row (1-based, input order), class size, prosecutor risk and, with
/// a population table, the population class size and journalist risk.
fn write_records(
    path: &Path,
    classes: &RowClasses,
    population_sizes: Option<&[u64]>,
    extra: &RecordColumns,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let mut buf = String::with_capacity(1 << 16);
    buf.push_str("row,class_size,prosecutor_risk");
    if population_sizes.is_some() {
        buf.push_str(",population_class_size,journalist_risk");
    }
    for (name, _) in extra {
        buf.push(',');
        buf.push_str(name);
    }
    buf.push('\n');
    let io = |e: std::io::Error| DataError::Io {
        context: format!("writing {}", path.display()),
        source: e,
    };
    for (row, &class) in classes.class_of_row.iter().enumerate() {
        let size = classes.sizes[class as usize];
        let _ = write!(buf, "{},{},{}", row + 1, size, 1.0 / size as f64);
        if let Some(p) = population_sizes {
            let big = p[class as usize].max(1);
            let _ = write!(buf, ",{},{}", big, 1.0 / big as f64);
        }
        for (_, values) in extra {
            let _ = write!(buf, ",{}", values[row]);
        }
        buf.push('\n');
        if buf.len() > 1 << 16 {
            f.file().write_all(buf.as_bytes()).map_err(io)?;
            buf.clear();
        }
    }
    f.file().write_all(buf.as_bytes()).map_err(io)?;
    f.commit()
}

pub fn risk_cmd(home: &LabHome, a: &RiskArgs, json_out: bool) -> Result<ExitCode> {
    let thresholds = RiskThresholds {
        max_risk: a.max_risk,
        avg_risk: a.avg_risk,
        population_uniqueness: a.population_uniqueness,
    };
    thresholds.validate().map_err(rerr)?;
    let pop = population(a.population_size, a.population.as_deref())?;
    let data = resolve(home, &a.data)?;
    let population_data = a
        .population_table
        .as_deref()
        .map(|p| resolve(home, p))
        .transpose()?;
    let qi = quasi_identifiers(&data, &a.qi)?;
    let loaded = classes_of(&data, &qi, a.weights.as_deref(), json_out)?;
    let classes = &loaded.classes;
    let report = analyze(&classes.sizes, a.max_risk, pop.as_ref().map(|p| p.0)).map_err(rerr)?;

    let mut population_sizes = None;
    let journalist: Option<JournalistRisk> = match &population_data {
        None => None,
        Some(pd) => {
            let p = classes_of(pd, &qi, None, json_out)?;
            let (sizes, inconsistent) = population_class_sizes(classes, &p.classes);
            let j = journalist_risk(&classes.sizes, &sizes, p.rows, inconsistent, a.max_risk)
                .map_err(rerr)?;
            population_sizes = Some(sizes);
            Some(j)
        }
    };

    let mut extra: RecordColumns = Vec::new();
    let special_uniques = if a.suda {
        let dis_fraction = a.dis_fraction.unwrap_or_else(|| {
            report
                .population
                .as_ref()
                .map_or(DEFAULT_DIS_FRACTION, |p| p.sampling_fraction)
        });
        let options = SudaOptions {
            max_msu: a.max_msu,
            dis_fraction,
        };
        let r = suda_from_batches(loaded.schema.clone(), loaded.batches.clone(), &qi, &options)
            .map_err(|e| match e {
                SudaError::Data(d) => d,
                other => DataError::usage(format!("--suda: {other}")),
            })?;
        extra.push(("suda_score", r.records.iter().map(|x| x.score).collect()));
        extra.push((
            "dis_suda_score",
            r.records.iter().map(|x| x.dis_score).collect(),
        ));
        extra.push((
            "msus",
            r.records
                .iter()
                .map(|x| x.msus_by_size.iter().map(|&c| c as f64).sum())
                .collect(),
        ));
        Some(r.summary)
    } else {
        None
    };
    let individual = match &a.weights {
        None => None,
        Some(w) => {
            let options = IndividualRiskOptions {
                method: RiskMethod::default(),
                threshold: a.max_risk,
            };
            let r = individual_risk_from_batches(
                loaded.schema.clone(),
                loaded.batches.clone(),
                &qi,
                Some(w),
                &options,
            )
            .map_err(|e| match e {
                IndividualRiskError::Data(d) => d,
                other => DataError::usage(format!("--weights: {other}")),
            })?;
            extra.push((
                "individual_risk",
                r.records.iter().map(|x| x.risk).collect(),
            ));
            Some(r.summary)
        }
    };

    let settings = RiskSettings {
        thresholds,
        population: pop.as_ref().map(|p| p.0),
        population_label: pop.as_ref().map(|p| p.1.clone()),
        data_label: Some(data.label()),
    };
    let checks = checks(&report, &thresholds);
    let passed = checks.iter().all(|c| c.passed);
    let mut paragraph = dpia_paragraph(&data.label(), &qi, &report, None, &settings, &checks);
    let mut assumptions = assumptions(&qi, &settings);
    if let (Some(j), Some(pd)) = (&journalist, &population_data) {
        assumptions.push(format!(
            "Journalist model against a population table: the attacker links to {} ({} records), which holds the same quasi-identifiers.",
            pd.label(),
            j.population_records
        ));
        let _ = write!(
            paragraph,
            " Against the population table {} ({} records), the journalist risk is at most {:.3} and {:.3} on average.",
            pd.label(),
            j.population_records,
            j.highest_risk,
            j.average_risk
        );
    }
    let analysis = RiskAnalysis {
        data: data.label(),
        quasi_identifiers: qi.clone(),
        assumptions,
        thresholds,
        population: settings.population,
        population_label: settings.population_label.clone(),
        report,
        journalist,
        special_uniques,
        individual,
        checks,
        passed,
        dpia_paragraph: paragraph,
    };

    if let Some(path) = &a.records {
        write_records(path, classes, population_sizes.as_deref(), &extra)?;
    }
    if let Some(dir) = &a.output {
        std::fs::create_dir_all(dir).map_err(|e| DataError::Io {
            context: format!("creating {}", dir.display()),
            source: e,
        })?;
        let json = serde_json::to_vec_pretty(&analysis)
            .map_err(|e| DataError::Integrity(format!("serialising the risk report: {e}")))?;
        write_atomic(&dir.join("risk.json"), &json)?;
        write_atomic(
            &dir.join("risk.html"),
            datalab_protect::report_html::render_risk(&analysis).as_bytes(),
        )?;
    }

    if json_out {
        print_json(
            &serde_json::to_value(&analysis)
                .map_err(|e| DataError::Integrity(format!("serialising the risk report: {e}")))?,
        )?;
    } else {
        print_text(&analysis, a);
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `x` with `digits` significant digits (as ARX prints its estimates).
fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

fn print_text(r: &RiskAnalysis, a: &RiskArgs) {
    let s = &r.report.sample;
    println!(
        "{} — quasi-identifiers: {}",
        r.data,
        r.quasi_identifiers.join(", ")
    );
    println!(
        "  records {}, equivalence classes {}, sample uniques {} ({:.4}%)",
        s.records,
        s.classes,
        s.sample_uniques,
        100.0 * s.sample_uniques_share
    );
    println!(
        "  prosecutor: highest {:.6}, average {:.6}; records at the highest risk {}; above {}: {} ({:.2}%)",
        s.highest_risk,
        s.average_prosecutor_risk,
        s.records_at_highest_risk,
        s.threshold,
        s.records_above_threshold,
        100.0 * s.records_above_threshold_share
    );
    println!("  marketer: {:.6}", s.marketer_risk);
    if let Some(j) = &r.journalist {
        println!(
            "  journalist (population table, {} records): highest {:.6}, average {:.6}; above {}: {}{}",
            j.population_records,
            j.highest_risk,
            j.average_risk,
            j.threshold,
            j.records_above_threshold,
            if j.inconsistent_classes > 0 {
                format!(
                    " — {} classes are missing from or smaller in the population table",
                    j.inconsistent_classes
                )
            } else {
                String::new()
            }
        );
    }
    if let Some(su) = &r.special_uniques {
        println!(
            "  special uniques (SUDA, MSUs up to size {}): {} records ({:.2}%), {} MSUs; highest DIS-SUDA score {:.4}",
            su.max_msu,
            su.special_uniques,
            100.0 * su.special_uniques_share,
            su.msus,
            su.max_dis_score
        );
    }
    if let Some(ir) = &r.individual {
        println!(
            "  individual risk ({}weighted): expected re-identifications {:.1}, global risk {:.6}, highest {:.4}; above {}: {}",
            if ir.weighted { "" } else { "un" },
            ir.expected_reidentifications,
            ir.global_risk,
            ir.max_risk,
            ir.threshold,
            ir.records_above_threshold
        );
    }
    if let Some(p) = &r.report.population {
        let show = |e: &datalab_protect::risk::Estimate| match (e.share, &e.not_applicable) {
            (Some(x), _) => significant(x, 6),
            (None, Some(why)) => format!("not applicable ({why})"),
            (None, None) => "not applicable".into(),
        };
        println!(
            "  population {} (sampling fraction {:.6}):",
            r.population_label.as_deref().unwrap_or(""),
            p.sampling_fraction
        );
        println!("    Pitman {}", show(&p.pitman));
        println!("    Zayatz {}", show(&p.zayatz));
        println!("    SNB {}", show(&p.snb));
        println!("    Dankar's rule {}", show(&p.dankar));
    }
    println!(
        "  verdict: {}",
        if r.passed {
            "within the thresholds"
        } else {
            "ABOVE a threshold"
        }
    );
    for c in &r.checks {
        println!(
            "    {} {}: {:.6} (threshold {})",
            if c.passed { "ok  " } else { "FAIL" },
            c.measure,
            c.value,
            c.threshold
        );
    }
    if let Some(dir) = &a.output {
        println!("  report: {}", dir.join("risk.html").display());
    }
    println!();
    println!("{}", r.dpia_paragraph);
}
