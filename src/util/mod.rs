//! Small shared pieces: the seeded RNG and the synthetic-cluster generator.
pub mod rng;
pub mod synth;
