//! User-declared check suites: `datalab check SUITE DATA`.
//!
//! A suite is a TOML or YAML file with a list of checks (see `docs/checks.md` for the format
//! and every kind). [`Suite::from_file`] parses it and loads its codelists, [`Suite::validate`]
//! binds it to a table's schema, and [`run_suite`] streams the table's batches once and
//! returns a [`SuiteReport`]: per check whether it passed, how many rows fail and the first
//! failing row numbers. Reports never contain cell values, only row numbers, so they can be
//! shown in CI logs of sensitive data.
//!
//! Nulls are "not applicable" for every check except `not_null`: a null cell never fails
//! `in_set`, `regex`, `range`, `length`, `codelist` or `unique`, and an expression whose
//! value is unknown because of a null passes.

mod expr;
mod run;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datalab_data::DataError;
use datalab_data::read::{ColumnOverride, ReadOptions, SchemaOverride, open_table};
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value as Json};

pub use run::run_suite;

/// Whether a failing check fails the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure fails the suite (`datalab check` exits non-zero).
    Error,
    /// A failure is reported but the suite still passes.
    Warning,
}

/// The outcome of a whole suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    /// True when no check of severity `error` failed.
    pub passed: bool,
    /// Data rows read.
    pub rows: u64,
    pub checks: Vec<CheckResult>,
}

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The check's `name`, or one made from its kind and columns (`not_null(email)`), or the
    /// expression itself.
    pub name: String,
    pub kind: String,
    pub columns: Vec<String>,
    pub severity: Severity,
    pub passed: bool,
    /// Failing rows; for the table-level kinds (`row_count`, `freshness`) 1 when the check
    /// failed and 0 when it passed.
    pub failing: u64,
    /// 1-based data row numbers (the header is not a row) of the first failing rows, at most 10.
    pub example_rows: Vec<u64>,
    /// What was found, in words.
    pub message: String,
}

/// A problem with one check of a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckProblem {
    /// `check 3 "discharge after admission" (expression)`: position, name and kind.
    pub check: String,
    pub message: String,
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.check, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The suite file cannot be read, or is not a suite (bad TOML/YAML, no checks).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// Checks that are wrong in themselves or for the data's schema; all are listed.
    #[error("{}", render_problems(file, problems))]
    Checks {
        file: String,
        problems: Vec<CheckProblem>,
    },
    /// Reading the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
}

fn render_problems(file: &str, problems: &[CheckProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{file}: {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl SuiteError {
    /// True when the suite (or how it was called) is wrong, rather than the data or the
    /// system: the CLI exits with 2 then, and with 1 for failing checks.
    pub fn is_usage(&self) -> bool {
        match self {
            SuiteError::File { .. } | SuiteError::Checks { .. } => true,
            SuiteError::Data(e) => e.is_usage(),
        }
    }
}

/// A parsed suite: its checks with regular expressions compiled, expressions parsed and
/// codelists loaded. Binding to a schema happens in [`Suite::validate`] and [`run_suite`].
#[derive(Debug, Clone)]
pub struct Suite {
    file: String,
    description: Option<String>,
    checks: Vec<CheckDef>,
}

#[derive(Debug, Clone)]
pub(crate) struct CheckDef {
    /// 1-based position in the file.
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) named: bool,
    pub(crate) severity: Severity,
    pub(crate) spec: Spec,
}

impl CheckDef {
    pub(crate) fn label(&self) -> String {
        label(
            self.index,
            self.named.then_some(self.name.as_str()),
            Some(self.spec.kind()),
        )
    }
}

fn label(index: usize, name: Option<&str>, kind: Option<&str>) -> String {
    let mut s = format!("check {index}");
    if let Some(n) = name {
        s.push_str(&format!(" \"{n}\""));
    }
    if let Some(k) = kind {
        s.push_str(&format!(" ({k})"));
    }
    s
}

/// A scalar written in the suite file.
#[derive(Debug, Clone)]
pub(crate) enum Literal {
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{x}"),
            Literal::Text(s) => write!(f, "'{s}'"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Spec {
    NotNull {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    InSet {
        column: String,
        values: Vec<Literal>,
    },
    Codelist {
        column: String,
        path: PathBuf,
        codes: Arc<Vec<String>>,
    },
    Regex {
        column: String,
        pattern: String,
        /// The pattern anchored at both ends: the whole value must match.
        re: Regex,
    },
    Range {
        column: String,
        min: Option<Literal>,
        max: Option<Literal>,
    },
    Length {
        column: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Expression {
        text: String,
        expr: expr::Expr,
    },
    RowCount {
        min: Option<u64>,
        max: Option<u64>,
    },
    Freshness {
        column: String,
        max_age: String,
        max_age_micros: i64,
    },
}

const KINDS: [&str; 10] = [
    "not_null",
    "unique",
    "in_set",
    "codelist",
    "regex",
    "range",
    "length",
    "expression",
    "row_count",
    "freshness",
];

/// Fields each kind takes besides `kind`, `name` and `severity`.
fn kind_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "not_null" | "unique" => &["column", "columns"],
        "in_set" => &["column", "values"],
        "codelist" => &["column", "codelist"],
        "regex" => &["column", "pattern"],
        "range" | "length" => &["column", "min", "max"],
        "expression" => &["expr"],
        "row_count" => &["min", "max"],
        "freshness" => &["column", "max_age"],
        _ => return None,
    })
}

impl Spec {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Spec::NotNull { .. } => "not_null",
            Spec::Unique { .. } => "unique",
            Spec::InSet { .. } => "in_set",
            Spec::Codelist { .. } => "codelist",
            Spec::Regex { .. } => "regex",
            Spec::Range { .. } => "range",
            Spec::Length { .. } => "length",
            Spec::Expression { .. } => "expression",
            Spec::RowCount { .. } => "row_count",
            Spec::Freshness { .. } => "freshness",
        }
    }

    /// The columns the check reads.
    pub(crate) fn columns(&self) -> Vec<String> {
        match self {
            Spec::NotNull { columns } | Spec::Unique { columns } => columns.clone(),
            Spec::InSet { column, .. }
            | Spec::Codelist { column, .. }
            | Spec::Regex { column, .. }
            | Spec::Range { column, .. }
            | Spec::Length { column, .. }
            | Spec::Freshness { column, .. } => vec![column.clone()],
            Spec::Expression { expr, .. } => expr.columns(),
            Spec::RowCount { .. } => Vec::new(),
        }
    }

    fn default_name(&self) -> String {
        match self {
            Spec::Expression { text, .. } => text.trim().to_string(),
            Spec::RowCount { .. } => "row_count".to_string(),
            _ => format!("{}({})", self.kind(), self.columns().join(", ")),
        }
    }
}

#[derive(Clone, Copy)]
enum Syntax {
    Toml,
    Yaml,
}

impl Suite {
    /// Reads a suite: TOML for `.toml`, YAML for `.yaml`/`.yml`. Codelist paths are relative
    /// to the suite file's folder. Errors name the file, the check and the problem.
    pub fn from_file(path: &Path) -> Result<Suite, SuiteError> {
        let file = path.display().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let syntax = match ext.as_deref() {
            Some("toml") => Syntax::Toml,
            Some("yaml" | "yml") => Syntax::Yaml,
            _ => {
                return Err(SuiteError::File {
                    file,
                    message: "a check suite must be a .toml, .yaml or .yml file".to_string(),
                });
            }
        };
        let text = std::fs::read_to_string(path).map_err(|e| SuiteError::File {
            file: file.clone(),
            message: format!("cannot read the suite: {e}"),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Suite::parse(&text, syntax, base, file)
    }

    /// Parses a TOML suite; `base_dir` resolves relative codelist paths.
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Suite, SuiteError> {
        Suite::parse(text, Syntax::Toml, base_dir, "suite".to_string())
    }

    /// Parses a YAML suite; `base_dir` resolves relative codelist paths.
    pub fn from_yaml_str(text: &str, base_dir: &Path) -> Result<Suite, SuiteError> {
        Suite::parse(text, Syntax::Yaml, base_dir, "suite".to_string())
    }

    /// Checks the suite against a table's schema: every column it names exists, and every
    /// check fits its column's type. All problems are reported at once.
    pub fn validate(&self, schema: &arrow_schema::Schema) -> Result<(), SuiteError> {
        run::Plan::compile(self, schema).map(|_| ())
    }

    /// The suite's optional `description`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Number of checks.
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// Always false for a parsed suite (a suite without checks is rejected).
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    pub(crate) fn checks(&self) -> &[CheckDef] {
        &self.checks
    }

    fn parse(text: &str, syntax: Syntax, base: &Path, file: String) -> Result<Suite, SuiteError> {
        let fail = |message: String| SuiteError::File {
            file: file.clone(),
            message,
        };
        let doc = match syntax {
            Syntax::Toml => {
                let table: toml::Table = toml::from_str(text)
                    .map_err(|e| fail(format!("not valid TOML: {}", e.to_string().trim_end())))?;
                toml_to_json(toml::Value::Table(table))
            }
            Syntax::Yaml => {
                let value: yaml_serde::Value =
                    yaml_serde::from_str(text).map_err(|e| fail(format!("not valid YAML: {e}")))?;
                yaml_to_json(value).map_err(|e| fail(format!("not a check suite: {e}")))?
            }
        };
        let Json::Object(top) = doc else {
            return Err(fail(
                "not a check suite: expected a list of checks under the key 'check'".to_string(),
            ));
        };
        let mut description = None;
        let mut list = None;
        for (key, value) in &top {
            match key.as_str() {
                "check" | "checks" => {
                    if list.is_some() {
                        return Err(fail(
                            "give the checks under one key, 'check' or 'checks'".to_string(),
                        ));
                    }
                    let Json::Array(items) = value else {
                        return Err(fail(format!(
                            "'{key}' must be a list of checks ([[check]] tables in TOML, a '- kind: …' list in YAML)"
                        )));
                    };
                    list = Some(items);
                }
                "description" => match value {
                    Json::String(s) => description = Some(s.clone()),
                    _ => return Err(fail("'description' must be text".to_string())),
                },
                other => {
                    return Err(fail(format!(
                        "unknown key '{other}' at the top of the suite; expected 'check' (the list of checks) and optionally 'description'"
                    )));
                }
            }
        }
        let items = match list {
            Some(items) if !items.is_empty() => items,
            _ => {
                return Err(fail(
                    "the suite has no checks; add them as [[check]] tables (TOML) or under 'checks:' (YAML)"
                        .to_string(),
                ));
            }
        };
        let mut checks = Vec::new();
        let mut problems = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match parse_check(i + 1, item, base) {
                Ok(c) => checks.push(c),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(SuiteError::Checks { file, problems });
        }
        Ok(Suite {
            file,
            description,
            checks,
        })
    }
}

fn toml_to_json(v: toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s),
        toml::Value::Integer(i) => Json::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(f.to_string())),
        toml::Value::Boolean(b) => Json::Bool(b),
        // TOML dates (`min = 2020-01-01`) are read as their ISO text.
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Json::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn yaml_to_json(v: yaml_serde::Value) -> Result<Json, String> {
    use yaml_serde::Value as Y;
    Ok(match v {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .ok_or_else(|| format!("the number {n} is not finite"))?
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(items) => Json::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("a key must be text, not {other:?}")),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Json::Object(out)
        }
        Y::Tagged(t) => {
            return Err(format!(
                "YAML tags such as {} are not used in suites",
                t.tag
            ));
        }
    })
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "a table",
    }
}

/// Reads the fields of one check, explaining every mistake.
struct Fields<'a> {
    obj: &'a Map<String, Json>,
}

impl Fields<'_> {
    fn text(&self, key: &str) -> Result<Option<String>, String> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(Json::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(Json::String(_)) => Err(format!("'{key}' is empty")),
            Some(other) => Err(format!("'{key}' must be text, not {}", json_type(other))),
        }
    }

    fn required_text(&self, key: &str, example: &str) -> Result<String, String> {
        self.text(key)?
            .ok_or_else(|| format!("'{key}' is missing (for example {key} = {example})"))
    }

    fn column(&self) -> Result<String, String> {
        self.required_text("column", "\"email\"")
    }

    /// `column = "a"` or `columns = ["a", "b"]`.
    fn columns(&self) -> Result<Vec<String>, String> {
        match (self.obj.get("column"), self.obj.get("columns")) {
            (Some(_), Some(_)) => Err("give either 'column' or 'columns', not both".to_string()),
            (Some(_), None) => Ok(vec![self.column()?]),
            (None, Some(Json::Array(items))) => {
                let mut out: Vec<String> = Vec::new();
                for item in items {
                    match item {
                        Json::String(s) if !s.trim().is_empty() => {
                            if out.contains(s) {
                                return Err(format!("'columns' names '{s}' twice"));
                            }
                            out.push(s.clone());
                        }
                        other => {
                            return Err(format!(
                                "'columns' must be a list of column names; found {}",
                                json_type(other)
                            ));
                        }
                    }
                }
                if out.is_empty() {
                    return Err("'columns' is empty".to_string());
                }
                Ok(out)
            }
            (None, Some(other)) => Err(format!(
                "'columns' must be a list of column names, not {}",
                json_type(other)
            )),
            (None, None) => Err(
                "'column' is missing (for example column = \"email\", or columns = [\"a\", \"b\"])"
                    .to_string(),
            ),
        }
    }

    fn count(&self, key: &str) -> Result<Option<u64>, String> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(Json::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("'{key}' must be a whole number of at least 0, not {n}")),
            Some(other) => Err(format!(
                "'{key}' must be a whole number, not {}",
                json_type(other)
            )),
        }
    }

    fn counts(&self) -> Result<(Option<u64>, Option<u64>), String> {
        let (min, max) = (self.count("min")?, self.count("max")?);
        match (min, max) {
            (None, None) => Err("give 'min', 'max' or both".to_string()),
            (Some(lo), Some(hi)) if lo > hi => {
                Err(format!("min ({lo}) is greater than max ({hi})"))
            }
            _ => Ok((min, max)),
        }
    }

    fn literal(&self, key: &str) -> Result<Option<Literal>, String> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(v) => literal(v).map(Some).map_err(|e| format!("'{key}': {e}")),
        }
    }
}

fn literal(v: &Json) -> Result<Literal, String> {
    match v {
        Json::String(s) => Ok(Literal::Text(s.clone())),
        Json::Bool(b) => Ok(Literal::Bool(*b)),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Literal::Int(i)),
            (None, Some(f)) => Ok(Literal::Float(f)),
            _ => Err(format!("{n} is out of range")),
        },
        other => Err(format!(
            "expected text, a number or true/false, not {}",
            json_type(other)
        )),
    }
}

fn parse_check(index: usize, item: &Json, base: &Path) -> Result<CheckDef, CheckProblem> {
    let Json::Object(obj) = item else {
        return Err(CheckProblem {
            check: label(index, None, None),
            message: format!("a check must be a table of fields, not {}", json_type(item)),
        });
    };
    let name = match obj.get("name") {
        Some(Json::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    };
    let kind = match obj.get("kind") {
        Some(Json::String(k)) => Some(k.as_str()),
        _ => None,
    };
    let known = kind.and_then(|k| KINDS.iter().find(|&&x| x == k).copied());
    let problem = |message: String| CheckProblem {
        check: label(index, name.as_deref(), known),
        message,
    };
    let kind = match (obj.get("kind"), known) {
        (None, _) => {
            return Err(problem(format!(
                "'kind' is missing; use one of: {}",
                KINDS.join(", ")
            )));
        }
        (Some(Json::String(k)), None) => {
            return Err(problem(format!(
                "unknown kind '{k}'; use one of: {}",
                KINDS.join(", ")
            )));
        }
        (Some(other), None) => {
            return Err(problem(format!(
                "'kind' must be text, not {}",
                json_type(other)
            )));
        }
        (Some(_), Some(k)) => k,
    };
    let allowed = kind_fields(kind).unwrap_or(&[]);
    for key in obj.keys() {
        if !["kind", "name", "severity"].contains(&key.as_str()) && !allowed.contains(&key.as_str())
        {
            return Err(problem(format!(
                "unknown field '{key}' for kind {kind}; it takes: name, severity, {}",
                allowed.join(", ")
            )));
        }
    }
    if let Some(v) = obj.get("name")
        && name.is_none()
    {
        return Err(problem(match v {
            Json::String(_) => "'name' is empty".to_string(),
            other => format!("'name' must be text, not {}", json_type(other)),
        }));
    }
    let severity = match obj.get("severity") {
        None => Severity::Error,
        Some(Json::String(s)) if s == "error" => Severity::Error,
        Some(Json::String(s)) if s == "warning" => Severity::Warning,
        Some(other) => {
            return Err(problem(format!(
                "'severity' must be \"error\" or \"warning\", not {other}"
            )));
        }
    };
    let spec = parse_spec(kind, &Fields { obj }, base).map_err(problem)?;
    Ok(CheckDef {
        index,
        named: name.is_some(),
        name: name.unwrap_or_else(|| spec.default_name()),
        severity,
        spec,
    })
}

fn parse_spec(kind: &str, f: &Fields, base: &Path) -> Result<Spec, String> {
    Ok(match kind {
        "not_null" => Spec::NotNull {
            columns: f.columns()?,
        },
        "unique" => Spec::Unique {
            columns: f.columns()?,
        },
        "in_set" => {
            let column = f.column()?;
            let values = match f.obj.get("values") {
                Some(Json::Array(items)) if !items.is_empty() => items
                    .iter()
                    .map(|v| match v {
                        Json::Null => Err(
                            "'values' lists null; nulls are never checked by in_set (use not_null to forbid them)"
                                .to_string(),
                        ),
                        v => literal(v).map_err(|e| format!("'values': {e}")),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Some(Json::Array(_)) => return Err("'values' is empty".to_string()),
                Some(other) => {
                    return Err(format!(
                        "'values' must be a list, not {}",
                        json_type(other)
                    ));
                }
                None => {
                    return Err(
                        "'values' is missing (for example values = [\"F\", \"M\"])".to_string()
                    );
                }
            };
            Spec::InSet { column, values }
        }
        "codelist" => {
            let column = f.column()?;
            let (path, code_column) = match f.obj.get("codelist") {
                Some(Json::String(p)) => (p.clone(), None),
                Some(Json::Object(o)) => {
                    for k in o.keys() {
                        if k != "path" && k != "column" {
                            return Err(format!(
                                "unknown field '{k}' in 'codelist'; it takes path and column"
                            ));
                        }
                    }
                    let sub = Fields { obj: o };
                    (
                        sub.required_text("path", "\"codes/icd10.csv\"")
                            .map_err(|e| format!("codelist: {e}"))?,
                        sub.text("column").map_err(|e| format!("codelist: {e}"))?,
                    )
                }
                Some(other) => {
                    return Err(format!(
                        "'codelist' must be a file name or {{ path = …, column = … }}, not {}",
                        json_type(other)
                    ));
                }
                None => {
                    return Err(
                        "'codelist' is missing (for example codelist = \"countries.txt\")"
                            .to_string(),
                    );
                }
            };
            let path = base.join(path);
            let codes = load_codelist(&path, code_column.as_deref())?;
            Spec::Codelist {
                column,
                path,
                codes: Arc::new(codes),
            }
        }
        "regex" => {
            let column = f.column()?;
            let pattern = f.required_text("pattern", "'^[A-Z]{2}[0-9]+$'")?;
            // Compiled alone first so the error shows the user's pattern, not our anchors.
            Regex::new(&pattern).map_err(|e| format!("invalid regular expression: {e}"))?;
            let re = Regex::new(&format!("^(?:{pattern})$"))
                .map_err(|e| format!("invalid regular expression: {e}"))?;
            Spec::Regex {
                column,
                pattern,
                re,
            }
        }
        "range" => {
            let column = f.column()?;
            let (min, max) = (f.literal("min")?, f.literal("max")?);
            if min.is_none() && max.is_none() {
                return Err("give 'min', 'max' or both".to_string());
            }
            for v in [&min, &max].into_iter().flatten() {
                if matches!(v, Literal::Bool(_)) {
                    return Err("'min' and 'max' must be numbers, dates or text".to_string());
                }
            }
            Spec::Range { column, min, max }
        }
        "length" => {
            let column = f.column()?;
            let (min, max) = f.counts()?;
            Spec::Length { column, min, max }
        }
        "expression" => {
            let text = f.required_text("expr", "\"discharge_date >= admission_date\"")?;
            let expr =
                expr::parse(&text).map_err(|e| format!("cannot parse the expression: {e}"))?;
            Spec::Expression { text, expr }
        }
        "row_count" => {
            let (min, max) = f.counts()?;
            Spec::RowCount { min, max }
        }
        "freshness" => {
            let column = f.column()?;
            let max_age = f.required_text("max_age", "\"30d\"")?;
            let max_age_micros = parse_age(&max_age)?;
            Spec::Freshness {
                column,
                max_age,
                max_age_micros,
            }
        }
        other => return Err(format!("unknown kind '{other}'")),
    })
}

/// `"30d"`, `"12h"`, `"1d12h"`, `"90m"`, `"45s"`, `"2w"` → microseconds.
fn parse_age(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "max_age '{text}' is not a duration; write a number and a unit (s, m, h, d, w), e.g. \"30d\" or \"1d12h\""
        )
    };
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut parts = 0;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if c.is_whitespace() && number.is_empty() {
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| s.checked_mul(1_000_000))
            .and_then(|m| total.checked_add(m))
            .ok_or_else(|| format!("max_age '{text}' is too long"))?;
        parts += 1;
    }
    if !number.is_empty() || parts == 0 {
        return Err(bad());
    }
    Ok(total)
}

/// A codelist: a text file with one code per line (blank lines and lines starting with `#`
/// are skipped), or, when `column` is given, that column of a table file (CSV, TSV, JSON
/// Lines, Parquet) read with datalab's readers.
fn load_codelist(path: &Path, column: Option<&str>) -> Result<Vec<String>, String> {
    let shown = path.display();
    let mut codes = rustc_hash::FxHashSet::default();
    match column {
        None => {
            let lower = path.to_string_lossy().to_ascii_lowercase();
            if [
                ".csv",
                ".tsv",
                ".parquet",
                ".jsonl",
                ".csv.gz",
                ".tsv.gz",
                ".jsonl.gz",
            ]
            .iter()
            .any(|e| lower.ends_with(e))
            {
                return Err(format!(
                    "codelist {shown} is a table; say which column holds the codes: codelist = {{ path = \"…\", column = \"code\" }}"
                ));
            }
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read codelist {shown}: {e}"))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("codelist {shown} is not UTF-8 text"))?;
            for line in text.lines() {
                let code = line.trim().trim_start_matches('\u{feff}');
                if !code.is_empty() && !code.starts_with('#') {
                    codes.insert(code.to_string());
                }
            }
        }
        Some(col) => {
            if !path.exists() {
                return Err(format!("cannot read codelist {shown}: no such file"));
            }
            read_table_codes(path, col, &mut codes)
                .map_err(|e| format!("codelist {shown}: {e}"))?;
        }
    }
    if codes.is_empty() {
        return Err(format!("codelist {shown} has no codes"));
    }
    let mut codes: Vec<String> = codes.into_iter().collect();
    codes.sort_unstable();
    Ok(codes)
}

fn read_table_codes(
    path: &Path,
    column: &str,
    codes: &mut rustc_hash::FxHashSet<String>,
) -> Result<(), String> {
    // Only empty cells are missing: a code such as "NA" (Namibia) must stay a code.
    let mut opts = ReadOptions {
        null_tokens: Vec::new(),
        ..ReadOptions::default()
    };
    let probe = open_table(path, &opts).map_err(|e| e.to_string())?;
    if probe.schema.index_of(column).is_err() {
        let names: Vec<&str> = probe
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        return Err(format!(
            "has no column '{column}'; its columns are: {}",
            names.join(", ")
        ));
    }
    let is_parquet = matches!(probe.report.format, datalab_data::read::Format::Parquet);
    drop(probe);
    if !is_parquet {
        // Read the codes as text, so "007" stays "007" rather than becoming the number 7.
        let mut over = SchemaOverride::default();
        over.columns.insert(
            column.to_string(),
            ColumnOverride::Type("string".to_string()),
        );
        opts.schema_override = Some(over);
    }
    let mut reader = open_table(path, &opts).map_err(|e| e.to_string())?;
    let idx = reader.schema.index_of(column).map_err(|e| e.to_string())?;
    while let Some(batch) = reader.next_batch().map_err(|e| e.to_string())? {
        let text = values::text_form(batch.column(idx)).map_err(|e| e.to_string())?;
        for code in text.iter().flatten() {
            let code = code.trim();
            if !code.is_empty() {
                codes.insert(code.to_string());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse() {
        assert_eq!(parse_age("30d").unwrap(), 30 * 86_400_000_000);
        assert_eq!(parse_age("1d12h").unwrap(), 36 * 3_600_000_000);
        assert_eq!(parse_age(" 90m ").unwrap(), 90 * 60_000_000);
        assert!(parse_age("30").is_err());
        assert!(parse_age("d").is_err());
        assert!(parse_age("3 days").is_err());
        assert!(parse_age("99999999999999999w").is_err());
    }
}
