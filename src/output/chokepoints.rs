//! What `chokepoints` prints: the ranked edges as text or JSON.

use crate::attack::chokepoints::ChokeReport;
use crate::output::format::{Format, Render};
use crate::output::json::{chokepoints::ChokepointsDoc, pretty};
use crate::output::text;

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
            Format::Text => Some(text::chokepoints::text(self.0)),
            Format::Json => Some(pretty(&ChokepointsDoc::from(self.0))),
            _ => None,
        }
    }
}
