//! Audit findings as JSON (`blastradius.audit/v1`): the serialised shape of
//! [`Finding`] and [`Location`], field for field.

use crate::review::audit::{Finding, Location};

#[derive(serde::Serialize)]
struct Doc<'a> {
    schema: &'static str,
    findings: Vec<FindingJson<'a>>,
}

/// [`Finding`] as written: fields in declaration order, severity lowercase.
#[derive(serde::Serialize)]
struct FindingJson<'a> {
    id: &'static str,
    rule: &'static str,
    severity: &'static str,
    title: &'a str,
    objects: Vec<LocationJson<'a>>,
    why: &'a str,
    fix: &'a str,
}

#[derive(serde::Serialize)]
struct LocationJson<'a> {
    file: &'a str,
    doc: usize,
    object: &'a str,
    /// `spec.ingress[0].from[1]` when the location is one rule or peer.
    field: Option<&'a str>,
    line: Option<usize>,
}

fn location(o: &Location) -> LocationJson<'_> {
    LocationJson {
        file: &o.file,
        doc: o.doc,
        object: &o.object,
        field: o.field.as_deref(),
        line: o.line,
    }
}

fn finding(f: &Finding) -> FindingJson<'_> {
    FindingJson {
        id: f.id,
        rule: f.rule,
        severity: f.severity.as_str(),
        title: &f.title,
        objects: f.objects.iter().map(location).collect(),
        why: &f.why,
        fix: &f.fix,
    }
}

/// `{"schema": "blastradius.audit/v1", "findings": [...]}`, pretty.
pub fn to_json(findings: &[Finding]) -> String {
    let doc = Doc {
        schema: "blastradius.audit/v1",
        findings: findings.iter().map(finding).collect(),
    };
    // Plain structs of strings and numbers: serialization cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
