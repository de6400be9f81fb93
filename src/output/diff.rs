//! What `diff` prints: text, a pull-request comment (Markdown) or JSON.
//! (`-o svg` writes files: see [`crate::output::diff_charts`].)

use crate::output::format::{Format, Render};
use crate::output::json::{diff::DiffDoc, pretty};
use crate::output::text;
use crate::review::diff::Diff;

pub struct DiffOutput<'a>(pub &'a Diff);

impl Render for DiffOutput<'_> {
    fn what(&self) -> &'static str {
        "diff"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json, Format::Md]
    }
    fn write(&self, format: Format) -> Option<String> {
        match format {
            Format::Text => Some(text::diff::text(self.0)),
            Format::Md => Some(text::diff::md(self.0)),
            Format::Json => Some(pretty(&DiffDoc::from(self.0))),
            _ => None,
        }
    }
}
