//! Audit (being written).
