//! One function per subcommand: parse arguments into library calls, print results.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arrow_array::RecordBatch;
use datalab_data::container::{
    self, Container, ContainerRef, DescriptiveMetadata, ImportOutcome, ImportRequest, LabHome,
};
use datalab_data::read::{Encoding, Format, HeaderMode, ReadOptions, SchemaOverride};
use datalab_data::write::{AtomicFile, BatchWriter, write_atomic, write_file};
use datalab_data::{DataError, Result, demo};
use serde_json::{Value, json};

use crate::{
    Cli, Command, DemoArgs, EncodingArg, ExportArgs, FormatArg, HeaderArg, ImportArgs, InspectArgs,
    VerifyArgs, progress,
};

pub fn run(cli: Cli) -> Result<ExitCode> {
    let home = cli
        .home
        .clone()
        .map(LabHome::new)
        .unwrap_or_else(LabHome::from_env);
    let json = cli.json;
    match cli.command {
        Command::Demo(a) => demo_cmd(&home, &a, json),
        Command::Import(a) => import_cmd(&home, &a, json),
        Command::List => list_cmd(&home, json),
        Command::Inspect(a) => inspect_cmd(&home, &a, json),
        Command::Export(a) => export_cmd(&home, &a, json),
        Command::VerifyContainer(a) => verify_cmd(&home, &a, json),
        Command::Assess(a) => crate::assess_cmds::assess_cmd(&home, &a, json),
        Command::Check(a) => crate::assess_cmds::check_cmd(&home, &a, json),
        Command::Roles(a) => crate::assess_cmds::roles_cmd(&home, &a, json),
        Command::Anonymize(a) => crate::anonymize_cmd::anonymize_cmd(&home, &a, json),
        Command::Risk(a) => crate::risk_cmd::risk_cmd(&home, &a, json),
        Command::Synth(a) => crate::synth_cmd::synth_cmd(&home, &a, json),
        Command::Release(a) => crate::release_cmd::release_cmd(&home, &a, json),
        Command::Pseudonymize(a) => crate::pseudo_cmd::pseudonymize_cmd(&home, &a, json),
        Command::Reidentify(a) => crate::pseudo_cmd::reidentify_cmd(&home, &a, json),
        Command::Keys(a) => crate::pseudo_cmd::keys_cmd(&home, &a, json),
        Command::Verify(a) => crate::verify_cmd::verify_cmd(&home, &a, json),
        Command::Dp(a) => crate::dp_cmd::dp_cmd(&home, &a, json),
    }
}

pub(crate) fn format_of(f: FormatArg) -> Format {
    match f {
        FormatArg::Csv => Format::Csv,
        FormatArg::Parquet => Format::Parquet,
        FormatArg::Jsonl => Format::Jsonl,
    }
}

pub(crate) fn print_json(v: &serde_json::Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)
        .map_err(|e| DataError::Integrity(format!("writing JSON: {e}")))?;
    let _ = writeln!(out);
    Ok(())
}

fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        s if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(DataError::usage(format!(
            "--delimiter '{s}': give one ASCII character (not a quote or newline), or tab, comma, semicolon, pipe"
        ))),
    }
}

fn read_options(a: &ImportArgs) -> Result<ReadOptions> {
    let infer_rows = match a.infer_rows.as_str() {
        "all" => None,
        n => Some(n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            DataError::usage(format!(
                "--infer-rows '{n}': give a positive number of rows, or 'all'"
            ))
        })?),
    };
    Ok(ReadOptions {
        format: a.format.map(format_of),
        delimiter: a.delimiter.as_deref().map(parse_delimiter).transpose()?,
        header: match a.header {
            HeaderArg::Auto => HeaderMode::Auto,
            HeaderArg::Yes => HeaderMode::Present,
            HeaderArg::No => HeaderMode::Absent,
        },
        encoding: match a.encoding {
            EncodingArg::Auto => None,
            EncodingArg::Utf8 => Some(Encoding::Utf8),
            EncodingArg::Latin1 => Some(Encoding::Latin1),
        },
        null_tokens: a
            .null_tokens
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        infer_rows,
        schema_override: a
            .schema
            .as_deref()
            .map(SchemaOverride::from_file)
            .transpose()?,
        skip_bad_rows: a.skip_bad_rows,
        ..ReadOptions::default()
    })
}

pub(crate) fn run_import(
    home: &LabHome,
    req: &ImportRequest,
    quiet: bool,
) -> Result<ImportOutcome> {
    let size = std::fs::metadata(&req.path).map(|m| m.len()).unwrap_or(0);
    let label = req
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = progress::bytes(size, &format!("importing {label}"), quiet);
    let outcome = container::import(home, req, &|done, _| bar.set_position(done));
    bar.finish_and_clear();
    outcome
}

fn outcome_json(o: &ImportOutcome) -> serde_json::Value {
    json!({
        "name": o.manifest.name,
        "version": o.manifest.version,
        "id": o.manifest.id,
        "created": o.created,
        "previous_version": o.previous_version,
        "rows": o.manifest.rows,
        "columns": o.manifest.columns,
        "skipped_rows": o.skipped,
        "warnings": o.warnings,
        "manifest": o.manifest,
    })
}

fn describe_outcome(home: &LabHome, o: &ImportOutcome) -> String {
    let m = &o.manifest;
    let read = &m.source.read;
    let mut how: Vec<String> = vec![read["format"].as_str().unwrap_or("?").to_string()];
    if read["compression"] == "gzip" {
        how.push("gzip".into());
    }
    if let Some(d) = read["delimiter"].as_str() {
        how.push(format!("{d}-separated"));
    }
    if let Some(h) = read["has_header"].as_bool() {
        how.push(if h {
            "header".into()
        } else {
            "no header".into()
        });
    }
    if let Some(e) = read["encoding"].as_str() {
        how.push(e.to_string());
    }
    if !o.created {
        return format!(
            "{}@{} already holds identical data ({} rows × {} columns); nothing new was stored",
            m.name, m.version, m.rows, m.columns
        );
    }
    let mut s = format!(
        "imported {} as {}@{}: {} rows × {} columns ({})\n  stored in {}",
        m.source.file_name,
        m.name,
        m.version,
        m.rows,
        m.columns,
        how.join(", "),
        home.root()
            .join(format!("containers/{}/v{}", m.name, m.version))
            .display()
    );
    if let Some(p) = o.previous_version {
        s.push_str(&format!(
            "\n  the data differs from {}@{p}, so this is a new version",
            m.name
        ));
    }
    s
}

fn import_cmd(home: &LabHome, a: &ImportArgs, json_out: bool) -> Result<ExitCode> {
    let req = ImportRequest {
        path: a.file.clone(),
        name: a.name.clone(),
        metadata: DescriptiveMetadata {
            description: a.description.clone(),
            license: a.license.clone(),
            publisher: a.publisher.clone(),
        },
        read: read_options(a)?,
    };
    let o = run_import(home, &req, json_out)?;
    for w in &o.warnings {
        eprintln!("warning: {w}");
    }
    if json_out {
        print_json(&outcome_json(&o))?;
    } else {
        println!("{}", describe_outcome(home, &o));
        if o.skipped.count > 0 {
            println!(
                "  skipped {} bad rows (--skip-bad-rows); first ones:",
                o.skipped.count
            );
            for ex in o.skipped.examples.iter().take(5) {
                println!("    line {}: {}", ex.line, ex.reason);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list_cmd(home: &LabHome, json_out: bool) -> Result<ExitCode> {
    let records = home.catalog()?.list()?;
    if json_out {
        print_json(&serde_json::to_value(&records).unwrap_or_default())?;
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        println!(
            "the lab at {} holds no containers yet; try `datalab import FILE` or `datalab demo`",
            home.root().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                format!("{}@{}", r.name, r.version),
                r.rows.to_string(),
                r.columns.to_string(),
                r.imported_at.clone(),
                r.data_sha256[..12].to_string(),
            ]
        })
        .collect();
    print_table(
        &[
            "container",
            "rows",
            "columns",
            "imported at (UTC)",
            "data sha256",
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.iter().map(|s| s.to_string()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for r in rows {
        line(r.clone());
    }
}

fn first_rows(c: &Container, n: usize) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    let mut left = n;
    if left == 0 {
        return Ok(out);
    }
    for b in c.reader(n.min(8192), None)? {
        let b = b.map_err(|e| {
            DataError::Integrity(format!("reading {}: {e}", c.data_path().display()))
        })?;
        let take = b.num_rows().min(left);
        out.push(b.slice(0, take));
        left -= take;
        if left == 0 {
            break;
        }
    }
    Ok(out)
}

fn inspect_cmd(home: &LabHome, a: &InspectArgs, json_out: bool) -> Result<ExitCode> {
    let r: ContainerRef = a.container.parse()?;
    let c = Container::open(home, &r)?;
    let batches = first_rows(&c, a.rows)?;
    let m = &c.manifest;
    if json_out {
        let mut rows = Vec::new();
        if let Some(first) = batches.first() {
            let mut w = BatchWriter::new(Format::Jsonl, Vec::new(), &first.schema())?;
            for b in &batches {
                w.write(b)?;
            }
            let buf = w.finish()?;
            for line in buf.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                rows.push(serde_json::from_slice::<serde_json::Value>(line).unwrap_or_default());
            }
        }
        print_json(&json!({"manifest": m, "first_rows": rows}))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}@{}  (id {})", m.name, m.version, m.id);
    println!("  rows {}, columns {}", m.rows, m.columns);
    println!(
        "  source {} ({} bytes, sha256 {})",
        m.source.file_name, m.source.bytes, m.source.sha256
    );
    println!(
        "  data   {} ({} bytes, sha256 {})",
        m.data.file, m.data.bytes, m.data.sha256
    );
    println!(
        "  imported {} by {} {}",
        m.imported_at, m.tool.name, m.tool.version
    );
    for (k, v) in [
        ("description", &m.metadata.description),
        ("license", &m.metadata.license),
        ("publisher", &m.metadata.publisher),
    ] {
        if let Some(v) = v {
            println!("  {k}: {v}");
        }
    }
    println!();
    let schema_rows: Vec<Vec<String>> = m
        .schema
        .iter()
        .map(|col| {
            vec![
                col.name.clone(),
                col.ty.clone(),
                col.role
                    .map(|r| {
                        serde_json::to_value(r)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    })
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    print_table(&["column", "type", "role"], &schema_rows);
    if !batches.is_empty() {
        println!();
        println!(
            "first {} rows:",
            batches.iter().map(RecordBatch::num_rows).sum::<usize>()
        );
        let table = arrow_cast::pretty::pretty_format_batches(&batches)
            .map_err(|e| DataError::Integrity(format!("formatting rows: {e}")))?;
        println!("{table}");
    }
    Ok(ExitCode::SUCCESS)
}

fn export_cmd(home: &LabHome, a: &ExportArgs, json_out: bool) -> Result<ExitCode> {
    let r: ContainerRef = a.container.parse()?;
    let c = Container::open(home, &r)?;
    let reader = c.reader(65_536, None)?;
    let schema = arrow_array::RecordBatchReader::schema(&reader);
    let bar = progress::rows(
        &format!("exporting {}@{}", c.record.name, c.record.version),
        json_out,
    );
    let path = c.data_path();
    let batches = reader.map(|b| {
        let b = b.map_err(|e| DataError::Integrity(format!("reading {}: {e}", path.display())))?;
        bar.inc(b.num_rows() as u64);
        Ok(b)
    });
    let rows = write_file(&a.output, format_of(a.format), &schema, batches)?;
    bar.finish_and_clear();
    if json_out {
        print_json(
            &json!({"container": format!("{}@{}", c.record.name, c.record.version), "rows": rows, "output": a.output, "format": format_of(a.format).name()}),
        )?;
    } else {
        println!(
            "exported {}@{} ({} rows) to {}",
            c.record.name,
            c.record.version,
            rows,
            a.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_cmd(home: &LabHome, a: &VerifyArgs, json_out: bool) -> Result<ExitCode> {
    let r: ContainerRef = a.container.parse()?;
    let bar = progress::spinner(&format!("verifying {r}"), json_out);
    let reports = container::verify(home, &r);
    bar.finish_and_clear();
    let reports = reports?;
    let ok = reports.iter().all(|r| r.ok);
    if json_out {
        print_json(&json!({"ok": ok, "versions": reports}))?;
    } else {
        for rep in &reports {
            if rep.ok {
                println!(
                    "{}@{}: ok (hashes and counts match the catalog)",
                    rep.name, rep.version
                );
            } else {
                println!("{}@{}: FAILED", rep.name, rep.version);
                for p in &rep.problems {
                    println!("  - {p}");
                }
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn release_dir(home: &LabHome, name: &str) -> PathBuf {
    home.root().join("demo").join(format!("release-{name}"))
}

fn release_json(home: &LabHome, name: &str, r: &crate::release_cmd::ReleaseReport) -> Value {
    let dir = release_dir(home, name);
    json!({
        "folder": dir,
        "report_html": dir.join("report.html"),
        "certificate": dir.join("certificate.json"),
        "verdict": r.verdict,
    })
}

/// The demo's release: open data, roles as the assessment suggests them (the demo accepts
/// them, as `--yes` does), replacing the previous demo release.
fn demo_release(
    home: &LabHome,
    name: &str,
    config: Option<PathBuf>,
    json_out: bool,
) -> Result<crate::release_cmd::ReleaseReport> {
    crate::release_cmd::release(
        home,
        &crate::ReleaseArgs {
            data: name.to_string(),
            purpose: Some(crate::release_cmd::Purpose::OpenData),
            config,
            yes: true,
            force: true,
            output: release_dir(home, name),
        },
        json_out,
    )
}

/// Adult with its ARX hierarchies and the eight quasi-identifiers of the ARX examples.
fn adult_release_config(home: &LabHome, adult_dir: &Path) -> Result<PathBuf> {
    let qis = [
        "sex",
        "age",
        "race",
        "marital-status",
        "education",
        "native-country",
        "workclass",
        "occupation",
    ];
    let dir = std::fs::canonicalize(adult_dir).map_err(|e| DataError::Io {
        context: format!("resolving {}", adult_dir.display()),
        source: e,
    })?;
    let mut text = String::from("# Written by datalab demo.\n[roles]\n");
    for q in qis {
        text.push_str(&format!("\"{q}\" = \"quasi_identifier\"\n"));
    }
    // Every other column: insensitive (so no suggestion adds quasi-identifiers).
    let csv = dir.join("adult.csv");
    let header = std::fs::read_to_string(&csv)
        .map_err(|e| DataError::Io {
            context: format!("reading {}", csv.display()),
            source: e,
        })?
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    for c in header.split([',', ';']).map(str::trim) {
        if !qis.contains(&c) && !c.is_empty() {
            let role = if c == "salary-class" {
                "sensitive"
            } else {
                "insensitive"
            };
            text.push_str(&format!("\"{c}\" = \"{role}\"\n"));
        }
    }
    text.push_str("[hierarchies]\n");
    for q in qis {
        let f = dir.join(format!("adult_hierarchy_{q}.csv"));
        text.push_str(&format!("\"{q}\" = \"file:{}\"\n", f.display()));
    }
    let path = home.root().join("demo").join("adult-release.toml");
    write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

fn demo_cmd(home: &LabHome, a: &DemoArgs, json_out: bool) -> Result<ExitCode> {
    if a.rows == 0 {
        return Err(DataError::usage("--rows must be at least 1"));
    }
    let demo_dir = home.root().join("demo");
    std::fs::create_dir_all(&demo_dir).map_err(|e| DataError::Io {
        context: format!("creating {}", demo_dir.display()),
        source: e,
    })?;
    let csv_path = demo_dir.join("patients.csv");
    let bar = progress::spinner("generating the demo patients table", json_out);
    let mut file = AtomicFile::create(&csv_path)?;
    let report = {
        let out = std::io::BufWriter::with_capacity(1 << 20, file.file());
        demo::write_patients_csv(out, a.rows, a.seed).map_err(|e| DataError::Io {
            context: format!("writing {}", csv_path.display()),
            source: e,
        })?
    };
    file.commit()?;
    bar.finish_and_clear();

    let import = |path: PathBuf, name: &str, description: &str, license: &str, publisher: &str| {
        run_import(
            home,
            &ImportRequest {
                path,
                name: Some(name.to_string()),
                metadata: DescriptiveMetadata {
                    description: Some(description.to_string()),
                    license: Some(license.to_string()),
                    publisher: Some(publisher.to_string()),
                },
                read: ReadOptions::default(),
            },
            json_out,
        )
    };
    let patients = import(
        csv_path.clone(),
        "patients",
        "Synthetic patients (SE, DK, NL and other EU countries) with deliberate quality defects; see docs/demo-data.md",
        "CC0-1.0",
        "datalab demo generator",
    )?;
    let adult_path = a.shared_data.join("adult/adult.csv");
    let adult = if adult_path.is_file() {
        Some(import(
            adult_path.clone(),
            "adult",
            "UCI Adult census extract as distributed with ARX (30,162 records)",
            "CC-BY-4.0",
            "UCI Machine Learning Repository (Becker & Kohavi, 1996)",
        )?)
    } else {
        None
    };

    // The main job on the demo data: a release of each table for open data.
    let patients_release = demo_release(home, "patients", None, json_out)?;
    let adult_release = match &adult {
        Some(_) => Some(demo_release(
            home,
            "adult",
            Some(adult_release_config(home, &a.shared_data.join("adult"))?),
            json_out,
        )?),
        None => None,
    };

    if json_out {
        print_json(&json!({
            "patients": outcome_json(&patients),
            "patients_csv": csv_path,
            "demo_data": report,
            "adult": adult.as_ref().map(outcome_json),
            "releases": {
                "patients": release_json(home, "patients", &patients_release),
                "adult": adult_release.as_ref().map(|r| release_json(home, "adult", r)),
            },
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("datalab demo — lab home {}", home.root().display());
    println!();
    println!(
        "1. Generated {} synthetic patients (seed {}) → {}",
        report.rows,
        a.seed,
        csv_path.display()
    );
    println!("   Deliberate quality defects, for the assessment to find:");
    for d in &report.defects {
        println!("   - {} rows: {}", d.rows, d.description);
    }
    println!();
    println!("2. {}", describe_outcome(home, &patients));
    match &adult {
        Some(o) => println!("3. {}", describe_outcome(home, o)),
        None => println!(
            "3. {} not found; skipped the Adult census data (pass --shared-data DIR)",
            adult_path.display()
        ),
    }
    println!();
    println!("4. Released both for open data (datalab release … --purpose open-data):");
    for (name, r) in [
        ("patients", Some(&patients_release)),
        ("adult", adult_release.as_ref()),
    ] {
        if let Some(r) = r {
            let dir = release_dir(home, name);
            println!("   {name}: {}", r.verdict.summary);
            println!("     report      {}", dir.join("report.html").display());
            println!(
                "     certificate {}  (datalab verify {} --data {})",
                dir.join("certificate.json").display(),
                dir.join("certificate.json").display(),
                dir.join("data.parquet").display()
            );
        }
    }
    println!();
    let home_arg =
        if std::env::var_os("DATALAB_HOME").is_none() && home.root() != Path::new(".datalab") {
            format!(" --home {}", home.root().display())
        } else {
            String::new()
        };
    println!("Try next:");
    println!("  datalab{home_arg} list");
    println!("  datalab{home_arg} inspect patients --rows 5");
    println!("  datalab{home_arg} verify-container patients");
    println!(
        "  datalab{home_arg} assess patients          # quality, personal data, roles → HTML report"
    );
    println!("  datalab{home_arg} roles patients --accept  # record the suggested column roles");
    println!(
        "  datalab{home_arg} anonymize patients --qi birth_date,sex,postcode,country --k 5 --suppression 0.05 -o anon"
    );
    println!("  datalab{home_arg} export patients --format jsonl -o patients.jsonl");
    println!(
        "  datalab{home_arg} risk adult --qi sex,age,race,marital-status,education,native-country,workclass,occupation --population USA"
    );
    println!(
        "  datalab{home_arg} release patients --purpose research --yes -o release-research   # tokens need DATALAB_KEY_PASSPHRASE or a terminal"
    );
    println!(
        "  datalab{home_arg} verify {}",
        release_dir(home, "patients")
            .join("certificate.json")
            .display()
    );
    Ok(ExitCode::SUCCESS)
}
