//! Evaluation of synthetic data against real data:
//!
//! - fidelity: per column 1 − TVD (categories) or 1 − KS statistic (numbers, dates); every pair
//!   of columns 1 − TVD of the two-way table (numbers in 10 quantile bins of the real data);
//!   the association matrix (Pearson for two numeric columns, Cramér's V otherwise) of each and
//!   their difference;
//! - utility (with a holdout and a target): logistic regression and a decision tree (smartcore)
//!   trained on synthetic rows and on real rows, both tested on the holdout;
//! - privacy: distance to the closest record (Gower distance) of synthetic rows to training rows
//!   compared with the same to holdout rows (equal-size samples), exact-match rates, and a
//!   distance-based membership-inference attack (AUC and advantage = max TPR − FPR).

use std::collections::{HashMap, HashSet};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};

use datalab_data::provider::{ColumnEncoder, NULL_CODE};
use datalab_data::{DataError, Result};

use crate::fit::{FitOptions, Raw, raw_columns};
use crate::model::Logical;

pub struct EvalOptions {
    pub target: Option<String>,
    pub seed: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ColumnScore {
    pub column: String,
    /// "tvd" or "ks".
    pub metric: String,
    pub distance: f64,
    pub score: f64,
    /// Chart data: labels, real shares, synthetic shares.
    pub labels: Vec<String>,
    pub real: Vec<f64>,
    pub synthetic: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairScore {
    pub a: String,
    pub b: String,
    pub tvd: f64,
    pub score: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Association {
    pub columns: Vec<String>,
    pub real: Vec<Vec<f64>>,
    pub synthetic: Vec<Vec<f64>>,
    /// Mean absolute difference over the pairs.
    pub mean_abs_difference: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelScore {
    pub model: String,
    pub real_accuracy: Option<f64>,
    pub synthetic_accuracy: Option<f64>,
    pub real_macro_f1: Option<f64>,
    pub synthetic_macro_f1: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Utility {
    pub target: String,
    pub classes: usize,
    pub train_rows: usize,
    pub test_rows: usize,
    pub models: Vec<ModelScore>,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Privacy {
    /// Quantiles (5, 25, 50, 75, 95 %) of DCR from synthetic rows to training rows.
    pub dcr_train_quantiles: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dcr_holdout_quantiles: Option<Vec<f64>>,
    /// Share of synthetic rows closer to a training row than to any holdout row (0.5 = no
    /// memorisation signal, with equal-size reference samples).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closer_to_train_share: Option<f64>,
    /// Share of synthetic rows equal to some training row (on the compared columns).
    pub exact_match_train: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_match_holdout: Option<f64>,
    /// Membership inference: AUC of "closer to a synthetic row ⇒ member".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mia_auc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mia_advantage: Option<f64>,
    pub reference_rows: usize,
    pub synthetic_rows_sampled: usize,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scores {
    /// Mean of the column scores.
    pub column_shapes: f64,
    /// Mean of the pair scores.
    pub column_pairs: f64,
    /// Mean of the two.
    pub fidelity: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utility_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mia_advantage: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub real_rows: usize,
    pub synthetic_rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout_rows: Option<usize>,
    pub scores: Scores,
    pub skipped_columns: Vec<String>,
    pub columns: Vec<ColumnScore>,
    pub pairs: Vec<PairScore>,
    pub association: Association,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utility: Option<Utility>,
    pub privacy: Privacy,
}

/// A column of all three tables on one footing.
enum EvalCol {
    /// Shared dictionary codes (NULL_CODE = null), the dictionary.
    Cat {
        codes: [Vec<u32>; 3],
        labels: Vec<String>,
    },
    /// Numbers (NaN = null), and the real data's range.
    Num {
        vals: [Vec<f64>; 3],
        lo: f64,
        hi: f64,
    },
}

fn load(
    tables: [Option<&(SchemaRef, Vec<RecordBatch>)>; 3],
) -> Result<(Vec<String>, Vec<EvalCol>, Vec<String>)> {
    let real = tables[0].ok_or_else(|| DataError::usage("no real data"))?;
    let opts = FitOptions::default();
    let raws: Vec<Option<Vec<(crate::model::ColumnModel, Raw)>>> = tables
        .iter()
        .map(|t| t.map(|(s, b)| raw_columns(s, b, &opts, false)).transpose())
        .collect::<Result<_>>()?;
    let mut names = Vec::new();
    let mut cols = Vec::new();
    let mut skipped = Vec::new();
    for (ci, f) in real.0.fields().iter().enumerate() {
        for (k, t) in tables.iter().enumerate().skip(1) {
            if let Some((s, _)) = t
                && s.index_of(f.name()).is_err()
            {
                let what = if k == 1 {
                    "the synthetic data"
                } else {
                    "the holdout"
                };
                return Err(DataError::unknown_column(what, f.name(), s));
            }
        }
        let logical = Logical::of(f.data_type());
        let get = |k: usize| -> Option<&Raw> {
            let (s, _) = tables[k]?;
            let idx = s.index_of(f.name()).ok()?;
            raws[k].as_ref().map(|r| &r[idx].1)
        };
        let _ = ci;
        if logical.is_numeric() {
            let mut vals: [Vec<f64>; 3] = Default::default();
            for (k, v) in vals.iter_mut().enumerate() {
                match get(k) {
                    Some(Raw::Num(x)) => *v = x.clone(),
                    Some(_) => {
                        return Err(DataError::usage(format!(
                            "column '{}' is numeric in the real data but not in the {}",
                            f.name(),
                            if k == 1 { "synthetic data" } else { "holdout" }
                        )));
                    }
                    None => {}
                }
            }
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &x in vals[0].iter().filter(|x| !x.is_nan()) {
                lo = lo.min(x);
                hi = hi.max(x);
            }
            if !lo.is_finite() {
                skipped.push(format!("{} (no values)", f.name()));
                continue;
            }
            names.push(f.name().clone());
            cols.push(EvalCol::Num { vals, lo, hi });
        } else {
            // Re-encode all three with one dictionary.
            let mut enc = ColumnEncoder::default();
            let mut codes: [Vec<u32>; 3] = Default::default();
            for (k, t) in tables.iter().enumerate() {
                if let Some((s, b)) = t {
                    let idx = s
                        .index_of(f.name())
                        .map_err(|_| DataError::unknown_column("data", f.name(), s))?;
                    for batch in b {
                        enc.encode(batch.column(idx).as_ref(), &mut codes[k])?;
                    }
                }
            }
            let labels = enc.dictionary.values().to_vec();
            let non_null = codes[0].iter().filter(|&&c| c != NULL_CODE).count();
            let distinct: HashSet<u32> = codes[0]
                .iter()
                .copied()
                .filter(|&c| c != NULL_CODE)
                .collect();
            if non_null >= 20 && distinct.len() == non_null {
                skipped.push(format!("{} (unique per row: an identifier)", f.name()));
                continue;
            }
            names.push(f.name().clone());
            cols.push(EvalCol::Cat { codes, labels });
        }
    }
    Ok((names, cols, skipped))
}

fn shares(codes: &[u32], k: usize) -> Vec<f64> {
    let mut c = vec![0f64; k + 1];
    for &x in codes {
        let i = if x == NULL_CODE { k } else { x as usize };
        c[i] += 1.0;
    }
    let n = codes.len().max(1) as f64;
    c.iter().map(|v| v / n).collect()
}

fn tvd(p: &[f64], q: &[f64]) -> f64 {
    0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>()
}

fn ks(a: &[f64], b: &[f64]) -> f64 {
    let mut x: Vec<f64> = a.iter().copied().filter(|v| !v.is_nan()).collect();
    let mut y: Vec<f64> = b.iter().copied().filter(|v| !v.is_nan()).collect();
    if x.is_empty() || y.is_empty() {
        return if x.is_empty() && y.is_empty() {
            0.0
        } else {
            1.0
        };
    }
    x.sort_by(f64::total_cmp);
    y.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0f64);
    let (n, m) = (x.len() as f64, y.len() as f64);
    while i < x.len() && j < y.len() {
        let v = x[i].min(y[j]);
        while i < x.len() && x[i] <= v {
            i += 1;
        }
        while j < y.len() && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    d
}

/// Each column as small codes (numbers in 10 real-data quantile bins, null its own code).
fn binned(cols: &[EvalCol]) -> (Vec<[Vec<u32>; 3]>, Vec<usize>) {
    let mut out = Vec::new();
    let mut sizes = Vec::new();
    for c in cols {
        match c {
            EvalCol::Cat { codes, labels } => {
                let k = labels.len() as u32;
                out.push(codes.clone().map(|v| {
                    v.into_iter()
                        .map(|x| if x == NULL_CODE { k } else { x })
                        .collect()
                }));
                sizes.push(labels.len() + 1);
            }
            EvalCol::Num { vals, .. } => {
                let mut s: Vec<f64> = vals[0].iter().copied().filter(|v| !v.is_nan()).collect();
                s.sort_by(f64::total_cmp);
                let mut edges: Vec<f64> = (1..10)
                    .map(|q| s[(q * s.len() / 10).min(s.len() - 1)])
                    .collect();
                edges.dedup();
                let nb = edges.len() as u32 + 1;
                out.push(vals.clone().map(|v| {
                    v.into_iter()
                        .map(|x| {
                            if x.is_nan() {
                                nb
                            } else {
                                edges.partition_point(|e| *e < x) as u32
                            }
                        })
                        .collect()
                }));
                sizes.push(nb as usize + 1);
            }
        }
    }
    (out, sizes)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| (*x, *y))
        .collect();
    let n = pairs.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

fn cramers_v(a: &[u32], b: &[u32], sa: usize, sb: usize) -> f64 {
    let n = a.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let mut t = vec![0f64; sa * sb];
    let (mut ra, mut rb) = (vec![0f64; sa], vec![0f64; sb]);
    for (&x, &y) in a.iter().zip(b) {
        t[x as usize * sb + y as usize] += 1.0;
        ra[x as usize] += 1.0;
        rb[y as usize] += 1.0;
    }
    let mut chi = 0.0;
    for i in 0..sa {
        for j in 0..sb {
            let e = ra[i] * rb[j] / n;
            if e > 0.0 {
                chi += (t[i * sb + j] - e).powi(2) / e;
            }
        }
    }
    let ka = ra.iter().filter(|&&v| v > 0.0).count();
    let kb = rb.iter().filter(|&&v| v > 0.0).count();
    let k = ka.min(kb);
    if k < 2 {
        0.0
    } else {
        (chi / (n * (k - 1) as f64)).sqrt()
    }
}

fn quantiles(v: &mut [f64]) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return Vec::new();
    }
    [0.05, 0.25, 0.5, 0.75, 0.95]
        .iter()
        .map(|q| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)])
        .collect()
}

/// Rows as comparable records: per column a numeric value scaled to [0, 1] by the real range
/// or a category code; NaN / NULL_CODE for null.
struct Records {
    num: Vec<bool>,
    x: Vec<Vec<f64>>,
}

impl Records {
    fn build(cols: &[EvalCol], k: usize, rows: &[usize]) -> Records {
        let num = cols
            .iter()
            .map(|c| matches!(c, EvalCol::Num { .. }))
            .collect();
        let x = rows
            .iter()
            .map(|&r| {
                cols.iter()
                    .map(|c| match c {
                        EvalCol::Num { vals, lo, hi } => {
                            let v = vals[k][r];
                            if hi > lo {
                                (v - lo) / (hi - lo)
                            } else {
                                v - lo
                            }
                        }
                        EvalCol::Cat { codes, .. } => {
                            let v = codes[k][r];
                            if v == NULL_CODE { f64::NAN } else { v as f64 }
                        }
                    })
                    .collect()
            })
            .collect();
        Records { num, x }
    }

    /// Gower distance: mean over columns of |Δ| (capped at 1) or mismatch; null vs value = 1.
    fn dist(&self, a: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for ((&x, &y), &num) in a.iter().zip(b).zip(&self.num) {
            s += match (x.is_nan(), y.is_nan()) {
                (true, true) => 0.0,
                (true, false) | (false, true) => 1.0,
                _ if num => (x - y).abs().min(1.0),
                _ => (x != y) as u8 as f64,
            };
        }
        s / self.num.len().max(1) as f64
    }

    fn nearest(&self, a: &[f64], other: &Records) -> f64 {
        other
            .x
            .iter()
            .map(|b| self.dist(a, b))
            .fold(f64::INFINITY, f64::min)
    }
}

fn key(r: &[f64]) -> Vec<u64> {
    r.iter()
        .map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() })
        .collect()
}

fn pick(n: usize, m: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut v: Vec<usize> = if m < n {
        sample(rng, n, m).into_vec()
    } else {
        (0..n).collect()
    };
    v.sort_unstable();
    v
}

fn auc(members: &[f64], non_members: &[f64]) -> (f64, f64) {
    // Score: smaller distance ⇒ member. AUC = P(score_member < score_non) + ½ ties.
    let mut all: Vec<(f64, bool)> = members
        .iter()
        .map(|&d| (d, true))
        .chain(non_members.iter().map(|&d| (d, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (np, nn) = (members.len() as f64, non_members.len() as f64);
    if np == 0.0 || nn == 0.0 {
        return (0.5, 0.0);
    }
    let (mut tp, mut fp, mut adv, mut area) = (0.0, 0.0, 0f64, 0.0);
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        let (mut dtp, mut dfp) = (0.0, 0.0);
        while j < all.len() && all[j].0 == all[i].0 {
            if all[j].1 {
                dtp += 1.0
            } else {
                dfp += 1.0
            }
            j += 1;
        }
        area += (dfp / nn) * (tp / np + (tp + dtp) / np) / 2.0;
        tp += dtp;
        fp += dfp;
        adv = adv.max(tp / np - fp / nn);
        i = j;
    }
    (area, adv)
}

fn macro_f1(truth: &[i32], pred: &[i32]) -> f64 {
    let classes: HashSet<i32> = truth.iter().copied().collect();
    let mut f1s = Vec::new();
    for c in classes {
        let tp = truth
            .iter()
            .zip(pred)
            .filter(|(t, p)| **t == c && **p == c)
            .count() as f64;
        let fp = truth
            .iter()
            .zip(pred)
            .filter(|(t, p)| **t != c && **p == c)
            .count() as f64;
        let fneg = truth
            .iter()
            .zip(pred)
            .filter(|(t, p)| **t == c && **p != c)
            .count() as f64;
        f1s.push(if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fneg)
        });
    }
    f1s.iter().sum::<f64>() / f1s.len().max(1) as f64
}

/// Feature matrices for the utility test: numbers standardised by the training set (nulls at
/// the mean), categories one-hot for the 20 commonest training values.
fn features(
    cols: &[EvalCol],
    target: usize,
    k_train: usize,
    rows: &[[Vec<usize>; 3]; 1],
) -> [Vec<Vec<f64>>; 3] {
    let mut out: [Vec<Vec<f64>>; 3] = Default::default();
    for (k, o) in out.iter_mut().enumerate() {
        *o = vec![Vec::new(); rows[0][k].len()];
    }
    for (ci, c) in cols.iter().enumerate() {
        if ci == target {
            continue;
        }
        match c {
            EvalCol::Num { vals, .. } => {
                let tr: Vec<f64> = rows[0][k_train]
                    .iter()
                    .map(|&r| vals[k_train][r])
                    .filter(|v| !v.is_nan())
                    .collect();
                let mean = tr.iter().sum::<f64>() / tr.len().max(1) as f64;
                let sd = (tr.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                    / tr.len().max(1) as f64)
                    .sqrt()
                    .max(1e-9);
                for (k, o) in out.iter_mut().enumerate() {
                    for (i, &r) in rows[0][k].iter().enumerate() {
                        let v = vals[k][r];
                        o[i].push(if v.is_nan() {
                            0.0
                        } else {
                            ((v - mean) / sd).clamp(-10.0, 10.0)
                        });
                    }
                }
            }
            EvalCol::Cat { codes, .. } => {
                let mut freq: HashMap<u32, usize> = HashMap::new();
                for &r in &rows[0][k_train] {
                    *freq.entry(codes[k_train][r]).or_default() += 1;
                }
                let mut top: Vec<(u32, usize)> = freq.into_iter().collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                top.truncate(20);
                for (k, o) in out.iter_mut().enumerate() {
                    for (i, &r) in rows[0][k].iter().enumerate() {
                        let v = codes[k][r];
                        for (t, _) in &top {
                            o[i].push((v == *t) as u8 as f64);
                        }
                    }
                }
            }
        }
    }
    out
}

fn utility(cols: &[EvalCol], names: &[String], target: &str, seed: u64) -> Result<Utility> {
    let ti = names.iter().position(|n| n == target).ok_or_else(|| {
        DataError::usage(format!(
            "--target '{target}': no such column among the compared ones ({})",
            names.join(", ")
        ))
    })?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7574_696c);
    // Labels: categories (top 20, rest "other"), or numbers split at the real median.
    let (labels, classes, note): ([Vec<i32>; 3], usize, String) = match &cols[ti] {
        EvalCol::Cat { codes, .. } => {
            let mut freq: HashMap<u32, usize> = HashMap::new();
            for &c in &codes[0] {
                *freq.entry(c).or_default() += 1;
            }
            let mut top: Vec<(u32, usize)> = freq.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(20);
            let idx: HashMap<u32, i32> = top
                .iter()
                .enumerate()
                .map(|(i, (c, _))| (*c, i as i32))
                .collect();
            let other = top.len() as i32;
            let l = codes.clone().map(|v| {
                v.iter()
                    .map(|c| idx.get(c).copied().unwrap_or(other))
                    .collect()
            });
            (l, top.len(), format!("'{target}' predicted as a category"))
        }
        EvalCol::Num { vals, .. } => {
            let mut s: Vec<f64> = vals[0].iter().copied().filter(|v| !v.is_nan()).collect();
            s.sort_by(f64::total_cmp);
            let med = s[s.len() / 2];
            let l = vals
                .clone()
                .map(|v| v.iter().map(|x| (*x > med) as i32).collect());
            (
                l,
                2,
                format!("numeric '{target}' predicted as above/below the real median {med}"),
            )
        }
    };
    let n = [labels[0].len(), labels[1].len(), labels[2].len()];
    let rows = [[
        pick(n[0], 20_000, &mut rng),
        pick(n[1], 20_000, &mut rng),
        pick(n[2], 20_000, &mut rng),
    ]];
    let mut models = Vec::new();
    let test_y: Vec<i32> = rows[0][2].iter().map(|&r| labels[2][r]).collect();
    let mut acc: [[Option<(f64, f64)>; 2]; 2] = [[None; 2]; 2];
    let mut errors: [Vec<String>; 2] = Default::default();
    for (si, k_train) in [0usize, 1].into_iter().enumerate() {
        let f = features(cols, ti, k_train, &rows);
        let train_y: Vec<i32> = rows[0][k_train]
            .iter()
            .map(|&r| labels[k_train][r])
            .collect();
        let to_m = |v: &Vec<Vec<f64>>| DenseMatrix::from_2d_vec(v).map_err(|e| e.to_string());
        let (xtr, xte) = match (to_m(&f[k_train]), to_m(&f[2])) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                errors[0].push(e.clone());
                errors[1].push(e);
                continue;
            }
        };
        let lr = LogisticRegression::fit(
            &xtr,
            &train_y,
            LogisticRegressionParameters::default().with_alpha(1e-3),
        )
        .and_then(|m| m.predict(&xte));
        match lr {
            Ok(p) => {
                let a = p.iter().zip(&test_y).filter(|(x, y)| x == y).count() as f64
                    / test_y.len().max(1) as f64;
                acc[0][si] = Some((a, macro_f1(&test_y, &p)));
            }
            Err(e) => errors[0].push(format!(
                "training on {}: {e}",
                if si == 0 { "real" } else { "synthetic" }
            )),
        }
        let dt = DecisionTreeClassifier::fit(
            &xtr,
            &train_y,
            DecisionTreeClassifierParameters::default().with_max_depth(8),
        )
        .and_then(|m| m.predict(&xte));
        match dt {
            Ok(p) => {
                let a = p.iter().zip(&test_y).filter(|(x, y)| x == y).count() as f64
                    / test_y.len().max(1) as f64;
                acc[1][si] = Some((a, macro_f1(&test_y, &p)));
            }
            Err(e) => errors[1].push(format!(
                "training on {}: {e}",
                if si == 0 { "real" } else { "synthetic" }
            )),
        }
    }
    for (mi, name) in ["logistic regression", "decision tree (depth 8)"]
        .iter()
        .enumerate()
    {
        models.push(ModelScore {
            model: (*name).into(),
            real_accuracy: acc[mi][0].map(|x| x.0),
            synthetic_accuracy: acc[mi][1].map(|x| x.0),
            real_macro_f1: acc[mi][0].map(|x| x.1),
            synthetic_macro_f1: acc[mi][1].map(|x| x.1),
            error: (!errors[mi].is_empty()).then(|| errors[mi].join("; ")),
        });
    }
    Ok(Utility {
        target: target.into(),
        classes,
        train_rows: rows[0][0].len().min(rows[0][1].len()),
        test_rows: rows[0][2].len(),
        models,
        note: format!(
            "{note}; training sets of at most 20,000 rows, tested on at most 20,000 holdout rows (smartcore)"
        ),
    })
}

pub fn evaluate(
    real: &(SchemaRef, Vec<RecordBatch>),
    synth: &(SchemaRef, Vec<RecordBatch>),
    holdout: Option<&(SchemaRef, Vec<RecordBatch>)>,
    opts: &EvalOptions,
) -> Result<Report> {
    let (names, cols, skipped) = load([Some(real), Some(synth), holdout])?;
    if cols.is_empty() {
        return Err(DataError::usage(
            "no column to compare (every column is empty or an identifier)",
        ));
    }
    let n_real = real.1.iter().map(|b| b.num_rows()).sum::<usize>();
    let n_syn = synth.1.iter().map(|b| b.num_rows()).sum::<usize>();
    let n_hold = holdout.map(|h| h.1.iter().map(|b| b.num_rows()).sum::<usize>());
    if n_real == 0 || n_syn == 0 {
        return Err(DataError::usage(
            "the real and the synthetic data need at least one row each",
        ));
    }

    // Fidelity.
    let mut columns = Vec::new();
    for (name, c) in names.iter().zip(&cols) {
        match c {
            EvalCol::Cat { codes, labels } => {
                let (p, q) = (
                    shares(&codes[0], labels.len()),
                    shares(&codes[1], labels.len()),
                );
                let d = tvd(&p, &q);
                let mut order: Vec<usize> = (0..p.len()).collect();
                order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
                order.truncate(20);
                columns.push(ColumnScore {
                    column: name.clone(),
                    metric: "tvd".into(),
                    distance: d,
                    score: 1.0 - d,
                    labels: order
                        .iter()
                        .map(|&i| labels.get(i).cloned().unwrap_or_else(|| "(null)".into()))
                        .collect(),
                    real: order.iter().map(|&i| p[i]).collect(),
                    synthetic: order.iter().map(|&i| q[i]).collect(),
                });
            }
            EvalCol::Num { vals, lo, hi } => {
                let d = ks(&vals[0], &vals[1]);
                let nb = 20usize;
                let hist = |v: &[f64]| {
                    let mut h = vec![0f64; nb];
                    let mut n = 0.0;
                    for &x in v.iter().filter(|x| !x.is_nan()) {
                        let k = if hi > lo {
                            (((x - lo) / (hi - lo)) * nb as f64) as isize
                        } else {
                            0
                        };
                        h[k.clamp(0, nb as isize - 1) as usize] += 1.0;
                        n += 1.0;
                    }
                    h.iter().map(|c| c / f64::max(n, 1.0)).collect::<Vec<_>>()
                };
                columns.push(ColumnScore {
                    column: name.clone(),
                    metric: "ks".into(),
                    distance: d,
                    score: 1.0 - d,
                    labels: (0..nb)
                        .map(|k| format!("{:.4}", lo + (hi - lo) * k as f64 / nb as f64))
                        .collect(),
                    real: hist(&vals[0]),
                    synthetic: hist(&vals[1]),
                });
            }
        }
    }
    let (bcodes, sizes) = binned(&cols);
    let mut pairs = Vec::new();
    let d = cols.len();
    let mut assoc_r = vec![vec![1.0; d]; d];
    let mut assoc_s = vec![vec![1.0; d]; d];
    for a in 0..d {
        for b in a + 1..d {
            let sb = sizes[b];
            let table = |k: usize| {
                let mut t = vec![0f64; sizes[a] * sb];
                for (&x, &y) in bcodes[a][k].iter().zip(&bcodes[b][k]) {
                    t[x as usize * sb + y as usize] += 1.0;
                }
                let n: f64 = t.iter().sum::<f64>().max(1.0);
                t.iter().map(|v| v / n).collect::<Vec<_>>()
            };
            let t = tvd(&table(0), &table(1));
            pairs.push(PairScore {
                a: names[a].clone(),
                b: names[b].clone(),
                tvd: t,
                score: 1.0 - t,
            });
            let assoc = |k: usize| match (&cols[a], &cols[b]) {
                (EvalCol::Num { vals: va, .. }, EvalCol::Num { vals: vb, .. }) => {
                    pearson(&va[k], &vb[k])
                }
                _ => cramers_v(&bcodes[a][k], &bcodes[b][k], sizes[a], sizes[b]),
            };
            let (r, s) = (assoc(0), assoc(1));
            assoc_r[a][b] = r;
            assoc_r[b][a] = r;
            assoc_s[a][b] = s;
            assoc_s[b][a] = s;
        }
    }
    let mad = if pairs.is_empty() {
        0.0
    } else {
        let mut s = 0.0;
        for a in 0..d {
            for b in a + 1..d {
                s += (assoc_r[a][b] - assoc_s[a][b]).abs();
            }
        }
        s / pairs.len() as f64
    };
    let column_shapes = columns.iter().map(|c| c.score).sum::<f64>() / columns.len() as f64;
    let column_pairs = if pairs.is_empty() {
        1.0
    } else {
        pairs.iter().map(|p| p.score).sum::<f64>() / pairs.len() as f64
    };

    // Utility.
    let util = match (&opts.target, holdout) {
        (Some(t), Some(_)) => Some(utility(&cols, &names, t, opts.seed)?),
        (Some(_), None) => return Err(DataError::usage("--target needs --holdout")),
        _ => None,
    };

    // Privacy.
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x7072_6976);
    let m_ref = n_hold.map_or(n_real, |h| h.min(n_real)).min(10_000);
    let train_rows = pick(n_real, m_ref, &mut rng);
    let syn_rows = pick(n_syn, 2_000, &mut rng);
    let tr = Records::build(&cols, 0, &train_rows);
    let sy = Records::build(&cols, 1, &syn_rows);
    let dcr_train: Vec<f64> = sy.x.iter().map(|r| sy.nearest(r, &tr)).collect();
    let all_train = Records::build(&cols, 0, &(0..n_real).collect::<Vec<_>>());
    let train_keys: HashSet<Vec<u64>> = all_train.x.iter().map(|r| key(r)).collect();
    let all_syn = Records::build(&cols, 1, &(0..n_syn).collect::<Vec<_>>());
    let exact_train_full = all_syn
        .x
        .iter()
        .filter(|r| train_keys.contains(&key(r)))
        .count() as f64
        / n_syn as f64;
    let mut privacy = Privacy {
        dcr_train_quantiles: quantiles(&mut dcr_train.clone()),
        dcr_holdout_quantiles: None,
        closer_to_train_share: None,
        exact_match_train: exact_train_full,
        exact_match_holdout: None,
        mia_auc: None,
        mia_advantage: None,
        reference_rows: m_ref,
        synthetic_rows_sampled: syn_rows.len(),
        note: "without a holdout there is no baseline: DCR and exact matches are shown against the training data only".into(),
    };
    if let Some(nh) = n_hold {
        let hold_rows = pick(nh, m_ref, &mut rng);
        let ho = Records::build(&cols, 2, &hold_rows);
        let dcr_hold: Vec<f64> = sy.x.iter().map(|r| sy.nearest(r, &ho)).collect();
        let closer = dcr_train
            .iter()
            .zip(&dcr_hold)
            .map(|(a, b)| {
                if a < b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            / dcr_train.len().max(1) as f64;
        // Exact matches against equal-size samples of training and holdout rows.
        let tk: HashSet<Vec<u64>> = tr.x.iter().map(|r| key(r)).collect();
        let hk: HashSet<Vec<u64>> = ho.x.iter().map(|r| key(r)).collect();
        let em_t = all_syn.x.iter().filter(|r| tk.contains(&key(r))).count() as f64 / n_syn as f64;
        let em_h = all_syn.x.iter().filter(|r| hk.contains(&key(r))).count() as f64 / n_syn as f64;
        // Membership inference: members = training rows, non-members = holdout rows.
        let m_mia = m_ref.min(1_000);
        let syn_ref_rows = pick(n_syn, 5_000, &mut rng);
        let syn_ref = Records::build(&cols, 1, &syn_ref_rows);
        let mem_rows = pick(n_real, m_mia, &mut rng);
        let non_rows = pick(nh, m_mia, &mut rng);
        let mem = Records::build(&cols, 0, &mem_rows);
        let non = Records::build(&cols, 2, &non_rows);
        let dm: Vec<f64> = mem.x.iter().map(|r| mem.nearest(r, &syn_ref)).collect();
        let dn: Vec<f64> = non.x.iter().map(|r| non.nearest(r, &syn_ref)).collect();
        let (a, adv) = auc(&dm, &dn);
        privacy.dcr_holdout_quantiles = Some(quantiles(&mut dcr_hold.clone()));
        privacy.closer_to_train_share = Some(closer);
        privacy.exact_match_train = em_t;
        privacy.exact_match_holdout = Some(em_h);
        privacy.mia_auc = Some(a);
        privacy.mia_advantage = Some(adv);
        privacy.note = format!(
            "DCR, exact matches and the attack use equal-size samples of training and holdout rows ({m_ref}); the attack scores {m_mia} members and {m_mia} non-members by their distance to the closest of {} synthetic rows",
            syn_ref_rows.len()
        );
    }
    let utility_ratio = util.as_ref().and_then(|u| {
        let r: Vec<f64> = u
            .models
            .iter()
            .filter_map(|m| Some(m.synthetic_accuracy? / m.real_accuracy?))
            .collect();
        (!r.is_empty()).then(|| r.iter().sum::<f64>() / r.len() as f64)
    });
    Ok(Report {
        real_rows: n_real,
        synthetic_rows: n_syn,
        holdout_rows: n_hold,
        scores: Scores {
            column_shapes,
            column_pairs,
            fidelity: (column_shapes + column_pairs) / 2.0,
            utility_ratio,
            mia_advantage: privacy.mia_advantage,
        },
        skipped_columns: skipped,
        columns,
        pairs,
        association: Association {
            columns: names,
            real: assoc_r,
            synthetic: assoc_s,
            mean_abs_difference: mad,
        },
        utility: util,
        privacy,
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn bars(c: &ColumnScore) -> String {
    let n = c.labels.len().max(1);
    let (w, h) = (560.0, 160.0);
    let bw = w / n as f64;
    let max = c
        .real
        .iter()
        .chain(&c.synthetic)
        .copied()
        .fold(1e-9, f64::max);
    let mut s = format!(
        "<svg width=\"{w}\" height=\"{}\" role=\"img\"><title>{}</title>",
        h + 20.0,
        esc(&c.column)
    );
    for (i, (r, y)) in c.real.iter().zip(&c.synthetic).enumerate() {
        let x = i as f64 * bw;
        let hr = r / max * h;
        let hs = y / max * h;
        s += &format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4c72b0\"><title>{} real {:.4}</title></rect>",
            x + 1.0,
            h - hr,
            (bw / 2.0 - 1.0).max(0.5),
            hr,
            esc(&c.labels[i]),
            r
        );
        s += &format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#dd8452\"><title>{} synthetic {:.4}</title></rect>",
            x + bw / 2.0,
            h - hs,
            (bw / 2.0 - 1.0).max(0.5),
            hs,
            esc(&c.labels[i]),
            y
        );
    }
    s += &format!(
        "<text x=\"0\" y=\"{}\" font-size=\"11\">{} … {}</text></svg>",
        h + 15.0,
        esc(c.labels.first().map_or("", |s| s)),
        esc(c.labels.last().map_or("", |s| s))
    );
    s
}

fn heat(m: &[Vec<f64>], names: &[String]) -> String {
    let d = names.len();
    let cell = 22.0;
    let left = 140.0;
    let mut s = format!(
        "<svg width=\"{}\" height=\"{}\">",
        left + cell * d as f64 + 10.0,
        cell * d as f64 + 10.0
    );
    for i in 0..d {
        s += &format!(
            "<text x=\"0\" y=\"{}\" font-size=\"11\">{}</text>",
            i as f64 * cell + 15.0,
            esc(&names[i])
        );
        for j in 0..d {
            let v = m[i][j].abs().min(1.0);
            let shade = (255.0 * (1.0 - v)) as u8;
            s += &format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb(255,{shade},{shade})\"><title>{} × {}: {:.3}</title></rect>",
                left + j as f64 * cell,
                i as f64 * cell,
                esc(&names[i]),
                esc(&names[j]),
                m[i][j]
            );
        }
    }
    s + "</svg>"
}

/// The self-contained HTML report (inline SVG, no scripts).
pub fn report_html(r: &Report, real: &str, synth: &str) -> String {
    let mut h = String::new();
    h += "<!doctype html><html><head><meta charset=\"utf-8\"><title>Synthetic data evaluation</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}.l{text-align:left}</style></head><body>";
    h += &format!(
        "<h1>Synthetic data evaluation</h1><p>Real: <b>{}</b> ({} rows) — synthetic: <b>{}</b> ({} rows){}</p>",
        esc(real),
        r.real_rows,
        esc(synth),
        r.synthetic_rows,
        r.holdout_rows
            .map_or(String::new(), |n| format!(" — holdout: {n} rows"))
    );
    h += &format!(
        "<h2>Scores</h2><table><tr><th>column shapes</th><th>column pairs</th><th>fidelity</th><th>utility ratio</th><th>membership-inference advantage</th></tr><tr><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{}</td><td>{}</td></tr></table>",
        r.scores.column_shapes,
        r.scores.column_pairs,
        r.scores.fidelity,
        r.scores
            .utility_ratio
            .map_or("—".into(), |v| format!("{v:.4}")),
        r.scores
            .mia_advantage
            .map_or("—".into(), |v| format!("{v:.4}"))
    );
    if !r.skipped_columns.is_empty() {
        h += &format!(
            "<p>Not compared: {}</p>",
            esc(&r.skipped_columns.join(", "))
        );
    }
    h += "<h2>Fidelity: columns</h2><p>Blue: real, orange: synthetic. Score = 1 − TVD (categories) or 1 − KS (numbers).</p>";
    for c in &r.columns {
        h += &format!(
            "<h3>{} — {} {:.4}, score {:.4}</h3>{}",
            esc(&c.column),
            c.metric.to_uppercase(),
            c.distance,
            c.score,
            bars(c)
        );
    }
    h += "<h2>Fidelity: pairs (1 − two-way TVD)</h2><table><tr><th class=l>a</th><th class=l>b</th><th>TVD</th><th>score</th></tr>";
    let mut pairs = r.pairs.clone();
    pairs.sort_by(|a, b| a.score.total_cmp(&b.score));
    for p in &pairs {
        h += &format!(
            "<tr><td class=l>{}</td><td class=l>{}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            esc(&p.a),
            esc(&p.b),
            p.tvd,
            p.score
        );
    }
    h += "</table>";
    let diff: Vec<Vec<f64>> = r
        .association
        .real
        .iter()
        .zip(&r.association.synthetic)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x - y).collect())
        .collect();
    h += &format!(
        "<h2>Associations (Pearson / Cramér's V)</h2><p>Mean absolute difference: {:.4}</p><table><tr><th>real</th><th>synthetic</th><th>difference</th></tr><tr><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        r.association.mean_abs_difference,
        heat(&r.association.real, &r.association.columns),
        heat(&r.association.synthetic, &r.association.columns),
        heat(&diff, &r.association.columns)
    );
    if let Some(u) = &r.utility {
        h += &format!(
            "<h2>Utility: predicting {}</h2><p>{}</p><table><tr><th class=l>model</th><th>accuracy (train real)</th><th>accuracy (train synthetic)</th><th>macro F1 (real)</th><th>macro F1 (synthetic)</th></tr>",
            esc(&u.target),
            esc(&u.note)
        );
        let f = |v: Option<f64>| v.map_or("—".into(), |x| format!("{x:.4}"));
        for m in &u.models {
            h += &format!(
                "<tr><td class=l>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.model),
                m.error
                    .as_ref()
                    .map_or(String::new(), |e| format!(" ({})", esc(e))),
                f(m.real_accuracy),
                f(m.synthetic_accuracy),
                f(m.real_macro_f1),
                f(m.synthetic_macro_f1)
            );
        }
        h += "</table>";
    }
    let p = &r.privacy;
    let q = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.4}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    h += &format!(
        "<h2>Privacy</h2><p>{}</p><table><tr><th class=l>measure</th><th>value</th></tr><tr><td class=l>DCR to training rows (5/25/50/75/95 %)</td><td>{}</td></tr>",
        esc(&p.note),
        q(&p.dcr_train_quantiles)
    );
    if let Some(hq) = &p.dcr_holdout_quantiles {
        h += &format!(
            "<tr><td class=l>DCR to holdout rows (5/25/50/75/95 %)</td><td>{}</td></tr>",
            q(hq)
        );
    }
    if let Some(c) = p.closer_to_train_share {
        h += &format!(
            "<tr><td class=l>share of synthetic rows closer to training than holdout (0.5 = no signal)</td><td>{c:.4}</td></tr>"
        );
    }
    h += &format!(
        "<tr><td class=l>exact matches with training rows</td><td>{:.4}</td></tr>",
        p.exact_match_train
    );
    if let Some(e) = p.exact_match_holdout {
        h += &format!("<tr><td class=l>exact matches with holdout rows</td><td>{e:.4}</td></tr>");
    }
    if let (Some(a), Some(adv)) = (p.mia_auc, p.mia_advantage) {
        h += &format!(
            "<tr><td class=l>membership inference AUC / advantage</td><td>{a:.4} / {adv:.4}</td></tr>"
        );
    }
    h += "</table></body></html>";
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_and_tvd_basics() {
        assert_eq!(ks(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
        assert_eq!(ks(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
        assert!((ks(&[1.0, 2.0, 3.0, 4.0], &[3.0, 4.0, 5.0, 6.0]) - 0.5).abs() < 1e-12);
        assert!((tvd(&[0.5, 0.5], &[1.0, 0.0]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn auc_of_separated_and_equal_scores() {
        let (a, adv) = auc(&[0.0, 0.1], &[0.5, 0.6]);
        assert!((a - 1.0).abs() < 1e-12 && (adv - 1.0).abs() < 1e-12);
        let (a, adv) = auc(&[0.3, 0.3], &[0.3, 0.3]);
        assert!((a - 0.5).abs() < 1e-12 && adv.abs() < 1e-12);
    }
}
