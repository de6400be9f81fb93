//! blastradius: Kubernetes NetworkPolicy blast-radius simulator.
//!
//! Data flows one way: [`load`] (manifests → [`model::Cluster`]) →
//! [`reach`] (cluster → [`reach::Reachability`]) → consumers
//! ([`explain`], [`render`]).

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

pub mod audit;
pub mod charts;
pub mod chokepoints;
pub mod cli;
pub mod diff;
pub mod explain;
pub mod ip;
pub mod load;
pub mod model;
pub mod montecarlo;
pub mod ports;
pub mod reach;
pub mod render;
pub mod report;
pub mod rng;
pub mod selector;
pub mod simulate;
pub mod synth;
pub mod view;
