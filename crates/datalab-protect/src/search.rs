//! Search over the generalisation lattice.
//!
//! **Optimal search** (lattices up to [`MAX_OPTIMAL_NODES`] nodes) returns the true optimum; ties
//! go to the lower node (smaller sum of levels), then to the smaller levels vector. It prunes
//! only with two proven properties:
//!
//! - *monotone failures*: records failing k-anonymity or distinct-l-diversity (or the necessary
//!   condition of entropy/recursive l-diversity: l distinct values) can only become fewer when
//!   generalising, with or without suppression; without suppression every built-in model is
//!   monotone. A node with more such failures than the suppression limit proves every node
//!   below it inadmissible, and a node with at most that many proves the same for none above it
//!   (they all pass the monotone part);
//! - *metric bounds*: every metric has a lower bound from the levels alone that never
//!   decreases upwards (for non-uniform entropy and height it *is* the metric).
//!
//! When the models have a monotone part, the search is a branch and bound over the attributes
//! (`branch_and_bound`). Otherwise nodes are visited in ascending order of the metric bound
//! (`optimal`) until the bound exceeds the best admissible value; for Discernibility and the
//! average class size an evaluated node's Σ|E|² or class count also bounds every node above
//! it. Non-monotone models under suppression (entropy/recursive l-diversity beyond their
//! necessary condition, t-closeness) are evaluated, never predicted. Independent nodes are
//! evaluated on all cores at once.
//!
//! **Best-effort search** (lattices too large to enumerate, given a [`SearchBudget`]): a greedy
//! climb from the bottom to the first admissible node, always taking the successor with the
//! fewest suppressed records, then local improvement (one level down, or one down and another
//! up) while the budget lasts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::engine::evaluate::{Context, NodeEval, TableCache, evaluate};
use crate::engine::table::Scratch;
use crate::lattice::{Lattice, NodeTags};

/// Batches of roll-ups over fewer source rows than this run on one thread.
const PARALLEL_MIN_ROWS: usize = 8192;

/// Lattices up to this many nodes are searched optimally.
pub const MAX_OPTIMAL_NODES: u64 = 1 << 22;

/// Limits for the search. With a budget the search may stop before it has proven the optimum;
/// the report then says so.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBudget {
    /// Stop after evaluating this many nodes.
    #[serde(default)]
    pub max_nodes: Option<u64>,
    /// Stop after this much time.
    #[serde(default, with = "duration_millis")]
    pub max_time: Option<Duration>,
}

mod duration_millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

/// Which algorithm ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SearchMode {
    Optimal,
    BestEffort,
}

pub(crate) struct SearchOutcome {
    pub best: Option<NodeEval>,
    pub evaluated: u64,
    /// Nodes proven inadmissible without evaluation.
    pub tagged: u64,
    pub proven_optimal: bool,
    pub stopped_by_budget: bool,
    pub mode: SearchMode,
}

/// Evaluates batches of nodes on up to `threads` threads and keeps rolled-up tables to reuse.
pub(crate) struct Evaluator<'a> {
    ctx: &'a Context,
    cache: TableCache,
    scratches: Vec<Scratch>,
    pub evaluated: u64,
}

impl<'a> Evaluator<'a> {
    pub fn new(ctx: &'a Context, threads: usize) -> Evaluator<'a> {
        let base_bytes = ctx.base.bytes().max(1);
        // Keep up to 256 MiB of tables, at most 64.
        let max_bytes = (256usize << 20).max(2 * base_bytes);
        Evaluator {
            ctx,
            cache: TableCache::new(max_bytes, 64),
            scratches: (0..threads.max(1)).map(|_| Scratch::default()).collect(),
            evaluated: 0,
        }
    }

    pub fn threads(&self) -> usize {
        self.scratches.len()
    }

    /// Rolls up and keeps a table that later roll-ups may start from (not counted as checked).
    pub fn pin(&mut self, levels: &[u8]) {
        let src = self.cache.source(&self.ctx.base, levels).clone();
        let t = crate::engine::table::roll_up(
            &src,
            levels,
            &self.ctx.maps,
            &self.ctx.sens_widths,
            &mut self.scratches[0],
        );
        self.cache.pin(Arc::new(t));
    }

    /// Evaluates the nodes (results in the same order).
    pub fn evaluate(&mut self, nodes: &[Vec<u8>], full: bool) -> Vec<NodeEval> {
        let ctx = self.ctx;
        let cache = &self.cache;
        // Small roll-ups are cheaper than starting a thread.
        let work: usize = nodes.iter().map(|n| cache.source(&ctx.base, n).len()).sum();
        let threads = if work < PARALLEL_MIN_ROWS {
            1
        } else {
            self.scratches.len().min(nodes.len()).max(1)
        };
        let mut results: Vec<Option<NodeEval>> = vec![None; nodes.len()];
        if threads == 1 {
            let scratch = &mut self.scratches[0];
            for (slot, node) in results.iter_mut().zip(nodes) {
                let src = cache.source(&ctx.base, node);
                *slot = Some(evaluate(ctx, src, node, scratch, full, false));
            }
        } else {
            let (own, others) = self.scratches.split_at_mut(1);
            std::thread::scope(|s| {
                let mut handles = Vec::new();
                for (t, scratch) in others.iter_mut().enumerate().take(threads - 1) {
                    let worker = t + 1;
                    let job = move || {
                        let mut out = Vec::new();
                        for (i, node) in nodes.iter().enumerate() {
                            if i % threads == worker {
                                let src = cache.source(&ctx.base, node);
                                out.push((i, evaluate(ctx, src, node, scratch, full, false)));
                            }
                        }
                        out
                    };
                    match std::thread::Builder::new().spawn_scoped(s, job) {
                        Ok(h) => handles.push((worker, Some(h))),
                        Err(_) => handles.push((worker, None)),
                    }
                }
                // This thread takes its own share, and the share of any thread that did not start.
                let spawned: Vec<usize> = handles
                    .iter()
                    .filter(|(_, h)| h.is_some())
                    .map(|(w, _)| *w)
                    .collect();
                for (i, node) in nodes.iter().enumerate() {
                    if !spawned.contains(&(i % threads)) {
                        let src = cache.source(&ctx.base, node);
                        results[i] = Some(evaluate(ctx, src, node, &mut own[0], full, false));
                    }
                }
                for (_, h) in handles {
                    if let Some(h) = h {
                        match h.join() {
                            Ok(out) => {
                                for (i, r) in out {
                                    results[i] = Some(r);
                                }
                            }
                            Err(panic) => std::panic::resume_unwind(panic),
                        }
                    }
                }
            });
        }
        let results: Vec<NodeEval> = results.into_iter().flatten().collect();
        for r in &results {
            self.cache.insert(r.table.clone(), self.ctx.base.len());
        }
        self.evaluated += results.len() as u64;
        results
    }
}

/// Ordering of admissible results: metric, then height, then node order (levels, first
/// attribute most significant).
fn better(a: &NodeEval, b: &Option<NodeEval>) -> bool {
    let Some(b) = b else {
        return true;
    };
    let (ma, mb) = (
        a.metric.unwrap_or(f64::INFINITY),
        b.metric.unwrap_or(f64::INFINITY),
    );
    ma.total_cmp(&mb)
        .then(Lattice::level_sum(&a.levels).cmp(&Lattice::level_sum(&b.levels)))
        .then(a.levels.cmp(&b.levels))
        .is_lt()
}

struct Budget {
    start: Instant,
    max_nodes: Option<u64>,
    max_time: Option<Duration>,
}

impl Budget {
    fn exhausted(&self, evaluated: u64) -> bool {
        self.max_nodes.is_some_and(|m| evaluated >= m)
            || self.max_time.is_some_and(|t| self.start.elapsed() >= t)
    }
}

/// Runs the search. Errors only for a lattice too large to search without a budget.
pub(crate) fn search(
    ctx: &Context,
    budget: Option<&SearchBudget>,
    threads: usize,
) -> Result<SearchOutcome, String> {
    let b = Budget {
        start: Instant::now(),
        max_nodes: budget.and_then(|b| b.max_nodes),
        max_time: budget.and_then(|b| b.max_time),
    };
    let mut ev = Evaluator::new(ctx, threads);
    let enumerable = ctx.lattice.size().is_some_and(|s| s <= MAX_OPTIMAL_NODES);
    if enumerable {
        let use_bnb = ctx.prunes;
        let mut out = if use_bnb {
            branch_and_bound(&mut ev, &b)
        } else {
            optimal(&mut ev, &b)
        };
        if out.best.is_none() && out.stopped_by_budget {
            // Out of budget before anything admissible: climb greedily until something is.
            let (best, _) = climb(&mut ev, None);
            out.best = best;
            out.evaluated = ev.evaluated;
        }
        Ok(out)
    } else if budget.is_some() {
        Ok(best_effort(&mut ev, &b))
    } else {
        Err(format!(
            "the generalisation lattice has {:.3e} transformations, more than the {} the optimal \
             search enumerates; give a search budget (a maximum number of nodes or a time limit) \
             to run the best-effort search, or use fewer quasi-identifiers or shorter hierarchies",
            ctx.lattice.size_f64(),
            MAX_OPTIMAL_NODES
        ))
    }
}

fn optimal(ev: &mut Evaluator<'_>, budget: &Budget) -> SearchOutcome {
    let ctx = ev.ctx;
    let lattice = &ctx.lattice;
    let size = lattice.size().unwrap_or(0) as usize;
    let dims = lattice.dims();
    let mut order: Vec<(f64, u32, u32)> = Vec::with_capacity(size);
    let mut lv = vec![0u8; dims];
    for idx in 0..size {
        lattice.levels_of(idx as u64, &mut lv);
        order.push((
            ctx.metric.lower_bound(&lv),
            Lattice::level_sum(&lv),
            idx as u32,
        ));
    }
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

    let mut tags = NodeTags::new(size);
    let mut bounds: Option<Vec<f64>> = ctx
        .metric
        .data_bound(1, 1)
        .map(|_| vec![f64::NEG_INFINITY; size]);
    let exact = ctx.metric.exact_from_levels();
    let mut best: Option<NodeEval> = None;
    let mut pos = 0usize;
    let batch_size = ev.threads();
    let mut proven = false;
    let mut stopped = false;
    loop {
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(batch_size);
        let mut batch_idx: Vec<usize> = Vec::with_capacity(batch_size);
        let mut done = false;
        while batch.len() < batch_size && pos < order.len() {
            let (lb, _, idx) = order[pos];
            let idx = idx as usize;
            if let Some(m) = best.as_ref().and_then(|b| b.metric)
                && (exact || lb > m)
            {
                done = true;
                break;
            }
            pos += 1;
            if let Some(bd) = bounds.as_mut() {
                lattice.levels_of(idx as u64, &mut lv);
                let mut v = bd[idx];
                for (a, &l) in lv.iter().enumerate() {
                    if l > 0 {
                        v = v.max(bd[idx - lattice.stride(a) as usize]);
                    }
                }
                bd[idx] = v;
                if best.as_ref().and_then(|b| b.metric).is_some_and(|m| v > m) {
                    continue;
                }
            }
            if tags.is_marked(idx as u64) {
                continue;
            }
            let mut node = vec![0u8; dims];
            lattice.levels_of(idx as u64, &mut node);
            batch.push(node);
            batch_idx.push(idx);
        }
        if batch.is_empty() {
            proven = done || pos >= order.len();
            break;
        }
        let results = ev.evaluate(&batch, false);
        for (r, &idx) in results.into_iter().zip(&batch_idx) {
            if r.mono_failed > ctx.max_outliers {
                tags.mark_down_set(lattice, &r.levels);
            }
            if let Some(bd) = bounds.as_mut()
                && let Some(v) = ctx.metric.data_bound(r.classes, r.squares)
            {
                bd[idx] = bd[idx].max(v);
            }
            if r.admissible() && better(&r, &best) {
                best = Some(r);
            }
        }
        if budget.exhausted(ev.evaluated) {
            stopped = pos < order.len();
            break;
        }
    }
    SearchOutcome {
        best,
        evaluated: ev.evaluated,
        tagged: tags.count(),
        proven_optimal: proven && !stopped,
        stopped_by_budget: stopped,
        mode: SearchMode::Optimal,
    }
}

/// Branch and bound over the attributes (used when some model is monotone, see the module
/// documentation). Attributes are fixed one at a time, most distinct values first; a partial
/// assignment stands for the node with the remaining attributes at their top level, which is
/// above every completion. For the attribute being fixed:
///
/// - the lowest level whose node passes the monotone models is found by binary search (levels
///   below it fail, and so does everything under them — whole subtrees are cut);
/// - levels are tried upwards while the metric's lower bound with the remaining attributes at
///   level 0 (below every completion) does not exceed the best value found.
///
/// Every evaluated node that is admissible is a candidate. Roll-ups start from projection tables
/// (the first attributes at level 0, the rest at the top), which are far smaller than the base
/// table near the root of the tree, or from any smaller table of a node already evaluated.
fn branch_and_bound(ev: &mut Evaluator<'_>, budget: &Budget) -> SearchOutcome {
    let ctx = ev.ctx;
    let lattice = &ctx.lattice;
    let dims = lattice.dims();
    let size = lattice.size().unwrap_or(0) as usize;
    // Most distinct values (at level 0, present in the data) first.
    let mut order: Vec<usize> = (0..dims).collect();
    let distinct: Vec<usize> = (0..dims)
        .map(|a| {
            let mut seen = vec![false; ctx.maps.width(a, 0)];
            for i in 0..ctx.base.len() {
                seen[ctx.base.key(i)[a] as usize] = true;
            }
            seen.iter().filter(|&&x| x).count()
        })
        .collect();
    order.sort_by(|&x, &y| distinct[y].cmp(&distinct[x]).then(x.cmp(&y)));
    // Projection tables: order[..=d] at level 0, the rest at the top; built coarsest-last from
    // the base so that each is one roll-up of the previous.
    for d in (0..dims.saturating_sub(1)).rev() {
        let mut levels = lattice.top();
        for &a in &order[..=d] {
            levels[a] = 0;
        }
        ev.pin(&levels);
    }
    let mut state = Bnb {
        order,
        bad: NodeTags::new(size),
        ok: NodeTags::new(size),
        seen: FxHashMap::default(),
        best: None,
        stopped: false,
        budget,
    };
    let mut node = lattice.top();
    state.visit(ev, 0, &mut node);
    SearchOutcome {
        best: state.best,
        evaluated: ev.evaluated,
        tagged: state.bad.count(),
        proven_optimal: !state.stopped,
        stopped_by_budget: state.stopped,
        mode: SearchMode::Optimal,
    }
}

struct Bnb<'b> {
    order: Vec<usize>,
    /// Nodes known to fail the monotone models (down-sets).
    bad: NodeTags,
    /// Nodes known to pass them (up-sets).
    ok: NodeTags,
    /// Evaluated nodes: (passes the monotone models, admissible).
    seen: FxHashMap<u64, (bool, bool)>,
    best: Option<NodeEval>,
    stopped: bool,
    budget: &'b Budget,
}

impl Bnb<'_> {
    fn best_metric(&self) -> Option<f64> {
        self.best.as_ref().and_then(|b| b.metric)
    }

    /// Evaluates nodes not evaluated before (in parallel), tagging and recording candidates.
    /// Returns (passes the monotone models, admissible) per node; `None` when out of budget.
    fn evaluate(&mut self, ev: &mut Evaluator<'_>, nodes: &[Vec<u8>]) -> Option<Vec<(bool, bool)>> {
        let ctx = ev.ctx;
        let fresh: Vec<Vec<u8>> = nodes
            .iter()
            .filter(|n| !self.seen.contains_key(&ctx.lattice.index(n)))
            .cloned()
            .collect();
        if !fresh.is_empty() {
            if self.budget.exhausted(ev.evaluated) {
                self.stopped = true;
                return None;
            }
            for r in ev.evaluate(&fresh, false) {
                let mono_ok = r.mono_failed <= ctx.max_outliers;
                if mono_ok {
                    self.ok.mark_up_set(&ctx.lattice, &r.levels);
                } else {
                    self.bad.mark_down_set(&ctx.lattice, &r.levels);
                }
                self.seen
                    .insert(ctx.lattice.index(&r.levels), (mono_ok, r.admissible()));
                if r.admissible() && better(&r, &self.best) {
                    self.best = Some(r);
                }
            }
        }
        Some(
            nodes
                .iter()
                .map(|n| self.seen[&ctx.lattice.index(n)])
                .collect(),
        )
    }

    /// Whether the node passes the monotone models, if known without evaluating it.
    fn known(&self, ev: &Evaluator<'_>, node: &[u8]) -> Option<bool> {
        let idx = ev.ctx.lattice.index(node);
        if self.bad.is_marked(idx) {
            Some(false)
        } else if self.ok.is_marked(idx) {
            Some(true)
        } else {
            None
        }
    }

    /// The lowest level of attribute `a` at which `node` passes the monotone models (`top + 1`
    /// when none does): passing is monotone in the level, so a search over the levels finds it;
    /// with several threads it probes two levels at once (thirds instead of halves).
    fn lowest_passing(&mut self, ev: &mut Evaluator<'_>, a: usize, node: &mut [u8]) -> Option<u16> {
        let top = ev.ctx.lattice.max_levels()[a];
        let (mut lo, mut hi) = (0u16, top as u16 + 1);
        while lo < hi {
            let span = hi - lo;
            let probes: Vec<u16> = if span >= 3 && ev.threads() > 1 {
                vec![lo + span / 3, lo + (2 * span) / 3]
            } else {
                vec![lo + span / 2]
            };
            let mut nodes = Vec::with_capacity(probes.len());
            let mut status: Vec<Option<bool>> = Vec::with_capacity(probes.len());
            for &p in &probes {
                node[a] = p as u8;
                status.push(self.known(ev, node));
                nodes.push(node.to_vec());
            }
            // Evaluate the unknown probes together.
            let unknown: Vec<Vec<u8>> = nodes
                .iter()
                .zip(&status)
                .filter(|(_, s)| s.is_none())
                .map(|(n, _)| n.clone())
                .collect();
            if !unknown.is_empty() {
                let results = self.evaluate(ev, &unknown)?;
                let mut it = results.into_iter();
                for s in status.iter_mut().filter(|s| s.is_none()) {
                    *s = it.next().map(|r| r.0);
                }
            }
            // Narrow [lo, hi) with the probes, lowest first.
            for (&p, s) in probes.iter().zip(&status) {
                if *s == Some(true) {
                    hi = p;
                    break;
                }
                lo = p + 1;
            }
        }
        Some(lo)
    }

    fn visit(&mut self, ev: &mut Evaluator<'_>, depth: usize, node: &mut [u8]) {
        let ctx = ev.ctx;
        let a = self.order[depth];
        let top = ctx.lattice.max_levels()[a];
        let last = depth + 1 == self.order.len();
        // Lowest level passing the monotone models (levels below fail: monotonicity).
        let Some(lo) = self.lowest_passing(ev, a, node) else {
            return;
        };
        let mut optimistic = node.to_vec();
        for level in lo..=top as u16 {
            let level = level as u8;
            node[a] = level;
            optimistic.copy_from_slice(node);
            for &b in &self.order[depth + 1..] {
                optimistic[b] = 0;
            }
            if self
                .best_metric()
                .is_some_and(|m| ctx.metric.lower_bound(&optimistic) > m)
            {
                break;
            }
            if last {
                let Some(r) = self.evaluate(ev, &[node.to_vec()]) else {
                    return;
                };
                let admissible = r[0].1;
                // Higher levels cannot do better when the metric follows the levels.
                if admissible && ctx.metric.exact_from_levels() {
                    break;
                }
            } else {
                self.visit(ev, depth + 1, node);
                if self.stopped {
                    return;
                }
            }
        }
        node[a] = top;
    }
}

/// Greedy climb from the bottom to the first admissible node, always moving to the successor
/// with the fewest suppressed records (then the lowest bound).
/// Returns the admissible node found (if any) and whether the budget stopped the climb.
fn climb(ev: &mut Evaluator<'_>, budget: Option<&Budget>) -> (Option<NodeEval>, bool) {
    let ctx = ev.ctx;
    let lattice = &ctx.lattice;
    let mut current = ev.evaluate(&[lattice.bottom()], true).remove(0);
    loop {
        if current.admissible() {
            return (Some(current), false);
        }
        if budget.is_some_and(|b| b.exhausted(ev.evaluated)) {
            return (None, true);
        }
        let succ = lattice.successors(&current.levels);
        if succ.is_empty() {
            return (None, false);
        }
        let results = ev.evaluate(&succ, true);
        let admissible =
            results
                .iter()
                .filter(|r| r.admissible())
                .fold(None::<NodeEval>, |acc, r| {
                    if better(r, &acc) {
                        Some(r.clone())
                    } else {
                        acc
                    }
                });
        if let Some(a) = admissible {
            return (Some(a), false);
        }
        let next = results.into_iter().min_by(|a, b| {
            a.suppressed
                .cmp(&b.suppressed)
                .then(
                    ctx.metric
                        .lower_bound(&a.levels)
                        .total_cmp(&ctx.metric.lower_bound(&b.levels)),
                )
                .then(a.levels.cmp(&b.levels))
        });
        match next {
            Some(n) => current = n,
            None => return (None, false),
        }
    }
}

fn best_effort(ev: &mut Evaluator<'_>, budget: &Budget) -> SearchOutcome {
    let ctx = ev.ctx;
    let lattice = &ctx.lattice;
    let (found, stopped) = climb(ev, Some(budget));
    let Some(mut best) = found else {
        return SearchOutcome {
            best: None,
            evaluated: ev.evaluated,
            tagged: 0,
            proven_optimal: false,
            stopped_by_budget: stopped,
            mode: SearchMode::BestEffort,
        };
    };
    let mut seen: FxHashMap<Vec<u8>, ()> = FxHashMap::default();
    seen.insert(best.levels.clone(), ());
    let mut stopped = false;
    'improve: loop {
        // Neighbours: one level down; then one down and another up.
        let mut moves: Vec<Vec<u8>> = lattice.predecessors(&best.levels);
        for p in lattice.predecessors(&best.levels) {
            for s in lattice.successors(&p) {
                if s != best.levels {
                    moves.push(s);
                }
            }
        }
        moves.retain(|m| ctx.metric.lower_bound(m) <= best.metric.unwrap_or(f64::INFINITY));
        moves.retain(|m| seen.insert(m.clone(), ()).is_none());
        if moves.is_empty() {
            break;
        }
        let mut improved = false;
        for chunk in moves.chunks(ev.threads().max(1) * 2) {
            if budget.exhausted(ev.evaluated) {
                stopped = true;
                break 'improve;
            }
            for r in ev.evaluate(chunk, false) {
                if r.admissible() && better(&r, &Some(best.clone())) {
                    best = r;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    SearchOutcome {
        best: Some(best),
        evaluated: ev.evaluated,
        tagged: 0,
        proven_optimal: false,
        stopped_by_budget: stopped,
        mode: SearchMode::BestEffort,
    }
}
