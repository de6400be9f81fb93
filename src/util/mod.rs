//! Small shared pieces: the seeded RNG, the synthetic-cluster and live-dump generators.
pub mod live;
pub mod rng;
pub mod synth;
pub mod text;
