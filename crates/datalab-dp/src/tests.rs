//! Statistical checks of the releases, independent of the code that calibrates them: the
//! expected noise scale is recomputed from ρ and the sensitivity (σ² = Δ² / (2ρ) for the
//! Gaussian mechanism under ρ-zCDP), and many releases on a fixed dataset are compared with it.
//! OpenDP's sampler is cryptographic and cannot be seeded, so the tests use many draws and
//! tolerances of about 6 standard errors (false-failure probability < 1e-8 per check).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use crate::exec::{Options, Plan};
use crate::spec::{Aggregate, Bounds};
use crate::{mech, sql};

/// `n` rows: pid (subject), x (integer 0..99), y (float), g (A/B/C, C rare).
fn table(rows: &[(String, i64, f64, &str)]) -> (Schema, RecordBatch) {
    let schema = Schema::new(vec![
        Field::new("pid", DataType::Utf8, false),
        Field::new("x", DataType::Int64, true),
        Field::new("y", DataType::Float64, true),
        Field::new("g", DataType::Utf8, true),
    ]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.0.clone()),
        )),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.3))),
    ];
    let b = RecordBatch::try_new(Arc::new(schema.clone()), cols).unwrap();
    (schema, b)
}

fn simple(n: usize) -> (Schema, RecordBatch) {
    let rows: Vec<_> = (0..n)
        .map(|i| {
            (
                format!("p{i}"),
                (i % 100) as i64,
                (i % 7) as f64 * 0.5,
                if i % 2000 == 0 {
                    "C"
                } else if i % 2 == 0 {
                    "A"
                } else {
                    "B"
                },
            )
        })
        .collect();
    table(&rows)
}

fn opts() -> Options {
    Options {
        max_rows_per_subject: 1,
        selection_delta: 1e-7,
        ..Options::default()
    }
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0),
    )
}

/// Variance of `draws` releases of aggregate 0..k; returns per-aggregate (mean, var).
fn draws(plan: &Plan, b: &RecordBatch, n: usize) -> Vec<Vec<f64>> {
    let exact = plan.compute(std::iter::once(Ok(b.clone()))).unwrap();
    let mut out: Vec<Vec<f64>> = vec![Vec::new(); plan.spec.select.len()];
    for _ in 0..n {
        let g = exact.clone().release(plan, 0.05).unwrap();
        for (i, a) in g[0].values.iter().enumerate() {
            out[i].push(a.value.unwrap());
        }
    }
    out
}

#[test]
fn count_and_sum_variance_match_rho_and_sensitivity() {
    let (schema, b) = simple(1000);
    let spec = sql::parse("SELECT COUNT(*), SUM(CLAMP(x, 0, 50)) FROM t").unwrap();
    let rho = mech::rho_for(1.0, 0.0, 1e-6).unwrap();
    let plan = Plan::new(spec, &schema, &opts(), rho).unwrap();
    assert!(plan.rho <= rho);
    // Two releases with ρ/2 each: σ² = Δ²/(2·ρ/2) = Δ²/ρ.
    let var_count = 1.0 / rho;
    let var_sum = 50.0 * 50.0 / rho;
    let n = 4000;
    let d = draws(&plan, &b, n);
    let exact_sum: f64 = (0..1000).map(|i| ((i % 100) as f64).min(50.0)).sum();
    let (m, v) = mean_var(&d[0]);
    let se_var = (2.0 / (n as f64 - 1.0)).sqrt(); // relative standard error of a sample variance
    assert!(
        (v / var_count - 1.0).abs() < 6.0 * se_var,
        "count var {v} vs {var_count}"
    );
    assert!(
        (m - 1000.0).abs() < 6.0 * (var_count / n as f64).sqrt(),
        "count mean {m}"
    );
    let (m, v) = mean_var(&d[1]);
    assert!(
        (v / var_sum - 1.0).abs() < 6.0 * se_var,
        "sum var {v} vs {var_sum}"
    );
    assert!(
        (m - exact_sum).abs() < 6.0 * (var_sum / n as f64).sqrt(),
        "sum mean {m} vs {exact_sum}"
    );
}

#[test]
fn confidence_intervals_cover_about_95_percent() {
    let (schema, b) = simple(1000);
    let spec = sql::parse("SELECT COUNT(*), AVG(CLAMP(y, 0, 4)) FROM t").unwrap();
    let rho = mech::rho_for(0.5, 0.0, 1e-6).unwrap();
    let plan = Plan::new(spec, &schema, &opts(), rho).unwrap();
    let exact = plan.compute(std::iter::once(Ok(b.clone()))).unwrap();
    let true_avg: f64 = (0..1000).map(|i| (i % 7) as f64 * 0.5).sum::<f64>() / 1000.0;
    let (mut hit_c, mut hit_a) = (0, 0);
    let n = 2000;
    for _ in 0..n {
        let g = exact.clone().release(&plan, 0.05).unwrap();
        let [lo, hi] = g[0].values[0].ci95.unwrap();
        hit_c += usize::from(lo <= 1000.0 && 1000.0 <= hi);
        let [lo, hi] = g[0].values[1].ci95.unwrap();
        hit_a += usize::from(lo <= true_avg && true_avg <= hi);
    }
    // Coverage ≥ 95 % (binomial standard error ≈ 0.5 %); the discrete Gaussian bound is exact-ish.
    assert!(hit_c as f64 / n as f64 > 0.93, "count coverage {hit_c}/{n}");
    assert!(
        (hit_c as f64 / n as f64) < 0.98,
        "count interval too wide: {hit_c}/{n}"
    );
    assert!(hit_a as f64 / n as f64 > 0.93, "avg coverage {hit_a}/{n}");
}

#[test]
fn a_subject_with_1000_rows_contributes_at_most_its_bound() {
    // One subject with 1,000 rows of x = 99, and 1,000 subjects with one row of x = 1.
    let mut rows: Vec<(String, i64, f64, &str)> = (0..1000)
        .map(|_| ("heavy".to_string(), 99, 0.0, "A"))
        .collect();
    rows.extend((0..1000).map(|i| (format!("s{i}"), 1, 0.0, "A")));
    let (schema, b) = table(&rows);
    let mut o = opts();
    o.subject = Some("pid".into());
    o.max_rows_per_subject = 3;
    let spec =
        sql::parse("SELECT COUNT(*), SUM(CLAMP(x, 0, 100)), COUNT(DISTINCT pid) FROM t").unwrap();
    let rho = mech::rho_for(2.0, 0.0, 1e-6).unwrap();
    let plan = Plan::new(spec, &schema, &o, rho).unwrap();
    let exact = plan.compute(std::iter::once(Ok(b.clone()))).unwrap();
    assert_eq!(exact.exact_rows(), vec![(String::new(), 1003)]);
    assert_eq!(exact.rows_dropped_by_bound, 997);
    // Sensitivities scale with the bound of 3 rows: σ² = (3·Δ)²/(2ρ/3) for count and sum,
    // and 1/(2ρ/3) for distinct subjects (one subject changes the distinct count by one).
    let share = rho / 3.0;
    let n = 3000;
    let d = draws(&plan, &b, n);
    let se_var = (2.0 / (n as f64 - 1.0)).sqrt();
    for (i, (exact_v, var)) in [
        (1003.0, 9.0 / (2.0 * share)),
        (
            3.0 * 99.0 + 1000.0,
            (3.0f64 * 100.0).powi(2) / (2.0 * share),
        ),
        (1001.0, 1.0 / (2.0 * share)),
    ]
    .into_iter()
    .enumerate()
    {
        let (m, v) = mean_var(&d[i]);
        assert!(
            (v / var - 1.0).abs() < 6.0 * se_var,
            "aggregate {i}: var {v} vs {var}"
        );
        assert!(
            (m - exact_v).abs() < 6.0 * (var / n as f64).sqrt(),
            "aggregate {i}: mean {m} vs {exact_v}"
        );
    }
}

#[test]
fn missing_bounds_are_a_usage_error() {
    let (schema, _) = simple(10);
    for q in [
        "SELECT SUM(x) FROM t",
        "SELECT AVG(y) FROM t",
        "SELECT QUANTILE(x, 0.5) FROM t",
    ] {
        let e = Plan::new(sql::parse(q).unwrap(), &schema, &opts(), 0.1)
            .err()
            .unwrap();
        let msg = e.to_string();
        assert!(
            matches!(e, datalab_data::DataError::Usage(_)) && msg.contains("no bounds"),
            "{q}: {msg}"
        );
    }
    // Bounds from the options work.
    let mut o = opts();
    o.bounds.insert(
        "x".into(),
        Bounds {
            lower: 0.0,
            upper: 99.0,
        },
    );
    assert!(
        Plan::new(
            sql::parse("SELECT SUM(x) FROM t").unwrap(),
            &schema,
            &o,
            0.1
        )
        .is_ok()
    );
}

#[test]
fn quantile_lands_within_its_rank_error() {
    let (schema, b) = simple(2000); // x uniform over 0..99, 20 of each
    let spec = sql::parse("SELECT QUANTILE(CLAMP(x, 0, 99), 0.5) FROM t").unwrap();
    let plan = Plan::new(spec, &schema, &opts(), 0.5).unwrap();
    let exact = plan.compute(std::iter::once(Ok(b.clone()))).unwrap();
    let mut within = 0;
    let n = 300;
    for _ in 0..n {
        let g = exact.clone().release(&plan, 0.05).unwrap();
        let a = &g[0].values[0];
        let v = a.value.unwrap();
        // rank of v: rows below it; target rank 1000. Each value holds 20 rows.
        let below = (v.ceil() as i64).clamp(0, 100) * 20;
        let r = a.rank_error95.unwrap() + 20.0;
        within += usize::from(((below - 1000) as f64).abs() <= r);
    }
    assert!(within as f64 / n as f64 >= 0.95, "{within}/{n}");
}

#[test]
fn partition_selection_hides_rare_keys_and_public_keys_show_all() {
    let (schema, b) = simple(4000); // C has 2 rows, A and B ~2000
    let spec = sql::parse("SELECT g, COUNT(*) FROM t GROUP BY g").unwrap();
    let plan = Plan::new(spec.clone(), &schema, &opts(), 0.5).unwrap();
    assert!(plan.delta0 > 0.0 && plan.delta0 <= 1e-7);
    let exact = plan.compute(std::iter::once(Ok(b.clone()))).unwrap();
    for _ in 0..50 {
        let g = exact.clone().release(&plan, 0.05).unwrap();
        let keys: Vec<_> = g.iter().map(|x| x.key[0].clone().unwrap()).collect();
        assert_eq!(keys, vec!["A", "B"]);
    }
    let mut o = opts();
    o.public_keys = HashMap::from([(
        "g".to_string(),
        vec!["A".into(), "B".into(), "C".into(), "D".into()],
    )]);
    let plan = Plan::new(spec, &schema, &o, 0.5).unwrap();
    assert_eq!(plan.delta0, 0.0);
    let g = plan
        .compute(std::iter::once(Ok(b)))
        .unwrap()
        .release(&plan, 0.05)
        .unwrap();
    assert_eq!(g.len(), 4);
}

#[test]
fn where_filters_rows_before_counting() {
    let (schema, b) = simple(1000);
    let spec = sql::parse(
        "SELECT COUNT(*) FROM t WHERE x < 10 AND g IN ('A', 'C') AND NOT y BETWEEN 1 AND 2",
    )
    .unwrap();
    let plan = Plan::new(spec, &schema, &opts(), 1.0).unwrap();
    let exact = plan.compute(std::iter::once(Ok(b))).unwrap();
    let expected = (0..1000)
        .filter(|&i| {
            let y = (i % 7) as f64 * 0.5;
            i % 100 < 10 && (i % 2 == 0 || i % 2000 == 0) && !(1.0..=2.0).contains(&y)
        })
        .count() as i64;
    assert_eq!(exact.exact_rows(), vec![(String::new(), expected)]);
    let _ = Aggregate::Count;
}
