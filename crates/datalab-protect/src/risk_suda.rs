//! Special uniques after SUDA (Elliot, Manning, Mayes, Gurd & Bane, "SUDA: a program for detecting
//! special uniques", 2002; Manning, Haglin & Keane, "A recursive search algorithm for statistical
//! disclosure assessment", Data Min. Knowl. Disc. 16:165–196, 2008).
//!
//! A *minimal sample unique* (MSU) of a record is a non-empty set of its quasi-identifier values
//! that no other record shares, while every non-empty proper subset of it is shared by at least
//! one other record. A record with at least one MSU is a *special unique*; only records unique on
//! all quasi-identifiers can be special uniques (a superset of a unique set is unique).
//!
//! ## Search
//!
//! The attribute sets are visited depth first in the order of their bit masks (0b1, 0b10, 0b11,
//! 0b100, …): the children of a set `S` add one attribute below the smallest attribute of `S`,
//! so every subset of a set is visited before the set itself. Each visited set keeps its rows
//! partitioned into the groups of equal values of size ≥ 2 (exact duplicates over all
//! quasi-identifiers are first collapsed into one record with a multiplicity); a child refines its
//! parent's groups by one more attribute. A record that becomes alone in its group at `S` is
//! unique on `S` and was not unique on the parent `S \ {min S}`; it is an MSU exactly when it is
//! also not unique on every other immediate subset `S \ {j}` (if a smaller proper subset were
//! unique, some immediate subset containing it would be). That is SUDA2's "support row" test,
//! answered from the set of sample uniques that were still in a group of size ≥ 2 on `S \ {j}`,
//! which the visit order guarantees is known. Groups without any sample unique are dropped (they
//! can never produce an MSU), and so is every subtree whose sets exceed the maximal MSU size.
//!
//! ## Scores
//!
//! * SUDA score (Elliot et al. 2002, the "original scores" of sdcMicro's `suda2`): with `m`
//!   quasi-identifiers and maximal MSU size `M`, each MSU of size `k` contributes
//!   `∏_{i=k}^{M−1} (m − i)`; for the default `M = m` that is `(m − k)!`, which is what sdcMicro
//!   computes (it always searches up to `M = m`). A record's score is the sum over its MSUs.
//! * DIS-SUDA score (Elliot, Manning, Mayes, Gurd & Bane, "SUDA: a program for detecting special
//!   uniques", and Skinner & Elliot, "A measure of disclosure risk for microdata", JRSS B 64(4),
//!   2002), in the form of sdcMicro's `suda2(..., DisFraction)`: with `U` the number of sample
//!   uniques, `P` the number of records in classes of size two and `π` the sampling fraction, the
//!   file-level probability that a unique match is a correct match is
//!   `θ = Uπ / (Uπ + P(1 − π))`. It is spread over the special uniques in proportion to a power
//!   of their SUDA score: with `Q = 1 + (8 − m)/20` and `A = Σ_j s_j^{−Q}` over the records with a
//!   score `s_j > 0`, a record with score `s > 0` gets `1 / (1 + U(1/θ − 1) / (s^Q · A))`, a
//!   record without MSU gets 0. (If all scores are equal this gives every special unique `θ`.)
//! * Attribute contributions (sdcMicro's `attribute_contributions`): the share of the total SUDA
//!   score carried by the MSUs that contain the attribute, `Σ_{MSU ∋ a} w(|MSU|) / Σ score`.
//!   An MSU counts fully for each of its attributes, so the shares add up to more than 1.
//!   sdcMicro prints them in percent.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use datalab_data::DataError;
use datalab_data::provider::MemoryTable;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// The most quasi-identifiers the search accepts (the number of attribute sets doubles with each).
pub const MAX_QUASI_IDENTIFIERS: usize = 15;

/// sdcMicro's default sampling fraction for the DIS-SUDA score.
pub const DEFAULT_DIS_FRACTION: f64 = 0.01;

/// DIS-SUDA thresholds of the summary table (as sdcMicro's `print.suda2`).
const DIS_THRESHOLDS: [f64; 8] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

/// Errors of the SUDA analysis.
#[derive(Debug, thiserror::Error)]
pub enum SudaError {
    /// Bad input or options.
    #[error("{0}")]
    Usage(String),
    /// Reading or encoding the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
}

fn usage(msg: impl Into<String>) -> SudaError {
    SudaError::Usage(msg.into())
}

/// Options of [`suda`].
#[derive(Clone, Debug, PartialEq)]
pub struct SudaOptions {
    /// Largest MSU size searched for; `None` = the number of quasi-identifiers.
    pub max_msu: Option<usize>,
    /// Sampling fraction `π` of the DIS-SUDA score, in (0, 1].
    pub dis_fraction: f64,
}

impl Default for SudaOptions {
    fn default() -> Self {
        SudaOptions {
            max_msu: None,
            dis_fraction: DEFAULT_DIS_FRACTION,
        }
    }
}

/// One record's SUDA result.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SudaRecord {
    /// Number of MSUs of size 1, 2, …, `max_msu` (index `k − 1` for size `k`).
    pub msus_by_size: Vec<u32>,
    /// SUDA score (sum of the MSU weights).
    pub score: f64,
    /// DIS-SUDA score in [0, 1].
    pub dis_score: f64,
}

/// The share of the total SUDA score carried by MSUs containing one quasi-identifier.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AttributeContribution {
    /// Position of the quasi-identifier in the input.
    pub index: usize,
    /// Its column name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Share in [0, 1] (sdcMicro reports it × 100); 0 when no record has an MSU.
    pub share: f64,
}

/// Distribution of the SUDA scores of the special uniques (nearest-rank percentiles).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScoreSummary {
    pub minimum: f64,
    pub median: f64,
    pub p90: f64,
    pub p99: f64,
    pub maximum: f64,
    pub mean: f64,
}

/// Number of records whose DIS-SUDA score exceeds a threshold.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DisThreshold {
    pub above: f64,
    pub records: u64,
}

/// File-level SUDA results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SudaSummary {
    pub records: u64,
    pub quasi_identifiers: usize,
    pub max_msu: usize,
    /// Records unique on all quasi-identifiers (`U`).
    pub sample_uniques: u64,
    /// Records in classes of exactly two records (`P`).
    pub records_in_pairs: u64,
    /// Records with at least one MSU.
    pub special_uniques: u64,
    pub special_uniques_share: f64,
    /// Number of MSUs found in total and by size (index `k − 1` for size `k`).
    pub msus: u64,
    pub msus_by_size: Vec<u64>,
    /// Weight of one MSU of size `k` in the SUDA score (index `k − 1`).
    pub msu_weights: Vec<f64>,
    pub total_score: f64,
    /// `None` when there is no special unique.
    pub scores: Option<ScoreSummary>,
    pub dis_fraction: f64,
    /// File-level probability that a unique match is correct, `θ = Uπ / (Uπ + P(1 − π))`
    /// (0 without sample uniques).
    pub dis_probability: f64,
    pub max_dis_score: f64,
    /// Records with DIS-SUDA score above 0, 0.1, …, 0.7.
    pub dis_scores: Vec<DisThreshold>,
    pub attribute_contributions: Vec<AttributeContribution>,
}

/// The whole SUDA analysis: summary and one entry per input row, in input order.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SudaResult {
    pub summary: SudaSummary,
    pub records: Vec<SudaRecord>,
}

/// Encodes the quasi-identifier columns of Arrow batches to codes, one vector per column in the
/// order of `qis`, with the provider's dictionary encoding (the encoding `risk::class_sizes`
/// groups by; nulls get [`datalab_data::provider::NULL_CODE`], a value of their own).
pub fn encode_quasi_identifiers(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    qis: &[String],
) -> Result<Vec<Vec<u32>>, DataError> {
    for (i, q) in qis.iter().enumerate() {
        if qis[..i].contains(q) {
            return Err(DataError::usage(format!(
                "quasi-identifier '{q}' is listed twice"
            )));
        }
    }
    let table = MemoryTable::new(schema, batches);
    qis.iter()
        .map(|q| Ok(table.encoded(q)?.codes.clone()))
        .collect()
}

/// Checks the code columns: at least one, all of one length, at least one row. Returns the
/// number of rows.
pub(crate) fn check_codes(codes: &[&[u32]]) -> Result<usize, String> {
    let Some(first) = codes.first() else {
        return Err("risk analysis needs at least one quasi-identifier".into());
    };
    let n = first.len();
    if let Some((i, c)) = codes.iter().enumerate().find(|(_, c)| c.len() != n) {
        return Err(format!(
            "quasi-identifier {} has {} values, quasi-identifier 1 has {n}",
            i + 1,
            c.len()
        ));
    }
    if n == 0 {
        return Err("risk analysis needs at least one record".into());
    }
    if u32::try_from(n).is_err() {
        return Err(format!("too many records ({n}) for the risk analysis"));
    }
    Ok(n)
}

/// Equivalence classes over all code columns: the class of each row (dense numbers from 0) and
/// the size of each class.
pub(crate) fn classes(codes: &[&[u32]]) -> (Vec<u32>, Vec<u32>) {
    let n = codes.first().map_or(0, |c| c.len());
    let mut ids = vec![0u32; n];
    let mut next = FxHashMap::<u64, u32>::default();
    for col in codes {
        next.clear();
        for (id, &code) in ids.iter_mut().zip(col.iter()) {
            let key = (u64::from(*id) << 32) | u64::from(code);
            let len = next.len() as u32;
            *id = *next.entry(key).or_insert(len);
        }
    }
    let count = if codes.is_empty() {
        usize::from(n > 0)
    } else {
        next.len()
    };
    let mut sizes = vec![0u32; count];
    for &id in &ids {
        sizes[id as usize] += 1;
    }
    (ids, sizes)
}

/// The weight of one MSU of size `k` in the SUDA score: `∏_{i=k}^{M−1} (m − i)` with `m`
/// quasi-identifiers and maximal MSU size `M` (`(m − k)!` when `M = m`); 0 outside `1..=M`.
pub fn msu_weight(m: usize, max_msu: usize, k: usize) -> f64 {
    if k == 0 || k > max_msu || max_msu > m {
        return 0.0;
    }
    (k..max_msu).map(|i| (m - i) as f64).product()
}

/// A set of sample-unique record indices: sorted list when sparse, bit set when dense.
enum RowSet {
    Sparse(Vec<u32>),
    Dense(Vec<u64>),
}

impl RowSet {
    fn new(mut rows: Vec<u32>, universe: usize) -> RowSet {
        if rows.len().saturating_mul(32) >= universe {
            let mut bits = vec![0u64; universe.div_ceil(64)];
            for r in rows {
                bits[r as usize / 64] |= 1 << (r % 64);
            }
            RowSet::Dense(bits)
        } else {
            rows.sort_unstable();
            RowSet::Sparse(rows)
        }
    }

    fn contains(&self, r: u32) -> bool {
        match self {
            RowSet::Sparse(v) => v.binary_search(&r).is_ok(),
            RowSet::Dense(b) => b[r as usize / 64] & (1 << (r % 64)) != 0,
        }
    }
}

/// Records partitioned into groups: `rows[ends[g-1]..ends[g]]` is group `g`.
#[derive(Default)]
struct Groups {
    rows: Vec<u32>,
    ends: Vec<u32>,
}

/// Per-code scratch counters for refining groups, reset after each group.
struct Scratch {
    total: Vec<u32>,
    records: Vec<u32>,
    offset: Vec<u32>,
    has_unique: Vec<bool>,
    touched: Vec<u32>,
}

/// The depth-first MSU search over collapsed records. Records `0..uniques` are the sample
/// uniques (multiplicity 1); the others have multiplicity ≥ 2.
struct Search<'a, F> {
    max_msu: usize,
    cols: &'a [Vec<u32>],
    mult: &'a [u32],
    uniques: usize,
    /// By attribute-set mask: sample uniques in a group of size ≥ 2 on that set (`None` = none).
    shared: Vec<Option<RowSet>>,
    scratch: Scratch,
    on_msu: F,
}

impl<F: FnMut(u32, u32)> Search<'_, F> {
    fn visit(&mut self, mask: u32, groups: &Groups) {
        let size = mask.count_ones() as usize + 1;
        let below = if mask == 0 {
            self.cols.len()
        } else {
            mask.trailing_zeros() as usize
        };
        let mut singles = Vec::new();
        for b in 0..below {
            let child = mask | (1 << b);
            let mut sub = Groups::default();
            singles.clear();
            self.refine(groups, b, &mut sub, &mut singles);
            for &r in &singles {
                if self.is_minimal(child, mask, r) {
                    (self.on_msu)(r, child);
                }
            }
            if size < self.max_msu && !sub.rows.is_empty() {
                let uniques: Vec<u32> = sub
                    .rows
                    .iter()
                    .copied()
                    .filter(|&r| (r as usize) < self.uniques)
                    .collect();
                self.shared[child as usize] = Some(RowSet::new(uniques, self.uniques));
                self.visit(child, &sub);
            }
        }
    }

    /// `r` is alone on `child` and shared on `child`'s parent (`mask`, which is `child` without
    /// its smallest attribute); minimal when also shared on `child` without each other attribute.
    fn is_minimal(&self, child: u32, mask: u32, r: u32) -> bool {
        let mut rest = mask;
        while rest != 0 {
            let j = rest.trailing_zeros();
            rest &= rest - 1;
            match &self.shared[(child & !(1 << j)) as usize] {
                Some(set) if set.contains(r) => {}
                _ => return false,
            }
        }
        true
    }

    /// Splits each group by the codes of attribute `b`: records alone go to `singles`, groups of
    /// total multiplicity ≥ 2 that contain a sample unique go to `out`.
    fn refine(&mut self, parent: &Groups, b: usize, out: &mut Groups, singles: &mut Vec<u32>) {
        let col = self.cols[b].as_slice();
        let mult = self.mult;
        let uniques = self.uniques as u32;
        let Scratch {
            total,
            records,
            offset,
            has_unique,
            touched,
        } = &mut self.scratch;
        let mut start = 0usize;
        for &end in &parent.ends {
            let group = &parent.rows[start..end as usize];
            start = end as usize;
            if let &[x, y] = group {
                // Most groups deep in the search have two records.
                if col[x as usize] == col[y as usize] {
                    out.rows.extend_from_slice(group);
                    out.ends.push(out.rows.len() as u32);
                } else {
                    // Alone: a sample unique is single, a duplicate has no unique to support.
                    singles.extend(group.iter().copied().filter(|&r| r < uniques));
                }
                continue;
            }
            for &r in group {
                let c = col[r as usize] as usize;
                if records[c] == 0 {
                    touched.push(c as u32);
                }
                records[c] += 1;
                total[c] += mult[r as usize];
                has_unique[c] |= r < uniques;
            }
            let mut cursor = out.rows.len();
            for &c in touched.iter() {
                let c = c as usize;
                if total[c] >= 2 && has_unique[c] {
                    offset[c] = cursor as u32;
                    cursor += records[c] as usize;
                    out.ends.push(cursor as u32);
                }
            }
            out.rows.resize(cursor, 0);
            for &r in group {
                let c = col[r as usize] as usize;
                if total[c] == 1 {
                    singles.push(r);
                } else if has_unique[c] {
                    out.rows[offset[c] as usize] = r;
                    offset[c] += 1;
                }
            }
            for &c in touched.iter() {
                let c = c as usize;
                records[c] = 0;
                total[c] = 0;
                has_unique[c] = false;
            }
            touched.clear();
        }
    }
}

/// Validates `max_msu` against the number of quasi-identifiers.
fn check_max_msu(m: usize, max_msu: usize) -> Result<(), SudaError> {
    if m > MAX_QUASI_IDENTIFIERS {
        return Err(usage(format!(
            "SUDA supports at most {MAX_QUASI_IDENTIFIERS} quasi-identifiers, not {m} \
             (the search visits every subset of them)"
        )));
    }
    if max_msu == 0 || max_msu > m {
        return Err(usage(format!(
            "the maximal MSU size must be between 1 and the number of quasi-identifiers ({m}), \
             not {max_msu}"
        )));
    }
    Ok(())
}

/// Runs the MSU search; calls `on_msu(row, mask)` once per MSU (bit `i` of `mask` = the `i`-th
/// quasi-identifier). Returns the sizes of the equivalence classes over all quasi-identifiers.
fn search_msus(
    codes: &[&[u32]],
    max_msu: usize,
    on_msu: impl FnMut(u32, u32),
) -> Result<Vec<u32>, SudaError> {
    check_codes(codes).map_err(SudaError::Usage)?;
    let m = codes.len();
    check_max_msu(m, max_msu)?;
    let (ids, sizes) = classes(codes);
    // Collapse duplicates: one record per class, sample uniques first.
    let mut record_of_class = vec![u32::MAX; sizes.len()];
    let mut first_row = Vec::with_capacity(sizes.len());
    let uniques = sizes.iter().filter(|&&s| s == 1).count();
    let (mut next_unique, mut next_other) = (0u32, uniques as u32);
    for (row, &id) in ids.iter().enumerate() {
        let slot = &mut record_of_class[id as usize];
        if *slot == u32::MAX {
            if sizes[id as usize] == 1 {
                *slot = next_unique;
                next_unique += 1;
            } else {
                *slot = next_other;
                next_other += 1;
            }
            first_row.push((*slot, row as u32, sizes[id as usize]));
        }
    }
    first_row.sort_unstable();
    let mult: Vec<u32> = first_row.iter().map(|&(_, _, s)| s).collect();
    let row_of: Vec<u32> = first_row.iter().map(|&(_, r, _)| r).collect();
    // Dense codes per column over the collapsed records.
    let mut cols = Vec::with_capacity(m);
    let mut cardinality = 0usize;
    for col in codes {
        let mut dict = FxHashMap::<u32, u32>::default();
        let dense: Vec<u32> = row_of
            .iter()
            .map(|&r| {
                let len = dict.len() as u32;
                *dict.entry(col[r as usize]).or_insert(len)
            })
            .collect();
        cardinality = cardinality.max(dict.len());
        cols.push(dense);
    }
    if uniques > 0 {
        let mut on_msu = on_msu;
        let mut search = Search {
            max_msu,
            cols: &cols,
            mult: &mult,
            uniques,
            shared: (0..1usize << m).map(|_| None).collect(),
            scratch: Scratch {
                total: vec![0; cardinality],
                records: vec![0; cardinality],
                offset: vec![0; cardinality],
                has_unique: vec![false; cardinality],
                touched: Vec::new(),
            },
            on_msu: |r: u32, mask: u32| on_msu(row_of[r as usize], mask),
        };
        let root = Groups {
            rows: (0..mult.len() as u32).collect(),
            ends: vec![mult.len() as u32],
        };
        search.visit(0, &root);
    }
    Ok(sizes)
}

/// All minimal sample uniques up to size `max_msu`, per row in input order, as attribute masks
/// (bit `i` set = the `i`-th code column), each row's list sorted ascending.
pub fn find_msus(codes: &[&[u32]], max_msu: usize) -> Result<Vec<Vec<u32>>, SudaError> {
    let n = codes.first().map_or(0, |c| c.len());
    let mut out = vec![Vec::new(); n];
    search_msus(codes, max_msu, |row, mask| out[row as usize].push(mask))?;
    for v in &mut out {
        v.sort_unstable();
    }
    Ok(out)
}

/// SUDA and DIS-SUDA scores of every row of dictionary-encoded quasi-identifiers (one code slice
/// per quasi-identifier, all of one length; any `u32` is a value, nulls included).
pub fn suda(codes: &[&[u32]], options: &SudaOptions) -> Result<SudaResult, SudaError> {
    let m = codes.len();
    let max_msu = options.max_msu.unwrap_or(m);
    let fraction = options.dis_fraction;
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(usage(format!(
            "the DIS sampling fraction must be in (0, 1], not {fraction}"
        )));
    }
    let n = codes.first().map_or(0, |c| c.len());
    let weights: Vec<f64> = (1..=max_msu).map(|k| msu_weight(m, max_msu, k)).collect();
    let mut counts = vec![0u32; n * max_msu];
    let mut scores = vec![0f64; n];
    let mut attribute_score = vec![0f64; m];
    let sizes = search_msus(codes, max_msu, |row, mask| {
        let k = mask.count_ones() as usize;
        let w = weights[k - 1];
        counts[row as usize * max_msu + k - 1] += 1;
        scores[row as usize] += w;
        let mut rest = mask;
        while rest != 0 {
            attribute_score[rest.trailing_zeros() as usize] += w;
            rest &= rest - 1;
        }
    })?;

    let uniques = sizes.iter().filter(|&&s| s == 1).count() as u64;
    let pairs = 2 * sizes.iter().filter(|&&s| s == 2).count() as u64;
    let (u, p) = (uniques as f64, pairs as f64);
    let theta = if uniques == 0 {
        0.0
    } else {
        u * fraction / (u * fraction + p * (1.0 - fraction))
    };
    let q = 1.0 + (8.0 - m as f64) / 20.0;
    let adjust: f64 = scores
        .iter()
        .filter(|&&s| s > 0.0)
        .map(|&s| s.powf(-q))
        .sum();
    let dis = |s: f64| {
        if s > 0.0 {
            1.0 / (1.0 + (u / theta - u) / (s.powf(q) * adjust))
        } else {
            0.0
        }
    };
    let records: Vec<SudaRecord> = (0..n)
        .map(|r| SudaRecord {
            msus_by_size: counts[r * max_msu..(r + 1) * max_msu].to_vec(),
            score: scores[r],
            dis_score: dis(scores[r]),
        })
        .collect();

    let mut msus_by_size = vec![0u64; max_msu];
    for rec in &records {
        for (t, &c) in msus_by_size.iter_mut().zip(&rec.msus_by_size) {
            *t += u64::from(c);
        }
    }
    let mut special: Vec<f64> = scores.iter().copied().filter(|&s| s > 0.0).collect();
    special.sort_unstable_by(f64::total_cmp);
    let total_score: f64 = special.iter().sum();
    let rank = |p: f64| {
        let i = ((p * special.len() as f64).ceil() as usize).clamp(1, special.len());
        special[i - 1]
    };
    let score_summary = (!special.is_empty()).then(|| ScoreSummary {
        minimum: special[0],
        median: rank(0.5),
        p90: rank(0.9),
        p99: rank(0.99),
        maximum: special[special.len() - 1],
        mean: total_score / special.len() as f64,
    });
    let dis_scores = DIS_THRESHOLDS
        .iter()
        .map(|&t| DisThreshold {
            above: t,
            records: records.iter().filter(|r| r.dis_score > t).count() as u64,
        })
        .collect();
    let attribute_contributions = attribute_score
        .iter()
        .enumerate()
        .map(|(index, &s)| AttributeContribution {
            index,
            name: None,
            share: if total_score > 0.0 {
                s / total_score
            } else {
                0.0
            },
        })
        .collect();
    let special_uniques = special.len() as u64;
    let summary = SudaSummary {
        records: n as u64,
        quasi_identifiers: m,
        max_msu,
        sample_uniques: uniques,
        records_in_pairs: pairs,
        special_uniques,
        special_uniques_share: special_uniques as f64 / n as f64,
        msus: msus_by_size.iter().sum(),
        msus_by_size,
        msu_weights: weights,
        total_score,
        scores: score_summary,
        dis_fraction: fraction,
        dis_probability: theta,
        max_dis_score: records.iter().map(|r| r.dis_score).fold(0.0, f64::max),
        dis_scores,
        attribute_contributions,
    };
    Ok(SudaResult { summary, records })
}

/// [`suda`] on Arrow batches: the quasi-identifiers `qis` are encoded as
/// [`encode_quasi_identifiers`] does, and the attribute contributions carry their names.
pub fn suda_from_batches(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    qis: &[String],
    options: &SudaOptions,
) -> Result<SudaResult, SudaError> {
    if qis.len() > MAX_QUASI_IDENTIFIERS {
        return Err(usage(format!(
            "SUDA supports at most {MAX_QUASI_IDENTIFIERS} quasi-identifiers, not {}",
            qis.len()
        )));
    }
    let encoded = encode_quasi_identifiers(schema, batches, qis)?;
    let codes: Vec<&[u32]> = encoded.iter().map(Vec::as_slice).collect();
    let mut result = suda(&codes, options)?;
    for (c, name) in result.summary.attribute_contributions.iter_mut().zip(qis) {
        c.name = Some(name.clone());
    }
    Ok(result)
}
