//! The internal model: what the input layer produces and the engine reads.
pub mod cluster;
pub mod domain;
pub mod error;
pub mod ip;
pub mod policy;
pub mod ports;
pub mod selector;

pub use cluster::*;
pub use error::{PodLookupError, PortListError, SelectorError};
pub use policy::*;
