//! OpenDP measurements, their calibration and accuracy. Every noise draw and every privacy-loss
//! figure comes from an OpenDP measurement (its privacy map); this module only searches for the
//! smallest noise scale whose OpenDP-reported loss fits a target.
//!
//! Accounting is in zero-concentrated DP (ρ) plus a δ for DP partition selection
//! (approximate zCDP). Conversion to (ε, δ) uses OpenDP's `make_zCDP_to_approxDP` and
//! `make_fix_delta`.

use std::collections::HashMap;

use datalab_data::{DataError, Result};
use opendp::accuracy::{discrete_gaussian_scale_to_accuracy, gaussian_scale_to_accuracy};
use opendp::combinators::{make_fix_delta, make_zCDP_to_approxDP};
use opendp::core::{Function, Measurement, PrivacyMap};
use opendp::domains::{AtomDomain, MapDomain, VectorDomain};
use opendp::measurements::{make_gaussian, make_gaussian_threshold, make_private_quantile};
use opendp::measures::{Approximate, ZeroConcentratedDivergence};
use opendp::metrics::{AbsoluteDistance, L2Distance, L02InfDistance, SymmetricDistance};
use opendp::traits::InfAdd;

pub(crate) fn dp_err(what: &str, e: opendp::error::Error) -> DataError {
    DataError::Integrity(format!("differential privacy ({what}): {e}"))
}

/// Sum of two losses, rounded upwards (OpenDP's `InfAdd`).
pub fn add_up(a: f64, b: f64) -> Result<f64> {
    a.inf_add(&b).map_err(|e| dp_err("sum of losses", e))
}

/// ε at total δ of an approximate-zCDP loss (ρ, δ₀), by OpenDP's conversion.
pub fn epsilon_of(rho: f64, delta0: f64, delta: f64) -> Result<f64> {
    if rho <= 0.0 {
        return Ok(0.0);
    }
    if delta <= delta0 {
        return Err(DataError::usage(format!(
            "δ {delta} is used up: partition selection already spent δ = {delta0}"
        )));
    }
    // A measurement that does nothing but carry the loss, so OpenDP's conversion applies.
    let carrier = Measurement::new(
        VectorDomain::new(AtomDomain::<i64>::default()),
        SymmetricDistance,
        Approximate(ZeroConcentratedDivergence),
        Function::new(|_: &Vec<i64>| ()),
        PrivacyMap::new(move |_: &u32| (rho, delta0)),
    )
    .map_err(|e| dp_err("accountant", e))?;
    let approx = make_zCDP_to_approxDP(carrier).map_err(|e| dp_err("zCDP → (ε, δ)", e))?;
    let fixed = make_fix_delta(&approx, delta).map_err(|e| dp_err("fix δ", e))?;
    let (eps, _) = fixed.map(&1).map_err(|e| dp_err("zCDP → (ε, δ)", e))?;
    Ok(eps)
}

/// The largest ρ whose conversion (with δ₀ already spent) stays within ε at δ; bisection on
/// OpenDP's conversion, always on the safe side.
pub fn rho_for(epsilon: f64, delta0: f64, delta: f64) -> Result<f64> {
    if !(epsilon > 0.0 && epsilon.is_finite()) {
        return Err(DataError::usage(format!(
            "--epsilon {epsilon} must be positive"
        )));
    }
    epsilon_of(1e-300, delta0, delta)?; // δ check
    let (mut lo, mut hi) = (0.0f64, epsilon);
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
    if lo <= 0.0 {
        return Err(DataError::usage(format!(
            "--epsilon {epsilon} is too small"
        )));
    }
    Ok(lo)
}

/// Smallest scale with `loss(scale) <= target` (loss decreasing in the scale).
fn calibrate(target: f64, loss: impl Fn(f64) -> Result<f64>) -> Result<f64> {
    if !(target > 0.0 && target.is_finite()) {
        return Err(DataError::usage(format!(
            "privacy loss share {target} is not positive"
        )));
    }
    let mut hi = 1.0f64;
    while loss(hi)? > target {
        hi *= 2.0;
        if hi > 1e300 {
            return Err(DataError::usage(
                "privacy budget too small to calibrate the noise",
            ));
        }
    }
    let mut lo = 0.0f64;
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if mid > 0.0 && loss(mid)? <= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

type GaussVec = Measurement<
    VectorDomain<AtomDomain<i64>>,
    L2Distance<i64>,
    ZeroConcentratedDivergence,
    Vec<i64>,
>;

fn gauss_vec(scale: f64) -> Result<GaussVec> {
    make_gaussian::<_, _, ZeroConcentratedDivergence>(
        VectorDomain::new(AtomDomain::<i64>::default()),
        L2Distance::<i64>::default(),
        scale,
        None,
    )
    .map_err(|e| dp_err("discrete gaussian", e))
}

/// A calibrated discrete Gaussian release of an integer vector with L2 sensitivity `l2`.
#[derive(Clone, Debug)]
pub struct Gaussian {
    pub scale: f64,
    pub l2: i64,
    /// ρ from OpenDP's map at `l2`.
    pub rho: f64,
}

impl Gaussian {
    pub fn calibrate(l2: i64, rho: f64) -> Result<Gaussian> {
        let l2 = l2.max(1);
        let scale = calibrate(rho, |s| {
            gauss_vec(s)?.map(&l2).map_err(|e| dp_err("map", e))
        })?;
        let spent = gauss_vec(scale)?.map(&l2).map_err(|e| dp_err("map", e))?;
        Ok(Gaussian {
            scale,
            l2,
            rho: spent,
        })
    }

    /// Draws the noisy vector (OpenDP's sampler).
    pub fn release(&self, exact: &[i64]) -> Result<Vec<i64>> {
        gauss_vec(self.scale)?
            .invoke(&exact.to_vec())
            .map_err(|e| dp_err("discrete gaussian", e))
    }

    /// Half-width of the two-sided interval holding the noise with probability 1 - alpha.
    pub fn accuracy(&self, alpha: f64) -> Result<f64> {
        if self.scale <= 1e4 {
            discrete_gaussian_scale_to_accuracy(self.scale, alpha)
                .map_err(|e| dp_err("accuracy", e))
        } else {
            // The discrete sum over the tail would take `scale` steps; at this scale the
            // continuous Gaussian's quantile is the same to well below one unit, plus one for safety.
            Ok(gaussian_scale_to_accuracy(self.scale, alpha)
                .map_err(|e| dp_err("accuracy", e))?
                .ceil()
                + 1.0)
        }
    }
}

type Threshold = Measurement<
    MapDomain<AtomDomain<String>, AtomDomain<i64>>,
    L02InfDistance<AbsoluteDistance<i64>>,
    Approximate<ZeroConcentratedDivergence>,
    HashMap<String, i64>,
>;

fn threshold_meas(scale: f64, threshold: i64) -> Result<Threshold> {
    make_gaussian_threshold::<_, _, Approximate<ZeroConcentratedDivergence>>(
        MapDomain::new(AtomDomain::default(), AtomDomain::default()),
        L02InfDistance::default(),
        scale,
        threshold,
        None,
    )
    .map_err(|e| dp_err("gaussian threshold", e))
}

/// DP partition selection: noisy counts per key, released only above a threshold (the set of
/// keys is itself private). One privacy unit changes at most `c` keys by at most `c` each.
#[derive(Clone, Debug)]
pub struct Selection {
    pub scale: f64,
    pub threshold: i64,
    pub c: i64,
    pub rho: f64,
    pub delta: f64,
}

impl Selection {
    fn d_in(c: i64) -> (u32, i64, i64) {
        // ℓ0: keys touched; ℓ2: at most c (all rows on one key); ℓ∞: c.
        (c.clamp(1, u32::MAX as i64) as u32, c, c)
    }

    pub fn calibrate(c: i64, rho: f64, delta: f64) -> Result<Selection> {
        let c = c.max(1);
        let d = Self::d_in(c);
        let scale = calibrate(rho, |s| {
            Ok(threshold_meas(s, i64::MAX / 4)?
                .map(&d)
                .map_err(|e| dp_err("map", e))?
                .0)
        })?;
        // Smallest threshold whose δ fits (δ decreases as the threshold grows).
        let delta_at = |t: i64| -> Result<f64> {
            Ok(threshold_meas(scale, t)?
                .map(&d)
                .map_err(|e| dp_err("map", e))?
                .1)
        };
        let mut hi = c.max(1);
        while delta_at(hi)? > delta {
            hi = hi
                .checked_mul(2)
                .ok_or_else(|| DataError::usage("δ too small for partition selection"))?;
        }
        let mut lo = 0i64;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if delta_at(mid)? <= delta {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let (rho_spent, delta_spent) = threshold_meas(scale, hi)?
            .map(&d)
            .map_err(|e| dp_err("map", e))?;
        Ok(Selection {
            scale,
            threshold: hi,
            c,
            rho: rho_spent,
            delta: delta_spent,
        })
    }

    pub fn release(&self, counts: HashMap<String, i64>) -> Result<HashMap<String, i64>> {
        threshold_meas(self.scale, self.threshold)?
            .invoke(&counts)
            .map_err(|e| dp_err("gaussian threshold", e))
    }

    pub fn accuracy(&self, alpha: f64) -> Result<f64> {
        Gaussian {
            scale: self.scale,
            l2: self.c,
            rho: self.rho,
        }
        .accuracy(alpha)
    }
}

type QuantileMeas =
    Measurement<VectorDomain<AtomDomain<f64>>, SymmetricDistance, ZeroConcentratedDivergence, f64>;

fn quantile_meas(candidates: &[f64], q: f64, scale: f64) -> Result<QuantileMeas> {
    make_private_quantile(
        VectorDomain::new(AtomDomain::<f64>::new_non_nan()),
        SymmetricDistance,
        ZeroConcentratedDivergence,
        candidates.to_vec(),
        q,
        scale,
    )
    .map_err(|e| dp_err("private quantile", e))
}

/// The exponential mechanism for a quantile over fixed candidates (OpenDP's
/// `make_private_quantile`); one unit changes up to `c` rows.
#[derive(Clone, Debug)]
pub struct Quantile {
    pub candidates: Vec<f64>,
    pub q: f64,
    pub scale: f64,
    pub c: u32,
    pub rho: f64,
}

/// Candidates: at most 1,024 evenly spaced points from lower to upper (integers when the column is
/// integral and the range is small).
pub fn quantile_candidates(lower: f64, upper: f64, integral: bool) -> Vec<f64> {
    if upper <= lower {
        return vec![lower];
    }
    if integral && upper - lower <= 1023.0 {
        let (a, b) = (lower.ceil() as i64, upper.floor() as i64);
        let v: Vec<f64> = (a..=b).map(|x| x as f64).collect();
        if !v.is_empty() {
            return v;
        }
    }
    let n = 1024;
    let mut v: Vec<f64> = (0..n)
        .map(|i| lower + (upper - lower) * i as f64 / (n - 1) as f64)
        .collect();
    v.dedup();
    v
}

impl Quantile {
    pub fn calibrate(candidates: Vec<f64>, q: f64, c: u32, rho: f64) -> Result<Quantile> {
        let c = c.max(1);
        let scale = calibrate(rho, |s| {
            quantile_meas(&candidates, q, s)?
                .map(&c)
                .map_err(|e| dp_err("map", e))
        })?;
        let spent = quantile_meas(&candidates, q, scale)?
            .map(&c)
            .map_err(|e| dp_err("map", e))?;
        Ok(Quantile {
            candidates,
            q,
            scale,
            c,
            rho: spent,
        })
    }

    pub fn release(&self, values: Vec<f64>) -> Result<f64> {
        quantile_meas(&self.candidates, self.q, self.scale)?
            .invoke(&values)
            .map_err(|e| dp_err("private quantile", e))
    }

    /// Bound on the rank error with probability 1 - alpha: the exponential mechanism picks a
    /// candidate whose score is within scale·ln(m/alpha) of the best (Gumbel noisy max), and a
    /// candidate's score moves by about one per row between it and the true quantile.
    pub fn rank_error(&self, alpha: f64) -> f64 {
        (self.scale * (self.candidates.len() as f64 / alpha).ln()).ceil()
    }

    /// Spacing of the candidate grid (the resolution of the answer).
    pub fn resolution(&self) -> f64 {
        self.candidates
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_round_trip_is_conservative() {
        let rho = rho_for(1.0, 0.0, 1e-6).unwrap();
        let eps = epsilon_of(rho, 0.0, 1e-6).unwrap();
        assert!(eps <= 1.0 && eps > 0.999, "{eps}");
        // The classic bound ε ≤ ρ + 2√(ρ ln 1/δ) is looser, so OpenDP's ρ is at least the classic one.
        let classic = {
            let l = (1e6f64).ln();
            let s = (l + 1.0).sqrt() - l.sqrt();
            s * s
        };
        assert!(rho >= classic * 0.999, "{rho} vs {classic}");
    }

    #[test]
    fn gaussian_scale_matches_the_formula() {
        // zCDP of the Gaussian mechanism: ρ = Δ² / (2σ²).
        let g = Gaussian::calibrate(3, 0.5).unwrap();
        let expected = 3.0 / (2.0f64 * 0.5).sqrt();
        assert!(
            (g.scale - expected).abs() / expected < 1e-6,
            "{} vs {expected}",
            g.scale
        );
        assert!(g.rho <= 0.5);
    }
}
