//! What `explain` prints: the rule-by-rule text, or `blastradius.explain/v1`.

use crate::engine::explain::Explanation;
use crate::model::ports::ConnSet;
use crate::output::format::{Format, Render};
use crate::output::json::{explain::ExplainDoc, pretty};
use crate::output::text;

pub struct ExplainOutput<'a> {
    pub explanation: &'a Explanation,
    /// `--port`: the ports the text dwells on.
    pub ports: Option<&'a ConnSet>,
}

impl Render for ExplainOutput<'_> {
    fn what(&self) -> &'static str {
        "explain"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json]
    }
    fn write(&self, format: Format) -> Option<String> {
        match format {
            Format::Text => Some(text::explain::text(self.explanation, self.ports)),
            Format::Json => Some(pretty(&ExplainDoc::from(self.explanation))),
            _ => None,
        }
    }
}
