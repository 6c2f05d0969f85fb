//! Differential-privacy queries for datalab (docs/dp.md): a small SQL subset (or its JSON
//! form), declared column bounds, contribution bounding per privacy unit, OpenDP mechanisms with
//! an accuracy statement for every answer, and a per-(dataset, recipient) budget ledger.
//!
//! Order of a query: plan (bounds, sensitivities, calibrated mechanisms, the loss) → check the
//! ledger (refuse without reading data) → exact aggregates in one pass → check-and-record in
//! one `BEGIN IMMEDIATE` transaction → only then draw the noise.

pub mod exec;
pub mod ledger;
pub mod mech;
pub mod spec;
pub mod sql;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use datalab_data::{DataError, Result};
use serde::Serialize;

pub use exec::{Answer, GroupAnswer, Options, Plan};
pub use ledger::{LEDGER_FILE, Ledger, Spend, SpendOutcome, Status};
pub use spec::QuerySpec;

/// Significance of every interval: 95 % confidence.
pub const ALPHA: f64 = 0.05;

pub struct QueryRequest {
    pub dataset: String,
    pub recipient: String,
    /// The query as written (recorded in the ledger).
    pub text: String,
    pub spec: QuerySpec,
    /// The query's ε on its own, at the budget's δ.
    pub epsilon: f64,
    pub options: Options,
}

#[derive(Debug, Serialize)]
pub struct QueryResult {
    pub dataset: String,
    pub recipient: String,
    pub query: String,
    /// "row", or "subject (COLUMN)".
    pub privacy_unit: String,
    /// Rows one privacy unit may contribute (1 for rows).
    pub max_rows_per_unit: u32,
    /// The loss of this query: the ε asked for, its zCDP ρ and the δ of partition selection.
    pub epsilon: f64,
    pub rho: f64,
    pub delta: f64,
    pub groups: Vec<GroupAnswer>,
    /// The budget after this query.
    pub budget: Status,
}

#[derive(Debug)]
pub enum Outcome {
    Answered(Box<QueryResult>),
    /// Nothing was drawn or recorded.
    Refused {
        reason: String,
        budget: Box<Status>,
    },
}

/// Runs one query against the ledger. `batches` is read only after the pre-check passes.
pub fn run(
    ledger: &mut Ledger,
    req: QueryRequest,
    schema: &Schema,
    batches: impl Iterator<Item = Result<RecordBatch>>,
) -> Result<Outcome> {
    if !req.spec.from.eq_ignore_ascii_case(&req.dataset) {
        return Err(DataError::usage(format!(
            "the query reads FROM {} but runs on {}: name the dataset in FROM",
            req.spec.from, req.dataset
        )));
    }
    let status = ledger.status(&req.dataset, &req.recipient)?.ok_or_else(|| {
        DataError::usage(format!(
            "no privacy budget for '{}' on '{}': the holder sets one with `datalab dp budget {} --as {} --set EPSILON`",
            req.recipient, req.dataset, req.dataset, req.recipient
        ))
    })?;
    let mut options = req.options.clone();
    let needs_selection = !req.spec.group_by.is_empty()
        && !req
            .spec
            .group_by
            .iter()
            .all(|g| options.public_keys.contains_key(g));
    if options.selection_delta <= 0.0 {
        options.selection_delta = status.delta_total / 10.0;
    }
    let delta_q = if needs_selection {
        options.selection_delta
    } else {
        0.0
    };
    let rho = mech::rho_for(req.epsilon, delta_q, status.delta_total)?;
    let plan = Plan::new(req.spec.clone(), schema, &options, rho)?;
    let spend = Spend {
        query: req.text.clone(),
        epsilon: req.epsilon,
        rho: plan.rho,
        delta: plan.delta0,
    };
    if let Err(reason) = ledger::check(&status, &spend)? {
        return Ok(Outcome::Refused {
            reason,
            budget: Box::new(status),
        });
    }
    let exact = plan.compute(batches)?;
    let budget = match ledger.spend(&req.dataset, &req.recipient, &spend)? {
        SpendOutcome::Refused { status, reason } => {
            return Ok(Outcome::Refused {
                reason,
                budget: Box::new(status),
            });
        }
        SpendOutcome::Recorded(s) => s,
    };
    let groups = exact.release(&plan, ALPHA)?;
    Ok(Outcome::Answered(Box::new(QueryResult {
        dataset: req.dataset,
        recipient: req.recipient,
        query: req.text,
        privacy_unit: match &options.subject {
            Some(s) => format!("subject ({s})"),
            None => "row".into(),
        },
        max_rows_per_unit: plan.contribution_bound(),
        epsilon: req.epsilon,
        rho: plan.rho,
        delta: plan.delta0,
        groups,
        budget,
    })))
}

#[cfg(test)]
mod tests;
