//! The DP synthesizer, in the spirit of MST (McKenna, Miklau, Sheldon 2021):
//!
//! 1. domains: released values of text columns by thresholded noisy counts; numeric bounds
//!    from a noisy histogram over powers of two (or a declared `--range`), then a noisy
//!    64-cell histogram from which quantile bins are cut (post-processing);
//! 2. noisy one-way marginals of every column (Gaussian mechanism);
//! 3. a spanning tree chosen edge by edge by an exponential mechanism (OpenDP noisy max) on how
//!    badly the independent model fits each pair (L1 error, sensitivity 1 per row);
//! 4. noisy two-way marginals on the tree's edges (Gaussian mechanism);
//! 5. consistency (post-processing): inverse-variance combination of every estimate of a
//!    one-way marginal, projection onto non-negative tables of one total, iterative proportional
//!    fitting of each edge's table to its two margins; then the tree's conditional tables.
//!
//! Budget: ρ from (ε, δ) by OpenDP's conversion; shares 10% domains, 30% one-way, 20%
//! selection, 40% two-way; δ/2 for the thresholds when there are text columns.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef};
use datalab_data::provider::{ColumnEncoder, NULL_CODE};
use datalab_data::{DataError, Result};

use crate::constraints::{Constraint, number_of};
use crate::dp::{self, Ledger};
use crate::fit::{FitOptions, Raw, raw_columns};
use crate::model::{Bin, ColumnKind, ColumnModel, Logical, MODEL_FORMAT, Model, Node, PrivacyInfo};

#[derive(Clone, Debug)]
pub struct DpOptions {
    pub epsilon: f64,
    pub delta: f64,
    /// Rows one subject may contribute (rows beyond are dropped at random, seeded).
    pub max_rows_per_subject: u32,
    /// Bins per numeric column.
    pub bins: usize,
}

/// Subtracts a constant and clips at zero so the entries sum to `total` (norm-sub).
pub fn norm_sub(y: &[f64], total: f64) -> Vec<f64> {
    if y.is_empty() {
        return Vec::new();
    }
    if total <= 0.0 {
        return vec![0.0; y.len()];
    }
    let f = |t: f64| y.iter().map(|&v| (v - t).max(0.0)).sum::<f64>();
    let mut lo = y.iter().copied().fold(f64::INFINITY, f64::min) - total;
    let mut hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > total {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let out: Vec<f64> = y.iter().map(|&v| (v - hi).max(0.0)).collect();
    let s: f64 = out.iter().sum();
    if s > 0.0 {
        out.iter().map(|v| v * total / s).collect()
    } else {
        vec![total / y.len() as f64; y.len()]
    }
}

fn bucket(x: f64) -> u32 {
    let k = if x.abs() < 1.0 {
        0i32
    } else {
        (1 + x.abs().log2().floor() as i32).min(63) * if x < 0.0 { -1 } else { 1 }
    };
    (k + 63) as u32
}

fn bucket_edges(b: u32) -> (f64, f64) {
    let k = b as i32 - 63;
    match k.cmp(&0) {
        std::cmp::Ordering::Equal => (-1.0, 1.0),
        std::cmp::Ordering::Greater => (2f64.powi(k - 1), 2f64.powi(k)),
        std::cmp::Ordering::Less => (-(2f64.powi(-k)), -(2f64.powi(-k - 1))),
    }
}

struct Col {
    states: Vec<u32>,
    size: usize,
    /// One-way estimate and per-state variance.
    y: Vec<f64>,
    var: Vec<f64>,
}

/// Years 1 to 9999 in the column's own unit (days for dates), for date and time columns.
fn calendar_range(t: &DataType) -> Option<(f64, f64)> {
    // 0001-01-01 and 9999-12-31 as days since 1970-01-01.
    let (first, last) = (-719_162.0, 2_932_896.0);
    let per_day = match t {
        DataType::Date32 => 1.0,
        DataType::Date64 => 1.0, // modelled in days too
        DataType::Timestamp(unit, _) => {
            86_400.0
                * match unit {
                    arrow_schema::TimeUnit::Second => 1.0,
                    arrow_schema::TimeUnit::Millisecond => 1e3,
                    arrow_schema::TimeUnit::Microsecond => 1e6,
                    arrow_schema::TimeUnit::Nanosecond => 1e9,
                }
        }
        _ => return None,
    };
    Some((first * per_day, last * per_day))
}

fn declared_bounds(constraints: &[Constraint], col: &ColumnModel) -> Option<(f64, f64)> {
    constraints.iter().find_map(|c| match c {
        Constraint::Range {
            column,
            min: Some(a),
            max: Some(b),
        } if *column == col.name => Some((number_of(col, a)?, number_of(col, b)?)),
        _ => None,
    })
}

pub fn fit_dp(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    opts: &FitOptions,
    dpo: &DpOptions,
) -> Result<Model> {
    let (eps, delta) = (dpo.epsilon, dpo.delta);
    if !(eps.is_finite() && eps > 0.0) {
        return Err(DataError::usage(format!(
            "--epsilon {eps}: must be a positive number"
        )));
    }
    if !(delta > 0.0 && delta < 1.0) {
        return Err(DataError::usage(format!(
            "--delta {delta}: must be between 0 and 1 (exclusive)"
        )));
    }
    let c = dpo.max_rows_per_subject.max(1);
    if opts.subject.is_none() && c != 1 {
        return Err(DataError::usage(
            "--max-rows-per-subject needs --subject (without it each row is its own subject)",
        ));
    }
    let mut cols = raw_columns(schema, batches, opts, false)?;

    // Bound each subject's contribution to c rows (a random choice, seeded).
    let total_rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut keep: Option<Vec<usize>> = None;
    if let Some(subject) = &opts.subject {
        let i = schema
            .index_of(subject)
            .map_err(|_| DataError::unknown_column("the data", subject, schema))?;
        let mut enc = ColumnEncoder::default();
        let mut codes = Vec::with_capacity(total_rows);
        for b in batches {
            enc.encode(b.column(i).as_ref(), &mut codes)?;
        }
        let mut by: HashMap<u32, Vec<usize>> = HashMap::new();
        for (r, &s) in codes.iter().enumerate() {
            by.entry(s).or_default().push(r);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5355_424a);
        let mut groups: Vec<_> = by.into_iter().collect();
        groups.sort_unstable_by_key(|g| g.0);
        let mut k = Vec::new();
        for (_, mut rows) in groups {
            rows.shuffle(&mut rng);
            rows.truncate(c as usize);
            k.extend(rows);
        }
        k.sort_unstable();
        keep = Some(k);
    }
    if let Some(k) = &keep {
        for (_, raw) in cols.iter_mut() {
            match raw {
                Raw::Text(codes, _) => *codes = k.iter().map(|&r| codes[r]).collect(),
                Raw::Num(v) => *v = k.iter().map(|&r| v[r]).collect(),
                Raw::Skip => {}
            }
        }
    }

    // Budget.
    let modelled: Vec<usize> = (0..cols.len())
        .filter(|&i| !matches!(cols[i].1, Raw::Skip))
        .collect();
    let d = modelled.len();
    let n_text = modelled
        .iter()
        .filter(|&&i| matches!(cols[i].1, Raw::Text(..)) && cols[i].0.logical != Logical::Boolean)
        .count();
    let n_bounds = modelled
        .iter()
        .filter(|&&i| {
            matches!(cols[i].1, Raw::Num(_))
                && declared_bounds(&opts.constraints, &cols[i].0).is_none()
        })
        .count();
    let delta0 = if n_text > 0 { delta / 2.0 } else { 0.0 };
    let rho = dp::rho_for(eps, delta0, delta)?;
    let w_dom = if n_text + n_bounds > 0 { 0.1 } else { 0.0 };
    let w_one = 0.3;
    let (w_sel, w_pair) = if d >= 2 { (0.2, 0.4) } else { (0.0, 0.0) };
    let wsum = w_dom + w_one + w_sel + w_pair;
    // Shares rounded down a little so float error cannot push the sum over ρ.
    let share = |w: f64, k: usize| rho * (w / wsum) / k.max(1) as f64 * (1.0 - 1e-9);
    let rho_dom = share(w_dom, n_text + n_bounds);
    let rho_one = share(w_one, d);
    let rho_sel = share(w_sel, d.saturating_sub(1));
    let rho_pair = share(w_pair, d.saturating_sub(1));
    let delta_each = if n_text > 0 {
        delta0 / n_text as f64 * (1.0 - 1e-9)
    } else {
        0.0
    };

    let mut ledger = Ledger::default();
    let mut mcols: Vec<Col> = Vec::with_capacity(d);
    for &i in &modelled {
        let (col, raw) = &mut cols[i];
        col.null_state = true;
        match raw {
            Raw::Text(codes, values) => {
                let (kept_values, map): (Vec<String>, HashMap<u32, u32>) =
                    if col.logical == Logical::Boolean {
                        let vals = vec!["false".to_string(), "true".to_string()];
                        let map = values
                            .iter()
                            .enumerate()
                            .filter_map(|(k, v)| {
                                vals.iter()
                                    .position(|x| x == v)
                                    .map(|p| (k as u32, p as u32))
                            })
                            .collect();
                        (vals, map)
                    } else {
                        let non_null: Vec<u32> =
                            codes.iter().copied().filter(|&x| x != NULL_CODE).collect();
                        let (kept, entry) = dp::thresholded_values(
                            format!("values of {}", col.name),
                            &non_null,
                            c,
                            rho_dom,
                            delta_each,
                        )?;
                        ledger.push(entry)?;
                        let mut ks: Vec<u32> = kept.keys().copied().collect();
                        ks.sort_by(|a, b| values[*a as usize].cmp(&values[*b as usize]));
                        let vals: Vec<String> =
                            ks.iter().map(|&k| values[k as usize].clone()).collect();
                        let map = ks.iter().enumerate().map(|(p, &k)| (k, p as u32)).collect();
                        (vals, map)
                    };
                let boolean = col.logical == Logical::Boolean;
                let nv = kept_values.len() as u32;
                let other = if boolean { None } else { Some(Vec::new()) };
                let other_state = nv;
                let null_state = nv + other.is_some() as u32;
                let states: Vec<u32> = codes
                    .iter()
                    .map(|x| {
                        if *x == NULL_CODE {
                            null_state
                        } else {
                            map.get(x).copied().unwrap_or(other_state)
                        }
                    })
                    .collect();
                col.kind = ColumnKind::Categorical {
                    values: kept_values,
                    other,
                };
                col.note = if boolean {
                    "boolean (public domain)".into()
                } else {
                    "categories released by thresholded noisy counts; rarer values form one state"
                        .into()
                };
                let size = col.states();
                let (y, e) = dp::noisy_histogram(
                    format!("one-way marginal of {}", col.name),
                    &states,
                    size as u32,
                    c,
                    rho_one,
                )?;
                let var = vec![e.scale * e.scale; size];
                ledger.push(e)?;
                mcols.push(Col {
                    states,
                    size,
                    y: y.iter().map(|&v| v as f64).collect(),
                    var,
                });
            }
            Raw::Num(v) => {
                let integer = matches!(
                    col.logical,
                    Logical::Integer | Logical::Date | Logical::Timestamp
                );
                let (mut lo, mut hi) = match declared_bounds(&opts.constraints, col) {
                    Some(b) => b,
                    None => {
                        let codes: Vec<u32> = v
                            .iter()
                            .filter(|x| !x.is_nan())
                            .map(|&x| bucket(x))
                            .collect();
                        let (noisy, e) = dp::noisy_histogram(
                            format!("bounds of {}", col.name),
                            &codes,
                            127,
                            c,
                            rho_dom,
                        )?;
                        // 5σ: with 127 buckets a 3σ cut lets a spurious far bucket through in
                        // about one fit of seven (post-processing; no privacy cost).
                        let t = 5.0 * e.scale;
                        ledger.push(e)?;
                        let hit: Vec<usize> = (0..127).filter(|&b| noisy[b] as f64 >= t).collect();
                        match (hit.first(), hit.last()) {
                            (Some(&a), Some(&b)) => {
                                (bucket_edges(a as u32).0, bucket_edges(b as u32).1)
                            }
                            _ => (0.0, 1.0),
                        }
                    }
                };
                // Dates and times stay within years 1–9999, whatever the noise did.
                if let Some((min, max)) = calendar_range(&col.data_type) {
                    lo = lo.clamp(min, max);
                    hi = hi.clamp(min, max);
                }
                if integer {
                    lo = lo.floor();
                    hi = hi.ceil().max(lo);
                } else if hi <= lo {
                    hi = lo + 1.0;
                }
                let (width, cells) = if integer {
                    let w = ((hi - lo + 1.0) / 64.0).ceil().max(1.0);
                    (w, ((hi - lo + 1.0) / w).ceil() as usize)
                } else {
                    ((hi - lo) / 64.0, 64usize)
                };
                let cell =
                    |x: f64| (((x - lo) / width).floor().max(0.0) as usize).min(cells - 1) as u32;
                let codes: Vec<u32> = v
                    .iter()
                    .map(|&x| if x.is_nan() { cells as u32 } else { cell(x) })
                    .collect();
                let (noisy, e) = dp::noisy_histogram(
                    format!("one-way marginal of {} ({} cells)", col.name, cells),
                    &codes,
                    cells as u32 + 1,
                    c,
                    rho_one,
                )?;
                let s2 = e.scale * e.scale;
                ledger.push(e)?;
                // Cut bins at the noisy histogram's quantiles (post-processing).
                let mass: Vec<f64> = noisy[..cells]
                    .iter()
                    .map(|&x| (x as f64).max(0.0))
                    .collect();
                let total: f64 = mass.iter().sum::<f64>().max(1.0);
                let target = total / dpo.bins.max(1) as f64;
                let mut ranges: Vec<(usize, usize)> = Vec::new();
                let (mut start, mut acc) = (0usize, 0f64);
                for k in 0..cells {
                    if mass[k] >= target && k > start {
                        ranges.push((start, k));
                        start = k;
                        acc = 0.0;
                    }
                    acc += mass[k];
                    if acc >= target {
                        ranges.push((start, k + 1));
                        start = k + 1;
                        acc = 0.0;
                    }
                }
                if start < cells {
                    ranges.push((start, cells));
                }
                let mut bins = Vec::new();
                let mut cell_bin = vec![0u32; cells];
                let mut y = Vec::new();
                let mut var = Vec::new();
                for (bi, &(a, b)) in ranges.iter().enumerate() {
                    let sub_mass: f64 = mass[a..b].iter().sum();
                    let sub: Vec<f64> = mass[a..b]
                        .iter()
                        .map(|m| m + 1e-3 * (sub_mass + 1.0) / (b - a) as f64)
                        .collect();
                    let (blo, bhi) = if integer {
                        (lo + a as f64 * width, lo + b as f64 * width - 1.0)
                    } else {
                        (lo + a as f64 * width, lo + b as f64 * width)
                    };
                    bins.push(Bin {
                        lo: blo,
                        hi: bhi,
                        sub,
                    });
                    for cb in &mut cell_bin[a..b] {
                        *cb = bi as u32;
                    }
                    y.push(noisy[a..b].iter().map(|&x| x as f64).sum::<f64>());
                    var.push((b - a) as f64 * s2);
                }
                let nb = bins.len() as u32;
                y.push(noisy[cells] as f64);
                var.push(s2);
                let states: Vec<u32> = codes
                    .iter()
                    .map(|&k| {
                        if k as usize == cells {
                            nb
                        } else {
                            cell_bin[k as usize]
                        }
                    })
                    .collect();
                col.note = format!(
                    "{} bins cut at the quantiles of a noisy {}-cell histogram over [{lo}, {hi}]",
                    nb, cells
                );
                col.kind = ColumnKind::Binned {
                    bins,
                    integer,
                    decimals: None,
                };
                let size = col.states();
                mcols.push(Col {
                    states,
                    size,
                    y,
                    var,
                });
            }
            Raw::Skip => {}
        }
    }

    // Total and one-way probabilities (for selection scores).
    let n_hat = {
        let (mut num, mut den) = (0.0, 0.0);
        for m in &mcols {
            let v: f64 = m.var.iter().sum();
            num += m.y.iter().sum::<f64>() / v;
            den += 1.0 / v;
        }
        if den > 0.0 { (num / den).max(1.0) } else { 1.0 }
    };
    let probs: Vec<Vec<f64>> = mcols
        .iter()
        .map(|m| norm_sub(&m.y, n_hat).iter().map(|x| x / n_hat).collect())
        .collect();

    // Structure: a spanning tree, edge by edge, by noisy max on the independent model's error.
    let mut edges: Vec<(usize, usize)> = Vec::new();
    if d >= 2 {
        let mut pairs = Vec::new();
        let mut scores = Vec::new();
        for a in 0..d {
            for b in a + 1..d {
                let (sa, sb) = (mcols[a].size, mcols[b].size);
                let mut t = vec![0f64; sa * sb];
                for r in 0..mcols[a].states.len() {
                    t[mcols[a].states[r] as usize * sb + mcols[b].states[r] as usize] += 1.0;
                }
                let mut err = 0.0;
                for i in 0..sa {
                    for j in 0..sb {
                        err += (t[i * sb + j] - n_hat * probs[a][i] * probs[b][j]).abs();
                    }
                }
                pairs.push((a, b));
                scores.push(err);
            }
        }
        let mut comp: Vec<usize> = (0..d).collect();
        fn find(c: &mut [usize], x: usize) -> usize {
            let mut r = x;
            while c[r] != r {
                r = c[r];
            }
            c[x] = r;
            r
        }
        for round in 0..d - 1 {
            let cand: Vec<usize> = (0..pairs.len())
                .filter(|&p| {
                    let (a, b) = pairs[p];
                    find(&mut comp, a) != find(&mut comp, b)
                })
                .collect();
            let s: Vec<f64> = cand.iter().map(|&p| scores[p]).collect();
            // One subject changes each pair's error by at most c (one cell per row).
            let (pick, e) = dp::select(
                format!("tree edge {} of {}", round + 1, d - 1),
                &s,
                c as f64,
                rho_sel,
            )?;
            ledger.push(e)?;
            let (a, b) = pairs[cand[pick]];
            let (ra, rb) = (find(&mut comp, a), find(&mut comp, b));
            comp[ra] = rb;
            edges.push((a, b));
        }
    }

    // Two-way marginals on the edges.
    let mut tables: Vec<(Vec<f64>, f64)> = Vec::new();
    for &(a, b) in &edges {
        let sb = mcols[b].size;
        let codes: Vec<u32> = mcols[a]
            .states
            .iter()
            .zip(&mcols[b].states)
            .map(|(&x, &y)| x * sb as u32 + y)
            .collect();
        let name = |k: usize| cols[modelled[k]].0.name.clone();
        let (noisy, e) = dp::noisy_histogram(
            format!("two-way marginal of {} × {}", name(a), name(b)),
            &codes,
            (mcols[a].size * sb) as u32,
            c,
            rho_pair,
        )?;
        let s2 = e.scale * e.scale;
        ledger.push(e)?;
        tables.push((noisy.iter().map(|&v| v as f64).collect(), s2));
    }

    // Consistency: combine every estimate of each one-way marginal by inverse variance.
    let mut num: Vec<Vec<f64>> = mcols
        .iter()
        .map(|m| m.y.iter().zip(&m.var).map(|(y, v)| y / v).collect())
        .collect();
    let mut den: Vec<Vec<f64>> = mcols
        .iter()
        .map(|m| m.var.iter().map(|v| 1.0 / v).collect())
        .collect();
    for (&(a, b), (t, s2)) in edges.iter().zip(&tables) {
        let (sa, sb) = (mcols[a].size, mcols[b].size);
        for i in 0..sa {
            let m: f64 = t[i * sb..(i + 1) * sb].iter().sum();
            num[a][i] += m / (sb as f64 * s2);
            den[a][i] += 1.0 / (sb as f64 * s2);
        }
        for j in 0..sb {
            let m: f64 = (0..sa).map(|i| t[i * sb + j]).sum();
            num[b][j] += m / (sa as f64 * s2);
            den[b][j] += 1.0 / (sa as f64 * s2);
        }
    }
    let margins: Vec<Vec<f64>> = (0..d)
        .map(|k| {
            let y: Vec<f64> = num[k].iter().zip(&den[k]).map(|(n, d)| n / d).collect();
            norm_sub(&y, n_hat)
        })
        .collect();
    let fitted: Vec<Vec<f64>> = edges
        .iter()
        .zip(&tables)
        .map(|(&(a, b), (t, _))| ipf(&norm_sub(t, n_hat), &margins[a], &margins[b]))
        .collect();

    // Root the tree at the first column and turn it into conditional tables.
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); d];
    for (e, &(a, b)) in edges.iter().enumerate() {
        adj[a].push((b, e));
        adj[b].push((a, e));
    }
    let mut nodes = Vec::new();
    let mut seen = vec![false; d];
    for root in 0..d {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let total: f64 = margins[root].iter().sum();
        nodes.push(Node {
            column: modelled[root],
            parents: Vec::new(),
            cpt: margins[root]
                .iter()
                .map(|m| {
                    if total > 0.0 {
                        m / total
                    } else {
                        1.0 / mcols[root].size as f64
                    }
                })
                .collect(),
        });
        let mut queue = std::collections::VecDeque::from([root]);
        while let Some(p) = queue.pop_front() {
            for &(ch, e) in &adj[p] {
                if seen[ch] {
                    continue;
                }
                seen[ch] = true;
                let (a, b) = edges[e];
                let (sa, sb) = (mcols[a].size, mcols[b].size);
                let t = &fitted[e];
                let (sp, sc) = (mcols[p].size, mcols[ch].size);
                let mtot: f64 = margins[ch].iter().sum();
                let mut cpt = Vec::with_capacity(sp * sc);
                for i in 0..sp {
                    let row: Vec<f64> = (0..sc)
                        .map(|j| if p == a { t[i * sb + j] } else { t[j * sb + i] })
                        .collect();
                    let rs: f64 = row.iter().sum();
                    if rs > 0.0 {
                        cpt.extend(row.iter().map(|x| x / rs));
                    } else {
                        cpt.extend(margins[ch].iter().map(|x| {
                            if mtot > 0.0 {
                                x / mtot
                            } else {
                                1.0 / sc as f64
                            }
                        }));
                    }
                }
                let _ = sa;
                nodes.push(Node {
                    column: modelled[ch],
                    parents: vec![modelled[p]],
                    cpt,
                });
                queue.push_back(ch);
            }
        }
    }

    // "Other" values are drawn from the released values' marginal.
    for (k, &i) in modelled.iter().enumerate() {
        if let ColumnKind::Categorical {
            values,
            other: Some(w),
        } = &mut cols[i].0.kind
        {
            *w = margins[k][..values.len()].to_vec();
        }
    }

    let eps_spent = dp::epsilon_of(ledger.rho, ledger.delta, delta)?;
    if eps_spent > eps {
        return Err(DataError::Integrity(format!(
            "privacy accounting: spent ε = {eps_spent} exceeds the requested {eps}"
        )));
    }
    let unit = match &opts.subject {
        Some(s) => format!(
            "one subject (column '{s}'), contributing at most {c} row(s); extra rows were dropped at random before fitting"
        ),
        None => "one row (adding or removing a row)".into(),
    };
    let statement = format!(
        "The model (and all data sampled from it) satisfies ({eps_spent:.6}, {delta:e})-differential privacy, within the requested (ε = {eps}, δ = {delta:e}), for the privacy unit {unit}. Accounting: zero-concentrated DP, ρ = {:.6} summed over {} releases plus δ = {:e} for thresholded value releases, converted with OpenDP. Column names and types are treated as public.",
        ledger.rho,
        ledger.entries.len(),
        ledger.delta
    );
    let columns: Vec<ColumnModel> = cols.into_iter().map(|(c, _)| c).collect();
    let structure = format!(
        "tree over {d} columns chosen by exponential mechanism (MST-style), {} edges",
        edges.len()
    );
    Ok(Model {
        format: MODEL_FORMAT.into(),
        mode: "dp".into(),
        rows: n_hat.round() as u64,
        columns,
        nodes,
        structure,
        constraints: opts.constraints.clone(),
        privacy: Some(PrivacyInfo {
            epsilon: eps,
            delta,
            rho: ledger.rho,
            epsilon_spent: eps_spent,
            unit,
            max_rows_per_subject: c,
            ledger,
            statement,
        }),
    })
}

/// Iterative proportional fitting of a table (rows × cols, row-major) to two margins.
fn ipf(t: &[f64], rows: &[f64], cols: &[f64]) -> Vec<f64> {
    let (sa, sb) = (rows.len(), cols.len());
    let total: f64 = rows.iter().sum::<f64>().max(1e-12);
    // A little uniform mass so every cell a margin needs can be reached.
    let mut x: Vec<f64> = t
        .iter()
        .map(|v| v + 1e-6 * total / (sa * sb) as f64)
        .collect();
    for _ in 0..30 {
        for i in 0..sa {
            let s: f64 = x[i * sb..(i + 1) * sb].iter().sum();
            if s > 0.0 {
                let f = rows[i] / s;
                for v in &mut x[i * sb..(i + 1) * sb] {
                    *v *= f;
                }
            }
        }
        for j in 0..sb {
            let s: f64 = (0..sa).map(|i| x[i * sb + j]).sum();
            if s > 0.0 {
                let f = cols[j] / s;
                for i in 0..sa {
                    x[i * sb + j] *= f;
                }
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_sub_keeps_the_total_and_order() {
        let y = [10.0, -3.0, 5.0, 0.5];
        let p = norm_sub(&y, 12.0);
        assert!((p.iter().sum::<f64>() - 12.0).abs() < 1e-6);
        assert!(p.iter().all(|&v| v >= 0.0));
        assert!(p[0] > p[2] && p[2] >= p[3] && p[1] == 0.0);
    }

    #[test]
    fn buckets_cover_their_values() {
        for x in [-1e6, -3.5, -1.0, -0.2, 0.0, 0.7, 1.0, 17.0, 90.0, 1e9] {
            let (lo, hi) = bucket_edges(bucket(x));
            assert!(lo <= x && x <= hi, "{x} not in [{lo}, {hi}]");
        }
    }

    #[test]
    fn ipf_matches_margins() {
        let t = [4.0, 1.0, 0.0, 5.0, 2.0, 3.0];
        let x = ipf(&t, &[6.0, 9.0], &[5.0, 4.0, 6.0]);
        assert!(((x[0] + x[1] + x[2]) - 6.0).abs() < 1e-3);
        assert!(((x[0] + x[3]) - 5.0).abs() < 1e-3);
    }
}
