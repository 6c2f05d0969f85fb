//! Re-identification risk of a sample (docs/risk.md): sample-based risks under the prosecutor,
//! journalist and marketer attacker models, and population-uniqueness estimators (Pitman after
//! Hoshino 2001, Zayatz 1991, SNB after Chen & Keller-McNulty 1998, and Dankar et al.'s 2012
//! decision rule among them).
//!
//! Everything is computed from the sizes of the equivalence classes over the quasi-identifiers;
//! estimators that do not converge or whose parameters leave their valid range give `None` with
//! a reason, never a number.

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use datalab_data::DataError;
use datalab_data::provider::{AggregateProvider, GroupBy, GroupQuery, MemoryTable};
use serde::{Deserialize, Serialize};

/// Population presets: ARX's USA figure, and EU figures (Eurostat, 1 January 2024, rounded to the
/// thousand). Pass --population-size for an exact figure.
pub const POPULATION_PRESETS: &[(&str, u64)] = &[
    ("USA", 317_238_626),
    ("EU", 449_206_000),
    ("AT", 9_159_000),
    ("BE", 11_832_000),
    ("BG", 6_445_000),
    ("HR", 3_862_000),
    ("CY", 934_000),
    ("CZ", 10_901_000),
    ("DK", 5_961_000),
    ("EE", 1_375_000),
    ("FI", 5_604_000),
    ("FR", 68_402_000),
    ("DE", 83_445_000),
    ("GR", 10_397_000),
    ("HU", 9_585_000),
    ("IE", 5_271_000),
    ("IT", 58_990_000),
    ("LV", 1_872_000),
    ("LT", 2_886_000),
    ("LU", 672_000),
    ("MT", 563_000),
    ("NL", 17_943_000),
    ("PL", 36_621_000),
    ("PT", 10_640_000),
    ("RO", 19_064_000),
    ("SK", 5_425_000),
    ("SI", 2_124_000),
    ("ES", 48_620_000),
    ("SE", 10_552_000),
];

/// The population of a preset region (`USA`, `EU` or an EU member state's ISO code).
pub fn population_preset(code: &str) -> Option<u64> {
    let code = code.trim().to_ascii_uppercase();
    POPULATION_PRESETS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|&(_, n)| n)
}

/// Errors of the risk analysis: all are usage errors (bad input or options).
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Data(#[from] DataError),
}

/// The sizes of the equivalence classes over `qis` (nulls form their own value).
pub fn class_sizes(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    qis: &[String],
) -> Result<Vec<u64>, RiskError> {
    if qis.is_empty() {
        return Err(RiskError::Usage(
            "risk analysis needs at least one quasi-identifier".into(),
        ));
    }
    let table = MemoryTable::new(schema, batches);
    let query = GroupQuery {
        group_by: qis.iter().map(|q| GroupBy::column(q.as_str())).collect(),
        sums: Vec::new(),
    };
    Ok(table.group_counts(&query)?.counts)
}

/// Each record's equivalence class over the quasi-identifiers.
pub struct RowClasses {
    /// Class index of every row, in input order.
    pub class_of_row: Vec<u32>,
    /// Records per class.
    pub sizes: Vec<u64>,
    /// The quasi-identifier values of each class (`None` for null), in `qis` order.
    pub keys: Vec<Vec<Option<String>>>,
}

/// Assigns every row its class over `qis` (values compared by their text form, nulls as a value).
pub fn row_classes(table: &MemoryTable, qis: &[String]) -> Result<RowClasses, RiskError> {
    if qis.is_empty() {
        return Err(RiskError::Usage(
            "risk analysis needs at least one quasi-identifier".into(),
        ));
    }
    let columns = qis
        .iter()
        .map(|q| table.encoded(q))
        .collect::<Result<Vec<_>, DataError>>()?;
    let rows = table.rows();
    let mut index: rustc_hash::FxHashMap<Vec<u32>, u32> = Default::default();
    let mut class_of_row = Vec::with_capacity(rows);
    let mut sizes: Vec<u64> = Vec::new();
    let mut codes: Vec<Vec<u32>> = Vec::new();
    let mut key = Vec::with_capacity(qis.len());
    for r in 0..rows {
        key.clear();
        key.extend(columns.iter().map(|c| c.codes[r]));
        let class = match index.get(&key) {
            Some(&c) => c,
            None => {
                let c = sizes.len() as u32;
                index.insert(key.clone(), c);
                sizes.push(0);
                codes.push(key.clone());
                c
            }
        };
        sizes[class as usize] += 1;
        class_of_row.push(class);
    }
    let keys = codes
        .iter()
        .map(|k| {
            k.iter()
                .zip(&columns)
                .map(|(&code, col)| {
                    (code != datalab_data::provider::NULL_CODE)
                        .then(|| col.dictionary.value(code).unwrap_or_default().to_string())
                })
                .collect()
        })
        .collect();
    Ok(RowClasses {
        class_of_row,
        sizes,
        keys,
    })
}

/// Journalist risk against a population table (an identification database the attacker could
/// link to): a record's risk is 1 / the number of population records sharing its
/// quasi-identifier values.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JournalistRisk {
    pub population_records: u64,
    pub highest_risk: f64,
    pub average_risk: f64,
    pub records_at_highest_risk: u64,
    pub threshold: f64,
    pub records_above_threshold: u64,
    pub records_above_threshold_share: f64,
    /// Sample classes missing from the population table or larger there than in the population
    /// (the table is then not a superset of the sample); their sample size is used instead.
    pub inconsistent_classes: u64,
}

/// Population class size for each sample class (by quasi-identifier values); classes missing
/// from the population or smaller there than in the sample get the sample size.
pub fn population_class_sizes(sample: &RowClasses, population: &RowClasses) -> (Vec<u64>, u64) {
    let lookup: rustc_hash::FxHashMap<&[Option<String>], u64> = population
        .keys
        .iter()
        .map(Vec::as_slice)
        .zip(population.sizes.iter().copied())
        .collect();
    let mut inconsistent = 0;
    let sizes = sample
        .keys
        .iter()
        .zip(&sample.sizes)
        .map(|(k, &f)| match lookup.get(k.as_slice()) {
            Some(&big_f) if big_f >= f => big_f,
            _ => {
                inconsistent += 1;
                f
            }
        })
        .collect();
    (sizes, inconsistent)
}

/// Journalist risk from sample class sizes and the matching population class sizes.
pub fn journalist_risk(
    sample_sizes: &[u64],
    population_sizes: &[u64],
    population_records: u64,
    inconsistent_classes: u64,
    threshold: f64,
) -> Result<JournalistRisk, RiskError> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(RiskError::Usage(format!(
            "the risk threshold must be between 0 and 1, not {threshold}"
        )));
    }
    let n: u64 = sample_sizes.iter().sum();
    if n == 0 || sample_sizes.len() != population_sizes.len() {
        return Err(RiskError::Usage(
            "journalist risk needs at least one record and a population size per class".into(),
        ));
    }
    let smallest = population_sizes
        .iter()
        .zip(sample_sizes)
        .filter(|(_, f)| **f > 0)
        .map(|(&p, _)| p)
        .min()
        .unwrap_or(1)
        .max(1);
    let (mut sum, mut at_highest, mut above) = (0.0, 0u64, 0u64);
    for (&f, &big_f) in sample_sizes.iter().zip(population_sizes) {
        let risk = 1.0 / big_f.max(1) as f64;
        sum += f as f64 * risk;
        if big_f.max(1) == smallest {
            at_highest += f;
        }
        if risk > threshold {
            above += f;
        }
    }
    Ok(JournalistRisk {
        population_records,
        highest_risk: 1.0 / smallest as f64,
        average_risk: sum / n as f64,
        records_at_highest_risk: at_highest,
        threshold,
        records_above_threshold: above,
        records_above_threshold_share: above as f64 / n as f64,
        inconsistent_classes,
    })
}

/// Frequencies of class sizes: size → number of classes of that size (sizes > 0 only).
fn histogram(sizes: &[u64]) -> BTreeMap<u64, u64> {
    let mut h = BTreeMap::new();
    for &s in sizes.iter().filter(|&&s| s > 0) {
        *h.entry(s).or_insert(0) += 1;
    }
    h
}

/// Sample-based risks. The journalist model without a population table equals the prosecutor
/// model, so its numbers are the prosecutor's.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SampleRisk {
    pub records: u64,
    pub classes: u64,
    /// 1 / size of the smallest class.
    pub highest_risk: f64,
    /// Mean over records of 1 / (size of the record's class) = classes / records.
    pub average_prosecutor_risk: f64,
    /// Expected share of records re-identified by a marketer = classes / records.
    pub marketer_risk: f64,
    /// Records in the smallest classes (those at the highest risk), count and share.
    pub records_at_highest_risk: u64,
    pub records_at_highest_risk_share: f64,
    /// The threshold given and the share of records whose risk exceeds it.
    pub threshold: f64,
    pub records_above_threshold: u64,
    pub records_above_threshold_share: f64,
    /// Records alone in their class.
    pub sample_uniques: u64,
    pub sample_uniques_share: f64,
}

/// Sample-based risks from class sizes (zero sizes are ignored). `threshold` is a risk in [0, 1].
pub fn sample_risk(sizes: &[u64], threshold: f64) -> Result<SampleRisk, RiskError> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(RiskError::Usage(format!(
            "the risk threshold must be between 0 and 1, not {threshold}"
        )));
    }
    let h = histogram(sizes);
    let Some((&min, _)) = h.iter().next() else {
        return Err(RiskError::Usage(
            "risk analysis needs at least one record".into(),
        ));
    };
    let mut records: u64 = 0;
    let mut classes: u64 = 0;
    let mut above: u64 = 0;
    for (&size, &count) in &h {
        let recs = size.saturating_mul(count);
        records = records.saturating_add(recs);
        classes += count;
        if 1.0 / size as f64 > threshold {
            above = above.saturating_add(recs);
        }
    }
    let n = records as f64;
    let uniques = h.get(&1).copied().unwrap_or(0);
    let at_highest = min.saturating_mul(h[&min]);
    Ok(SampleRisk {
        records,
        classes,
        highest_risk: 1.0 / min as f64,
        average_prosecutor_risk: classes as f64 / n,
        marketer_risk: classes as f64 / n,
        records_at_highest_risk: at_highest,
        records_at_highest_risk_share: at_highest as f64 / n,
        threshold,
        records_above_threshold: above,
        records_above_threshold_share: above as f64 / n,
        sample_uniques: uniques,
        sample_uniques_share: uniques as f64 / n,
    })
}

/// One estimator's answer: population uniques as a count and as a share of the population, or
/// the reason it is not applicable.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Estimate {
    pub population_uniques: Option<f64>,
    pub share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
}

impl Estimate {
    fn value(uniques: f64, population: f64) -> Estimate {
        Estimate {
            population_uniques: Some(uniques),
            share: Some(uniques / population),
            not_applicable: None,
        }
    }

    fn none(reason: impl Into<String>) -> Estimate {
        Estimate {
            population_uniques: None,
            share: None,
            not_applicable: Some(reason.into()),
        }
    }

    fn is_some(&self) -> bool {
        self.population_uniques.is_some()
    }
}

/// Which estimator Dankar et al.'s rule chose.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Chosen {
    Pitman,
    Zayatz,
    Snb,
    /// No sample uniques: no population uniques among the sample's classes.
    None,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PopulationRisk {
    pub population: u64,
    pub sampling_fraction: f64,
    pub pitman: Estimate,
    pub zayatz: Estimate,
    pub snb: Estimate,
    pub dankar: Estimate,
    pub dankar_choice: Option<Chosen>,
}

/// The whole analysis.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RiskReport {
    pub sample: SampleRisk,
    /// Present when a population size was given.
    pub population: Option<PopulationRisk>,
}

pub fn analyze(
    sizes: &[u64],
    threshold: f64,
    population: Option<u64>,
) -> Result<RiskReport, RiskError> {
    let sample = sample_risk(sizes, threshold)?;
    let population = population
        .map(|p| population_uniqueness(sizes, p))
        .transpose()?;
    Ok(RiskReport { sample, population })
}

/// Population-uniqueness estimates for a sample with these class sizes drawn from a population
/// of `population` records.
pub fn population_uniqueness(sizes: &[u64], population: u64) -> Result<PopulationRisk, RiskError> {
    let h = histogram(sizes);
    let n: u64 = h.iter().fold(0u64, |acc, (&s, &c)| {
        acc.saturating_add(s.saturating_mul(c))
    });
    if n == 0 {
        return Err(RiskError::Usage(
            "risk analysis needs at least one record".into(),
        ));
    }
    if population < n {
        return Err(RiskError::Usage(format!(
            "the population ({population}) must be at least the sample size ({n})"
        )));
    }
    let big_n = population as f64;
    let pi = n as f64 / big_n;
    let f1 = h.get(&1).copied().unwrap_or(0);
    if f1 == 0 {
        let zero = Estimate::value(0.0, big_n);
        return Ok(PopulationRisk {
            population,
            sampling_fraction: pi,
            pitman: zero.clone(),
            zayatz: zero.clone(),
            snb: zero.clone(),
            dankar: zero,
            dankar_choice: Some(Chosen::None),
        });
    }
    let pitman = pitman(&h, n, big_n);
    let zayatz = zayatz(&h, n, population);
    let snb = if pi > SNB_MIN_SAMPLING_FRACTION {
        snb(&h, n, big_n)
    } else {
        Estimate::none(format!(
            "SNB: applied only to sampling fractions above {:.0}% (where Dankar et al.'s rule uses it); here {:.4}%",
            100.0 * SNB_MIN_SAMPLING_FRACTION,
            100.0 * pi
        ))
    };
    let (dankar, choice) = if pi <= 0.1 {
        if pitman.is_some() {
            (pitman.clone(), Some(Chosen::Pitman))
        } else if zayatz.is_some() {
            (zayatz.clone(), Some(Chosen::Zayatz))
        } else {
            (
                Estimate::none("neither Pitman nor Zayatz is applicable"),
                None,
            )
        }
    } else {
        match (&snb.population_uniques, &zayatz.population_uniques) {
            (Some(s), Some(z)) if z < s => (zayatz.clone(), Some(Chosen::Zayatz)),
            (Some(_), _) => (snb.clone(), Some(Chosen::Snb)),
            (None, Some(_)) => (zayatz.clone(), Some(Chosen::Zayatz)),
            (None, None) => (Estimate::none("neither SNB nor Zayatz is applicable"), None),
        }
    };
    Ok(PopulationRisk {
        population,
        sampling_fraction: pi,
        pitman,
        zayatz,
        snb,
        dankar,
        dankar_choice: choice,
    })
}

/// Below this sampling fraction SNB is reported as not applicable: Dankar et al. (2012) consult
/// it only above 10%, and for tiny fractions its fit is driven by the extrapolated number of
/// population classes (docs/risk.md). [`snb_estimate`] gives the raw fit regardless.
pub const SNB_MIN_SAMPLING_FRACTION: f64 = 0.1;

/// The SNB estimate without the sampling-fraction restriction of [`population_uniqueness`].
pub fn snb_estimate(sizes: &[u64], population: u64) -> Result<Estimate, RiskError> {
    let h = histogram(sizes);
    let n: u64 = h.iter().map(|(&s, &c)| s.saturating_mul(c)).sum();
    if n == 0 || population < n {
        return Err(RiskError::Usage(format!(
            "SNB needs a non-empty sample no larger than the population ({population})"
        )));
    }
    Ok(snb(&h, n, population as f64))
}

/// Hypergeometric P(X = 1): a class of `k` population records leaves exactly one record in a
/// sample of `n` drawn without replacement from `big_n`. One given record is drawn (n/N) and the
/// other k − 1 are not.
fn hyper_one(big_n: u64, k: u64, n: u64) -> f64 {
    if k == 0 || k > big_n || n == 0 || k - 1 > big_n - n {
        return 0.0;
    }
    let (bn, nf) = (big_n as f64, n as f64);
    let mut log_p = (k as f64).ln() + nf.ln() - bn.ln();
    if k > 100_000 {
        // Long products through ln Γ: Π (N−n−j+1)/(N−j) = Γ(N−n+1) Γ(N−k+1) / (Γ(N−n−k+2) Γ(N)).
        let kf = k as f64;
        log_p += ln_gamma(bn - nf + 1.0) + ln_gamma(bn - kf + 1.0)
            - ln_gamma(bn - nf - kf + 2.0)
            - ln_gamma(bn);
        return if log_p.is_finite() { log_p.exp() } else { 0.0 };
    }
    for j in 1..k {
        let j = j as f64;
        log_p += ((bn - nf - j + 1.0) / (bn - j)).ln();
        if log_p < -745.0 {
            return 0.0;
        }
    }
    log_p.exp()
}

/// Zayatz (1991): the share of sample uniques that are population uniques is estimated as
/// P(class of population size 1 | sample size 1), with the sample's class-size distribution as
/// the prior over population class sizes; population uniques = f1 × that share / π.
fn zayatz(h: &BTreeMap<u64, u64>, n: u64, population: u64) -> Estimate {
    let classes: u64 = h.values().sum();
    let f1 = h.get(&1).copied().unwrap_or(0) as f64;
    let mut denom = 0.0;
    for (&size, &count) in h {
        denom += count as f64 / classes as f64 * hyper_one(population, size, n);
    }
    let numer = f1 / classes as f64 * hyper_one(population, 1, n);
    if denom.is_nan() || denom <= 0.0 {
        return Estimate::none("Zayatz: the conditional probability is undefined (0/0)");
    }
    let share = numer / denom;
    let big_n = population as f64;
    let uniques = f1 * share * big_n / n as f64;
    if !uniques.is_finite() || uniques <= 0.0 || uniques > big_n {
        return Estimate::none("Zayatz: the estimate is outside [0, population]");
    }
    Estimate::value(uniques, big_n)
}

/// Pitman's sampling formula (Hoshino 2001): θ and α by maximum likelihood (Newton–Raphson on
/// the score), population uniques ≈ Γ(θ+1)/Γ(θ+α) · N^α.
fn pitman(h: &BTreeMap<u64, u64>, n: u64, big_n: f64) -> Estimate {
    let u = h.values().sum::<u64>() as f64;
    let nf = n as f64;
    if u < 2.0 || n < 2 || u >= nf {
        return Estimate::none(
            "Pitman: needs at least two classes and at least one class with two records",
        );
    }
    let c1 = h.get(&1).copied().unwrap_or(0) as f64;
    let c2 = (h.get(&2).copied().unwrap_or(0) as f64).max(1.0);
    // Starting values from the moment-type relations of Hoshino (2001), then fall-backs.
    let c = c1 * (c1 - 1.0) / c2;
    let t0 = (nf * u * c - c1 * (nf - 1.0) * (2.0 * u + c)) / (2.0 * c1 * u + c1 * c - nf * c);
    let a0 = (t0 * (c1 - nf) + (nf - 1.0) * c1) / (nf * u);
    let starts = [(t0, a0), (u / nf.ln(), 0.5), (1.0, 0.9), (u, 0.1)];
    let sizes: Vec<(f64, f64)> = h.iter().map(|(&s, &c)| (s as f64, c as f64)).collect();
    for (t, a) in starts {
        if !(t.is_finite() && a.is_finite() && a < 1.0 && a > 0.0 && t + a > 0.0) {
            continue;
        }
        if let Some((t, a)) = pitman_newton(t, a, u, nf, &sizes) {
            if a <= 0.0 {
                return Estimate::none("Pitman: the estimated α is not positive");
            }
            let log_u = ln_gamma(t + 1.0) - ln_gamma(t + a) + a * big_n.ln();
            let uniques = log_u.exp();
            if !uniques.is_finite() || uniques <= 0.0 || uniques > big_n {
                return Estimate::none("Pitman: the estimate is outside [0, population]");
            }
            return Estimate::value(uniques, big_n);
        }
    }
    Estimate::none("Pitman: the maximum-likelihood equations do not converge")
}

/// Score and Hessian of Pitman's log-likelihood at (θ, α).
fn pitman_derivatives(
    t: f64,
    a: f64,
    u: f64,
    n: f64,
    sizes: &[(f64, f64)],
) -> ([f64; 2], [f64; 3]) {
    let (mut gt, mut ga, mut htt, mut hta, mut haa) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut i = 1.0;
    while i < u {
        let d = t + i * a;
        gt += 1.0 / d;
        ga += i / d;
        htt -= 1.0 / (d * d);
        hta -= i / (d * d);
        haa -= i * i / (d * d);
        i += 1.0;
    }
    let mut i = 1.0;
    while i < n {
        let d = t + i;
        gt -= 1.0 / d;
        htt += 1.0 / (d * d);
        i += 1.0;
    }
    // Σ_j f_j Σ_{i<j} 1/(i−α): cumulative sums over i as the sizes (sorted) grow.
    let (mut s1, mut s2, mut next) = (0.0, 0.0, 1.0);
    for &(size, count) in sizes {
        while next < size {
            let d = next - a;
            s1 += 1.0 / d;
            s2 += 1.0 / (d * d);
            next += 1.0;
        }
        ga -= count * s1;
        haa -= count * s2;
    }
    ([gt, ga], [htt, hta, haa])
}

fn pitman_newton(
    mut t: f64,
    mut a: f64,
    u: f64,
    n: f64,
    sizes: &[(f64, f64)],
) -> Option<(f64, f64)> {
    for _ in 0..200 {
        let ([gt, ga], [htt, hta, haa]) = pitman_derivatives(t, a, u, n, sizes);
        if !(gt.is_finite() && ga.is_finite()) {
            return None;
        }
        let det = htt * haa - hta * hta;
        if !det.is_finite() || det == 0.0 {
            return None;
        }
        let dt = (haa * gt - hta * ga) / det;
        let da = (htt * ga - hta * gt) / det;
        // Damp the step to stay in the parameter space 0 < α < 1, θ > −α.
        let mut step = 1.0;
        let (mut nt, mut na) = (t - dt, a - da);
        while !(na > 0.0 && na < 1.0 && nt + na > 0.0) {
            step /= 2.0;
            if step < 1e-12 {
                return None;
            }
            nt = t - step * dt;
            na = a - step * da;
        }
        let done = (nt - t).abs() <= 1e-13 * t.abs().max(1.0) && (na - a).abs() <= 1e-13;
        t = nt;
        a = na;
        if done {
            let ([gt, ga], _) = pitman_derivatives(t, a, u, n, sizes);
            let scale = u.max(1.0);
            return (gt.abs() < 1e-6 * scale && ga.abs() < 1e-6 * scale).then_some((t, a));
        }
    }
    None
}

/// SNB (Chen & Keller-McNulty 1998): population class sizes follow a negative binomial shifted
/// by one, P(F = j) ∝ NB(j − 1; α, β); with K non-empty population classes (Shlosser's estimate
/// from the sample) and sampling fraction f, α and β solve E[f1] = f1 and E[f2] = f2;
/// population uniques = K β^α.
fn snb(h: &BTreeMap<u64, u64>, n: u64, big_n: f64) -> Estimate {
    let u = h.values().sum::<u64>() as f64;
    let f = n as f64 / big_n;
    let c1 = h.get(&1).copied().unwrap_or(0) as f64;
    let c2 = h.get(&2).copied().unwrap_or(0) as f64;
    if c2 == 0.0 {
        return Estimate::none("SNB: needs at least one class of size two");
    }
    if f >= 1.0 {
        return Estimate::none("SNB: the sample is the whole population");
    }
    // Number of non-empty population classes: Shlosser's estimator in the refined form of
    // Haas et al. (1995, "Sh3"), as the SNB paper suggests.
    let q = 1.0 - f;
    let (mut s1, mut s2, mut s3, mut s4) = (0.0, 0.0, 0.0, 0.0);
    for (&s, &c) in h {
        let (s, c) = (s as f64, c as f64);
        s1 += s * f * f * (1.0 - f * f).powf(s - 1.0) * c;
        s2 += q.powf(s) * ((1.0 + f).powf(s) - 1.0) * c;
        s3 += q.powf(s) * c;
        s4 += s * f * q.powf(s - 1.0) * c;
    }
    if s2.is_nan() || s4.is_nan() || s2 <= 0.0 || s4 <= 0.0 {
        return Estimate::none("SNB: the number of population classes cannot be estimated");
    }
    let k = u + c1 * (s1 / s2) * (s3 / s4) * (s3 / s4);
    let eqs = |a: f64, b: f64| -> [f64; 2] {
        let d = q * (1.0 - b);
        let r = 1.0 - d;
        let e1 = k * f * (b / r).powf(a) * (a * d / r + 1.0) - c1;
        let e2 = k * a * b.powf(a) * f * f * (1.0 - b) / (2.0 * r.powf(a + 2.0))
            * (2.0 - (1.0 - a) * d)
            - c2;
        [e1 / c1, e2 / c2]
    };
    let starts = [
        (1.0, 0.5),
        (0.1, 0.1),
        (0.5, 0.01),
        (5.0, 0.9),
        (0.01, 0.001),
    ];
    for (mut a, mut b) in starts {
        let mut converged = false;
        for _ in 0..200 {
            let [g1, g2] = eqs(a, b);
            if !(g1.is_finite() && g2.is_finite()) {
                break;
            }
            if g1.abs() < 1e-12 && g2.abs() < 1e-12 {
                converged = true;
                break;
            }
            let (ha, hb) = (1e-7 * a.abs().max(1e-8), 1e-7 * b.abs().max(1e-8));
            let [p1, p2] = eqs(a + ha, b);
            let [r1, r2] = eqs(a, b + hb);
            let (j11, j21) = ((p1 - g1) / ha, (p2 - g2) / ha);
            let (j12, j22) = ((r1 - g1) / hb, (r2 - g2) / hb);
            let det = j11 * j22 - j12 * j21;
            if !det.is_finite() || det == 0.0 {
                break;
            }
            let da = (j22 * g1 - j12 * g2) / det;
            let db = (j11 * g2 - j21 * g1) / det;
            let mut step = 1.0;
            let (mut na, mut nb) = (a - da, b - db);
            while !(na > 0.0 && nb > 0.0 && nb < 1.0) {
                step /= 2.0;
                if step < 1e-12 {
                    break;
                }
                na = a - step * da;
                nb = b - step * db;
            }
            if !(na > 0.0 && nb > 0.0 && nb < 1.0) {
                break;
            }
            a = na;
            b = nb;
        }
        if converged {
            let uniques = k * b.powf(a);
            if uniques.is_finite() && uniques > 0.0 && uniques <= big_n {
                return Estimate::value(uniques, big_n);
            }
            return Estimate::none("SNB: the estimate is outside [0, population]");
        }
    }
    Estimate::none("SNB: the moment equations have no solution with α > 0 and 0 < β < 1")
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients; reflection below 0.5).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let s = (std::f64::consts::PI * x).sin();
        return (std::f64::consts::PI / s.abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut acc = C[0];
    for (i, &c) in C.iter().enumerate().skip(1) {
        acc += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + acc.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut fact = 1.0f64;
        for k in 1..30 {
            fact *= k as f64;
            let lg = ln_gamma(k as f64 + 1.0);
            assert!((lg - fact.ln()).abs() < 1e-12 * fact.ln().max(1.0), "{k}");
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
    }

    #[test]
    fn hypergeometric_one_matches_direct_formula() {
        // N = 10, K = 3, n = 4: 3 · C(7,3) / C(10,4) = 3 · 35 / 210 = 0.5
        assert!((hyper_one(10, 3, 4) - 0.5).abs() < 1e-12);
        assert_eq!(hyper_one(10, 8, 4), 0.0);
        // The ln Γ path agrees with the product for long classes.
        let (big_n, n, k) = (10_000_000u64, 50u64, 100_001u64);
        let mut p = (k as f64) * n as f64 / big_n as f64;
        for j in 1..k {
            p *= (big_n - n - j + 1) as f64 / (big_n - j) as f64;
        }
        assert!((hyper_one(big_n, k, n) - p).abs() < 1e-6 * p);
    }

    #[test]
    fn sample_risk_small() {
        let r = sample_risk(&[1, 1, 2, 4, 0], 0.4).unwrap();
        assert_eq!(r.records, 8);
        assert_eq!(r.classes, 4);
        assert_eq!(r.highest_risk, 1.0);
        assert_eq!(r.records_at_highest_risk, 2);
        assert_eq!(r.records_above_threshold, 4);
        assert_eq!(r.sample_uniques, 2);
        assert!((r.marketer_risk - 0.5).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(sample_risk(&[], 0.1).is_err());
        assert!(sample_risk(&[0, 0], 0.1).is_err());
        assert!(sample_risk(&[1], f64::NAN).is_err());
        assert!(population_uniqueness(&[5, 5], 3).is_err());
        assert!(population_uniqueness(&[], 3).is_err());
    }

    #[test]
    fn dankar_rule_for_large_sampling_fractions() {
        let mut sizes = vec![1u64; 40];
        sizes.extend([2u64; 25]);
        sizes.extend([3u64; 10]);
        sizes.extend([5u64; 4]);
        let n: u64 = sizes.iter().sum();
        let p = population_uniqueness(&sizes, n * 3).unwrap();
        assert!(p.sampling_fraction > 0.1);
        let z = p.zayatz.population_uniques.unwrap();
        let expected = match p.snb.population_uniques {
            Some(s) if s <= z => (s, Chosen::Snb),
            _ => (z, Chosen::Zayatz),
        };
        assert_eq!(p.dankar.population_uniques, Some(expected.0));
        assert_eq!(p.dankar_choice, Some(expected.1));
        // π ≤ 0.1 takes Pitman when it converges.
        let p = population_uniqueness(&sizes, n * 100).unwrap();
        if p.pitman.population_uniques.is_some() {
            assert_eq!(p.dankar_choice, Some(Chosen::Pitman));
            assert_eq!(p.dankar, p.pitman);
        }
    }

    #[test]
    fn no_sample_uniques_means_zero() {
        let p = population_uniqueness(&[2, 3, 4], 1000).unwrap();
        assert_eq!(p.dankar.population_uniques, Some(0.0));
        assert_eq!(p.dankar_choice, Some(Chosen::None));
    }

    #[test]
    fn degenerate_inputs_give_reasons_not_numbers() {
        for sizes in [&[1u64][..], &[1, 1, 1], &[1, 2], &[1, 1_000_000]] {
            for pop in [3u64, 1_000_001, 10_000_000, u64::MAX] {
                if let Ok(p) = population_uniqueness(sizes, pop) {
                    for e in [&p.pitman, &p.zayatz, &p.snb, &p.dankar] {
                        match e.population_uniques {
                            Some(v) => assert!(v.is_finite() && v >= 0.0),
                            None => assert!(e.not_applicable.is_some()),
                        }
                    }
                }
            }
        }
    }
}
