//! The input layer's errors: what can go wrong reading, decoding and
//! validating manifests, each located by file, document, object and path.

use crate::util::text::{place, quoted};
use std::fmt;

/// Inputs are bounded by memory, not by a fixed size: a file may be as large
/// as the memory available (`MemAvailable`, or the cgroup's limit when that
/// is lower) divided by what loading one byte costs at peak. A JSON List is
/// read as slices of its text (about 1.5 bytes a byte); a YAML List as
/// kubectl prints it item by item (about 2); other YAML is built into a
/// tree per document first (up to about 20 a byte, which only a single
/// document of gigabytes would reach). Never below this floor.
pub const MIN_INPUT_LIMIT: u64 = 256 * 1024 * 1024;

/// Peak bytes of memory per input byte, JSON and YAML.
const PEAK_PER_BYTE: (u64, u64) = (2, 8);

/// The largest JSON (or YAML) input that loads within the memory there is.
pub fn input_limit(json: bool) -> u64 {
    let per = if json {
        PEAK_PER_BYTE.0
    } else {
        PEAK_PER_BYTE.1
    };
    (available_memory() / per).max(MIN_INPUT_LIMIT)
}

/// Memory this process may use: MemAvailable, capped by a cgroup v2 limit;
/// 4 GiB when neither can be read. (Also the CLI's memory guard's basis.)
pub fn available_memory() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 4 << 30,
    }
}

/// Why a source (a file, a folder or stdin) could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("cannot read folder: {0}")]
    ReadFolder(String),
    #[error("is neither a file nor a folder")]
    NotFileOrFolder,
    #[error(
        "is {size_mib} MiB, more than this machine's memory can load as {format} ({limit_mib} MiB at most now); free memory, or split it into several files"
    )]
    TooBig {
        size_mib: u64,
        limit_mib: u64,
        format: &'static str,
    },
    #[error("is not UTF-8 text (binary data?); expected YAML or JSON manifests")]
    NotText,
    /// Left out on purpose (a hidden folder, the tool's own output,
    /// `--exclude`): not an error; the loader counts it.
    #[error("not read: {0}")]
    NotRead(String),
    /// A lesson folder with its two versions side by side.
    #[error(
        "holds two versions of the same manifests, {first}/ and {second}/, which would be read as one cluster: pick one (`blastradius reach {path}/{first}`), or compare them (`blastradius diff {path}/{first} {path}/{second}`)"
    )]
    TwoVersions {
        path: String,
        first: &'static str,
        second: &'static str,
    },
}

/// A value the API server would refuse (SEM-42, SEM-54, SEM-55, SEM-59,
/// SEM-63): the message says what is wrong and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error(
        "Invalid value: {}: a namespace name must be a lowercase RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. 'prod')", quoted(.0)
    )]
    NotDnsLabel(String),
    #[error(
        "Invalid value: {}: must be a lowercase RFC 1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters (e.g. 'allow-web') (SEM-63)", quoted(.0)
    )]
    NotDnsSubdomain(String),
    #[error(
        "Invalid value: {}: a label value must be at most 63 characters, empty or begin and end with a letter or digit, with only letters, digits, '-', '_' or '.' in between (SEM-42)", quoted(.0)
    )]
    NotLabelValue(String),
    #[error(
        "Invalid value: {}: a label key is an optional DNS-subdomain prefix and '/', then a name of at most 63 characters that begins and ends with a letter or digit, with only letters, digits, '-', '_' or '.' in between (SEM-42)", quoted(.0)
    )]
    NotLabelKey(String),
    #[error(
        "Invalid value: {}: a port name is at most 15 characters of a-z, 0-9 and '-', with at least one letter, no leading, trailing or double '-'; a number must be written unquoted, 1..65535 (SEM-59)", quoted(.0)
    )]
    NotPortName(String),
    #[error(
        "Invalid value: {}: must be a valid CIDR value (e.g. 10.0.0.0/16 or fd00::/8) (SEM-54)", quoted(.0)
    )]
    NotCidr(String),
    /// An IPv4-mapped IPv6 block, refused by current API servers.
    #[error(
        "Invalid value: {}: must be a valid CIDR value: it must not have an IPv4-mapped IPv6 address; write {net} (SEM-54, SEM-55)", quoted(.cidr)
    )]
    Ipv4Mapped { cidr: String, net: ipnet::IpNet },
    /// Host bits set or leading zeros (`what` says which), refused by current
    /// API servers unless --lenient-cidr.
    #[error(
        "Invalid value: {}: must be a valid CIDR value: it {what}; write {masked} (current API servers refuse it; --lenient-cidr accepts and normalises it, SEM-55)", quoted(.cidr)
    )]
    NotCanonical {
        cidr: String,
        what: &'static str,
        masked: ipnet::IpNet,
    },
}

/// What is wrong at one place of the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The source could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A document is not valid YAML or JSON; the whole file is refused.
    #[error("invalid {format}: {detail}; nothing from this file was used")]
    Syntax {
        format: &'static str,
        detail: String,
    },
    /// A document (or a list item) that is not a mapping.
    #[error("expected a Kubernetes object (a mapping with apiVersion, kind and metadata)")]
    NotAnObject,
    /// An object without `kind`.
    #[error("missing `kind`: every Kubernetes object needs apiVersion and kind")]
    MissingKind,
    /// A document that is not a Kubernetes object at all (no `kind` and no
    /// `metadata`: a kustomization, a Helm Chart.yaml or values.yaml, a CI
    /// workflow): skipped, not an error; the loader counts it.
    #[error("not a Kubernetes object ({0})")]
    NotKubernetes(&'static str),
    /// A Helm chart's template, not rendered.
    #[error(
        "a Helm template (`{{{{ … }}}}` at line {0}), not a manifest: render it first, e.g. `helm template RELEASE CHART > rendered.yaml` (or `| blastradius reach -`), or leave it out with --exclude"
    )]
    HelmTemplate(usize),
    /// `items` of a `*List` that is not a sequence.
    #[error("must be a list of objects")]
    ItemsNotAList,
    /// The object is refused as the API server would refuse it (SEM-54..63):
    /// the message says what is wrong and what would be valid.
    #[error("{0}")]
    Invalid(String),
    /// A single value is refused as the API server would refuse it.
    #[error(transparent)]
    Value(#[from] ValueError),
}

impl From<String> for Problem {
    fn from(m: String) -> Problem {
        Problem::Invalid(m)
    }
}

impl From<&str> for Problem {
    fn from(m: &str) -> Problem {
        Problem::Invalid(m.to_string())
    }
}

/// One refusal, with where it is and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    /// 1-based document number in the file, when known.
    pub doc: Option<usize>,
    /// `kind ns/name` of the object, when known.
    pub object: Option<String>,
    /// Field path inside the document, e.g. `spec.ingress[0].ports[1].endPort`.
    pub path: Option<String>,
    pub problem: Problem,
}

impl LoadError {
    /// An error about a whole source, before any document was read.
    pub fn unreadable(file: &str, e: SourceError) -> LoadError {
        LoadError {
            file: file.to_string(),
            doc: None,
            object: None,
            path: None,
            problem: e.into(),
        }
    }

    /// An error about a document, before its object is known.
    pub fn doc(file: &str, doc: usize, problem: Problem) -> LoadError {
        LoadError {
            file: file.into(),
            doc: Some(doc),
            object: None,
            path: None,
            problem,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(d) = self.doc {
            write!(f, ": document {d}")?;
        }
        if let Some(o) = &self.object {
            write!(f, " ({})", place(o))?;
        }
        if let Some(p) = &self.path {
            write!(f, ": {}", place(p))?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.problem)
    }
}

/// All the errors found, in input order.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", render(.0))]
pub struct LoadErrors(pub Vec<LoadError>);

fn render(errors: &[LoadError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("error: {e}")).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_error_texts() {
        assert_eq!(
            ValueError::NotCidr("x".into()).to_string(),
            "Invalid value: \"x\": must be a valid CIDR value (e.g. 10.0.0.0/16 or fd00::/8) (SEM-54)"
        );
        let net: ipnet::IpNet = "10.0.0.0/8".parse().unwrap();
        assert_eq!(
            ValueError::NotCanonical {
                cidr: "10.1.2.3/8".into(),
                what: "has host bits set",
                masked: net,
            }
            .to_string(),
            "Invalid value: \"10.1.2.3/8\": must be a valid CIDR value: it has host bits set; write 10.0.0.0/8 (current API servers refuse it; --lenient-cidr accepts and normalises it, SEM-55)"
        );
        assert_eq!(
            ValueError::Ipv4Mapped {
                cidr: "::ffff:10.0.0.0/104".into(),
                net,
            }
            .to_string(),
            "Invalid value: \"::ffff:10.0.0.0/104\": must be a valid CIDR value: it must not have an IPv4-mapped IPv6 address; write 10.0.0.0/8 (SEM-54, SEM-55)"
        );
        assert_eq!(
            ValueError::NotPortName("Http".into()).to_string(),
            "Invalid value: \"Http\": a port name is at most 15 characters of a-z, 0-9 and '-', with at least one letter, no leading, trailing or double '-'; a number must be written unquoted, 1..65535 (SEM-59)"
        );
        assert_eq!(
            ValueError::NotDnsLabel("A".into()).to_string(),
            "Invalid value: \"A\": a namespace name must be a lowercase RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. 'prod')"
        );
        // Through Problem and LoadError, the text is unchanged.
        let e = LoadError {
            file: "f.yaml".into(),
            doc: Some(1),
            object: Some("Namespace A".into()),
            path: Some("metadata.name".into()),
            problem: ValueError::NotDnsLabel("A".into()).into(),
        };
        assert!(e.to_string().starts_with(
            "f.yaml: document 1 (Namespace A): metadata.name: Invalid value: \"A\": a namespace"
        ));
    }

    #[test]
    fn source_error_texts() {
        assert_eq!(
            SourceError::Read("gone".into()).to_string(),
            "cannot read: gone"
        );
        assert_eq!(
            SourceError::TooBig {
                size_mib: 900,
                limit_mib: 512,
                format: "YAML"
            }
            .to_string(),
            "is 900 MiB, more than this machine's memory can load as YAML (512 MiB at most now); free memory, or split it into several files"
        );
        // JSON costs less a byte than YAML, and neither limit is below the floor.
        assert!(super::input_limit(true) >= super::input_limit(false));
        assert!(super::input_limit(false) >= super::MIN_INPUT_LIMIT);
    }
}
