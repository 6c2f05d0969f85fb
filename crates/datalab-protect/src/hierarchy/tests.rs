use std::path::{Path, PathBuf};

use super::*;

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn rows(text: &[&str]) -> Vec<Vec<String>> {
    text.iter()
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn adult_hierarchies_load_and_validate() {
    let expected = [
        ("sex", 2, 2),
        ("age", 5, 74),
        ("race", 2, 5),
        ("marital-status", 3, 7),
        ("education", 4, 16),
        ("native-country", 3, 41),
        ("workclass", 3, 7),
        ("occupation", 3, 14),
        ("salary-class", 2, 2),
    ];
    for (attr, height, min_values) in expected {
        let path = shared(&format!("adult/adult_hierarchy_{attr}.csv"));
        let h = Hierarchy::from_arx_csv(attr, &path).unwrap();
        assert_eq!(h.attribute(), attr);
        assert_eq!(h.height(), height, "{attr}");
        assert!(h.values().len() >= min_values.min(h.values().len()));
        assert_eq!(h.level_domain(height - 1), vec!["*"], "{attr}");
        assert_eq!(
            h.level_codes(0),
            (0..h.values().len() as u32).collect::<Vec<_>>()
        );
    }
}

#[test]
fn adult_hierarchies_cover_adult_data() {
    use datalab_data::provider::MemoryTable;
    use datalab_data::read::{ReadOptions, open_table};
    let reader = open_table(&shared("adult/adult.csv"), &ReadOptions::default()).unwrap();
    let (schema, batches) = reader.read_all().unwrap();
    let table = MemoryTable::new(schema.clone(), batches);
    assert_eq!(table.rows(), 30_162);
    for field in schema.fields() {
        let attr = field.name();
        let h =
            Hierarchy::from_arx_csv(attr, &shared(&format!("adult/adult_hierarchy_{attr}.csv")))
                .unwrap();
        let encoded = table.encoded(attr).unwrap();
        h.check_covers(encoded.dictionary.values().iter().map(String::as_str))
            .unwrap();
    }
}

#[test]
fn toy_hierarchies_with_crlf_load() {
    let h = Hierarchy::from_arx_csv("Age", &shared("toy/test2_hierarchy_Age.csv")).unwrap();
    assert_eq!(h.label("29", 1), Some("[20,30["));
    assert_eq!(h.label("29", 2), Some("*"));
    let z = Hierarchy::from_arx_csv("zipcode", &shared("toy/test_hierarchy_zipcode.csv")).unwrap();
    assert_eq!(z.height(), 6);
    assert_eq!(z.values().len(), 10_000);
    assert_eq!(z.label("80001", 2), Some("800**"));
}

#[test]
fn labels_domains_codes_and_rollups() {
    let h = Hierarchy::from_rows(
        "age",
        rows(&[
            "1;0-4;0-9;*",
            "7;5-9;0-9;*",
            "3;0-4;0-9;*",
            "12;10-14;10-19;*",
        ]),
    )
    .unwrap();
    assert_eq!(h.height(), 4);
    assert_eq!(h.values(), ["1", "7", "3", "12"]);
    assert_eq!(h.label("3", 1), Some("0-4"));
    assert_eq!(h.label("3", 4), None);
    assert_eq!(h.label("4", 1), None);
    assert_eq!(h.level_domain(1), vec!["0-4", "5-9", "10-14"]);
    assert_eq!(h.level_codes(1), vec![0, 1, 0, 2]);
    assert_eq!(h.level_codes(2), vec![0, 0, 0, 1]);
    assert_eq!(h.parent_codes(1), vec![0, 0, 1]);
    assert_eq!(h.parent_codes(2), vec![0, 0]);
    assert!(h.parent_codes(3).is_empty());
    assert!(h.level_codes(4).is_empty());
    assert!(h.level_domain(9).is_empty());
    assert_eq!(h.value_index("12"), Some(3));
    let map = h.value_map(2).unwrap();
    assert_eq!(map.map.len(), 4);
    assert_eq!(map.map["12"], "10-19");
    assert!(h.value_map(4).is_none());
    assert_eq!(h.level_size(3), 1);
}

#[test]
fn non_monotone_hierarchy_names_labels_and_values() {
    let err = Hierarchy::from_rows(
        "age",
        rows(&["1;0-4;0-9;*", "2;0-4;0-9;*", "4;0-4;10-19;*", "5;5-9;0-9;*"]),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(
        err,
        HierarchyError::NotMonotone {
            level: 2,
            below: 1,
            count: 1,
            ..
        }
    ));
    assert!(msg.contains("'0-4'"), "{msg}");
    assert!(msg.contains("'0-9'") && msg.contains("'10-19'"), "{msg}");
    assert!(msg.contains("value '4'"), "{msg}");
    assert!(msg.contains("age"), "{msg}");
    assert!(!err.is_usage());
}

#[test]
fn ragged_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_temp(&dir, "h.csv", b"a;x;*\nb;x;*\n\nc;*\n");
    let err = Hierarchy::from_arx_csv("attr", &p).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            HierarchyError::Ragged {
                found: 2,
                expected: 3,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("line 4 of"), "{msg}");
    assert!(msg.contains("h.csv"), "{msg}");
}

#[test]
fn duplicate_original_is_an_error() {
    let err = Hierarchy::from_rows("c", rows(&["a;x;*", "b;x;*", "a;y;*"])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("'a'") && msg.contains("row 1") && msg.contains("row 3"),
        "{msg}"
    );
}

#[test]
fn empty_inputs_are_errors() {
    assert!(matches!(
        Hierarchy::from_rows("c", vec![]).unwrap_err(),
        HierarchyError::Empty { .. }
    ));
    assert!(Hierarchy::from_rows("c", vec![vec![]]).is_err());
    let dir = tempfile::tempdir().unwrap();
    let p = write_temp(&dir, "e.csv", b"\n\n");
    assert!(matches!(
        Hierarchy::from_arx_csv("c", &p).unwrap_err(),
        HierarchyError::Empty { .. }
    ));
    let missing = Hierarchy::from_arx_csv("c", &dir.path().join("nope.csv")).unwrap_err();
    assert!(missing.is_usage());
    assert!(missing.to_string().contains("nope.csv"));
}

#[test]
fn not_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_temp(&dir, "l1.csv", b"a;*\nb;*\nM\xfcnchen;*\n");
    let msg = Hierarchy::from_arx_csv("city", &p).unwrap_err().to_string();
    assert!(msg.contains("line 3") && msg.contains("UTF-8"), "{msg}");
}

#[test]
fn check_covers_lists_missing_values_once() {
    let h = Hierarchy::from_rows("sex", rows(&["Male;*", "Female;*"])).unwrap();
    h.check_covers(["Male", "Female", "Male"]).unwrap();
    let err = h
        .check_covers(["Male", "male", "X", "male", "Female"])
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, HierarchyError::Uncovered { count: 2, .. }));
    assert!(msg.contains("'male', 'X'"), "{msg}");
    let many: Vec<String> = (0..25).map(|i| format!("v{i}")).collect();
    let err = h.check_covers(many.iter().map(String::as_str)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("25 value(s)") && msg.contains("and 5 more"),
        "{msg}"
    );
    assert!(msg.contains("'v19'") && !msg.contains("'v20'"), "{msg}");
}

#[test]
fn delimiters_bom_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let comma = write_temp(&dir, "c.csv", b"\xef\xbb\xbfa,x,*\r\nb,x,*\r\n");
    let h = Hierarchy::from_arx_csv("c", &comma).unwrap();
    assert_eq!(h.values(), ["a", "b"]);
    assert_eq!(h.height(), 3);
    let tab = write_temp(&dir, "t.csv", b"a\t[1, 2[\t*\nb\t[1, 2[\t*\n");
    let h = Hierarchy::from_arx_csv("t", &tab).unwrap();
    assert_eq!(h.label("a", 1), Some("[1, 2["));
    let quoted = write_temp(&dir, "q.csv", b"\"a;1\";\"say \"\"hi\"\"\";*\nb;x;*\n");
    let h = Hierarchy::from_arx_csv("q", &quoted).unwrap();
    assert_eq!(h.label("a;1", 1), Some("say \"hi\""));
    let tab_wins = write_temp(&dir, "tw.csv", b"a,b\tc\nd,e\tf\n");
    assert_eq!(
        Hierarchy::from_arx_csv("a", &tab_wins).unwrap().values(),
        ["a,b", "d,e"]
    );
    let ragged_comma = write_temp(&dir, "rc.csv", b"a,x,*\nb,*\n");
    let msg = Hierarchy::from_arx_csv("r", &ragged_comma)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 2 of"), "{msg}");
    let unclosed = write_temp(&dir, "u.csv", b"a;x\n\"b;x\n");
    let msg = Hierarchy::from_arx_csv("u", &unclosed)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 2"), "{msg}");
    let single = write_temp(&dir, "s.csv", b"a\nb\n");
    assert_eq!(Hierarchy::from_arx_csv("s", &single).unwrap().height(), 1);
}

#[test]
fn arx_csv_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for attr in ["age", "education", "native-country"] {
        let h =
            Hierarchy::from_arx_csv(attr, &shared(&format!("adult/adult_hierarchy_{attr}.csv")))
                .unwrap();
        let p = write_temp(&dir, "rt.csv", h.to_arx_csv().as_bytes());
        let back = Hierarchy::from_arx_csv(attr, &p).unwrap();
        assert_eq!(back.rows(), h.rows());
    }
    let odd = Hierarchy::from_rows(
        "odd",
        vec![
            vec!["a;b".into(), " sp".into(), "*".into()],
            vec!["q\"x".into(), "".into(), "*".into()],
            vec!["".into(), "line\nbreak".into(), "*".into()],
        ],
    )
    .unwrap();
    let p = write_temp(&dir, "odd.csv", odd.to_arx_csv().as_bytes());
    assert_eq!(
        Hierarchy::from_arx_csv("odd", &p).unwrap().rows(),
        odd.rows()
    );
}

mod properties {
    use chrono::{Datelike, NaiveDate};
    use proptest::prelude::*;

    use super::super::build::{self, DateLevel, IntervalOptions, QuantileOptions};
    use super::super::*;

    /// Validation, coverage, `*` on top and the ARX round trip hold for every built hierarchy.
    fn check_common(h: &Hierarchy, input: &[String]) {
        h.check_covers(input.iter().map(String::as_str)).unwrap();
        let top = h.height() - 1;
        assert!(h.height() >= 2);
        assert_eq!(h.level_domain(top), vec!["*"]);
        let again = Hierarchy::from_rows(h.attribute(), h.rows()).unwrap();
        assert_eq!(again.rows(), h.rows());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.csv");
        std::fs::write(&p, h.to_arx_csv()).unwrap();
        assert_eq!(
            Hierarchy::from_arx_csv(h.attribute(), &p).unwrap().rows(),
            h.rows()
        );
        // Monotone by construction check: the roll-up reproduces every level's codes.
        for l in 0..top {
            let parent = h.parent_codes(l);
            let up: Vec<u32> = h
                .level_codes(l)
                .iter()
                .map(|&c| parent[c as usize])
                .collect();
            assert_eq!(up, h.level_codes(l + 1));
        }
    }

    /// Exact comparison of decimal texts: value scaled to 10^-18.
    fn scaled(text: &str) -> i128 {
        let (neg, t) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (i, f) = t.split_once('.').unwrap_or((t, ""));
        let mut m: i128 = i.parse::<i128>().unwrap() * 10i128.pow(18);
        if !f.is_empty() {
            m += f.parse::<i128>().unwrap() * 10i128.pow(18 - f.len() as u32);
        }
        if neg { -m } else { m }
    }

    /// Checks that `label` (an interval, a coded label or `*`) contains the number `value`.
    fn contains(label: &str, value: &str) {
        let v = scaled(value);
        if label == "*" {
            return;
        }
        if let Some(b) = label.strip_prefix(">=") {
            assert!(v >= scaled(b), "{value} in {label}");
        } else if let Some(b) = label.strip_prefix('<') {
            assert!(v < scaled(b), "{value} in {label}");
        } else if let Some(inner) = label.strip_prefix('[') {
            let closed = inner.ends_with(']');
            let inner = &inner[..inner.len() - 1];
            let (lo, hi) = inner.split_once(", ").unwrap();
            assert!(scaled(lo) <= v, "{value} in {label}");
            if closed {
                assert!(v <= scaled(hi), "{value} in {label}");
            } else {
                assert!(v < scaled(hi), "{value} in {label}");
            }
        } else {
            // Integer `lo-hi`, both included; lo may be negative.
            let split = label[1..].find('-').unwrap() + 1;
            let (lo, hi) = (&label[..split], &label[split + 1..]);
            assert!(scaled(lo) <= v && v <= scaled(hi), "{value} in {label}");
        }
    }

    fn decimal_text() -> impl Strategy<Value = String> {
        (-5000i64..5000, 0u32..3).prop_map(|(m, d)| build_text(m, d))
    }

    fn build_text(m: i64, d: u32) -> String {
        if d == 0 {
            return m.to_string();
        }
        let p = 10i64.pow(d);
        let sign = if m < 0 { "-" } else { "" };
        format!("{sign}{}.{:0w$}", m.abs() / p, m.abs() % p, w = d as usize)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn intervals_cover_and_contain(
            ints in prop::collection::vec(-300i64..300, 1..40),
            width in 1u32..25,
            fanout in prop::collection::vec(2u32..5, 0..3),
            bottom in prop::option::of(-200i64..0),
            top_off in prop::option::of(1i64..300),
        ) {
            let input: Vec<String> = ints.iter().map(|i| i.to_string()).collect();
            let mut o = IntervalOptions::new(width.to_string(), fanout);
            o.bottom = bottom.map(|b| b.to_string());
            o.top = top_off.map(|t| (bottom.unwrap_or(0) + t).to_string());
            let h = build::intervals("x", input.iter().map(String::as_str), &o).unwrap();
            check_common(&h, &input);
            for v in &input {
                for l in 1..h.height() {
                    contains(h.label(v, l).unwrap(), v);
                }
            }
            // Level 1 intervals are `width` wide unless coded or clamped at the top.
            for v in &input {
                let label = h.label(v, 1).unwrap();
                if h.height() > 2 && !label.starts_with(['<', '>']) && o.top.is_none() {
                    let split = label[1..].find('-').unwrap() + 1;
                    let lo: i64 = label[..split].parse().unwrap();
                    let hi: i64 = label[split + 1..].parse().unwrap();
                    prop_assert_eq!(hi - lo + 1, width as i64);
                }
            }
        }

        #[test]
        fn decimal_intervals_cover_and_contain(
            input in prop::collection::vec(decimal_text(), 1..30),
            width in prop::sample::select(vec!["0.1", "0.25", "1", "2.5", "7"]),
        ) {
            let h = build::intervals("x", input.iter().map(String::as_str),
                &IntervalOptions::new(width, vec![2])).unwrap();
            check_common(&h, &input);
            for v in &input {
                for l in 1..h.height() {
                    contains(h.label(v, l).unwrap(), v);
                }
            }
        }

        #[test]
        fn quantiles_cover_and_contain(
            values in prop::collection::vec((-100i64..100, 1u64..50), 1..40),
            bins in 2u32..7,
            fanout in 2u32..4,
        ) {
            let input: Vec<String> = values.iter().map(|v| v.0.to_string()).collect();
            let weighted: Vec<(&str, u64)> =
                input.iter().zip(&values).map(|(s, v)| (s.as_str(), v.1)).collect();
            let mut o = QuantileOptions::new(bins);
            o.fanout = fanout;
            let h = build::quantiles_weighted("x", &weighted, &o).unwrap();
            check_common(&h, &input);
            prop_assert!(h.height() == 2 || h.level_size(1) <= bins as usize);
            for v in &input {
                for l in 1..h.height() {
                    contains(h.label(v, l).unwrap(), v);
                }
            }
        }

        #[test]
        fn dates_follow_the_calendar(
            days in prop::collection::vec(0i64..80_000, 1..30),
            with_time in any::<bool>(),
        ) {
            let base = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
            let dates: Vec<NaiveDate> =
                days.iter().map(|&d| base + chrono::Duration::days(d)).collect();
            let input: Vec<String> = dates
                .iter()
                .map(|d| if with_time { format!("{d}T12:30:00") } else { d.to_string() })
                .collect();
            let h = build::dates("d", input.iter().map(String::as_str), None).unwrap();
            check_common(&h, &input);
            let offset = usize::from(with_time);
            prop_assert_eq!(h.height(), 6 + offset);
            for (v, d) in input.iter().zip(&dates) {
                if with_time {
                    prop_assert_eq!(h.label(v, 1).unwrap(), d.to_string());
                }
                let month = format!("{:04}-{:02}", d.year(), d.month());
                prop_assert_eq!(h.label(v, 1 + offset).unwrap(), month);
                let quarter = format!("{:04}-Q{}", d.year(), d.month0() / 3 + 1);
                prop_assert_eq!(h.label(v, 2 + offset).unwrap(), quarter);
                prop_assert_eq!(h.label(v, 3 + offset).unwrap(), format!("{:04}", d.year()));
                prop_assert_eq!(h.label(v, 4 + offset).unwrap(), format!("{}s", d.year() / 10 * 10));
            }
            let only = [DateLevel::Quarter, DateLevel::Decade];
            let h = build::dates("d", input.iter().map(String::as_str), Some(&only)).unwrap();
            check_common(&h, &input);
            prop_assert_eq!(h.height(), 4);
        }

        #[test]
        fn masks_keep_prefixes(
            codes in prop::collection::vec("[0-9A-Z]{1,7}", 1..40),
            step in 1usize..3,
        ) {
            let h = build::mask("zip", codes.iter().map(String::as_str), step, '*').unwrap();
            check_common(&h, &codes);
            for c in &codes {
                for l in 1..h.height() - 1 {
                    let masked = (l * step).min(c.len());
                    let expect = format!("{}{}", &c[..c.len() - masked], "*".repeat(masked));
                    prop_assert_eq!(h.label(c, l).unwrap(), expect);
                }
            }
        }

        /// Random monotone hierarchies validate; changing one label so that a group splits makes
        /// validation fail and name the level.
        #[test]
        fn random_hierarchies_validate_and_splits_are_caught(
            n in 2usize..40,
            height in 2usize..6,
            seed in any::<u64>(),
        ) {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            // codes[l][v]: level-l group of value v; each level groups the level below.
            let mut codes: Vec<Vec<usize>> = vec![(0..n).collect()];
            for l in 1..height {
                let below = &codes[l - 1];
                let groups = below.iter().max().unwrap() + 1;
                let parents: Vec<usize> =
                    (0..groups).map(|_| rng.random_range(0..groups.div_ceil(2).max(1))).collect();
                codes.push(below.iter().map(|&g| parents[g]).collect());
            }
            let rows: Vec<Vec<String>> = (0..n)
                .map(|v| (0..height).map(|l| format!("L{l}-{}", codes[l][v])).collect())
                .collect();
            let h = Hierarchy::from_rows("r", rows.clone()).unwrap();
            prop_assert_eq!(h.rows(), rows.clone());
            // Find a level l ≥ 1 with a group of two values and give one of them a new parent.
            for l in 1..height - 1 {
                let g = codes[l].clone();
                if let Some((a, b)) = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b)))
                    .find(|&(a, b)| g[a] == g[b])
                {
                    let mut bad = rows.clone();
                    bad[b][l + 1] = "fresh".to_string();
                    let err = Hierarchy::from_rows("r", bad).unwrap_err();
                    let msg = err.to_string();
                    let is_not_monotone =
                        matches!(err, HierarchyError::NotMonotone { level, .. } if level == l + 1);
                    prop_assert!(is_not_monotone, "{}", msg);
                    prop_assert!(msg.contains(&format!("'L{l}-{}'", g[a])), "{}", msg);
                    break;
                }
            }
        }

        #[test]
        fn any_labels_round_trip_through_arx_csv(
            rows in prop::collection::vec(prop::collection::vec(".{0,6}", 2..4), 1..12),
        ) {
            // Make a valid hierarchy: distinct originals, every higher level constant.
            let width = rows[0].len();
            let mut seen = std::collections::HashSet::new();
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .filter(|r| seen.insert(r[0].clone()))
                .map(|mut r| {
                    r.resize(width, String::new());
                    for (l, label) in r.iter_mut().enumerate().skip(1) {
                        *label = format!("{l};\"{}", rows_label(l));
                    }
                    r
                })
                .collect();
            let h = Hierarchy::from_rows("q", rows).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("h.csv");
            std::fs::write(&p, h.to_arx_csv()).unwrap();
            prop_assert_eq!(Hierarchy::from_arx_csv("q", &p).unwrap().rows(), h.rows());
        }
    }

    fn rows_label(l: usize) -> &'static str {
        ["", " a, b ", "\tx\r\ny", "ö"][l % 4]
    }
}
