//! Deterministic synthetic patients table (work in progress).
