//! Plain text and Markdown of each command's result, as free functions over
//! the engine, attack and review types (which do not render themselves).
pub mod chokepoints;
pub mod connlist;
pub mod diff;
pub mod explain;
pub mod montecarlo;
pub mod report;
pub mod simulate;
pub mod words;
