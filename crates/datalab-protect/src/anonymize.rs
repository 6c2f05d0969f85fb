//! Anonymisation end to end: configuration, the base frequency table, the search, the
//! anonymised record batches and the report.
//!
//! ```text
//! batches ──MemoryTable──▶ GroupTable over (quasi-identifiers, sensitive) on dictionary codes
//!         ──codes → hierarchy value indices──▶ base ClassTable (the only pass over the data)
//!         ──search (roll-ups of class tables, never rows)──▶ best node + suppressed classes
//!         ──one streaming map over the batches──▶ generalised labels, `*` or dropped rows
//!         ──regroup the output──▶ every model re-checked on what is actually released
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use datalab_data::DataError;
use datalab_data::provider::{AggregateProvider, GroupBy, GroupQuery, MemoryTable, NULL_CODE};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::engine::evaluate::{Context, NodeEval, merge_distributions};
use crate::engine::table::{ClassTable, LevelMaps, Scratch, SensColumn, roll_up};
use crate::hierarchy::{Hierarchy, HierarchyError};
use crate::lattice::Lattice;
use crate::metric::{MetricEngine, MetricKind};
use crate::model::{self, ClassView, ModelSpec, ReleaseView, SensitiveColumn};
use crate::risk_section::{RiskSection, RiskSettings};
use crate::search::{self, SearchBudget, SearchMode};

/// Errors of the anonymisation engine. Messages name the attribute, value, model or option at
/// fault and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ProtectError {
    /// The configuration cannot work (unknown column, bad parameter, impossible k, …).
    #[error("{0}")]
    Usage(String),
    /// No transformation satisfies the models within the suppression limit.
    #[error("{0}")]
    NoSolution(String),
    #[error(transparent)]
    Hierarchy(#[from] HierarchyError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{context}: {source}")]
    Arrow {
        context: String,
        #[source]
        source: ArrowError,
    },
}

impl ProtectError {
    /// True when the mistake is in how datalab was called (options, parameters, hierarchies
    /// named on the command line) rather than in the system.
    pub fn is_usage(&self) -> bool {
        match self {
            ProtectError::Usage(_) | ProtectError::NoSolution(_) => true,
            ProtectError::Hierarchy(e) => e.is_usage(),
            ProtectError::Data(e) => e.is_usage(),
            ProtectError::Arrow { .. } => false,
        }
    }
}

/// What happens to the records of suppressed classes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressedRecords {
    /// Kept, with `*` in every quasi-identifier (ARX's behaviour). Together they form one class
    /// of the output, which must then satisfy the privacy models too.
    #[default]
    Star,
    /// Left out of the output.
    Drop,
}

/// The whole anonymisation setup.
#[derive(Clone, Debug)]
pub struct AnonymizeConfig {
    /// Quasi-identifiers with their hierarchies, in the order levels are reported.
    pub quasi_identifiers: Vec<(String, Hierarchy)>,
    /// Sensitive attributes; a hierarchy is needed for hierarchical t-closeness only.
    pub sensitive: Vec<(String, Option<Hierarchy>)>,
    pub models: Vec<ModelSpec>,
    /// Largest fraction of records that may be suppressed, in [0, 1].
    pub suppression_limit: f64,
    pub metric: MetricKind,
    pub suppressed: SuppressedRecords,
    /// `None`: optimal search (an error for lattices too large to enumerate).
    pub budget: Option<SearchBudget>,
    /// Thresholds and population for the report's risk section.
    pub risk: RiskSettings,
}

/// The report of one anonymisation (serialised as `report.json`; see `docs/anonymisation.md`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnonymizationReport {
    pub records: u64,
    pub output_records: u64,
    pub quasi_identifiers: Vec<AttributeReport>,
    pub sensitive: Vec<String>,
    /// Chosen level per quasi-identifier, in configuration order.
    pub levels: Vec<usize>,
    pub metric: MetricReport,
    pub suppression_limit: f64,
    pub max_suppressed_records: u64,
    pub suppressed_records: u64,
    pub suppressed_handling: SuppressedRecords,
    /// Equivalence classes of the released records, not counting the suppressed ones.
    pub classes: u64,
    pub class_sizes: ClassSizeReport,
    pub models: Vec<ModelReport>,
    pub search: SearchReport,
    /// Re-identification risk before and after, with the verdict and a DPIA paragraph.
    pub risk: RiskSection,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttributeReport {
    pub name: String,
    pub level: usize,
    pub max_level: usize,
    /// Distinct values in the input.
    pub distinct_before: u64,
    /// Distinct labels among the released (not suppressed) records.
    pub distinct_after: u64,
    /// Up to five of the most frequent values and what they became.
    pub examples: Vec<LabelExample>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LabelExample {
    pub value: String,
    pub label: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetricReport {
    pub name: String,
    pub kind: MetricKind,
    /// Information loss of the chosen transformation (lower is better).
    pub value: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassSizeReport {
    pub min: u64,
    pub max: u64,
    pub mean: f64,
    pub median: f64,
    /// Every class size that occurs, with how many classes have it, ascending.
    pub distribution: Vec<ClassSizeCount>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassSizeCount {
    pub size: u64,
    pub classes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelReport {
    pub name: String,
    /// Whether the model holds on the output, re-checked on the output rows.
    pub holds: bool,
    /// Records in output classes that violate the model (0 when it holds).
    pub violating_records: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SearchReport {
    pub mode: SearchMode,
    /// True when the chosen transformation is proven to be the optimum of the metric.
    pub optimal: bool,
    pub stopped_by_budget: bool,
    /// Transformations in the lattice (a float: huge lattices exceed 64 bits).
    pub lattice_size: f64,
    /// Transformations evaluated (rolled up and checked).
    pub nodes_checked: u64,
    /// Transformations proven inadmissible without evaluation (monotonicity).
    pub nodes_pruned: u64,
    pub threads: usize,
    pub search_ms: f64,
    pub total_ms: f64,
}

/// Everything prepared from the data before the search.
struct Prepared {
    ctx: Context,
    /// Per QI: data dictionary code → hierarchy value index (`u32::MAX` for the null code slot).
    qi_value_of_code: Vec<Vec<u32>>,
    qi_null_value: Vec<Option<u32>>,
    /// Per QI: records per hierarchy value index.
    freq: Vec<Vec<u64>>,
    sens_values: Vec<Vec<String>>,
    /// The sensitive attributes the models look at, in the order of the class distributions.
    sensitive_used: Vec<String>,
    model_names: Vec<String>,
}

/// Anonymises `batches` (all with `schema`) as configured. Returns the anonymised batches
/// (quasi-identifiers as text labels, other columns unchanged) and the report.
pub fn anonymize(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    config: &AnonymizeConfig,
) -> Result<(Vec<RecordBatch>, AnonymizationReport), ProtectError> {
    let started = Instant::now();
    validate(&schema, config)?;
    let records: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    if records == 0 {
        return Err(ProtectError::Usage(
            "the table has no rows; there is nothing to anonymise".into(),
        ));
    }
    for m in &config.models {
        if let ModelSpec::KAnonymity { k } = m
            && *k > records
        {
            return Err(ProtectError::Usage(format!(
                "k = {k} is larger than the number of records ({records}); no release can put \
                 {k} records in every class; lower k to at most {records}"
            )));
        }
    }
    let table = MemoryTable::new(schema.clone(), batches.clone());
    let prepared = prepare(&table, config, records)?;
    let ctx = &prepared.ctx;

    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let search_started = Instant::now();
    let outcome =
        search::search(ctx, config.budget.as_ref(), threads).map_err(ProtectError::Usage)?;
    let search_time = search_started.elapsed();
    let Some(best) = outcome.best.as_ref() else {
        return Err(no_solution(
            ctx,
            config,
            &prepared,
            outcome.stopped_by_budget,
        ));
    };

    // Which classes of the chosen node are suppressed.
    let mut scratch = Scratch::default();
    let detailed =
        crate::engine::evaluate::evaluate(ctx, &ctx.base, &best.levels, &mut scratch, true, true);
    let flags = detailed.flags.clone().unwrap_or_default();

    let (output, output_records) = build_output(
        &schema, &batches, &table, config, &prepared, &detailed, &flags,
    )?;
    let model_reports = verify_output(&output, config, &prepared)?;
    let risk = risk_section(&table, &output, config)?;

    let report = build_report(
        config,
        &prepared,
        &detailed,
        &flags,
        &outcome,
        model_reports,
        records,
        output_records,
        threads,
        search_time,
        started.elapsed(),
        risk,
    );
    Ok((output, report))
}

/// Risk before (input) and after (output, where `*` rows form a class) over the
/// quasi-identifiers.
fn risk_section(
    input: &MemoryTable,
    output: &[RecordBatch],
    config: &AnonymizeConfig,
) -> Result<RiskSection, ProtectError> {
    let qis: Vec<String> = config
        .quasi_identifiers
        .iter()
        .map(|(n, _)| n.clone())
        .collect();
    let query = GroupQuery {
        group_by: qis.iter().map(|q| GroupBy::column(q.as_str())).collect(),
        sums: Vec::new(),
    };
    let before = input.group_counts(&query)?.counts;
    let after = match output.first() {
        Some(first) => {
            MemoryTable::new(first.schema(), output.to_vec())
                .group_counts(&query)?
                .counts
        }
        None => Vec::new(),
    };
    let label = config.risk.data_label.as_deref().unwrap_or("the data");
    crate::risk_section::section(label, &qis, &before, &after, &config.risk)
        .map_err(|e| ProtectError::Usage(e.to_string()))
}

fn validate(schema: &SchemaRef, config: &AnonymizeConfig) -> Result<(), ProtectError> {
    let columns = || {
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if config.quasi_identifiers.is_empty() {
        return Err(ProtectError::Usage(
            "no quasi-identifiers given; name the columns to generalise (--qi age,sex,…)".into(),
        ));
    }
    if config.models.is_empty() {
        return Err(ProtectError::Usage(
            "no privacy model given; give at least k-anonymity (--k 5)".into(),
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, h) in &config.quasi_identifiers {
        if schema.index_of(name).is_err() {
            return Err(ProtectError::Usage(format!(
                "quasi-identifier '{name}' is not a column of the data; the columns are: {}",
                columns()
            )));
        }
        if seen.contains(&name.as_str()) {
            return Err(ProtectError::Usage(format!(
                "quasi-identifier '{name}' is given twice"
            )));
        }
        seen.push(name);
        if h.height() > 256 {
            return Err(ProtectError::Usage(format!(
                "the hierarchy of '{name}' has {} levels; at most 256 are supported",
                h.height()
            )));
        }
    }
    for (name, _) in &config.sensitive {
        if schema.index_of(name).is_err() {
            return Err(ProtectError::Usage(format!(
                "sensitive attribute '{name}' is not a column of the data; the columns are: {}",
                columns()
            )));
        }
        if config.quasi_identifiers.iter().any(|(q, _)| q == name) {
            return Err(ProtectError::Usage(format!(
                "'{name}' is both a quasi-identifier and a sensitive attribute; give it one role"
            )));
        }
        if seen.contains(&name.as_str()) {
            return Err(ProtectError::Usage(format!(
                "sensitive attribute '{name}' is given twice"
            )));
        }
        seen.push(name);
    }
    if !(config.suppression_limit.is_finite() && (0.0..=1.0).contains(&config.suppression_limit)) {
        return Err(ProtectError::Usage(format!(
            "the suppression limit must be a fraction between 0 and 1 (got {}); 0.04 allows 4% of \
             the records to be suppressed",
            config.suppression_limit
        )));
    }
    config.metric.validate()?;
    for m in &config.models {
        m.validate()?;
        if let Some(a) = m.attribute()
            && !config.sensitive.iter().any(|(s, _)| s == a)
        {
            return Err(ProtectError::Usage(format!(
                "the privacy model on '{a}' needs '{a}' to be a sensitive attribute; add it \
                 (--sensitive {a})"
            )));
        }
    }
    if let Some(b) = &config.budget
        && (b.max_nodes == Some(0) || b.max_time == Some(Duration::ZERO))
    {
        return Err(ProtectError::Usage(
            "a search budget of zero nodes or zero time cannot evaluate anything; give a \
             positive limit"
                .into(),
        ));
    }
    Ok(())
}

fn prepare(
    table: &MemoryTable,
    config: &AnonymizeConfig,
    records: u64,
) -> Result<Prepared, ProtectError> {
    let q = config.quasi_identifiers.len();
    // Only sensitive attributes some model looks at are carried through the search.
    let sensitive: Vec<&(String, Option<Hierarchy>)> = config
        .sensitive
        .iter()
        .filter(|(n, _)| config.models.iter().any(|m| m.attribute() == Some(n)))
        .collect();
    let group_by: Vec<GroupBy> = config
        .quasi_identifiers
        .iter()
        .map(|(n, _)| GroupBy::column(n.clone()))
        .chain(sensitive.iter().map(|(n, _)| GroupBy::column(n.clone())))
        .collect();
    let width = group_by.len();
    let groups = table.group_counts(&GroupQuery {
        group_by,
        sums: Vec::new(),
    })?;

    // Quasi-identifiers: data code → hierarchy value index, checking coverage.
    let mut qi_value_of_code = Vec::with_capacity(q);
    let mut qi_null_value = Vec::with_capacity(q);
    for (a, (name, h)) in config.quasi_identifiers.iter().enumerate() {
        let dict = &groups.dictionaries[a];
        h.check_covers(dict.values().iter().map(String::as_str))?;
        qi_value_of_code.push(
            dict.values()
                .iter()
                .map(|v| h.value_index(v).map_or(u32::MAX, |i| i as u32))
                .collect::<Vec<u32>>(),
        );
        let has_null = (0..groups.len()).any(|g| groups.key(g)[a] == NULL_CODE);
        if has_null {
            let idx = h.value_index("").ok_or_else(|| {
                ProtectError::Usage(format!(
                    "quasi-identifier '{name}' has empty cells but its hierarchy has no row for \
                     the empty value; add one (a line starting with ';', e.g. ;*) or fill the \
                     empty cells"
                ))
            })?;
            qi_null_value.push(Some(idx as u32));
        } else {
            qi_null_value.push(None);
        }
    }

    // Sensitive attributes: data codes, with null as the empty string.
    let mut sens_values = Vec::new();
    let mut sens_null = Vec::new();
    for s in 0..sensitive.len() {
        let dict = &groups.dictionaries[q + s];
        let mut values: Vec<String> = dict.values().to_vec();
        let has_null = (0..groups.len()).any(|g| groups.key(g)[q + s] == NULL_CODE);
        let null_code = if has_null {
            Some(match dict.code("") {
                Some(c) => c,
                None => {
                    values.push(String::new());
                    (values.len() - 1) as u32
                }
            })
        } else {
            None
        };
        sens_values.push(values);
        sens_null.push(null_code);
    }
    let sens_widths: Vec<usize> = sens_values.iter().map(Vec::len).collect();

    // The raw table: one row per provider group, then merged (a null and an empty string may
    // land on the same hierarchy value).
    let hierarchies: Vec<&Hierarchy> = config.quasi_identifiers.iter().map(|(_, h)| h).collect();
    let maps = LevelMaps::new(&hierarchies);
    let mut raw = ClassTable {
        levels: vec![0; q],
        keys: Vec::with_capacity(groups.len() * q),
        counts: groups.counts.clone(),
        sens: (0..sensitive.len())
            .map(|_| SensColumn {
                offsets: (0..=groups.len()).collect(),
                entries: Vec::with_capacity(groups.len()),
            })
            .collect(),
    };
    for g in 0..groups.len() {
        let key = groups.key(g);
        debug_assert_eq!(key.len(), width);
        for a in 0..q {
            let v = if key[a] == NULL_CODE {
                qi_null_value[a].unwrap_or(0)
            } else {
                qi_value_of_code[a][key[a] as usize]
            };
            raw.keys.push(v);
        }
        for s in 0..sensitive.len() {
            let c = key[q + s];
            let code = if c == NULL_CODE {
                sens_null[s].unwrap_or(0)
            } else {
                c
            };
            raw.sens[s].entries.push((code, groups.counts[g]));
        }
    }
    let base = roll_up(
        &raw,
        &vec![0; q],
        &maps,
        &sens_widths,
        &mut Scratch::default(),
    );

    let mut freq: Vec<Vec<u64>> = hierarchies
        .iter()
        .map(|h| vec![0u64; h.values().len()])
        .collect();
    for i in 0..base.len() {
        for (a, &v) in base.key(i).iter().enumerate() {
            freq[a][v as usize] += base.counts[i];
        }
    }
    let mut sens_global: Vec<Vec<u64>> = sens_widths.iter().map(|&w| vec![0u64; w]).collect();
    for (s, col) in base.sens.iter().enumerate() {
        for &(v, c) in &col.entries {
            sens_global[s][v as usize] += c;
        }
    }

    // Impossible diversity requirements are clearer up front than as "no solution".
    for m in &config.models {
        let (attr, need) = match m {
            ModelSpec::DistinctLDiversity { attribute, l } => (attribute, *l as f64),
            ModelSpec::EntropyLDiversity { attribute, l } => (attribute, l.ceil()),
            ModelSpec::RecursiveClDiversity { attribute, l, .. } => (attribute, *l as f64),
            _ => continue,
        };
        if let Some(s) = sensitive.iter().position(|(n, _)| n == attr) {
            let distinct = sens_global[s].iter().filter(|&&c| c > 0).count();
            if (distinct as f64) < need {
                return Err(ProtectError::Usage(format!(
                    "'{attr}' has only {distinct} distinct value(s) in the data, so no class can \
                     hold {need} of them; lower l to at most {distinct}"
                )));
            }
        }
    }

    let sensitive_cols: Vec<SensitiveColumn<'_>> = sensitive
        .iter()
        .enumerate()
        .map(|(s, (name, h))| SensitiveColumn {
            name,
            values: &sens_values[s],
            global: &sens_global[s],
            hierarchy: h.as_ref(),
        })
        .collect();
    let models = model::compile(&config.models, &sensitive_cols)?;
    let max_outliers = (config.suppression_limit * records as f64).floor() as u64;
    let tag_models: Vec<bool> = models
        .iter()
        .map(|m| {
            if max_outliers == 0 {
                m.holds_for_unions()
            } else {
                m.survives_merging()
            }
        })
        .collect();
    let release_models = models.iter().any(|m| m.is_release_level());
    // Whether some monotone failure exists: probe the models' necessary conditions on a class.
    let prunes = tag_models.iter().any(|&t| t)
        || models.iter().any(|m| {
            let empty: Vec<&[(u32, u64)]> = vec![&[]; sensitive.len()];
            m.necessary_condition(&ClassView {
                size: 0,
                distributions: &empty,
            })
            .is_some()
        });
    let model_names = models.iter().map(|m| m.name()).collect();
    let metric = MetricEngine::new(config.metric, &hierarchies, &freq)?;
    let max_levels: Vec<u8> = hierarchies.iter().map(|h| (h.height() - 1) as u8).collect();
    let star_codes = hierarchies
        .iter()
        .map(|h| {
            (0..h.height())
                .map(|l| {
                    h.level_domain(l)
                        .iter()
                        .position(|&x| x == "*")
                        .map(|p| p as u32)
                })
                .collect()
        })
        .collect();
    let ctx = Context {
        lattice: Lattice::new(&max_levels),
        maps,
        base: Arc::new(base),
        models,
        tag_models,
        prunes,
        release_models,
        metric,
        max_outliers,
        records,
        star: config.suppressed == SuppressedRecords::Star,
        star_codes,
        sens_widths,
    };
    Ok(Prepared {
        ctx,
        qi_value_of_code,
        qi_null_value,
        freq,
        sens_values,
        sensitive_used: sensitive.iter().map(|(n, _)| n.clone()).collect(),
        model_names,
    })
}

/// The error when nothing is admissible, with what would help.
fn no_solution(
    ctx: &Context,
    config: &AnonymizeConfig,
    prepared: &Prepared,
    stopped_by_budget: bool,
) -> ProtectError {
    let models = prepared.model_names.join(", ");
    if stopped_by_budget {
        return ProtectError::NoSolution(format!(
            "the search budget ran out before any transformation satisfying {models} was found; \
             give a larger budget"
        ));
    }
    let top = ctx.lattice.top();
    let table = roll_up(
        &ctx.base,
        &top,
        &ctx.maps,
        &ctx.sens_widths,
        &mut Scratch::default(),
    );
    // Records failing each model at the most general transformation.
    let mut failing = vec![0u64; ctx.models.len()];
    let mut suppressed = 0u64;
    let mut flags = vec![false; table.len()];
    for (i, flag) in flags.iter_mut().enumerate() {
        let dists: Vec<&[(u32, u64)]> = table.sens.iter().map(|s| s.slice(i)).collect();
        let view = ClassView {
            size: table.counts[i],
            distributions: &dists,
        };
        let mut ok = true;
        for (m, model) in ctx.models.iter().enumerate() {
            if !model.check_class(&view) {
                failing[m] += table.counts[i];
                ok = false;
            }
        }
        if !ok {
            suppressed += table.counts[i];
            *flag = true;
        }
    }
    let pct = |n: u64| 100.0 * n as f64 / ctx.records as f64;
    let limit = format!(
        "at most {} suppressed records ({}% of {})",
        ctx.max_outliers,
        config.suppression_limit * 100.0,
        ctx.records
    );
    if suppressed > ctx.max_outliers {
        let which: Vec<String> = failing
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(m, n)| format!("{} ({n} records)", prepared.model_names[m]))
            .collect();
        let needed = (suppressed as f64 / ctx.records as f64 * 1000.0).ceil() / 1000.0;
        return ProtectError::NoSolution(format!(
            "no transformation satisfies {models} with {limit}: even the most general \
             transformation {top:?} leaves {suppressed} records ({:.2}%) in classes that fail: {}. \
             What would help: allow more suppression (at least {needed}), weaken the model \
             (smaller k or l, larger t), or add coarser levels to the hierarchies",
            pct(suppressed),
            which.join(", ")
        ));
    }
    if ctx.star && suppressed > 0 {
        let members: Vec<usize> = (0..table.len()).filter(|&i| flags[i]).collect();
        let merged = merge_distributions(&table, &members, &ctx.sens_widths);
        let slices: Vec<&[(u32, u64)]> = merged.iter().map(Vec::as_slice).collect();
        let view = ClassView {
            size: suppressed,
            distributions: &slices,
        };
        if let Some(m) = ctx.models.iter().position(|m| !m.check_class(&view)) {
            return ProtectError::NoSolution(format!(
                "no transformation satisfies {models} with {limit}: the suppressed records, \
                 released with '*' in every quasi-identifier, form a class that fails {}. What \
                 would help: drop suppressed records instead of keeping them as '*', allow less \
                 or more suppression, or weaken the model",
                prepared.model_names[m]
            ));
        }
    }
    ProtectError::NoSolution(format!(
        "no transformation satisfies {models} with {limit}{}; weaken the model or allow more \
         suppression",
        if ctx.release_models {
            " (a release-level model fails everywhere)"
        } else {
            ""
        }
    ))
}

/// Label code at `level` of each QI for a row, or `None` when the row's class is unknown.
fn build_output(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    table: &MemoryTable,
    config: &AnonymizeConfig,
    prepared: &Prepared,
    node: &NodeEval,
    flags: &[bool],
) -> Result<(Vec<RecordBatch>, u64), ProtectError> {
    let q = config.quasi_identifiers.len();
    let levels = &node.levels;
    let classes = &node.table;
    // Class of each label key.
    let mut class_of: FxHashMap<Box<[u32]>, usize> = FxHashMap::default();
    for i in 0..classes.len() {
        class_of.insert(classes.key(i).into(), i);
    }
    // Per QI: data code → label code at the chosen level.
    let mut label_of_code: Vec<Vec<u32>> = Vec::with_capacity(q);
    let mut null_label: Vec<Option<u32>> = Vec::with_capacity(q);
    let mut encoded = Vec::with_capacity(q);
    for (a, (name, h)) in config.quasi_identifiers.iter().enumerate() {
        let codes = h.level_codes(levels[a] as usize);
        label_of_code.push(
            prepared.qi_value_of_code[a]
                .iter()
                .map(|&v| {
                    if v == u32::MAX {
                        u32::MAX
                    } else {
                        codes[v as usize]
                    }
                })
                .collect(),
        );
        null_label.push(prepared.qi_null_value[a].map(|v| codes[v as usize]));
        encoded.push(table.encoded(name)?);
    }
    let domains: Vec<Vec<&str>> = config
        .quasi_identifiers
        .iter()
        .enumerate()
        .map(|(a, (_, h))| h.level_domain(levels[a] as usize))
        .collect();
    let qi_index: Vec<usize> = config
        .quasi_identifiers
        .iter()
        .map(|(n, _)| schema.index_of(n).unwrap_or(0))
        .collect();

    // Output schema: quasi-identifiers become text.
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if qi_index.contains(&i) {
                Field::new(f.name(), DataType::Utf8, f.is_nullable())
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let out_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));

    let mut out = Vec::with_capacity(batches.len());
    let mut row = 0usize;
    let mut key = vec![0u32; q];
    let mut kept_total = 0u64;
    for batch in batches {
        let rows = batch.num_rows();
        let mut suppressed_row = Vec::with_capacity(rows);
        let mut labels: Vec<Vec<Option<&str>>> = vec![Vec::with_capacity(rows); q];
        for r in 0..rows {
            let mut known = true;
            for a in 0..q {
                let c = encoded[a].codes[row + r];
                let l = if c == NULL_CODE {
                    null_label[a].unwrap_or(u32::MAX)
                } else {
                    label_of_code[a][c as usize]
                };
                known &= l != u32::MAX;
                key[a] = l;
            }
            let class = if known { class_of.get(&key[..]) } else { None };
            // Every row's class exists by construction; a missing one is treated as suppressed.
            let supp = class.is_none_or(|&i| flags[i]);
            suppressed_row.push(supp);
            for a in 0..q {
                labels[a].push(if supp {
                    Some("*")
                } else {
                    Some(domains[a][key[a] as usize])
                });
            }
        }
        row += rows;
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        for (a, &ci) in qi_index.iter().enumerate() {
            // Empty input cells stay empty (null) while their label is the empty value.
            let col = batch.column(ci);
            let values: Vec<Option<&str>> = labels[a]
                .iter()
                .enumerate()
                .map(|(r, l)| {
                    if col.is_null(r) && !suppressed_row[r] && l.is_none_or(str::is_empty) {
                        None
                    } else {
                        *l
                    }
                })
                .collect();
            columns[ci] = Arc::new(StringArray::from(values));
        }
        let generalised =
            RecordBatch::try_new(out_schema.clone(), columns).map_err(|e| ProtectError::Arrow {
                context: "building the anonymised batch".into(),
                source: e,
            })?;
        match config.suppressed {
            SuppressedRecords::Star => {
                kept_total += rows as u64;
                out.push(generalised);
            }
            SuppressedRecords::Drop => {
                let keep =
                    BooleanArray::from(suppressed_row.iter().map(|s| !s).collect::<Vec<bool>>());
                let filtered = arrow_select::filter::filter_record_batch(&generalised, &keep)
                    .map_err(|e| ProtectError::Arrow {
                        context: "dropping suppressed records".into(),
                        source: e,
                    })?;
                kept_total += filtered.num_rows() as u64;
                out.push(filtered);
            }
        }
    }
    Ok((out, kept_total))
}

/// Re-checks every model on the output: its classes are regrouped from the output rows.
fn verify_output(
    output: &[RecordBatch],
    config: &AnonymizeConfig,
    prepared: &Prepared,
) -> Result<Vec<ModelReport>, ProtectError> {
    let ctx = &prepared.ctx;
    let mut reports: Vec<ModelReport> = prepared
        .model_names
        .iter()
        .map(|n| ModelReport {
            name: n.clone(),
            holds: true,
            violating_records: 0,
        })
        .collect();
    let Some(first) = output.first() else {
        return Ok(reports);
    };
    let rows: usize = output.iter().map(RecordBatch::num_rows).sum();
    if rows == 0 {
        return Ok(reports);
    }
    let q = config.quasi_identifiers.len();
    let out_table = MemoryTable::new(first.schema(), output.to_vec());
    let groups = out_table.group_counts(&GroupQuery {
        group_by: config
            .quasi_identifiers
            .iter()
            .map(|(n, _)| GroupBy::column(n.clone()))
            .chain(
                prepared
                    .sensitive_used
                    .iter()
                    .map(|n| GroupBy::column(n.clone())),
            )
            .collect(),
        sums: Vec::new(),
    })?;
    let s_count = prepared.sensitive_used.len();
    // Output sensitive codes → the codes the models know (by text).
    let sens_maps: Vec<Vec<u32>> = (0..s_count)
        .map(|s| {
            let known: FxHashMap<&str, u32> = prepared.sens_values[s]
                .iter()
                .enumerate()
                .map(|(i, v)| (v.as_str(), i as u32))
                .collect();
            groups.dictionaries[q + s]
                .values()
                .iter()
                .map(|v| known.get(v.as_str()).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let null_codes: Vec<u32> = prepared
        .sens_values
        .iter()
        .map(|v| v.iter().position(String::is_empty).unwrap_or(0) as u32)
        .collect();
    // Groups are sorted by key: equal quasi-identifier codes are contiguous.
    let mut sizes = Vec::new();
    let mut g = 0usize;
    while g < groups.len() {
        let qi = &groups.key(g)[..q];
        let mut end = g;
        let mut size = 0u64;
        let mut dists: Vec<BTreeMap<u32, u64>> = vec![BTreeMap::new(); s_count];
        while end < groups.len() && &groups.key(end)[..q] == qi {
            size += groups.counts[end];
            for (s, d) in dists.iter_mut().enumerate() {
                let c = groups.key(end)[q + s];
                let code = if c == NULL_CODE {
                    null_codes[s]
                } else {
                    sens_maps[s][c as usize]
                };
                *d.entry(code).or_insert(0) += groups.counts[end];
            }
            end += 1;
        }
        let owned: Vec<Vec<(u32, u64)>> = dists
            .iter()
            .map(|d| d.iter().map(|(&v, &c)| (v, c)).collect())
            .collect();
        let slices: Vec<&[(u32, u64)]> = owned.iter().map(Vec::as_slice).collect();
        let view = ClassView {
            size,
            distributions: &slices,
        };
        for (m, model) in ctx.models.iter().enumerate() {
            if !model.check_class(&view) {
                reports[m].holds = false;
                reports[m].violating_records += size;
            }
        }
        sizes.push(size);
        g = end;
    }
    let release = ReleaseView {
        records: ctx.records,
        suppressed: ctx.records - rows as u64,
        class_sizes: &sizes,
        // The classes were read from the output itself: `*` rows are already one of them.
        suppressed_kept: false,
    };
    for (m, model) in ctx.models.iter().enumerate() {
        if model.is_release_level() && !model.check_release(&release) {
            reports[m].holds = false;
        }
    }
    Ok(reports)
}

#[allow(clippy::too_many_arguments)]
fn build_report(
    config: &AnonymizeConfig,
    prepared: &Prepared,
    node: &NodeEval,
    flags: &[bool],
    outcome: &search::SearchOutcome,
    models: Vec<ModelReport>,
    records: u64,
    output_records: u64,
    threads: usize,
    search_time: Duration,
    total: Duration,
    risk: RiskSection,
) -> AnonymizationReport {
    let ctx = &prepared.ctx;
    let table = &node.table;
    let mut sizes: Vec<u64> = table
        .counts
        .iter()
        .zip(flags)
        .filter(|(_, f)| !**f)
        .map(|(&c, _)| c)
        .collect();
    sizes.sort_unstable();
    let mut distribution: Vec<ClassSizeCount> = Vec::new();
    for &s in &sizes {
        match distribution.last_mut() {
            Some(last) if last.size == s => last.classes += 1,
            _ => distribution.push(ClassSizeCount {
                size: s,
                classes: 1,
            }),
        }
    }
    let median = match sizes.len() {
        0 => 0.0,
        n if n % 2 == 1 => sizes[n / 2] as f64,
        n => (sizes[n / 2 - 1] + sizes[n / 2]) as f64 / 2.0,
    };
    let kept: u64 = sizes.iter().sum();
    let class_sizes = ClassSizeReport {
        min: sizes.first().copied().unwrap_or(0),
        max: sizes.last().copied().unwrap_or(0),
        mean: if sizes.is_empty() {
            0.0
        } else {
            kept as f64 / sizes.len() as f64
        },
        median,
        distribution,
    };

    let mut attributes = Vec::new();
    for (a, (name, h)) in config.quasi_identifiers.iter().enumerate() {
        let level = node.levels[a] as usize;
        let codes = h.level_codes(level);
        let domain = h.level_domain(level);
        let freq = &prepared.freq[a];
        let mut present: Vec<usize> = (0..freq.len()).filter(|&v| freq[v] > 0).collect();
        present.sort_by(|&x, &y| freq[y].cmp(&freq[x]).then(x.cmp(&y)));
        let examples = present
            .iter()
            .take(5)
            .map(|&v| LabelExample {
                value: h.values()[v].clone(),
                label: domain[codes[v] as usize].to_string(),
            })
            .collect();
        let mut after: Vec<u32> = (0..table.len())
            .filter(|&i| !flags[i])
            .map(|i| table.key(i)[a])
            .collect();
        after.sort_unstable();
        after.dedup();
        attributes.push(AttributeReport {
            name: name.clone(),
            level,
            max_level: h.height() - 1,
            distinct_before: present.len() as u64,
            distinct_after: after.len() as u64,
            examples,
        });
    }
    let mut warnings = Vec::new();
    if !outcome.proven_optimal {
        warnings.push(match outcome.mode {
            SearchMode::Optimal => "the search budget ran out: the transformation is the best \
                                    found, not proven optimal"
                .to_string(),
            SearchMode::BestEffort => "best-effort search: the transformation is the best found \
                                       within the budget, not proven optimal"
                .to_string(),
        });
    }
    for m in models.iter().filter(|m| !m.holds) {
        warnings.push(format!(
            "{} does not hold on the output ({} records in violating classes)",
            m.name, m.violating_records
        ));
    }
    AnonymizationReport {
        records,
        output_records,
        quasi_identifiers: attributes,
        sensitive: config.sensitive.iter().map(|(n, _)| n.clone()).collect(),
        levels: node.levels.iter().map(|&l| l as usize).collect(),
        metric: MetricReport {
            name: config.metric.name().to_string(),
            kind: config.metric,
            value: node.metric.unwrap_or(f64::NAN),
        },
        suppression_limit: config.suppression_limit,
        max_suppressed_records: ctx.max_outliers,
        suppressed_records: node.suppressed,
        suppressed_handling: config.suppressed,
        classes: sizes.len() as u64,
        class_sizes,
        models,
        search: SearchReport {
            mode: outcome.mode,
            optimal: outcome.proven_optimal,
            stopped_by_budget: outcome.stopped_by_budget,
            lattice_size: ctx.lattice.size_f64(),
            nodes_checked: outcome.evaluated,
            nodes_pruned: outcome.tagged,
            threads,
            search_ms: search_time.as_secs_f64() * 1000.0,
            total_ms: total.as_secs_f64() * 1000.0,
        },
        risk,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use arrow_array::cast::AsArray;
    use datalab_data::read::{ReadOptions, open_table};

    use super::*;
    use crate::model::GroundDistance;

    fn toy() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/toy")
    }

    fn read(path: &std::path::Path) -> (SchemaRef, Vec<RecordBatch>) {
        open_table(path, &ReadOptions::default())
            .unwrap()
            .read_all()
            .unwrap()
    }

    fn strings(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for b in batches {
            let c = b.column_by_name(column).unwrap();
            let s = arrow_cast::cast(c, &DataType::Utf8).unwrap();
            let s = s.as_string::<i32>();
            for i in 0..s.len() {
                out.push((!s.is_null(i)).then(|| s.value(i).to_string()));
            }
        }
        out
    }

    /// The t-closeness example table of Li, Li and Venkatasubramanian (2007).
    #[test]
    fn t_closeness_and_diversity_on_the_paper_table() {
        let dir = toy();
        let (schema, batches) = read(&dir.join("test2.csv"));
        let h = |a: &str| {
            Hierarchy::from_arx_csv(a, &dir.join(format!("test2_hierarchy_{a}.csv"))).unwrap()
        };
        let config = AnonymizeConfig {
            quasi_identifiers: vec![("ZIPCode".into(), h("ZIPCode")), ("Age".into(), h("Age"))],
            sensitive: vec![
                ("Salary".into(), None),
                ("Disease".into(), Some(h("Disease"))),
            ],
            models: vec![
                ModelSpec::KAnonymity { k: 3 },
                ModelSpec::DistinctLDiversity {
                    attribute: "Disease".into(),
                    l: 2,
                },
                ModelSpec::TCloseness {
                    attribute: "Salary".into(),
                    t: 0.4,
                    distance: GroundDistance::Ordered,
                },
                ModelSpec::TCloseness {
                    attribute: "Disease".into(),
                    t: 0.45,
                    distance: GroundDistance::Hierarchical,
                },
            ],
            suppression_limit: 0.0,
            metric: MetricKind::default(),
            suppressed: SuppressedRecords::Star,
            budget: None,
            risk: Default::default(),
        };
        let (out, report) = anonymize(schema, batches, &config).unwrap();
        assert_eq!(report.records, 9);
        assert_eq!(report.suppressed_records, 0);
        assert!(report.models.iter().all(|m| m.holds), "{:?}", report.models);
        assert!(report.search.optimal);
        // Classes hold at least 3 records.
        let zips = strings(&out, "ZIPCode");
        let ages = strings(&out, "Age");
        let mut classes: BTreeMap<(Option<String>, Option<String>), u64> = BTreeMap::new();
        for (z, a) in zips.into_iter().zip(ages) {
            *classes.entry((z, a)).or_default() += 1;
        }
        assert!(classes.values().all(|&c| c >= 3), "{classes:?}");
        // Sensitive columns are untouched.
        assert_eq!(
            strings(&out, "Disease")[0].as_deref(),
            Some("gastric ulcer")
        );
        let json = serde_json::to_string_pretty(&report).unwrap();
        let back: AnonymizationReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back.levels, report.levels);
    }

    #[test]
    fn huge_lattices_need_a_budget_and_get_a_best_effort_answer() {
        // 24 binary quasi-identifiers: 2^24 transformations, beyond the optimal search.
        let dims = 24;
        let rows = 200;
        let names: Vec<String> = (0..dims).map(|d| format!("c{d}")).collect();
        let schema = Arc::new(Schema::new(
            names
                .iter()
                .map(|n| Field::new(n, DataType::Utf8, false))
                .collect::<Vec<_>>(),
        ));
        let columns: Vec<ArrayRef> = (0..dims)
            .map(|d| {
                Arc::new(StringArray::from(
                    (0..rows)
                        .map(|r| if (r * (d + 3)) % 7 < 3 { "x" } else { "y" })
                        .collect::<Vec<_>>(),
                )) as ArrayRef
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let h = |n: &str| {
            Hierarchy::from_rows(
                n,
                vec![vec!["x".into(), "*".into()], vec!["y".into(), "*".into()]],
            )
            .unwrap()
        };
        let mut config = AnonymizeConfig {
            quasi_identifiers: names.iter().map(|n| (n.clone(), h(n))).collect(),
            sensitive: Vec::new(),
            models: vec![ModelSpec::KAnonymity { k: 5 }],
            suppression_limit: 0.02,
            metric: MetricKind::default(),
            suppressed: SuppressedRecords::Star,
            budget: None,
            risk: Default::default(),
        };
        let err = anonymize(schema.clone(), vec![batch.clone()], &config).unwrap_err();
        assert!(err.to_string().contains("search budget"), "{err}");
        config.budget = Some(SearchBudget {
            max_nodes: Some(400),
            max_time: None,
        });
        let (_, report) = anonymize(schema, vec![batch], &config).unwrap();
        assert_eq!(report.search.mode, SearchMode::BestEffort);
        assert!(!report.search.optimal);
        assert!(report.search.nodes_checked <= 400 + 2 * 24);
        assert!(report.models.iter().all(|m| m.holds));
        assert!(report.suppressed_records <= 4);
        assert!(!report.warnings.is_empty());
    }

    #[test]
    fn empty_cells_need_a_hierarchy_row() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("zip", DataType::Utf8, true),
            Field::new("sex", DataType::Utf8, false),
        ]));
        let zip = StringArray::from(vec![Some("1"), None, Some("1"), None, Some("2"), Some("2")]);
        let sex = StringArray::from(vec!["m", "f", "m", "f", "m", "f"]);
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(zip), Arc::new(sex)]).unwrap();
        let rows = |extra: bool| {
            let mut r = vec![
                vec!["1".to_string(), "1-2".to_string(), "*".to_string()],
                vec!["2".to_string(), "1-2".to_string(), "*".to_string()],
            ];
            if extra {
                r.push(vec![String::new(), "?".to_string(), "*".to_string()]);
            }
            r
        };
        let sex_h = Hierarchy::from_rows(
            "sex",
            vec![vec!["m".into(), "*".into()], vec!["f".into(), "*".into()]],
        )
        .unwrap();
        let mut config = AnonymizeConfig {
            quasi_identifiers: vec![
                (
                    "zip".into(),
                    Hierarchy::from_rows("zip", rows(false)).unwrap(),
                ),
                ("sex".into(), sex_h),
            ],
            sensitive: Vec::new(),
            models: vec![ModelSpec::KAnonymity { k: 2 }],
            suppression_limit: 0.0,
            metric: MetricKind::Height,
            suppressed: SuppressedRecords::Star,
            budget: None,
            risk: Default::default(),
        };
        let err = anonymize(schema.clone(), vec![batch.clone()], &config).unwrap_err();
        assert!(err.to_string().contains("empty cells"), "{err}");
        config.quasi_identifiers[0].1 = Hierarchy::from_rows("zip", rows(true)).unwrap();
        let (out, report) = anonymize(schema, vec![batch], &config).unwrap();
        assert!(report.models.iter().all(|m| m.holds));
        // Height optimum: keep zip (its empty cells are their own class of 2), generalise sex.
        assert_eq!(report.levels, vec![0, 1]);
        assert_eq!(strings(&out, "zip")[1], None);
        assert_eq!(strings(&out, "sex")[0].as_deref(), Some("*"));
    }

    #[test]
    fn configuration_mistakes_are_named() {
        let dir = toy();
        let (schema, batches) = read(&dir.join("test2.csv"));
        let h = Hierarchy::from_arx_csv("Age", &dir.join("test2_hierarchy_Age.csv")).unwrap();
        let base = AnonymizeConfig {
            quasi_identifiers: vec![("Age".into(), h.clone())],
            sensitive: vec![("Disease".into(), None)],
            models: vec![ModelSpec::KAnonymity { k: 2 }],
            suppression_limit: 0.0,
            metric: MetricKind::default(),
            suppressed: SuppressedRecords::Star,
            budget: None,
            risk: Default::default(),
        };
        let run = |c: &AnonymizeConfig| {
            anonymize(schema.clone(), batches.clone(), c)
                .unwrap_err()
                .to_string()
        };
        let mut c = base.clone();
        c.suppression_limit = 1.5;
        assert!(run(&c).contains("between 0 and 1"));
        let mut c = base.clone();
        c.models = vec![ModelSpec::DistinctLDiversity {
            attribute: "Salary".into(),
            l: 2,
        }];
        assert!(run(&c).contains("--sensitive Salary"));
        let mut c = base.clone();
        c.models.push(ModelSpec::TCloseness {
            attribute: "Disease".into(),
            t: 0.2,
            distance: GroundDistance::Hierarchical,
        });
        assert!(run(&c).contains("needs a hierarchy for 'Disease'"));
        let mut c = base.clone();
        c.sensitive = vec![("Age".into(), None)];
        assert!(run(&c).contains("both a quasi-identifier and a sensitive attribute"));
        let mut c = base.clone();
        c.models = vec![ModelSpec::DistinctLDiversity {
            attribute: "Disease".into(),
            l: 7,
        }];
        assert!(run(&c).contains("only 6 distinct value"));
        let mut c = base;
        c.models.clear();
        assert!(run(&c).contains("--k 5"));
    }
}
