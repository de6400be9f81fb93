//! Errors of writing output: the folder and files a command writes, and the
//! charts drawn for them. Paths are printed with control characters escaped.

use crate::output::charts::ChartError;
use crate::util::text::path_text;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{} exists and is not a folder; choose another output folder", path_text(.0))]
    NotAFolder(PathBuf),
    #[error("cannot create {}: {source}", path_text(.path))]
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is a folder; cannot write a file there", path_text(.0))]
    FileIsAFolder(PathBuf),
    #[error("cannot write {}: {source}; nothing of the new output was left", path_text(.path))]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A staged file could not be moved into place.
    #[error("cannot move {} into place: {source}", path_text(.path))]
    MoveFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A default output folder (`out/<input name>`) that is a link.
    #[error("{} is a symbolic link; output goes through a link only when it is named as the output folder: name the real folder, or name the link to write where it points", path_text(.0))]
    FolderIsALink(PathBuf),
    /// A link on the relative path to the output folder.
    #[error("{} is a symbolic link on the way to {}; output never goes through a link on the way to its folder: name the real folder", path_text(.link), path_text(.dir))]
    PathThroughALink { link: PathBuf, dir: PathBuf },
    /// The output folder named is a link that points at nothing.
    #[error("{} is a symbolic link to nothing; name an existing folder or a new path", path_text(.0))]
    LinkToNothing(PathBuf),
    /// A file that must be new (`synth --out`) is there, or a link is.
    #[error("{} exists; synth never overwrites a file: choose an empty folder", path_text(.0))]
    Exists(PathBuf),
    #[error(transparent)]
    Chart(#[from] ChartError),
}
