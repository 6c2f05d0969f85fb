//! Individual risk (Benedetti & Franconi): the computed `E[1/F | f]` against numerical
//! integration of its defining integral, the published closed forms, monotonicity, the
//! unweighted case and the validation of weights.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use datalab_protect::risk_individual::{
    IndividualRiskError, IndividualRiskOptions, RiskMethod, individual_risk,
    individual_risk_from_batches, key_risk,
};

fn simpson(a: f64, b: f64, fa: f64, fm: f64, fb: f64) -> f64 {
    (b - a) / 6.0 * (fa + 4.0 * fm + fb)
}

/// Adaptive Simpson quadrature with Richardson correction.
#[allow(clippy::too_many_arguments)]
fn adapt(
    g: &dyn Fn(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    tol: f64,
    depth: u32,
) -> f64 {
    let m = 0.5 * (a + b);
    let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
    let (flm, frm) = (g(lm), g(rm));
    let left = simpson(a, m, fa, flm, fm);
    let right = simpson(m, b, fm, frm, fb);
    let diff = left + right - whole;
    if depth == 0 || diff.abs() <= 15.0 * tol {
        return left + right + diff / 15.0;
    }
    adapt(g, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)
        + adapt(g, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)
}

fn integrate(g: &dyn Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    let (fa, fm, fb) = (g(a), g(0.5 * (a + b)), g(b));
    let whole = simpson(a, b, fa, fm, fb);
    adapt(g, a, b, fa, fm, fb, whole, tol, 60)
}

/// The defining integral: `E[1/F | f] = pᶠ ∫₀¹ t^{f−1} (1 − q t)^{−f} dt`, from
/// `Σ_{h≥f} (1/h) C(h−1, f−1) pᶠ q^{h−f}` with `1/h = ∫₀¹ t^{h−1} dt`. The integrand is
/// written as `t^{f−1} (p / (1 − q t))ᶠ`, which stays in [0, 1].
fn by_integration(f: u64, big_f: f64) -> f64 {
    let p = f as f64 / big_f;
    let q = 1.0 - p;
    let g = move |t: f64| t.powi(f as i32 - 1) * (p / (1.0 - q * t)).powi(f as i32);
    integrate(&g, 0.0, 1.0, 1e-14)
}

/// The negative-binomial expectation summed term by term (only where it converges quickly).
fn by_series(f: u64, big_f: f64) -> f64 {
    let p = f as f64 / big_f;
    let q = 1.0 - p;
    // P(F = f) = pᶠ, then P(h+1)/P(h) = q h / (h + 1 − f).
    let mut prob = p.powi(f as i32);
    let mut sum = 0.0;
    let mut h = f as f64;
    while prob > 1e-300 && h < 1e7 {
        sum += prob / h;
        prob *= q * h / (h + 1.0 - f as f64);
        h += 1.0;
    }
    sum
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

const FS: [u64; 11] = [1, 2, 3, 4, 5, 7, 10, 13, 20, 35, 50];
const RATIOS: [f64; 14] = [
    1.000001, 1.0001, 1.01, 1.1, 1.5, 1.99, 2.0, 2.01, 3.0, 10.0, 100.0, 1e3, 1e4, 1e5,
];

#[test]
fn exact_risk_matches_numerical_integration() {
    for f in FS {
        for ratio in RATIOS {
            let big_f = f as f64 * ratio;
            let r = key_risk(f, big_f, RiskMethod::Exact).unwrap();
            let i = by_integration(f, big_f);
            assert!(
                rel(r, i) < 1e-9,
                "f = {f}, F = {big_f}: computed {r}, integral {i}"
            );
            if ratio <= 100.0 {
                let s = by_series(f, big_f);
                assert!(rel(r, s) < 1e-9, "f = {f}, F = {big_f}: {r} vs series {s}");
            }
        }
    }
}

/// The closed forms of Franconi & Polettini (2004) / the μ-Argus manual, evaluated where they do
/// not suffer cancellation.
#[test]
fn closed_forms_for_one_two_three() {
    for ratio in [1.2, 1.5, 2.0, 3.0, 10.0, 100.0, 1e4] {
        for f in 1u64..=3 {
            let big_f = f as f64 * ratio;
            let p = f as f64 / big_f;
            let q = 1.0 - p;
            let closed = match f {
                1 => p / q * (1.0 / p).ln(),
                2 => p / (q * q) * (p * p.ln() + q),
                _ => p / (2.0 * q.powi(3)) * (q * (3.0 * q - 2.0) - 2.0 * p * p * p.ln()),
            };
            let r = key_risk(f, big_f, RiskMethod::Exact).unwrap();
            assert!(rel(r, closed) < 1e-10, "f = {f}, p = {p}: {r} vs {closed}");
        }
    }
    // p = 1/2, f = 1: ln 2.
    assert!(rel(key_risk(1, 2.0, RiskMethod::Exact).unwrap(), 2f64.ln()) < 1e-15);
}

#[test]
fn approx_is_sdcmicros_formula() {
    for f in FS {
        for ratio in RATIOS {
            let big_f = f as f64 * ratio;
            let p = f as f64 / big_f;
            let q = 1.0 - p;
            let a = key_risk(f, big_f, RiskMethod::Approx).unwrap();
            let e = key_risk(f, big_f, RiskMethod::Exact).unwrap();
            if f <= 2 {
                assert_eq!(a, e);
            } else {
                assert!(rel(a, p / (f as f64 - q)) < 1e-12);
            }
        }
        assert_eq!(
            key_risk(f, f as f64, RiskMethod::Approx).unwrap(),
            1.0 / f as f64
        );
    }
}

#[test]
fn risk_falls_as_the_population_grows_and_stays_below_one_over_f() {
    for f in 1u64..=40 {
        let mut last = f64::INFINITY;
        let mut big_f = f as f64;
        while big_f < 1e7 {
            let r = key_risk(f, big_f, RiskMethod::Exact).unwrap();
            assert!(
                r > 0.0 && r <= 1.0 / f as f64 + 1e-15,
                "f = {f}, F = {big_f}: {r}"
            );
            assert!(r <= 1.0);
            assert!(
                r < last || (r == last && big_f == f as f64),
                "f = {f}, F = {big_f}"
            );
            last = r;
            big_f = big_f * 1.07 + 0.01;
        }
    }
    // And for a fixed population, a larger key is safer per record.
    for ratio in RATIOS {
        let risks: Vec<f64> = (1u64..=30)
            .map(|f| key_risk(f, f as f64 * ratio, RiskMethod::Exact).unwrap())
            .collect();
        assert!(risks.windows(2).all(|w| w[1] < w[0]), "ratio {ratio}");
    }
}

#[test]
fn bad_key_frequencies_are_errors() {
    assert!(key_risk(0, 5.0, RiskMethod::Exact).is_err());
    assert!(key_risk(3, 2.5, RiskMethod::Exact).is_err());
    assert!(key_risk(3, f64::NAN, RiskMethod::Exact).is_err());
    assert!(key_risk(3, f64::INFINITY, RiskMethod::Exact).is_err());
}

fn opts(threshold: f64) -> IndividualRiskOptions {
    IndividualRiskOptions {
        method: RiskMethod::Exact,
        threshold,
    }
}

#[test]
fn without_weights_or_with_weights_one_the_risk_is_one_over_f() {
    let a = [1u32, 1, 1, 2, 2, 3];
    let b = [5u32, 5, 5, 5, 5, 6];
    let expected = [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.5, 0.5, 1.0];
    for weights in [None, Some(&[1.0; 6][..])] {
        let r = individual_risk(&[&a, &b], weights, &opts(0.4)).unwrap();
        let risks: Vec<f64> = r.records.iter().map(|x| x.risk).collect();
        assert_eq!(risks, expected);
        assert_eq!(r.summary.classes, 3);
        assert!((r.summary.expected_reidentifications - 3.0).abs() < 1e-12);
        assert!((r.summary.global_risk - 0.5).abs() < 1e-12);
        assert_eq!(r.summary.records_above_threshold, 3);
        assert_eq!(r.summary.max_risk, 1.0);
        assert_eq!(r.summary.weighted, weights.is_some());
        assert_eq!(r.summary.population, 6.0);
    }
}

#[test]
fn weighted_summary() {
    let a = [1u32, 1, 2, 3];
    let w = [10.0, 30.0, 2.0, 1.0];
    let r = individual_risk(&[&a], Some(&w), &opts(0.5)).unwrap();
    let k1 = key_risk(2, 40.0, RiskMethod::Exact).unwrap();
    let k2 = key_risk(1, 2.0, RiskMethod::Exact).unwrap();
    let risks: Vec<f64> = r.records.iter().map(|x| x.risk).collect();
    assert_eq!(risks, vec![k1, k1, k2, 1.0]);
    assert_eq!(r.records[0].sample_frequency, 2);
    assert_eq!(r.records[0].population_frequency, 40.0);
    let expected = 2.0 * k1 + k2 + 1.0;
    assert!((r.summary.expected_reidentifications - expected).abs() < 1e-12);
    assert!((r.summary.global_risk - expected / 4.0).abs() < 1e-12);
    // ln 2 ≈ 0.69 and 1 are above 0.5.
    assert_eq!(r.summary.records_above_threshold, 2);
    assert_eq!(r.summary.max_risk, 1.0);
    assert_eq!(r.summary.population, 43.0);
    serde_json::to_string(&r).expect("serialises");
}

#[test]
fn invalid_weights_are_errors_naming_the_row() {
    let a = [1u32, 2, 3];
    for (bad, says) in [
        (0.5, "row 3 is 0.5"),
        (f64::NAN, "row 3 is missing"),
        (f64::INFINITY, "row 3 is inf"),
        (-2.0, "row 3 is -2"),
    ] {
        let e = individual_risk(&[&a], Some(&[1.0, 2.0, bad]), &opts(0.1)).unwrap_err();
        assert!(matches!(e, IndividualRiskError::Usage(_)));
        assert!(e.to_string().contains(says), "{e}");
    }
    assert!(individual_risk(&[&a], Some(&[1.0, 2.0]), &opts(0.1)).is_err());
    assert!(individual_risk(&[&a], None, &opts(1.5)).is_err());
    assert!(individual_risk(&[], None, &opts(0.1)).is_err());
    assert!(individual_risk(&[&[]], None, &opts(0.1)).is_err());
}

fn table(weights: Vec<Option<f64>>) -> (Arc<Schema>, Vec<RecordBatch>) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Utf8, true),
        Field::new("w", DataType::Float64, true),
        Field::new("label", DataType::Utf8, true),
    ]));
    let n = weights.len();
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(
            (0..n).map(|i| Some(["a", "b"][i % 2])).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(weights)),
        Arc::new(StringArray::from(vec![Some("z"); n])),
    ];
    (
        schema.clone(),
        vec![RecordBatch::try_new(schema, arrays).unwrap()],
    )
}

#[test]
fn batches() {
    let qis = vec!["x".to_string()];
    let (schema, batches) = table(vec![Some(2.0), Some(3.0), Some(4.0)]);
    let r = individual_risk_from_batches(schema, batches, &qis, Some("w"), &opts(0.1)).unwrap();
    // x: a, b, a → key a: f = 2, F = 6; key b: f = 1, F = 3.
    assert_eq!(r.records[0].population_frequency, 6.0);
    assert_eq!(
        r.records[1].risk,
        key_risk(1, 3.0, RiskMethod::Exact).unwrap()
    );
    let (schema, batches) = table(vec![Some(2.0), None, Some(4.0)]);
    let e =
        individual_risk_from_batches(schema.clone(), batches.clone(), &qis, Some("w"), &opts(0.1))
            .unwrap_err();
    assert!(e.to_string().contains("('w') of row 2 is missing"), "{e}");
    let e = individual_risk_from_batches(
        schema.clone(),
        batches.clone(),
        &qis,
        Some("label"),
        &opts(0.1),
    )
    .unwrap_err();
    assert!(e.to_string().contains("numeric"), "{e}");
    let e =
        individual_risk_from_batches(schema, batches, &qis, Some("nope"), &opts(0.1)).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}
