//! blastradius: Kubernetes NetworkPolicy blast-radius simulator.
//!
//! Data flows one way: [`input`] (manifests → [`model::Cluster`]) →
//! [`engine`] (cluster → [`engine::reach::Reachability`]) → [`attack`] and
//! [`review`] analyses → [`output`]; [`cli`] parses, calls, prints.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod attack;
pub mod cli;
pub mod engine;
pub mod input;
pub mod model;
pub mod output;
pub mod review;
pub mod util;
