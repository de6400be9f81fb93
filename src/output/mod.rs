//! Output layer: renderers, charts and the HTML report.
pub mod audit;
pub mod charts;
pub mod render;
pub mod report;
