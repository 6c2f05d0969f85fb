//! Minimal unsigned big integers for FF1 when the numbers outgrow `u128`: little-endian
//! 64-bit limbs, always normalised (no zero limb at the top). Only the operations FF1 needs;
//! correctness over speed (the shift-and-subtract reduction is quadratic).

use std::cmp::Ordering;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Big(Vec<u64>);

impl Big {
    pub fn zero() -> Big {
        Big(Vec::new())
    }

    pub fn from_u64(x: u64) -> Big {
        let mut b = Big(vec![x]);
        b.normalise();
        b
    }

    fn normalise(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// `self = self * m + a`.
    pub fn mul_add_small(&mut self, m: u64, a: u64) {
        let mut carry = u128::from(a);
        for limb in &mut self.0 {
            let t = u128::from(*limb) * u128::from(m) + carry;
            *limb = t as u64;
            carry = t >> 64;
        }
        if carry != 0 {
            self.0.push(carry as u64);
        }
        self.normalise();
    }

    /// `self = self / d`, returning the remainder. `d` must not be zero.
    pub fn div_rem_small(&mut self, d: u64) -> u64 {
        let mut rem: u128 = 0;
        for limb in self.0.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / u128::from(d)) as u64;
            rem = cur % u128::from(d);
        }
        self.normalise();
        rem as u64
    }

    pub fn bit_len(&self) -> usize {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() * 64 - top.leading_zeros() as usize,
        }
    }

    fn bit(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|l| (l >> (i % 64)) & 1 == 1)
    }

    pub fn cmp_big(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    pub fn add_assign(&mut self, other: &Big) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        let mut carry = false;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let o = other.0.get(i).copied().unwrap_or(0);
            let (s1, c1) = limb.overflowing_add(o);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *limb = s2;
            carry = c1 || c2;
            if !carry && i >= other.0.len() {
                break;
            }
        }
        if carry {
            self.0.push(1);
        }
    }

    /// `self -= other`; requires `self >= other`.
    pub fn sub_assign(&mut self, other: &Big) {
        debug_assert!(self.cmp_big(other) != Ordering::Less);
        let mut borrow = false;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let o = other.0.get(i).copied().unwrap_or(0);
            let (d1, b1) = limb.overflowing_sub(o);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *limb = d2;
            borrow = b1 || b2;
            if !borrow && i >= other.0.len() {
                break;
            }
        }
        self.normalise();
    }

    fn shl1_or(&mut self, bit: bool) {
        let mut carry = u64::from(bit);
        for limb in &mut self.0 {
            let next = *limb >> 63;
            *limb = (*limb << 1) | carry;
            carry = next;
        }
        if carry != 0 {
            self.0.push(carry);
        }
    }

    /// `self mod m` for `m > 0`, by shift and subtract.
    pub fn rem(&self, m: &Big) -> Big {
        debug_assert!(!m.is_zero());
        if self.cmp_big(m) == Ordering::Less {
            return self.clone();
        }
        let mut r = Big::zero();
        for i in (0..self.bit_len()).rev() {
            r.shl1_or(self.bit(i));
            if r.cmp_big(m) != Ordering::Less {
                r.sub_assign(m);
            }
        }
        r
    }

    pub fn from_be_bytes(bytes: &[u8]) -> Big {
        let mut limbs = Vec::with_capacity(bytes.len().div_ceil(8));
        for chunk in bytes.rchunks(8) {
            let mut buf = [0u8; 8];
            buf[8 - chunk.len()..].copy_from_slice(chunk);
            limbs.push(u64::from_be_bytes(buf));
        }
        let mut b = Big(limbs);
        b.normalise();
        b
    }

    /// Writes the number big-endian into `out`, which must be wide enough.
    pub fn write_be_bytes(&self, out: &mut [u8]) {
        debug_assert!(self.bit_len() <= out.len() * 8);
        out.fill(0);
        for (i, limb) in self.0.iter().enumerate() {
            for (j, byte) in limb.to_le_bytes().iter().enumerate() {
                let pos = i * 8 + j;
                if pos < out.len() {
                    let idx = out.len() - 1 - pos;
                    out[idx] = *byte;
                }
            }
        }
    }

    pub fn pow_small(base: u64, exp: usize) -> Big {
        let mut r = Big::from_u64(1);
        for _ in 0..exp {
            r.mul_add_small(base, 0);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_u128(b: &Big) -> u128 {
        let mut out = [0u8; 16];
        b.write_be_bytes(&mut out);
        u128::from_be_bytes(out)
    }

    #[test]
    fn agrees_with_u128() {
        let xs: [u128; 6] = [
            0,
            1,
            12345,
            u64::MAX as u128,
            (u64::MAX as u128) * 977,
            1 << 100,
        ];
        let ms: [u128; 4] = [1, 7, (1 << 64) + 13, (1 << 90) - 3];
        for &x in &xs {
            let bx = Big::from_be_bytes(&x.to_be_bytes());
            assert_eq!(to_u128(&bx), x);
            assert_eq!(bx.bit_len(), 128 - x.leading_zeros() as usize);
            for &m in &ms {
                let bm = Big::from_be_bytes(&m.to_be_bytes());
                assert_eq!(to_u128(&bx.rem(&bm)), x % m, "{x} mod {m}");
            }
            let mut q = bx.clone();
            let r = q.div_rem_small(1_000_003);
            assert_eq!((to_u128(&q), u128::from(r)), (x / 1_000_003, x % 1_000_003));
            let mut s = bx.clone();
            s.add_assign(&Big::from_u64(u64::MAX));
            assert_eq!(to_u128(&s), x + u64::MAX as u128);
            s.sub_assign(&bx);
            assert_eq!(to_u128(&s), u64::MAX as u128);
        }
        assert_eq!(to_u128(&Big::pow_small(10, 30)), 10u128.pow(30));
    }
}
