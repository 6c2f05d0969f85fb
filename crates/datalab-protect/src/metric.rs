//! Quality metrics (information loss) to minimise, defined as ARX defines them so that datalab
//! finds the same optimum. Lower is better for every metric.
//!
//! | metric | ARX class | per attribute | aggregate |
//! |---|---|---|---|
//! | Loss | `MetricMDNMLoss` | normalised share of the domain a record's label covers; suppressed records cost 1 | geometric mean |
//! | Non-uniform entropy | `MetricMDNUEntropy` (monotonic) | `−Σ_values a·log2(a/b)`, a = input frequency of the value, b = of its label | sum |
//! | Discernibility | `MetricSDNMDiscernability` | — | `Σ kept |E|² + Σ suppressed N·|E|` |
//! | Precision | `MetricMDNMPrecision` | `(kept·level/height + suppressed)/N` | arithmetic mean |
//! | Height | `MetricMDHeight` | level | sum |
//! | Average class size | `MetricSDAECS` | — | `N / (kept classes + [any suppressed])` |
//!
//! The non-uniform entropy is ARX's *monotonic* variant (`Metric.createEntropyMetric(true)`, the
//! one of ARX's reference tests): it is computed from the input frequencies at the node's levels
//! and does not depend on which records are suppressed. Per-attribute values are truncated to ten
//! decimals (`floor(x·1e10)/1e10`) as ARX does before aggregating.

use serde::{Deserialize, Serialize};

use crate::anonymize::ProtectError;
use crate::hierarchy::Hierarchy;

/// The quality metric to optimise.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "metric", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MetricKind {
    /// ARX's Loss; `gs_factor` weighs generalisation against suppression (0.5: equal).
    Loss {
        gs_factor: f64,
    },
    NonUniformEntropy,
    Discernibility,
    Precision,
    Height,
    AverageClassSize,
}

impl Default for MetricKind {
    fn default() -> Self {
        MetricKind::Loss { gs_factor: 0.5 }
    }
}

impl MetricKind {
    /// Parses `loss`, `loss:GS` (GS between 0 and 1), `entropy` (or `non-uniform-entropy`),
    /// `discernibility`, `precision`, `height`, `aecs` (or `average-class-size`).
    pub fn parse(text: &str) -> Result<MetricKind, ProtectError> {
        let t = text.trim().to_ascii_lowercase();
        let kind = match t.as_str() {
            "loss" => MetricKind::Loss { gs_factor: 0.5 },
            "entropy" | "non-uniform-entropy" | "nu-entropy" => MetricKind::NonUniformEntropy,
            "discernibility" | "dm" => MetricKind::Discernibility,
            "precision" | "prec" => MetricKind::Precision,
            "height" => MetricKind::Height,
            "aecs" | "average-class-size" => MetricKind::AverageClassSize,
            other => {
                if let Some(gs) = other.strip_prefix("loss:") {
                    let gs_factor: f64 = gs.trim().parse().map_err(|_| {
                        ProtectError::Usage(format!(
                            "metric '{text}': the factor after 'loss:' must be a number between 0 \
                             and 1 (0.5 weighs generalisation and suppression equally)"
                        ))
                    })?;
                    let m = MetricKind::Loss { gs_factor };
                    m.validate()?;
                    m
                } else {
                    return Err(ProtectError::Usage(format!(
                        "unknown metric '{text}'; use one of: loss, loss:GS, entropy, \
                         discernibility, precision, height, aecs"
                    )));
                }
            }
        };
        Ok(kind)
    }

    /// ARX's name of the metric.
    pub fn name(&self) -> &'static str {
        match self {
            MetricKind::Loss { .. } => "Loss",
            MetricKind::NonUniformEntropy => "Non-uniform entropy",
            MetricKind::Discernibility => "Discernibility",
            MetricKind::Precision => "Precision",
            MetricKind::Height => "Height",
            MetricKind::AverageClassSize => "Average equivalence class size",
        }
    }

    pub fn validate(&self) -> Result<(), ProtectError> {
        if let MetricKind::Loss { gs_factor } = self
            && !(0.0..=1.0).contains(gs_factor)
        {
            return Err(ProtectError::Usage(format!(
                "the Loss metric's generalisation/suppression factor must be between 0 and 1 \
                 (got {gs_factor}); 0.5 weighs both equally"
            )));
        }
        Ok(())
    }

    fn gs_factor(&self) -> f64 {
        match self {
            MetricKind::Loss { gs_factor } => *gs_factor,
            _ => 0.5,
        }
    }
}

/// ARX's comparison precision: keep ten decimals, truncating.
fn arx_round(value: f64) -> f64 {
    (value * 1e10).floor() / 1e10
}

fn log2(x: f64) -> f64 {
    x.ln() / std::f64::consts::LN_2
}

/// What a node evaluation tells the metric (all counts over the node's classes).
pub(crate) struct NodeStats<'a> {
    pub kept_records: u64,
    pub suppressed: u64,
    pub kept_classes: u64,
    /// Σ |E|² over released classes.
    pub kept_squares: u128,
    /// Per attribute, records per label at the node's level (released / suppressed classes).
    /// Filled only when [`MetricEngine::needs_label_counts`] says so.
    pub kept_labels: &'a [Vec<u64>],
    pub suppressed_labels: &'a [Vec<u64>],
}

/// Metric precomputations for one input: everything that depends only on levels is tabulated.
#[derive(Clone, Debug)]
pub(crate) struct MetricEngine {
    kind: MetricKind,
    records: f64,
    g: f64,
    s: f64,
    max_levels: Vec<u8>,
    /// [dim][level]: ARX non-uniform entropy of the attribute at that level (rounded).
    entropy: Vec<Vec<f64>>,
    /// [dim][level][label]: share of the hierarchy's values under the label.
    shares: Vec<Vec<Vec<f64>>>,
    /// [dim]: number of rows of the hierarchy (the attribute's domain size).
    domain: Vec<f64>,
    /// [dim][level]: normalised Loss lower bound (all records generalised, none suppressed).
    loss_bound: Vec<Vec<f64>>,
    /// [dim][level]: distinct labels among the values present in the data.
    present_labels: Vec<Vec<u64>>,
}

impl MetricEngine {
    /// `freq[a][v]`: records holding value `v` (index into `hierarchies[a].values()`).
    pub fn new(
        kind: MetricKind,
        hierarchies: &[&Hierarchy],
        freq: &[Vec<u64>],
    ) -> Result<MetricEngine, ProtectError> {
        kind.validate()?;
        let gs = kind.gs_factor();
        let s = if gs < 0.5 { 2.0 * gs } else { 1.0 };
        let g = if gs <= 0.5 {
            1.0
        } else {
            1.0 - 2.0 * (gs - 0.5)
        };
        let records: u64 = freq.first().map_or(0, |f| f.iter().sum());
        let n = records as f64;
        let mut entropy = Vec::new();
        let mut shares = Vec::new();
        let mut domain = Vec::new();
        let mut loss_bound = Vec::new();
        let mut present_labels = Vec::new();
        let mut max_levels = Vec::new();
        for (h, f) in hierarchies.iter().zip(freq) {
            let size = h.values().len() as f64;
            domain.push(size);
            max_levels.push((h.height() - 1) as u8);
            let mut ent = Vec::new();
            let mut sh = Vec::new();
            let mut lb = Vec::new();
            let mut present = Vec::new();
            for level in 0..h.height() {
                let codes = h.level_codes(level);
                let width = h.level_size(level);
                let mut label_records = vec![0u64; width];
                let mut label_rows = vec![0u64; width];
                for (v, &c) in codes.iter().enumerate() {
                    label_records[c as usize] += f[v];
                    label_rows[c as usize] += 1;
                }
                // Non-uniform entropy: Σ a·log2(a/b), sign switched, weighted, truncated.
                let mut value = 0.0f64;
                for (v, &c) in codes.iter().enumerate() {
                    let a = f[v] as f64;
                    if a != 0.0 {
                        value += a * log2(a / label_records[c as usize] as f64);
                    }
                }
                value *= g;
                ent.push(arx_round(if value == 0.0 { value } else { -value }));
                let share: Vec<f64> = label_rows.iter().map(|&r| r as f64 / size).collect();
                let generalised: f64 = codes
                    .iter()
                    .enumerate()
                    .map(|(v, &c)| f[v] as f64 * share[c as usize])
                    .sum::<f64>()
                    * g;
                lb.push(normalise_loss(generalised, g, n, size));
                present.push(label_records.iter().filter(|&&r| r > 0).count() as u64);
                sh.push(share);
            }
            entropy.push(ent);
            shares.push(sh);
            loss_bound.push(lb);
            present_labels.push(present);
        }
        Ok(MetricEngine {
            kind,
            records: n,
            g,
            s,
            max_levels,
            entropy,
            shares,
            domain,
            loss_bound,
            present_labels,
        })
    }

    /// True when the metric depends on the levels only (then [`lower_bound`] is the value).
    ///
    /// [`lower_bound`]: MetricEngine::lower_bound
    pub fn exact_from_levels(&self) -> bool {
        matches!(
            self.kind,
            MetricKind::NonUniformEntropy | MetricKind::Height
        )
    }

    /// Whether [`NodeStats::kept_labels`] / `suppressed_labels` are needed.
    pub fn needs_label_counts(&self) -> bool {
        matches!(self.kind, MetricKind::Loss { .. })
    }

    /// A lower bound of the metric at `levels` from the levels alone, never above the value of
    /// any evaluation of the node and never below the bound of a node below it (monotone).
    pub fn lower_bound(&self, levels: &[u8]) -> f64 {
        match self.kind {
            MetricKind::NonUniformEntropy => levels
                .iter()
                .enumerate()
                .map(|(a, &l)| self.entropy[a][l as usize])
                .sum(),
            MetricKind::Height => levels.iter().map(|&l| l as f64).sum(),
            MetricKind::Loss { .. } => geometric_mean(
                levels
                    .iter()
                    .enumerate()
                    .map(|(a, &l)| self.loss_bound[a][l as usize]),
                levels.len(),
            ),
            MetricKind::Precision => {
                let d = levels.len() as f64;
                levels
                    .iter()
                    .enumerate()
                    .map(|(a, &l)| (self.ratio(a, l) * self.g).min(self.s) / d)
                    .sum()
            }
            // Every class holds at least one record: Σ|E|² ≥ N.
            MetricKind::Discernibility => self.records,
            MetricKind::AverageClassSize => {
                let mut classes = self.records;
                let mut product = 1.0f64;
                for (a, &l) in levels.iter().enumerate() {
                    product *= self.present_labels[a][l as usize] as f64;
                }
                classes = classes.min(product);
                self.records / (self.aecs_weight() * classes.max(1.0))
            }
        }
    }

    /// A lower bound for the node and every node above it, from the node's classes before
    /// suppression (count and Σ|E|²): Discernibility ≥ Σ|E|², AECS ≥ N / classes. Both grow
    /// when classes merge.
    pub fn data_bound(&self, classes: u64, squares: u128) -> Option<f64> {
        match self.kind {
            MetricKind::Discernibility => Some(squares as f64),
            MetricKind::AverageClassSize => {
                Some(self.records / (self.aecs_weight() * (classes.max(1) as f64)))
            }
            _ => None,
        }
    }

    fn aecs_weight(&self) -> f64 {
        // ARX swaps the factors on purpose for AECS.
        self.s.max(self.g)
    }

    fn ratio(&self, dim: usize, level: u8) -> f64 {
        let h = self.max_levels[dim];
        if h == 0 { 0.0 } else { level as f64 / h as f64 }
    }

    /// The metric of an evaluated node.
    pub fn value(&self, levels: &[u8], stats: &NodeStats<'_>) -> f64 {
        let n = self.records;
        match self.kind {
            MetricKind::NonUniformEntropy | MetricKind::Height => self.lower_bound(levels),
            MetricKind::Discernibility => stats.kept_squares as f64 + n * stats.suppressed as f64,
            MetricKind::AverageClassSize => {
                // ARX: groups = kept·sFactor + [suppressed]·gFactor (factors switched on purpose)
                let mut groups = stats.kept_classes as f64 * self.s;
                if stats.suppressed > 0 {
                    groups += self.g;
                }
                n / groups
            }
            MetricKind::Precision => {
                let d = levels.len() as f64;
                levels
                    .iter()
                    .enumerate()
                    .map(|(a, &l)| {
                        let v = (stats.kept_records as f64 * self.ratio(a, l)) * self.g
                            + stats.suppressed as f64 * self.s;
                        (v / n) / d
                    })
                    .sum()
            }
            MetricKind::Loss { .. } => {
                let per_dim = levels.iter().enumerate().map(|(a, &l)| {
                    let shares = &self.shares[a][l as usize];
                    let mut total = 0.0f64;
                    for (label, &count) in stats.kept_labels[a].iter().enumerate() {
                        if count > 0 {
                            total += count as f64 * shares[label] * self.g;
                        }
                    }
                    for (label, &count) in stats.suppressed_labels[a].iter().enumerate() {
                        if count > 0 {
                            let c = count as f64;
                            let share = c * shares[label];
                            total += if self.s == 1.0 {
                                c
                            } else {
                                share + self.s * (c - share)
                            };
                        }
                    }
                    normalise_loss(total, self.g, n, self.domain[a])
                });
                geometric_mean(per_dim, levels.len())
            }
        }
    }
}

/// ARX's normalisation of a Loss aggregate: (x − min) / (max − min), min = g·N/|domain|, max = N.
fn normalise_loss(aggregate: f64, g: f64, records: f64, domain: f64) -> f64 {
    let min = g * records / domain;
    let span = records - min;
    if span <= 0.0 {
        return 0.0;
    }
    let r = (aggregate - min) / span;
    arx_round(if r >= 0.0 { r } else { 0.0 })
}

/// ARX's geometric mean: Π (v_i + 1)^(1/n) − 1.
fn geometric_mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    let mut result = 1.0f64;
    for v in values {
        result *= (v + 1.0).powf(1.0 / n as f64);
    }
    result - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hierarchy() -> Hierarchy {
        // 4 values, level 1 pairs, level 2 '*'.
        Hierarchy::from_rows(
            "x",
            vec![
                vec!["a".into(), "ab".into(), "*".into()],
                vec!["b".into(), "ab".into(), "*".into()],
                vec!["c".into(), "cd".into(), "*".into()],
                vec!["d".into(), "cd".into(), "*".into()],
            ],
        )
        .unwrap()
    }

    fn stats<'a>(
        kept: u64,
        supp: u64,
        classes: u64,
        sq: u128,
        kl: &'a [Vec<u64>],
        sl: &'a [Vec<u64>],
    ) -> NodeStats<'a> {
        NodeStats {
            kept_records: kept,
            suppressed: supp,
            kept_classes: classes,
            kept_squares: sq,
            kept_labels: kl,
            suppressed_labels: sl,
        }
    }

    #[test]
    fn entropy_by_hand() {
        let h = hierarchy();
        // a:2 b:2 c:4 d:0
        let m =
            MetricEngine::new(MetricKind::NonUniformEntropy, &[&h], &[vec![2, 2, 4, 0]]).unwrap();
        assert_eq!(m.lower_bound(&[0]), 0.0);
        // level 1: a,b in ab (4): 2·log2(2/4)·2 = -4; c in cd (4): 0 → 4
        assert!((m.lower_bound(&[1]) - 4.0).abs() < 1e-12);
        // level 2: 2·log2(2/8)·2 + 4·log2(4/8) = -8 - 4 → 12
        assert!((m.lower_bound(&[2]) - 12.0).abs() < 1e-12);
        assert!(m.exact_from_levels());
    }

    #[test]
    fn loss_by_hand() {
        let h = hierarchy();
        let m = MetricEngine::new(
            MetricKind::Loss { gs_factor: 0.5 },
            &[&h],
            &[vec![2, 2, 4, 0]],
        )
        .unwrap();
        // Level 1, nothing suppressed: every record's label covers 2 of 4 values (share ½).
        // aggregate 8·½ = 4, min = 8/4 = 2, max 8 → (4-2)/6 = 1/3.
        let kl = vec![vec![4, 4]];
        let sl = vec![vec![0, 0]];
        let v = m.value(&[1], &stats(8, 0, 2, 32, &kl, &sl));
        let expect = ((1.0f64 / 3.0) * 1e10).floor() / 1e10;
        assert!((v - expect).abs() < 1e-12, "{v}");
        assert!(m.lower_bound(&[1]) <= v + 1e-12);
        // Suppress the 4 records labelled cd: they cost 1 each → (2 + 4 - 2)/6 = 2/3.
        let kl = vec![vec![4, 0]];
        let sl = vec![vec![0, 4]];
        let v = m.value(&[1], &stats(4, 4, 1, 16, &kl, &sl));
        assert!((v - 2.0 / 3.0).abs() < 1e-9, "{v}");
        assert!(m.lower_bound(&[1]) <= v);
        assert!(m.lower_bound(&[0]) <= m.lower_bound(&[1]));
        assert!(m.lower_bound(&[1]) <= m.lower_bound(&[2]));
        assert!((m.lower_bound(&[2]) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn other_metrics_by_hand() {
        let h = hierarchy();
        let f = [vec![2, 2, 4, 0]];
        let kl: Vec<Vec<u64>> = Vec::new();
        let st = stats(6, 2, 2, 18, &kl, &kl);
        let dm = MetricEngine::new(MetricKind::Discernibility, &[&h], &f).unwrap();
        assert_eq!(dm.value(&[1], &st), 18.0 + 8.0 * 2.0);
        assert_eq!(dm.data_bound(3, 20), Some(20.0));
        let p = MetricEngine::new(MetricKind::Precision, &[&h], &f).unwrap();
        assert!((p.value(&[1], &st) - (6.0 * 0.5 + 2.0) / 8.0).abs() < 1e-12);
        assert!(p.lower_bound(&[1]) <= p.value(&[1], &st));
        let a = MetricEngine::new(MetricKind::AverageClassSize, &[&h], &f).unwrap();
        // Level 1 has two classes (ab: 4 records, cd: 4); suppress one of them.
        let one_kept = stats(4, 4, 1, 16, &kl, &kl);
        assert!((a.value(&[1], &one_kept) - 8.0 / 2.0).abs() < 1e-12);
        assert!(a.lower_bound(&[1]) <= a.value(&[1], &one_kept));
        assert_eq!(a.data_bound(2, 32), Some(4.0));
        let ht = MetricEngine::new(MetricKind::Height, &[&h, &h], &[f[0].clone(), f[0].clone()])
            .unwrap();
        assert_eq!(ht.lower_bound(&[1, 2]), 3.0);
    }

    #[test]
    fn parse_names() {
        assert_eq!(MetricKind::parse("Loss").unwrap(), MetricKind::default());
        assert_eq!(
            MetricKind::parse("loss:0.2").unwrap(),
            MetricKind::Loss { gs_factor: 0.2 }
        );
        assert_eq!(
            MetricKind::parse("entropy").unwrap(),
            MetricKind::NonUniformEntropy
        );
        assert!(MetricKind::parse("loss:2").is_err());
        let e = MetricKind::parse("gain").unwrap_err().to_string();
        assert!(e.contains("discernibility"), "{e}");
    }
}
