//! The reference cases of ARX's own test suite (`TestAnonymizationKAnonymity`, cases 0–2): the
//! Adult data with all nine attributes as quasi-identifiers, the shipped hierarchies and ARX's
//! (monotonic) non-uniform entropy metric. datalab must reach the same optimum: same levels,
//! same suppressed records, same number of classes, metric equal to 1e-9 relative.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use datalab_data::read::{ReadOptions, open_table};
use datalab_protect::anonymize::{
    AnonymizationReport, AnonymizeConfig, ProtectError, SuppressedRecords, anonymize,
};
use datalab_protect::hierarchy::Hierarchy;
use datalab_protect::metric::MetricKind;
use datalab_protect::model::ModelSpec;
use datalab_protect::search::{SearchBudget, SearchMode};

const ATTRIBUTES: [&str; 9] = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
    "salary-class",
];

fn adult_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/adult")
}

fn adult() -> (Arc<Schema>, Vec<RecordBatch>) {
    let reader = open_table(&adult_dir().join("adult.csv"), &ReadOptions::default())
        .expect("adult.csv must be readable");
    reader.read_all().expect("adult.csv must parse")
}

fn hierarchy(attr: &str) -> Hierarchy {
    Hierarchy::from_arx_csv(
        attr,
        &adult_dir().join(format!("adult_hierarchy_{attr}.csv")),
    )
    .expect("shipped hierarchy must load")
}

fn config(k: u64, suppression: f64) -> AnonymizeConfig {
    AnonymizeConfig {
        quasi_identifiers: ATTRIBUTES
            .iter()
            .map(|a| (a.to_string(), hierarchy(a)))
            .collect(),
        sensitive: Vec::new(),
        models: vec![ModelSpec::KAnonymity { k }],
        suppression_limit: suppression,
        metric: MetricKind::NonUniformEntropy,
        suppressed: SuppressedRecords::Star,
        budget: None,
        risk: Default::default(),
    }
}

fn run(k: u64, suppression: f64) -> (Vec<RecordBatch>, AnonymizationReport) {
    let (schema, batches) = adult();
    anonymize(schema, batches, &config(k, suppression)).expect("anonymisation must succeed")
}

fn check(
    report: &AnonymizationReport,
    levels: &[usize],
    suppressed: u64,
    classes: u64,
    metric: f64,
) {
    assert_eq!(report.records, 30_162);
    assert_eq!(report.levels, levels, "levels");
    assert_eq!(report.suppressed_records, suppressed, "suppressed records");
    assert_eq!(report.classes, classes, "classes");
    let rel = ((report.metric.value - metric) / metric).abs();
    assert!(
        rel <= 1e-9,
        "metric {} vs ARX {metric} (relative difference {rel:e})",
        report.metric.value
    );
    assert_eq!(report.search.mode, SearchMode::Optimal);
    assert!(report.search.optimal);
    assert!(report.models.iter().all(|m| m.holds), "{:?}", report.models);
    eprintln!(
        "levels {:?}: {} nodes checked, {} pruned, search {:.1} ms, total {:.1} ms",
        report.levels,
        report.search.nodes_checked,
        report.search.nodes_pruned,
        report.search.search_ms,
        report.search.total_ms
    );
}

/// Counts the output's classes and the records with `*` in every quasi-identifier directly from
/// the output rows.
fn output_classes(batches: &[RecordBatch]) -> (usize, usize, usize) {
    let mut classes = std::collections::HashMap::<Vec<String>, usize>::new();
    let mut stars = 0;
    let mut rows = 0;
    for b in batches {
        for r in 0..b.num_rows() {
            let key: Vec<String> = ATTRIBUTES
                .iter()
                .map(|a| {
                    let col = b.column_by_name(a).expect("column");
                    let s = col.as_string::<i32>();
                    if s.is_null(r) {
                        String::new()
                    } else {
                        s.value(r).to_string()
                    }
                })
                .collect();
            if key.iter().all(|v| v == "*") {
                stars += 1;
            }
            *classes.entry(key).or_default() += 1;
            rows += 1;
        }
    }
    (classes.len(), stars, rows)
}

#[test]
fn k5_with_4_percent_suppression() {
    let (out, report) = run(5, 0.04);
    check(
        &report,
        &[1, 0, 1, 1, 3, 2, 2, 0, 1],
        906,
        1046,
        255559.85455731067,
    );
    let (classes, stars, rows) = output_classes(&out);
    assert_eq!(rows, 30_162);
    assert_eq!(stars, 906);
    // The suppressed records form one more class of the output file.
    assert_eq!(classes, 1046 + 1);
    assert_eq!(report.max_suppressed_records, 1206);
}

#[test]
fn k5_without_suppression() {
    let (out, report) = run(5, 0.0);
    check(
        &report,
        &[1, 2, 1, 1, 3, 2, 2, 1, 1],
        0,
        48,
        407289.5388925293,
    );
    let (classes, stars, _) = output_classes(&out);
    assert_eq!((classes, stars), (48, 0));
}

#[test]
fn k100_with_4_percent_suppression() {
    let (out, report) = run(100, 0.04);
    check(
        &report,
        &[1, 1, 1, 1, 3, 2, 2, 1, 1],
        866,
        57,
        379417.3460570988,
    );
    let (classes, stars, _) = output_classes(&out);
    assert_eq!((classes, stars), (57 + 1, 866));
}

/// ARX's case 3 (k=100 without suppression); ARX's test gives levels and metric only.
#[test]
fn k100_without_suppression() {
    let (out, report) = run(100, 0.0);
    assert_eq!(report.levels, [0, 4, 1, 1, 3, 2, 2, 1, 1]);
    assert_eq!(report.suppressed_records, 0);
    let rel = ((report.metric.value - 453196.8932458743) / 453196.8932458743).abs();
    assert!(rel <= 1e-9, "metric {}", report.metric.value);
    assert!(report.search.optimal);
    assert!(report.class_sizes.min >= 100);
    let (classes, stars, _) = output_classes(&out);
    assert_eq!((classes as u64, stars), (report.classes, 0));
}

#[test]
fn dropping_suppressed_records_keeps_the_optimum() {
    let (schema, batches) = adult();
    let mut cfg = config(5, 0.04);
    cfg.suppressed = SuppressedRecords::Drop;
    let (out, report) = anonymize(schema, batches, &cfg).unwrap();
    check(
        &report,
        &[1, 0, 1, 1, 3, 2, 2, 0, 1],
        906,
        1046,
        255559.85455731067,
    );
    let (classes, stars, rows) = output_classes(&out);
    assert_eq!((classes, stars, rows), (1046, 0, 30_162 - 906));
    assert_eq!(report.output_records, 30_162 - 906);
}

#[test]
fn label_examples_and_class_sizes_are_reported() {
    let (_, report) = run(5, 0.04);
    let age = &report.quasi_identifiers[1];
    assert_eq!(age.name, "age");
    assert_eq!(age.level, 0);
    assert!(age.examples.iter().all(|e| e.value == e.label));
    let edu = &report.quasi_identifiers[4];
    assert_eq!(edu.level, 3);
    assert!(edu.examples.iter().all(|e| e.label == "*"));
    assert!(report.class_sizes.min >= 5);
    let total: u64 = report
        .class_sizes
        .distribution
        .iter()
        .map(|c| c.size * c.classes)
        .sum();
    assert_eq!(total, 30_162 - 906);
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"suppressed_records\":906"));
}

#[test]
fn a_budget_still_returns_an_admissible_transformation() {
    let (schema, batches) = adult();
    let mut cfg = config(5, 0.04);
    cfg.budget = Some(SearchBudget {
        max_nodes: Some(3),
        max_time: None,
    });
    let (_, report) = anonymize(schema, batches, &cfg).unwrap();
    assert!(report.models.iter().all(|m| m.holds));
    assert!(report.suppressed_records <= 1206);
    assert!(!report.search.optimal || report.levels == [1, 0, 1, 1, 3, 2, 2, 0, 1]);
}

#[test]
fn bad_input_is_explained() {
    let (schema, batches) = adult();
    // k larger than the table.
    let err = anonymize(schema.clone(), batches.clone(), &config(40_000, 0.04)).unwrap_err();
    assert!(matches!(err, ProtectError::Usage(_)));
    assert!(err.to_string().contains("lower k"), "{err}");

    // A quasi-identifier that is not a column.
    let mut cfg = config(5, 0.04);
    cfg.quasi_identifiers[0].0 = "gender".into();
    let err = anonymize(schema.clone(), batches.clone(), &cfg).unwrap_err();
    assert!(
        err.to_string().contains("'gender' is not a column"),
        "{err}"
    );
    assert!(err.to_string().contains("marital-status"), "{err}");

    // Values missing from a hierarchy are listed.
    let mut cfg = config(5, 0.04);
    let rows: Vec<Vec<String>> = hierarchy("workclass")
        .rows()
        .into_iter()
        .filter(|r| r[0] != "Private" && r[0] != "Without-pay")
        .collect();
    cfg.quasi_identifiers[6].1 = Hierarchy::from_rows("workclass", rows).unwrap();
    let err = anonymize(schema.clone(), batches.clone(), &cfg).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("'Private'") && msg.contains("'Without-pay'"),
        "{msg}"
    );

    // Nothing admissible within the limit: say so and what would help.
    let mut cfg = config(5, 0.0);
    cfg.quasi_identifiers = vec![(
        "sex".into(),
        Hierarchy::from_rows(
            "sex",
            vec![
                vec!["Male".into(), "Male".into()],
                vec!["Female".into(), "Female".into()],
            ],
        )
        .unwrap(),
    )];
    cfg.sensitive = vec![("salary-class".into(), None)];
    cfg.models.push(ModelSpec::DistinctLDiversity {
        attribute: "salary-class".into(),
        l: 2,
    });
    cfg.models[0] = ModelSpec::KAnonymity { k: 20_000 };
    let err = anonymize(schema, batches, &cfg).unwrap_err();
    assert!(matches!(err, ProtectError::NoSolution(_)), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("20000-anonymity"), "{msg}");
    assert!(msg.contains("allow more suppression"), "{msg}");
}

/// Timings (not assertions): `cargo test --release -p datalab-protect --test arx_reference --
/// --ignored --nocapture timing`. Prints the minimum and median of 15 runs of the first
/// reference case, then single runs of other set-ups on the same data.
#[test]
#[ignore]
fn timing() {
    let (schema, batches) = adult();
    let cfg = config(5, 0.04);
    let mut totals = Vec::new();
    let mut searches = Vec::new();
    for _ in 0..15 {
        let (_, report) = anonymize(schema.clone(), batches.clone(), &cfg).unwrap();
        totals.push(report.search.total_ms);
        searches.push(report.search.search_ms);
    }
    totals.sort_by(f64::total_cmp);
    searches.sort_by(f64::total_cmp);
    eprintln!(
        "k=5, 4%, entropy, 9 QIs: total min {:.1} ms, median {:.1} ms; search min {:.1} ms, \
         median {:.1} ms",
        totals[0], totals[7], searches[0], searches[7]
    );
    let eight = |cfg: &mut AnonymizeConfig| {
        cfg.quasi_identifiers.pop();
        cfg.sensitive = vec![("salary-class".into(), None)];
    };
    let mut cases: Vec<(&str, AnonymizeConfig)> = Vec::new();
    let mut c = config(5, 0.04);
    c.metric = MetricKind::default();
    cases.push(("k=5, 4%, loss, 9 QIs", c));
    let mut c = config(5, 0.04);
    eight(&mut c);
    c.metric = MetricKind::default();
    cases.push(("k=5, 4%, loss, 8 QIs", c));
    let mut c = config(5, 0.04);
    eight(&mut c);
    c.models.push(ModelSpec::DistinctLDiversity {
        attribute: "salary-class".into(),
        l: 2,
    });
    cases.push(("k=5 + distinct-2 on salary, 4%, entropy, 8 QIs", c));
    let mut c = config(5, 0.04);
    eight(&mut c);
    c.models.push(ModelSpec::TCloseness {
        attribute: "salary-class".into(),
        t: 0.2,
        distance: datalab_protect::model::GroundDistance::Equal,
    });
    cases.push(("k=5 + 0.2-closeness on salary, 4%, entropy, 8 QIs", c));
    let mut c = config(5, 0.04);
    eight(&mut c);
    c.models = vec![ModelSpec::EntropyLDiversity {
        attribute: "salary-class".into(),
        l: 1.5,
    }];
    cases.push(("entropy-1.5-diversity on salary, 4%, entropy, 8 QIs", c));
    let mut c = config(5, 0.04);
    c.metric = MetricKind::Discernibility;
    cases.push(("k=5, 4%, discernibility, 9 QIs", c));
    for (name, c) in cases {
        match anonymize(schema.clone(), batches.clone(), &c) {
            Ok((_, r)) => eprintln!(
                "{name}: levels {:?}, metric {}, {} suppressed, {} nodes checked, search {:.1} \
                 ms, total {:.1} ms",
                r.levels,
                r.metric.value,
                r.suppressed_records,
                r.search.nodes_checked,
                r.search.search_ms,
                r.search.total_ms
            ),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
}
