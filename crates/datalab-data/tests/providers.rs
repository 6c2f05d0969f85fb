//! The in-memory and streaming aggregate providers must agree with each other and with a
//! naive recount done here, on generated data with nulls, mappings and sums.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datalab_data::provider::{
    AggregateProvider, GroupBy, GroupQuery, MemoryTable, ParquetProvider, ValueMap,
};
use datalab_data::read::Format;
use datalab_data::write::write_file;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("sex", DataType::Utf8, true),
        Field::new("age", DataType::Int64, true),
        Field::new("born", DataType::Date32, true),
        Field::new("income", DataType::Float64, true),
    ]))
}

/// Random rows in several batches: ~10% nulls in every column.
fn generate(seed: u64, rows: usize, batch: usize) -> Vec<RecordBatch> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut left = rows;
    while left > 0 {
        let n = left.min(batch);
        left -= n;
        let sex: StringArray = (0..n)
            .map(|_| (!rng.random_bool(0.1)).then(|| ["F", "M", "X"][rng.random_range(0..3)]))
            .collect();
        let age: Int64Array = (0..n)
            .map(|_| (!rng.random_bool(0.1)).then(|| rng.random_range(0..100)))
            .collect();
        let born: Date32Array = (0..n)
            .map(|_| (!rng.random_bool(0.1)).then(|| rng.random_range(0..40)))
            .collect();
        let income: Float64Array = (0..n)
            .map(|_| (!rng.random_bool(0.1)).then(|| rng.random_range(0..1000) as f64 * 0.5))
            .collect();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(sex),
            Arc::new(age),
            Arc::new(born),
            Arc::new(income),
        ];
        out.push(RecordBatch::try_new(schema(), cols).unwrap());
    }
    out
}

/// The reference answer, straight from the rows: key labels → (count, income sum).
fn naive(batches: &[RecordBatch], age_band: bool) -> BTreeMap<Vec<Option<String>>, (u64, f64)> {
    let mut m = BTreeMap::new();
    for b in batches {
        let sex = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        let age = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
        let income = b.column(3).as_any().downcast_ref::<Float64Array>().unwrap();
        for r in 0..b.num_rows() {
            let s = (!arrow_array::Array::is_null(sex, r)).then(|| sex.value(r).to_string());
            let a = (!arrow_array::Array::is_null(age, r)).then(|| {
                let v = age.value(r);
                if age_band {
                    format!("{}-{}", v / 10 * 10, v / 10 * 10 + 9)
                } else {
                    v.to_string()
                }
            });
            let e = m.entry(vec![s, a]).or_insert((0u64, 0.0f64));
            e.0 += 1;
            if !arrow_array::Array::is_null(income, r) {
                e.1 += income.value(r);
            }
        }
    }
    m
}

fn age_bands() -> Arc<ValueMap> {
    Arc::new(ValueMap::new((0..100).map(|v: i64| {
        (
            v.to_string(),
            format!("{}-{}", v / 10 * 10, v / 10 * 10 + 9),
        )
    })))
}

fn check(seed: u64, rows: usize, batch: usize) {
    let batches = generate(seed, rows, batch);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_file(
        &path,
        Format::Parquet,
        &schema(),
        batches.iter().cloned().map(Ok),
    )
    .unwrap();
    let mem = MemoryTable::new(schema(), batches.clone());
    // A small streaming batch size forces dictionaries to grow across batches.
    let stream = ParquetProvider::open(&path).unwrap().with_batch_rows(97);
    for banded in [false, true] {
        let age = if banded {
            GroupBy::mapped("age", age_bands())
        } else {
            GroupBy::column("age")
        };
        let q = GroupQuery {
            group_by: vec![GroupBy::column("sex"), age],
            sums: vec!["income".into()],
        };
        let a = mem.group_counts(&q).unwrap();
        let b = stream.group_counts(&q).unwrap();
        assert_eq!(
            a.decoded(),
            b.decoded(),
            "providers disagree (banded={banded})"
        );
        assert_eq!(a.total(), rows as u64);
        let expected = naive(&batches, banded);
        let got: BTreeMap<_, _> = a
            .decoded()
            .into_iter()
            .map(|(k, c, s)| (k, (c, s[0])))
            .collect();
        assert_eq!(got.len(), expected.len());
        for (k, (c, s)) in &expected {
            let (gc, gs) = got[k];
            assert_eq!(gc, *c, "count of {k:?}");
            assert!((gs - s).abs() < 1e-6, "sum of {k:?}: {gs} vs {s}");
        }
    }
}

#[test]
fn providers_agree_with_each_other_and_a_naive_recount() {
    check(7, 5000, 1024);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn providers_agree_on_random_tables(seed in 0u64..1000, rows in 1usize..600, batch in 1usize..200) {
        check(seed, rows, batch);
    }
}

#[test]
fn date_columns_group_by_iso_text_and_codes_are_dense() {
    let batches = generate(3, 2000, 500);
    let mem = MemoryTable::new(schema(), batches);
    let enc = mem.encoded("born").unwrap();
    assert!(
        enc.dictionary
            .values()
            .iter()
            .all(|v| v.starts_with("1970-"))
    );
    let max = enc
        .codes
        .iter()
        .filter(|&&c| c != datalab_data::provider::NULL_CODE)
        .max()
        .unwrap();
    assert_eq!(
        *max as usize + 1,
        enc.dictionary.len(),
        "codes are 0..n without gaps"
    );
}

#[test]
fn mapping_and_column_errors_are_clear() {
    let batches = generate(1, 100, 100);
    let mem = MemoryTable::new(schema(), batches);
    let partial = Arc::new(ValueMap::new([("1".to_string(), "low".to_string())]));
    let e = mem
        .group_counts(&GroupQuery {
            group_by: vec![GroupBy::mapped("age", partial)],
            sums: vec![],
        })
        .err()
        .unwrap();
    assert!(e.to_string().contains("not in its lookup table"), "{e}");
    let e = mem
        .group_counts(&GroupQuery {
            group_by: vec![GroupBy::column("nope")],
            sums: vec![],
        })
        .err()
        .unwrap();
    assert!(e.is_usage() && e.to_string().contains("'nope'"), "{e}");
    let e = mem
        .group_counts(&GroupQuery {
            group_by: vec![GroupBy::column("age")],
            sums: vec!["sex".into()],
        })
        .err()
        .unwrap();
    assert!(e.to_string().contains("not numeric"), "{e}");
}
