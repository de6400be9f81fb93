//! The input layer's errors: what can go wrong reading, decoding and
//! validating manifests, each located by file, document, object and path.

use std::fmt;

/// Largest input file (or stdin) read. YAML is parsed in memory: a 256 MiB
/// file needs a few times that at peak, which stays well inside a laptop.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

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
        "is larger than the {} MiB input limit; split it into several files",
        MAX_FILE_BYTES / (1024 * 1024)
    )]
    TooBig,
    #[error("is not UTF-8 text (binary data?); expected YAML or JSON manifests")]
    NotText,
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
    /// `items` of a `*List` that is not a sequence.
    #[error("must be a list of objects")]
    ItemsNotAList,
    /// The object is refused as the API server would refuse it (SEM-54..63):
    /// the message says what is wrong and what would be valid.
    #[error("{0}")]
    Invalid(String),
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
            write!(f, " ({o})")?;
        }
        if let Some(p) = &self.path {
            write!(f, ": {p}")?;
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
