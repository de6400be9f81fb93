//! Lean Pod types: only what the model reads. A live Pod is 4–10 KB of
//! JSON (managedFields, status conditions, env, volumes, the last-applied
//! annotation); k8s-openapi builds all of it. These read metadata (name,
//! namespace, labels, annotations, ownerReferences), the container ports,
//! `hostNetwork`, the phase and the IPs, and skip the rest unparsed. The
//! fields they do read keep the API's types, so a type error names the same
//! field path; a missing required field defaults, as k8s-openapi does.

use k8s_openapi::api::core::v1 as core;
use serde::de::{Deserializer, Error, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Deserialize, Default)]
pub struct Pod {
    /// Read so that one pass tells a Pod from another kind (JSON lists).
    pub kind: Option<String>,
    #[serde(rename = "apiVersion")]
    pub api_version: Option<String>,
    #[serde(default)]
    pub metadata: Meta,
    pub spec: Option<PodSpec>,
    pub status: Option<PodStatus>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    #[serde(default, deserialize_with = "string_map")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "string_map")]
    pub annotations: Option<BTreeMap<String, String>>,
    pub owner_references: Option<Vec<OwnerReference>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    pub controller: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default)]
    pub containers: Vec<Container>,
    pub init_containers: Option<Vec<Container>>,
    pub host_network: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub ports: Option<Vec<ContainerPort>>,
    pub restart_policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    #[serde(default)]
    pub container_port: i32,
    pub name: Option<String>,
    pub protocol: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    pub phase: Option<String>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    #[serde(rename = "podIPs")]
    pub pod_ips: Option<Vec<PodIp>>,
}

#[derive(Deserialize)]
pub struct PodIp {
    #[serde(default)]
    pub ip: String,
}

impl From<&core::Container> for Container {
    fn from(c: &core::Container) -> Container {
        Container {
            ports: c.ports.as_ref().map(|ps| {
                ps.iter()
                    .map(|p| ContainerPort {
                        container_port: p.container_port,
                        name: p.name.clone(),
                        protocol: p.protocol.clone(),
                    })
                    .collect()
            }),
            restart_policy: c.restart_policy.clone(),
        }
    }
}

/// A workload's pod template, read by k8s-openapi, as the lean spec.
impl From<&core::PodSpec> for PodSpec {
    fn from(s: &core::PodSpec) -> PodSpec {
        PodSpec {
            containers: s.containers.iter().map(Container::from).collect(),
            init_containers: s
                .init_containers
                .as_ref()
                .map(|cs| cs.iter().map(Container::from).collect()),
            host_network: s.host_network,
        }
    }
}

/// A `map[string]string` as the API server decodes it (Go's
/// `encoding/json`): a null value is the empty string; a key given twice is
/// refused, as everywhere else in the input (a plain map would keep the
/// last one silently).
fn string_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct StringMap;
    impl<'de> Visitor<'de> for StringMap {
        type Value = Option<BTreeMap<String, String>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(StringMap)
        }
        fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = m.next_key::<String>()? {
                let v: Option<String> = m.next_value()?;
                if out.contains_key(&k) {
                    return Err(M::Error::custom(format!("duplicate entry with key {k:?}")));
                }
                out.insert(k, v.unwrap_or_default());
            }
            Ok(Some(out))
        }
    }
    d.deserialize_option(StringMap)
}
