//! Audit findings as a SARIF 2.1.0 log, for code-scanning UIs.

use crate::review::audit::{Finding, RULES};

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn information_uri() -> &'static str {
    let repo = env!("CARGO_PKG_REPOSITORY");
    let home = env!("CARGO_PKG_HOMEPAGE");
    if !repo.is_empty() {
        repo
    } else if !home.is_empty() {
        home
    } else {
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
    }
}

/// A file path as a relative URI reference: `/` separators, and bytes
/// outside the unreserved set percent-encoded.
fn path_uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF 2.1.0 log with one run.
pub fn to_sarif(findings: &[Finding]) -> String {
    use serde_json::json;
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.full},
                "help": {"text": r.full},
                "defaultConfiguration": {"level": r.severity.sarif_level()},
                "properties": {"severity": r.severity.as_str()},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut locations: Vec<serde_json::Value> = f
                .objects
                .iter()
                .map(|o| {
                    let mut phys = serde_json::Map::new();
                    phys.insert("artifactLocation".into(), json!({"uri": path_uri(&o.file)}));
                    if let Some(l) = o.line {
                        phys.insert("region".into(), json!({"startLine": l}));
                    }
                    // The rule or peer meant, when it is one, is said in
                    // the message; its line is the region's.
                    let text = match &o.field {
                        Some(f) => format!("{} {f}", o.object),
                        None => o.object.clone(),
                    };
                    json!({
                        "physicalLocation": serde_json::Value::Object(phys),
                        "logicalLocations": [{"fullyQualifiedName": o.object, "kind": "resource"}],
                        "message": {"text": text},
                    })
                })
                .collect();
            // One location, the main object, where a code-scanning UI puts
            // the alert; the other objects as related locations (each once).
            let related: Vec<serde_json::Value> = locations
                .drain(1.min(locations.len())..)
                .enumerate()
                .map(|(i, mut l)| {
                    if let Some(m) = l.as_object_mut() {
                        m.insert("id".into(), json!(i + 1));
                    }
                    l
                })
                .collect();
            let mut result = json!({
                "ruleId": f.id,
                "ruleIndex": RULES.iter().position(|r| r.id == f.id).unwrap_or(0),
                "level": f.severity.sarif_level(),
                "message": {"text": format!("{}. {}", f.title, f.why)},
                "locations": locations,
                "properties": {"severity": f.severity.as_str(), "title": f.title, "fix": f.fix},
            });
            if let (false, Some(m)) = (related.is_empty(), result.as_object_mut()) {
                m.insert("relatedLocations".into(), json!(related));
            }
            result
        })
        .collect();
    let v = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "blastradius",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": information_uri(),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    // A `json!` value (string keys only): serialization cannot fail.
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
