//! The W3C `eddsa-jcs-2022` test vector (Data Integrity EdDSA Cryptosuites v1.0), reproduced
//! byte for byte: canonical forms, hashes, signature and `proofValue`. See vectors/README.md.

use datalab_govern::certificate::{
    CRYPTOSUITE, IssuerKey, canonicalize, did_key, hash_data, proof_config, sign, verify,
};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

fn text(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap()
}

fn key() -> IssuerKey {
    let pair = json("keyPair.json");
    let key =
        IssuerKey::from_secret_multibase(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(key.public_key_multibase(), pair["publicKeyMultibase"]);
    key
}

const CREATED: &str = "2023-02-24T23:36:38Z";

#[test]
fn the_secret_key_gives_the_published_public_key_and_did() {
    let key = key();
    assert_eq!(
        key.did(),
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    );
    let config = json("eddsa-jcs-2022/proofConfigJCS.json");
    assert_eq!(key.verification_method(), config["verificationMethod"]);
    let (did, vk) = did_key::resolve_verification_method(&key.verification_method()).unwrap();
    assert_eq!(did, key.did());
    assert_eq!(vk, key.verifying_key());
}

#[test]
fn canonical_forms_and_hashes_are_byte_exact() {
    let unsigned = json("eddsa-jcs-2022/unsigned.json");
    assert_eq!(
        canonicalize(&unsigned).unwrap(),
        text("eddsa-jcs-2022/canonDocJCS.txt")
    );

    let published_config = json("eddsa-jcs-2022/proofConfigJCS.json");
    let mut options = published_config.as_object().unwrap().clone();
    options.remove("@context");
    let config = proof_config(&options, unsigned.as_object().unwrap());
    assert_eq!(config, published_config);
    assert_eq!(
        canonicalize(&config).unwrap(),
        text("eddsa-jcs-2022/proofCanonJCS.txt")
    );

    let data = hash_data(&config, &unsigned).unwrap();
    assert_eq!(
        hex::encode(&data[..32]),
        text("eddsa-jcs-2022/proofHashJCS.txt")
    );
    assert_eq!(
        hex::encode(&data[32..]),
        text("eddsa-jcs-2022/docHashJCS.txt")
    );
    assert_eq!(
        hex::encode(data),
        text("eddsa-jcs-2022/combinedHashJCS.txt")
    );

    let signature = key().sign_bytes(&data);
    assert_eq!(hex::encode(signature), text("eddsa-jcs-2022/sigHexJCS.txt"));
}

#[test]
fn signing_reproduces_the_published_secured_credential() {
    let secured = sign(&json("eddsa-jcs-2022/unsigned.json"), &key(), CREATED).unwrap();
    assert_eq!(secured["proof"]["cryptosuite"], CRYPTOSUITE);
    assert_eq!(
        secured["proof"]["proofValue"],
        text("eddsa-jcs-2022/sigBTC58JCS.txt")
    );
    assert_eq!(secured, json("eddsa-jcs-2022/signedJCS.json"));
    // Same members in the same order as the published file.
    assert_eq!(
        serde_json::to_string_pretty(&secured).unwrap(),
        text("eddsa-jcs-2022/signedJCS.json")
    );
}

#[test]
fn the_published_secured_credential_verifies() {
    let outcome = verify(&json("eddsa-jcs-2022/signedJCS.json"));
    assert!(outcome.passed(), "{outcome:#?}");
    assert_eq!(
        outcome.signer.as_deref(),
        Some("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
    );
    let names: Vec<_> = outcome.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["proof", "cryptosuite", "signature"]);
}
