//! Individual re-identification risk of sampled records with sampling weights, after Benedetti &
//! Franconi (1998) as described by Franconi & Polettini, "Individual risk estimation in μ-Argus:
//! a review" (PSD 2004, LNCS 3050, 262–272) and implemented in sdcMicro's `indivRisk` /
//! `measure_risk`.
//!
//! ## Model
//!
//! A key `k` (an equivalence class over the quasi-identifiers) has sample frequency `f` and
//! estimated population frequency `F̂ = Σ` sampling weights of its records. Given `f`, the
//! unknown population frequency is negative binomial, `P(F = h | f) = C(h−1, f−1) pᶠ q^{h−f}`
//! for `h ≥ f`, with `p = f / F̂` and `q = 1 − p`. The risk of each record of the key is
//!
//! ```text
//! r = E[1/F | f] = Σ_{h≥f} (1/h) C(h−1, f−1) pᶠ q^{h−f}
//!   = pᶠ ∫₀¹ t^{f−1} (1 − q t)^{−f} dt          (1/h = ∫₀¹ t^{h−1} dt)
//!   = (p/q)ᶠ ∫₀^{q/p} w^{f−1} / (1 + w) dw     (u = q t, then w = u / (1 − u))
//!   = (p/f) · ₂F₁(1, 1; f + 1; q)               (Euler's transformation)
//! ```
//!
//! The closed forms of Franconi & Polettini (and of the μ-Argus manual, which sdcMicro's C++
//! code carries) follow from it:
//!
//! * `f = 1`: `r = (p/q) ln(1/p)`
//! * `f = 2`: `r = (p/q²) (p ln p + q)`
//! * `f = 3`: `r = p/(2q³) · (q(3q − 2) − 2p² ln p)`
//! * `f > 3`: μ-Argus truncates the series `(p/f) Σ_j j! qʲ / ((f+1)…(f+j))` after `j = 7`;
//!   sdcMicro's `indivRisk(method = "approx")` uses `p / (f − q)` for every `f ≥ 3`.
//!
//! ## Computation ([`RiskMethod::Exact`], the default)
//!
//! Exact to rounding for every `f`, avoiding the cancellation of the closed forms near `p = 1`:
//!
//! * `p = 1` (the weights sum to `f`: the key's records are the population): `r = 1/f`, the
//!   limit of the model (sdcMicro: `fk == Fk` gives `1/fk`). In particular without weights, or
//!   with all weights 1, every record's risk is `1/f` (the sample is the population).
//! * `q ≤ 1/2`: the hypergeometric series above, summed until its terms (which shrink by a factor
//!   below `q`) no longer change the sum.
//! * `q > 1/2`: with `x = q/p > 1` and `r_f = x^{−f} ∫₀ˣ w^{f−1}/(1+w) dw`, the recurrence
//!   `r_1 = ln(1 + x)/x`, `r_f = (1/(f − 1) − r_{f−1}) / x`, which reproduces the closed forms
//!   for `f = 1, 2, 3` and is stable for `x > 1` (errors shrink by `1/x` per step).
//!
//! [`RiskMethod::Approx`] gives sdcMicro's `indivRisk(method = "approx")` numbers instead (exact
//! for `f ≤ 2`, `p / (f − q)` for `f ≥ 3`, `1/f` when `p = 1`). sdcMicro's C++ `measure_risk`
//! additionally lowers every `p` by 0.0001 before applying these formulas; that shift is not
//! reproduced.
//!
//! ## Summaries
//!
//! Expected number of re-identifications `Σ r` over records (sdcMicro's `global_risk_ER`),
//! global risk `Σ r / n`, the number of records whose risk exceeds a threshold, and the highest
//! risk.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use datalab_data::DataError;
use serde::Serialize;

use crate::risk_suda::{check_codes, classes, encode_quasi_identifiers};

/// Errors of the individual risk analysis.
#[derive(Debug, thiserror::Error)]
pub enum IndividualRiskError {
    /// Bad input or options (including invalid weights).
    #[error("{0}")]
    Usage(String),
    /// Reading or encoding the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
}

fn usage(msg: impl Into<String>) -> IndividualRiskError {
    IndividualRiskError::Usage(msg.into())
}

/// How the risk of keys with more than two sample records is computed.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RiskMethod {
    /// `E[1/F | f]` under the negative-binomial model, exact to rounding.
    #[default]
    Exact,
    /// sdcMicro's `indivRisk(method = "approx")`: `p / (f − q)` for `f ≥ 3`.
    Approx,
}

/// Options of [`individual_risk`].
#[derive(Clone, Debug, PartialEq)]
pub struct IndividualRiskOptions {
    pub method: RiskMethod,
    /// Records with a risk above this (in [0, 1]) are counted.
    pub threshold: f64,
}

/// One record's risk.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RecordRisk {
    pub risk: f64,
    /// Sample frequency `f` of the record's key.
    pub sample_frequency: u64,
    /// Estimated population frequency `F̂` of the record's key (sum of its weights).
    pub population_frequency: f64,
}

/// File-level results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IndividualRiskSummary {
    pub records: u64,
    pub classes: u64,
    /// Whether sampling weights were given.
    pub weighted: bool,
    pub method: RiskMethod,
    /// Sum of the weights (the records when unweighted).
    pub population: f64,
    /// `Σ r` over records.
    pub expected_reidentifications: f64,
    /// `Σ r / n`.
    pub global_risk: f64,
    pub threshold: f64,
    pub records_above_threshold: u64,
    pub records_above_threshold_share: f64,
    pub max_risk: f64,
}

/// The analysis: summary and one entry per input row, in input order.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IndividualRisk {
    pub summary: IndividualRiskSummary,
    pub records: Vec<RecordRisk>,
}

/// The risk of each record of a key with `f` sample records and estimated population frequency
/// `population` (`F̂`, at least `f`), by the formulas of the module documentation.
pub fn key_risk(f: u64, population: f64, method: RiskMethod) -> Result<f64, IndividualRiskError> {
    if f == 0 {
        return Err(usage("a key needs at least one sample record"));
    }
    let fk = f as f64;
    if !population.is_finite() || population < fk {
        return Err(usage(format!(
            "the population frequency of a key must be finite and at least its sample \
             frequency ({f}), not {population}"
        )));
    }
    if population == fk {
        return Ok(1.0 / fk);
    }
    let p = fk / population;
    let q = (population - fk) / population;
    if method == RiskMethod::Approx && f >= 3 {
        return Ok(p / (fk - q));
    }
    if q <= 0.5 {
        // (p/f) Σ_j j! qʲ / ((f+1)…(f+j)); the term ratio j q / (f + j) is below q.
        let (mut sum, mut term, mut j) = (1.0f64, 1.0f64, 0.0f64);
        loop {
            j += 1.0;
            term *= j * q / (fk + j);
            let next = sum + term;
            if next == sum {
                break;
            }
            sum = next;
        }
        Ok(p / fk * sum)
    } else {
        let x = (population - fk) / fk;
        let mut r = (population / fk).ln() / x;
        for k in 2..=f {
            r = (1.0 / (k - 1) as f64 - r) / x;
        }
        Ok(r.clamp(0.0, 1.0 / fk))
    }
}

/// Checks weights (finite and at least 1), naming the first bad row (counted from 1).
fn check_weights(weights: &[f64], column: Option<&str>) -> Result<(), IndividualRiskError> {
    let what = column.map_or_else(|| "weight".to_string(), |c| format!("weight ('{c}')"));
    for (i, &w) in weights.iter().enumerate() {
        if w.is_nan() {
            return Err(usage(format!("the {what} of row {} is missing", i + 1)));
        }
        if !w.is_finite() || w < 1.0 {
            return Err(usage(format!(
                "the {what} of row {} is {w}; sampling weights must be finite and at least 1",
                i + 1
            )));
        }
    }
    Ok(())
}

fn compute(
    codes: &[&[u32]],
    weights: Option<&[f64]>,
    options: &IndividualRiskOptions,
    column: Option<&str>,
) -> Result<IndividualRisk, IndividualRiskError> {
    let n = check_codes(codes).map_err(IndividualRiskError::Usage)?;
    let threshold = options.threshold;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(usage(format!(
            "the risk threshold must be between 0 and 1, not {threshold}"
        )));
    }
    if let Some(w) = weights {
        if w.len() != n {
            return Err(usage(format!("{} weights for {n} records", w.len())));
        }
        check_weights(w, column)?;
    }
    let (ids, sizes) = classes(codes);
    let mut totals = vec![0f64; sizes.len()];
    match weights {
        Some(w) => {
            for (&id, &wi) in ids.iter().zip(w) {
                totals[id as usize] += wi;
            }
        }
        None => {
            for (t, &s) in totals.iter_mut().zip(&sizes) {
                *t = f64::from(s);
            }
        }
    }
    let risks = sizes
        .iter()
        .zip(&totals)
        .map(|(&f, &big_f)| key_risk(u64::from(f), big_f.max(f64::from(f)), options.method))
        .collect::<Result<Vec<f64>, _>>()?;
    let records: Vec<RecordRisk> = ids
        .iter()
        .map(|&id| RecordRisk {
            risk: risks[id as usize],
            sample_frequency: u64::from(sizes[id as usize]),
            population_frequency: totals[id as usize],
        })
        .collect();
    let expected: f64 = records.iter().map(|r| r.risk).sum();
    let above = records.iter().filter(|r| r.risk > threshold).count() as u64;
    let summary = IndividualRiskSummary {
        records: n as u64,
        classes: sizes.len() as u64,
        weighted: weights.is_some(),
        method: options.method,
        population: totals.iter().sum(),
        expected_reidentifications: expected,
        global_risk: expected / n as f64,
        threshold,
        records_above_threshold: above,
        records_above_threshold_share: above as f64 / n as f64,
        max_risk: records.iter().map(|r| r.risk).fold(0.0, f64::max),
    };
    Ok(IndividualRisk { summary, records })
}

/// Individual risk of every row of dictionary-encoded quasi-identifiers (one code slice per
/// quasi-identifier, all of one length; any `u32` is a value, nulls included) with optional
/// sampling weights (finite, at least 1; NaN counts as missing). Without weights every risk is
/// `1/f`.
pub fn individual_risk(
    codes: &[&[u32]],
    weights: Option<&[f64]>,
    options: &IndividualRiskOptions,
) -> Result<IndividualRisk, IndividualRiskError> {
    compute(codes, weights, options, None)
}

/// [`individual_risk`] on Arrow batches: the quasi-identifiers `qis` are encoded as
/// [`encode_quasi_identifiers`] does; the weights are read from the numeric column `weight`
/// (a null is an error naming its row).
pub fn individual_risk_from_batches(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    qis: &[String],
    weight: Option<&str>,
    options: &IndividualRiskOptions,
) -> Result<IndividualRisk, IndividualRiskError> {
    let weights = match weight {
        None => None,
        Some(name) => Some(read_weights(&schema, &batches, name)?),
    };
    let encoded = encode_quasi_identifiers(schema, batches, qis)?;
    let codes: Vec<&[u32]> = encoded.iter().map(Vec::as_slice).collect();
    compute(&codes, weights.as_deref(), options, weight)
}

/// The weight column as `f64`, nulls as NaN (reported as missing by [`check_weights`]).
fn read_weights(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    name: &str,
) -> Result<Vec<f64>, IndividualRiskError> {
    let idx = schema
        .index_of(name)
        .map_err(|_| usage(format!("unknown weight column '{name}'")))?;
    let field = schema.field(idx);
    if !field.data_type().is_numeric() {
        return Err(usage(format!(
            "the weight column '{name}' must be numeric, not {}",
            field.data_type()
        )));
    }
    let mut out = Vec::new();
    for b in batches {
        let col = arrow_cast::cast(b.column(idx), &DataType::Float64).map_err(|e| {
            usage(format!(
                "the weight column '{name}' cannot be read as numbers: {e}"
            ))
        })?;
        let col = col.as_primitive::<Float64Type>();
        out.extend((0..col.len()).map(|i| {
            if col.is_null(i) {
                f64::NAN
            } else {
                col.value(i)
            }
        }));
    }
    Ok(out)
}
