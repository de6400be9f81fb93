//! What `chokepoints` prints: the ranked edges as text or JSON.

use crate::attack::chokepoints::ChokeReport;
use crate::output::format::{Format, Render};
use crate::output::json::{chokepoints::ChokepointsDoc, pretty};
use crate::output::text;

/// The ranked edges, and the namespace the starting workloads were
/// restricted to (`-n`), if any.
pub struct ChokepointsOutput<'a>(pub &'a ChokeReport, pub Option<&'a StartScope>);

/// Starting points restricted to one namespace (`-n NS`): stated in the
/// output, since the measure sums over them only.
#[derive(Clone, Debug)]
pub struct StartScope {
    pub namespace: String,
    /// Workloads started from.
    pub workloads: usize,
}

impl StartScope {
    /// `Starting points: 4 workloads of namespace shop only (-n shop; -A: every namespace)`.
    pub fn line(&self) -> String {
        format!(
            "Starting points: {} of namespace {ns} only (-n {ns}; -A: every namespace)",
            crate::util::text::count(self.workloads, "workload", "workloads"),
            ns = self.namespace
        )
    }
}

impl Render for ChokepointsOutput<'_> {
    fn what(&self) -> &'static str {
        "chokepoints"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json]
    }
    fn write(&self, format: Format) -> Option<String> {
        match format {
            Format::Text => Some(text::chokepoints::text_in(self.0, self.1)),
            Format::Json => {
                let mut doc = ChokepointsDoc::from(self.0);
                doc.namespace = self.1.map(|s| s.namespace.clone());
                Some(pretty(&doc))
            }
            _ => None,
        }
    }
}
