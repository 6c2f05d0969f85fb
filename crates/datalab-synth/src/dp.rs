//! Differential-privacy primitives on OpenDP: every noisy release and every privacy-loss figure
//! here comes from an OpenDP measurement (its proven privacy map), never from our own formulas.
//!
//! The privacy unit is a change of up to `c` rows (adding or removing one subject who contributes
//! at most `c` rows; `c = 1` when each row is its own subject). Every mechanism is built from
//! OpenDP's symmetric distance on the rows (or, for selection scores, on L∞ distance with the
//! sensitivity stated next to the call) so OpenDP's map turns `d_in = c` into the loss.
//!
//! Accounting: zero-concentrated DP (ρ) for everything, plus δ for the thresholded category
//! releases (approximate zCDP). Losses add up (sequential composition of zCDP); the sums are
//! rounded upwards with OpenDP's `InfAdd`. The total is converted to (ε, δ) with OpenDP's
//! `make_zCDP_to_approxDP` and `make_fix_delta`.

use std::collections::HashMap;

use opendp::combinators::{make_fix_delta, make_zCDP_to_approxDP};
use opendp::core::{Function, Measurement, PrivacyMap};
use opendp::domains::{AtomDomain, MapDomain, VectorDomain};
use opendp::measurements::{make_gaussian, make_gaussian_threshold, make_noisy_max};
use opendp::measures::{Approximate, ZeroConcentratedDivergence};
use opendp::metrics::{
    AbsoluteDistance, L2Distance, L02InfDistance, LInfDistance, SymmetricDistance,
};
use opendp::traits::InfAdd;
use opendp::transformations::make_count_by_categories;
use serde::{Deserialize, Serialize};

use datalab_data::{DataError, Result};

fn dp_err(what: &str, e: opendp::error::Error) -> DataError {
    DataError::Integrity(format!("differential privacy ({what}): {e}"))
}

/// One privacy-consuming step, as recorded in the model and the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LedgerEntry {
    /// What was released, e.g. "one-way marginal of age".
    pub release: String,
    /// "gaussian", "gaussian-threshold" or "noisy-max" (exponential mechanism).
    pub mechanism: String,
    /// Noise scale (σ of the discrete Gaussian; scale of the noisy-max noise).
    pub scale: f64,
    /// Sensitivity the map was evaluated at: L2 (counts), L0/L∞ (thresholded counts) or L∞
    /// (selection scores), for one privacy unit.
    pub sensitivity: f64,
    /// ρ (zCDP) spent, from OpenDP's privacy map.
    pub rho: f64,
    /// δ spent (only thresholded releases), from OpenDP's privacy map.
    pub delta: f64,
    /// Threshold (gaussian-threshold only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<i64>,
}

/// The privacy ledger: the budget, the entries, and the running totals (rounded upwards).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    pub rho: f64,
    pub delta: f64,
}

impl Ledger {
    pub fn push(&mut self, e: LedgerEntry) -> Result<()> {
        self.rho = self.rho.inf_add(&e.rho).map_err(|x| dp_err("ρ sum", x))?;
        self.delta = self
            .delta
            .inf_add(&e.delta)
            .map_err(|x| dp_err("δ sum", x))?;
        self.entries.push(e);
        Ok(())
    }
}

/// (ε, δ_total) of an approximate-zCDP total (ρ, δ₀) at total δ, with OpenDP's conversion.
pub fn epsilon_of(rho: f64, delta0: f64, delta: f64) -> Result<f64> {
    if rho == 0.0 && delta0 <= delta {
        return Ok(0.0);
    }
    if delta <= delta0 {
        return Err(DataError::usage(format!(
            "--delta {delta} is not larger than the δ the thresholds use ({delta0})"
        )));
    }
    // A carrier measurement whose privacy map is the ledger's total, so that OpenDP's own
    // conversion (zCDP → approximate DP → ε at fixed δ) applies to it.
    let carrier = Measurement::new(
        VectorDomain::new(AtomDomain::<i64>::default()),
        SymmetricDistance,
        Approximate(ZeroConcentratedDivergence),
        Function::new(|_: &Vec<i64>| ()),
        PrivacyMap::new(move |_: &u32| (rho, delta0)),
    )
    .map_err(|e| dp_err("accountant", e))?;
    let approx = make_zCDP_to_approxDP(carrier).map_err(|e| dp_err("conversion", e))?;
    let fixed = make_fix_delta(&approx, delta).map_err(|e| dp_err("fix δ", e))?;
    let (eps, _) = fixed.map(&1).map_err(|e| dp_err("conversion", e))?;
    Ok(eps)
}

/// The largest ρ whose conversion at `delta` (with `delta0` already spent by thresholds) stays
/// within `epsilon`, by bisection on OpenDP's conversion (never above the target).
pub fn rho_for(epsilon: f64, delta0: f64, delta: f64) -> Result<f64> {
    let (mut lo, mut hi) = (0.0f64, epsilon.max(1e-12));
    // ε(ρ) ≥ ρ, so ρ ≤ ε brackets the answer.
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if epsilon_of(mid, delta0, delta)? <= epsilon {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= lo * 1e-12 {
            break;
        }
    }
    Ok(lo)
}

/// The smallest scale whose privacy loss `loss(scale)` is at most `target`, by bisection on the
/// loss OpenDP reports (monotone decreasing in the scale).
fn calibrate(target: f64, loss: impl Fn(f64) -> Result<f64>) -> Result<f64> {
    if target <= 0.0 || !target.is_finite() {
        return Err(DataError::usage(format!(
            "privacy budget share {target} is not positive"
        )));
    }
    let mut hi = 1.0f64;
    while loss(hi)? > target {
        hi *= 2.0;
        if hi > 1e15 {
            return Err(DataError::usage(
                "privacy budget too small to calibrate noise",
            ));
        }
    }
    let mut lo = 0.0f64;
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if mid <= 0.0 {
            break;
        }
        if loss(mid)? <= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

type CountMeas = Measurement<
    VectorDomain<AtomDomain<u32>>,
    SymmetricDistance,
    ZeroConcentratedDivergence,
    Vec<i64>,
>;

fn count_gaussian(categories: u32, scale: f64) -> Result<CountMeas> {
    let t = make_count_by_categories::<L2Distance<i64>, u32, i64>(
        VectorDomain::new(AtomDomain::default()),
        SymmetricDistance,
        (0..categories).collect(),
        false,
    )
    .map_err(|e| dp_err("count", e))?;
    let m = make_gaussian::<_, _, ZeroConcentratedDivergence>(
        t.output_domain.clone(),
        t.output_metric.clone(),
        scale,
        None,
    )
    .map_err(|e| dp_err("gaussian", e))?;
    (t >> m).map_err(|e| dp_err("chain", e))
}

/// Noisy histogram of `codes` (each in `0..categories`, one per row) with the discrete Gaussian
/// mechanism, spending at most `rho` for a change of `c` rows. Returns the noisy counts and the
/// ledger entry.
pub fn noisy_histogram(
    release: String,
    codes: &[u32],
    categories: u32,
    c: u32,
    rho: f64,
) -> Result<(Vec<i64>, LedgerEntry)> {
    let scale = calibrate(rho, |s| {
        count_gaussian(categories, s)?
            .map(&c)
            .map_err(|e| dp_err("map", e))
    })?;
    let m = count_gaussian(categories, scale)?;
    let spent = m.map(&c).map_err(|e| dp_err("map", e))?;
    let out = m
        .invoke(&codes.to_vec())
        .map_err(|e| dp_err("gaussian", e))?;
    Ok((
        out,
        LedgerEntry {
            release,
            mechanism: "gaussian".into(),
            scale,
            sensitivity: c as f64,
            rho: spent,
            delta: 0.0,
            threshold: None,
        },
    ))
}

type ThresholdMeas = Measurement<
    MapDomain<AtomDomain<u32>, AtomDomain<i64>>,
    L02InfDistance<AbsoluteDistance<i64>>,
    Approximate<ZeroConcentratedDivergence>,
    HashMap<u32, i64>,
>;

fn threshold_gaussian(scale: f64, threshold: i64) -> Result<ThresholdMeas> {
    make_gaussian_threshold::<_, _, Approximate<ZeroConcentratedDivergence>>(
        MapDomain::new(AtomDomain::default(), AtomDomain::default()),
        L02InfDistance::default(),
        scale,
        threshold,
        None,
    )
    .map_err(|e| dp_err("gaussian threshold", e))
}

/// The distance between the per-value counts of neighbouring data sets that differ in up to
/// `c` rows: at most `c` values change (ℓ0), by at most `c` each (ℓ∞), and ℓ2 ≤ c (all `c` rows
/// on one value is the worst case).
fn count_map_distance(c: u32) -> (u32, i64, i64) {
    (c, c as i64, c as i64)
}

/// Which values of a column to keep: counts of each value (codes of an internal dictionary)
/// with discrete Gaussian noise, released only above a threshold (the set of values is itself
/// private). Spends at most `rho` and `delta` for a change of `c` rows.
pub fn thresholded_values(
    release: String,
    codes: &[u32],
    c: u32,
    rho: f64,
    delta: f64,
) -> Result<(HashMap<u32, i64>, LedgerEntry)> {
    // The noise scale from ρ alone (the threshold only affects δ) …
    let scale = calibrate(rho, |s| {
        Ok(threshold_gaussian(s, i64::MAX / 4)?
            .map(&count_map_distance(c))
            .map_err(|e| dp_err("map", e))?
            .0)
    })?;
    // … then the smallest threshold whose δ is within budget.
    let delta_at = |t: i64| -> Result<f64> {
        Ok(threshold_gaussian(scale, t)?
            .map(&count_map_distance(c))
            .map_err(|e| dp_err("map", e))?
            .1)
    };
    let mut hi = (c as i64 + 1).max(2);
    while delta_at(hi)? > delta {
        hi *= 2;
        if hi > 1 << 50 {
            return Err(DataError::usage(
                "--delta too small for the category threshold",
            ));
        }
    }
    let mut lo = c as i64;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if delta_at(mid)? <= delta {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let m = threshold_gaussian(scale, hi)?;
    let (r, d) = m
        .map(&count_map_distance(c))
        .map_err(|e| dp_err("map", e))?;
    let mut counts: HashMap<u32, i64> = HashMap::new();
    for &v in codes {
        *counts.entry(v).or_default() += 1;
    }
    let out = m
        .invoke(&counts)
        .map_err(|e| dp_err("gaussian threshold", e))?;
    Ok((
        out,
        LedgerEntry {
            release,
            mechanism: "gaussian-threshold".into(),
            scale,
            sensitivity: c as f64,
            rho: r,
            delta: d,
            threshold: Some(hi),
        },
    ))
}

type MaxMeas = Measurement<
    VectorDomain<AtomDomain<f64>>,
    LInfDistance<f64>,
    ZeroConcentratedDivergence,
    usize,
>;

fn noisy_max(scale: f64) -> Result<MaxMeas> {
    make_noisy_max(
        VectorDomain::new(AtomDomain::new_non_nan()),
        LInfDistance::new(false),
        ZeroConcentratedDivergence,
        scale,
        false,
    )
    .map_err(|e| dp_err("noisy max", e))
}

/// The index of a high score, chosen by OpenDP's noisy max (an exponential mechanism), spending
/// at most `rho` when one privacy unit changes each score by at most `sensitivity`.
pub fn select(
    release: String,
    scores: &[f64],
    sensitivity: f64,
    rho: f64,
) -> Result<(usize, LedgerEntry)> {
    let scale = calibrate(rho, |s| {
        noisy_max(s)?
            .map(&sensitivity)
            .map_err(|e| dp_err("map", e))
    })?;
    let m = noisy_max(scale)?;
    let spent = m.map(&sensitivity).map_err(|e| dp_err("map", e))?;
    let i = m
        .invoke(&scores.to_vec())
        .map_err(|e| dp_err("noisy max", e))?;
    Ok((
        i,
        LedgerEntry {
            release,
            mechanism: "noisy-max".into(),
            scale,
            sensitivity,
            rho: spent,
            delta: 0.0,
            threshold: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_matches_the_textbook_bound() {
        // ε(ρ, δ) ≤ ρ + 2√(ρ ln 1/δ) (Bun & Steinke 2016, Prop. 1.3); OpenDP's is tighter.
        for &(rho, delta) in &[(0.01, 1e-6), (0.1, 1e-5), (1.0, 1e-9)] {
            let eps = epsilon_of(rho, 0.0, delta).unwrap();
            let bound = rho + 2.0 * (rho * (1.0f64 / delta).ln()).sqrt();
            assert!(eps <= bound + 1e-12, "{eps} > {bound}");
            assert!(eps > rho, "{eps} <= {rho}");
        }
        let rho = rho_for(1.0, 0.0, 1e-6).unwrap();
        assert!(epsilon_of(rho, 0.0, 1e-6).unwrap() <= 1.0);
        assert!(epsilon_of(rho * 1.001, 0.0, 1e-6).unwrap() > 1.0);
    }

    #[test]
    fn gaussian_histogram_rho_is_sensitivity_squared_over_two_sigma_squared() {
        let codes: Vec<u32> = (0..1000).map(|i| i % 5).collect();
        for c in [1u32, 3] {
            let (noisy, e) = noisy_histogram("t".into(), &codes, 5, c, 0.05).unwrap();
            assert_eq!(noisy.len(), 5);
            // Recompute independently: ρ = Δ²/(2σ²) with Δ = c (L2 of a histogram under c rows).
            let recomputed = (c as f64).powi(2) / (2.0 * e.scale * e.scale);
            assert!(
                (recomputed - e.rho).abs() <= 1e-9 * e.rho.max(1e-12),
                "{recomputed} vs {}",
                e.rho
            );
            assert!(e.rho <= 0.05);
            assert!(e.rho > 0.05 * 0.999);
        }
    }

    #[test]
    fn gaussian_noise_has_the_stated_spread() {
        // Many releases of one count: the empirical standard deviation matches the scale.
        let codes = vec![0u32; 100];
        let (_, e) = noisy_histogram("t".into(), &codes, 1, 1, 0.02).unwrap();
        let m = count_gaussian(2000, e.scale).unwrap();
        let out = m.invoke(&codes).unwrap();
        let vals: Vec<f64> = out[1..].iter().map(|&v| v as f64).collect();
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64).sqrt();
        assert!(mean.abs() < 4.0 * e.scale / (vals.len() as f64).sqrt() + 0.5);
        assert!(
            (sd / e.scale - 1.0).abs() < 0.1,
            "sd {sd} scale {}",
            e.scale
        );
    }

    #[test]
    fn ledger_sums_upwards() {
        let mut l = Ledger::default();
        for i in 0..10 {
            l.push(LedgerEntry {
                release: format!("{i}"),
                mechanism: "gaussian".into(),
                scale: 1.0,
                sensitivity: 1.0,
                rho: 0.1,
                delta: 1e-7,
                threshold: None,
            })
            .unwrap();
        }
        assert!(l.rho >= 1.0);
        assert!(l.rho < 1.0 + 1e-12);
        assert!(l.delta >= 1e-6);
    }

    #[test]
    fn threshold_hides_rare_values() {
        let mut codes = vec![0u32; 5000];
        codes.push(7);
        let (kept, e) = thresholded_values("t".into(), &codes, 1, 0.1, 1e-7).unwrap();
        assert!(kept.contains_key(&0));
        assert!(!kept.contains_key(&7));
        assert!(e.delta <= 1e-7 && e.rho <= 0.1);
        assert!(e.threshold.unwrap() > 1);
    }

    #[test]
    fn selection_prefers_large_gaps() {
        let scores = vec![0.0, 0.0, 1e6, 0.0];
        let (i, e) = select("t".into(), &scores, 1.0, 0.1).unwrap();
        assert_eq!(i, 2);
        assert!(e.rho <= 0.1);
    }
}
