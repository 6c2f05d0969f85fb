//! The query model: what a DP query asks, independent of how it was written (SQL or JSON).

use serde::{Deserialize, Serialize};

/// One DP query over one dataset. Written as SQL (`crate::sql::parse`) or as this JSON.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    /// The table named in `FROM`: must be the dataset the query runs on.
    pub from: String,
    /// The aggregates released, in order.
    pub select: Vec<Aggregate>,
    /// Row filter (`WHERE`); constants only, never values computed from the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Predicate>,
    /// `GROUP BY` columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
}

/// Lower and upper bound of a column, declared by whoever asks (never read from the data).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Bounds {
    pub lower: f64,
    pub upper: f64,
}

/// One released aggregate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "fn", rename_all = "snake_case", deny_unknown_fields)]
pub enum Aggregate {
    /// `COUNT(*)`: rows (after the filter and contribution bounding).
    Count,
    /// `COUNT(DISTINCT column)`: distinct non-null values, normally of the subject column.
    CountDistinct { column: String },
    /// `SUM(column)` of values clamped to the bounds; nulls skipped.
    Sum {
        column: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bounds: Option<Bounds>,
    },
    /// `AVG(column)` = noisy sum / noisy count of the non-null values, clamped to the bounds.
    Avg {
        column: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bounds: Option<Bounds>,
    },
    /// `QUANTILE(column, q)` with the exponential mechanism over candidates inside the bounds.
    Quantile {
        column: String,
        q: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bounds: Option<Bounds>,
    },
}

impl Aggregate {
    /// The numeric column this aggregate reads, if any.
    pub fn column(&self) -> Option<&str> {
        match self {
            Aggregate::Count => None,
            Aggregate::CountDistinct { column }
            | Aggregate::Sum { column, .. }
            | Aggregate::Avg { column, .. }
            | Aggregate::Quantile { column, .. } => Some(column),
        }
    }

    pub fn bounds(&self) -> Option<Bounds> {
        match self {
            Aggregate::Sum { bounds, .. }
            | Aggregate::Avg { bounds, .. }
            | Aggregate::Quantile { bounds, .. } => *bounds,
            _ => None,
        }
    }

    pub fn needs_bounds(&self) -> bool {
        matches!(
            self,
            Aggregate::Sum { .. } | Aggregate::Avg { .. } | Aggregate::Quantile { .. }
        )
    }

    /// The label in results, e.g. `SUM(income)`.
    pub fn label(&self) -> String {
        match self {
            Aggregate::Count => "COUNT(*)".into(),
            Aggregate::CountDistinct { column } => format!("COUNT(DISTINCT {column})"),
            Aggregate::Sum { column, .. } => format!("SUM({column})"),
            Aggregate::Avg { column, .. } => format!("AVG({column})"),
            Aggregate::Quantile { column, q, .. } => format!("QUANTILE({column}, {q})"),
        }
    }
}

/// A literal in a predicate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Number(f64),
    Text(String),
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum CmpOp {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "<>")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

/// A `WHERE` predicate on public constants.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Predicate {
    And {
        args: Vec<Predicate>,
    },
    Or {
        args: Vec<Predicate>,
    },
    Not {
        arg: Box<Predicate>,
    },
    Cmp {
        column: String,
        cmp: CmpOp,
        value: Literal,
    },
    In {
        column: String,
        values: Vec<Literal>,
        #[serde(default)]
        negated: bool,
    },
    Between {
        column: String,
        low: Literal,
        high: Literal,
        #[serde(default)]
        negated: bool,
    },
    IsNull {
        column: String,
        #[serde(default)]
        negated: bool,
    },
}

impl Predicate {
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Predicate::And { args } | Predicate::Or { args } => {
                args.iter().for_each(|a| a.columns(out))
            }
            Predicate::Not { arg } => arg.columns(out),
            Predicate::Cmp { column, .. }
            | Predicate::In { column, .. }
            | Predicate::Between { column, .. }
            | Predicate::IsNull { column, .. } => {
                if !out.contains(column) {
                    out.push(column.clone())
                }
            }
        }
    }
}
