//! The release certificate: what `credentialSubject` states about a release, and issuing it
//! as a Verifiable Credential signed by the lab's did:key (docs/certificates.md).

use datalab_data::container::LabHome;
use datalab_data::{DataError, Result};
use datalab_protect::pseudonymize::Policy;
use serde_json::{Value, json};

use crate::release_cmd::ReleaseReport;

/// How long a release certificate is valid: the risk judgement should be renewed as other data
/// about the same people appears.
const VALID_DAYS: i64 = 730;

/// The facts the certificate states: hashes, container ids, every transform with its
/// parameters (key ids, never keys), the models and the values measured on the output,
/// quality, utility, tool and time.
pub fn subject(report: &ReleaseReport, key_id: Option<&str>, policy: &Policy) -> Value {
    let anonymization = report.anonymization.as_ref().map(|r| {
        let after = r.risk.after.as_ref();
        json!({
            "quasiIdentifiers": r.quasi_identifiers.iter().zip(&r.levels).map(|(q, l)| json!({
                "column": q.name, "level": l, "maxLevel": q.max_level,
                "distinctBefore": q.distinct_before, "distinctAfter": q.distinct_after,
            })).collect::<Vec<_>>(),
            "sensitive": r.sensitive,
            "metric": {"name": r.metric.name, "value": r.metric.value},
            "suppressionLimit": r.suppression_limit,
            "suppressedHandling": r.suppressed_handling,
            "privacyModels": r.models.iter().map(|m| json!({"model": m.name, "holds": m.holds})).collect::<Vec<_>>(),
            "optimal": r.search.optimal,
            "measured": {
                "kReached": r.class_sizes.min,
                "classes": r.classes,
                "recordsIn": r.records,
                "recordsReleased": r.output_records,
                "suppressedRecords": r.suppressed_records,
                "highestRisk": after.map(|a| a.sample.highest_risk),
                "averageRisk": after.map(|a| a.sample.average_prosecutor_risk),
                "sampleUniques": after.map(|a| a.sample.sample_uniques),
                "populationUniqueness": after.and_then(|a| a.population.as_ref()).and_then(|p| p.dankar.share),
                "highestRiskBefore": r.risk.before.sample.highest_risk,
                "averageRiskBefore": r.risk.before.sample.average_prosecutor_risk,
            },
            "riskVerdict": {"passed": r.risk.passed, "thresholds": r.risk.thresholds},
        })
    });
    let pseudonymisation: Vec<Value> = policy
        .columns
        .iter()
        .map(|(c, p)| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("column".into(), json!(c));
                if p.reversible() || p.name() == "token" {
                    m.insert("keyId".into(), json!(key_id));
                    m.insert("context".into(), json!(policy.context));
                }
            }
            v
        })
        .collect();
    json!({
        "type": "DataRelease",
        "purpose": report.purpose,
        "targets": report.targets,
        "input": report.input,
        "output": {"files": report.outputs},
        "roles": report.roles,
        "actions": report.actions,
        "pseudonymisation": pseudonymisation,
        "anonymisation": anonymization,
        "quality": {"before": report.quality_before, "after": report.quality_after},
        "utility": {
            "rowsKept": report.utility.rows_kept,
            "meanColumnDistance": report.utility.columns.iter().map(|c| c.distance).sum::<f64>()
                / report.utility.columns.len().max(1) as f64,
            "pairwiseMeanDistance": report.utility.pairwise_mean_distance,
        },
        "verdict": {"passed": report.verdict.passed, "summary": report.verdict.summary},
        "tool": report.tool,
        "created": report.created,
    })
}

/// Signs the certificate with the lab's issuer key (created on first use).
pub fn issue(home: &LabHome, id: &str, subject: Value) -> Result<Value> {
    use datalab_govern::certificate as cert;
    let key = cert::IssuerKey::load_or_create(&cert::default_issuer_key_path(home.root()))
        .map_err(|e| DataError::Integrity(format!("the lab's issuer key: {e}")))?;
    let now = chrono::Utc::now();
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let until = now + chrono::Duration::days(VALID_DAYS);
    let unsigned = cert::Certificate::new(key.did(), id, &fmt(now), Some(&fmt(until)), subject);
    cert::sign(&unsigned, &key, &fmt(now))
        .map_err(|e| DataError::Integrity(format!("signing the certificate: {e}")))
}
