//! Input layer: reading sources, decoding documents, converting kinds,
//! validating like the API server. The only layer that knows k8s-openapi
//! and serde_yaml.
pub mod load;
