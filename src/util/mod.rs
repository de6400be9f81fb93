//! Small shared pieces: the seeded RNG, the synthetic-cluster and live-dump generators,
//! the crafted hard inputs.
pub mod live;
pub mod rng;
pub mod shapes;
pub mod synth;
pub mod text;
