//! Reviews: what-if comparison of two clusters, and audit findings.
pub mod audit;
pub mod diff;
