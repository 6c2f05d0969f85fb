//! The evaluation engine behind the search: frequency tables of equivalence classes
//! ([`table`]) and the evaluation of one lattice node against the privacy models and the
//! metric ([`evaluate`]).

pub(crate) mod evaluate;
pub(crate) mod table;
