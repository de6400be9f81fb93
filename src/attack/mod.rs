//! Attack analyses over the reachability matrix: the attack graph,
//! simulation, ranking, choke points, Monte Carlo spread.
pub mod chokepoints;
pub mod montecarlo;
pub mod simulate;
