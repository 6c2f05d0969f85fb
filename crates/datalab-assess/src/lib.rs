//! datalab-assess: what is in the data — profile, quality score, personal data and column roles.
pub mod sketch;
pub mod suite;
pub mod roles;
pub mod pii;
pub mod assess;
pub mod names;
pub mod profile;
pub mod quality;
pub mod html;
