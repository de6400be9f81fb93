//! One file per command: parse → call → print.
pub mod audit;
pub mod chokepoints;
pub mod diff;
pub mod explain;
pub mod reach;
pub mod report;
pub mod shell;
pub mod simulate;
pub mod synth;
