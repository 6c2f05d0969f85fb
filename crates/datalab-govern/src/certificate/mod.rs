//! Signed, verifiable release certificates: W3C Verifiable Credentials Data Model 2.0
//! documents secured with a Data Integrity proof of the `eddsa-jcs-2022` cryptosuite, issued by
//! the lab's `did:key`. Anyone can verify one offline, with `datalab verify` or any
//! eddsa-jcs-2022 implementation (see `docs/certificates.md`).
//!
//! # The certificate
//!
//! ```json
//! {
//!   "@context": ["https://www.w3.org/ns/credentials/v2"],
//!   "id": "urn:uuid:…",
//!   "type": ["VerifiableCredential", "DataLabReleaseCertificate"],
//!   "issuer": "did:key:z6Mk…",
//!   "validFrom": "2026-03-01T12:00:00Z",
//!   "validUntil": "2027-03-01T12:00:00Z",
//!   "credentialSubject": { … },
//!   "proof": {
//!     "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
//!     "created": "…", "verificationMethod": "did:key:z6Mk…#z6Mk…",
//!     "proofPurpose": "assertionMethod", "@context": [ … ], "proofValue": "z…"
//!   }
//! }
//! ```
//!
//! Built by [`Certificate::new`], signed by [`sign`], checked by [`verify_certificate`].
//!
//! # Certified files (the `credentialSubject` convention)
//!
//! The files a certificate vouches for are listed by SHA-256 (lower-case hex of the file's
//! bytes) in `credentialSubject.output`:
//!
//! ```json
//! "credentialSubject": {
//!   "output": {
//!     "files": [
//!       { "path": "anonymized.csv", "sha256": "<64 hex digits>" },
//!       { "path": "report.json",    "sha256": "<64 hex digits>" }
//!     ]
//!   }
//! }
//! ```
//!
//! `credentialSubject.output.sha256` (a single hash) is accepted too. `path` is informative
//! (the file's name relative to the release folder); the check compares hashes only, so a
//! renamed copy still verifies. A `credentialSubject` that is an array is searched entry by
//! entry. Everything else in `credentialSubject` is free for the release command to fill.
//!
//! # Checks of [`verify_certificate`]
//!
//! | name | passes when |
//! | --- | --- |
//! | `credential` | a JSON object with the VC 2.0 `@context` first, type `VerifiableCredential`, an `issuer` and a `credentialSubject` |
//! | `proof` | exactly one proof object with string `type`, `cryptosuite`, `verificationMethod`, `proofPurpose`, a valid `created` if present and a `proofValue` that is base58btc of 64 bytes |
//! | `cryptosuite` | `DataIntegrityProof`, `eddsa-jcs-2022`, `assertionMethod` |
//! | `signature` | the did:key in `verificationMethod` resolves to an Ed25519 key, the document's `@context` equals the proof's, and the signature over the hash data is valid (strict Ed25519) |
//! | `issuer` | the DID of `verificationMethod` equals `issuer` (or `issuer.id`) |
//! | `validity` | `validFrom ≤ now ≤ validUntil` (an absent bound is open) |
//! | `data` | only with a data file: its SHA-256 is one of the certified hashes |

pub mod did_key;
pub mod jcs;
pub mod key;
pub mod multibase;
pub mod proof;

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use jcs::{JcsError, canonicalize};
pub use key::IssuerKey;
pub use proof::{CRYPTOSUITE, VerifyOutcome, hash_data, proof_config, sign, verify};

/// The VC 2.0 base context, the only context a datalab certificate uses (no network needed).
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The credential type of datalab's release certificates.
pub const CERTIFICATE_TYPE: &str = "DataLabReleaseCertificate";

pub const CHECK_CREDENTIAL: &str = "credential";
pub const CHECK_ISSUER: &str = "issuer";
pub const CHECK_VALIDITY: &str = "validity";
pub const CHECK_DATA: &str = "data";

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Key(String),
    #[error("{0}")]
    Encoding(String),
    #[error("{0}")]
    Document(String),
    #[error(transparent)]
    Jcs(#[from] JcsError),
}

/// One named verification step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    /// What was found; for a failure, exactly what did not hold.
    pub message: String,
}

impl Check {
    pub fn pass(name: &str, message: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            passed: true,
            message: message.into(),
        }
    }

    pub fn fail(name: &str, message: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            passed: false,
            message: message.into(),
        }
    }
}

/// The result of [`verify_certificate`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// True when every check passed.
    pub verified: bool,
    /// The certificate's `issuer` (its id), when present.
    pub issuer: Option<String>,
    /// The did:key that signed, when the verification method resolved.
    pub signer: Option<String>,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

/// Builds the (unsigned) credentials of release certificates.
pub struct Certificate;

impl Certificate {
    /// A VC Data Model 2.0 document of type `DataLabReleaseCertificate`, ready for [`sign`].
    /// `id` is a `urn:uuid:…` (see [`Certificate::new_id`]); `valid_from` and `valid_until` are
    /// RFC 3339 date-times with a time zone, best written by [`format_time`]
    /// (`YYYY-MM-DDTHH:MM:SSZ`). They are copied as given: [`verify_certificate`] rejects a
    /// malformed one.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        issuer_did: &str,
        id: &str,
        valid_from: &str,
        valid_until: Option<&str>,
        credential_subject: Value,
    ) -> Value {
        let mut doc = serde_json::Map::new();
        doc.insert("@context".into(), json!([VC_V2_CONTEXT]));
        doc.insert("id".into(), id.into());
        doc.insert(
            "type".into(),
            json!(["VerifiableCredential", CERTIFICATE_TYPE]),
        );
        doc.insert("issuer".into(), issuer_did.into());
        doc.insert("validFrom".into(), valid_from.into());
        if let Some(until) = valid_until {
            doc.insert("validUntil".into(), until.into());
        }
        doc.insert("credentialSubject".into(), credential_subject);
        Value::Object(doc)
    }

    /// A fresh `urn:uuid:` identifier (random UUID v4).
    pub fn new_id() -> String {
        format!("urn:uuid:{}", uuid::Uuid::new_v4())
    }
}

/// Where a lab keeps its issuer key: `<home>/keys/issuer.key` (see [`IssuerKey`]).
pub fn default_issuer_key_path(home: &Path) -> PathBuf {
    IssuerKey::default_path(home)
}

/// A time as certificates write it: RFC 3339 in UTC, whole seconds, `Z`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// SHA-256 of a file's bytes, lower-case hex (what `credentialSubject.output` lists).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The hashes a certificate certifies, as (label, lower-case hex) pairs, following the
/// `credentialSubject.output` convention of the module docs.
pub fn certified_hashes(doc: &Value) -> Vec<(String, String)> {
    let subjects: Vec<&Value> = match doc.get("credentialSubject") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for subject in subjects {
        let Some(output) = subject.get("output") else {
            continue;
        };
        if let Some(h) = output.get("sha256").and_then(Value::as_str) {
            out.push(("output".to_string(), h.to_ascii_lowercase()));
        }
        if let Some(files) = output.get("files").and_then(Value::as_array) {
            for (i, f) in files.iter().enumerate() {
                if let Some(h) = f.get("sha256").and_then(Value::as_str) {
                    let label = f
                        .get("path")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("files[{i}]"), str::to_string);
                    out.push((label, h.to_ascii_lowercase()));
                }
            }
        }
    }
    out
}

/// Verifies a certificate completely: proof, cryptosuite, signature, that the signing key is
/// the issuer's, the validity period at `now` and, with `data`, that the file's SHA-256 is
/// certified. Every check is reported, passed or not.
pub fn verify_certificate(doc: &Value, now: DateTime<Utc>, data: Option<&Path>) -> Report {
    let mut checks = vec![check_credential(doc)];
    let outcome = verify(doc);
    checks.extend(outcome.checks);
    let issuer = issuer_id(doc);
    checks.push(match (&outcome.signer, &issuer) {
        (_, None) => Check::fail(CHECK_ISSUER, "the certificate names no issuer"),
        (None, Some(_)) => Check::fail(
            CHECK_ISSUER,
            "not checked: the proof's verification method could not be resolved to a key",
        ),
        (Some(signer), Some(issuer)) if signer == issuer => Check::pass(
            CHECK_ISSUER,
            format!("signed with the issuer's own key {issuer}"),
        ),
        (Some(signer), Some(issuer)) => Check::fail(
            CHECK_ISSUER,
            format!("signed by {signer}, but the certificate names {issuer} as its issuer"),
        ),
    });
    checks.push(check_validity(doc, now));
    if let Some(path) = data {
        checks.push(check_data(doc, path));
    }
    Report {
        verified: checks.iter().all(|c| c.passed),
        issuer,
        signer: outcome.signer,
        checks,
    }
}

fn issuer_id(doc: &Value) -> Option<String> {
    match doc.get("issuer")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn check_credential(doc: &Value) -> Check {
    let Some(obj) = doc.as_object() else {
        return Check::fail(CHECK_CREDENTIAL, "the certificate is not a JSON object");
    };
    let mut wrong = Vec::new();
    match obj
        .get("@context")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        Some(Value::String(s)) if s == VC_V2_CONTEXT => {}
        _ => wrong.push(format!(
            "\"@context\" must be an array starting with \"{VC_V2_CONTEXT}\""
        )),
    }
    let typed = obj
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "VerifiableCredential"));
    if !typed {
        wrong.push("\"type\" must be an array containing \"VerifiableCredential\"".into());
    }
    if issuer_id(doc).is_none() {
        wrong.push("\"issuer\" must be a DID or an object with an \"id\"".into());
    }
    if !obj.contains_key("credentialSubject") {
        wrong.push("there is no \"credentialSubject\"".into());
    }
    if wrong.is_empty() {
        let kind = obj
            .get("type")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        Check::pass(
            CHECK_CREDENTIAL,
            format!("a Verifiable Credential 2.0 ({kind})"),
        )
    } else {
        Check::fail(CHECK_CREDENTIAL, wrong.join("; "))
    }
}

fn check_validity(doc: &Value, now: DateTime<Utc>) -> Check {
    let parse = |name: &str| -> Result<Option<(String, DateTime<Utc>)>, String> {
        match doc.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some((s.clone(), t.with_timezone(&Utc))))
                .map_err(|_| {
                    format!("\"{name}\" ({s}) is not an RFC 3339 date-time with a time zone")
                }),
            Some(other) => Err(format!("\"{name}\" ({other}) is not a date-time string")),
        }
    };
    let (from, until) = match (parse("validFrom"), parse("validUntil")) {
        (Ok(f), Ok(u)) => (f, u),
        (Err(e), _) | (_, Err(e)) => return Check::fail(CHECK_VALIDITY, e),
    };
    let now_text = format_time(now);
    if let Some((text, t)) = &from
        && now < *t
    {
        return Check::fail(
            CHECK_VALIDITY,
            format!("not yet valid: valid from {text}, and it is now {now_text}"),
        );
    }
    if let Some((text, t)) = &until
        && now > *t
    {
        return Check::fail(
            CHECK_VALIDITY,
            format!("expired: valid until {text}, and it is now {now_text}"),
        );
    }
    let from_text = from.map_or("(no start)".to_string(), |f| f.0);
    let until_text = until.map_or("(no end)".to_string(), |u| u.0);
    Check::pass(
        CHECK_VALIDITY,
        format!("valid from {from_text} until {until_text}; it is now {now_text}"),
    )
}

fn check_data(doc: &Value, path: &Path) -> Check {
    let actual = match sha256_file(path) {
        Ok(h) => h,
        Err(e) => return Check::fail(CHECK_DATA, format!("cannot read {}: {e}", path.display())),
    };
    let certified = certified_hashes(doc);
    if certified.is_empty() {
        return Check::fail(
            CHECK_DATA,
            format!(
                "the certificate certifies no file: it has no credentialSubject.output.files[].sha256 \
                 nor credentialSubject.output.sha256 (the SHA-256 of {} is {actual})",
                path.display()
            ),
        );
    }
    match certified.iter().find(|(_, h)| *h == actual) {
        Some((label, _)) => Check::pass(
            CHECK_DATA,
            format!(
                "{} has SHA-256 {actual}, certified as {label}",
                path.display()
            ),
        ),
        None => {
            let list = certified
                .iter()
                .map(|(l, h)| format!("{l} ({h})"))
                .collect::<Vec<_>>()
                .join(", ");
            Check::fail(
                CHECK_DATA,
                format!(
                    "{} has SHA-256 {actual}, which the certificate does not certify; it certifies: {list}",
                    path.display()
                ),
            )
        }
    }
}
