//! User-declared check suites: every kind passes on good data and fails on bad data with the
//! right count and rows; bad suites give errors that name the check; the demo patients
//! table's planted defects are found exactly.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, TimeZone, Utc};
use datalab_assess::suite::{CheckResult, Severity, Suite, SuiteError, SuiteReport, run_suite};
use datalab_data::DataError;

/// 2020-01-01 as days since the epoch.
const D2020: i32 = 18262;
const DAY_US: i64 = 86_400_000_000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 31, 12, 0, 0).unwrap()
}

/// Ten rows with one column of each type datalab's readers produce.
///
/// | row | id | code | score | ok | day | at | admitted | discharged |
/// rows with defects are listed next to each test.
fn table() -> (SchemaRef, Vec<ArrayRef>) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("code", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
        Field::new("ok", DataType::Boolean, true),
        Field::new("day", DataType::Date32, true),
        Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new("admitted", DataType::Date32, true),
        Field::new("discharged", DataType::Date32, true),
        Field::new("country", DataType::Utf8, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![
            Some(1),
            Some(2),
            Some(3),
            Some(3),
            None,
            Some(6),
            Some(7),
            Some(1),
            Some(9),
            Some(10),
        ])),
        Arc::new(StringArray::from(vec![
            Some("AB1"),
            Some("AB2"),
            None,
            Some("ab3"),
            Some("AB45"),
            Some("AB6"),
            Some("AB7"),
            Some("AB8"),
            None,
            Some("X"),
        ])),
        Arc::new(Float64Array::from(vec![
            Some(0.5),
            Some(1.0),
            Some(-0.1),
            Some(99.5),
            Some(100.0),
            Some(100.5),
            None,
            Some(50.0),
            Some(f64::NAN),
            Some(7.0),
        ])),
        Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(true),
            Some(false),
            None,
            Some(true),
            Some(true),
            Some(true),
            Some(true),
            Some(true),
            Some(true),
        ])),
        Arc::new(Date32Array::from(vec![
            Some(D2020),
            Some(D2020 + 10),
            Some(D2020 - 1),
            Some(D2020 + 29),
            Some(D2020 + 30),
            None,
            Some(D2020 + 5),
            Some(D2020 + 40),
            Some(D2020 + 20),
            Some(D2020 + 1),
        ])),
        Arc::new(TimestampMicrosecondArray::from(vec![
            Some(i64::from(D2020) * DAY_US),
            Some(i64::from(D2020) * DAY_US + 3_600_000_000),
            Some(i64::from(D2020 + 1) * DAY_US),
            Some(i64::from(D2020 + 30) * DAY_US),
            Some(i64::from(D2020 + 2) * DAY_US),
            Some(i64::from(D2020 + 3) * DAY_US),
            Some(i64::from(D2020 + 4) * DAY_US),
            Some(i64::from(D2020 + 5) * DAY_US),
            Some(i64::from(D2020 + 6) * DAY_US),
            Some(i64::from(D2020 + 7) * DAY_US),
        ])),
        Arc::new(Date32Array::from(vec![
            Some(D2020),
            Some(D2020),
            Some(D2020 + 5),
            Some(D2020),
            None,
            Some(D2020 + 9),
            Some(D2020),
            Some(D2020),
            Some(D2020 + 3),
            Some(D2020),
        ])),
        Arc::new(Date32Array::from(vec![
            Some(D2020 + 2),
            Some(D2020 - 1),
            Some(D2020 + 4),
            Some(D2020 + 1),
            Some(D2020 + 1),
            Some(D2020 + 8),
            None,
            Some(D2020 + 30),
            Some(D2020 + 3),
            Some(D2020 + 7),
        ])),
        Arc::new(StringArray::from(vec![
            Some("SE"),
            Some("DK"),
            Some("NL"),
            Some("SE"),
            Some("NA"),
            Some("se"),
            None,
            Some("DE"),
            Some("FI"),
            Some("XX"),
        ])),
    ];
    (schema, cols)
}

/// The table as three batches (rows 1–4, 5–7, 8–10), so row numbers must carry across.
fn batches() -> (SchemaRef, Vec<RecordBatch>) {
    let (schema, cols) = table();
    let full = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let parts = vec![full.slice(0, 4), full.slice(4, 3), full.slice(7, 3)];
    (schema, parts)
}

fn run_with(suite: &Suite, schema: SchemaRef, parts: Vec<RecordBatch>) -> SuiteReport {
    let mut it = parts.into_iter().map(Ok::<_, DataError>);
    run_suite(suite, schema, &mut it, now()).unwrap()
}

fn run_toml(toml: &str) -> SuiteReport {
    let suite = Suite::from_toml_str(toml, Path::new(".")).unwrap();
    let (schema, parts) = batches();
    suite.validate(&schema).unwrap();
    run_with(&suite, schema, parts)
}

/// Runs a one-check suite and returns its result.
fn one(check: &str) -> CheckResult {
    let report = run_toml(&format!("[[check]]\n{check}\n"));
    assert_eq!(report.rows, 10);
    assert_eq!(report.checks.len(), 1);
    report.checks.into_iter().next().unwrap()
}

fn assert_fails(r: &CheckResult, failing: u64, rows: &[u64]) {
    assert!(!r.passed, "{} should fail: {}", r.name, r.message);
    assert_eq!(r.failing, failing, "{}: {}", r.name, r.message);
    assert_eq!(r.example_rows, rows, "{}: {}", r.name, r.message);
}

fn assert_passes(r: &CheckResult) {
    assert!(r.passed, "{} should pass: {}", r.name, r.message);
    assert_eq!(r.failing, 0);
    assert!(r.example_rows.is_empty());
}

fn bad_suite(toml: &str) -> String {
    let err = Suite::from_toml_str(toml, Path::new(".")).unwrap_err();
    assert!(err.is_usage(), "{err}");
    err.to_string()
}

fn bad_for_schema(toml: &str) -> String {
    let suite = Suite::from_toml_str(toml, Path::new(".")).unwrap();
    let (schema, parts) = batches();
    let err = suite.validate(&schema).unwrap_err();
    assert!(err.is_usage(), "{err}");
    // run_suite refuses the same suite before reading anything.
    let mut it = parts.into_iter().map(Ok::<_, DataError>);
    let again = run_suite(&suite, schema, &mut it, now()).unwrap_err();
    assert_eq!(again.to_string(), err.to_string());
    err.to_string()
}

// ---------------------------------------------------------------------------------------------
// Each kind, good and bad data
// ---------------------------------------------------------------------------------------------

#[test]
fn not_null() {
    assert_passes(&one("kind = 'not_null'\ncolumn = 'at'\n"));
    let r = one("kind = 'not_null'\ncolumn = 'code'");
    assert_fails(&r, 2, &[3, 9]);
    assert_eq!(r.name, "not_null(code)");
    assert_eq!(r.kind, "not_null");
    assert_eq!(r.columns, ["code"]);
    assert!(r.message.contains("2 of 10 rows"), "{}", r.message);
    // Several columns: a row fails when any of them is null.
    let r = one("kind = 'not_null'\ncolumns = ['id', 'code', 'ok']");
    assert_fails(&r, 4, &[3, 4, 5, 9]);
}

#[test]
fn not_null_counts_null_typed_columns() {
    let schema = Arc::new(Schema::new(vec![Field::new("empty", DataType::Null, true)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(arrow_array::NullArray::new(3)) as ArrayRef],
    )
    .unwrap();
    let suite = Suite::from_toml_str(
        "[[check]]\nkind = 'not_null'\ncolumn = 'empty'\n[[check]]\nkind = 'in_set'\ncolumn = 'empty'\nvalues = ['a']",
        Path::new("."),
    )
    .unwrap();
    let report = run_with(&suite, schema, vec![batch]);
    assert_fails(&report.checks[0], 3, &[1, 2, 3]);
    assert_passes(&report.checks[1]);
}

#[test]
fn unique_single_and_compound() {
    assert_passes(&one("kind = 'unique'\ncolumn = 'at'"));
    // ids 1,2,3,3,null,6,7,1,9,10: rows 4 and 8 repeat earlier ids; the null is not checked.
    let r = one("kind = 'unique'\ncolumn = 'id'");
    assert_fails(&r, 2, &[4, 8]);
    assert!(r.message.contains("1 row with a null"), "{}", r.message);
    // admitted: D,D,D+5,D,null,D+9,D,D,D+3,D — many repeats ...
    let r = one("kind = 'unique'\ncolumn = 'admitted'");
    assert_fails(&r, 5, &[2, 4, 7, 8, 10]);
    // ... but with `ok` as well, (D, true) repeats at rows 2, 8 and 10; row 4 has ok null.
    let r = one("kind = 'unique'\ncolumns = ['admitted', 'ok']\nname = 'one admission a day'");
    assert_fails(&r, 4, &[2, 7, 8, 10]);
    assert_eq!(r.name, "one admission a day");
    assert_eq!(r.columns, ["admitted", "ok"]);
    // Float keys: NaN equals NaN, -0.0 equals 0.0; all distinct here.
    assert_passes(&one("kind = 'unique'\ncolumn = 'score'"));
}

#[test]
fn in_set_by_column_type() {
    // Text: exact, case-sensitive; "NA" is a value (Namibia), null is not checked.
    let r =
        one("kind = 'in_set'\ncolumn = 'country'\nvalues = ['SE', 'DK', 'NL', 'DE', 'FI', 'NA']");
    assert_fails(&r, 2, &[6, 10]);
    assert!(
        r.message.contains("2 of 9 non-null values"),
        "{}",
        r.message
    );
    // Integers, given as numbers or text.
    let r = one("kind = 'in_set'\ncolumn = 'id'\nvalues = [1, 2, '3', 6, 7, 9, 10]");
    assert_passes(&r);
    let r = one("kind = 'in_set'\ncolumn = 'id'\nvalues = [1, 2, 3]");
    assert_fails(&r, 4, &[6, 7, 9, 10]);
    // Booleans and dates.
    assert_fails(
        &one("kind = 'in_set'\ncolumn = 'ok'\nvalues = [true]"),
        1,
        &[3],
    );
    assert_fails(
        &one(
            "kind = 'in_set'\ncolumn = 'admitted'\nvalues = ['2020-01-01', '2020-01-06', '2020-01-10']",
        ),
        1,
        &[9],
    );
    // Floats compare as numbers: 100 matches 100.0.
    assert_fails(
        &one("kind = 'in_set'\ncolumn = 'score'\nvalues = [0.5, 1, -0.1, 99.5, 100, 100.5, 50]"),
        2,
        &[9, 10],
    );
}

#[test]
fn regex_matches_whole_values() {
    assert_passes(&one(
        "kind = 'regex'\ncolumn = 'code'\npattern = '(?i)[a-z]+[0-9]*'",
    ));
    // "ab3" (lower case), "AB45" (too long: the whole value must match) and "X".
    let r = one("kind = 'regex'\ncolumn = 'code'\npattern = '[A-Z]{2}[0-9]'");
    assert_fails(&r, 3, &[4, 5, 10]);
    assert!(r.message.contains("of 8 non-null values"), "{}", r.message);
    // Non-text columns are matched in their text form.
    assert_fails(
        &one("kind = 'regex'\ncolumn = 'day'\npattern = '2020-01-..'"),
        2,
        &[3, 8],
    );
}

#[test]
fn range_of_numbers_dates_and_timestamps() {
    assert_passes(&one("kind = 'range'\ncolumn = 'id'\nmin = 1\nmax = 10"));
    assert_fails(
        &one("kind = 'range'\ncolumn = 'id'\nmin = 2\nmax = 9.5"),
        3,
        &[1, 8, 10],
    );
    // Inclusive bounds; NaN is outside every range.
    let r = one("kind = 'range'\ncolumn = 'score'\nmin = 0\nmax = 100");
    assert_fails(&r, 3, &[3, 6, 9]);
    assert!(r.message.contains("between 0 and 100"), "{}", r.message);
    // Dates: ISO text or a TOML date.
    assert_fails(
        &one("kind = 'range'\ncolumn = 'day'\nmin = '2020-01-01'\nmax = 2020-01-30"),
        3,
        &[3, 5, 8],
    );
    assert_passes(&one(
        "kind = 'range'\ncolumn = 'day'\nmin = '2019-12-31'\nmax = '2020-02-10'",
    ));
    // Timestamps: bounds may be dates (midnight) or timestamps.
    assert_fails(
        &one("kind = 'range'\ncolumn = 'at'\nmin = '2020-01-01T00:30:00'\nmax = '2020-01-31'"),
        1,
        &[1],
    );
    assert_fails(
        &one("kind = 'range'\ncolumn = 'at'\nmax = '2020-01-30T23:59:59'"),
        1,
        &[4],
    );
}

#[test]
fn range_of_text_columns() {
    let schema = Arc::new(Schema::new(vec![Field::new("w", DataType::Utf8, true)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec![
            Some("70"),
            Some("70.5 kg"),
            Some("250"),
            None,
            Some("3"),
        ])) as ArrayRef],
    )
    .unwrap();
    let run = |toml: &str| {
        let suite = Suite::from_toml_str(toml, Path::new(".")).unwrap();
        run_with(&suite, schema.clone(), vec![batch.clone()])
            .checks
            .remove(0)
    };
    // Number bounds: cells are read as numbers; text that is not a number fails.
    let r = run("[[check]]\nkind = 'range'\ncolumn = 'w'\nmin = 10\nmax = 200");
    assert_fails(&r, 3, &[2, 3, 5]);
    assert!(
        r.message.contains("1 of them are not numbers"),
        "{}",
        r.message
    );
    // Text bounds: compared as text.
    assert_fails(
        &run("[[check]]\nkind = 'range'\ncolumn = 'w'\nmin = '5'"),
        2,
        &[3, 5],
    );
}

#[test]
fn length_in_characters() {
    // "ab3" ok, "AB45" has 4 characters, "X" has 1.
    assert_fails(
        &one("kind = 'length'\ncolumn = 'code'\nmin = 2\nmax = 3"),
        2,
        &[5, 10],
    );
    assert_passes(&one("kind = 'length'\ncolumn = 'code'\nmax = 4"));
    // Characters, not bytes.
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Utf8, true)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec!["Åsa", "Jörgensen"])) as ArrayRef],
    )
    .unwrap();
    let suite = Suite::from_toml_str(
        "[[check]]\nkind = 'length'\ncolumn = 'n'\nmax = 3",
        Path::new("."),
    )
    .unwrap();
    assert_fails(&run_with(&suite, schema, vec![batch]).checks[0], 1, &[2]);
}

#[test]
fn expressions_between_columns() {
    // discharged < admitted on rows 2, 3 and 6; rows 5 and 7 have a null: not applicable.
    let r = one("kind = 'expression'\nexpr = 'discharged >= admitted'");
    assert_fails(&r, 3, &[2, 3, 6]);
    assert_eq!(r.name, "discharged >= admitted");
    assert_eq!(r.columns, ["discharged", "admitted"]);
    assert!(r.message.contains("2 rows not applicable"), "{}", r.message);
    // Date arithmetic in days, literals, functions and logic.
    let r = one(
        "kind = 'expression'\nexpr = \"discharged - admitted <= 7 and admitted >= date('2020-01-01') and day <= today()\"",
    );
    assert_fails(&r, 1, &[8]);
    let r = one("kind = 'expression'\nexpr = \"code is not null or id > 5\"");
    assert_fails(&r, 1, &[3]);
    let r = one(
        "kind = 'expression'\nexpr = \"not (score < 0 or score > 100) and at < timestamp('2020-01-31T00:00:00')\"",
    );
    assert_fails(&r, 3, &[3, 4, 6]);
    let r = one("kind = 'expression'\nexpr = \"length(code) = 3 or country = 'XX'\"");
    assert_fails(&r, 1, &[5]);
    assert_passes(&one("kind = 'expression'\nexpr = '(id * 2) / 2 = id'"));
}

#[test]
fn row_count_bounds() {
    let r = one("kind = 'row_count'\nmin = 10\nmax = 10");
    assert_passes(&r);
    assert_eq!(r.name, "row_count");
    assert!(r.columns.is_empty());
    let r = one("kind = 'row_count'\nmin = 11");
    assert!(!r.passed);
    assert_eq!(r.failing, 1);
    assert!(
        r.message.contains("10 rows; allowed: at least 11"),
        "{}",
        r.message
    );
    assert!(!one("kind = 'row_count'\nmax = 9").passed);
}

#[test]
fn freshness_of_dates_and_timestamps() {
    // now = 2020-01-31T12:00; newest `day` is 2020-02-10 (row 8), newest `at` 2020-01-31T00:00.
    assert_passes(&one("kind = 'freshness'\ncolumn = 'day'\nmax_age = '1d'"));
    let r = one("kind = 'freshness'\ncolumn = 'at'\nmax_age = '12h'");
    assert_passes(&r);
    assert!(
        r.message
            .contains("newest at is 2020-01-31T00:00:00, 12h 0m before"),
        "{}",
        r.message
    );
    let r = one("kind = 'freshness'\ncolumn = 'at'\nmax_age = '11h'");
    assert!(!r.passed);
    assert_eq!(r.failing, 1);
    assert!(r.message.contains("allowed age: 11h"), "{}", r.message);
    // A date is fresh for its whole day: newest admitted is 2020-01-10, 21.5 days before now.
    assert!(one("kind = 'freshness'\ncolumn = 'admitted'\nmax_age = '21d'").passed);
    assert!(!one("kind = 'freshness'\ncolumn = 'admitted'\nmax_age = '20d'").passed);
    assert!(one("kind = 'freshness'\ncolumn = 'admitted'\nmax_age = '3w'").passed);
}

#[test]
fn freshness_fails_without_values() {
    let schema = Arc::new(Schema::new(vec![Field::new("d", DataType::Date32, true)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Date32Array::from(vec![None, None])) as ArrayRef],
    )
    .unwrap();
    let suite = Suite::from_toml_str(
        "[[check]]\nkind = 'freshness'\ncolumn = 'd'\nmax_age = '365d'",
        Path::new("."),
    )
    .unwrap();
    let r = run_with(&suite, schema, vec![batch]).checks.remove(0);
    assert!(!r.passed);
    assert!(r.message.contains("no values"), "{}", r.message);
}

#[test]
fn codelists_from_text_and_table_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("countries.txt"),
        "# EU and Nordic codes\nSE\nDK\n\nNL\nDE\nFI\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("codes.csv"),
        "code,label\nAB1,one\nAB2,two\nab3,three\nAB45,four\nAB6,six\nAB7,seven\nAB8,eight\n007,bond\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ids.txt"), "1\n2\n3\n6\n7\n9\n").unwrap();
    let suite_path = dir.path().join("suite.toml");
    std::fs::write(
        &suite_path,
        r#"
description = "codelists"
[[check]]
kind = "codelist"
column = "country"
codelist = "countries.txt"

[[check]]
kind = "codelist"
column = "code"
codelist = { path = "codes.csv", column = "code" }

[[check]]
kind = "codelist"
column = "id"
codelist = "ids.txt"
severity = "warning"
"#,
    )
    .unwrap();
    let suite = Suite::from_file(&suite_path).unwrap();
    assert_eq!(suite.description(), Some("codelists"));
    assert_eq!(suite.len(), 3);
    let (schema, parts) = batches();
    let report = run_with(&suite, schema, parts);
    // "NA", "se", "XX" are not in the list.
    assert_fails(&report.checks[0], 3, &[5, 6, 10]);
    assert!(
        report.checks[0].message.contains("5 codes"),
        "{}",
        report.checks[0].message
    );
    // Only "X" is missing from the CSV's code column.
    assert_fails(&report.checks[1], 1, &[10]);
    // ids 1,2,3,3,null,6,7,1,9,10: only 10 is missing; a warning does not fail the suite.
    assert_fails(&report.checks[2], 1, &[10]);
    assert_eq!(report.checks[2].severity, Severity::Warning);
    assert!(!report.passed);

    // Codes are read as text: "007" stays "007".
    let schema = Arc::new(Schema::new(vec![Field::new("code", DataType::Utf8, true)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec!["007", "7"])) as ArrayRef],
    )
    .unwrap();
    let suite = Suite::from_toml_str(
        "[[check]]\nkind = 'codelist'\ncolumn = 'code'\ncodelist = { path = 'codes.csv', column = 'code' }",
        dir.path(),
    )
    .unwrap();
    assert_fails(&run_with(&suite, schema, vec![batch]).checks[0], 1, &[2]);
}

#[test]
fn warnings_do_not_fail_the_suite() {
    let report = run_toml(
        "[[check]]\nkind = 'not_null'\ncolumn = 'code'\nseverity = 'warning'\n\
         [[check]]\nkind = 'not_null'\ncolumn = 'at'\n",
    );
    assert!(report.passed);
    assert!(!report.checks[0].passed);
    assert_eq!(report.checks[0].severity, Severity::Warning);
    assert_eq!(report.checks[1].severity, Severity::Error);
    let report = run_toml(
        "[[check]]\nkind = 'not_null'\ncolumn = 'code'\nseverity = 'warning'\n\
         [[check]]\nkind = 'not_null'\ncolumn = 'id'\n",
    );
    assert!(!report.passed);
}

#[test]
fn yaml_suites_read_like_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.yml");
    std::fs::write(
        &path,
        r#"
description: the same checks in YAML
checks:
  - kind: not_null
    column: code
  - kind: expression
    name: discharge after admission
    expr: discharged >= admitted
  - kind: range
    column: day
    min: 2020-01-01
    max: "2020-01-30"
    severity: warning
  - kind: in_set
    column: id
    values: [1, 2, 3]
"#,
    )
    .unwrap();
    let suite = Suite::from_file(&path).unwrap();
    let (schema, parts) = batches();
    let report = run_with(&suite, schema, parts);
    assert_fails(&report.checks[0], 2, &[3, 9]);
    assert_eq!(report.checks[1].name, "discharge after admission");
    assert_fails(&report.checks[1], 3, &[2, 3, 6]);
    assert_fails(&report.checks[2], 3, &[3, 5, 8]);
    assert_fails(&report.checks[3], 4, &[6, 7, 9, 10]);
    assert!(!report.passed);
    // The report is JSON for `datalab check --json`.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["rows"], 10);
    assert_eq!(json["checks"][2]["severity"], "warning");
    assert_eq!(
        json["checks"][1]["example_rows"],
        serde_json::json!([2, 3, 6])
    );
}

#[test]
fn csv_files_read_by_datalab() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("visits.csv");
    std::fs::write(
        &data,
        "id,admitted,discharged,stamp\n1,2024-01-02,2024-01-05,2024-01-02 10:00:00\n2,2024-01-03,2024-01-01,2024-01-03 11:30:00\n3,2024-02-01,,2024-02-01 08:00:00\n",
    )
    .unwrap();
    let reader = datalab_data::read::open_table(&data, &Default::default()).unwrap();
    let schema = reader.schema.clone();
    let (_, parts) = reader.read_all().unwrap();
    let suite = Suite::from_toml_str(
        "[[check]]\nkind = 'expression'\nexpr = 'discharged >= admitted'\n\
         [[check]]\nkind = 'freshness'\ncolumn = 'stamp'\nmax_age = '30d'\n\
         [[check]]\nkind = 'range'\ncolumn = 'stamp'\nmin = '2024-01-02T10:00:00'",
        dir.path(),
    )
    .unwrap();
    suite.validate(&schema).unwrap();
    let report = run_with(&suite, schema, parts);
    assert_fails(&report.checks[0], 1, &[2]);
    // now is 2020: the newest stamp is in the future, which is fresh.
    assert!(report.checks[1].passed, "{}", report.checks[1].message);
    assert_passes(&report.checks[2]);
}

// ---------------------------------------------------------------------------------------------
// Bad suites
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_kind_names_the_check() {
    let msg = bad_suite(
        "[[check]]\nkind = 'not_null'\ncolumn = 'a'\n[[check]]\nkind = 'not_nul'\ncolumn = 'a'\nname = 'email present'",
    );
    assert!(msg.contains("check 2 \"email present\""), "{msg}");
    assert!(msg.contains("unknown kind 'not_nul'"), "{msg}");
    assert!(msg.contains("not_null, unique"), "{msg}");
    assert!(msg.starts_with("suite: "), "{msg}");
}

#[test]
fn unknown_column_lists_the_available_ones() {
    let msg = bad_for_schema(
        "[[check]]\nkind = 'not_null'\ncolumn = 'id'\n\
         [[check]]\nkind = 'expression'\nexpr = 'dischargd >= admitted'\nname = 'order'\n\
         [[check]]\nkind = 'unique'\ncolumns = ['id', 'nope']",
    );
    assert!(msg.contains("check 2 \"order\" (expression): unknown column 'dischargd' (did you mean 'discharged'?)"), "{msg}");
    assert!(
        msg.contains(
            "available columns: id, code, score, ok, day, at, admitted, discharged, country"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("check 3 (unique): unknown column 'nope'"),
        "{msg}"
    );
    assert!(!msg.contains("check 1"), "{msg}");
}

#[test]
fn bad_regex_is_explained() {
    let msg = bad_suite("[[check]]\nkind = 'regex'\ncolumn = 'code'\npattern = '[A-Z'");
    assert!(
        msg.contains("check 1 (regex): invalid regular expression"),
        "{msg}"
    );
    assert!(msg.contains("[A-Z"), "{msg}");
}

#[test]
fn unparseable_expression_says_where() {
    let msg = bad_suite("[[check]]\nkind = 'expression'\nexpr = 'discharged >= '\nname = 'order'");
    assert!(
        msg.contains("check 1 \"order\" (expression): cannot parse the expression"),
        "{msg}"
    );
    assert!(msg.contains("expected a value"), "{msg}");
    let msg = bad_for_schema("[[check]]\nkind = 'expression'\nexpr = \"admitted > 'soon'\"");
    assert!(msg.contains("'soon' is compared with a date"), "{msg}");
    let msg = bad_for_schema("[[check]]\nkind = 'expression'\nexpr = 'id + score'");
    assert!(msg.contains("true or false"), "{msg}");
}

#[test]
fn missing_codelist_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let msg = {
        let err = Suite::from_toml_str(
            "[[check]]\nkind = 'codelist'\ncolumn = 'country'\ncodelist = 'nowhere.txt'\nname = 'countries'",
            dir.path(),
        )
        .unwrap_err();
        assert!(err.is_usage());
        err.to_string()
    };
    assert!(msg.contains("check 1 \"countries\" (codelist)"), "{msg}");
    assert!(msg.contains("nowhere.txt"), "{msg}");
    std::fs::write(dir.path().join("c.csv"), "code\nSE\n").unwrap();
    let err = Suite::from_toml_str(
        "[[check]]\nkind = 'codelist'\ncolumn = 'country'\ncodelist = { path = 'c.csv', column = 'cod' }",
        dir.path(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("has no column 'cod'; its columns are: code"),
        "{err}"
    );
    let err = Suite::from_toml_str(
        "[[check]]\nkind = 'codelist'\ncolumn = 'country'\ncodelist = 'c.csv'",
        dir.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("say which column"), "{err}");
}

#[test]
fn other_mistakes_are_explained() {
    let cases = [
        (
            "[[check]]\nkind = 'not_null'\ncolum = 'a'",
            "unknown field 'colum' for kind not_null",
        ),
        ("[[check]]\nkind = 'not_null'", "'column' is missing"),
        ("[[check]]\ncolumn = 'a'", "'kind' is missing"),
        (
            "[[check]]\nkind = 'range'\ncolumn = 'a'",
            "give 'min', 'max' or both",
        ),
        (
            "[[check]]\nkind = 'length'\ncolumn = 'a'\nmin = 5\nmax = 2",
            "min (5) is greater than max (2)",
        ),
        (
            "[[check]]\nkind = 'length'\ncolumn = 'a'\nmin = -1",
            "whole number of at least 0",
        ),
        (
            "[[check]]\nkind = 'in_set'\ncolumn = 'a'\nvalues = []",
            "'values' is empty",
        ),
        (
            "[[check]]\nkind = 'freshness'\ncolumn = 'a'\nmax_age = '30 days'",
            "not a duration",
        ),
        (
            "[[check]]\nkind = 'not_null'\ncolumn = 'a'\nseverity = 'fatal'",
            "'severity' must be",
        ),
        (
            "[[checks]]\nkind = 'not_null'\ncolumn = 'a'\n[[check]]\nkind = 'not_null'\ncolumn = 'b'",
            "one key",
        ),
        ("title = 'x'", "unknown key 'title'"),
        ("description = 'nothing'", "has no checks"),
        ("[[check]\nkind = 1", "not valid TOML"),
    ];
    for (toml, want) in cases {
        let msg = bad_suite(toml);
        assert!(msg.contains(want), "{toml:?} → {msg}");
    }
    // All problems at once, each naming its check.
    let msg = bad_suite(
        "[[check]]\nkind = 'x'\n[[check]]\nkind = 'not_null'\n[[check]]\nkind = 'row_count'\nmin = 1",
    );
    assert!(
        msg.contains("check 1") && msg.contains("check 2") && !msg.contains("check 3"),
        "{msg}"
    );
    // Type mismatches show up against the schema.
    let cases = [
        (
            "[[check]]\nkind = 'range'\ncolumn = 'day'\nmin = 3",
            "does not fit column 'day' (date)",
        ),
        (
            "[[check]]\nkind = 'range'\ncolumn = 'ok'\nmin = 'a'",
            "true/false",
        ),
        (
            "[[check]]\nkind = 'range'\ncolumn = 'id'\nmin = 9\nmax = 2",
            "min (9) is greater than max (2)",
        ),
        (
            "[[check]]\nkind = 'in_set'\ncolumn = 'id'\nvalues = ['one']",
            "cannot occur in column 'id'",
        ),
        (
            "[[check]]\nkind = 'freshness'\ncolumn = 'code'\nmax_age = '1d'",
            "needs a date or timestamp",
        ),
    ];
    for (toml, want) in cases {
        let msg = bad_for_schema(toml);
        assert!(msg.contains(want), "{toml:?} → {msg}");
    }
}

#[test]
fn suite_files_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("suite.json");
    std::fs::write(&json, "{}").unwrap();
    let err = Suite::from_file(&json).unwrap_err();
    assert!(err.is_usage());
    assert!(
        err.to_string()
            .contains("suite.json: a check suite must be a .toml, .yaml or .yml file"),
        "{err}"
    );
    let missing = dir.path().join("missing.toml");
    let err = Suite::from_file(&missing).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing.toml: cannot read the suite"),
        "{err}"
    );
    let yaml = dir.path().join("bad.yaml");
    std::fs::write(
        &yaml,
        "checks:\n  - kind: regex\n    column: a\n    pattern: '(('\n",
    )
    .unwrap();
    let err = Suite::from_file(&yaml).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{}: check 1 (regex)", yaml.display())),
        "{msg}"
    );
    let yaml = dir.path().join("tab.yaml");
    std::fs::write(&yaml, "checks:\n  - kind: [oops\n").unwrap();
    assert!(
        Suite::from_file(&yaml)
            .unwrap_err()
            .to_string()
            .contains("not valid YAML")
    );
}

#[test]
fn data_errors_are_not_usage_errors() {
    let suite = Suite::from_toml_str(
        "[[check]]\nkind = 'not_null'\ncolumn = 'id'",
        Path::new("."),
    )
    .unwrap();
    let (schema, parts) = batches();
    let mut it = vec![
        Ok(parts[0].clone()),
        Err(DataError::bad_input("data.csv", "line 7: unclosed quote")),
    ]
    .into_iter();
    let err = run_suite(&suite, schema, &mut it, now()).unwrap_err();
    assert!(matches!(err, SuiteError::Data(_)));
    assert!(!err.is_usage());
    assert!(err.to_string().contains("line 7"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// The demo patients table
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_patients_defects_are_found_exactly() {
    use datalab_data::demo::{DEMO_REFERENCE_DATE, write_patients_csv};
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("patients.csv");
    let report = write_patients_csv(std::fs::File::create(&csv).unwrap(), 40_000, 7).unwrap();
    let defect = |kind: &str, column: Option<&str>| -> u64 {
        report
            .defects
            .iter()
            .find(|d| d.kind == kind && (column.is_none() || d.column.as_deref() == column))
            .map(|d| d.rows as u64)
            .unwrap_or_else(|| panic!("no {kind} defect in {:?}", report.defects))
    };
    let date_order = defect("date_order", None);
    assert!(
        date_order > 0,
        "the demo plants discharge-before-admission rows"
    );

    let suite_path = dir.path().join("patients.toml");
    std::fs::write(
        &suite_path,
        format!(
            r#"
[[check]]
kind = "expression"
expr = "discharge_date >= admission_date"
name = "discharge after admission"

[[check]]
kind = "expression"
expr = "birth_date <= date('{DEMO_REFERENCE_DATE}')"

[[check]]
kind = "expression"
expr = "birth_date != '1900-01-01'"

[[check]]
kind = "not_null"
column = "email"

[[check]]
kind = "unique"
column = "patient_id"

[[check]]
kind = "regex"
column = "weight"
pattern = '\d+(\.\d+)? kg'

[[check]]
kind = "in_set"
column = "sex"
values = ["F", "M"]

[[check]]
kind = "row_count"
min = 40000
max = 40000
"#
        ),
    )
    .unwrap();
    let suite = Suite::from_file(&suite_path).unwrap();
    let mut reader = datalab_data::read::open_table(&csv, &Default::default()).unwrap();
    let schema = reader.schema.clone();
    suite.validate(&schema).unwrap();
    // Keep the batches to recompute the date-order rows independently below.
    let mut kept = Vec::new();
    let mut it = std::iter::from_fn(|| reader.next_batch().transpose()).inspect(|b| {
        if let Ok(b) = b {
            kept.push(b.clone());
        }
    });
    let result = run_suite(&suite, schema.clone(), &mut it, now()).unwrap();
    drop(it);
    assert_eq!(result.rows, 40_000);
    // Every planted defect of this seed occurs, so no equality below holds vacuously.
    assert!(
        result.checks[..6].iter().all(|c| c.failing > 0),
        "{:?}",
        result.checks
    );
    let c = &result.checks;
    assert_eq!(c[0].failing, date_order, "{}", c[0].message);
    assert_eq!(
        c[1].failing,
        defect("future_dates", Some("birth_date")),
        "{}",
        c[1].message
    );
    assert_eq!(
        c[2].failing,
        defect("sentinel_values", Some("birth_date")),
        "{}",
        c[2].message
    );
    assert_eq!(
        c[3].failing,
        defect("missing_values", Some("email")),
        "{}",
        c[3].message
    );
    assert_eq!(
        c[4].failing,
        defect("duplicate_rows", None),
        "{}",
        c[4].message
    );
    assert_eq!(
        c[5].failing,
        defect("mixed_units", Some("weight")),
        "{}",
        c[5].message
    );
    assert_passes(&c[6]);
    assert_passes(&c[7]);
    assert!(!result.passed);

    // The example rows are the first rows where discharge precedes admission.
    use arrow_array::cast::AsArray;
    use arrow_array::types::Date32Type;
    let adm = schema.index_of("admission_date").unwrap();
    let dis = schema.index_of("discharge_date").unwrap();
    let mut expected = Vec::new();
    let mut offset = 0u64;
    for b in &kept {
        let a = b.column(adm).as_primitive::<Date32Type>();
        let d = b.column(dis).as_primitive::<Date32Type>();
        for i in 0..b.num_rows() {
            if d.value(i) < a.value(i) && expected.len() < 10 {
                expected.push(offset + i as u64 + 1);
            }
        }
        offset += b.num_rows() as u64;
    }
    assert_eq!(c[0].example_rows, expected);
}

/// The suites shown in docs/checks.md parse, fit the demo table and find its defects.
#[test]
fn documented_suites_run_on_the_demo_table() {
    use datalab_data::demo::write_patients_csv;
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/checks.md"))
            .unwrap();
    let block = |lang: &str| -> String {
        let start = doc.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
        let len = doc[start..].find("```").unwrap();
        doc[start..start + len].to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("patients.csv");
    let demo = write_patients_csv(std::fs::File::create(&csv).unwrap(), 20_000, 11).unwrap();
    std::fs::create_dir(dir.path().join("codes")).unwrap();
    // Every code the demo uses, plus one it does not.
    let reader = datalab_data::read::open_table(&csv, &Default::default()).unwrap();
    let schema = reader.schema.clone();
    let (_, parts) = reader.read_all().unwrap();
    let distinct = |name: &str| -> Vec<String> {
        let i = schema.index_of(name).unwrap();
        let mut v: Vec<String> = parts
            .iter()
            .flat_map(|b| {
                let a = b
                    .column(i)
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .unwrap()
                    .clone();
                a.iter().flatten().map(str::to_string).collect::<Vec<_>>()
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut icd = "code,title\nZ99.9,unused\n".to_string();
    for c in distinct("diagnosis_icd10") {
        icd.push_str(&format!("{c},x\n"));
    }
    std::fs::write(dir.path().join("codes/icd10.csv"), icd).unwrap();
    std::fs::write(
        dir.path().join("codes/countries.txt"),
        distinct("country").join("\n"),
    )
    .unwrap();
    let date_order = demo
        .defects
        .iter()
        .find(|d| d.kind == "date_order")
        .unwrap()
        .rows as u64;
    for (file, text) in [
        ("patients.toml", block("toml")),
        ("patients.yaml", block("yaml")),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let suite = Suite::from_file(&path).unwrap();
        suite.validate(&schema).unwrap();
        let report = run_with(&suite, schema.clone(), parts.clone());
        let by_name = |n: &str| report.checks.iter().find(|c| c.name == n).unwrap();
        assert!(by_name("row_count").passed);
        assert_eq!(by_name("discharge after admission").failing, date_order);
        assert!(by_name("codelist(diagnosis_icd10)").passed, "{file}");
        assert!(!report.passed, "{file}");
    }
}

/// Types other readers (Parquet) produce are read by cast or by their text form.
#[test]
fn other_arrow_types() {
    use arrow_array::{
        DictionaryArray, Float32Array, Int32Array, LargeStringArray, TimestampMillisecondArray,
        types::Int32Type,
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("small", DataType::Int32, true),
        Field::new("f32", DataType::Float32, true),
        Field::new("large", DataType::LargeUtf8, true),
        Field::new(
            "dict",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        ),
        Field::new(
            "ms",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
    ]));
    let dict: DictionaryArray<Int32Type> =
        vec![Some("a"), Some("b"), Some("a")].into_iter().collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int32Array::from(vec![Some(1), Some(5), None])) as ArrayRef,
            Arc::new(Float32Array::from(vec![0.5, 1.5, 2.5])),
            Arc::new(LargeStringArray::from(vec!["x1", "y2", "x3"])),
            Arc::new(dict),
            Arc::new(TimestampMillisecondArray::from(vec![0, 86_400_000, 1]).with_timezone("UTC")),
        ],
    )
    .unwrap();
    let suite = Suite::from_toml_str(
        r#"
[[check]]
kind = "range"
column = "small"
max = 4
[[check]]
kind = "in_set"
column = "f32"
values = [0.5, "1.5"]
[[check]]
kind = "regex"
column = "large"
pattern = 'x\d'
[[check]]
kind = "unique"
column = "dict"
[[check]]
kind = "in_set"
column = "dict"
values = ["a"]
[[check]]
kind = "range"
column = "ms"
min = "1970-01-01T00:00:00.001Z"
[[check]]
kind = "expression"
expr = "ms < '1970-01-02' and small * 2 < 4"
"#,
        Path::new("."),
    )
    .unwrap();
    suite.validate(&schema).unwrap();
    let r = run_with(&suite, schema, vec![batch]);
    assert_fails(&r.checks[0], 1, &[2]);
    assert_fails(&r.checks[1], 1, &[3]);
    assert_fails(&r.checks[2], 1, &[2]);
    assert_fails(&r.checks[3], 1, &[3]);
    assert_fails(&r.checks[4], 1, &[2]);
    assert_fails(&r.checks[5], 1, &[1]);
    assert_fails(&r.checks[6], 1, &[2]);
}
