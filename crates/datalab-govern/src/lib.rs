//! Governance for datalab. DESIGN.md gives this crate the catalog, policies, grants, the audit
//! log and certificates; today it holds certificates: signed, verifiable release certificates
//! (W3C Verifiable Credentials 2.0 with the `eddsa-jcs-2022` Data Integrity cryptosuite, the
//! lab as a `did:key` issuer). See [`certificate`] and `docs/certificates.md`.

pub mod certificate;
