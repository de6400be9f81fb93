//! Engine: pod classes, the reachability matrix, explain, entity views.
//! Does no IO.
pub mod budget;
pub mod eval;
pub mod explain;
pub mod reach;
pub mod view;
