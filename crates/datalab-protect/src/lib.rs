//! datalab-protect: anonymisation — generalisation hierarchies, privacy models, quality metrics
//! and the optimal search over the generalisation lattice.

pub mod anonymize;
mod engine;
pub mod hierarchy;
pub mod lattice;
pub mod metric;
pub mod model;
pub mod pseudo;
pub mod pseudonymize;
pub mod report_html;
pub mod risk;
pub mod risk_individual;
pub mod risk_section;
pub mod risk_suda;
pub mod search;
