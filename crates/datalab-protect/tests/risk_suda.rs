//! SUDA special uniques: the search against a brute-force enumeration of all attribute sets,
//! hand-worked examples, and invariants on the Adult data.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use datalab_data::read::{ReadOptions, open_table};
use datalab_protect::risk::class_sizes;
use datalab_protect::risk_suda::{
    SudaError, SudaOptions, encode_quasi_identifiers, find_msus, msu_weight, suda,
    suda_from_batches,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const QIS: [&str; 8] = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
];

const ADULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/adult/adult.csv"
);

/// Row-major table → one code vector per column.
fn columns(rows: &[Vec<u32>], m: usize) -> Vec<Vec<u32>> {
    (0..m)
        .map(|c| rows.iter().map(|r| r[c]).collect())
        .collect()
}

fn slices(cols: &[Vec<u32>]) -> Vec<&[u32]> {
    cols.iter().map(Vec::as_slice).collect()
}

/// Whether row `r` is the only row with its values on the attributes of `mask`.
fn unique_on(rows: &[Vec<u32>], r: usize, mask: u32) -> bool {
    let same =
        |s: &Vec<u32>| (0..rows[r].len()).all(|c| mask & (1 << c) == 0 || s[c] == rows[r][c]);
    rows.iter().filter(|s| same(s)).count() == 1
}

/// MSUs by definition: unique, and every non-empty proper subset (all of them, not only the
/// immediate ones) shared by another row.
fn brute_force(rows: &[Vec<u32>], m: usize, max_msu: usize) -> Vec<Vec<u32>> {
    let full = 1u32 << m;
    rows.iter()
        .enumerate()
        .map(|(r, _)| {
            let unique: Vec<bool> = (0..full).map(|s| s != 0 && unique_on(rows, r, s)).collect();
            (1..full)
                .filter(|&s| s.count_ones() as usize <= max_msu && unique[s as usize])
                .filter(|&s| {
                    // proper non-empty subsets t of s
                    let mut t = (s - 1) & s;
                    while t != 0 {
                        if unique[t as usize] {
                            return false;
                        }
                        t = (t - 1) & s;
                    }
                    true
                })
                .collect()
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn search_agrees_with_brute_force(
        m in 1usize..=6,
        alphabet in 1u32..=4,
        raw in prop::collection::vec(prop::collection::vec(0u32..4, 6), 1..=60),
        cut in 0usize..6,
    ) {
        let rows: Vec<Vec<u32>> = raw
            .iter()
            .map(|r| r[..m].iter().map(|v| v % alphabet).collect())
            .collect();
        let max_msu = m - cut.min(m - 1);
        let cols = columns(&rows, m);
        let codes = slices(&cols);
        let expected = brute_force(&rows, m, max_msu);
        let found = find_msus(&codes, max_msu).unwrap();
        prop_assert_eq!(&found, &expected);

        // Scores and contributions follow from the MSUs.
        let result = suda(&codes, &SudaOptions { max_msu: Some(max_msu), dis_fraction: 0.1 })
            .unwrap();
        let mut per_attribute = vec![0.0; m];
        let mut total = 0.0;
        for (rec, msus) in result.records.iter().zip(&expected) {
            let mut score = 0.0;
            for &s in msus {
                let w = msu_weight(m, max_msu, s.count_ones() as usize);
                score += w;
                for (c, a) in per_attribute.iter_mut().enumerate() {
                    if s & (1 << c) != 0 {
                        *a += w;
                    }
                }
                prop_assert!(rec.msus_by_size[s.count_ones() as usize - 1] > 0);
            }
            prop_assert!(close(rec.score, score));
            prop_assert_eq!(
                rec.msus_by_size.iter().sum::<u32>() as usize,
                msus.len()
            );
            prop_assert!((0.0..=1.0).contains(&rec.dis_score));
            prop_assert_eq!(rec.dis_score > 0.0, !msus.is_empty());
            total += score;
        }
        prop_assert!(close(result.summary.total_score, total));
        for c in &result.summary.attribute_contributions {
            let share = if total > 0.0 { per_attribute[c.index] / total } else { 0.0 };
            prop_assert!(close(c.share, share));
        }
        let special = expected.iter().filter(|v| !v.is_empty()).count() as u64;
        prop_assert_eq!(result.summary.special_uniques, special);
        // With the full search every sample unique is special.
        if max_msu == m {
            prop_assert_eq!(result.summary.special_uniques, result.summary.sample_uniques);
        }
    }
}

/// Hand-worked: five records on A, B, C.
///
/// ```text
/// row  A B C   MSUs                      score (m = M = 3: size 1 → 2, size 2 → 1, size 3 → 1)
///  0   1 1 1   {A,B,C}                   1   (AB, AC, BC each shared with rows 1, 2, 3)
///  1   1 1 2   {A,C} {B,C}               2
///  2   1 2 1   {A,B} {B,C}               2
///  3   2 1 1   {A,B} {A,C}               2
///  4   2 2 2   {A,B} {A,C} {B,C}         3   (A, B, C each shared: rows 3, 2, 1)
/// ```
///
/// No single value is unique (A: 1,1,1,2,2; B: 1,1,2,1,2; C: 1,2,1,1,2).
#[test]
fn hand_worked_five_records() {
    const A: u32 = 1;
    const B: u32 = 2;
    const C: u32 = 4;
    let rows = vec![
        vec![1, 1, 1],
        vec![1, 1, 2],
        vec![1, 2, 1],
        vec![2, 1, 1],
        vec![2, 2, 2],
    ];
    let cols = columns(&rows, 3);
    let codes = slices(&cols);
    let msus = find_msus(&codes, 3).unwrap();
    assert_eq!(
        msus,
        vec![
            vec![A | B | C],
            vec![A | C, B | C],
            vec![A | B, B | C],
            vec![A | B, A | C],
            vec![A | B, A | C, B | C],
        ]
    );
    let r = suda(&codes, &SudaOptions::default()).unwrap();
    let scores: Vec<f64> = r.records.iter().map(|x| x.score).collect();
    assert_eq!(scores, vec![1.0, 2.0, 2.0, 2.0, 3.0]);
    assert_eq!(r.summary.msus_by_size, vec![0, 9, 1]);
    assert_eq!(r.summary.msu_weights, vec![2.0, 1.0, 1.0]);
    assert_eq!(r.summary.special_uniques, 5);
    assert_eq!(r.summary.total_score, 10.0);
    for c in &r.summary.attribute_contributions {
        assert!(close(c.share, 0.7), "{c:?}");
    }
    // All five are sample uniques and there are no pairs: θ = 1 and every DIS score is 1.
    assert_eq!(r.summary.dis_probability, 1.0);
    assert!(r.records.iter().all(|x| x.dis_score == 1.0));

    // Searching only up to size 2 loses row 0's MSU; the weights become (m−1) = 2 and 1.
    let r2 = suda(
        &codes,
        &SudaOptions {
            max_msu: Some(2),
            ..SudaOptions::default()
        },
    )
    .unwrap();
    assert_eq!(r2.records[0].score, 0.0);
    assert_eq!(r2.summary.msu_weights, vec![2.0, 1.0]);
    assert_eq!(r2.summary.special_uniques, 4);
}

/// sdcMicro's attribute-contribution example (its tests expect 50, 37.5, 37.5 percent) with a
/// duplicated pair added for the DIS score:
///
/// ```text
/// row  a b c   MSUs            score (m = 3)
///  0   2 0 0   {a}             2
///  1   1 3 6   {b} {c}         4
///  2   1 0 0   {a,b} {a,c}     2
///  3   5 5 5   —               0   (a class of two)
///  4   5 5 5   —               0
/// ```
///
/// U = 3 sample uniques, P = 2 records in pairs; with π = 0.01, θ = 0.03 / (0.03 + 2 · 0.99) =
/// 1/67. Q = 1 + (8 − 3)/20 = 1.25, A = 2·2^−1.25 + 4^−1.25, and a score s gets
/// 1 / (1 + 3 · 66 / (s^1.25 · A)).
#[test]
fn sdcmicro_contribution_example_and_dis() {
    let rows = vec![
        vec![2, 0, 0],
        vec![1, 3, 6],
        vec![1, 0, 0],
        vec![5, 5, 5],
        vec![5, 5, 5],
    ];
    let cols = columns(&rows, 3);
    let codes = slices(&cols);
    let r = suda(&codes, &SudaOptions::default()).unwrap();
    let scores: Vec<f64> = r.records.iter().map(|x| x.score).collect();
    assert_eq!(scores, vec![2.0, 4.0, 2.0, 0.0, 0.0]);
    let shares: Vec<f64> = r
        .summary
        .attribute_contributions
        .iter()
        .map(|c| c.share * 100.0)
        .collect();
    assert_eq!(shares, vec![50.0, 37.5, 37.5]);
    assert_eq!(r.summary.sample_uniques, 3);
    assert_eq!(r.summary.records_in_pairs, 2);
    assert!(close(r.summary.dis_probability, 1.0 / 67.0));
    let a = 2.0 * 2f64.powf(-1.25) + 4f64.powf(-1.25);
    let dis = |s: f64| 1.0 / (1.0 + 198.0 / (s.powf(1.25) * a));
    let expected = [dis(2.0), dis(4.0), dis(2.0), 0.0, 0.0];
    for (x, e) in r.records.iter().zip(expected) {
        assert!(close(x.dis_score, e), "{} vs {e}", x.dis_score);
    }
    // Rounded values worked by hand: 0.01208 and 0.02825.
    assert!((r.records[0].dis_score - 0.01208).abs() < 5e-6);
    assert!((r.records[1].dis_score - 0.02825).abs() < 5e-6);
    assert_eq!(r.summary.dis_scores[0].records, 3);
    assert_eq!(r.summary.dis_scores[1].records, 0);
    serde_json::to_string(&r).expect("serialises");
}

#[test]
fn bad_input_is_an_error() {
    let a = [0u32, 1, 2];
    let b = [0u32, 1];
    assert!(matches!(
        suda(&[], &SudaOptions::default()),
        Err(SudaError::Usage(_))
    ));
    assert!(matches!(
        suda(&[&a, &b], &SudaOptions::default()),
        Err(SudaError::Usage(_))
    ));
    assert!(matches!(
        suda(&[&[], &[]], &SudaOptions::default()),
        Err(SudaError::Usage(_))
    ));
    for bad in [0, 2] {
        let e = suda(
            &[&a],
            &SudaOptions {
                max_msu: Some(bad),
                ..SudaOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("maximal MSU size"), "{e}");
    }
    for bad in [0.0, -0.5, 1.5, f64::NAN] {
        let e = suda(
            &[&a],
            &SudaOptions {
                dis_fraction: bad,
                ..SudaOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("sampling fraction"), "{e}");
    }
    let cols = vec![vec![0u32; 4]; 16];
    let e = suda(&slices(&cols), &SudaOptions::default()).unwrap_err();
    assert!(e.to_string().contains("at most 15"), "{e}");
}

#[test]
fn single_record_and_all_duplicates() {
    // One record: every value is unique on its own.
    let r = suda(&[&[7], &[8]], &SudaOptions::default()).unwrap();
    assert_eq!(r.records[0].msus_by_size, vec![2, 0]);
    // No sample unique: nothing to find, no division by zero.
    let r = suda(&[&[1, 1, 2, 2], &[3, 3, 4, 4]], &SudaOptions::default()).unwrap();
    assert_eq!(r.summary.special_uniques, 0);
    assert_eq!(r.summary.dis_probability, 0.0);
    assert!(r.summary.scores.is_none());
    assert!(
        r.records
            .iter()
            .all(|x| x.score == 0.0 && x.dis_score == 0.0)
    );
}

/// Fifteen quasi-identifiers (every subset of them is a candidate) on 10,000 random records.
#[test]
fn fifteen_quasi_identifiers_stay_tractable() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let n = 10_000;
    let cols: Vec<Vec<u32>> = (0..15)
        .map(|c| {
            let alphabet = 2 + c as u32 % 4;
            (0..n).map(|_| rng.random_range(0..alphabet)).collect()
        })
        .collect();
    let start = Instant::now();
    let r = suda(&slices(&cols), &SudaOptions::default()).unwrap();
    eprintln!(
        "SUDA, 15 QIs x {n} rows: {:?}, {} special uniques, {} MSUs",
        start.elapsed(),
        r.summary.special_uniques,
        r.summary.msus
    );
    assert_eq!(r.summary.special_uniques, r.summary.sample_uniques);
}

fn string_table(rows: &[[&str; 2]]) -> (Arc<Schema>, Vec<RecordBatch>) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Utf8, true),
        Field::new("y", DataType::Utf8, true),
    ]));
    let arrays: Vec<ArrayRef> = (0..2)
        .map(|c| {
            Arc::new(StringArray::from(
                rows.iter()
                    .map(|r| (!r[c].is_empty()).then_some(r[c]))
                    .collect::<Vec<_>>(),
            )) as ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
    (schema, vec![batch])
}

#[test]
fn batches_with_nulls_and_names() {
    // "" is a null: the two nulls of y are one value.
    let (schema, batches) = string_table(&[["a", ""], ["a", ""], ["b", "u"], ["a", "u"]]);
    let qis = vec!["x".to_string(), "y".to_string()];
    let r = suda_from_batches(
        schema.clone(),
        batches.clone(),
        &qis,
        &SudaOptions::default(),
    )
    .unwrap();
    // Row 2: b is unique. Row 3: (a, u) is unique, a and u are not.
    assert_eq!(r.records[2].msus_by_size, vec![1, 0]);
    assert_eq!(r.records[3].msus_by_size, vec![0, 1]);
    assert_eq!(r.records[0].score, 0.0);
    let names: Vec<_> = r
        .summary
        .attribute_contributions
        .iter()
        .map(|c| c.name.clone().unwrap())
        .collect();
    assert_eq!(names, qis);
    let e = suda_from_batches(
        schema.clone(),
        batches.clone(),
        &["x".to_string(), "nope".to_string()],
        &SudaOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    let e =
        encode_quasi_identifiers(schema, batches, &["x".to_string(), "x".to_string()]).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn adult_invariants() {
    let reader = open_table(Path::new(ADULT), &ReadOptions::default()).expect("adult.csv");
    let (schema, batches) = reader.read_all().expect("adult.csv parses");
    let qis: Vec<String> = QIS.iter().map(|s| s.to_string()).collect();
    let sizes = class_sizes(schema.clone(), batches.clone(), &qis).expect("class sizes");
    let encoded = encode_quasi_identifiers(schema.clone(), batches.clone(), &qis).unwrap();
    let codes = slices(&encoded);

    let start = Instant::now();
    let r = suda_from_batches(schema, batches, &qis, &SudaOptions::default()).unwrap();
    eprintln!(
        "SUDA on Adult (8 QIs, {} rows): {:?}; {} special uniques, {} MSUs by size {:?}",
        r.summary.records,
        start.elapsed(),
        r.summary.special_uniques,
        r.summary.msus,
        r.summary.msus_by_size
    );
    let s = &r.summary;
    assert_eq!(s.records, 30_162);
    assert_eq!(s.records, sizes.iter().sum::<u64>());
    // The same classes as risk::class_sizes.
    assert_eq!(
        s.sample_uniques,
        sizes.iter().filter(|&&c| c == 1).count() as u64
    );
    assert_eq!(
        s.records_in_pairs,
        2 * sizes.iter().filter(|&&c| c == 2).count() as u64
    );

    // Class size of every row, counted directly.
    let n = codes[0].len();
    let mut class: HashMap<Vec<u32>, u32> = HashMap::new();
    let keys: Vec<Vec<u32>> = (0..n)
        .map(|r| codes.iter().map(|c| c[r]).collect())
        .collect();
    for k in &keys {
        *class.entry(k.clone()).or_default() += 1;
    }
    let mut by_size = vec![0u64; 8];
    for (rec, key) in r.records.iter().zip(&keys) {
        let found: u32 = rec.msus_by_size.iter().sum();
        if class[key] == 1 {
            // Every sample unique on all eight has an MSU (the search goes up to size 8).
            assert!(found >= 1);
        } else {
            // A record shared on all eight has no unique subset at all, of size 8 or less.
            assert_eq!(found, 0);
            assert_eq!(rec.score, 0.0);
        }
        // An MSU of size 8 is the record's only MSU (any other would be a proper subset).
        if rec.msus_by_size[7] > 0 {
            assert_eq!(found, 1);
        }
        let score: f64 = rec
            .msus_by_size
            .iter()
            .enumerate()
            .map(|(k, &c)| f64::from(c) * msu_weight(8, 8, k + 1))
            .sum();
        assert_eq!(rec.score, score);
        assert!((0.0..=1.0).contains(&rec.dis_score));
        for (t, &c) in by_size.iter_mut().zip(&rec.msus_by_size) {
            *t += u64::from(c);
        }
    }
    assert_eq!(s.special_uniques, s.sample_uniques);
    assert_eq!(s.msus_by_size, by_size);
    assert_eq!(s.msus, by_size.iter().sum::<u64>());
    let total: f64 = r.records.iter().map(|x| x.score).sum();
    assert!(close(s.total_score, total));
    let shares: f64 = s.attribute_contributions.iter().map(|c| c.share).sum();
    assert!(shares >= 1.0 - 1e-12);
    assert!(
        s.attribute_contributions
            .iter()
            .all(|c| (0.0..=1.0).contains(&c.share))
    );
    assert!(
        s.dis_scores
            .windows(2)
            .all(|w| w[0].records >= w[1].records)
    );
    assert_eq!(s.dis_scores[0].records, s.special_uniques);

    // Every 97th record's MSUs against the definition, counted with one hash map per subset.
    let sample: Vec<usize> = (0..n).step_by(97).collect();
    let found = find_msus(&codes, 8).unwrap();
    let mut unique = vec![vec![false; 256]; sample.len()];
    for mask in 1u32..256 {
        let mut counts: HashMap<Vec<u32>, u32> = HashMap::new();
        let project = |r: usize| -> Vec<u32> {
            (0..8)
                .filter(|c| mask & (1 << c) != 0)
                .map(|c| codes[c][r])
                .collect()
        };
        for r in 0..n {
            *counts.entry(project(r)).or_default() += 1;
        }
        for (i, &r) in sample.iter().enumerate() {
            unique[i][mask as usize] = counts[&project(r)] == 1;
        }
    }
    for (i, &r) in sample.iter().enumerate() {
        let expected: Vec<u32> = (1u32..256)
            .filter(|&s| unique[i][s as usize])
            .filter(|&s| {
                let mut t = (s - 1) & s;
                while t != 0 {
                    if unique[i][t as usize] {
                        return false;
                    }
                    t = (t - 1) & s;
                }
                true
            })
            .collect();
        assert_eq!(found[r], expected, "row {r}");
    }
}
