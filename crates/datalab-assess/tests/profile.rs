//! The profile and quality score, recomputed independently from the rows.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datalab_assess::assess::{BatchStream, SourceInfo, assess};
use datalab_assess::profile::ProfileOptions;
use datalab_data::DataError;
use rand::{Rng, SeedableRng};

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("city", DataType::Utf8, true),
        Field::new("age", DataType::Int64, true),
        Field::new("income", DataType::Float64, true),
        Field::new("note", DataType::Utf8, true),
    ]))
}

/// city, age, income, note.
type Row = (Option<String>, Option<i64>, Option<f64>, Option<String>);

/// Rows with nulls, duplicates, a sentinel, an impossible age, an outlier and unit mixing.
fn rows(n: usize) -> Vec<Row> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let cities = ["Malmö", "Aarhus", "Utrecht", "Köln", "Lyon"];
    let mut out = Vec::new();
    for i in 0..n {
        let city = (!rng.random_bool(0.05)).then(|| cities[rng.random_range(0..5)].to_string());
        let age = (!rng.random_bool(0.02)).then(|| rng.random_range(18..90));
        let income = (!rng.random_bool(0.1)).then(|| 20_000.0 + rng.random_range(0..60_000) as f64);
        let note = Some(if i % 10 == 0 {
            format!("{} lb", 100 + i % 50)
        } else {
            format!("{} kg", 50 + i % 40)
        });
        out.push((city, age, income, note));
    }
    out[7].1 = Some(-3);
    out[8].2 = Some(-999.0);
    out[9].2 = Some(10_000_000.0);
    for k in 0..25 {
        out[100 + k] = out[k].clone();
    }
    out
}

fn batches(data: &[Row]) -> Vec<RecordBatch> {
    data.chunks(333)
        .map(|c| {
            let cols: Vec<ArrayRef> = vec![
                Arc::new(c.iter().map(|r| r.0.clone()).collect::<StringArray>()),
                Arc::new(c.iter().map(|r| r.1).collect::<Int64Array>()),
                Arc::new(c.iter().map(|r| r.2).collect::<Float64Array>()),
                Arc::new(c.iter().map(|r| r.3.clone()).collect::<StringArray>()),
            ];
            RecordBatch::try_new(schema(), cols).unwrap()
        })
        .collect()
}

#[test]
fn profile_and_quality_match_a_recount() {
    let data = rows(3000);
    let bs = batches(&data);
    let open = |_: Option<&[String]>| -> Result<(SchemaRef, BatchStream), DataError> {
        Ok((schema(), Box::new(bs.clone().into_iter().map(Ok))))
    };
    let source = SourceInfo {
        kind: "file".into(),
        name: "t".into(),
        version: None,
        container_id: None,
        sha256: None,
    };
    let a = assess(&open, source, None, ProfileOptions::default()).unwrap();
    let p = &a.profile;
    assert_eq!(p.rows, 3000);

    // Nulls and distinct values, recounted.
    let city_nulls = data.iter().filter(|r| r.0.is_none()).count() as u64;
    let city_distinct = data
        .iter()
        .filter_map(|r| r.0.clone())
        .collect::<HashSet<_>>()
        .len() as u64;
    let city = &p.columns[0];
    assert_eq!(
        (city.nulls, city.distinct, city.distinct_exact),
        (city_nulls, city_distinct, true)
    );
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for r in &data {
        if let Some(c) = &r.0 {
            *counts.entry(c).or_default() += 1;
        }
    }
    let top = counts
        .iter()
        .max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k)))
        .unwrap();
    assert_eq!(
        (city.top_values[0].value.as_str(), city.top_values[0].count),
        (*top.0, *top.1)
    );

    // Moments of income, recounted.
    let inc: Vec<f64> = data.iter().filter_map(|r| r.2).collect();
    let mean = inc.iter().sum::<f64>() / inc.len() as f64;
    let sd = (inc.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (inc.len() - 1) as f64).sqrt();
    let n = p.columns[2].numeric.as_ref().unwrap();
    assert!(
        (n.mean - mean).abs() < 1e-6 * mean.abs(),
        "{} vs {mean}",
        n.mean
    );
    assert!((n.stddev - sd).abs() < 1e-6 * sd, "{} vs {sd}", n.stddev);
    let mut sorted = inc.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(n.min, sorted[0]);
    assert_eq!(n.max, *sorted.last().unwrap());
    assert_eq!(
        n.histogram.iter().map(|b| b.count).sum::<u64>(),
        inc.len() as u64
    );

    // Duplicates: rows equal to an earlier row, recounted.
    let mut seen = HashSet::new();
    let dups = data
        .iter()
        .filter(|r| !seen.insert(format!("{r:?}")))
        .count() as u64;
    assert_eq!(p.duplicates.rows, dups);
    assert!(dups >= 25);

    // Findings with example rows that really hold the problem.
    let find = |check: &str, col: &str| {
        p.findings
            .iter()
            .find(|f| f.check == check && f.column.as_deref() == Some(col))
            .unwrap_or_else(|| panic!("no {check} on {col}"))
    };
    // Row 8 holds the impossible age and row 9 the sentinel; rows 108 and 109 copy them.
    let age = find("impossible_age", "age");
    assert_eq!((age.count, age.example_rows.clone()), (2, vec![8, 108]));
    let sentinel = find("sentinel_value", "income");
    assert_eq!(sentinel.example_rows, vec![9, 109]);
    let units = find("mixed_units", "note");
    let lb = data
        .iter()
        .filter(|r| r.3.as_deref().is_some_and(|s| s.ends_with("lb")))
        .count() as u64;
    assert_eq!(units.count, lb);
    for row in &units.example_rows {
        assert!(
            data[*row as usize - 1]
                .3
                .as_deref()
                .unwrap()
                .ends_with("lb")
        );
    }

    // Quality: completeness is exactly 1 − nulls / cells; the outlier is found in pass two.
    let nulls: u64 = p.columns.iter().map(|c| c.nulls).sum();
    let completeness = a
        .quality
        .dimensions
        .iter()
        .find(|d| d.name == "completeness")
        .unwrap();
    let expected = ((100.0 * (1.0 - nulls as f64 / 12_000.0)) * 100.0).round() / 100.0;
    assert_eq!(completeness.score, Some(expected));
    let validity = a
        .quality
        .dimensions
        .iter()
        .find(|d| d.name == "validity")
        .unwrap();
    let outlier = validity
        .checks
        .iter()
        .find(|c| c.check == "outlier" && c.column.as_deref() == Some("income"))
        .expect("outlier found");
    assert!(outlier.example_rows.contains(&10));
    assert!(a.quality.overall > 0.0 && a.quality.overall <= 100.0);
}

#[test]
fn bad_columns_do_not_crash_and_are_described() {
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("empty", DataType::Utf8, true),
        Field::new("junk", DataType::Utf8, true),
        Field::new("long", DataType::Utf8, true),
        Field::new("ids", DataType::Int64, true),
    ]));
    let n = 2000;
    let empty: StringArray = (0..n).map(|_| None::<&str>).collect();
    let junk: StringArray = (0..n)
        .map(|i| {
            Some(if i % 3 == 0 {
                "ok\u{1}\u{fffd}bin"
            } else {
                "fine"
            })
        })
        .collect();
    let long_s = "x".repeat(200_000);
    let long: StringArray = (0..n)
        .map(|i| Some(if i % 700 == 0 { long_s.as_str() } else { "x" }))
        .collect();
    let ids: Int64Array = (0..n as i64).map(Some).collect();
    let b = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(empty),
            Arc::new(junk),
            Arc::new(long),
            Arc::new(ids),
        ],
    )
    .unwrap();
    let open = |_: Option<&[String]>| -> Result<(SchemaRef, BatchStream), DataError> {
        Ok((schema.clone(), Box::new(std::iter::once(Ok(b.clone())))))
    };
    let source = SourceInfo {
        kind: "file".into(),
        name: "bad".into(),
        version: None,
        container_id: None,
        sha256: None,
    };
    let a = assess(&open, source, None, ProfileOptions::default()).unwrap();
    let cols = &a.profile.columns;
    assert!(cols[0].alerts.iter().any(|x| x.starts_with("all_missing")));
    assert_eq!(cols[2].text.as_ref().unwrap().max_length, 200_000);
    assert_eq!(cols[2].distinct, 2);
    assert!(cols[3].unique && cols[3].alerts.iter().any(|x| x.starts_with("unique")));
    let junk = a
        .profile
        .findings
        .iter()
        .find(|f| f.check == "unreadable_text")
        .unwrap();
    assert_eq!(junk.count, (0..n).filter(|i| i % 3 == 0).count() as u64);
    // Ten million distinct values are estimated, not stored: checked here with a small limit.
    let opts = ProfileOptions {
        exact_distinct_limit: 100,
        ..ProfileOptions::default()
    };
    let source = SourceInfo {
        kind: "file".into(),
        name: "bad".into(),
        version: None,
        container_id: None,
        sha256: None,
    };
    let a = assess(&open, source, None, opts).unwrap();
    let ids = &a.profile.columns[3];
    assert!(!ids.distinct_exact);
    assert!(
        (ids.distinct as f64 - 2000.0).abs() < 2000.0 * 0.03,
        "{}",
        ids.distinct
    );
}
