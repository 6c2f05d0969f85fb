//! Evaluation of one lattice node: roll up a cached class table to the node's levels, check
//! every class against the privacy models, mark the failing classes suppressed, check the
//! suppression limit (and, when suppressed records are kept as `*`, the class they form) and
//! compute the metric.

use std::sync::Arc;

use crate::engine::table::{ClassTable, LevelMaps, Scratch, roll_up};
use crate::lattice::Lattice;
use crate::metric::{MetricEngine, NodeStats};
use crate::model::{ClassView, PrivacyModel, ReleaseView};

/// Everything fixed during a search.
pub(crate) struct Context {
    pub lattice: Lattice,
    pub maps: LevelMaps,
    pub base: Arc<ClassTable>,
    pub models: Vec<Box<dyn PrivacyModel>>,
    /// Per model: failures can only shrink when generalising (given the suppression limit), so
    /// a node with too many of them proves every node below it inadmissible. The other models'
    /// necessary conditions (if any) count toward the same monotone failures.
    pub tag_models: Vec<bool>,
    /// Whether any monotone failure can be detected (a tagging model or a necessary condition).
    pub prunes: bool,
    pub release_models: bool,
    pub metric: MetricEngine,
    /// Largest number of records that may be suppressed.
    pub max_outliers: u64,
    pub records: u64,
    /// Suppressed records stay in the output with `*` in every quasi-identifier, so together
    /// they form a released class that must satisfy the models too.
    pub star: bool,
    /// [dim][level]: the code of the label `*` at that level, if the level has one.
    pub star_codes: Vec<Vec<Option<u32>>>,
    /// Per sensitive attribute: number of value codes.
    pub sens_widths: Vec<usize>,
}

/// Why a node is (not) admissible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Admissible,
    /// More records fail the models than may be suppressed.
    TooManyOutliers,
    /// The class of suppressed records (`*` everywhere) fails model `i`.
    StarGroup(usize),
    /// Release-level model `i` fails.
    Release(usize),
}

/// The result of evaluating one node.
#[derive(Clone, Debug)]
pub(crate) struct NodeEval {
    pub levels: Vec<u8>,
    /// Classes before suppression and Σ|E|² over them.
    pub classes: u64,
    pub squares: u128,
    /// Records in classes failing a tagging model (exact unless the evaluation stopped early).
    pub mono_failed: u64,
    /// Records suppressed (exact when admissible or evaluated in full).
    pub suppressed: u64,
    pub verdict: Verdict,
    pub metric: Option<f64>,
    pub table: Arc<ClassTable>,
    /// Per class: suppressed? (kept only when asked for).
    pub flags: Option<Vec<bool>>,
}

impl NodeEval {
    pub fn admissible(&self) -> bool {
        self.verdict == Verdict::Admissible
    }
}

/// Tables of evaluated nodes kept to roll up from: the one with the fewest classes below a
/// node is the cheapest source.
pub(crate) struct TableCache {
    /// Always kept (projection tables of the branch-and-bound search).
    pinned: Vec<Arc<ClassTable>>,
    entries: Vec<Arc<ClassTable>>,
    bytes: usize,
    max_bytes: usize,
    max_entries: usize,
}

impl TableCache {
    pub fn new(max_bytes: usize, max_entries: usize) -> TableCache {
        TableCache {
            pinned: Vec::new(),
            entries: Vec::new(),
            bytes: 0,
            max_bytes,
            max_entries,
        }
    }

    pub fn source<'a>(&'a self, base: &'a Arc<ClassTable>, target: &[u8]) -> &'a Arc<ClassTable> {
        let mut best = base;
        for t in self.pinned.iter().chain(&self.entries) {
            if t.len() < best.len() && Lattice::is_below(&t.levels, target) {
                best = t;
            }
        }
        best
    }

    pub fn pin(&mut self, table: Arc<ClassTable>) {
        self.pinned.push(table);
    }

    pub fn insert(&mut self, table: Arc<ClassTable>, base_len: usize) {
        // A table nearly as large as the base saves nothing.
        if table.len() * 10 > base_len * 9 || self.max_entries == 0 {
            return;
        }
        let b = table.bytes();
        if b > self.max_bytes {
            return;
        }
        self.bytes += b;
        self.entries.push(table);
        while self.entries.len() > self.max_entries || self.bytes > self.max_bytes {
            let old = self.entries.remove(0);
            self.bytes -= old.bytes();
        }
    }
}

/// Evaluates the node `levels`. `full` disables the early stop once the node is known to be
/// inadmissible (so that `suppressed` is exact); `want_flags` keeps the per-class flags.
pub(crate) fn evaluate(
    ctx: &Context,
    source: &ClassTable,
    levels: &[u8],
    scratch: &mut Scratch,
    full: bool,
    want_flags: bool,
) -> NodeEval {
    let table = roll_up(source, levels, &ctx.maps, &ctx.sens_widths, scratch);
    let n = table.len();
    let classes = n as u64;
    let squares: u128 = table.counts.iter().map(|&c| c as u128 * c as u128).sum();
    let mut flags = vec![false; n];
    let mut mono_failed = 0u64;
    let mut suppressed = 0u64;
    let mut over = false;
    let mut stopped = false;
    let mut buf: Vec<&[(u32, u64)]> = Vec::with_capacity(table.sens.len());
    for (i, flag) in flags.iter_mut().enumerate() {
        buf.clear();
        for s in &table.sens {
            buf.push(s.slice(i));
        }
        let view = ClassView {
            size: table.counts[i],
            distributions: &buf,
        };
        let mut mono_ok = true;
        for (m, model) in ctx.models.iter().enumerate() {
            let passes = if ctx.tag_models[m] {
                model.check_class(&view)
            } else {
                model.necessary_condition(&view).unwrap_or(true)
            };
            if !passes {
                mono_ok = false;
                break;
            }
        }
        let mut ok = mono_ok;
        if ok && (!over || full) {
            for (m, model) in ctx.models.iter().enumerate() {
                if !ctx.tag_models[m] && !model.check_class(&view) {
                    ok = false;
                    break;
                }
            }
        }
        if !mono_ok {
            mono_failed += table.counts[i];
        }
        if !ok {
            suppressed += table.counts[i];
            *flag = true;
        }
        if suppressed > ctx.max_outliers {
            over = true;
            if mono_failed > ctx.max_outliers && !full {
                stopped = true;
                break;
            }
        }
    }
    let table = Arc::new(table);
    let mut result = NodeEval {
        levels: levels.to_vec(),
        classes,
        squares,
        mono_failed,
        suppressed,
        verdict: Verdict::TooManyOutliers,
        metric: None,
        table: table.clone(),
        flags: None,
    };
    if over || stopped {
        if want_flags {
            result.flags = Some(flags);
        }
        return result;
    }
    result.verdict = check_release_and_star(ctx, &table, &flags, suppressed);
    if result.verdict == Verdict::Admissible {
        result.metric = Some(metric_value(ctx, &table, &flags, suppressed));
    }
    if want_flags {
        result.flags = Some(flags);
    }
    result
}

fn check_release_and_star(
    ctx: &Context,
    table: &ClassTable,
    flags: &[bool],
    suppressed: u64,
) -> Verdict {
    if ctx.release_models {
        let sizes: Vec<u64> = table
            .counts
            .iter()
            .zip(flags)
            .filter(|(_, f)| !**f)
            .map(|(&c, _)| c)
            .collect();
        let view = ReleaseView {
            records: ctx.records,
            suppressed,
            class_sizes: &sizes,
            suppressed_kept: ctx.star,
        };
        for (m, model) in ctx.models.iter().enumerate() {
            if model.is_release_level() && !model.check_release(&view) {
                return Verdict::Release(m);
            }
        }
    }
    if ctx.star && suppressed > 0 {
        // The suppressed records, plus a released class whose labels are all `*` (it reads the
        // same in the output), form one class of the output.
        let levels = &table.levels;
        let star_class = (0..table.len()).find(|&i| {
            !flags[i]
                && table
                    .key(i)
                    .iter()
                    .enumerate()
                    .all(|(a, &c)| ctx.star_codes[a][levels[a] as usize] == Some(c))
        });
        let members: Vec<usize> = (0..table.len())
            .filter(|&i| flags[i] || Some(i) == star_class)
            .collect();
        let size: u64 = members.iter().map(|&i| table.counts[i]).sum();
        let merged = merge_distributions(table, &members, &ctx.sens_widths);
        let slices: Vec<&[(u32, u64)]> = merged.iter().map(Vec::as_slice).collect();
        let view = ClassView {
            size,
            distributions: &slices,
        };
        for (m, model) in ctx.models.iter().enumerate() {
            if !model.check_class(&view) {
                return Verdict::StarGroup(m);
            }
        }
    }
    Verdict::Admissible
}

/// The distributions of the union of some classes, per sensitive attribute, sorted by code.
pub(crate) fn merge_distributions(
    table: &ClassTable,
    members: &[usize],
    sens_widths: &[usize],
) -> Vec<Vec<(u32, u64)>> {
    table
        .sens
        .iter()
        .zip(sens_widths)
        .map(|(col, &w)| {
            let mut acc = vec![0u64; w];
            for &i in members {
                for &(v, c) in col.slice(i) {
                    acc[v as usize] += c;
                }
            }
            acc.iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(v, &c)| (v as u32, c))
                .collect()
        })
        .collect()
}

fn metric_value(ctx: &Context, table: &ClassTable, flags: &[bool], suppressed: u64) -> f64 {
    let dims = table.dims();
    let levels = &table.levels;
    let mut kept_classes = 0u64;
    let mut kept_squares = 0u128;
    for (i, &f) in flags.iter().enumerate() {
        if !f {
            kept_classes += 1;
            kept_squares += table.counts[i] as u128 * table.counts[i] as u128;
        }
    }
    let (kept_labels, suppressed_labels) = if ctx.metric.needs_label_counts() {
        let mut kept: Vec<Vec<u64>> = (0..dims)
            .map(|a| vec![0u64; ctx.maps.width(a, levels[a])])
            .collect();
        let mut supp = kept.clone();
        for (i, &f) in flags.iter().enumerate() {
            let target = if f { &mut supp } else { &mut kept };
            for (a, &code) in table.key(i).iter().enumerate() {
                target[a][code as usize] += table.counts[i];
            }
        }
        (kept, supp)
    } else {
        (Vec::new(), Vec::new())
    };
    let stats = NodeStats {
        kept_records: ctx.records - suppressed,
        suppressed,
        kept_classes,
        kept_squares,
        kept_labels: &kept_labels,
        suppressed_labels: &suppressed_labels,
    };
    ctx.metric.value(levels, &stats)
}
