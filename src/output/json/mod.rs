//! Versioned JSON schemas: one file per document, each a set of
//! `Serialize` structs converted from engine/attack/review types. Only this
//! layer serialises.
//!
//! The v1 documents other than `explain` were first written through
//! `serde_json::Value` maps, which sort keys; their structs therefore list
//! fields in alphabetical order, so the bytes stay the same. `explain` keeps
//! the order of its fields as declared.

pub mod chokepoints;
pub mod diff;
pub mod explain;
pub mod montecarlo;
pub mod reach;
pub mod report;
pub mod simulate;

use serde::Serialize;

/// Pretty-printed JSON and a final newline, as every document is written.
pub fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
pub(crate) mod testing {
    use serde::Serialize;

    /// Fields in alphabetical order at every depth: the struct serialises
    /// to the same bytes as the sorted `Value` it replaced.
    pub fn assert_sorted<T: Serialize>(v: &T) {
        let direct = serde_json::to_string_pretty(v).unwrap();
        let value = serde_json::to_value(v).unwrap();
        assert_eq!(direct, serde_json::to_string_pretty(&value).unwrap());
    }
}
