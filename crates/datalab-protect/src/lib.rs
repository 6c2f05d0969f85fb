//! datalab-protect: anonymisation — generalisation hierarchies, privacy models, quality metrics
//! and the optimal search over the generalisation lattice.

pub mod hierarchy;
