//! Frequency tables of equivalence classes and their roll-up to coarser levels.
//!
//! A [`ClassTable`] is the aggregate of DESIGN.md's seam at one lattice node: one row per
//! equivalence class with its label code per quasi-identifier, its record count and, per
//! sensitive attribute, the `(value code, count)` pairs of the class. The base table (all levels
//! 0) is built once from the aggregate provider; every other node is computed by rolling up a
//! table of a node below it through per-attribute code → code vectors. Raw rows are never read.

use rustc_hash::FxHashMap;

use crate::hierarchy::Hierarchy;

/// Per-class distributions of one sensitive attribute.
#[derive(Clone, Debug, Default)]
pub(crate) struct SensColumn {
    /// Class `i`'s pairs are `entries[offsets[i]..offsets[i + 1]]`, sorted by value code.
    pub offsets: Vec<usize>,
    pub entries: Vec<(u32, u64)>,
}

impl SensColumn {
    pub fn slice(&self, class: usize) -> &[(u32, u64)] {
        &self.entries[self.offsets[class]..self.offsets[class + 1]]
    }
}

/// The equivalence classes of one node.
#[derive(Clone, Debug)]
pub(crate) struct ClassTable {
    pub levels: Vec<u8>,
    /// Row-major: class `i`'s label codes are `keys[i * dims..(i + 1) * dims]`.
    pub keys: Vec<u32>,
    pub counts: Vec<u64>,
    pub sens: Vec<SensColumn>,
}

impl ClassTable {
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn dims(&self) -> usize {
        self.levels.len()
    }

    pub fn key(&self, class: usize) -> &[u32] {
        let d = self.dims();
        &self.keys[class * d..(class + 1) * d]
    }

    /// Approximate heap size, for the cache budget.
    pub fn bytes(&self) -> usize {
        self.keys.len() * 4
            + self.counts.len() * 8
            + self
                .sens
                .iter()
                .map(|s| s.offsets.len() * 8 + s.entries.len() * 16)
                .sum::<usize>()
    }
}

/// Label-code maps between the levels of each attribute.
#[derive(Clone, Debug)]
pub(crate) struct LevelMaps {
    /// [dim][level]: number of labels at the level.
    widths: Vec<Vec<usize>>,
    /// [dim][from][to - from - 1]: label code at `from` → label code at `to`.
    maps: Vec<Vec<Vec<Vec<u32>>>>,
}

impl LevelMaps {
    pub fn new(hierarchies: &[&Hierarchy]) -> LevelMaps {
        let mut widths = Vec::new();
        let mut maps = Vec::new();
        for h in hierarchies {
            let height = h.height();
            widths.push((0..height).map(|l| h.level_size(l)).collect());
            let parents: Vec<Vec<u32>> = (0..height.saturating_sub(1))
                .map(|l| h.parent_codes(l))
                .collect();
            let mut per_from = Vec::new();
            for from in 0..height {
                let mut per_to = Vec::new();
                let mut current: Vec<u32> = (0..h.level_size(from) as u32).collect();
                for parent in parents.iter().skip(from) {
                    current = current.iter().map(|&c| parent[c as usize]).collect();
                    per_to.push(current.clone());
                }
                per_from.push(per_to);
            }
            maps.push(per_from);
        }
        LevelMaps { widths, maps }
    }

    pub fn width(&self, dim: usize, level: u8) -> usize {
        self.widths[dim][level as usize]
    }

    /// The map from `from` to `to` (`from < to`); `None` when the levels are equal.
    pub fn map(&self, dim: usize, from: u8, to: u8) -> Option<&[u32]> {
        if to <= from {
            None
        } else {
            Some(&self.maps[dim][from as usize][(to - from - 1) as usize])
        }
    }
}

/// Reusable buffers of one evaluating thread.
#[derive(Default)]
pub(crate) struct Scratch {
    dense: Vec<u32>,
    touched: Vec<u64>,
    hashed: FxHashMap<u64, u32>,
    packed: Vec<u64>,
    ids: Vec<u32>,
    contrib: Vec<Vec<u64>>,
    sens_acc: Vec<Vec<u64>>,
    sens_touched: Vec<u32>,
}

/// Largest key space grouped through a direct-address array instead of a hash map.
const DENSE_LIMIT: u64 = 1 << 22;

impl Scratch {
    /// Numbers the distinct values of `keys` (all `< space`) 0, 1, … in order of first
    /// appearance, writing each key's number to `ids`. Returns the number of distinct keys.
    fn group(&mut self, keys: &[u64], space: u64, ids: &mut Vec<u32>) -> usize {
        ids.clear();
        ids.reserve(keys.len());
        let mut next = 0u32;
        let dense_ok = space <= DENSE_LIMIT.max(4 * keys.len() as u64).min(1 << 26);
        if dense_ok {
            let space = space as usize;
            if self.dense.len() < space {
                self.dense.resize(space, u32::MAX);
            }
            self.touched.clear();
            for &k in keys {
                let slot = &mut self.dense[k as usize];
                if *slot == u32::MAX {
                    *slot = next;
                    next += 1;
                    self.touched.push(k);
                }
                ids.push(*slot);
            }
            for &k in &self.touched {
                self.dense[k as usize] = u32::MAX;
            }
        } else {
            self.hashed.clear();
            self.hashed.reserve(keys.len().min(1 << 20));
            for &k in keys {
                let id = *self.hashed.entry(k).or_insert_with(|| {
                    let id = next;
                    next += 1;
                    id
                });
                ids.push(id);
            }
        }
        next as usize
    }
}

/// Rolls `src` up to `target` (every level of `target` at least the level in `src`).
pub(crate) fn roll_up(
    src: &ClassTable,
    target: &[u8],
    maps: &LevelMaps,
    sens_widths: &[usize],
    scratch: &mut Scratch,
) -> ClassTable {
    let dims = src.dims();
    let n = src.len();
    let luts: Vec<Option<&[u32]>> = (0..dims)
        .map(|a| maps.map(a, src.levels[a], target[a]))
        .collect();
    let widths: Vec<u64> = (0..dims)
        .map(|a| maps.width(a, target[a]).max(1) as u64)
        .collect();
    let code = |i: usize, a: usize| -> u32 {
        let c = src.keys[i * dims + a];
        match luts[a] {
            Some(l) => l[c as usize],
            None => c,
        }
    };

    // Group by the mapped keys, a chunk of attributes at a time: the first chunk packs into a
    // u64 directly, later chunks combine the running group number with their packed codes.
    // Each attribute contributes `mapped code × stride`, tabulated per source code.
    let mut ids: Vec<u32> = std::mem::take(&mut scratch.ids);
    let mut groups = 1usize;
    let mut packed = std::mem::take(&mut scratch.packed);
    let mut contrib: Vec<Vec<u64>> = std::mem::take(&mut scratch.contrib);
    contrib.resize(dims, Vec::new());
    // Attributes at a single label (their top level, usually) do not split anything.
    let active: Vec<usize> = (0..dims).filter(|&d| widths[d] > 1).collect();
    let mut a = 0usize;
    let mut first_chunk = true;
    while a < active.len() || first_chunk {
        let limit: u64 = if first_chunk {
            u64::MAX
        } else {
            u64::MAX / (groups as u64 + 1)
        };
        let start = a;
        let mut space: u64 = 1;
        while a < active.len() {
            match space.checked_mul(widths[active[a]]) {
                Some(s) if s <= limit => {
                    space = s;
                    a += 1;
                }
                _ if a == start => {
                    // A single attribute wider than the limit cannot happen with u32 codes and
                    // fewer than 2^32 classes; take it alone anyway.
                    space = space.saturating_mul(widths[active[a]]);
                    a += 1;
                    break;
                }
                _ => break,
            }
        }
        let chunk_dims = &active[start..a];
        let mut stride = 1u64;
        for (slot, &d) in chunk_dims.iter().enumerate().rev() {
            let table = &mut contrib[slot];
            table.clear();
            let source_width = maps.width(d, src.levels[d]);
            match luts[d] {
                Some(l) => table.extend(l.iter().map(|&c| c as u64 * stride)),
                None => table.extend((0..source_width as u64).map(|c| c * stride)),
            }
            stride = stride.wrapping_mul(widths[d]);
        }
        let tables = &contrib[..chunk_dims.len()];
        packed.clear();
        packed.reserve(n);
        if dims == 0 || chunk_dims.is_empty() {
            if first_chunk {
                packed.resize(n, 0);
            } else {
                packed.extend(ids.iter().map(|&id| id as u64));
            }
        } else if first_chunk {
            for row in src.keys.chunks_exact(dims).take(n) {
                let mut k = 0u64;
                for (t, &d) in tables.iter().zip(chunk_dims) {
                    k += t[row[d] as usize];
                }
                packed.push(k);
            }
        } else {
            for (row, &id) in src.keys.chunks_exact(dims).zip(ids.iter()) {
                let mut k = id as u64 * space;
                for (t, &d) in tables.iter().zip(chunk_dims) {
                    k += t[row[d] as usize];
                }
                packed.push(k);
            }
        }
        let key_space = if first_chunk {
            space
        } else {
            (groups as u64).saturating_mul(space)
        };
        groups = scratch.group(&packed, key_space, &mut ids);
        first_chunk = false;
    }
    scratch.packed = packed;
    scratch.contrib = contrib;

    let mut counts = vec![0u64; groups];
    let mut first = vec![u32::MAX; groups];
    for (i, (&g, &c)) in ids.iter().zip(&src.counts).enumerate() {
        let g = g as usize;
        counts[g] += c;
        if first[g] == u32::MAX {
            first[g] = i as u32;
        }
    }
    let mut keys = Vec::with_capacity(groups * dims);
    for &f in &first {
        for d in 0..dims {
            keys.push(code(f as usize, d));
        }
    }

    let mut sens = Vec::with_capacity(src.sens.len());
    if !src.sens.is_empty() {
        // Members of each new class, in source order (counting sort by class).
        let mut start = vec![0usize; groups + 1];
        for &g in &ids {
            start[g as usize + 1] += 1;
        }
        for g in 0..groups {
            start[g + 1] += start[g];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; n];
        for (i, &g) in ids.iter().enumerate() {
            members[fill[g as usize]] = i as u32;
            fill[g as usize] += 1;
        }
        scratch.sens_acc.resize(src.sens.len(), Vec::new());
        for (s, col) in src.sens.iter().enumerate() {
            let acc = &mut scratch.sens_acc[s];
            if acc.len() < sens_widths[s] {
                acc.resize(sens_widths[s], 0);
            }
            let mut out = SensColumn {
                offsets: Vec::with_capacity(groups + 1),
                entries: Vec::with_capacity(col.entries.len()),
            };
            out.offsets.push(0);
            for g in 0..groups {
                let members = &members[start[g]..start[g + 1]];
                if members.len() == 1 {
                    out.entries
                        .extend_from_slice(col.slice(members[0] as usize));
                } else {
                    scratch.sens_touched.clear();
                    for &m in members {
                        for &(v, c) in col.slice(m as usize) {
                            if acc[v as usize] == 0 {
                                scratch.sens_touched.push(v);
                            }
                            acc[v as usize] += c;
                        }
                    }
                    scratch.sens_touched.sort_unstable();
                    for &v in &scratch.sens_touched {
                        out.entries.push((v, acc[v as usize]));
                        acc[v as usize] = 0;
                    }
                }
                out.offsets.push(out.entries.len());
            }
            sens.push(out);
        }
    }

    scratch.ids = ids;
    ClassTable {
        levels: target.to_vec(),
        keys,
        counts,
        sens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, rows: &[&[&str]]) -> Hierarchy {
        Hierarchy::from_rows(
            name,
            rows.iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn roll_up_merges_classes_and_distributions() {
        let ha = h("a", &[&["x", "*"], &["y", "*"]]);
        let hb = h(
            "b",
            &[&["1", "1-2", "*"], &["2", "1-2", "*"], &["3", "3", "*"]],
        );
        let maps = LevelMaps::new(&[&ha, &hb]);
        // Base: (x,1):2 {s0:2}, (x,2):1 {s1:1}, (y,3):3 {s0:1,s2:2}
        let base = ClassTable {
            levels: vec![0, 0],
            keys: vec![0, 0, 0, 1, 1, 2],
            counts: vec![2, 1, 3],
            sens: vec![SensColumn {
                offsets: vec![0, 1, 2, 4],
                entries: vec![(0, 2), (1, 1), (0, 1), (2, 2)],
            }],
        };
        let mut scratch = Scratch::default();
        let t = roll_up(&base, &[0, 1], &maps, &[3], &mut scratch);
        assert_eq!(t.len(), 2);
        assert_eq!(t.counts, vec![3, 3]);
        assert_eq!(t.key(0), &[0, 0]);
        assert_eq!(t.key(1), &[1, 1]);
        assert_eq!(t.sens[0].slice(0), &[(0, 2), (1, 1)]);
        let top = roll_up(&t, &[1, 2], &maps, &[3], &mut scratch);
        assert_eq!(top.len(), 1);
        assert_eq!(top.counts, vec![6]);
        assert_eq!(top.sens[0].slice(0), &[(0, 3), (1, 1), (2, 2)]);
        // Rolling up from the base directly gives the same table.
        let direct = roll_up(&base, &[1, 2], &maps, &[3], &mut scratch);
        assert_eq!(direct.counts, top.counts);
        assert_eq!(direct.sens[0].entries, top.sens[0].entries);
    }

    #[test]
    fn many_wide_attributes_group_exactly() {
        // 12 attributes with 2^20 labels each overflow a u64 key space: chunked grouping.
        let dims = 12;
        let maps = LevelMaps {
            widths: vec![vec![1 << 20]; dims],
            maps: vec![vec![Vec::new()]; dims],
        };
        let mut keys = Vec::new();
        let rows = 1000u32;
        for i in 0..rows {
            for a in 0..dims as u32 {
                // Two rows share every key: i and i + rows/2 map to the same codes.
                keys.push(((i % (rows / 2)) * 7919 + a * 104_729) % (1 << 20));
            }
        }
        let base = ClassTable {
            levels: vec![0; dims],
            keys,
            counts: vec![1; rows as usize],
            sens: Vec::new(),
        };
        let t = roll_up(&base, &vec![0; dims], &maps, &[], &mut Scratch::default());
        assert_eq!(t.len(), (rows / 2) as usize);
        assert!(t.counts.iter().all(|&c| c == 2));
    }
}
