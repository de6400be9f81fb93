//! Reading sources: files, folders (recursive, sorted, symlink loops cut)
//! and stdin (`-`), each as UTF-8 text within the size limit.

use crate::input::error::{SourceError, MAX_FILE_BYTES};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The text of one source, ready to decode.
pub struct Text {
    pub text: String,
    /// Decode as a JSON stream (a `.json` file) rather than YAML.
    pub json: bool,
}

/// Visit every source of `paths` in order (`-` is stdin, a folder is walked
/// sorted): its display name, and its text or why it could not be read.
/// Sources are read one at a time, so only one is held in memory.
pub fn for_each_source(paths: &[PathBuf], mut visit: impl FnMut(&str, Result<Text, SourceError>)) {
    for p in paths {
        if p.as_os_str() == "-" {
            visit("<stdin>", read_stdin());
            continue;
        }
        let mut files = Vec::new();
        let mut errors = Vec::new();
        collect_files(p, &mut files, &mut HashSet::new(), true, &mut errors);
        for (f, e) in errors {
            visit(&f.display().to_string(), Err(e));
        }
        for f in files {
            visit(&f.display().to_string(), read_file(&f));
        }
    }
}

fn read_stdin() -> Result<Text, SourceError> {
    let mut bytes = Vec::new();
    match std::io::stdin()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
    {
        Ok(n) if n as u64 > MAX_FILE_BYTES => Err(SourceError::TooBig),
        Ok(_) => String::from_utf8(bytes)
            .map(|text| Text { text, json: false })
            .map_err(|_| SourceError::NotText),
        Err(e) => Err(SourceError::Read(e.to_string())),
    }
}

fn read_file(f: &Path) -> Result<Text, SourceError> {
    if std::fs::metadata(f).is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
        return Err(SourceError::TooBig);
    }
    let bytes = std::fs::read(f).map_err(|e| SourceError::Read(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| SourceError::NotText)?;
    let json = f.extension().is_some_and(|e| e == "json");
    Ok(Text { text, json })
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Walk a folder recursively (sorted, symlink loops cut); a file is taken as is.
fn collect_files(
    p: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    top: bool,
    errors: &mut Vec<(PathBuf, SourceError)>,
) {
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            // Inside a folder, only manifests we would have read matter.
            if top || is_manifest(p) {
                errors.push((p.to_path_buf(), SourceError::Read(e.to_string())));
            }
            return;
        }
    };
    if meta.is_file() {
        if top || is_manifest(p) {
            out.push(p.to_path_buf());
        }
        return;
    }
    if !meta.is_dir() {
        if top {
            errors.push((p.to_path_buf(), SourceError::NotFileOrFolder));
        }
        return;
    }
    let canon = match std::fs::canonicalize(p) {
        Ok(c) => c,
        Err(e) => {
            errors.push((p.to_path_buf(), SourceError::Read(e.to_string())));
            return;
        }
    };
    if !seen.insert(canon) {
        return; // a symlink loop: this folder was walked already
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            errors.push((p.to_path_buf(), SourceError::ReadFolder(e.to_string())));
            return;
        }
    };
    entries.sort();
    for e in entries {
        collect_files(&e, out, seen, false, errors);
    }
}
