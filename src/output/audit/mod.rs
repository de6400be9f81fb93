//! Renderers of audit findings: text, JSON and SARIF 2.1.0.
mod json;
mod sarif;
mod text;

pub use json::to_json;
pub use sarif::{to_sarif, SARIF_SCHEMA};
pub use text::to_text;
