//! What `chokepoints` prints: the ranked edges as text or JSON.

use crate::attack::chokepoints::ChokeReport;
use crate::output::format::{Format, Render};
use crate::output::json::{chokepoints::ChokepointsDoc, pretty};

pub struct ChokepointsOutput<'a>(pub &'a ChokeReport);

impl Render for ChokepointsOutput<'_> {
    fn what(&self) -> &'static str {
        "chokepoints"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json]
    }
    fn write(&self, format: Format) -> Option<String> {
        match format {
            Format::Text => Some(self.0.to_text()),
            Format::Json => Some(pretty(&ChokepointsDoc::from(self.0))),
            _ => None,
        }
    }
}
