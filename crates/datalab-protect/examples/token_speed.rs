//! Tokenising speed of `pseudo::Tokenizer` on one core:
//! `cargo run --release -p datalab-protect --example token_speed [values]`.

use std::hint::black_box;
use std::time::Instant;

use datalab_protect::pseudo::{Encoding, TokenFormat, Tokenizer};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000_000);
    let key = [7u8; 32];
    for (encoding, chars) in [(Encoding::Hex, None), (Encoding::Base32, Some(16))] {
        let format = TokenFormat::new(encoding, chars).expect("valid format");
        let t = Tokenizer::new(&key, "speed-test").with_format(format);
        let mut value = String::with_capacity(32);
        let mut out = String::with_capacity(64);
        let start = Instant::now();
        let mut check = 0u64;
        for i in 0..n {
            value.clear();
            // A 13-character identifier-like value.
            value.push_str("1985");
            push_digits(&mut value, i % 1_000_000_000, 9);
            out.clear();
            t.token_into(black_box(value.as_bytes()), &mut out);
            check = check.wrapping_add(u64::from(out.as_bytes()[0]));
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{encoding} ({} chars): {n} values in {secs:.3} s = {:.2} million values/s (check {check})",
            format.chars(),
            n as f64 / secs / 1e6
        );
    }
}

fn push_digits(s: &mut String, mut x: u64, width: usize) {
    let mut buf = [b'0'; 20];
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (x % 10) as u8;
        x /= 10;
    }
    s.push_str(std::str::from_utf8(&buf[..width]).unwrap_or(""));
}
