//! The `eddsa-jcs-2022` cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3):
//! a `DataIntegrityProof` whose signature covers the JCS forms of the proof configuration and
//! of the document.
//!
//! - proof configuration: the proof's options (`type`, `cryptosuite`, `created`,
//!   `verificationMethod`, `proofPurpose`, …; never `proofValue`) with the document's
//!   `@context` copied in;
//! - hash data: `SHA-256(JCS(proof configuration)) ‖ SHA-256(JCS(document without proof))`,
//!   64 bytes;
//! - `proofValue`: multibase base58btc of the 64-byte Ed25519 signature of the hash data.

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::did_key::resolve_verification_method;
use super::jcs::canonical_bytes;
use super::key::IssuerKey;
use super::multibase::{decode_base58btc, encode_base58btc};
use super::{CertError, Check};

pub const PROOF_TYPE: &str = "DataIntegrityProof";
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
pub const PROOF_PURPOSE: &str = "assertionMethod";

/// Names of the checks [`verify`] reports, in order.
pub const CHECK_PROOF: &str = "proof";
pub const CHECK_CRYPTOSUITE: &str = "cryptosuite";
pub const CHECK_SIGNATURE: &str = "signature";

/// The proof configuration of `options` for `unsecured`: the options without `proofValue`,
/// with the document's `@context` (if any) as the proof's `@context`.
pub fn proof_config(options: &Map<String, Value>, unsecured: &Map<String, Value>) -> Value {
    let mut config = options.clone();
    config.remove("proofValue");
    if let Some(context) = unsecured.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    Value::Object(config)
}

/// `SHA-256(JCS(proof_config)) ‖ SHA-256(JCS(unsecured))`.
pub fn hash_data(proof_config: &Value, unsecured: &Value) -> Result<[u8; 64], CertError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_bytes(proof_config)?));
    out[32..].copy_from_slice(&Sha256::digest(canonical_bytes(unsecured)?));
    Ok(out)
}

/// Signs `unsecured` (a JSON object without `proof`) with `key`; returns the secured document:
/// the same members plus `proof`. `created` is the proof's creation time, an RFC 3339 date-time
/// with a time zone (e.g. `2026-03-01T12:00:00Z`).
pub fn sign(unsecured: &Value, key: &IssuerKey, created: &str) -> Result<Value, CertError> {
    let Some(doc) = unsecured.as_object() else {
        return Err(CertError::Document(
            "only a JSON object can be signed".into(),
        ));
    };
    if doc.contains_key("proof") {
        return Err(CertError::Document(
            "the document already has a proof; proof sets and chains are not supported".into(),
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(created).is_err() {
        return Err(CertError::Document(format!(
            "created '{created}' is not an RFC 3339 date-time with a time zone"
        )));
    }
    let mut options = Map::new();
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("created".into(), created.into());
    options.insert(
        "verificationMethod".into(),
        key.verification_method().into(),
    );
    options.insert("proofPurpose".into(), PROOF_PURPOSE.into());
    let Value::Object(mut proof) = proof_config(&options, doc) else {
        unreachable!("proof_config returns an object")
    };
    let data = hash_data(&Value::Object(proof.clone()), unsecured)?;
    let signature = key.sign_bytes(&data);
    proof.insert("proofValue".into(), encode_base58btc(&signature).into());
    let mut secured = doc.clone();
    secured.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(secured))
}

/// What [`verify`] found: one check per step, and the DID of the key that signed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyOutcome {
    pub checks: Vec<Check>,
    /// The did:key of `verificationMethod`, when it could be resolved.
    pub signer: Option<String>,
}

impl VerifyOutcome {
    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

struct ParsedProof<'a> {
    options: &'a Map<String, Value>,
    verification_method: &'a str,
    signature: [u8; 64],
}

/// Verifies the `eddsa-jcs-2022` proof of `secured` without any network: the key comes from
/// the did:key in `verificationMethod`. Reports `proof` (present and well-formed),
/// `cryptosuite` (type, cryptosuite and proof purpose) and `signature` separately; a check
/// that cannot run because an earlier one failed fails with a message saying so.
pub fn verify(secured: &Value) -> VerifyOutcome {
    let mut checks = Vec::new();
    let parsed = parse_proof(secured);
    match &parsed {
        Ok(p) => checks.push(Check::pass(
            CHECK_PROOF,
            format!(
                "a well-formed proof with a 64-byte proofValue by {}",
                p.verification_method
            ),
        )),
        Err(msg) => checks.push(Check::fail(CHECK_PROOF, msg.clone())),
    }
    checks.push(match &parsed {
        Ok(p) => check_suite(p.options),
        Err(_) => match secured.get("proof").and_then(Value::as_object) {
            Some(options) => check_suite(options),
            None => Check::fail(CHECK_CRYPTOSUITE, "not checked: there is no proof object"),
        },
    });
    let mut signer = None;
    checks.push(match &parsed {
        Err(_) => Check::fail(
            CHECK_SIGNATURE,
            "not checked: the proof is missing or malformed",
        ),
        Ok(p) => match resolve_verification_method(p.verification_method) {
            Err(e) => Check::fail(
                CHECK_SIGNATURE,
                format!("cannot resolve the signer's key: {e}"),
            ),
            Ok((did, key)) => {
                let check = check_signature(secured, p, &key);
                signer = Some(did);
                check
            }
        },
    });
    VerifyOutcome { checks, signer }
}

fn parse_proof(secured: &Value) -> Result<ParsedProof<'_>, String> {
    let Some(doc) = secured.as_object() else {
        return Err("the certificate is not a JSON object".into());
    };
    let options = match doc.get("proof") {
        None => return Err("the certificate has no \"proof\": it is not signed".into()),
        Some(Value::Array(_)) => {
            return Err(
                "\"proof\" is an array (a proof set); exactly one proof is expected".into(),
            );
        }
        Some(Value::Object(p)) => p,
        Some(other) => return Err(format!("\"proof\" is {}, not an object", kind(other))),
    };
    let text = |name: &str| -> Result<&str, String> {
        match options.get(name) {
            None => Err(format!("the proof has no \"{name}\"")),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(other) => Err(format!(
                "the proof's \"{name}\" is {}, not a string",
                kind(other)
            )),
        }
    };
    for name in ["type", "cryptosuite", "proofPurpose"] {
        text(name)?;
    }
    let verification_method = text("verificationMethod")?;
    if let Some(created) = options.get("created") {
        let ok = created
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
        if !ok {
            return Err(format!(
                "the proof's \"created\" ({created}) is not an RFC 3339 date-time with a time zone"
            ));
        }
    }
    let proof_value = text("proofValue")?;
    let bytes =
        decode_base58btc(proof_value).map_err(|e| format!("the proof's \"proofValue\": {e}"))?;
    let signature: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
        format!(
            "the proof's \"proofValue\" decodes to {} bytes; an Ed25519 signature has 64",
            bytes.len()
        )
    })?;
    Ok(ParsedProof {
        options,
        verification_method,
        signature,
    })
}

fn check_suite(options: &Map<String, Value>) -> Check {
    let mut wrong = Vec::new();
    for (name, want) in [
        ("type", PROOF_TYPE),
        ("cryptosuite", CRYPTOSUITE),
        ("proofPurpose", PROOF_PURPOSE),
    ] {
        let got = options.get(name);
        if got.and_then(Value::as_str) != Some(want) {
            let got = got.map_or("missing".to_string(), |v| v.to_string());
            wrong.push(format!("{name} is {got}, expected \"{want}\""));
        }
    }
    if wrong.is_empty() {
        Check::pass(
            CHECK_CRYPTOSUITE,
            format!("{PROOF_TYPE} with {CRYPTOSUITE} for {PROOF_PURPOSE}"),
        )
    } else {
        Check::fail(CHECK_CRYPTOSUITE, wrong.join("; "))
    }
}

fn check_signature(secured: &Value, p: &ParsedProof<'_>, key: &VerifyingKey) -> Check {
    let mut unsecured = secured.as_object().expect("checked by parse_proof").clone();
    unsecured.remove("proof");
    // Data Integrity: the document's @context must start with the proof's. Stricter here: a
    // certificate's @context must be exactly the one signed (nothing appended afterwards).
    if let Some(signed) = p.options.get("@context")
        && unsecured.get("@context") != Some(signed)
    {
        return Check::fail(
            CHECK_SIGNATURE,
            format!(
                "the certificate's @context {} differs from the @context the proof signed ({signed})",
                unsecured
                    .get("@context")
                    .map_or("(missing)".to_string(), |v| v.to_string())
            ),
        );
    }
    let config = proof_config(p.options, &unsecured);
    let data = match hash_data(&config, &Value::Object(unsecured)) {
        Ok(d) => d,
        Err(e) => return Check::fail(CHECK_SIGNATURE, format!("cannot canonicalise: {e}")),
    };
    let signature = Signature::from_bytes(&p.signature);
    match key.verify_strict(&data, &signature) {
        Ok(()) => Check::pass(
            CHECK_SIGNATURE,
            format!(
                "the Ed25519 signature by {} is valid",
                p.verification_method
            ),
        ),
        Err(_) => Check::fail(
            CHECK_SIGNATURE,
            format!(
                "the Ed25519 signature does not match the certificate's content: the certificate \
                 or its proof was changed after signing, or it was not signed by {}",
                p.verification_method
            ),
        ),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
