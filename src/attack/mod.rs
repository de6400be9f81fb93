//! Attack analyses over the reachability matrix: the attack graph,
//! simulation, ranking, choke points, Monte Carlo spread.
//!
//! Imports go one way: `adjacency` ← `closure` ← `graph` ← `spread` ←
//! `simulate` ← `rank`; `chokepoints` and `montecarlo` use `graph` (and
//! `closure`).
pub mod adjacency;
pub mod chokepoints;
pub mod closure;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod graph;
pub mod montecarlo;
pub mod rank;
pub mod simulate;
pub mod spread;
