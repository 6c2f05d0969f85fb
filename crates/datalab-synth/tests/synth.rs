//! Library tests of the synthesizers: types round-trip, determinism, DP accounting checked by
//! recomputation, no memorisation, no records in the model file.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, NullArray, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datalab_synth::constraints::{Constraint, parse_range, parse_rule};
use datalab_synth::evaluate::{EvalOptions, evaluate};
use datalab_synth::{DpOptions, FitOptions, fit_dp, fit_non_dp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A table of every supported type, with nulls, an all-null and a single-value column.
fn mixed(n: usize, seed: u64) -> (SchemaRef, Vec<RecordBatch>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let colors = ["red", "green", "blue", "black"];
    let mut color = Vec::new();
    let mut age = Vec::new();
    let mut income = Vec::new();
    let mut start = Vec::new();
    let mut end = Vec::new();
    let mut ts = Vec::new();
    let mut flag = Vec::new();
    let mut id = Vec::new();
    for i in 0..n {
        let c = rng.random_range(0..4);
        color.push(if rng.random_bool(0.1) {
            None
        } else {
            Some(colors[c])
        });
        let a: i64 = 18 + rng.random_range(0..60) + c as i64 * 3;
        age.push(Some(a));
        income.push(if rng.random_bool(0.05) {
            None
        } else {
            Some(((a as f64) * 812.37 + rng.random_range(0.0..5000.0) * 100.0).round() / 100.0)
        });
        let s = 18_000 + rng.random_range(0..2000);
        start.push(Some(s));
        end.push(Some(s + rng.random_range(0..400)));
        ts.push(Some(
            1_600_000_000_000_000i64 + rng.random_range(0..1_000_000_000_000i64),
        ));
        flag.push(Some(a > 50));
        id.push(format!("P{:06}", i * 7 + 3));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("color", DataType::Utf8, true),
        Field::new("age", DataType::Int64, true),
        Field::new("income", DataType::Float64, true),
        Field::new("start", DataType::Date32, true),
        Field::new("end", DataType::Date32, true),
        Field::new(
            "seen",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            true,
        ),
        Field::new("flag", DataType::Boolean, true),
        Field::new("empty", DataType::Utf8, true),
        Field::new("constant", DataType::Utf8, true),
        Field::new("nothing", DataType::Null, true),
    ]));
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(id)),
        Arc::new(StringArray::from(color)),
        Arc::new(Int64Array::from(age)),
        Arc::new(Float64Array::from(income)),
        Arc::new(Date32Array::from(start)),
        Arc::new(Date32Array::from(end)),
        Arc::new(TimestampMicrosecondArray::from(ts)),
        Arc::new(BooleanArray::from(flag)),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
        Arc::new(StringArray::from(vec![Some("same"); n])),
        Arc::new(NullArray::new(n)),
    ];
    let b = RecordBatch::try_new(schema.clone(), arrays).unwrap();
    (schema, vec![b])
}

fn opts() -> FitOptions {
    FitOptions {
        identifiers: vec!["id".into()],
        ..FitOptions::default()
    }
}

fn concat(batches: &[RecordBatch], col: usize) -> Vec<ArrayRef> {
    batches.iter().map(|b| b.column(col).clone()).collect()
}

/// `dp`: in DP mode noisy marginals may give a small mass to the null state of a column that
/// had no nulls, so nulls may appear where the input had none.
fn check_round_trip(schema: &SchemaRef, batches: &[RecordBatch], rows: u64, dp: bool) {
    // Same names and types as the input.
    assert_eq!(batches[0].schema().fields().len(), schema.fields().len());
    for (a, b) in batches[0].schema().fields().iter().zip(schema.fields()) {
        assert_eq!(a.name(), b.name());
        assert_eq!(a.data_type(), b.data_type(), "column {}", a.name());
    }
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(n as u64, rows);
    // All-null columns stay null; the single-value column keeps its value.
    for a in concat(batches, 8) {
        assert_eq!(a.null_count(), a.len());
    }
    for a in concat(batches, 10) {
        assert_eq!(a.data_type(), &DataType::Null);
    }
    for a in concat(batches, 9) {
        let s = a.as_string::<i32>();
        if dp {
            // Every value present is the one value; nulls (from noise) stay rare.
            assert!(s.iter().flatten().all(|v| v == "same"));
            assert!(s.null_count() * 10 < s.len(), "{} nulls", s.null_count());
        } else {
            assert!(s.iter().all(|v| v == Some("same")));
        }
    }
    // Fresh ids, none equal to a real one.
    for a in concat(batches, 0) {
        let s = a.as_string::<i32>();
        assert!(s.iter().all(|v| v.is_some_and(|x| x.starts_with("syn-"))));
    }
}

#[test]
fn every_type_round_trips_without_dp() {
    let (schema, batches) = mixed(3000, 1);
    let model = fit_non_dp(&schema, &batches, &opts()).unwrap();
    let (_, out, _) = model.sample(2500, 7, 1000).unwrap();
    check_round_trip(&schema, &out, 2500, false);
    // Values stay in the input's ranges; nulls appear about as often.
    let ages: Vec<i64> = out
        .iter()
        .flat_map(|b| {
            b.column(2)
                .as_primitive::<Int64Type>()
                .iter()
                .flatten()
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(ages.iter().all(|&a| (18..=87).contains(&a)));
    let color_nulls: usize = out.iter().map(|b| b.column(1).null_count()).sum();
    assert!(
        (150..=350).contains(&color_nulls),
        "{color_nulls} null colours of 2500"
    );
    let incomes: Vec<f64> = out
        .iter()
        .flat_map(|b| {
            b.column(3)
                .as_primitive::<Float64Type>()
                .iter()
                .flatten()
                .collect::<Vec<_>>()
        })
        .collect();
    // Two decimals, like the input.
    assert!(
        incomes
            .iter()
            .all(|x| ((x * 100.0) - (x * 100.0).round()).abs() < 1e-6)
    );
}

#[test]
fn every_type_round_trips_with_dp() {
    let (schema, batches) = mixed(3000, 2);
    let model = fit_dp(
        &schema,
        &batches,
        &opts(),
        &DpOptions {
            epsilon: 2.0,
            delta: 1e-6,
            max_rows_per_subject: 1,
            bins: 16,
        },
    )
    .unwrap();
    let (_, out, _) = model.sample(1000, 3, 400).unwrap();
    // The single-value column is released (3000 identical values clear any threshold).
    check_round_trip(&schema, &out, 1000, true);
}

#[test]
fn same_seed_same_output() {
    let (schema, batches) = mixed(1500, 3);
    let a = fit_non_dp(&schema, &batches, &opts()).unwrap();
    let b = fit_non_dp(&schema, &batches, &opts()).unwrap();
    assert_eq!(a, b);
    let (_, x, _) = a.sample(800, 11, 300).unwrap();
    let (_, y, _) = b.sample(800, 11, 300).unwrap();
    assert_eq!(x, y);
    let (_, z, _) = b.sample(800, 12, 300).unwrap();
    assert_ne!(x, z);
    // DP: the noise is not seeded, but sampling from one DP model is.
    let m = fit_dp(
        &schema,
        &batches,
        &opts(),
        &DpOptions {
            epsilon: 1.0,
            delta: 1e-6,
            max_rows_per_subject: 1,
            bins: 16,
        },
    )
    .unwrap();
    assert_eq!(
        m.sample(500, 5, 100).unwrap().1,
        m.sample(500, 5, 100).unwrap().1
    );
}

/// ε of zCDP ρ at δ by the textbook bound (Bun & Steinke 2016): an upper bound on OpenDP's.
fn textbook_epsilon(rho: f64, delta: f64) -> f64 {
    rho + 2.0 * (rho * (1.0 / delta).ln()).sqrt()
}

#[test]
fn dp_budget_is_accounted_independently() {
    let (schema, batches) = mixed(2000, 4);
    for &(eps, delta) in &[(1.0, 1e-6), (0.3, 1e-5), (4.0, 1e-7)] {
        let m = fit_dp(
            &schema,
            &batches,
            &opts(),
            &DpOptions {
                epsilon: eps,
                delta,
                max_rows_per_subject: 1,
                bins: 16,
            },
        )
        .unwrap();
        let p = m.privacy.clone().unwrap();
        // Recompute every Gaussian release's ρ from its noise scale: ρ = Δ²/(2σ²).
        let mut rho = 0.0;
        let mut delta0 = 0.0;
        for e in &p.ledger.entries {
            let r = match e.mechanism.as_str() {
                "gaussian" | "gaussian-threshold" => {
                    e.sensitivity.powi(2) / (2.0 * e.scale * e.scale)
                }
                // Noisy max with Gumbel noise of scale s is (2Δ/s)-DP for non-monotone scores,
                // hence ε²/8-zCDP (bounded range; Cesar & Rogers 2021).
                "noisy-max" => (2.0 * e.sensitivity / e.scale).powi(2) / 8.0,
                other => panic!("unknown mechanism {other}"),
            };
            assert!(
                (r - e.rho).abs() <= 1e-6 * r,
                "{}: recomputed ρ {r} vs ledger {}",
                e.release,
                e.rho
            );
            rho += r;
            delta0 += e.delta;
        }
        assert!((rho - p.rho).abs() <= 1e-9 * rho.max(1.0));
        assert!(p.rho >= rho, "ledger sums must round up");
        assert!(delta0 <= delta / 2.0 + 1e-18);
        // Total never above the request, and most of it used.
        assert!(p.epsilon_spent <= eps, "{} > {eps}", p.epsilon_spent);
        assert!(
            p.epsilon_spent >= 0.99 * eps,
            "{} far below {eps}",
            p.epsilon_spent
        );
        // OpenDP's conversion is at least as tight as the textbook one.
        assert!(p.epsilon_spent <= textbook_epsilon(rho, delta - delta0) + 1e-9);
        assert!(p.statement.contains("one row"));
    }
}

#[test]
fn dp_rejects_bad_budgets() {
    let (schema, batches) = mixed(200, 5);
    for (e, d) in [
        (0.0, 1e-6),
        (-1.0, 1e-6),
        (1.0, 0.0),
        (1.0, 1.0),
        (f64::NAN, 1e-6),
    ] {
        let r = fit_dp(
            &schema,
            &batches,
            &opts(),
            &DpOptions {
                epsilon: e,
                delta: d,
                max_rows_per_subject: 1,
                bins: 16,
            },
        );
        assert!(r.is_err_and(|x| x.is_usage()), "ε {e} δ {d}");
    }
}

#[test]
fn dp_with_subjects_bounds_contributions() {
    let (schema, batches) = mixed(1200, 6);
    // Each "color" value as a subject would be absurd; use flag as the subject id column with
    // at most 3 rows per subject: only 2-3 subjects remain, so at most 9 rows are used.
    let o = FitOptions {
        subject: Some("constant".into()),
        ..opts()
    };
    let m = fit_dp(
        &schema,
        &batches,
        &o,
        &DpOptions {
            epsilon: 1.0,
            delta: 1e-6,
            max_rows_per_subject: 3,
            bins: 16,
        },
    )
    .unwrap();
    let p = m.privacy.unwrap();
    assert!(p.unit.contains("constant") && p.unit.contains("3 row"));
    assert!(p.ledger.entries.iter().all(|e| e.sensitivity == 3.0));
    assert!(
        m.rows < 200,
        "noisy row count {} should reflect ≤ 3 kept rows",
        m.rows
    );
}

#[test]
fn constraints_hold_in_the_output() {
    let (schema, batches) = mixed(2000, 7);
    let o = FitOptions {
        constraints: vec![
            parse_rule("start <= end").unwrap(),
            parse_range("age=20:60").unwrap(),
        ],
        fixed_from_data: vec![vec!["color".into(), "flag".into()]],
        ..opts()
    };
    let m = fit_non_dp(&schema, &batches, &o).unwrap();
    assert!(
        m.constraints
            .iter()
            .any(|c| matches!(c, Constraint::Fixed { .. }))
    );
    let (_, out, stats) = m.sample(2000, 1, 2000).unwrap();
    let b = &out[0];
    let s = b.column(4).as_primitive::<arrow_array::types::Date32Type>();
    let e = b.column(5).as_primitive::<arrow_array::types::Date32Type>();
    for i in 0..b.num_rows() {
        assert!(s.value(i) <= e.value(i));
        let a = b.column(2).as_primitive::<Int64Type>().value(i);
        assert!((20..=60).contains(&a), "age {a}");
    }
    assert!(
        stats.resampled_rows > 0,
        "the age range must have rejected some rows"
    );
}

/// A table drawn from a fixed distribution with enough combinations that copying would show.
fn population(n: usize, seed: u64) -> (SchemaRef, Vec<RecordBatch>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cols = 6;
    let mut data: Vec<Vec<String>> = vec![Vec::new(); cols];
    for _ in 0..n {
        let base = rng.random_range(0..6u32);
        for (c, col) in data.iter_mut().enumerate() {
            let v = if rng.random_bool(0.6) {
                (base + c as u32) % 6
            } else {
                rng.random_range(0..6)
            };
            col.push(format!("v{v}"));
        }
    }
    let schema = Arc::new(Schema::new(
        (0..cols)
            .map(|c| Field::new(format!("c{c}"), DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = data
        .into_iter()
        .map(|v| Arc::new(StringArray::from(v)) as ArrayRef)
        .collect();
    (
        schema.clone(),
        vec![RecordBatch::try_new(schema, arrays).unwrap()],
    )
}

#[test]
fn exact_matches_with_training_rows_are_no_likelier_than_with_holdout_rows() {
    let train = population(3000, 10);
    let hold = population(3000, 11);
    let m = fit_non_dp(&train.0, &train.1, &FitOptions::default()).unwrap();
    let (s, b, _) = m.sample(3000, 1, 3000).unwrap();
    let synth = (s, b);
    let r = evaluate(
        &train,
        &synth,
        Some(&hold),
        &EvalOptions {
            target: None,
            seed: 1,
        },
    )
    .unwrap();
    let (t, h) = (
        r.privacy.exact_match_train,
        r.privacy.exact_match_holdout.unwrap(),
    );
    // Binomial standard error of the difference of two rates on 3000 rows.
    let se = ((t * (1.0 - t) + h * (1.0 - h)) / 3000.0).sqrt();
    assert!(
        t > 0.05,
        "the check needs matches to be common enough ({t})"
    );
    assert!(t <= h + 3.0 * se, "exact matches: train {t}, holdout {h}");
    assert!(r.privacy.mia_advantage.unwrap() < 0.1, "{:?}", r.privacy);
    // A copy of the training data is caught by the same measures.
    let r2 = evaluate(
        &train,
        &train,
        Some(&hold),
        &EvalOptions {
            target: None,
            seed: 1,
        },
    )
    .unwrap();
    assert!(r2.privacy.exact_match_train > r2.privacy.exact_match_holdout.unwrap() + 3.0 * se);
    assert!(r2.privacy.mia_advantage.unwrap() > 0.2);
}

/// Every JSON array of strings in `v`.
fn string_arrays(v: &serde_json::Value, out: &mut Vec<Vec<String>>) {
    match v {
        serde_json::Value::Array(a) => {
            out.push(
                a.iter()
                    .map(|x| match x {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            );
            for x in a {
                string_arrays(x, out);
            }
        }
        serde_json::Value::Object(o) => {
            for x in o.values() {
                string_arrays(x, out);
            }
        }
        _ => {}
    }
}

fn contains_run(hay: &[String], row: &[String]) -> bool {
    hay.windows(row.len()).any(|w| w == row)
}

#[test]
fn model_file_holds_no_input_row() {
    let (schema, batches) = mixed(400, 8);
    let model = fit_non_dp(&schema, &batches, &opts()).unwrap();
    let text = String::from_utf8(model.to_json().unwrap()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut arrays = Vec::new();
    string_arrays(&json, &mut arrays);
    let b = &batches[0];
    // Rows as text: id, colour, age, income (the columns with row-level detail).
    let fmt =
        |c: usize, i: usize| arrow_cast::display::array_value_to_string(b.column(c), i).unwrap();
    let mut checked = 0;
    for i in 0..b.num_rows() {
        let row: Vec<String> = [0, 1, 2, 3].iter().map(|&c| fmt(c, i)).collect();
        for sep in [",", ";", "\t", "\",\"", "\", \""] {
            assert!(
                !text.contains(&row.join(sep)),
                "row {i} appears in the model"
            );
        }
        for k in 2..=row.len() {
            for w in row.windows(k) {
                assert!(
                    !arrays.iter().any(|a| contains_run(a, w)),
                    "row {i} values {w:?} appear as a run"
                );
            }
        }
        // The identifier never appears at all.
        assert!(!text.contains(&row[0]), "id {} in the model", row[0]);
        checked += 1;
    }
    assert_eq!(checked, 400);
    // The check can fail: a model that stored a row would be caught.
    let row: Vec<String> = [1, 2].iter().map(|&c| fmt(c, 0)).collect();
    let leaked = [vec!["x".to_string(), row[0].clone(), row[1].clone()]];
    assert!(leaked.iter().any(|a| contains_run(a, &row)));
}

#[test]
fn non_dp_fidelity_on_adult() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/adult/adult.csv");
    if !path.exists() {
        eprintln!("skipped: {} not found", path.display());
        return;
    }
    let (schema, batches) = datalab_data::read::open_table(&path, &Default::default())
        .unwrap()
        .read_all()
        .unwrap();
    let m = fit_non_dp(&schema, &batches, &FitOptions::default()).unwrap();
    let (s, b, _) = m.sample(30_162, 1, 65_536).unwrap();
    let real = (schema, batches);
    let r = evaluate(
        &real,
        &(s, b),
        None,
        &EvalOptions {
            target: None,
            seed: 0,
        },
    )
    .unwrap();
    assert!(r.scores.column_shapes > 0.97, "{:?}", r.scores);
    assert!(r.scores.column_pairs > 0.85, "{:?}", r.scores);
}
