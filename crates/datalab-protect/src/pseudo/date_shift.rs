//! Date shifting: every date of one subject (a patient, say) moves by the same secret number
//! of days, so intervals within a subject survive while calendar dates no longer identify.
//!
//! The offset is uniform over `[−max_days, −1] ∪ [1, max_days]` (never 0: every date moves):
//! with the subkey `K_c = derive_key(K, "datalab-date-shift-v1", context)`, the 32 bytes of
//! `HMAC-SHA256(K_c, [j] ‖ subject)` (j = 0, 1, …) are read as four 64-bit words; the first
//! word below the largest multiple of `2·max_days` gives the offset by reduction — rejection
//! sampling, so there is no modulo bias.

use chrono::{Days, NaiveDate};

use super::token::Tokenizer;

pub const DATE_SHIFT_LABEL: &str = "datalab-date-shift-v1";
/// Largest supported `max_days` (offsets fit comfortably in `i32`).
pub const MAX_DAYS: u32 = 1 << 30;

/// The day offset of `subject`: uniform in `[−max_days, +max_days]` without 0, the same for
/// the same key, context and subject. `max_days` is capped at [`MAX_DAYS`]; 0 gives 0.
pub fn offset_days(key: &[u8], context: &str, subject: &str, max_days: u32) -> i32 {
    DateShifter::new(key, context, max_days).offset(subject)
}

/// Offsets for one key, context and maximum, with the HMAC states precomputed.
#[derive(Clone, Debug)]
pub struct DateShifter {
    mac: Tokenizer,
    max_days: u32,
}

impl DateShifter {
    pub fn new(key: &[u8], context: &str, max_days: u32) -> DateShifter {
        let subkey = super::derive_key(key, DATE_SHIFT_LABEL, context.as_bytes());
        DateShifter {
            mac: Tokenizer::from_hmac_key(&subkey[..]),
            max_days: max_days.min(MAX_DAYS),
        }
    }

    pub fn max_days(&self) -> u32 {
        self.max_days
    }

    pub fn offset(&self, subject: &str) -> i32 {
        if self.max_days == 0 {
            return 0;
        }
        let n = 2 * u64::from(self.max_days);
        // Accept words below a multiple of n: each residue is then equally likely.
        let accept = (u64::MAX / n) * n;
        let mut msg = Vec::with_capacity(subject.len() + 1);
        for round in 0..=u8::MAX {
            msg.clear();
            msg.push(round);
            msg.extend_from_slice(subject.as_bytes());
            let d = self.mac.digest(&msg);
            for w in d.chunks_exact(8) {
                let x = u64::from_be_bytes(w.try_into().unwrap_or_default());
                if x < accept {
                    let k = (x % n) as i64;
                    let max = i64::from(self.max_days);
                    let off = if k < max { -(k + 1) } else { k - max + 1 };
                    return off as i32;
                }
            }
        }
        // 1024 words all rejected: probability below 2^-1024.
        1
    }

    /// `date` moved by the subject's offset; `None` if that leaves chrono's date range.
    pub fn shift(&self, date: NaiveDate, subject: &str) -> Option<NaiveDate> {
        let off = self.offset(subject);
        if off >= 0 {
            date.checked_add_days(Days::new(off as u64))
        } else {
            date.checked_sub_days(Days::new(u64::from(off.unsigned_abs())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_nonzero_and_bounded() {
        let s = DateShifter::new(&[5u8; 32], "study-1", 30);
        for i in 0..5000 {
            let subject = format!("patient-{i}");
            let o = s.offset(&subject);
            assert!(o != 0 && o.abs() <= 30, "{o}");
            assert_eq!(o, s.offset(&subject));
            assert_eq!(o, offset_days(&[5u8; 32], "study-1", &subject, 30));
        }
        assert_eq!(offset_days(&[5u8; 32], "c", "x", 0), 0);
        let one = DateShifter::new(&[5u8; 32], "c", 1);
        assert!((0..100).all(|i| one.offset(&i.to_string()).abs() == 1));
    }

    #[test]
    fn roughly_uniform() {
        // Chi-square over the 60 possible offsets with 60,000 subjects: 59 degrees of
        // freedom, mean 59, standard deviation about 11; 130 is a generous bound.
        let max = 30u32;
        let s = DateShifter::new(&[8u8; 32], "uniformity", max);
        let n = 60_000;
        let mut counts = vec![0u32; 2 * max as usize];
        for i in 0..n {
            let o = s.offset(&format!("subject {i}"));
            let bin = if o < 0 {
                o + max as i32
            } else {
                o + max as i32 - 1
            };
            counts[bin as usize] += 1;
        }
        let expected = f64::from(n) / counts.len() as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 130.0, "chi-square {chi2}: {counts:?}");
        let negative: u32 = counts[..max as usize].iter().sum();
        assert!((f64::from(negative) / f64::from(n) - 0.5).abs() < 0.02);
    }

    #[test]
    fn subjects_and_contexts_differ() {
        let a = DateShifter::new(&[1u8; 32], "a", 365);
        let b = DateShifter::new(&[1u8; 32], "b", 365);
        let subjects: Vec<String> = (0..200).map(|i| format!("s{i}")).collect();
        let oa: Vec<i32> = subjects.iter().map(|s| a.offset(s)).collect();
        let ob: Vec<i32> = subjects.iter().map(|s| b.offset(s)).collect();
        let distinct: std::collections::HashSet<_> = oa.iter().collect();
        assert!(
            distinct.len() > 150,
            "different subjects get different offsets"
        );
        let same = oa.iter().zip(&ob).filter(|(x, y)| x == y).count();
        assert!(same < 10, "contexts are independent ({same} equal)");
        let d = NaiveDate::from_ymd_opt(2020, 2, 29).unwrap();
        let shifted = a.shift(d, "s0").unwrap();
        assert_eq!((shifted - d).num_days(), i64::from(oa[0]));
        assert!(a.shift(NaiveDate::MAX, "s0").is_none() || oa[0] < 0);
    }
}
