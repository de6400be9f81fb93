//! Renderers of audit findings: text, JSON and SARIF 2.1.0.
mod json;
mod sarif;
mod text;

pub use json::to_json;
pub use sarif::{to_sarif, SARIF_SCHEMA};
pub use text::{to_brief, to_text};

use crate::output::format::{Format, Render};
use crate::review::audit::Finding;

/// What `audit` prints, through the one rendering seam.
pub struct AuditOutput<'a>(pub &'a [Finding]);

/// `audit --brief`: one line per finding (text only).
pub struct AuditBrief<'a>(pub &'a [Finding]);

impl Render for AuditBrief<'_> {
    fn what(&self) -> &'static str {
        "audit --brief"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text]
    }
    fn write(&self, format: Format) -> Option<String> {
        (format == Format::Text).then(|| to_brief(self.0))
    }
}

impl Render for AuditOutput<'_> {
    fn what(&self) -> &'static str {
        "audit"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json, Format::Sarif]
    }
    fn write(&self, format: Format) -> Option<String> {
        match format {
            Format::Text => Some(to_text(self.0)),
            Format::Json => Some(to_json(self.0)),
            Format::Sarif => Some(to_sarif(self.0)),
            _ => None,
        }
    }
}
