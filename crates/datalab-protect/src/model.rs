//! Privacy models: which equivalence classes may be released.
//!
//! A model is checked class by class ([`PrivacyModel::check_class`]) on a [`ClassView`]: the
//! class size and, for each sensitive attribute, the frequencies of its values in the class. A
//! class that fails any model is suppressed, and its records count toward the suppression limit
//! (ARX's semantics). Models that judge the release as a whole (for example an average
//! re-identification risk) implement [`PrivacyModel::check_release`] too.
//!
//! Two properties let the search prune the lattice without evaluating every node:
//!
//! - [`survives_merging`](PrivacyModel::survives_merging): a class that satisfies the model still
//!   does after being merged with *any* other classes (k-anonymity, distinct-l-diversity). Then the
//!   records failing the model can only become fewer when generalising, with or without
//!   suppression.
//! - [`holds_for_unions`](PrivacyModel::holds_for_unions): the union of classes that satisfy the
//!   model satisfies it (every built-in model: entropy is concave, recursive (c,l) sums, the
//!   earth mover's distance is convex). Then, without suppression, a node that satisfies the
//!   model makes every generalisation of it satisfy it too.
//!
//! A model without these properties may still name a weaker condition that survives merging
//! ([`necessary_condition`](PrivacyModel::necessary_condition); entropy- and recursive-l-diversity
//! need l distinct values), which prunes the same way. Otherwise the search evaluates rather than
//! prunes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::anonymize::ProtectError;
use crate::hierarchy::Hierarchy;

/// A privacy model as configured (serialisable; see `docs/anonymisation.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ModelSpec {
    /// Every released class holds at least `k` records.
    KAnonymity { k: u64 },
    /// Every released class holds at least `l` distinct values of `attribute`.
    DistinctLDiversity { attribute: String, l: u64 },
    /// The Shannon entropy (natural log) of `attribute` in every class is at least `ln(l)`.
    EntropyLDiversity { attribute: String, l: f64 },
    /// In every class, the most frequent value of `attribute` occurs fewer than `c` times the
    /// sum of the frequencies of all but the `l - 1` most frequent values.
    RecursiveClDiversity { attribute: String, c: f64, l: u64 },
    /// The earth mover's distance between the distribution of `attribute` in every class and in
    /// the whole table is at most `t`.
    TCloseness {
        attribute: String,
        t: f64,
        distance: GroundDistance,
    },
    /// Prosecutor model: no released record has a re-identification risk (1 / class size) above
    /// `threshold` — e.g. 0.09, the European Medicines Agency's threshold.
    MaxRisk { threshold: f64 },
    /// Prosecutor model: the average risk over released records (classes / records) is at most
    /// `threshold`.
    AverageRisk { threshold: f64 },
    /// The estimated share of population uniques (Dankar et al.'s rule, docs/risk.md) among a
    /// population of `population` people is at most `threshold`.
    PopulationUniqueness { threshold: f64, population: u64 },
}

/// The ground distance of t-closeness (Li, Li, Venkatasubramanian 2007).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroundDistance {
    /// Every two values are at distance 1 (the EMD is the total variation distance).
    Equal,
    /// Values are ordered (numerically when all are numbers, else as text); two values are
    /// `|rank difference| / (m - 1)` apart.
    Ordered,
    /// Two values are `level of their lowest common ancestor / tree height` apart in the
    /// sensitive attribute's hierarchy (which must then be given).
    Hierarchical,
}

impl ModelSpec {
    /// The sensitive attribute the model is about, if any.
    pub fn attribute(&self) -> Option<&str> {
        match self {
            ModelSpec::KAnonymity { .. } => None,
            ModelSpec::DistinctLDiversity { attribute, .. }
            | ModelSpec::EntropyLDiversity { attribute, .. }
            | ModelSpec::RecursiveClDiversity { attribute, .. }
            | ModelSpec::TCloseness { attribute, .. } => Some(attribute),
            ModelSpec::MaxRisk { .. }
            | ModelSpec::AverageRisk { .. }
            | ModelSpec::PopulationUniqueness { .. } => None,
        }
    }

    /// Parses an l-diversity option for `attribute`: `distinct:L`, `entropy:L` or
    /// `recursive:C,L` (for example `recursive:3,2` is recursive-(3,2)-diversity).
    pub fn parse_l_diversity(spec: &str, attribute: &str) -> Result<ModelSpec, ProtectError> {
        let bad = |why: &str| {
            ProtectError::Usage(format!(
                "l-diversity '{spec}': {why}; write distinct:L, entropy:L or recursive:C,L \
                 (for example distinct:2)"
            ))
        };
        let (kind, rest) = spec.split_once(':').ok_or_else(|| bad("missing ':'"))?;
        let attribute = attribute.to_string();
        match kind.trim() {
            "distinct" => {
                let l = parse_count(rest).ok_or_else(|| bad("L must be a whole number ≥ 1"))?;
                Ok(ModelSpec::DistinctLDiversity { attribute, l })
            }
            "entropy" => {
                let l = parse_positive(rest).ok_or_else(|| bad("L must be a number ≥ 1"))?;
                if l < 1.0 {
                    return Err(bad("L must be a number ≥ 1"));
                }
                Ok(ModelSpec::EntropyLDiversity { attribute, l })
            }
            "recursive" => {
                let (c, l) = rest
                    .split_once(',')
                    .ok_or_else(|| bad("recursive needs C,L"))?;
                let c = parse_positive(c).ok_or_else(|| bad("C must be a number > 0"))?;
                let l = parse_count(l).ok_or_else(|| bad("L must be a whole number ≥ 1"))?;
                Ok(ModelSpec::RecursiveClDiversity { attribute, c, l })
            }
            other => Err(bad(&format!("unknown variant '{other}'"))),
        }
    }

    /// Parses a t-closeness option for `attribute`: `equal:T`, `ordered:T` or `hierarchical:T`
    /// with `0 ≤ T ≤ 1`.
    pub fn parse_t_closeness(spec: &str, attribute: &str) -> Result<ModelSpec, ProtectError> {
        let bad = |why: &str| {
            ProtectError::Usage(format!(
                "t-closeness '{spec}': {why}; write equal:T, ordered:T or hierarchical:T with T \
                 between 0 and 1 (for example equal:0.2)"
            ))
        };
        let (kind, rest) = spec.split_once(':').ok_or_else(|| bad("missing ':'"))?;
        let t: f64 = rest
            .trim()
            .parse()
            .ok()
            .filter(|t: &f64| (0.0..=1.0).contains(t))
            .ok_or_else(|| bad("T must be a number between 0 and 1"))?;
        let distance = match kind.trim() {
            "equal" => GroundDistance::Equal,
            "ordered" => GroundDistance::Ordered,
            "hierarchical" => GroundDistance::Hierarchical,
            other => return Err(bad(&format!("unknown ground distance '{other}'"))),
        };
        Ok(ModelSpec::TCloseness {
            attribute: attribute.to_string(),
            t,
            distance,
        })
    }

    /// Checks the parameters; the error names the model and the bad value.
    pub fn validate(&self) -> Result<(), ProtectError> {
        let bad = |m: String| Err(ProtectError::Usage(m));
        match self {
            ModelSpec::KAnonymity { k } if *k < 1 => bad(format!(
                "k-anonymity needs k ≥ 1 (got {k}); k = 1 protects nothing, typical values are 5 to 11"
            )),
            ModelSpec::DistinctLDiversity { attribute, l } if *l < 1 => bad(format!(
                "distinct-l-diversity for '{attribute}' needs l ≥ 1 (got {l})"
            )),
            ModelSpec::EntropyLDiversity { attribute, l } if !(l.is_finite() && *l >= 1.0) => bad(
                format!("entropy-l-diversity for '{attribute}' needs a finite l ≥ 1 (got {l})"),
            ),
            ModelSpec::RecursiveClDiversity { attribute, c, l }
                if !(c.is_finite() && *c > 0.0) || *l < 1 =>
            {
                bad(format!(
                    "recursive-(c,l)-diversity for '{attribute}' needs c > 0 and l ≥ 1 (got c = \
                     {c}, l = {l})"
                ))
            }
            ModelSpec::TCloseness { attribute, t, .. } if !(0.0..=1.0).contains(t) => bad(format!(
                "t-closeness for '{attribute}' needs t between 0 and 1 (got {t})"
            )),
            ModelSpec::MaxRisk { threshold } | ModelSpec::AverageRisk { threshold }
                if !(*threshold > 0.0 && *threshold <= 1.0) =>
            {
                bad(format!(
                    "a risk threshold must be above 0 and at most 1 (got {threshold}); 0.09 is \
                     the European Medicines Agency's maximum risk"
                ))
            }
            ModelSpec::PopulationUniqueness { threshold, .. }
                if !(*threshold > 0.0 && *threshold <= 1.0) =>
            {
                bad(format!(
                    "the population-uniqueness threshold must be above 0 and at most 1 (got \
                     {threshold}), e.g. 0.01"
                ))
            }
            ModelSpec::PopulationUniqueness { population: 0, .. } => {
                bad("population uniqueness needs a population size above 0".into())
            }
            _ => Ok(()),
        }
    }
}

fn parse_count(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok().filter(|&v| v >= 1)
}

fn parse_positive(s: &str) -> Option<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// One equivalence class as the models see it.
#[derive(Clone, Copy, Debug)]
pub struct ClassView<'a> {
    /// Number of records in the class.
    pub size: u64,
    /// Per sensitive attribute (in configuration order): `(value code, count)` pairs of the
    /// values present in the class, sorted by code. Codes index the attribute's values as given
    /// to the models when they were compiled.
    pub distributions: &'a [&'a [(u32, u64)]],
}

/// The released table as a whole: what release-level models (risk thresholds) judge.
#[derive(Clone, Copy, Debug)]
pub struct ReleaseView<'a> {
    /// Records in the input.
    pub records: u64,
    /// Records suppressed (or dropped).
    pub suppressed: u64,
    /// Sizes of the released (not suppressed) classes.
    pub class_sizes: &'a [u64],
    /// Whether suppressed records stay in the output (as `*`), where they read as one class.
    pub suppressed_kept: bool,
}

impl ReleaseView<'_> {
    /// Class sizes of the output as an attacker sees it: the released classes plus, when
    /// suppressed records are kept as `*`, one class holding them (conservative: a released
    /// all-`*` class would merge with it).
    pub fn output_class_sizes(&self) -> Vec<u64> {
        let mut sizes = self.class_sizes.to_vec();
        if self.suppressed_kept && self.suppressed > 0 {
            sizes.push(self.suppressed);
        }
        sizes
    }
}

/// A privacy model. Implement this to add a model (for example a risk threshold); see the
/// module documentation for what the two monotonicity properties promise to the search.
pub trait PrivacyModel: Send + Sync + fmt::Debug {
    /// A human-readable name, e.g. `5-anonymity`.
    fn name(&self) -> String;

    /// Whether one class may be released.
    fn check_class(&self, class: &ClassView<'_>) -> bool;

    /// A class that satisfies the model still does after merging with any other classes.
    fn survives_merging(&self) -> bool {
        false
    }

    /// The union of classes that satisfy the model satisfies it.
    fn holds_for_unions(&self) -> bool {
        false
    }

    /// A weaker condition that every class satisfying the model meets and that survives merging
    /// (for entropy- and recursive-l-diversity: at least l distinct values). Used only to prune:
    /// records failing it can only become fewer when generalising. `None`: no such condition.
    fn necessary_condition(&self, _class: &ClassView<'_>) -> Option<bool> {
        None
    }

    /// True when the model also judges the release as a whole ([`check_release`]).
    ///
    /// [`check_release`]: PrivacyModel::check_release
    fn is_release_level(&self) -> bool {
        false
    }

    /// Whether the release as a whole is acceptable (called only for release-level models, on
    /// transformations whose classes all pass or are suppressed).
    fn check_release(&self, _release: &ReleaseView<'_>) -> bool {
        true
    }
}

/// What the models need to know about a sensitive attribute.
pub(crate) struct SensitiveColumn<'a> {
    pub name: &'a str,
    /// Text of each value code (a null cell is the empty string).
    pub values: &'a [String],
    /// Number of records with each value code, over the whole input.
    pub global: &'a [u64],
    pub hierarchy: Option<&'a Hierarchy>,
}

/// Builds the models of a configuration. `sensitive` lists the sensitive attributes in the order
/// of [`ClassView::distributions`].
pub(crate) fn compile(
    specs: &[ModelSpec],
    sensitive: &[SensitiveColumn<'_>],
) -> Result<Vec<Box<dyn PrivacyModel>>, ProtectError> {
    let mut out: Vec<Box<dyn PrivacyModel>> = Vec::with_capacity(specs.len());
    for spec in specs {
        spec.validate()?;
        let index = |attribute: &str| -> Result<usize, ProtectError> {
            sensitive
                .iter()
                .position(|s| s.name == attribute)
                .ok_or_else(|| {
                    ProtectError::Usage(format!(
                        "the privacy model on '{attribute}' needs '{attribute}' to be a sensitive \
                         attribute; add it to the sensitive attributes (--sensitive {attribute})"
                    ))
                })
        };
        match spec {
            ModelSpec::KAnonymity { k } => out.push(Box::new(KAnonymity { k: *k, name: None })),
            ModelSpec::DistinctLDiversity { attribute, l } => {
                out.push(Box::new(DistinctLDiversity {
                    attribute: attribute.clone(),
                    index: index(attribute)?,
                    l: *l,
                }))
            }
            ModelSpec::EntropyLDiversity { attribute, l } => {
                out.push(Box::new(EntropyLDiversity {
                    attribute: attribute.clone(),
                    index: index(attribute)?,
                    l: *l,
                    min_distinct: l.ceil() as usize,
                }))
            }
            ModelSpec::RecursiveClDiversity { attribute, c, l } => {
                out.push(Box::new(RecursiveClDiversity {
                    attribute: attribute.clone(),
                    index: index(attribute)?,
                    c: *c,
                    l: *l as usize,
                }))
            }
            ModelSpec::TCloseness {
                attribute,
                t,
                distance,
            } => {
                let i = index(attribute)?;
                let col = &sensitive[i];
                let total: u64 = col.global.iter().sum();
                let model: Box<dyn PrivacyModel> = match distance {
                    GroundDistance::Equal => Box::new(EqualTCloseness {
                        attribute: attribute.clone(),
                        index: i,
                        t: *t,
                        global: col
                            .global
                            .iter()
                            .map(|&c| c as f64 / total.max(1) as f64)
                            .collect(),
                    }),
                    GroundDistance::Ordered => {
                        Box::new(OrderedTCloseness::new(attribute, i, *t, col))
                    }
                    GroundDistance::Hierarchical => {
                        let h = col.hierarchy.ok_or_else(|| {
                            ProtectError::Usage(format!(
                                "t-closeness with hierarchical distance for '{attribute}' needs a \
                                 hierarchy for '{attribute}'; give one (--hierarchy \
                                 {attribute}=FILE) or use equal or ordered distance"
                            ))
                        })?;
                        Box::new(HierarchicalTCloseness::new(attribute, i, *t, col, h)?)
                    }
                };
                out.push(model);
            }
            // Highest prosecutor risk ≤ t is k-anonymity with k = ⌈1/t⌉ (1/size ≤ t ⇔ size ≥
            // 1/t; the epsilon keeps 1/0.2 = 5 from rounding up to 6), reported by its own name.
            ModelSpec::MaxRisk { threshold } => out.push(Box::new(KAnonymity {
                k: ((1.0 / threshold) - 1e-9).ceil().max(1.0) as u64,
                name: Some(format!("highest risk ≤ {threshold}")),
            })),
            ModelSpec::AverageRisk { threshold } => out.push(Box::new(AverageRisk {
                threshold: *threshold,
            })),
            ModelSpec::PopulationUniqueness {
                threshold,
                population,
            } => out.push(Box::new(PopulationUniqueness {
                threshold: *threshold,
                population: *population,
            })),
        }
    }
    Ok(out)
}

/// Average prosecutor risk of the output ≤ threshold: judged on the release as a whole.
#[derive(Debug)]
struct AverageRisk {
    threshold: f64,
}

impl PrivacyModel for AverageRisk {
    fn name(&self) -> String {
        format!("average risk ≤ {}", self.threshold)
    }
    fn check_class(&self, _class: &ClassView<'_>) -> bool {
        true
    }
    fn is_release_level(&self) -> bool {
        true
    }
    fn check_release(&self, release: &ReleaseView<'_>) -> bool {
        let sizes = release.output_class_sizes();
        let records: u64 = sizes.iter().sum();
        // Nothing released, nothing to re-identify.
        records == 0 || sizes.len() as f64 / records as f64 <= self.threshold
    }
}

/// Estimated population uniques (Dankar et al.'s rule) ≤ threshold: judged on the release.
#[derive(Debug)]
struct PopulationUniqueness {
    threshold: f64,
    population: u64,
}

impl PrivacyModel for PopulationUniqueness {
    fn name(&self) -> String {
        format!(
            "population uniqueness ≤ {} (population {})",
            self.threshold, self.population
        )
    }
    fn check_class(&self, _class: &ClassView<'_>) -> bool {
        true
    }
    fn is_release_level(&self) -> bool {
        true
    }
    fn check_release(&self, release: &ReleaseView<'_>) -> bool {
        let sizes = release.output_class_sizes();
        if sizes.iter().all(|&s| s == 0) {
            return true;
        }
        if !sizes.contains(&1) {
            return true;
        }
        // An estimator that is not applicable proves nothing: the release fails.
        match crate::risk::population_uniqueness(&sizes, self.population) {
            Ok(p) => p.dankar.share.is_some_and(|s| s <= self.threshold),
            Err(_) => false,
        }
    }
}

#[derive(Debug)]
struct KAnonymity {
    k: u64,
    /// Set when the model stands for another one (a highest-risk threshold).
    name: Option<String>,
}

impl PrivacyModel for KAnonymity {
    fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}-anonymity", self.k))
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        class.size >= self.k
    }
    fn survives_merging(&self) -> bool {
        true
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct DistinctLDiversity {
    attribute: String,
    index: usize,
    l: u64,
}

impl PrivacyModel for DistinctLDiversity {
    fn name(&self) -> String {
        format!("distinct-{}-diversity for '{}'", self.l, self.attribute)
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        class.distributions[self.index].len() as u64 >= self.l
    }
    fn survives_merging(&self) -> bool {
        true
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct EntropyLDiversity {
    attribute: String,
    index: usize,
    l: f64,
    min_distinct: usize,
}

impl PrivacyModel for EntropyLDiversity {
    fn name(&self) -> String {
        format!("entropy-{}-diversity for '{}'", self.l, self.attribute)
    }
    fn necessary_condition(&self, class: &ClassView<'_>) -> Option<bool> {
        Some(class.distributions[self.index].len() >= self.min_distinct)
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        let d = class.distributions[self.index];
        if d.len() < self.min_distinct {
            return false;
        }
        // H = ln N - (1/N) Σ n ln n ≥ ln l  ⇔  Σ n ln n ≤ N (ln N - ln l)
        let n = class.size as f64;
        let bound = n * (n.ln() - self.l.ln());
        let sum: f64 = d
            .iter()
            .map(|&(_, c)| {
                let c = c as f64;
                c * c.ln()
            })
            .sum();
        sum <= bound
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct RecursiveClDiversity {
    attribute: String,
    index: usize,
    c: f64,
    l: usize,
}

impl PrivacyModel for RecursiveClDiversity {
    fn name(&self) -> String {
        format!(
            "recursive-({},{})-diversity for '{}'",
            self.c, self.l, self.attribute
        )
    }
    fn necessary_condition(&self, class: &ClassView<'_>) -> Option<bool> {
        Some(class.distributions[self.index].len() >= self.l)
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        let d = class.distributions[self.index];
        if d.len() < self.l {
            return false;
        }
        let mut counts: Vec<u64> = d.iter().map(|&(_, c)| c).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        // r1 < c · (r_l + r_{l+1} + … + r_m)
        let tail: u64 = counts[self.l - 1..].iter().sum();
        (counts[0] as f64) < self.c * tail as f64
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct EqualTCloseness {
    attribute: String,
    index: usize,
    t: f64,
    /// Relative frequency of each value code in the whole table.
    global: Vec<f64>,
}

impl PrivacyModel for EqualTCloseness {
    fn name(&self) -> String {
        format!(
            "{}-closeness (equal distance) for '{}'",
            self.t, self.attribute
        )
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        // ½ Σ_i |p_i - q_i| over all values; values absent from the class contribute q_i, which
        // sum to 1 - Σ_{i in class} q_i.
        let n = class.size as f64;
        let mut sum = 1.0;
        for &(code, c) in class.distributions[self.index] {
            let q = self.global[code as usize];
            sum += (c as f64 / n - q).abs() - q;
        }
        sum / 2.0 <= self.t
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct OrderedTCloseness {
    attribute: String,
    index: usize,
    t: f64,
    /// Rank of each value code in the attribute's order.
    rank: Vec<u32>,
    /// Relative frequency in the whole table, by rank.
    global_by_rank: Vec<f64>,
}

impl OrderedTCloseness {
    fn new(attribute: &str, index: usize, t: f64, col: &SensitiveColumn<'_>) -> OrderedTCloseness {
        let order = value_order(col.values);
        let mut rank = vec![0u32; col.values.len()];
        for (r, &code) in order.iter().enumerate() {
            rank[code] = r as u32;
        }
        let total: u64 = col.global.iter().sum();
        let global_by_rank = order
            .iter()
            .map(|&code| col.global[code] as f64 / total.max(1) as f64)
            .collect();
        OrderedTCloseness {
            attribute: attribute.to_string(),
            index,
            t,
            rank,
            global_by_rank,
        }
    }
}

/// Value codes in ascending order: numerically when every value is a number, else as text.
pub(crate) fn value_order(values: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let numbers: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    match numbers {
        Some(nums) => order.sort_by(|&a, &b| nums[a].total_cmp(&nums[b]).then(a.cmp(&b))),
        None => order.sort_by(|&a, &b| values[a].cmp(&values[b]).then(a.cmp(&b))),
    }
    order
}

impl PrivacyModel for OrderedTCloseness {
    fn name(&self) -> String {
        format!(
            "{}-closeness (ordered distance) for '{}'",
            self.t, self.attribute
        )
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        let m = self.global_by_rank.len();
        if m <= 1 {
            return true;
        }
        let n = class.size as f64;
        let mut p = vec![0.0f64; m];
        for &(code, c) in class.distributions[self.index] {
            p[self.rank[code as usize] as usize] = c as f64 / n;
        }
        // EMD = 1/(m-1) Σ_i |Σ_{j ≤ i} (p_j - q_j)|
        let mut cumulative = 0.0;
        let mut distance = 0.0;
        let threshold = self.t * (m as f64 - 1.0);
        for (pi, qi) in p.iter().zip(&self.global_by_rank) {
            cumulative += pi - qi;
            distance += cumulative.abs();
            if distance > threshold {
                return false;
            }
        }
        true
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

/// t-closeness with the hierarchical ground distance: the EMD is Σ over inner nodes N of the
/// value tree of `level(N) / H · min(positive extra, negative extra)` (Li et al. 2007), computed
/// in exact integer arithmetic (`p_i·Q - q_i·P`) and divided once at the end.
#[derive(Debug)]
struct HierarchicalTCloseness {
    attribute: String,
    index: usize,
    t: f64,
    /// Records in the whole table (P).
    total: u64,
    /// Global count of each leaf (leaves = value codes present in the data).
    global: Vec<u64>,
    /// For each tree level 1..=H: parent index (at that level) of each node of the level below.
    parents: Vec<Vec<u32>>,
    /// Number of nodes at each level 1..=H.
    widths: Vec<usize>,
    /// H: the level of the root.
    height: usize,
}

impl HierarchicalTCloseness {
    fn new(
        attribute: &str,
        index: usize,
        t: f64,
        col: &SensitiveColumn<'_>,
        h: &Hierarchy,
    ) -> Result<HierarchicalTCloseness, ProtectError> {
        h.check_covers(col.values.iter().map(String::as_str))?;
        let leaves: Vec<usize> = col
            .values
            .iter()
            .map(|v| h.value_index(v).unwrap_or(0))
            .collect();
        // Levels 1..height()-1 of the hierarchy; an extra root when the top has several labels.
        let mut parents = Vec::new();
        let mut widths = Vec::new();
        let mut below: Vec<u32> = (0..leaves.len() as u32).collect(); // node of each leaf
        let mut below_width = leaves.len();
        for level in 1..h.height() {
            let codes = h.level_codes(level);
            // Renumber the labels of this level that occur among the leaves.
            let mut renumber: Vec<u32> = vec![u32::MAX; h.level_size(level)];
            let mut width = 0u32;
            let mut parent = vec![0u32; below_width];
            let mut node_of_leaf = Vec::with_capacity(leaves.len());
            for (leaf, &v) in leaves.iter().enumerate() {
                let label = codes[v] as usize;
                if renumber[label] == u32::MAX {
                    renumber[label] = width;
                    width += 1;
                }
                parent[below[leaf] as usize] = renumber[label];
                node_of_leaf.push(renumber[label]);
            }
            parents.push(parent);
            widths.push(width as usize);
            below = node_of_leaf;
            below_width = width as usize;
        }
        if below_width > 1 || parents.is_empty() {
            parents.push(vec![0u32; below_width]);
            widths.push(1);
        }
        Ok(HierarchicalTCloseness {
            attribute: attribute.to_string(),
            index,
            t,
            total: col.global.iter().sum(),
            global: col.global.to_vec(),
            height: parents.len(),
            parents,
            widths,
        })
    }
}

impl PrivacyModel for HierarchicalTCloseness {
    fn name(&self) -> String {
        format!(
            "{}-closeness (hierarchical distance) for '{}'",
            self.t, self.attribute
        )
    }
    fn check_class(&self, class: &ClassView<'_>) -> bool {
        let q_total = class.size as i128;
        let p_total = self.total as i128;
        // Extra of each leaf: p_i·Q - q_i·P, where p is the class and q the table … scaled.
        let mut net: Vec<i128> = self
            .global
            .iter()
            .map(|&g| -(g as i128) * q_total)
            .collect();
        for &(code, c) in class.distributions[self.index] {
            net[code as usize] += c as i128 * p_total;
        }
        let mut cost = 0.0f64;
        for (j, (parent, &width)) in self.parents.iter().zip(&self.widths).enumerate() {
            let mut pos = vec![0i128; width];
            let mut neg = vec![0i128; width];
            for (child, &e) in net.iter().enumerate() {
                let p = parent[child] as usize;
                if e > 0 {
                    pos[p] += e;
                } else {
                    neg[p] -= e;
                }
            }
            let level = (j + 1) as f64 / self.height as f64;
            let mut moved: i128 = 0;
            for (p, n) in pos.iter().zip(&neg) {
                moved += (*p).min(*n);
            }
            cost += level * moved as f64;
            net = pos.iter().zip(&neg).map(|(p, n)| p - n).collect();
        }
        cost / (p_total as f64 * q_total as f64) <= self.t
    }
    fn holds_for_unions(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(size: u64, d: &'a [&'a [(u32, u64)]]) -> ClassView<'a> {
        ClassView {
            size,
            distributions: d,
        }
    }

    fn column<'a>(values: &'a [String], global: &'a [u64]) -> SensitiveColumn<'a> {
        SensitiveColumn {
            name: "s",
            values,
            global,
            hierarchy: None,
        }
    }

    #[test]
    fn k_and_distinct_l() {
        let values: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let global = [3, 3, 3];
        let cols = [column(&values, &global)];
        let models = compile(
            &[
                ModelSpec::KAnonymity { k: 3 },
                ModelSpec::DistinctLDiversity {
                    attribute: "s".into(),
                    l: 2,
                },
            ],
            &cols,
        )
        .unwrap();
        let two: &[(u32, u64)] = &[(0, 2), (2, 1)];
        let one: &[(u32, u64)] = &[(1, 3)];
        assert!(models[0].check_class(&view(3, &[two])));
        assert!(!models[0].check_class(&view(2, &[two])));
        assert!(models[1].check_class(&view(3, &[two])));
        assert!(!models[1].check_class(&view(3, &[one])));
        assert_eq!(models[1].name(), "distinct-2-diversity for 's'");
    }

    #[test]
    fn entropy_l_diversity_matches_the_definition() {
        let values: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let global = [5, 5];
        let cols = [column(&values, &global)];
        let m = compile(
            &[ModelSpec::EntropyLDiversity {
                attribute: "s".into(),
                l: 2.0,
            }],
            &cols,
        )
        .unwrap();
        // Uniform over two values: entropy ln 2 (the boundary for l = 2).
        let even: &[(u32, u64)] = &[(0, 2), (1, 2)];
        let skew: &[(u32, u64)] = &[(0, 3), (1, 1)];
        assert!(!m[0].check_class(&view(4, &[skew])));
        let m19 = compile(
            &[ModelSpec::EntropyLDiversity {
                attribute: "s".into(),
                l: 1.9,
            }],
            &cols,
        )
        .unwrap();
        assert!(m19[0].check_class(&view(4, &[even])));
        assert!(!m19[0].check_class(&view(4, &[skew])));
        let m15 = compile(
            &[ModelSpec::EntropyLDiversity {
                attribute: "s".into(),
                l: 1.5,
            }],
            &cols,
        )
        .unwrap();
        // H(3/4, 1/4) = 0.562 ≥ ln 1.5 = 0.405
        assert!(m15[0].check_class(&view(4, &[skew])));
    }

    #[test]
    fn recursive_cl_diversity() {
        let values: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let global = [1, 1, 1];
        let cols = [column(&values, &global)];
        let m = compile(
            &[ModelSpec::RecursiveClDiversity {
                attribute: "s".into(),
                c: 2.0,
                l: 2,
            }],
            &cols,
        )
        .unwrap();
        // r = (4, 1, 1): 4 < 2·(1+1) is false; (3, 2, 1): 3 < 2·3 true
        let a: &[(u32, u64)] = &[(0, 4), (1, 1), (2, 1)];
        let b: &[(u32, u64)] = &[(0, 1), (1, 3), (2, 2)];
        assert!(!m[0].check_class(&view(6, &[a])));
        assert!(m[0].check_class(&view(6, &[b])));
        let single: &[(u32, u64)] = &[(0, 5)];
        assert!(!m[0].check_class(&view(5, &[single])));
    }

    #[test]
    fn t_closeness_distances() {
        // Global: a 1/3, b 1/3, c 1/3 (ordered a < b < c).
        let values: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let global = [2, 2, 2];
        let cols = [column(&values, &global)];
        let eq = |t: f64| {
            compile(
                &[ModelSpec::TCloseness {
                    attribute: "s".into(),
                    t,
                    distance: GroundDistance::Equal,
                }],
                &cols,
            )
            .unwrap()
        };
        let ord = |t: f64| {
            compile(
                &[ModelSpec::TCloseness {
                    attribute: "s".into(),
                    t,
                    distance: GroundDistance::Ordered,
                }],
                &cols,
            )
            .unwrap()
        };
        // Class all 'a': equal EMD = ½(2/3 + 1/3 + 1/3) = 2/3; ordered EMD = (2/3 + 1/3)/2 = 1/2.
        let all_a: &[(u32, u64)] = &[(0, 2)];
        assert!(eq(0.67)[0].check_class(&view(2, &[all_a])));
        assert!(!eq(0.66)[0].check_class(&view(2, &[all_a])));
        assert!(ord(0.51)[0].check_class(&view(2, &[all_a])));
        assert!(!ord(0.49)[0].check_class(&view(2, &[all_a])));
        // Class all 'c' in ordered: cumulative (-1/3, -2/3, 0) → 1/2 as well.
        let all_c: &[(u32, u64)] = &[(2, 2)];
        assert!(ord(0.51)[0].check_class(&view(2, &[all_c])));
        assert!(!ord(0.49)[0].check_class(&view(2, &[all_c])));
    }

    #[test]
    fn hierarchical_t_closeness_follows_li_et_al() {
        // Tree: {a, b} under x, {c} under y, root *. Height 2.
        let h = Hierarchy::from_rows(
            "s",
            vec![
                vec!["a".into(), "x".into(), "*".into()],
                vec!["b".into(), "x".into(), "*".into()],
                vec!["c".into(), "y".into(), "*".into()],
            ],
        )
        .unwrap();
        let values: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let global = [1, 1, 2]; // q = (1/4, 1/4, 1/2)
        let cols = [SensitiveColumn {
            name: "s",
            values: &values,
            global: &global,
            hierarchy: Some(&h),
        }];
        let model = |t: f64| {
            compile(
                &[ModelSpec::TCloseness {
                    attribute: "s".into(),
                    t,
                    distance: GroundDistance::Hierarchical,
                }],
                &cols,
            )
            .unwrap()
        };
        // Class p = (1/2, 0, 1/2): move 1/4 from a to b within x: cost 1/2 · 1/4 = 1/8.
        let p: &[(u32, u64)] = &[(0, 1), (2, 1)];
        assert!(model(0.126)[0].check_class(&view(2, &[p])));
        assert!(!model(0.124)[0].check_class(&view(2, &[p])));
        // Class p = (0, 0, 1): move 1/4+1/4 from x to y across the root: cost 1 · 1/2.
        let c: &[(u32, u64)] = &[(2, 3)];
        assert!(model(0.51)[0].check_class(&view(3, &[c])));
        assert!(!model(0.49)[0].check_class(&view(3, &[c])));
    }

    #[test]
    fn parse_options() {
        assert_eq!(
            ModelSpec::parse_l_diversity("recursive:3,2", "d").unwrap(),
            ModelSpec::RecursiveClDiversity {
                attribute: "d".into(),
                c: 3.0,
                l: 2
            }
        );
        assert_eq!(
            ModelSpec::parse_t_closeness("ordered:0.2", "d").unwrap(),
            ModelSpec::TCloseness {
                attribute: "d".into(),
                t: 0.2,
                distance: GroundDistance::Ordered
            }
        );
        let err = ModelSpec::parse_l_diversity("distinct:0", "d").unwrap_err();
        assert!(err.to_string().contains("distinct:2"), "{err}");
        assert!(ModelSpec::parse_t_closeness("equal:1.5", "d").is_err());
        assert!(ModelSpec::parse_t_closeness("cosine:0.1", "d").is_err());
    }

    #[test]
    fn models_on_unknown_attributes_are_refused() {
        let err = compile(
            &[ModelSpec::DistinctLDiversity {
                attribute: "disease".into(),
                l: 2,
            }],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("--sensitive disease"), "{err}");
    }

    #[test]
    fn numeric_values_are_ordered_as_numbers() {
        let v: Vec<String> = ["10", "9", "100"].iter().map(|s| s.to_string()).collect();
        assert_eq!(value_order(&v), vec![1, 0, 2]);
        let w: Vec<String> = ["b", "a", "10"].iter().map(|s| s.to_string()).collect();
        assert_eq!(value_order(&w), vec![2, 1, 0]);
    }
}
