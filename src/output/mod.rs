//! Output layer: one rendering seam ([`format::Render`]), the versioned JSON
//! schemas, the text and Markdown ([`text`]), charts, the HTML report and the
//! files written. Only this layer (and `cli`) renders.
pub mod attack_graph;
pub mod audit;
pub mod charts;
pub mod chokepoints;
pub mod diff;
pub mod diff_charts;
pub mod error;
pub mod explain;
pub mod files;
pub mod format;
pub mod html;
pub mod json;
pub mod matrix;
pub mod render;
pub mod report_build;
pub mod run_charts;
pub mod simulate;
pub mod text;
