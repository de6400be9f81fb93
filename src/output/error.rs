//! Errors of writing output: the folder and files a command writes, and the
//! charts drawn for them.

use crate::output::charts::ChartError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{} exists and is not a folder; choose another output folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("cannot create {}: {source}", .path.display())]
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is a folder; cannot write a file there", .0.display())]
    FileIsAFolder(PathBuf),
    #[error("cannot write {}: {source}", .path.display())]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is a symbolic link; name the real folder (output never goes through a link)", .0.display())]
    FolderIsALink(PathBuf),
    #[error(transparent)]
    Chart(#[from] ChartError),
}
