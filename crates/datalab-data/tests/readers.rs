//! Every reader, on small files written by the tests themselves, checked cell by cell.

use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use datalab_data::DataError;
use datalab_data::read::{Encoding, HeaderMode, ReadOptions, SchemaOverride, open_table};
use datalab_data::write::write_file;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read(
    path: &Path,
    opts: &ReadOptions,
) -> Result<(RecordBatch, datalab_data::read::ReadReport), DataError> {
    let reader = open_table(path, opts)?;
    let report = reader.report.clone();
    let (schema, batches) = reader.read_all()?;
    Ok((
        arrow_select::concat::concat_batches(&schema, &batches).unwrap(),
        report,
    ))
}

fn strings(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b.column_by_name(col).unwrap();
    a.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn ints(b: &RecordBatch, col: &str) -> Vec<Option<i64>> {
    b.column_by_name(col)
        .unwrap()
        .as_primitive::<Int64Type>()
        .iter()
        .collect()
}

fn types(b: &RecordBatch) -> Vec<DataType> {
    b.schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect()
}

#[test]
fn csv_infers_types_and_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"id,score,ok,born,seen,zip,name\n\
          1,1.5,true,2000-01-02,2020-01-01T10:00:00,01234,Ann\n\
          2,NA,false,,2020-01-01 11:30:00,99999,?\n\
          3,-2e3,TRUE,1999-12-31,2020-01-02T00:00:00,00001,\"Smith, \"\"J\"\"\"\n",
    );
    let (b, report) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(report.delimiter.as_deref(), Some("comma"));
    assert_eq!(report.has_header, Some(true));
    assert_eq!(
        types(&b),
        vec![
            DataType::Int64,
            DataType::Float64,
            DataType::Boolean,
            DataType::Date32,
            DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, None),
            DataType::Utf8,
            DataType::Utf8,
        ]
    );
    assert_eq!(ints(&b, "id"), vec![Some(1), Some(2), Some(3)]);
    let score = b
        .column_by_name("score")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert_eq!(
        (score.value(0), score.is_null(1), score.value(2)),
        (1.5, true, -2000.0)
    );
    let born = b
        .column_by_name("born")
        .unwrap()
        .as_primitive::<Date32Type>();
    assert_eq!(
        (born.value(0), born.is_null(1), born.value(2)),
        (10958, true, 10956)
    );
    let seen = b
        .column_by_name("seen")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    assert_eq!(seen.value(1) - seen.value(0), 90 * 60 * 1_000_000);
    // Postcodes with leading zeros stay text, exactly as written.
    assert_eq!(
        strings(&b, "zip"),
        vec![
            Some("01234".into()),
            Some("99999".into()),
            Some("00001".into())
        ]
    );
    assert_eq!(
        strings(&b, "name"),
        vec![Some("Ann".into()), None, Some("Smith, \"J\"".into())]
    );
}

#[test]
fn semicolon_tab_and_pipe_are_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sep, want) in [
        ("a.csv", ";", "semicolon"),
        ("b.tsv", "\t", "tab"),
        ("c.txt", "|", "pipe"),
    ] {
        let text = format!("x{sep}y{sep}z\n1{sep}a,b{sep}3\n4{sep}c{sep}6\n");
        let p = write(dir.path(), name, text.as_bytes());
        let (b, report) = read(&p, &ReadOptions::default()).unwrap();
        assert_eq!(report.delimiter.as_deref(), Some(want), "{name}");
        assert_eq!(b.num_columns(), 3);
        assert_eq!(ints(&b, "z"), vec![Some(3), Some(6)]);
    }
}

#[test]
fn adult_extract_reads_with_semicolons() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/adult/adult.csv");
    if !p.exists() {
        eprintln!("shared data not present; skipping");
        return;
    }
    let (b, report) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(report.delimiter.as_deref(), Some("semicolon"));
    assert_eq!(b.num_rows(), 30_162);
    assert_eq!(b.num_columns(), 9);
    assert_eq!(
        b.schema().field_with_name("age").unwrap().data_type(),
        &DataType::Int64
    );
}

#[test]
fn quoted_newlines_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "q.csv",
        b"a,b\r\n\"line1\nline2\",2\r\n\"x\",3\r\n",
    );
    let (b, _) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        strings(&b, "a"),
        vec![Some("line1\nline2".into()), Some("x".into())]
    );
    assert_eq!(ints(&b, "b"), vec![Some(2), Some(3)]);
}

#[test]
fn header_detection() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "nohdr.csv",
        b"1,2.5,2020-01-01\n3,4.5,2021-02-03\n",
    );
    let (b, report) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(report.has_header, Some(false));
    assert_eq!(b.num_rows(), 2);
    assert_eq!(b.schema().field(0).name(), "column_1");
    assert_eq!(ints(&b, "column_1"), vec![Some(1), Some(3)]);
    // Forcing a header on the same file takes the first line as names.
    let opts = ReadOptions {
        header: HeaderMode::Present,
        ..ReadOptions::default()
    };
    let (b, _) = read(&p, &opts).unwrap();
    assert_eq!(b.num_rows(), 1);
    assert_eq!(b.schema().field(0).name(), "1");
    // Duplicate and empty header names are made unique.
    let p = write(dir.path(), "dup.csv", b"a,a,\nx,1,2\n");
    let (b, _) = read(
        &p,
        &ReadOptions {
            header: HeaderMode::Present,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    let names: Vec<_> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, vec!["a", "a_2", "column_3"]);
}

#[test]
fn bom_and_latin1_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "bom.csv",
        b"\xEF\xBB\xBFname,n\nJos\xC3\xA9,1\n",
    );
    let (b, report) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        b.schema().field(0).name(),
        "name",
        "the BOM is not part of the first name"
    );
    assert_eq!(strings(&b, "name"), vec![Some("José".into())]);
    assert!(report.warnings.is_empty());

    let p = write(dir.path(), "latin1.csv", b"name,city\nJos\xE9,Malm\xF6\n");
    let (b, report) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(report.encoding, Some(Encoding::Latin1));
    assert_eq!(report.warnings.len(), 1, "the fallback is announced");
    assert!(report.warnings[0].contains("Latin-1"));
    assert_eq!(strings(&b, "city"), vec![Some("Malmö".into())]);
}

#[test]
fn invalid_utf8_after_the_sample_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"id,name\n".to_vec();
    for i in 0..5000 {
        text.extend_from_slice(format!("{i},plain\n").as_bytes());
    }
    text.extend_from_slice(b"5000,bad\xFFbyte\n");
    let p = write(dir.path(), "late.csv", &text);
    let opts = ReadOptions {
        infer_rows: Some(100),
        ..ReadOptions::default()
    };
    // Small sample window so the bad byte lies beyond the sniffed part.
    let err = read(&p, &opts).err().map(|e| e.to_string());
    if let Some(msg) = err {
        assert!(
            msg.contains("line 5002") && msg.contains("'name'") && msg.contains("UTF-8"),
            "{msg}"
        );
    } else {
        // The sniffing sample covered the bad byte: then the file is read as Latin-1 with a warning.
        let (_, report) = read(&p, &opts).unwrap();
        assert_eq!(report.encoding, Some(Encoding::Latin1));
    }
}

#[test]
fn gzip_csv_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let gz = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(&p).unwrap(),
            flate2::Compression::fast(),
        );
        e.write_all(bytes).unwrap();
        e.finish().unwrap();
        p
    };
    let p = gz("t.csv.gz", b"a;b\n1;x\n2;y\n");
    let (b, report) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(report.compression, datalab_data::read::Compression::Gzip);
    assert_eq!(ints(&b, "a"), vec![Some(1), Some(2)]);
    let p = gz("t.jsonl.gz", b"{\"a\":1}\n{\"a\":2}\n");
    let (b, _) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(ints(&b, "a"), vec![Some(1), Some(2)]);
}

#[test]
fn jsonl_types_nulls_and_nested_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.jsonl",
        br#"{"id": 1, "name": "Ann", "score": 1.5, "ok": true, "born": "2000-01-02", "tags": ["a", "b"]}
{"id": 2, "name": null, "score": 2, "ok": false, "born": "1999-12-31"}

{"id": 3, "name": "NA", "score": null, "ok": null, "born": null, "tags": {"k": 1}}
"#,
    );
    let (b, _) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        types(&b),
        vec![
            DataType::Int64,
            DataType::Utf8,
            DataType::Float64,
            DataType::Boolean,
            DataType::Date32,
            DataType::Utf8
        ]
    );
    // JSON has real nulls: the string "NA" is data, not a null token.
    assert_eq!(
        strings(&b, "name"),
        vec![Some("Ann".into()), None, Some("NA".into())]
    );
    assert_eq!(
        strings(&b, "tags"),
        vec![Some("[\"a\",\"b\"]".into()), None, Some("{\"k\":1}".into())]
    );
}

#[test]
fn jsonl_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.jsonl", b"{\"a\":1}\n{\"a\":2\n{\"a\":3}\n");
    let msg = read(&p, &ReadOptions::default()).err().unwrap().to_string();
    assert!(
        msg.contains("line 2") && msg.contains("not valid JSON"),
        "{msg}"
    );
    let opts = ReadOptions {
        skip_bad_rows: true,
        ..ReadOptions::default()
    };
    let reader = open_table(&p, &opts).unwrap();
    let mut reader = reader;
    let mut rows = 0;
    while let Some(b) = reader.next_batch().unwrap() {
        rows += b.num_rows();
    }
    let (_, skipped) = reader.finish().unwrap();
    assert_eq!((rows, skipped.count), (2, 1));
    assert_eq!(skipped.examples[0].line, 2);
    let p = write(dir.path(), "array.jsonl", b"[1,2]\n");
    assert!(
        read(&p, &ReadOptions::default())
            .err()
            .unwrap()
            .to_string()
            .contains("array")
    );
}

#[test]
fn null_tokens_are_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "n.csv", b"a,b\n1,-\n?,x\n3,NA\n");
    let (b, _) = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(ints(&b, "a"), vec![Some(1), None, Some(3)]);
    assert_eq!(
        strings(&b, "b"),
        vec![Some("-".into()), Some("x".into()), None]
    );
    let opts = ReadOptions {
        null_tokens: vec!["-".into()],
        ..ReadOptions::default()
    };
    let (b, _) = read(&p, &opts).unwrap();
    assert_eq!(
        strings(&b, "a"),
        vec![Some("1".into()), Some("?".into()), Some("3".into())]
    );
    assert_eq!(
        strings(&b, "b"),
        vec![None, Some("x".into()), Some("NA".into())]
    );
}

#[test]
fn schema_override_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "o.csv",
        b"code,when,n\n123,31/12/2020,5\n456,01/01/2021,6\n",
    );
    let toml = write(
        dir.path(),
        "schema.toml",
        b"[columns]\ncode = \"string\"\nwhen = { type = \"date\", format = \"%d/%m/%Y\" }\nn = \"float\"\n",
    );
    let opts = ReadOptions {
        schema_override: Some(SchemaOverride::from_file(&toml).unwrap()),
        ..ReadOptions::default()
    };
    let (b, report) = read(&p, &opts).unwrap();
    assert_eq!(
        types(&b),
        vec![DataType::Utf8, DataType::Date32, DataType::Float64]
    );
    assert_eq!(report.overridden_columns, vec!["code", "n", "when"]);
    let when = b
        .column_by_name("when")
        .unwrap()
        .as_primitive::<Date32Type>();
    assert_eq!(when.value(1) - when.value(0), 1);

    let toml = write(dir.path(), "bad.toml", b"[columns]\nnope = \"string\"\n");
    let opts = ReadOptions {
        schema_override: Some(SchemaOverride::from_file(&toml).unwrap()),
        ..ReadOptions::default()
    };
    let e = read(&p, &opts).err().unwrap();
    assert!(
        e.is_usage() && e.to_string().contains("'nope'") && e.to_string().contains("code, when, n"),
        "{e}"
    );
    let toml = write(dir.path(), "badtype.toml", b"[columns]\ncode = \"money\"\n");
    let e = SchemaOverride::from_file(&toml).err().unwrap();
    assert!(e.to_string().contains("'money'"), "{e}");
}

#[test]
fn a_cell_that_breaks_the_inferred_type_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"id,age\n".to_vec();
    for i in 0..50 {
        text.extend_from_slice(format!("{i},{}\n", 20 + i).as_bytes());
    }
    text.extend_from_slice(b"50,unknown\n");
    let p = write(dir.path(), "late.csv", &text);
    let opts = ReadOptions {
        infer_rows: Some(10),
        ..ReadOptions::default()
    };
    let e = read(&p, &opts).err().unwrap().to_string();
    assert!(
        e.contains("line 52") && e.contains("'age'") && e.contains("'unknown'"),
        "{e}"
    );
    // Inferring from the whole file finds the text and keeps the column as strings.
    let opts = ReadOptions {
        infer_rows: None,
        ..ReadOptions::default()
    };
    let (b, _) = read(&p, &opts).unwrap();
    assert_eq!(b.schema().field(1).data_type(), &DataType::Utf8);
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = ReadOptions::default();
    let e = read(&write(dir.path(), "empty.csv", b""), &o)
        .err()
        .unwrap();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = read(&write(dir.path(), "blank.csv", b"\n\n  \n"), &o)
        .err()
        .unwrap();
    assert!(e.to_string().contains("no data"), "{e}");
    let e = read(&write(dir.path(), "hdr.csv", b"name,age\n"), &o)
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("header") && e.to_string().contains("no data rows"),
        "{e}"
    );
    let e = read(&dir.path().join("missing.csv"), &o).err().unwrap();
    assert!(
        e.is_usage() && e.to_string().contains("no such file"),
        "{e}"
    );
    let e = read(&write(dir.path(), "data.xlsx", b"a,b\n1,2\n"), &o)
        .err()
        .unwrap();
    assert!(
        e.is_usage() && e.to_string().contains("unknown file extension '.xlsx'"),
        "{e}"
    );
    let e = read(&write(dir.path(), "z.csv", b"PK\x03\x04rest"), &o)
        .err()
        .unwrap();
    assert!(e.to_string().contains("zip"), "{e}");
    let e = read(
        &write(dir.path(), "u16.csv", b"\xFF\xFEa\x00,\x00b\x00\n\x00"),
        &o,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("UTF-16"), "{e}");
}

#[test]
fn ragged_rows_fail_with_line_or_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "r.csv",
        b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n\n13,14,15\n",
    );
    let e = read(&p, &ReadOptions::default()).err().unwrap().to_string();
    assert!(
        e.contains("line 3") && e.contains("expected 3 fields, found 2"),
        "{e}"
    );
    let opts = ReadOptions {
        skip_bad_rows: true,
        ..ReadOptions::default()
    };
    let mut reader = open_table(&p, &opts).unwrap();
    let mut a = Vec::new();
    while let Some(b) = reader.next_batch().unwrap() {
        a.extend(ints(&b, "a"));
    }
    let (_, skipped) = reader.finish().unwrap();
    assert_eq!(a, vec![Some(1), Some(6), Some(13)]);
    assert_eq!(skipped.count, 2);
    assert_eq!(
        skipped.examples.iter().map(|s| s.line).collect::<Vec<_>>(),
        vec![3, 5]
    );
}

#[test]
fn batches_are_bounded_and_digest_covers_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"i,s\n".to_vec();
    for i in 0..10_000 {
        text.extend_from_slice(format!("{i},row{i}\n").as_bytes());
    }
    let p = write(dir.path(), "big.csv", &text);
    let opts = ReadOptions {
        batch_rows: 1000,
        ..ReadOptions::default()
    };
    let mut reader = open_table(&p, &opts).unwrap();
    let mut n = 0;
    let mut sum = 0i64;
    while let Some(b) = reader.next_batch().unwrap() {
        assert!(b.num_rows() <= 1000);
        n += b.num_rows();
        sum += ints(&b, "i").iter().map(|v| v.unwrap()).sum::<i64>();
    }
    assert_eq!((n, sum), (10_000, 49_995_000));
    let (digest, _) = reader.finish().unwrap();
    let expected = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&text))
    };
    assert_eq!((digest.sha256, digest.bytes), (expected, text.len() as u64));
}

#[test]
fn writers_round_trip_through_the_readers() {
    let dir = tempfile::tempdir().unwrap();
    let src = write(
        dir.path(),
        "src.csv",
        b"id,name,score,ok,born,seen\n1,\"Ann, B\",1.5,true,2000-01-02,2020-01-01T10:00:00\n2,,,,,\n3,Zoe,-7.25,false,1970-01-01,1999-12-31T23:59:59.5\n",
    );
    let (orig, _) = read(&src, &ReadOptions::default()).unwrap();
    for (name, format) in [
        ("out.csv", datalab_data::read::Format::Csv),
        ("out.parquet", datalab_data::read::Format::Parquet),
        ("out.jsonl", datalab_data::read::Format::Jsonl),
    ] {
        let out = dir.path().join(name);
        let rows = write_file(&out, format, &orig.schema(), [Ok(orig.clone())]).unwrap();
        assert_eq!(rows, 3);
        let (back, _) = read(&out, &ReadOptions::default()).unwrap();
        assert_eq!(back.schema(), orig.schema(), "{name}: schema");
        assert_eq!(back, orig, "{name}: data");
    }
}
