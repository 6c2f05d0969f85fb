//! Declared constraints on generated rows: value ranges, `a <= b` rules between columns and
//! fixed combinations. Enforced while sampling by rejection (a row breaking a rule is drawn
//! again, up to 100 times), then by repair (clamp, swap, or replace the combination by an
//! allowed one); the report counts both.

use std::collections::HashSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use datalab_data::{DataError, Result};

use crate::model::{Cell, ColumnKind, ColumnModel, Logical};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Constraint {
    /// `min <= column <= max` (numbers; dates as YYYY-MM-DD).
    Range {
        column: String,
        min: Option<String>,
        max: Option<String>,
    },
    /// `left <= right` (two numeric or two date columns).
    LessEq { left: String, right: String },
    /// The combination of these (categorical) columns must be one of `combinations`.
    Fixed {
        columns: Vec<String>,
        combinations: Vec<Vec<String>>,
    },
}

impl Constraint {
    pub fn describe(&self) -> String {
        match self {
            Constraint::Range { column, min, max } => format!(
                "{} <= {column} <= {}",
                min.as_deref().unwrap_or("-inf"),
                max.as_deref().unwrap_or("+inf")
            ),
            Constraint::LessEq { left, right } => format!("{left} <= {right}"),
            Constraint::Fixed {
                columns,
                combinations,
            } => format!(
                "({}) in {} allowed combinations",
                columns.join(", "),
                combinations.len()
            ),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ConstraintStats {
    /// Rows that broke a rule at first and were drawn again until they kept all rules.
    pub resampled_rows: u64,
    /// Rows still breaking a rule after 100 draws, repaired (clamped, swapped, replaced).
    pub repaired_rows: u64,
}

/// Parses `COL=LO:HI` (either side may be empty).
pub fn parse_range(spec: &str) -> Result<Constraint> {
    let bad = || {
        DataError::usage(format!(
            "--range '{spec}': expected COLUMN=MIN:MAX (either side may be empty)"
        ))
    };
    let (col, r) = spec.split_once('=').ok_or_else(bad)?;
    let (lo, hi) = r.split_once(':').ok_or_else(bad)?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(Constraint::Range {
        column: col.trim().to_string(),
        min: opt(lo),
        max: opt(hi),
    })
}

/// Parses `A<=B` (or `B>=A`).
pub fn parse_rule(spec: &str) -> Result<Constraint> {
    if let Some((a, b)) = spec.split_once("<=") {
        return Ok(Constraint::LessEq {
            left: a.trim().into(),
            right: b.trim().into(),
        });
    }
    if let Some((a, b)) = spec.split_once(">=") {
        return Ok(Constraint::LessEq {
            left: b.trim().into(),
            right: a.trim().into(),
        });
    }
    Err(DataError::usage(format!(
        "--rule '{spec}': expected 'A <= B' with two column names"
    )))
}

pub fn number_of(col: &ColumnModel, text: &str) -> Option<f64> {
    match col.logical {
        Logical::Date => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .map(|d| (d - chrono::NaiveDate::default()).num_days() as f64 + epoch_offset()),
        _ => text.trim().parse::<f64>().ok(),
    }
}

/// Days from 1970-01-01 back to chrono's default date (0001-01-01 is not the default; compute).
fn epoch_offset() -> f64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    -((epoch - chrono::NaiveDate::default()).num_days() as f64)
}

fn cell_number(col: &ColumnModel, cell: Cell) -> Option<f64> {
    match cell {
        Cell::Num(x) => Some(x),
        Cell::Cat(k) => match &col.kind {
            ColumnKind::Categorical { values, .. } => number_of(col, &values[k as usize]),
            _ => None,
        },
        _ => None,
    }
}

enum Check {
    Range(usize, f64, f64),
    LessEq(usize, usize),
    Fixed(Vec<usize>, HashSet<Vec<u32>>, Vec<Vec<u32>>),
}

pub struct Compiled<'a> {
    columns: &'a [ColumnModel],
    checks: Vec<Check>,
}

fn index_of(columns: &[ColumnModel], name: &str, what: &str) -> Result<usize> {
    columns.iter().position(|c| c.name == name).ok_or_else(|| {
        DataError::usage(format!(
            "{what}: no column '{name}' (columns: {})",
            columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

impl<'a> Compiled<'a> {
    pub fn new(constraints: &[Constraint], columns: &'a [ColumnModel]) -> Result<Compiled<'a>> {
        let mut checks = Vec::new();
        for c in constraints {
            let what = format!("constraint '{}'", c.describe());
            match c {
                Constraint::Range { column, min, max } => {
                    let i = index_of(columns, column, &what)?;
                    let col = &columns[i];
                    if !col.logical.is_numeric() {
                        return Err(DataError::usage(format!(
                            "{what}: column '{column}' is not numeric or a date"
                        )));
                    }
                    let parse = |s: &Option<String>, default: f64| -> Result<f64> {
                        match s {
                            None => Ok(default),
                            Some(t) => number_of(col, t).ok_or_else(|| {
                                DataError::usage(format!(
                                    "{what}: '{t}' is not a value of '{column}'"
                                ))
                            }),
                        }
                    };
                    let lo = parse(min, f64::NEG_INFINITY)?;
                    let hi = parse(max, f64::INFINITY)?;
                    if lo > hi {
                        return Err(DataError::usage(format!("{what}: min is above max")));
                    }
                    checks.push(Check::Range(i, lo, hi));
                }
                Constraint::LessEq { left, right } => {
                    let a = index_of(columns, left, &what)?;
                    let b = index_of(columns, right, &what)?;
                    let (la, lb) = (columns[a].logical, columns[b].logical);
                    let comparable = (la == lb && la.is_numeric())
                        || (matches!(la, Logical::Integer | Logical::Float)
                            && matches!(lb, Logical::Integer | Logical::Float));
                    if !comparable {
                        return Err(DataError::usage(format!(
                            "{what}: '{left}' and '{right}' must both be numbers or both dates"
                        )));
                    }
                    checks.push(Check::LessEq(a, b));
                }
                Constraint::Fixed {
                    columns: names,
                    combinations,
                } => {
                    let idx = names
                        .iter()
                        .map(|n| index_of(columns, n, &what))
                        .collect::<Result<Vec<_>>>()?;
                    let mut allowed = HashSet::new();
                    let mut list = Vec::new();
                    for combo in combinations {
                        let mut codes = Vec::with_capacity(idx.len());
                        for (&i, v) in idx.iter().zip(combo) {
                            let ColumnKind::Categorical { values, .. } = &columns[i].kind else {
                                return Err(DataError::usage(format!(
                                    "{what}: column '{}' is not categorical",
                                    columns[i].name
                                )));
                            };
                            match values.iter().position(|x| x == v) {
                                Some(k) => codes.push(k as u32),
                                None => break,
                            }
                        }
                        if codes.len() == idx.len() && allowed.insert(codes.clone()) {
                            list.push(codes);
                        }
                    }
                    checks.push(Check::Fixed(idx, allowed, list));
                }
            }
        }
        Ok(Compiled { columns, checks })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    pub fn satisfied(&self, cells: &[Cell]) -> bool {
        self.checks.iter().all(|c| self.ok(c, cells))
    }

    fn ok(&self, c: &Check, cells: &[Cell]) -> bool {
        match c {
            Check::Range(i, lo, hi) => match cell_number(&self.columns[*i], cells[*i]) {
                Some(x) => x >= *lo && x <= *hi,
                None => true,
            },
            Check::LessEq(a, b) => match (
                cell_number(&self.columns[*a], cells[*a]),
                cell_number(&self.columns[*b], cells[*b]),
            ) {
                (Some(x), Some(y)) => x <= y,
                _ => true,
            },
            Check::Fixed(idx, allowed, _) => {
                let mut key = Vec::with_capacity(idx.len());
                for &i in idx {
                    match cells[i] {
                        Cell::Cat(k) => key.push(k),
                        _ => return true,
                    }
                }
                allowed.contains(&key)
            }
        }
    }

    /// Makes a row keep every rule: clamps ranges, swaps `a <= b` pairs, replaces a forbidden
    /// combination by a random allowed one.
    pub fn repair(&self, cells: &mut [Cell], rng: &mut ChaCha8Rng) {
        for c in &self.checks {
            if self.ok(c, cells) {
                continue;
            }
            match c {
                Check::Range(i, lo, hi) => {
                    if let Cell::Num(x) = cells[*i] {
                        cells[*i] = Cell::Num(x.clamp(*lo, *hi));
                    } else if let ColumnKind::Categorical { values, .. } = &self.columns[*i].kind {
                        // The nearest value inside the range.
                        let col = &self.columns[*i];
                        let x = cell_number(col, cells[*i]).unwrap_or(0.0);
                        if let Some((k, _)) = values
                            .iter()
                            .enumerate()
                            .filter_map(|(k, v)| number_of(col, v).map(|y| (k, y)))
                            .filter(|(_, y)| y >= lo && y <= hi)
                            .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
                        {
                            cells[*i] = Cell::Cat(k as u32);
                        }
                    }
                }
                Check::LessEq(a, b) => {
                    if matches!(cells[*a], Cell::Num(_)) && matches!(cells[*b], Cell::Num(_)) {
                        cells.swap(*a, *b);
                    } else {
                        cells[*b] = cells[*a];
                    }
                }
                Check::Fixed(idx, _, list) => {
                    if !list.is_empty() {
                        let pick = &list[rng.random_range(0..list.len())];
                        for (&i, &k) in idx.iter().zip(pick) {
                            cells[i] = Cell::Cat(k);
                        }
                    }
                }
            }
        }
    }
}

/// Reads allowed combinations of `columns` from a CSV file with those columns.
pub fn combinations_from_file(
    path: &std::path::Path,
    columns: &[String],
) -> Result<Vec<Vec<String>>> {
    let reader = datalab_data::read::open_table(path, &datalab_data::read::ReadOptions::default())?;
    let (schema, batches) = reader.read_all()?;
    let mut idx = Vec::new();
    for c in columns {
        idx.push(
            schema
                .index_of(c)
                .map_err(|_| DataError::unknown_column(&path.display().to_string(), c, &schema))?,
        );
    }
    let mut out = Vec::new();
    for b in &batches {
        let cols: Vec<_> = idx
            .iter()
            .map(|&i| arrow_cast::cast(b.column(i), &arrow_schema::DataType::Utf8))
            .collect::<Result<_, _>>()
            .map_err(|e| DataError::Arrow {
                context: format!("reading {}", path.display()),
                source: e,
            })?;
        for r in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|a| {
                        use arrow_array::Array;
                        let s = a
                            .as_any()
                            .downcast_ref::<arrow_array::StringArray>()
                            .filter(|s| s.is_valid(r))
                            .map(|s| s.value(r).to_string());
                        s.unwrap_or_default()
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}
