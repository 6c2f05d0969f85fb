//! datalab-assess: what is in the data — profile, quality score, personal data and column roles.
pub mod assess;
pub mod html;
pub mod names;
pub mod pii;
pub mod profile;
pub mod quality;
pub mod roles;
pub mod sketch;
pub mod suite;
