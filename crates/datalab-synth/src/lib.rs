//! datalab-synth: synthetic tabular data.
//!
//! - [`fit`]: columns to states (categories, quantile bins) and the non-DP Bayesian network.
//! - [`fit_dp`]: the differentially private synthesizer (MST-style) on [`dp`] (OpenDP).
//! - [`model`]: the saved model (parameters only) and sampling.
//! - [`constraints`]: ranges, `a <= b` rules, fixed combinations.
//! - [`evaluate`]: fidelity, utility and privacy of synthetic data against real data.

// Numeric code over tables indexes several arrays in one loop; index loops read clearer there.
#![allow(clippy::needless_range_loop)]

pub mod constraints;
pub mod dp;
pub mod evaluate;
pub mod fit;
pub mod fit_dp;
pub mod model;

pub use fit::{FitOptions, fit_non_dp};
pub use fit_dp::{DpOptions, fit_dp};
pub use model::Model;
