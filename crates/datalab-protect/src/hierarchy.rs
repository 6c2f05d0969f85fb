//! Generalisation hierarchies: for each original value of a quasi-identifier, one label per level,
//! from the value itself (level 0) up to the coarsest label (usually `*`, fully suppressed).
//!
//! A [`Hierarchy`] is stored level by level as a *domain* (distinct labels in first-seen order) and
//! one code per original value into that domain, so the search engine maps dictionary codes of
//! the data to level codes with one vector lookup and never compares strings per row.
//!
//! Hierarchies come from ARX-format CSV files ([`Hierarchy::from_arx_csv`]), from rows
//! ([`Hierarchy::from_rows`]) or from the automatic builders in [`build`] (numeric intervals,
//! quantiles, dates, right-to-left masking) and [`tree`] (categorical trees), chosen on the command line with a
//! [`HierarchySpec`] (see `docs/hierarchies.md`).
//!
//! Every constructor validates: all rows have the same number of levels, no original value
//! appears twice, and each level is a coarsening of the one below (two values sharing a label at
//! level `i` share their label at every level above `i`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

pub mod build;
pub mod spec;
pub mod tree;

pub use build::{DateLevel, IntervalOptions, QuantileOptions};
pub use spec::{HierarchySpec, parse_assignment};
pub use tree::TreeFormat;

/// How many offending values an error lists before it only gives the count.
const MAX_LISTED: usize = 20;

/// A generalisation hierarchy for one attribute: level 0 is the original value, the top level is
/// usually "*" (fully suppressed). Every value has exactly `height()` labels (levels 0..height).
#[derive(Clone, Debug)]
pub struct Hierarchy {
    attribute: String,
    /// `levels[0].domain` are the original values in input order and `levels[0].codes[i] == i`.
    levels: Vec<Level>,
    /// Original value → index in `values()`.
    index: FxHashMap<String, u32>,
}

#[derive(Clone, Debug)]
struct Level {
    /// Distinct labels of this level in first-seen order.
    domain: Vec<String>,
    /// For each original value (by index), the index of its label in `domain`.
    codes: Vec<u32>,
}

/// Where a row came from, for error messages: a line of a file, or a row of a table built in code.
#[derive(Clone, Debug)]
enum Origin {
    File { path: PathBuf, lines: Vec<usize> },
    Rows,
}

impl Origin {
    fn at(&self, row: usize) -> String {
        match self {
            Origin::File { path, lines } => {
                let line = lines.get(row).copied().unwrap_or(row + 1);
                format!("line {line} of {}", path.display())
            }
            Origin::Rows => format!("row {}", row + 1),
        }
    }
}

/// Everything that can be wrong with a hierarchy, its file, a builder option or a spec.
/// Messages name the attribute, the file and line, or the values at fault, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum HierarchyError {
    #[error("hierarchy for '{attribute}': cannot read {}: {source}", path.display())]
    Io {
        attribute: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "hierarchy for '{attribute}': {} line {line} is not valid UTF-8; save the file as UTF-8",
        path.display()
    )]
    NotUtf8 {
        attribute: String,
        path: PathBuf,
        line: usize,
    },

    #[error("hierarchy for '{attribute}': {message}")]
    Format { attribute: String, message: String },

    #[error("hierarchy for '{attribute}' has no values: {reason}")]
    Empty { attribute: String, reason: String },

    #[error(
        "hierarchy for '{attribute}': {at} has {found} fields but {first} has {expected}; every \
         value needs one label per level (value;level1;level2;…)"
    )]
    Ragged {
        attribute: String,
        at: String,
        found: usize,
        first: String,
        expected: usize,
    },

    #[error(
        "hierarchy for '{attribute}': value '{value}' appears twice ({first} and {second}); keep \
         one row per original value"
    )]
    DuplicateValue {
        attribute: String,
        value: String,
        first: String,
        second: String,
    },

    #[error(
        "hierarchy for '{attribute}' is not monotone: level {level} is not a coarsening of level \
         {below} ({count} label(s) split): {}{}; values that share a label must share every \
         coarser label",
        .offenders.join("; "),
        more(*.count, .offenders.len())
    )]
    NotMonotone {
        attribute: String,
        below: usize,
        level: usize,
        count: usize,
        offenders: Vec<String>,
    },

    #[error(
        "hierarchy for '{attribute}' does not cover {count} value(s) found in the data: {}{}; add \
         them to the hierarchy (or build one with a rule, see docs/hierarchies.md)",
        .missing.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", "),
        more(*.count, .missing.len())
    )]
    Uncovered {
        attribute: String,
        count: usize,
        missing: Vec<String>,
    },

    /// A builder cannot use a data value (not a number, not a date, …).
    #[error(
        "hierarchy for '{attribute}': {count} value(s) are not {expected}: {}{}; {hint}",
        .values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", "),
        more(*.count, .values.len())
    )]
    BadValues {
        attribute: String,
        expected: String,
        count: usize,
        values: Vec<String>,
        hint: String,
    },

    /// A builder option or hierarchy spec that makes no sense; the message says which and why.
    #[error("hierarchy for '{attribute}': {message}")]
    Option { attribute: String, message: String },

    /// A command-line hierarchy spec that cannot be parsed.
    #[error("hierarchy spec '{spec}': {message}")]
    Spec { spec: String, message: String },
}

fn more(count: usize, listed: usize) -> String {
    if count > listed {
        format!(" and {} more", count - listed)
    } else {
        String::new()
    }
}

impl HierarchyError {
    /// True when the mistake is in how datalab was called (a bad option or spec, a file that does
    /// not exist) rather than in the content of a hierarchy or the data; the CLI exits with 2.
    pub fn is_usage(&self) -> bool {
        match self {
            HierarchyError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            HierarchyError::Option { .. } | HierarchyError::Spec { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn option(attribute: &str, message: impl Into<String>) -> HierarchyError {
        HierarchyError::Option {
            attribute: attribute.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn format(attribute: &str, message: impl Into<String>) -> HierarchyError {
        HierarchyError::Format {
            attribute: attribute.to_string(),
            message: message.into(),
        }
    }
}

impl Hierarchy {
    /// Rows of labels: row[0] original value, row[i] its level-i label. Validates: same width for
    /// every row (error names the row), no duplicate originals, monotone: equal labels at level i
    /// imply equal labels at level i+1 (each level a coarsening of the one below; the error lists
    /// the offending labels and values).
    pub fn from_rows(attribute: &str, rows: Vec<Vec<String>>) -> Result<Hierarchy, HierarchyError> {
        Self::build(attribute, rows, Origin::Rows)
    }

    /// ARX format: `value;level1;level2;…`, one row per original value, UTF-8 (a byte-order mark
    /// is skipped). Files without any `;` may use tab or `,` instead (tab first when it splits
    /// every line evenly, because interval labels hold commas). Fields may be quoted with `"` (a
    /// quote inside doubled, `""`); blank lines are skipped; `\r\n` line ends are fine.
    pub fn from_arx_csv(attribute: &str, path: &Path) -> Result<Hierarchy, HierarchyError> {
        let bytes = std::fs::read(path).map_err(|source| HierarchyError::Io {
            attribute: attribute.to_string(),
            path: path.to_path_buf(),
            source,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let line = e.as_bytes()[..valid]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                return Err(HierarchyError::NotUtf8 {
                    attribute: attribute.to_string(),
                    path: path.to_path_buf(),
                    line,
                });
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (rows, lines) = parse_arx_text(attribute, path, text)?;
        if rows.is_empty() {
            return Err(HierarchyError::Empty {
                attribute: attribute.to_string(),
                reason: format!(
                    "{} has no rows; give one row per original value: value;level1;level2;…",
                    path.display()
                ),
            });
        }
        Self::build(
            attribute,
            rows,
            Origin::File {
                path: path.to_path_buf(),
                lines,
            },
        )
    }

    fn build(
        attribute: &str,
        rows: Vec<Vec<String>>,
        origin: Origin,
    ) -> Result<Hierarchy, HierarchyError> {
        let Some(first) = rows.first() else {
            return Err(HierarchyError::Empty {
                attribute: attribute.to_string(),
                reason: "no rows given; give one row per original value".to_string(),
            });
        };
        let height = first.len();
        if height == 0 {
            return Err(HierarchyError::format(
                attribute,
                format!("{} has no fields", origin.at(0)),
            ));
        }
        for (r, row) in rows.iter().enumerate() {
            if row.len() != height {
                return Err(HierarchyError::Ragged {
                    attribute: attribute.to_string(),
                    at: origin.at(r),
                    found: row.len(),
                    first: origin.at(0),
                    expected: height,
                });
            }
        }
        if rows.len() > u32::MAX as usize - 1 {
            return Err(HierarchyError::format(
                attribute,
                format!("{} values are more than a hierarchy can hold", rows.len()),
            ));
        }

        let n = rows.len();
        let mut levels: Vec<Level> = (0..height)
            .map(|_| Level {
                domain: Vec::new(),
                codes: Vec::with_capacity(n),
            })
            .collect();
        let mut index: FxHashMap<String, u32> = FxHashMap::default();
        index.reserve(n);
        let mut interners: Vec<FxHashMap<String, u32>> = vec![FxHashMap::default(); height];
        for (r, row) in rows.into_iter().enumerate() {
            for (l, label) in row.into_iter().enumerate() {
                if l == 0 {
                    if let Some(&prev) = index.get(&label) {
                        return Err(HierarchyError::DuplicateValue {
                            attribute: attribute.to_string(),
                            value: label,
                            first: origin.at(prev as usize),
                            second: origin.at(r),
                        });
                    }
                    index.insert(label.clone(), r as u32);
                }
                let level = &mut levels[l];
                let code = match interners[l].get(&label) {
                    Some(&c) => c,
                    None => {
                        let c = level.domain.len() as u32;
                        interners[l].insert(label.clone(), c);
                        level.domain.push(label);
                        c
                    }
                };
                level.codes.push(code);
            }
        }
        let hierarchy = Hierarchy {
            attribute: attribute.to_string(),
            levels,
            index,
        };
        hierarchy.check_monotone()?;
        Ok(hierarchy)
    }

    /// Each level's label must determine the label one level up.
    fn check_monotone(&self) -> Result<(), HierarchyError> {
        for l in 0..self.levels.len().saturating_sub(1) {
            let lower = &self.levels[l];
            let upper = &self.levels[l + 1];
            // For each lower label: the upper code first seen with it and an example value.
            let mut parent: Vec<Option<(u32, usize)>> = vec![None; lower.domain.len()];
            // Lower labels that map to several upper labels: lower code → (upper code, value) pairs.
            let mut split: FxHashMap<u32, Vec<(u32, usize)>> = FxHashMap::default();
            let mut split_order: Vec<u32> = Vec::new();
            for (v, (&lc, &uc)) in lower.codes.iter().zip(&upper.codes).enumerate() {
                match parent[lc as usize] {
                    None => parent[lc as usize] = Some((uc, v)),
                    Some((pu, pv)) if pu != uc => {
                        let entry = split.entry(lc).or_insert_with(|| {
                            split_order.push(lc);
                            vec![(pu, pv)]
                        });
                        if !entry.iter().any(|&(u, _)| u == uc) {
                            entry.push((uc, v));
                        }
                    }
                    Some(_) => {}
                }
            }
            if !split_order.is_empty() {
                let values = &self.levels[0].domain;
                let offenders = split_order
                    .iter()
                    .take(MAX_LISTED)
                    .map(|lc| {
                        let mut s = if l == 0 {
                            format!("value '{}' →", lower.domain[*lc as usize])
                        } else {
                            format!("'{}' →", lower.domain[*lc as usize])
                        };
                        for (i, &(uc, v)) in split[lc].iter().enumerate() {
                            let sep = if i == 0 { " " } else { " and " };
                            let _ = write!(s, "{sep}'{}'", upper.domain[uc as usize]);
                            if l > 0 {
                                let _ = write!(s, " (value '{}')", values[v]);
                            }
                        }
                        s
                    })
                    .collect();
                return Err(HierarchyError::NotMonotone {
                    attribute: self.attribute.clone(),
                    below: l,
                    level: l + 1,
                    count: split_order.len(),
                    offenders,
                });
            }
        }
        Ok(())
    }

    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// Number of levels including level 0 (the original values).
    pub fn height(&self) -> usize {
        self.levels.len()
    }

    /// Original values (level 0), in input order.
    pub fn values(&self) -> &[String] {
        &self.levels[0].domain
    }

    /// Index of an original value in [`values`](Self::values).
    pub fn value_index(&self, value: &str) -> Option<usize> {
        self.index.get(value).map(|&i| i as usize)
    }

    /// The level-`level` label of `value`; `None` when the value is not in the hierarchy or the
    /// level is `height()` or more.
    pub fn label(&self, value: &str, level: usize) -> Option<&str> {
        let v = *self.index.get(value)? as usize;
        let lv = self.levels.get(level)?;
        Some(lv.domain[lv.codes[v] as usize].as_str())
    }

    /// Distinct labels at a level, in first-seen order (the level's "domain"); empty when the
    /// level is `height()` or more.
    pub fn level_domain(&self, level: usize) -> Vec<&str> {
        self.levels
            .get(level)
            .map(|lv| lv.domain.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Number of distinct labels at a level (0 when the level is `height()` or more).
    pub fn level_size(&self, level: usize) -> usize {
        self.levels.get(level).map_or(0, |lv| lv.domain.len())
    }

    /// For each original value (by index in `values()`), the index of its label in
    /// `level_domain(level)`. Empty when the level is `height()` or more.
    pub fn level_codes(&self, level: usize) -> Vec<u32> {
        self.levels
            .get(level)
            .map(|lv| lv.codes.clone())
            .unwrap_or_default()
    }

    /// The roll-up from `level` to `level + 1`: for each index in `level_domain(level)`, the index
    /// of its parent in `level_domain(level + 1)` (well defined because levels are monotone).
    /// Empty when `level + 1` is `height()` or more.
    pub fn parent_codes(&self, level: usize) -> Vec<u32> {
        let (Some(lower), Some(upper)) = (self.levels.get(level), self.levels.get(level + 1))
        else {
            return Vec::new();
        };
        let mut parent = vec![0u32; lower.domain.len()];
        for (&lc, &uc) in lower.codes.iter().zip(&upper.codes) {
            parent[lc as usize] = uc;
        }
        parent
    }

    /// Values seen in the data but absent from the hierarchy → error listing them (the first 20 in
    /// first-seen order, and the count). Repeated values are reported once.
    pub fn check_covers<'a>(
        &self,
        data_values: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), HierarchyError> {
        let mut seen: FxHashMap<&'a str, ()> = FxHashMap::default();
        let mut missing = Vec::new();
        let mut count = 0usize;
        for v in data_values {
            if self.index.contains_key(v) || seen.insert(v, ()).is_some() {
                continue;
            }
            count += 1;
            if missing.len() < MAX_LISTED {
                missing.push(v.to_string());
            }
        }
        if count == 0 {
            Ok(())
        } else {
            Err(HierarchyError::Uncovered {
                attribute: self.attribute.clone(),
                count,
                missing,
            })
        }
    }

    /// The level as a lookup table for [`GroupBy::mapped`](datalab_data::provider::GroupBy::mapped)
    /// (original value → level label); `None` when the level is `height()` or more.
    pub fn value_map(&self, level: usize) -> Option<datalab_data::provider::ValueMap> {
        let lv = self.levels.get(level)?;
        Some(datalab_data::provider::ValueMap::new(
            self.values()
                .iter()
                .zip(&lv.codes)
                .map(|(v, &c)| (v.clone(), lv.domain[c as usize].clone())),
        ))
    }

    /// Rows of labels, as given to [`from_rows`](Self::from_rows).
    pub fn rows(&self) -> Vec<Vec<String>> {
        (0..self.values().len())
            .map(|v| {
                self.levels
                    .iter()
                    .map(|lv| lv.domain[lv.codes[v] as usize].clone())
                    .collect()
            })
            .collect()
    }

    /// Writes ARX format: `value;level1;…`, one line per value, `\n` line ends. Fields holding
    /// `;`, `"`, a line break or surrounding spaces are quoted (`"…"`, inner quotes doubled), which
    /// [`from_arx_csv`](Self::from_arx_csv) reads back.
    pub fn to_arx_csv(&self) -> String {
        let mut out = String::new();
        for v in 0..self.values().len() {
            for (l, lv) in self.levels.iter().enumerate() {
                if l > 0 {
                    out.push(';');
                }
                write_field(
                    &mut out,
                    &lv.domain[lv.codes[v] as usize],
                    self.height() == 1,
                );
            }
            out.push('\n');
        }
        out
    }
}

fn write_field(out: &mut String, field: &str, single_column: bool) {
    let needs_quotes = field.contains([';', '"', '\n', '\r'])
        // Without a `;` on the line a reader would take `,` or tab for the delimiter.
        || (single_column && field.contains([',', '\t']))
        || field.starts_with([' ', '\t', '\u{feff}'])
        || field.ends_with([' ', '\t'])
        // A lone empty field on a line would read back as a blank line.
        || field.is_empty();
    if needs_quotes {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// Splits the text into records (with the line each starts on), honouring quotes.
fn parse_records(
    attribute: &str,
    path: &Path,
    text: &str,
    delimiter: char,
) -> Result<(Vec<Vec<String>>, Vec<usize>), HierarchyError> {
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut row_line = 1usize;
    let mut field_quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if at_field_start && c == '"' {
            // Quoted field: read to the closing quote.
            let start_line = line;
            loop {
                match chars.next() {
                    None => {
                        return Err(HierarchyError::format(
                            attribute,
                            format!(
                                "{}: the quote opened on line {start_line} is never closed",
                                path.display()
                            ),
                        ));
                    }
                    Some('"') => {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            field.push('"');
                        } else {
                            break;
                        }
                    }
                    Some(ch) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        field.push(ch);
                    }
                }
            }
            field_quoted = true;
            at_field_start = false;
            match chars.peek() {
                None | Some('\n') | Some('\r') => {}
                Some(&d) if d == delimiter => {}
                Some(_) => {
                    return Err(HierarchyError::format(
                        attribute,
                        format!(
                            "{} line {line}: text after a closing quote; double quotes inside a \
                             quoted field (\"\")",
                            path.display()
                        ),
                    ));
                }
            }
            continue;
        }
        at_field_start = false;
        if c == delimiter {
            row.push(std::mem::take(&mut field));
            field_quoted = false;
            at_field_start = true;
        } else if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            let blank = row.is_empty() && field.is_empty() && !field_quoted;
            if !blank {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                lines.push(row_line);
            }
            field.clear();
            field_quoted = false;
            at_field_start = true;
            line += 1;
            row_line = line;
        } else {
            field.push(c);
        }
    }
    if !(row.is_empty() && field.is_empty() && !field_quoted) {
        row.push(field);
        rows.push(row);
        lines.push(row_line);
    }
    Ok((rows, lines))
}

/// Parses ARX hierarchy text. The delimiter is `;` when the text has one anywhere; else tab when
/// it splits every line into the same number (> 1) of fields (interval labels such as `[1, 5[`
/// hold commas, never tabs); else `,` when present; else tab when present (the width check then
/// names the ragged line); else every line is one field (a hierarchy of height 1).
fn parse_arx_text(
    attribute: &str,
    path: &Path,
    text: &str,
) -> Result<(Vec<Vec<String>>, Vec<usize>), HierarchyError> {
    if contains_unquoted(text, ';') {
        return parse_records(attribute, path, text, ';');
    }
    let has_comma = contains_unquoted(text, ',');
    if contains_unquoted(text, '\t') {
        let (rows, lines) = parse_records(attribute, path, text, '\t')?;
        let width = rows.first().map_or(0, Vec::len);
        if (width > 1 && rows.iter().all(|r| r.len() == width)) || !has_comma {
            return Ok((rows, lines));
        }
    }
    parse_records(attribute, path, text, if has_comma { ',' } else { ';' })
}

/// Whether `c` occurs outside `"…"` quoted fields (a quote opens a field only at the start of a
/// line or after a candidate delimiter, as in [`parse_records`]).
fn contains_unquoted(text: &str, c: char) -> bool {
    let mut quoted = false;
    let mut prev = '\n';
    for ch in text.chars() {
        if quoted {
            if ch == '"' {
                quoted = false;
            }
        } else if ch == '"' && matches!(prev, '\n' | '\r' | ';' | ',' | '\t' | '"') {
            // A field start, or the second quote of a doubled `""` inside a quoted field.
            quoted = true;
        } else if ch == c {
            return true;
        }
        prev = ch;
    }
    false
}

#[cfg(test)]
mod tests;
