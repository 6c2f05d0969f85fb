//! Mergeable streaming sketches for the column profiler: bounded memory, one pass.
//!
//! * [`Hll`]: HyperLogLog distinct-count estimator over caller-supplied 64-bit hashes. It uses
//!   the "improved" raw estimator from O. Ertl, *New cardinality estimation algorithms for
//!   HyperLogLog sketches* (2017), which needs no empirical bias tables and stays accurate from
//!   tiny cardinalities (where it behaves like linear counting) up to billions.
//! * [`Kll`]: KLL quantile sketch (Karnin, Lang, Liberty, *Optimal quantile approximation in
//!   streams*, 2016) over `f64`, with lazy compaction in the style of Apache DataSketches and
//!   anti-correlated compaction offsets (Ivkin et al., 2019). Coin flips come from an internal
//!   seeded SplitMix64 generator, so the same input order always gives the same sketch.
//!
//! Both sketches are panic-free on any input and never allocate per insert once warmed up.

/// SplitMix64 finaliser: a strong 64-bit bit mixer.
///
/// [`Hll`] needs well-mixed hashes (its register index comes from the top bits and the rank
/// from the remaining bits). Pass weak hashes (identity hashes of integers, FxHash, ...) through
/// this function first.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Small deterministic SplitMix64 generator (used for KLL coin flips).
#[derive(Clone, Debug)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.state)
    }
}

// ---------------------------------------------------------------------------------------------
// HyperLogLog
// ---------------------------------------------------------------------------------------------

/// HyperLogLog distinct-count estimator over 64-bit hashes (the caller hashes values).
///
/// Memory is fixed: `2^precision` one-byte registers (16 KiB at the default precision 14, for a
/// standard error of about `1.04 / sqrt(2^precision)` ≈ 0.8%).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hll {
    precision: u8,
    registers: Vec<u8>,
}

impl Default for Hll {
    fn default() -> Self {
        Hll::new(Hll::DEFAULT_PRECISION)
    }
}

impl Hll {
    /// Default precision: 16 384 registers, ~0.8% standard error.
    pub const DEFAULT_PRECISION: u8 = 14;
    /// Smallest accepted precision.
    pub const MIN_PRECISION: u8 = 4;
    /// Largest accepted precision.
    pub const MAX_PRECISION: u8 = 18;

    /// New empty sketch with `2^precision` registers; `precision` is clamped to `4..=18`.
    pub fn new(precision: u8) -> Hll {
        let precision = precision.clamp(Self::MIN_PRECISION, Self::MAX_PRECISION);
        Hll {
            precision,
            registers: vec![0; 1usize << precision],
        }
    }

    /// The (clamped) precision in use. It can go down after [`Hll::merge`] with a coarser sketch.
    pub fn precision(&self) -> u8 {
        self.precision
    }

    /// True when nothing has been inserted (or merged in).
    pub fn is_empty(&self) -> bool {
        self.registers.iter().all(|&r| r == 0)
    }

    /// Adds one hashed value. The hash should be well mixed in all 64 bits (see [`mix64`]).
    #[inline]
    pub fn insert_hash(&mut self, h: u64) {
        let p = u32::from(self.precision);
        let idx = (h >> (64 - p)) as usize;
        let rest = h << p;
        // Position of the first 1-bit among the 64 - p remaining bits (1-based); 65 - p if none.
        let rho = if rest == 0 {
            65 - p
        } else {
            rest.leading_zeros() + 1
        };
        if let Some(r) = self.registers.get_mut(idx) {
            let rho = rho as u8;
            if rho > *r {
                *r = rho;
            }
        }
    }

    /// Merges `other` into `self` (union of the two sets).
    ///
    /// Sketches of equal precision merge register-wise, exactly as if one sketch had seen both
    /// streams. A finer `other` is folded down to `self`'s precision first, which is also exact.
    /// If `other` is coarser, `self` is itself folded down to `other`'s precision (a finer
    /// sketch cannot be recovered from a coarser one), so after the merge
    /// `self.precision() == min(self.precision(), other.precision())`.
    pub fn merge(&mut self, other: &Hll) {
        if other.precision < self.precision {
            self.registers = fold_registers(&self.registers, self.precision, other.precision);
            self.precision = other.precision;
        }
        if other.precision == self.precision {
            for (a, &b) in self.registers.iter_mut().zip(&other.registers) {
                if b > *a {
                    *a = b;
                }
            }
        } else {
            let folded = fold_registers(&other.registers, other.precision, self.precision);
            for (a, b) in self.registers.iter_mut().zip(folded) {
                if b > *a {
                    *a = b;
                }
            }
        }
    }

    /// Estimated number of distinct hashes inserted.
    ///
    /// Ertl's improved estimator: the register histogram is corrected at both ends (empty
    /// registers with the `sigma` series, saturated registers with the `tau` series), which
    /// subsumes the classic linear-counting small-range correction and removes the bias of the
    /// raw HyperLogLog estimate in the transition range around `2.5 * m`.
    pub fn estimate(&self) -> f64 {
        let p = usize::from(self.precision);
        let q = 64 - p;
        let mut hist = [0u64; 66];
        for &r in &self.registers {
            if let Some(c) = hist.get_mut(usize::from(r)) {
                *c += 1;
            }
        }
        let m = self.registers.len() as f64;
        let saturated = hist.get(q + 1).copied().unwrap_or(0) as f64;
        let mut z = m * ertl_tau(1.0 - saturated / m);
        for k in (1..=q).rev() {
            z = 0.5 * (z + hist.get(k).copied().unwrap_or(0) as f64);
        }
        z += m * ertl_sigma(hist[0] as f64 / m);
        if !z.is_finite() || z <= 0.0 {
            // Every register empty: sigma(1) is infinite.
            return 0.0;
        }
        let alpha_inf = 1.0 / (2.0 * std::f64::consts::LN_2);
        alpha_inf * m * m / z
    }
}

/// Re-expresses registers of precision `from` at the coarser precision `to` (`to <= from`).
///
/// A register at the fine precision remembers the top `from` bits of some hash (its index) and
/// the rank of the first 1-bit after them. At the coarse precision the index keeps the top `to`
/// bits; the `from - to` dropped index bits come first in the coarse rank's bit string.
fn fold_registers(regs: &[u8], from: u8, to: u8) -> Vec<u8> {
    let d = u32::from(from.saturating_sub(to));
    let mut out = vec![0u8; 1usize << to];
    let low_mask = (1usize << d) - 1;
    for (i, &v) in regs.iter().enumerate() {
        if v == 0 {
            continue;
        }
        let low = (i & low_mask) as u64;
        let rho = if low == 0 {
            d + u32::from(v)
        } else {
            // Leading zeros of `low` within a d-bit field, plus one.
            d - (64 - low.leading_zeros()) + 1
        };
        let rho = u8::try_from(rho).unwrap_or(u8::MAX);
        if let Some(r) = out.get_mut(i >> d)
            && rho > *r
        {
            *r = rho;
        }
    }
    out
}

/// Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for x in [0, 1]; infinite at 1.
fn ertl_sigma(mut x: f64) -> f64 {
    if x >= 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    for _ in 0..1100 {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            break;
        }
    }
    z
}

/// Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for x in [0, 1].
fn ertl_tau(mut x: f64) -> f64 {
    if x <= 0.0 || x >= 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    for _ in 0..1100 {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if prev == z {
            break;
        }
    }
    z / 3.0
}

// ---------------------------------------------------------------------------------------------
// KLL
// ---------------------------------------------------------------------------------------------

/// Smallest capacity of any compactor level.
const KLL_MIN_WIDTH: usize = 8;
/// Capacity decay per level below the top.
const KLL_DECAY: f64 = 2.0 / 3.0;
/// Seed of the coin-flip generator of [`Kll::new`].
const KLL_DEFAULT_SEED: u64 = 0x6b6c_6c5f_7365_6564;

/// KLL quantile sketch over `f64` (NaN ignored).
///
/// Level `h` holds items of weight `2^h`. When the sketch is full, the lowest over-full level is
/// sorted and every other item (starting at a random offset) is promoted to the next level. The
/// total weight of the retained items always equals [`Kll::count`]. Retained items are
/// `O(k + log n)`; the normalised rank error is about 1.65% at `k = 200`.
///
/// Deterministic: the coin flips come from an internal seeded generator, so the same input order
/// (and the same merge order) yields the same sketch.
#[derive(Clone, Debug)]
pub struct Kll {
    k: usize,
    /// Compactor levels; `levels[h]` holds items of weight `2^h`. Never empty.
    levels: Vec<Vec<f64>>,
    /// Capacity of each level for the current number of levels.
    caps: Vec<usize>,
    /// Sum of `caps`.
    total_cap: usize,
    /// Number of retained items (sum of level lengths).
    retained: usize,
    n: u64,
    min: f64,
    max: f64,
    rng: SplitMix64,
    /// Anti-correlated offsets per level: 0 = draw a fresh coin at the next compaction,
    /// 1 / 2 = use offset 0 / 1 (the complement of the previous one).
    coin: Vec<u8>,
}

impl Default for Kll {
    fn default() -> Self {
        Kll::new(Kll::DEFAULT_K)
    }
}

impl Kll {
    /// Default accuracy parameter (~1.65% normalised rank error).
    pub const DEFAULT_K: usize = 200;
    /// Smallest accepted `k`.
    pub const MIN_K: usize = 8;
    /// Largest accepted `k`.
    pub const MAX_K: usize = 1 << 16;

    /// New empty sketch; `k` is clamped to `8..=65536`.
    pub fn new(k: usize) -> Kll {
        Kll::with_seed(k, KLL_DEFAULT_SEED)
    }

    /// New empty sketch whose coin flips are seeded with `seed`.
    pub fn with_seed(k: usize, seed: u64) -> Kll {
        let k = k.clamp(Self::MIN_K, Self::MAX_K);
        let mut s = Kll {
            k,
            levels: vec![Vec::with_capacity(k)],
            caps: Vec::new(),
            total_cap: 0,
            retained: 0,
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            rng: SplitMix64 { state: seed },
            coin: vec![0],
        };
        s.recompute_caps();
        s
    }

    /// The (clamped) accuracy parameter.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Number of non-NaN values inserted (including merged sketches).
    pub fn count(&self) -> u64 {
        self.n
    }

    /// True when no value has been inserted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of values the sketch currently stores (its memory footprint in `f64`s).
    pub fn retained(&self) -> usize {
        self.retained
    }

    /// Exact minimum, `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.n > 0).then_some(self.min)
    }

    /// Exact maximum, `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }

    /// Adds one value; NaN is ignored.
    #[inline]
    pub fn insert(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        self.n += 1;
        if let Some(level0) = self.levels.first_mut() {
            level0.push(x);
            self.retained += 1;
        }
        if self.retained >= self.total_cap {
            self.compress();
        }
    }

    /// Merges `other` into `self`; afterwards `self` summarises both streams.
    ///
    /// `self` keeps its own `k` (and coin-flip generator); merging sketches with different `k`
    /// works, with the accuracy of the smaller one.
    pub fn merge(&mut self, other: &Kll) {
        if other.n == 0 {
            return;
        }
        if other.levels.len() > self.levels.len() {
            while self.levels.len() < other.levels.len() {
                self.levels.push(Vec::new());
                self.coin.push(0);
            }
            self.recompute_caps();
        }
        for (dst, src) in self.levels.iter_mut().zip(&other.levels) {
            dst.extend_from_slice(src);
        }
        self.retained += other.retained;
        self.n += other.n;
        if other.min < self.min {
            self.min = other.min;
        }
        if other.max > self.max {
            self.max = other.max;
        }
        self.compress();
    }

    /// Estimated `q`-quantile: the smallest retained value whose estimated rank (fraction of
    /// values `<=` it) reaches `q`. `q` is clamped to `[0, 1]`; `q = 0` gives the exact minimum
    /// and `q = 1` the exact maximum. `None` when empty or `q` is NaN.
    ///
    /// While fewer than `k` values have been inserted the answer is exact: the `ceil(q * n)`-th
    /// smallest value.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 || q.is_nan() {
            return None;
        }
        if q <= 0.0 {
            return Some(self.min);
        }
        if q >= 1.0 {
            return Some(self.max);
        }
        let view = self.sorted_view();
        Some(self.quantile_in(&view, q))
    }

    /// Several quantiles at once (one sort of the retained items); same rules as
    /// [`Kll::quantile`]. `None` when empty; NaN entries of `qs` give NaN.
    pub fn quantiles(&self, qs: &[f64]) -> Option<Vec<f64>> {
        if self.n == 0 {
            return None;
        }
        let view = self.sorted_view();
        Some(
            qs.iter()
                .map(|&q| {
                    if q.is_nan() {
                        f64::NAN
                    } else if q <= 0.0 {
                        self.min
                    } else if q >= 1.0 {
                        self.max
                    } else {
                        self.quantile_in(&view, q)
                    }
                })
                .collect(),
        )
    }

    /// Estimated fraction of values `<= x`, in `[0, 1]`. Exact at and beyond the extremes
    /// (0 below the minimum, 1 at or above the maximum). 0 when empty or `x` is NaN.
    pub fn rank(&self, x: f64) -> f64 {
        if self.n == 0 || x.is_nan() || x < self.min {
            return 0.0;
        }
        if x >= self.max {
            return 1.0;
        }
        let mut below: u64 = 0;
        for (h, level) in self.levels.iter().enumerate() {
            let count = level.iter().filter(|&&v| v <= x).count() as u64;
            below = below.saturating_add(count.saturating_mul(level_weight(h)));
        }
        (below as f64 / self.n as f64).clamp(0.0, 1.0)
    }

    /// Retained items sorted by value, paired with their cumulative weight.
    fn sorted_view(&self) -> Vec<(f64, u64)> {
        let mut items: Vec<(f64, u64)> = Vec::with_capacity(self.retained);
        for (h, level) in self.levels.iter().enumerate() {
            let w = level_weight(h);
            items.extend(level.iter().map(|&v| (v, w)));
        }
        items.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut cum: u64 = 0;
        for item in &mut items {
            cum = cum.saturating_add(item.1);
            item.1 = cum;
        }
        items
    }

    fn quantile_in(&self, view: &[(f64, u64)], q: f64) -> f64 {
        let target = q * self.n as f64;
        let i = view.partition_point(|&(_, c)| (c as f64) < target);
        view.get(i).map_or(self.max, |&(v, _)| v)
    }

    fn recompute_caps(&mut self) {
        let top = self.levels.len().saturating_sub(1);
        self.caps.clear();
        for h in 0..self.levels.len() {
            let depth = i32::try_from(top - h).unwrap_or(i32::MAX);
            let cap = (self.k as f64 * KLL_DECAY.powi(depth)).ceil();
            // `as` saturates; the value is at most k anyway.
            self.caps.push((cap as usize).max(KLL_MIN_WIDTH));
        }
        self.total_cap = self.caps.iter().fold(0usize, |a, &c| a.saturating_add(c));
    }

    /// Compacts levels until the retained items fit the total capacity.
    fn compress(&mut self) {
        while self.retained >= self.total_cap {
            let Some(h) = self
                .levels
                .iter()
                .zip(&self.caps)
                .position(|(level, &cap)| level.len() >= cap)
            else {
                return;
            };
            if h + 1 >= self.levels.len() {
                self.levels.push(Vec::new());
                self.coin.push(0);
                self.recompute_caps();
            }
            if !self.compact(h) {
                return;
            }
        }
    }

    /// Halves level `h` into level `h + 1`. Returns false if nothing could be compacted.
    fn compact(&mut self, h: usize) -> bool {
        let offset = self.next_offset(h);
        let (lower, upper) = self.levels.split_at_mut(h + 1);
        let (Some(src), Some(dst)) = (lower.last_mut(), upper.first_mut()) else {
            return false;
        };
        if src.len() < 2 {
            return false;
        }
        // An odd item out stays behind at this level with its weight unchanged.
        let leftover = if src.len() % 2 == 1 { src.pop() } else { None };
        src.sort_unstable_by(f64::total_cmp);
        let promoted = src.len() / 2;
        dst.extend(src.iter().skip(offset).step_by(2));
        src.clear();
        if let Some(v) = leftover {
            src.push(v);
        }
        self.retained = self.retained.saturating_sub(promoted);
        true
    }

    /// Compaction offset for level `h`: a fresh coin, then its complement, alternately.
    fn next_offset(&mut self, h: usize) -> usize {
        let Some(state) = self.coin.get_mut(h) else {
            return (self.rng.next_u64() >> 63) as usize;
        };
        match *state {
            1 => {
                *state = 0;
                0
            }
            2 => {
                *state = 0;
                1
            }
            _ => {
                let bit = (self.rng.next_u64() >> 63) as usize;
                *state = if bit == 0 { 2 } else { 1 };
                bit
            }
        }
    }
}

/// Weight `2^h` of an item at level `h` (saturating).
#[inline]
fn level_weight(h: usize) -> u64 {
    u32::try_from(h)
        .ok()
        .and_then(|h| 1u64.checked_shl(h))
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic test generator.
    struct Gen(SplitMix64);

    impl Gen {
        fn new(seed: u64) -> Gen {
            Gen(SplitMix64 { state: seed })
        }
        fn u64(&mut self) -> u64 {
            self.0.next_u64()
        }
        /// Uniform in (0, 1).
        fn unit(&mut self) -> f64 {
            ((self.u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        /// Standard normal via Box-Muller.
        fn normal(&mut self) -> f64 {
            let u1 = self.unit();
            let u2 = self.unit();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        }
    }

    // ---------------------------------------------------------------- HLL

    fn hll_of(range: std::ops::Range<u64>) -> Hll {
        let mut h = Hll::new(14);
        for i in range {
            h.insert_hash(mix64(i));
        }
        h
    }

    fn rel_err(est: f64, truth: f64) -> f64 {
        (est - truth).abs() / truth
    }

    #[test]
    fn hll_accuracy_1k_100k_2m() {
        for n in [1_000u64, 100_000, 2_000_000] {
            let est = hll_of(0..n).estimate();
            let err = rel_err(est, n as f64);
            assert!(err <= 0.025, "n={n} estimate={est} err={err}");
        }
    }

    #[test]
    fn hll_accuracy_across_ranges() {
        // Includes the transition zone (~2.5m .. 5m) where uncorrected HLL is biased.
        let mut h = Hll::new(14);
        let mut next = 0u64;
        for n in [
            1u64, 10, 100, 5_000, 20_000, 40_000, 60_000, 80_000, 150_000, 500_000,
        ] {
            while next < n {
                h.insert_hash(mix64(next ^ 0xabcdef));
                next += 1;
            }
            let est = h.estimate();
            let tol = if n < 1000 {
                0.01 * n as f64 + 0.5
            } else {
                0.025 * n as f64
            };
            assert!((est - n as f64).abs() <= tol, "n={n} estimate={est}");
        }
    }

    #[test]
    fn hll_empty_is_zero() {
        let h = Hll::default();
        assert!(h.is_empty());
        assert_eq!(h.estimate(), 0.0);
        assert_eq!(h.precision(), 14);
        assert_eq!(Hll::new(0).precision(), 4);
        assert_eq!(Hll::new(40).precision(), 18);
    }

    #[test]
    fn hll_duplicates_do_not_change_estimate() {
        let once = hll_of(0..50_000);
        let mut thrice = Hll::new(14);
        for _ in 0..3 {
            for i in 0..50_000u64 {
                thrice.insert_hash(mix64(i));
            }
        }
        assert_eq!(once.estimate(), thrice.estimate());
        assert_eq!(once, thrice);
    }

    #[test]
    fn hll_merge_of_halves_equals_whole() {
        let whole = hll_of(0..400_000);
        let mut a = hll_of(0..200_000);
        let b = hll_of(200_000..400_000);
        let before = a.estimate();
        a.merge(&b);
        let (m, w) = (a.estimate(), whole.estimate());
        assert!(rel_err(m, w) <= 0.01, "merged={m} whole={w}");
        assert_eq!(a, whole);
        assert!(m > 1.5 * before, "merge must add the other half");
    }

    #[test]
    fn hll_merge_across_precisions_folds_exactly() {
        let mut coarse = Hll::new(10);
        let mut fine = Hll::new(16);
        let mut both_coarse = Hll::new(10);
        for i in 0..300_000u64 {
            let h = mix64(i);
            if i % 2 == 0 {
                coarse.insert_hash(h);
            } else {
                fine.insert_hash(h);
            }
            both_coarse.insert_hash(h);
        }
        // Finer into coarser.
        let mut a = coarse.clone();
        a.merge(&fine);
        assert_eq!(a, both_coarse);
        // Coarser into finer: self is folded down.
        let mut b = fine.clone();
        b.merge(&coarse);
        assert_eq!(b.precision(), 10);
        assert_eq!(b, both_coarse);
        let err = rel_err(b.estimate(), 300_000.0);
        assert!(err < 0.1, "err={err}");
    }

    // ---------------------------------------------------------------- KLL

    const QS: [f64; 7] = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
    const N: usize = 1_000_000;

    fn sorted_copy(data: &[f64]) -> Vec<f64> {
        let mut s: Vec<f64> = data.iter().copied().filter(|v| !v.is_nan()).collect();
        s.sort_unstable_by(f64::total_cmp);
        s
    }

    /// Distance between `q` and the exact rank interval [P(X < v), P(X <= v)] of `v`.
    fn rank_error(sorted: &[f64], v: f64, q: f64) -> f64 {
        let n = sorted.len() as f64;
        let lo = sorted.partition_point(|&x| x < v) as f64 / n;
        let hi = sorted.partition_point(|&x| x <= v) as f64 / n;
        if q < lo {
            lo - q
        } else if q > hi {
            q - hi
        } else {
            0.0
        }
    }

    /// Checks quantiles and ranks against the exact data; returns the worst errors.
    fn check_sketch(name: &str, sk: &Kll, data: &[f64]) -> (f64, f64) {
        let sorted = sorted_copy(data);
        let n = sorted.len();
        assert_eq!(sk.count(), n as u64, "{name}: count");
        assert_eq!(sk.min(), sorted.first().copied(), "{name}: min");
        assert_eq!(sk.max(), sorted.last().copied(), "{name}: max");
        let mut worst_q = 0.0f64;
        let mut worst_r = 0.0f64;
        let batch = sk.quantiles(&QS).unwrap_or_default();
        assert_eq!(batch.len(), QS.len(), "{name}: quantiles()");
        for (&q, &b) in QS.iter().zip(&batch) {
            let est = sk.quantile(q).unwrap_or(f64::NAN);
            assert_eq!(
                est.to_bits(),
                b.to_bits(),
                "{name}: quantiles() vs quantile()"
            );
            // The exact quantile (lower inverse CDF) and the estimate, compared by rank.
            let idx = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
            let exact = sorted[idx];
            let e = rank_error(&sorted, est, q);
            assert!(
                e <= 0.02,
                "{name}: q={q} estimate={est} exact={exact} rank error={e}"
            );
            worst_q = worst_q.max(e);

            let true_rank = sorted.partition_point(|&x| x <= exact) as f64 / n as f64;
            let r = sk.rank(exact);
            assert!((0.0..=1.0).contains(&r));
            let re = (r - true_rank).abs();
            assert!(
                re <= 0.02,
                "{name}: rank({exact})={r} true={true_rank} error={re}"
            );
            worst_r = worst_r.max(re);
        }
        assert_eq!(sk.quantile(0.0), sorted.first().copied());
        assert_eq!(sk.quantile(1.0), sorted.last().copied());
        (worst_q, worst_r)
    }

    fn datasets() -> Vec<(&'static str, Vec<f64>)> {
        let mut g = Gen::new(42);
        let uniform: Vec<f64> = (0..N).map(|_| g.unit()).collect();
        let normal: Vec<f64> = (0..N).map(|_| 10.0 + 3.0 * g.normal()).collect();
        let lognormal: Vec<f64> = (0..N).map(|_| (2.0 * g.normal()).exp()).collect();
        let pareto: Vec<f64> = (0..N).map(|_| g.unit().powf(-1.0 / 0.8)).collect();
        let mut ascending: Vec<f64> = (0..N).map(|_| g.unit() * 1000.0).collect();
        ascending.sort_unstable_by(f64::total_cmp);
        let descending: Vec<f64> = ascending.iter().rev().copied().collect();
        // 40% zeros, the rest spread over 25 distinct values.
        let dups: Vec<f64> = (0..N)
            .map(|_| {
                if g.unit() < 0.4 {
                    0.0
                } else {
                    (g.u64() % 25) as f64
                }
            })
            .collect();
        vec![
            ("uniform", uniform),
            ("normal", normal),
            ("lognormal", lognormal),
            ("pareto", pareto),
            ("ascending", ascending),
            ("descending", descending),
            ("duplicates", dups),
        ]
    }

    #[test]
    fn kll_accuracy_on_distributions() {
        for (name, data) in datasets() {
            let mut sk = Kll::new(200);
            for &x in &data {
                sk.insert(x);
            }
            let (wq, wr) = check_sketch(name, &sk, &data);
            // Memory stays O(k + log n): well under 3k + 8 * levels.
            assert!(
                sk.retained() <= 3 * 200 + 8 * 40,
                "{name}: {}",
                sk.retained()
            );
            eprintln!(
                "{name}: worst quantile rank error {wq:.4}, worst rank() error {wr:.4}, retained {}",
                sk.retained()
            );
        }
    }

    #[test]
    fn kll_merge_of_four_parts() {
        for (name, data) in datasets() {
            let mut parts: Vec<Kll> = (0..4).map(|_| Kll::new(200)).collect();
            // Contiguous quarters: each part sees a different slice of the stream.
            for (i, chunk) in data.chunks(N / 4).enumerate() {
                if let Some(p) = parts.get_mut(i % 4) {
                    for &x in chunk {
                        p.insert(x);
                    }
                }
            }
            let mut merged = Kll::new(200);
            for p in &parts {
                merged.merge(p);
            }
            let (wq, wr) = check_sketch(name, &merged, &data);
            assert!(merged.retained() <= 3 * 200 + 8 * 40);
            eprintln!("merged {name}: worst quantile {wq:.4}, worst rank {wr:.4}");
        }
    }

    #[test]
    fn kll_merge_tree_and_uneven_sizes() {
        let mut g = Gen::new(7);
        let data: Vec<f64> = (0..300_000).map(|_| g.normal()).collect();
        // Uneven parts merged pairwise, including an empty one.
        let bounds = [0usize, 10, 5_000, 5_000, 120_000, 300_000];
        let mut parts: Vec<Kll> = bounds
            .windows(2)
            .map(|w| {
                let mut s = Kll::new(200);
                for &x in &data[w[0]..w[1]] {
                    s.insert(x);
                }
                s
            })
            .collect();
        while parts.len() > 1 {
            let b = parts.pop().unwrap_or_default();
            if let Some(a) = parts.last_mut() {
                a.merge(&b);
            }
        }
        let merged = parts.pop().unwrap_or_default();
        check_sketch("merge tree", &merged, &data);
    }

    #[test]
    fn kll_is_deterministic() {
        let mut g = Gen::new(99);
        let data: Vec<f64> = (0..200_000).map(|_| g.normal()).collect();
        let run = || {
            let mut s = Kll::new(200);
            for &x in &data {
                s.insert(x);
            }
            s
        };
        let (a, b) = (run(), run());
        let qa: Vec<u64> = QS
            .iter()
            .map(|&q| a.quantile(q).unwrap_or(0.0).to_bits())
            .collect();
        let qb: Vec<u64> = QS
            .iter()
            .map(|&q| b.quantile(q).unwrap_or(0.0).to_bits())
            .collect();
        assert_eq!(qa, qb);
        assert_eq!(a.levels, b.levels);
        // A different seed gives a (slightly) different sketch: the coins really are used.
        let mut c = Kll::with_seed(200, 12345);
        for &x in &data {
            c.insert(x);
        }
        assert_ne!(a.levels, c.levels);
    }

    #[test]
    fn kll_small_inputs_are_exact() {
        let empty = Kll::default();
        assert_eq!(empty.count(), 0);
        assert_eq!(empty.min(), None);
        assert_eq!(empty.max(), None);
        assert_eq!(empty.quantile(0.5), None);
        assert_eq!(empty.quantiles(&[0.5]), None);
        assert_eq!(empty.rank(1.0), 0.0);

        let mut one = Kll::default();
        one.insert(3.5);
        for q in [0.0, 0.3, 0.5, 1.0] {
            assert_eq!(one.quantile(q), Some(3.5));
        }
        assert_eq!(one.rank(3.4), 0.0);
        assert_eq!(one.rank(3.5), 1.0);

        let mut five = Kll::default();
        for x in [5.0, 1.0, 4.0, 2.0, 3.0] {
            five.insert(x);
        }
        assert_eq!(five.count(), 5);
        assert_eq!(five.min(), Some(1.0));
        assert_eq!(five.max(), Some(5.0));
        let expect = [
            (0.0, 1.0),
            (0.1, 1.0),
            (0.2, 1.0),
            (0.25, 2.0),
            (0.5, 3.0),
            (0.6, 3.0),
            (0.61, 4.0),
            (0.9, 5.0),
            (1.0, 5.0),
        ];
        for (q, v) in expect {
            assert_eq!(five.quantile(q), Some(v), "q={q}");
        }
        for (x, r) in [
            (0.5, 0.0),
            (1.0, 0.2),
            (2.5, 0.4),
            (3.0, 0.6),
            (4.99, 0.8),
            (9.0, 1.0),
        ] {
            assert!((five.rank(x) - r).abs() < 1e-12, "rank({x})");
        }
        // Out-of-range q is clamped; NaN q has no answer.
        assert_eq!(five.quantile(-1.0), Some(1.0));
        assert_eq!(five.quantile(2.0), Some(5.0));
        assert_eq!(five.quantile(f64::NAN), None);

        // Anything below k values is exact for every q.
        let mut g = Gen::new(3);
        let data: Vec<f64> = (0..150).map(|_| g.normal()).collect();
        let mut s = Kll::new(200);
        for &x in &data {
            s.insert(x);
        }
        let sorted = sorted_copy(&data);
        for i in 0..=100 {
            let q = f64::from(i) / 100.0;
            let idx = ((q * 150.0).ceil() as usize).clamp(1, 150) - 1;
            assert_eq!(s.quantile(q), Some(sorted[idx]), "q={q}");
        }
    }

    #[test]
    fn kll_ignores_nan() {
        let mut s = Kll::new(50);
        let mut t = Kll::new(50);
        for i in 0..10_000 {
            let x = f64::from(i);
            s.insert(x);
            t.insert(x);
            if i % 3 == 0 {
                s.insert(f64::NAN);
            }
        }
        assert_eq!(s.count(), 10_000);
        assert_eq!(s.levels, t.levels);
        assert_eq!(s.min(), Some(0.0));
        assert_eq!(s.max(), Some(9_999.0));
        assert_eq!(s.rank(f64::NAN), 0.0);
        let mut only_nan = Kll::default();
        only_nan.insert(f64::NAN);
        assert_eq!(only_nan.count(), 0);
        assert_eq!(only_nan.quantile(0.5), None);
        assert_eq!(only_nan.min(), None);
    }

    #[test]
    fn kll_k_is_clamped_and_small_k_still_works() {
        assert_eq!(Kll::new(0).k(), 8);
        assert_eq!(Kll::new(usize::MAX).k(), Kll::MAX_K);
        let mut s = Kll::new(8);
        let mut g = Gen::new(5);
        let data: Vec<f64> = (0..100_000).map(|_| g.unit()).collect();
        for &x in &data {
            s.insert(x);
        }
        assert_eq!(s.count(), 100_000);
        let sorted = sorted_copy(&data);
        // k = 8 is coarse, but the answer must still be in the right region.
        let med = s.quantile(0.5).unwrap_or(f64::NAN);
        assert!(rank_error(&sorted, med, 0.5) < 0.25, "median {med}");
        assert!(s.retained() < 200);
    }

    #[test]
    fn kll_total_weight_is_conserved() {
        let mut s = Kll::new(32);
        for i in 0..123_457u32 {
            s.insert(f64::from(i % 1000));
            if i % 10_007 == 0 {
                let total: u64 = s
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(h, l)| l.len() as u64 * level_weight(h))
                    .sum();
                assert_eq!(total, s.count());
                let retained: usize = s.levels.iter().map(Vec::len).sum();
                assert_eq!(retained, s.retained());
            }
        }
    }
}
