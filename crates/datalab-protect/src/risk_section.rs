//! The risk section shared by `datalab risk` and every anonymisation report: the attacker
//! models and assumptions, the numbers before and after protection, the verdict against
//! thresholds and a plain-language paragraph for a data-protection impact assessment (DPIA).

use serde::{Deserialize, Serialize};

use crate::risk::{RiskError, RiskReport, analyze};

/// Thresholds of the verdict (defaults documented in docs/risk.md).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskThresholds {
    /// Highest prosecutor risk of any record. 0.09 is the European Medicines Agency's threshold
    /// for publishing clinical reports (EMA Policy 0070 guidance).
    pub max_risk: f64,
    /// Average prosecutor risk.
    pub avg_risk: f64,
    /// Estimated share of population uniques (only judged when a population is known).
    pub population_uniqueness: f64,
}

impl Default for RiskThresholds {
    fn default() -> Self {
        RiskThresholds {
            max_risk: 0.09,
            avg_risk: 0.05,
            population_uniqueness: 0.01,
        }
    }
}

impl RiskThresholds {
    pub fn validate(&self) -> Result<(), RiskError> {
        for (name, v) in [
            ("max-risk", self.max_risk),
            ("avg-risk", self.avg_risk),
            ("population-uniqueness", self.population_uniqueness),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(RiskError::Usage(format!(
                    "--{name} {v}: give a share between 0 and 1"
                )));
            }
        }
        Ok(())
    }
}

/// What the risk section needs besides the data: thresholds and, optionally, the population
/// the data is a sample of.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskSettings {
    pub thresholds: RiskThresholds,
    pub population: Option<u64>,
    /// How the population was given (e.g. "317238626 (USA preset)"), for the text.
    pub population_label: Option<String>,
    /// What the data is called in the DPIA paragraph (default "the data").
    pub data_label: Option<String>,
}

/// One measure compared with its threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskCheck {
    pub measure: String,
    pub value: f64,
    pub threshold: f64,
    pub passed: bool,
}

/// The measures of `report` compared with the thresholds.
pub fn checks(report: &RiskReport, t: &RiskThresholds) -> Vec<RiskCheck> {
    let check = |measure: &str, value: f64, threshold: f64| RiskCheck {
        measure: measure.to_string(),
        value,
        threshold,
        passed: value <= threshold,
    };
    let mut v = vec![
        check(
            "highest risk (prosecutor)",
            report.sample.highest_risk,
            t.max_risk,
        ),
        check(
            "average risk (prosecutor)",
            report.sample.average_prosecutor_risk,
            t.avg_risk,
        ),
    ];
    if let Some(share) = report.population.as_ref().and_then(|p| p.dankar.share) {
        v.push(check(
            "population uniques (Dankar's rule)",
            share,
            t.population_uniqueness,
        ));
    }
    v
}

/// The attacker models and assumptions every risk section states.
pub fn assumptions(qis: &[String], settings: &RiskSettings) -> Vec<String> {
    let mut a = vec![
        format!(
            "The attacker knows the quasi-identifiers {} of the people they look for, and nothing else in the data.",
            qis.join(", ")
        ),
        "Prosecutor model: the attacker knows the person is in the data; a record's risk is 1 / the number of records sharing its quasi-identifier values.".to_string(),
        "Marketer model: the attacker tries to link every record; the risk is the expected share of records linked correctly.".to_string(),
    ];
    match (&settings.population, &settings.population_label) {
        (Some(_), Some(label)) => a.push(format!(
            "Journalist model: the data is a random sample of a population of {label}; population uniqueness is estimated with Pitman, Zayatz and SNB and chosen by Dankar et al.'s rule."
        )),
        (Some(n), None) => a.push(format!(
            "Journalist model: the data is a random sample of a population of {n}; population uniqueness is estimated with Pitman, Zayatz and SNB and chosen by Dankar et al.'s rule."
        )),
        _ => a.push(
            "No population size was given: the journalist model is not evaluated separately (its risks are at most the prosecutor's).".to_string(),
        ),
    }
    a
}

/// The DPIA paragraph for one analysis (`after` = the protected data, when there is one).
pub fn dpia_paragraph(
    label: &str,
    qis: &[String],
    before: &RiskReport,
    after: Option<&RiskReport>,
    settings: &RiskSettings,
    checks: &[RiskCheck],
) -> String {
    let describe = |r: &RiskReport| {
        let s = &r.sample;
        format!(
            "of {} records, {} ({:.1}%) are unique on these attributes; the highest risk of any record is {:.3} and the \
             average risk {:.3} under the prosecutor model (the attacker knows the person is in the data); under the \
             marketer model (linking the whole data set) the expected share of correctly re-identified records is {:.3}",
            s.records,
            s.sample_uniques,
            100.0 * s.sample_uniques_share,
            s.highest_risk,
            s.average_prosecutor_risk,
            s.marketer_risk
        )
    };
    let population = |r: &RiskReport| -> String {
        let Some(p) = &r.population else {
            return String::new();
        };
        let pop = settings
            .population_label
            .clone()
            .unwrap_or_else(|| p.population.to_string());
        match p.dankar.share {
            Some(share) => format!(
                " Assuming the data is a random sample of a population of {pop}, an estimated {:.4}% of the population \
                 is unique on these attributes (Dankar et al.'s rule).",
                100.0 * share
            ),
            None => " The population-uniqueness estimators were not applicable to this data."
                .to_string(),
        }
    };
    let mut text = format!(
        "The re-identification risk of {label} was assessed with datalab for an attacker who knows the quasi-identifiers {}. ",
        qis.join(", ")
    );
    match after {
        None => {
            let d = describe(before);
            text.push_str(&capitalise(&d));
            text.push('.');
            text.push_str(&population(before));
        }
        Some(after) => {
            text.push_str("Before protection, ");
            text.push_str(&describe(before));
            text.push('.');
            text.push_str(&population(before));
            text.push_str(" After protection, ");
            text.push_str(&describe(after));
            text.push('.');
            text.push_str(&population(after));
        }
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.measure.as_str())
        .collect();
    if failed.is_empty() {
        text.push_str(" All measured risks are within the thresholds set for this assessment (");
        text.push_str(&thresholds_text(checks));
        text.push_str(").");
    } else {
        text.push_str(&format!(
            " The following exceed the thresholds set for this assessment ({}): {}; the data should be further \
             protected before release.",
            thresholds_text(checks),
            failed.join(", ")
        ));
    }
    text
}

fn thresholds_text(checks: &[RiskCheck]) -> String {
    checks
        .iter()
        .map(|c| format!("{} ≤ {}", c.measure, c.threshold))
        .collect::<Vec<_>>()
        .join("; ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The risk section of an anonymisation report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RiskSection {
    pub quasi_identifiers: Vec<String>,
    pub assumptions: Vec<String>,
    pub thresholds: RiskThresholds,
    pub population: Option<u64>,
    pub before: RiskReport,
    /// `None` when no record was released.
    pub after: Option<RiskReport>,
    /// The verdict on the released data (on the input when nothing was released).
    pub checks: Vec<RiskCheck>,
    pub passed: bool,
    pub dpia_paragraph: String,
}

/// Builds the risk section from the class sizes over the quasi-identifiers before and after.
pub fn section(
    label: &str,
    qis: &[String],
    before_sizes: &[u64],
    after_sizes: &[u64],
    settings: &RiskSettings,
) -> Result<RiskSection, RiskError> {
    settings.thresholds.validate()?;
    let t = settings.thresholds.max_risk;
    let before = analyze(before_sizes, t, settings.population)?;
    let after = if after_sizes.iter().any(|&s| s > 0) {
        Some(analyze(after_sizes, t, settings.population)?)
    } else {
        None
    };
    let checks = checks(after.as_ref().unwrap_or(&before), &settings.thresholds);
    let passed = after.is_some() && checks.iter().all(|c| c.passed);
    let dpia_paragraph = dpia_paragraph(label, qis, &before, after.as_ref(), settings, &checks);
    Ok(RiskSection {
        quasi_identifiers: qis.to_vec(),
        assumptions: assumptions(qis, settings),
        thresholds: settings.thresholds,
        population: settings.population,
        before,
        after,
        checks,
        passed,
        dpia_paragraph,
    })
}

/// The result of `datalab risk`: one data set's risk, the verdict and the DPIA paragraph.
#[derive(Clone, Debug, Serialize)]
pub struct RiskAnalysis {
    pub data: String,
    pub quasi_identifiers: Vec<String>,
    pub assumptions: Vec<String>,
    pub thresholds: RiskThresholds,
    pub population: Option<u64>,
    pub population_label: Option<String>,
    pub report: RiskReport,
    /// Journalist risk against a population table, when one was given.
    pub journalist: Option<crate::risk::JournalistRisk>,
    /// SUDA special uniques (with `--suda`).
    pub special_uniques: Option<crate::risk_suda::SudaSummary>,
    /// sdcMicro-style individual risk (with `--weights`).
    pub individual: Option<crate::risk_individual::IndividualRiskSummary>,
    pub checks: Vec<RiskCheck>,
    pub passed: bool,
    pub dpia_paragraph: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_follows_the_thresholds() {
        let settings = RiskSettings::default();
        let qis = vec!["age".to_string(), "zip".to_string()];
        // Before: uniques; after: classes of 12 and 3 × 30 (highest risk 1/12 ≈ 0.083 ≤ 0.09,
        // average 4/102 ≈ 0.039 ≤ 0.05).
        let s = section("t", &qis, &[1, 1, 30], &[12, 30, 30, 30], &settings).unwrap();
        assert!(s.passed);
        assert_eq!(s.before.sample.highest_risk, 1.0);
        let after = s.after.as_ref().unwrap();
        assert!((after.sample.highest_risk - 1.0 / 12.0).abs() < 1e-12);
        assert!(s.dpia_paragraph.contains("Before protection"));
        assert!(s.dpia_paragraph.contains("within the thresholds"));
        // Classes of 10: 0.1 > 0.09 fails.
        let s = section("t", &qis, &[1, 1, 30], &[10, 22], &settings).unwrap();
        assert!(!s.passed);
        assert!(s.dpia_paragraph.contains("highest risk (prosecutor)"));
        // Nothing released: no verdict of success.
        let s = section("t", &qis, &[1, 1, 30], &[], &settings).unwrap();
        assert!(s.after.is_none() && !s.passed);
    }

    #[test]
    fn bad_thresholds_are_usage_errors() {
        let mut settings = RiskSettings::default();
        settings.thresholds.avg_risk = 1.5;
        assert!(section("t", &["a".into()], &[1], &[1], &settings).is_err());
    }
}
