//! The privacy-budget ledger: one SQLite file in the lab home (`ledger.sqlite`), WAL mode.
//!
//! The holder sets a total (ε, δ) per (dataset, recipient). Every answered query records its
//! text, time and loss as zCDP ρ plus the δ₀ of partition selection; losses compose by adding ρ
//! and δ₀ (rounded upwards) and the total is converted to ε at the budget's δ with OpenDP. The
//! check and the spend run in one `BEGIN IMMEDIATE` transaction, so two processes cannot both
//! pass the check on the last of the budget.

use std::path::Path;
use std::time::Duration;

use datalab_data::error::Context;
use datalab_data::{DataError, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::mech::{add_up, epsilon_of};

pub const LEDGER_FILE: &str = "ledger.sqlite";

pub struct Ledger {
    conn: Connection,
}

/// One recorded spend.
#[derive(Clone, Debug, Serialize)]
pub struct SpendRecord {
    pub at: String,
    pub query: String,
    /// The ε asked for (the query's loss on its own at the budget's δ).
    pub epsilon: f64,
    pub rho: f64,
    pub delta: f64,
}

/// A budget and what is left of it.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub dataset: String,
    pub recipient: String,
    pub epsilon_total: f64,
    pub delta_total: f64,
    pub set_at: String,
    /// Composed loss so far: ρ and δ₀ summed upwards, ε from OpenDP's conversion at `delta_total`.
    pub rho_spent: f64,
    pub delta_spent: f64,
    pub epsilon_spent: f64,
    pub epsilon_left: f64,
    pub queries: Vec<SpendRecord>,
}

/// What a query would spend.
#[derive(Clone, Debug)]
pub struct Spend {
    pub query: String,
    pub epsilon: f64,
    pub rho: f64,
    pub delta: f64,
}

#[derive(Debug)]
pub enum SpendOutcome {
    Recorded(Status),
    Refused { status: Status, reason: String },
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn usage_no_budget(dataset: &str, recipient: &str) -> DataError {
    DataError::usage(format!(
        "no privacy budget for '{recipient}' on '{dataset}': the holder sets one with `datalab dp budget {dataset} --as {recipient} --set EPSILON`"
    ))
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger> {
        let conn = Connection::open(path).ctx(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(120))
            .ctx(|| "setting the busy timeout")?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .ctx(|| "enabling WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")
            .ctx(|| "setting synchronous")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS dp_budget (
                 dataset TEXT NOT NULL, recipient TEXT NOT NULL,
                 epsilon REAL NOT NULL, delta REAL NOT NULL, set_at TEXT NOT NULL,
                 PRIMARY KEY (dataset, recipient));
             CREATE TABLE IF NOT EXISTS dp_spend (
                 id INTEGER PRIMARY KEY, dataset TEXT NOT NULL, recipient TEXT NOT NULL,
                 at TEXT NOT NULL, query TEXT NOT NULL,
                 epsilon REAL NOT NULL, rho REAL NOT NULL, delta REAL NOT NULL);
             CREATE INDEX IF NOT EXISTS dp_spend_by ON dp_spend (dataset, recipient);",
        )
        .ctx(|| format!("creating the ledger tables in {}", path.display()))?;
        Ok(Ledger { conn })
    }

    /// Sets (replaces) the total budget. A budget below what is spent leaves nothing to spend.
    pub fn set_budget(
        &mut self,
        dataset: &str,
        recipient: &str,
        epsilon: f64,
        delta: f64,
    ) -> Result<Status> {
        if !(epsilon >= 0.0 && epsilon.is_finite()) {
            return Err(DataError::usage(format!(
                "--set {epsilon}: ε must be a finite number ≥ 0"
            )));
        }
        if !(delta > 0.0 && delta < 1.0) {
            return Err(DataError::usage(format!(
                "--delta {delta}: δ must be within (0, 1)"
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(|| "starting a ledger write")?;
        tx.execute(
            "INSERT INTO dp_budget (dataset, recipient, epsilon, delta, set_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (dataset, recipient) DO UPDATE SET epsilon = ?3, delta = ?4, set_at = ?5",
            params![dataset, recipient, epsilon, delta, now()],
        )
        .ctx(|| "setting the budget")?;
        let st = status_in(&tx, dataset, recipient)?
            .ok_or_else(|| usage_no_budget(dataset, recipient))?;
        tx.commit().ctx(|| "committing the budget")?;
        Ok(st)
    }

    pub fn status(&self, dataset: &str, recipient: &str) -> Result<Option<Status>> {
        status_in(&self.conn, dataset, recipient)
    }

    /// Checks that `spend` fits what is left and records it, atomically. Refuses (recording
    /// nothing) when the composed loss would pass the budget.
    pub fn spend(&mut self, dataset: &str, recipient: &str, spend: &Spend) -> Result<SpendOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(|| "starting a ledger write")?;
        let status = status_in(&tx, dataset, recipient)?
            .ok_or_else(|| usage_no_budget(dataset, recipient))?;
        let verdict = check(&status, spend)?;
        if let Ok(ms) = std::env::var("DATALAB_TEST_LEDGER_STALL_MS")
            && let Ok(ms) = ms.parse::<u64>()
        {
            // Test hook: hold the write lock between check and record, so concurrent processes
            // really overlap.
            std::thread::sleep(Duration::from_millis(ms));
        }
        if let Err(reason) = verdict {
            drop(tx); // rolls back
            return Ok(SpendOutcome::Refused { status, reason });
        }
        tx.execute(
            "INSERT INTO dp_spend (dataset, recipient, at, query, epsilon, rho, delta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![dataset, recipient, now(), spend.query, spend.epsilon, spend.rho, spend.delta],
        )
        .ctx(|| "recording the spend")?;
        let after = status_in(&tx, dataset, recipient)?
            .ok_or_else(|| usage_no_budget(dataset, recipient))?;
        tx.commit().ctx(|| "committing the spend")?;
        Ok(SpendOutcome::Recorded(after))
    }
}

/// `Ok(Ok(()))` when `spend` fits what `status` leaves; `Ok(Err(reason))` when it does not.
pub fn check(status: &Status, spend: &Spend) -> Result<std::result::Result<(), String>> {
    let rho = add_up(status.rho_spent, spend.rho)?;
    let delta0 = add_up(status.delta_spent, spend.delta)?;
    if delta0 >= status.delta_total {
        return Ok(Err(format!(
            "the query needs δ = {:e} for partition selection and {:e} of δ = {:e} is already spent",
            spend.delta, status.delta_spent, status.delta_total
        )));
    }
    let eps = epsilon_of(rho, delta0, status.delta_total)?;
    if eps > status.epsilon_total {
        return Ok(Err(format!(
            "the query would bring the spent ε from {:.6} to {:.6}, over the budget of {}; ε left: {:.6}",
            status.epsilon_spent, eps, status.epsilon_total, status.epsilon_left
        )));
    }
    Ok(Ok(()))
}

fn status_in(conn: &Connection, dataset: &str, recipient: &str) -> Result<Option<Status>> {
    let budget: Option<(f64, f64, String)> = conn
        .query_row(
            "SELECT epsilon, delta, set_at FROM dp_budget WHERE dataset = ?1 AND recipient = ?2",
            params![dataset, recipient],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .ctx(|| "reading the budget")?;
    let Some((epsilon_total, delta_total, set_at)) = budget else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare("SELECT at, query, epsilon, rho, delta FROM dp_spend WHERE dataset = ?1 AND recipient = ?2 ORDER BY id")
        .ctx(|| "reading the spends")?;
    let queries: Vec<SpendRecord> = stmt
        .query_map(params![dataset, recipient], |r| {
            Ok(SpendRecord {
                at: r.get(0)?,
                query: r.get(1)?,
                epsilon: r.get(2)?,
                rho: r.get(3)?,
                delta: r.get(4)?,
            })
        })
        .ctx(|| "reading the spends")?
        .collect::<rusqlite::Result<_>>()
        .ctx(|| "reading the spends")?;
    let (mut rho, mut delta) = (0.0, 0.0);
    for q in &queries {
        rho = add_up(rho, q.rho)?;
        delta = add_up(delta, q.delta)?;
    }
    let epsilon_spent = if delta >= delta_total {
        f64::INFINITY
    } else {
        epsilon_of(rho, delta, delta_total)?
    };
    Ok(Some(Status {
        dataset: dataset.into(),
        recipient: recipient.into(),
        epsilon_total,
        delta_total,
        set_at,
        rho_spent: rho,
        delta_spent: delta,
        epsilon_spent,
        epsilon_left: (epsilon_total - epsilon_spent).max(0.0),
        queries,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_budget_and_records_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(&dir.path().join(LEDGER_FILE)).unwrap();
        assert!(
            l.spend(
                "d",
                "r",
                &Spend {
                    query: "q".into(),
                    epsilon: 1.0,
                    rho: 0.01,
                    delta: 0.0
                }
            )
            .is_err()
        );
        l.set_budget("d", "r", 1.0, 1e-6).unwrap();
        let rho = crate::mech::rho_for(0.6, 0.0, 1e-6).unwrap();
        let s = Spend {
            query: "SELECT COUNT(*) FROM d".into(),
            epsilon: 0.6,
            rho,
            delta: 0.0,
        };
        assert!(matches!(
            l.spend("d", "r", &s).unwrap(),
            SpendOutcome::Recorded(_)
        ));
        let st = l.status("d", "r").unwrap().unwrap();
        assert!(st.epsilon_spent <= 0.6 && st.epsilon_spent > 0.59);
        // Two ε = 0.6 queries compose in zCDP to less than 1 (ρ adds, ε grows like √ρ) …
        assert!(matches!(
            l.spend("d", "r", &s).unwrap(),
            SpendOutcome::Recorded(_)
        ));
        // … a third would pass ε = 1 and is refused, recording nothing.
        match l.spend("d", "r", &s).unwrap() {
            SpendOutcome::Refused { status, .. } => assert_eq!(status.queries.len(), 2),
            o => panic!("{o:?}"),
        }
        let st = l.status("d", "r").unwrap().unwrap();
        assert_eq!(st.queries.len(), 2);
        assert!(
            st.epsilon_spent < 1.0 && st.epsilon_spent > 0.8,
            "{}",
            st.epsilon_spent
        );
        // Other recipients have their own budget.
        assert!(l.status("d", "other").unwrap().is_none());
    }
}
