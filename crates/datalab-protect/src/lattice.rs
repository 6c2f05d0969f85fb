//! The generalisation lattice: one node per combination of hierarchy levels (one level per
//! quasi-identifier). A node `a` is *below* a node `b` (a specialisation of it) when every level
//! of `a` is at most the level of `b`; generalising never splits an equivalence class, so classes
//! of `b` are unions of classes of `a`.
//!
//! Nodes are numbered in mixed radix (the last attribute varies fastest), which lets the search
//! keep one byte of state per node and walk to predecessors and successors by adding or
//! subtracting a stride.

/// A lattice over `dims` attributes; attribute `a` has levels `0..=max_levels[a]`.
#[derive(Clone, Debug)]
pub struct Lattice {
    max_levels: Vec<u8>,
    strides: Vec<u64>,
    /// Number of nodes, or `None` when it does not fit in a `u64`.
    size: Option<u64>,
}

impl Lattice {
    /// `max_levels[a]` is the highest level of attribute `a` (its hierarchy height minus one).
    pub fn new(max_levels: &[u8]) -> Lattice {
        let mut strides = vec![0u64; max_levels.len()];
        let mut size: Option<u64> = Some(1);
        for a in (0..max_levels.len()).rev() {
            strides[a] = size.unwrap_or(0);
            size = size.and_then(|s| s.checked_mul(max_levels[a] as u64 + 1));
        }
        Lattice {
            max_levels: max_levels.to_vec(),
            strides,
            size,
        }
    }

    pub fn dims(&self) -> usize {
        self.max_levels.len()
    }

    pub fn max_levels(&self) -> &[u8] {
        &self.max_levels
    }

    /// Number of nodes; `None` when it exceeds `u64::MAX`.
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// The number of nodes as a float (for reports on lattices too large to count in `u64`).
    pub fn size_f64(&self) -> f64 {
        self.max_levels
            .iter()
            .map(|&m| m as f64 + 1.0)
            .product::<f64>()
    }

    /// Sum of the maximal levels: the length of the longest chain from bottom to top.
    pub fn height(&self) -> usize {
        self.max_levels.iter().map(|&m| m as usize).sum()
    }

    /// The node number of a levels vector. Only meaningful when `size()` is `Some`.
    pub fn index(&self, levels: &[u8]) -> u64 {
        levels
            .iter()
            .zip(&self.strides)
            .map(|(&l, &s)| l as u64 * s)
            .sum()
    }

    /// The levels vector of a node number. Only meaningful when `size()` is `Some`.
    pub fn levels_of(&self, mut index: u64, out: &mut [u8]) {
        for (a, o) in out.iter_mut().enumerate() {
            let s = self.strides[a];
            *o = (index / s) as u8;
            index %= s;
        }
    }

    pub fn stride(&self, dim: usize) -> u64 {
        self.strides[dim]
    }

    pub fn bottom(&self) -> Vec<u8> {
        vec![0; self.dims()]
    }

    pub fn top(&self) -> Vec<u8> {
        self.max_levels.clone()
    }

    /// Direct successors: one attribute one level higher.
    pub fn successors(&self, levels: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for a in 0..levels.len() {
            if levels[a] < self.max_levels[a] {
                let mut s = levels.to_vec();
                s[a] += 1;
                out.push(s);
            }
        }
        out
    }

    /// Direct predecessors: one attribute one level lower.
    pub fn predecessors(&self, levels: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for a in 0..levels.len() {
            if levels[a] > 0 {
                let mut p = levels.to_vec();
                p[a] -= 1;
                out.push(p);
            }
        }
        out
    }

    /// True when `a` is below or equal to `b` (every level of `a` at most that of `b`).
    pub fn is_below(a: &[u8], b: &[u8]) -> bool {
        a.iter().zip(b).all(|(x, y)| x <= y)
    }

    /// Sum of levels (the node's height in the lattice).
    pub fn level_sum(levels: &[u8]) -> u32 {
        levels.iter().map(|&l| l as u32).sum()
    }
}

/// One flag per node of an enumerable lattice, marked by whole down-sets ("known to fail the
/// monotone privacy models") or whole up-sets ("known to satisfy them"); one instance is used in
/// one direction only. Marked sets then stay closed in that direction (if a node is marked, so
/// is every node below it, resp. above it), which lets marking stop at nodes already marked.
#[derive(Clone, Debug)]
pub struct NodeTags {
    marked: Vec<bool>,
    count: u64,
}

impl NodeTags {
    pub fn new(size: usize) -> NodeTags {
        NodeTags {
            marked: vec![false; size],
            count: 0,
        }
    }

    pub fn is_marked(&self, index: u64) -> bool {
        self.marked[index as usize]
    }

    /// Number of marked nodes.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Marks `levels` and every node below it. Returns how many nodes were newly marked.
    pub fn mark_down_set(&mut self, lattice: &Lattice, levels: &[u8]) -> u64 {
        let start = lattice.index(levels);
        if self.marked[start as usize] {
            return 0;
        }
        let mut newly = 0u64;
        let mut stack = vec![start];
        self.marked[start as usize] = true;
        newly += 1;
        let mut lv = vec![0u8; lattice.dims()];
        while let Some(node) = stack.pop() {
            lattice.levels_of(node, &mut lv);
            for (a, &l) in lv.iter().enumerate() {
                if l > 0 {
                    let p = node - lattice.stride(a);
                    if !self.marked[p as usize] {
                        self.marked[p as usize] = true;
                        newly += 1;
                        stack.push(p);
                    }
                }
            }
        }
        self.count += newly;
        newly
    }

    /// Marks `levels` and every node above it. Returns how many nodes were newly marked.
    pub fn mark_up_set(&mut self, lattice: &Lattice, levels: &[u8]) -> u64 {
        let start = lattice.index(levels);
        if self.marked[start as usize] {
            return 0;
        }
        let mut newly = 1u64;
        let mut stack = vec![start];
        self.marked[start as usize] = true;
        let mut lv = vec![0u8; lattice.dims()];
        while let Some(node) = stack.pop() {
            lattice.levels_of(node, &mut lv);
            for (a, &l) in lv.iter().enumerate() {
                if l < lattice.max_levels[a] {
                    let s = node + lattice.stride(a);
                    if !self.marked[s as usize] {
                        self.marked[s as usize] = true;
                        newly += 1;
                        stack.push(s);
                    }
                }
            }
        }
        self.count += newly;
        newly
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexing_round_trips_and_counts_nodes() {
        let l = Lattice::new(&[1, 4, 2]);
        assert_eq!(l.size(), Some(2 * 5 * 3));
        let mut seen = [false; 30];
        let mut lv = [0u8; 3];
        for a in 0..=1u8 {
            for b in 0..=4u8 {
                for c in 0..=2u8 {
                    let i = l.index(&[a, b, c]);
                    assert!(!seen[i as usize]);
                    seen[i as usize] = true;
                    l.levels_of(i, &mut lv);
                    assert_eq!(lv, [a, b, c]);
                }
            }
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(l.height(), 7);
    }

    #[test]
    fn neighbours_and_order() {
        let l = Lattice::new(&[1, 2]);
        assert_eq!(l.successors(&[0, 2]), vec![vec![1, 2]]);
        assert_eq!(l.predecessors(&[1, 1]), vec![vec![0, 1], vec![1, 0]]);
        assert!(Lattice::is_below(&[0, 1], &[1, 1]));
        assert!(!Lattice::is_below(&[0, 2], &[1, 1]));
        assert_eq!(Lattice::level_sum(&[1, 2]), 3);
    }

    #[test]
    fn down_set_marking_marks_exactly_the_nodes_below() {
        let l = Lattice::new(&[2, 3, 1]);
        let mut tags = NodeTags::new(l.size().unwrap_or(0) as usize);
        assert_eq!(tags.mark_down_set(&l, &[1, 2, 0]), 2 * 3);
        assert_eq!(tags.mark_down_set(&l, &[1, 1, 0]), 0);
        // 8 nodes below [0,3,1], 3 of them already below [1,2,0].
        assert_eq!(tags.mark_down_set(&l, &[0, 3, 1]), 8 - 3);
        let mut lv = [0u8; 3];
        for i in 0..l.size().unwrap_or(0) {
            l.levels_of(i, &mut lv);
            let expect = Lattice::is_below(&lv, &[1, 2, 0]) || Lattice::is_below(&lv, &[0, 3, 1]);
            assert_eq!(tags.is_marked(i), expect, "{lv:?}");
        }
        assert_eq!(tags.count(), 6 + 5);
        let mut up = NodeTags::new(l.size().unwrap_or(0) as usize);
        assert_eq!(up.mark_up_set(&l, &[1, 2, 0]), 2 * 2 * 2);
        assert_eq!(up.mark_up_set(&l, &[2, 3, 1]), 0);
        for i in 0..l.size().unwrap_or(0) {
            l.levels_of(i, &mut lv);
            assert_eq!(
                up.is_marked(i),
                Lattice::is_below(&[1, 2, 0], &lv),
                "{lv:?}"
            );
        }
    }

    #[test]
    fn huge_lattices_report_no_size() {
        let l = Lattice::new(&[255; 9]);
        assert_eq!(l.size(), None);
        assert!(l.size_f64() > 1e21);
    }
}
