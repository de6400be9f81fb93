//! Validation like the API server's (apimachinery): names, label syntax,
//! selectors and their match with template labels, port names, CIDRs
//! (SEM-42, SEM-54..63).

use crate::input::error::{LoadError, ValueError};
use crate::input::loader::{ok_or, Ctx};
use crate::model::selector::{Labels, Requirement, Selector};
use crate::util::text::quoted;
use ipnet::IpNet;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// apps/v1 workloads: the selector must be set and select the template's
/// labels, or the API server refuses the object.
pub(super) fn workload_selector(
    ctx: &Ctx,
    sel: &LabelSelector,
    template: Option<&core::PodTemplateSpec>,
) -> Result<(), Vec<LoadError>> {
    let mut errs = Vec::new();
    let compiled = selector(ctx, "spec.selector", sel, &mut errs);
    ok_or(errs)?;
    if compiled.is_empty() {
        return Err(vec![ctx.err(
            "spec.selector",
            "Required value: an apps/v1 workload needs a non-empty selector that matches its template labels",
        )]);
    }
    let labels = template
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    if !compiled.matches(&labels) {
        return Err(vec![ctx.err(
            "spec.template.metadata.labels",
            format!("Invalid value: `selector` ({compiled}) does not match template `labels`: add the selector's labels to the pod template"),
        )]);
    }
    Ok(())
}

pub(super) fn required_name(ctx: &Ctx, m: &ObjectMeta) -> Result<String, Vec<LoadError>> {
    required_name_of(ctx, m.name.as_deref(), m.namespace.as_deref())
}

/// `metadata.name` is there and valid, and so is `metadata.namespace` if set.
pub(super) fn required_name_of(
    ctx: &Ctx,
    name: Option<&str>,
    namespace: Option<&str>,
) -> Result<String, Vec<LoadError>> {
    let name = match name {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            return Err(vec![ctx.err(
                "metadata.name",
                "Required value: every object needs metadata.name (generateName is not supported in manifests read offline)",
            )])
        }
    };
    let mut errs = Vec::new();
    // Namespaces are DNS labels; other objects DNS subdomains (SEM-63).
    // NetworkPolicy names are checked in `policy` (they have --lenient-names).
    if ctx.object.starts_with("Namespace ") {
        if let Err(m) = check_dns_label(&name) {
            errs.push(ctx.err("metadata.name", m));
        }
    } else if !ctx.object.starts_with("NetworkPolicy ") {
        if let Err(m) = check_dns_subdomain(&name) {
            errs.push(ctx.err("metadata.name", m));
        }
    }
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        if let Err(m) = check_dns_label(ns) {
            errs.push(ctx.err("metadata.namespace", m));
        }
    }
    ok_or(errs)?;
    Ok(name)
}

/// A lower-case RFC 1123 label: at most 63 characters (namespace names).
fn check_dns_label(s: &str) -> Result<(), ValueError> {
    let ok = !s.is_empty() && s.len() <= 63 && !s.contains('.') && check_dns_subdomain(s).is_ok();
    if ok {
        Ok(())
    } else {
        Err(ValueError::NotDnsLabel(s.to_string()))
    }
}

pub(super) fn checked_labels(
    ctx: &Ctx,
    path: &str,
    labels: Option<BTreeMap<String, String>>,
    errs: &mut Vec<LoadError>,
) -> Labels {
    let labels = labels.unwrap_or_default();
    for (k, v) in &labels {
        if let Err(m) = check_label_key(k) {
            errs.push(ctx.err(&format!("{path}.{k}"), m));
        }
        if let Err(m) = check_label_value(v) {
            errs.push(ctx.err(&format!("{path}.{k}"), m));
        }
    }
    labels
}

pub(super) fn selector(
    ctx: &Ctx,
    path: &str,
    s: &LabelSelector,
    errs: &mut Vec<LoadError>,
) -> Selector {
    let mut out = Selector::default();
    for (k, v) in s.match_labels.iter().flatten() {
        if let Err(m) = check_label_key(k) {
            errs.push(ctx.err(&format!("{path}.matchLabels.{k}"), m));
        }
        if let Err(m) = check_label_value(v) {
            errs.push(ctx.err(&format!("{path}.matchLabels.{k}"), m));
        }
        out.match_labels.insert(k.clone(), v.clone());
    }
    for (i, e) in s.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        if let Err(m) = check_label_key(&e.key) {
            errs.push(ctx.err(&format!("{p}.key"), m));
        }
        let values = e.values.clone().unwrap_or_default();
        for (j, v) in values.iter().enumerate() {
            if let Err(m) = check_label_value(v) {
                errs.push(ctx.err(&format!("{p}.values[{j}]"), m));
            }
        }
        // SEM-41, SEM-42.
        let req = match e.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => {
                errs.push(ctx.err(
                    &format!("{p}.values"),
                    "Required value: must be specified when `operator` is 'In' or 'NotIn' (SEM-42)",
                ));
                continue;
            }
            "Exists" | "DoesNotExist" if !values.is_empty() => {
                errs.push(ctx.err(
                    &format!("{p}.values"),
                    "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist' (SEM-42)",
                ));
                continue;
            }
            "In" => Requirement::In(e.key.clone(), values),
            "NotIn" => Requirement::NotIn(e.key.clone(), values),
            "Exists" => Requirement::Exists(e.key.clone()),
            "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
            other => {
                errs.push(ctx.err(
                    &format!("{p}.operator"),
                    format!("Unsupported value: {}: supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\" (SEM-41)", quoted(other)),
                ));
                continue;
            }
        };
        out.requirements.push(req);
    }
    out
}

// ---- syntax checks (apimachinery's validation, SEM-42, SEM-59, SEM-63) ----
fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`, at most 63 characters.
fn check_label_value(v: &str) -> Result<(), ValueError> {
    let ok = v.len() <= 63
        && (v.is_empty()
            || (v.starts_with(is_alnum)
                && v.ends_with(is_alnum)
                && v.chars().all(|c| is_alnum(c) || "-_.".contains(c))));
    if ok {
        Ok(())
    } else {
        Err(ValueError::NotLabelValue(v.to_string()))
    }
}

/// A qualified name: optional DNS-subdomain prefix and `/`, then a name part.
fn check_label_key(k: &str) -> Result<(), ValueError> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(is_alnum)
        && name.ends_with(is_alnum)
        && name.chars().all(|c| is_alnum(c) || "-_.".contains(c));
    let prefix_ok = prefix.is_none_or(|p| check_dns_subdomain(p).is_ok());
    if name_ok && prefix_ok {
        Ok(())
    } else {
        Err(ValueError::NotLabelKey(k.to_string()))
    }
}

/// Lower-case RFC 1123 subdomain, at most 253 characters (SEM-63).
pub(super) fn check_dns_subdomain(s: &str) -> Result<(), ValueError> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && label.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(ValueError::NotDnsSubdomain(s.to_string()))
    }
}

/// IANA_SVC_NAME (SEM-59).
pub(super) fn check_port_name(s: &str) -> Result<(), ValueError> {
    let ok = !s.is_empty()
        && s.len() <= 15
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(ValueError::NotPortName(s.to_string()))
    }
}

/// Parse a CIDR like the API server (SEM-54, SEM-55). Returns the network and,
/// in lenient mode, a warning when it had to be normalised.
pub fn parse_cidr(s: &str, lenient: bool) -> Result<(IpNet, Option<String>), ValueError> {
    let invalid = || ValueError::NotCidr(s.to_string());
    let (addr, prefix) = s.split_once('/').ok_or_else(invalid)?;
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_digit()) || prefix.len() > 3 {
        return Err(invalid());
    }
    let prefix_zeros = prefix.len() > 1 && prefix.starts_with('0');
    let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
    let (ip, addr_zeros) = match addr.parse::<IpAddr>() {
        Ok(ip) => (ip, false),
        Err(_) => (parse_v4_leading_zeros(addr).ok_or_else(invalid)?, true),
    };
    let leading_zeros = addr_zeros || prefix_zeros;
    // An IPv4-mapped IPv6 block (::ffff:a.b.c.d/n) names IPv4 addresses;
    // current API servers refuse it, older ones matched it as IPv4.
    let mapped = match ip {
        IpAddr::V6(v6) if prefix >= 96 => v6.to_ipv4_mapped().map(|v4| (v4, prefix - 96)),
        _ => None,
    };
    if let Some((v4, p4)) = mapped {
        let net = IpNet::new(IpAddr::V4(v4), p4)
            .map_err(|_| invalid())?
            .trunc();
        return if lenient {
            Ok((
                net,
                Some(format!(
                    "`{s}` is an IPv4-mapped IPv6 address; evaluated as {net} (accepted because of --lenient-cidr, SEM-55)"
                )),
            ))
        } else {
            Err(ValueError::Ipv4Mapped {
                cidr: s.to_string(),
                net,
            })
        };
    }
    let net = IpNet::new(ip, prefix).map_err(|_| invalid())?;
    let masked = net.trunc();
    let host_bits = masked != net;
    if !host_bits && !leading_zeros {
        return Ok((net, None));
    }
    let what = if leading_zeros {
        "has leading zeros"
    } else {
        "has host bits set"
    };
    if lenient {
        Ok((
            masked,
            Some(format!(
                "`{s}` {what}; evaluated as {masked} (accepted because of --lenient-cidr, SEM-55)"
            )),
        ))
    } else {
        Err(ValueError::NotCanonical {
            cidr: s.to_string(),
            what,
            masked,
        })
    }
}

fn parse_v4_leading_zeros(s: &str) -> Option<IpAddr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut oct = [0u8; 4];
    for (o, p) in oct.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 3 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(IpAddr::from(oct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sem55_host_bits_strict_and_lenient() {
        assert!(parse_cidr("10.1.2.3/8", false).is_err());
        let (n, w) = parse_cidr("10.1.2.3/8", true).unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(w.is_some());
        let (n, _) = parse_cidr("010.0.0.0/8", true).unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(parse_cidr("010.0.0.0/8", false).is_err());
        assert!(parse_cidr("10.0.0.0/08", false).is_err());
        assert_eq!(
            parse_cidr("10.0.0.0/08", true).unwrap().0.to_string(),
            "10.0.0.0/8"
        );
        assert!(parse_cidr("::ffff:10.0.0.0/104", false).is_err());
        assert_eq!(
            parse_cidr("::ffff:10.0.0.0/104", true)
                .unwrap()
                .0
                .to_string(),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn sem54_bad_cidrs() {
        for s in ["10.0.0.1", "10.0.0.0/33", "garbage", "10.0.0.0/", "::/129"] {
            assert!(parse_cidr(s, true).is_err(), "{s}");
        }
        assert!(parse_cidr("fd00::/8", false).is_ok());
    }

    #[test]
    fn sem59_port_names() {
        assert!(check_port_name("http").is_ok());
        assert!(check_port_name("serve-80-tcp").is_ok());
        for bad in ["80", "HTTP", "-a", "a-", "a--b", "abcdefghijklmnop", ""] {
            assert!(check_port_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sem42_label_syntax() {
        assert!(check_label_key("kubernetes.io/metadata.name").is_ok());
        assert!(check_label_key("app").is_ok());
        assert!(check_label_key("-app").is_err());
        assert!(check_label_key("Bad_Prefix/app").is_err());
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("web server").is_err());
    }
}
