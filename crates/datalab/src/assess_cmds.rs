//! `assess`, `check` and `roles`: the assessment commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use datalab_assess::assess::{Assessment, BatchStream, SourceInfo, assess};
use datalab_assess::profile::ProfileOptions;
use datalab_assess::suite::{Suite, run_suite};
use datalab_data::container::{self, Container, ContainerRef, LabHome};
use datalab_data::read::{ReadOptions, open_table};
use datalab_data::write::write_atomic;
use datalab_data::{ColumnRole, DataError, Manifest, Result};
use serde_json::json;

use crate::commands::{print_json, print_table};
use crate::{AssessArgs, CheckArgs, RolesArgs, progress};

/// What a NAME|FILE argument names.
pub(crate) enum Data {
    File(PathBuf),
    Container(Box<Container>),
}

pub(crate) fn resolve(home: &LabHome, arg: &str) -> Result<Data> {
    let path = Path::new(arg);
    if path.is_file() {
        return Ok(Data::File(path.to_path_buf()));
    }
    let r: ContainerRef = arg
        .parse()
        .map_err(|_| DataError::usage(format!("'{arg}' is neither a file nor a container name")))?;
    match Container::open(home, &r) {
        Ok(c) => Ok(Data::Container(Box::new(c))),
        Err(DataError::NotFound(m)) => {
            Err(DataError::usage(format!("'{arg}' is not a file, and {m}")))
        }
        Err(e) => Err(e),
    }
}

impl Data {
    pub(crate) fn label(&self) -> String {
        match self {
            Data::File(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Data::Container(c) => format!("{}@{}", c.record.name, c.record.version),
        }
    }

    fn short_name(&self) -> String {
        match self {
            Data::File(p) => container::name_from_path(p),
            Data::Container(c) => c.record.name.clone(),
        }
    }

    pub(crate) fn manifest(&self) -> Option<&Manifest> {
        match self {
            Data::File(_) => None,
            Data::Container(c) => Some(&c.manifest),
        }
    }

    /// The source description without hashing a file (containers carry their hash).
    fn source_without_hash(&self) -> SourceInfo {
        match self {
            Data::File(p) => SourceInfo {
                kind: "file".into(),
                name: p.display().to_string(),
                version: None,
                container_id: None,
                sha256: None,
            },
            Data::Container(_) => self.source(),
        }
    }

    fn source(&self) -> SourceInfo {
        match self {
            Data::File(p) => SourceInfo {
                kind: "file".into(),
                name: p.display().to_string(),
                version: None,
                container_id: None,
                sha256: datalab_data::read::source::hash_file(p)
                    .ok()
                    .map(|d| d.sha256),
            },
            Data::Container(c) => SourceInfo {
                kind: "container".into(),
                name: c.record.name.clone(),
                version: Some(c.record.version),
                container_id: Some(c.record.id.clone()),
                sha256: Some(c.record.data_sha256.clone()),
            },
        }
    }

    /// Opens a fresh stream over the data (each call starts from the first row).
    pub(crate) fn open(
        &self,
        bar: &indicatif::ProgressBar,
    ) -> Result<(arrow_schema::SchemaRef, BatchStream)> {
        self.open_columns(bar, None)
    }

    /// [`Data::open`] for just the named columns.
    pub(crate) fn open_columns(
        &self,
        bar: &indicatif::ProgressBar,
        columns: Option<&[String]>,
    ) -> Result<(arrow_schema::SchemaRef, BatchStream)> {
        let bar = bar.clone();
        match self {
            Data::Container(c) => {
                let reader = c.reader(65_536, columns)?;
                let schema = arrow_array::RecordBatchReader::schema(&reader);
                let path = c.data_path();
                Ok((
                    schema,
                    Box::new(reader.map(move |b| {
                        let b = b.map_err(|e| {
                            DataError::Integrity(format!("reading {}: {e}", path.display()))
                        })?;
                        bar.inc(b.num_rows() as u64);
                        Ok(b)
                    })),
                ))
            }
            Data::File(p) => {
                let mut reader = open_table(
                    p,
                    &ReadOptions {
                        hash_source: false,
                        ..ReadOptions::default()
                    },
                )?;
                for w in &reader.report.warnings {
                    bar.suspend(|| eprintln!("warning: {w}"));
                }
                let schema = reader.schema.clone();
                Ok((
                    schema,
                    Box::new(std::iter::from_fn(move || {
                        let next = reader.next_batch().transpose();
                        if let Some(Ok(b)) = &next {
                            bar.inc(b.num_rows() as u64);
                        }
                        next
                    })),
                ))
            }
        }
    }
}

pub(crate) fn run_assessment(data: &Data, today: Option<&str>, quiet: bool) -> Result<Assessment> {
    let mut opts = ProfileOptions::default();
    if let Some(t) = today {
        let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| DataError::usage(format!("--today '{t}': give a date as YYYY-MM-DD")))?;
        opts.today_days = (d - chrono::NaiveDate::default()).num_days() as i32;
    }
    let bar = progress::rows(&format!("assessing {}", data.label()), quiet);
    let open = |columns: Option<&[String]>| data.open_columns(&bar, columns);
    // Hashing a source file runs beside the profiling instead of before it.
    let (a, source) = std::thread::scope(|scope| {
        let source = scope.spawn(|| data.source());
        let a = assess(&open, data.source_without_hash(), data.manifest(), opts);
        (a, source.join())
    });
    bar.finish_and_clear();
    let mut a = a?;
    if let Ok(src) = source {
        a.source = src;
    }
    Ok(a)
}

fn print_roles(a: &Assessment) {
    let rows: Vec<Vec<String>> = a
        .roles
        .iter()
        .map(|r| {
            vec![
                r.column.clone(),
                role_name(r.suggestion.role),
                format!("{:.2}", r.suggestion.confidence),
                r.suggestion.reason.clone(),
            ]
        })
        .collect();
    print_table(&["column", "suggested role", "confidence", "reason"], &rows);
}

fn role_name(r: ColumnRole) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn assess_cmd(home: &LabHome, a: &AssessArgs, json_out: bool) -> Result<ExitCode> {
    let data = resolve(home, &a.data)?;
    let out_dir = a
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("assessment-{}", data.short_name())));
    std::fs::create_dir_all(&out_dir).map_err(|e| DataError::Io {
        context: format!("creating {}", out_dir.display()),
        source: e,
    })?;
    let assessment = run_assessment(&data, a.today.as_deref(), json_out)?;
    let json_path = out_dir.join("assessment.json");
    let html_path = out_dir.join("assessment.html");
    let text = serde_json::to_string_pretty(&assessment)
        .map_err(|e| DataError::Integrity(format!("serialising the assessment: {e}")))?;
    write_atomic(&json_path, text.as_bytes())?;
    write_atomic(
        &html_path,
        datalab_assess::html::render(&assessment).as_bytes(),
    )?;

    let q = &assessment.quality;
    if json_out {
        print_json(&json!({
            "source": assessment.source,
            "rows": assessment.rows,
            "columns": assessment.columns,
            "quality": {"overall": q.overall, "dimensions": q.dimensions.iter().map(|d| json!({"name": d.name, "score": d.score})).collect::<Vec<_>>()},
            "pii": assessment.pii,
            "roles": assessment.roles,
            "assessment_json": json_path,
            "assessment_html": html_path,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {} rows × {} columns",
        data.label(),
        assessment.rows,
        assessment.columns
    );
    println!();
    println!("quality {:.1}/100", q.overall);
    for d in &q.dimensions {
        let failing = d.checks.iter().filter(|c| !c.passed).count();
        match d.score {
            Some(s) => println!("  {:<17} {:>5.1}  ({failing} failing checks)", d.name, s),
            None => println!("  {:<17}   n/a", d.name),
        }
    }
    if !assessment.pii.is_empty() {
        println!();
        println!("personal data:");
        for p in &assessment.pii {
            let where_ = if p.in_text { " (inside free text)" } else { "" };
            println!(
                "  {:<20} {}{} — {:.0}% of values",
                p.column,
                p.label,
                where_,
                100.0 * p.share
            );
        }
    }
    println!();
    print_roles(&assessment);
    let problems: Vec<_> = q
        .dimensions
        .iter()
        .flat_map(|d| {
            d.checks
                .iter()
                .filter(|c| !c.passed && !c.example_rows.is_empty())
                .map(move |c| (d.name.as_str(), c))
        })
        .collect();
    if !problems.is_empty() {
        println!();
        println!("problems found (with example rows):");
        for (dim, c) in problems.iter().take(15) {
            let rows: Vec<String> = c.example_rows.iter().take(5).map(u64::to_string).collect();
            println!(
                "  [{dim}] {}{}: {} (rows {})",
                c.check,
                c.column
                    .as_ref()
                    .map(|c| format!(" in '{c}'"))
                    .unwrap_or_default(),
                c.detail,
                rows.join(", ")
            );
        }
    }
    println!();
    println!("wrote {} and {}", json_path.display(), html_path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn check_cmd(home: &LabHome, a: &CheckArgs, json_out: bool) -> Result<ExitCode> {
    let suite = Suite::from_file(&a.suite).map_err(|e| {
        if e.is_usage() {
            DataError::usage(e.to_string())
        } else {
            DataError::Integrity(e.to_string())
        }
    })?;
    let data = resolve(home, &a.data)?;
    let bar = progress::rows(&format!("checking {}", data.label()), json_out);
    let (schema, mut batches) = data.open(&bar)?;
    let report = run_suite(&suite, schema, &mut batches, chrono::Utc::now());
    bar.finish_and_clear();
    let report = report.map_err(|e| match e {
        datalab_assess::suite::SuiteError::Data(d) => d,
        e if e.is_usage() => DataError::usage(e.to_string()),
        e => DataError::Integrity(e.to_string()),
    })?;
    if json_out {
        print_json(&serde_json::to_value(&report).unwrap_or_default())?;
    } else {
        for c in &report.checks {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            let rows = if c.example_rows.is_empty() {
                String::new()
            } else {
                format!(
                    " (rows {})",
                    c.example_rows
                        .iter()
                        .take(5)
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            println!("{mark} {}: {}{rows}", c.name, c.message);
        }
        let failed = report.checks.iter().filter(|c| !c.passed).count();
        println!();
        println!(
            "{} checks on {} rows: {} passed, {} failed — suite {}",
            report.checks.len(),
            report.rows,
            report.checks.len() - failed,
            failed,
            if report.passed { "PASSED" } else { "FAILED" }
        );
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn parse_role(s: &str) -> Option<ColumnRole> {
    serde_json::from_value(serde_json::Value::String(
        s.trim().to_lowercase().replace(['-', ' '], "_"),
    ))
    .ok()
}

/// Reads `[roles]` column = "role" from a TOML file.
fn read_roles_file(path: &Path) -> Result<Vec<(String, ColumnRole)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| DataError::usage(format!("roles file {}: {e}", path.display())))?;
    let doc: toml::Table = toml::from_str(&text)
        .map_err(|e| DataError::usage(format!("roles file {}: {e}", path.display())))?;
    let table = doc.get("roles").and_then(|v| v.as_table()).ok_or_else(|| {
        DataError::usage(format!(
            "roles file {}: expected a [roles] table of column = \"role\"",
            path.display()
        ))
    })?;
    let mut out = Vec::new();
    for (col, v) in table {
        let role = v.as_str().and_then(parse_role).ok_or_else(|| {
            DataError::usage(format!(
                "roles file {}: column '{col}': use identifier, quasi_identifier, sensitive, insensitive or subject",
                path.display()
            ))
        })?;
        out.push((col.clone(), role));
    }
    Ok(out)
}

pub fn roles_cmd(home: &LabHome, a: &RolesArgs, json_out: bool) -> Result<ExitCode> {
    let data = resolve(home, &a.data)?;
    if (a.accept || a.apply.is_some()) && matches!(data, Data::File(_)) {
        return Err(DataError::usage(
            "roles are recorded in a container's manifest: import the file first (datalab import FILE), then run roles on the container",
        ));
    }
    let to_record: Option<Vec<(String, ColumnRole)>> = match &a.apply {
        Some(f) => Some(read_roles_file(f)?),
        None => None,
    };
    let assessment = if to_record.is_none() {
        Some(run_assessment(&data, None, json_out)?)
    } else {
        None
    };
    if let (Some(path), Some(asm)) = (&a.write, &assessment) {
        let mut text = String::from(
            "# Column roles: identifier, quasi_identifier, sensitive, insensitive or subject.\n# Review, edit, then: datalab roles NAME --apply THIS_FILE\n[roles]\n",
        );
        for r in &asm.roles {
            text.push_str(&format!(
                "# {} (confidence {:.2})\n{} = \"{}\"\n",
                r.suggestion.reason.replace('\n', " "),
                r.suggestion.confidence,
                toml_key(&r.column),
                role_name(r.suggestion.role)
            ));
        }
        write_atomic(path, text.as_bytes())?;
    }
    let recorded = match (&data, a.accept, to_record) {
        (Data::Container(c), true, _) => {
            let roles: Vec<(String, ColumnRole)> = assessment
                .iter()
                .flat_map(|asm| {
                    asm.roles
                        .iter()
                        .map(|r| (r.column.clone(), r.suggestion.role))
                })
                .collect();
            Some(container::set_roles(
                home,
                &ContainerRef {
                    name: c.record.name.clone(),
                    version: Some(c.record.version),
                },
                &roles,
            )?)
        }
        (Data::Container(c), false, Some(roles)) => Some(container::set_roles(
            home,
            &ContainerRef {
                name: c.record.name.clone(),
                version: Some(c.record.version),
            },
            &roles,
        )?),
        _ => None,
    };
    if json_out {
        print_json(&json!({
            "data": data.label(),
            "columns": assessment.as_ref().map(|asm| asm.roles.iter().map(|r| json!({
                "name": r.column, "role": r.suggestion.role, "reason": r.suggestion.reason,
                "confidence": r.suggestion.confidence, "category": r.suggestion.category,
            })).collect::<Vec<_>>()),
            "recorded": recorded.as_ref().map(|m| json!({"name": m.name, "version": m.version, "schema": m.schema})),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(asm) = &assessment {
        print_roles(asm);
    }
    if let Some(path) = &a.write {
        println!(
            "wrote the suggestions to {} — edit, then `datalab roles {} --apply {}`",
            path.display(),
            data.short_name(),
            path.display()
        );
    }
    match &recorded {
        Some(m) => println!("recorded the roles as {}@{}", m.name, m.version),
        None if matches!(data, Data::Container(_)) => {
            println!("(suggestions only: --accept records them, or --write FILE then --apply FILE)")
        }
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn toml_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !k.is_empty()
    {
        k.to_string()
    } else {
        format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
