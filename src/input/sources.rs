//! Reading sources behind one interface ([`Source`]): a file, a folder
//! (recursive, sorted, symlink loops cut) and stdin (`-`), each read as
//! UTF-8 text within what memory allows (`input_limit`).

use crate::input::error::{input_limit, SourceError};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The text of one source, ready to decode.
pub struct Text {
    pub text: String,
    /// Decode as a JSON stream (a `.json` file) rather than YAML.
    pub json: bool,
}

/// Where manifests come from. Each implementation yields its texts (or why
/// one could not be read) with their display names, in a fixed order, one
/// at a time so only one is held in memory. Decoding is not its business.
///
/// A live-cluster source (objects listed from an API server) can be added
/// later as one more implementation: it would yield one text per object
/// list, named after the resource.
pub trait Source {
    /// The name of the source as given (a path, or `<stdin>`).
    fn name(&self) -> String;
    /// Visit every text of the source in order: its display name, and its
    /// text or why it could not be read.
    fn read(&self, visit: &mut dyn FnMut(&str, Result<Text, SourceError>));
}

/// Standard input (`-`), read as YAML.
pub struct Stdin;

/// One file, taken as is whatever its extension (`.json` decodes as JSON).
pub struct File(pub PathBuf);

/// A path walked recursively: manifests (`.yaml`, `.yml`, `.json`) in sorted
/// order, symlink loops cut. Also reports a path that does not exist or is
/// neither a file nor a folder.
pub struct Folder(pub PathBuf);

impl Source for Stdin {
    fn name(&self) -> String {
        "<stdin>".to_string()
    }

    fn read(&self, visit: &mut dyn FnMut(&str, Result<Text, SourceError>)) {
        visit(&self.name(), read_stdin());
    }
}

impl Source for File {
    fn name(&self) -> String {
        self.0.display().to_string()
    }

    fn read(&self, visit: &mut dyn FnMut(&str, Result<Text, SourceError>)) {
        visit(&self.name(), read_file(&self.0));
    }
}

impl Source for Folder {
    fn name(&self) -> String {
        self.0.display().to_string()
    }

    fn read(&self, visit: &mut dyn FnMut(&str, Result<Text, SourceError>)) {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        collect_files(&self.0, &mut files, &mut HashSet::new(), true, &mut errors);
        for (f, e) in errors {
            visit(&f.display().to_string(), Err(e));
        }
        for f in files {
            visit(&f.display().to_string(), read_file(&f));
        }
    }
}

/// The source a command-line path names: `-` is stdin, a file is a file,
/// anything else is walked as a folder (which reports what is wrong with it).
pub fn source_for(p: &Path) -> Box<dyn Source> {
    if p.as_os_str() == "-" {
        Box::new(Stdin)
    } else if std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
        Box::new(File(p.to_path_buf()))
    } else {
        Box::new(Folder(p.to_path_buf()))
    }
}

fn too_big(size: u64, json: bool) -> SourceError {
    SourceError::TooBig {
        size_mib: size.div_ceil(1 << 20),
        limit_mib: input_limit(json) >> 20,
        format: if json { "JSON" } else { "YAML" },
    }
}

/// Standard input: JSON when it starts like JSON (`kubectl … -o json |`),
/// YAML otherwise (a YAML text that is not JSON still reads as YAML).
fn read_stdin() -> Result<Text, SourceError> {
    let most = input_limit(true);
    let mut bytes = Vec::new();
    match std::io::stdin().take(most + 1).read_to_end(&mut bytes) {
        Ok(n) if n as u64 > most => Err(too_big(n as u64, true)),
        Ok(_) => {
            let text = String::from_utf8(bytes).map_err(|_| SourceError::NotText)?;
            let json = text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('{')
                && serde_json::Deserializer::from_str(&text)
                    .into_iter::<serde::de::IgnoredAny>()
                    .all(|v| v.is_ok());
            if !json && text.len() as u64 > input_limit(false) {
                return Err(too_big(text.len() as u64, false));
            }
            Ok(Text { text, json })
        }
        Err(e) => Err(SourceError::Read(e.to_string())),
    }
}

fn read_file(f: &Path) -> Result<Text, SourceError> {
    let json = f.extension().is_some_and(|e| e == "json");
    if let Some(len) = std::fs::metadata(f).ok().map(|m| m.len()) {
        if len > input_limit(json) {
            return Err(too_big(len, json));
        }
    }
    let bytes = std::fs::read(f).map_err(|e| SourceError::Read(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| SourceError::NotText)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &dyn Source) -> Vec<(String, Result<String, SourceError>)> {
        let mut out = Vec::new();
        src.read(&mut |name, t| out.push((name.to_string(), t.map(|t| t.text))));
        out
    }

    fn temp_folder(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("blastradius-sources-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("nested")).unwrap();
        std::fs::write(d.join("b.yaml"), "kind: B\n").unwrap();
        std::fs::write(d.join("a.json"), "{\"kind\": \"A\"}").unwrap();
        std::fs::write(d.join("notes.txt"), "not a manifest").unwrap();
        std::fs::write(d.join("nested").join("c.yml"), "kind: C\n").unwrap();
        d
    }

    #[test]
    fn folder_walks_sorted_manifests_only() {
        let d = temp_folder("walk");
        let got = texts(&Folder(d.clone()));
        let names: Vec<String> = got.iter().map(|(n, _)| n.clone()).collect();
        let want: Vec<String> = [
            d.join("a.json"),
            d.join("b.yaml"),
            d.join("nested").join("c.yml"),
        ]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
        assert_eq!(names, want);
        assert_eq!(got[2].1.as_deref(), Ok("kind: C\n"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn file_is_taken_as_is_and_json_by_extension() {
        let d = temp_folder("file");
        let f = File(d.join("notes.txt"));
        assert_eq!(f.name(), d.join("notes.txt").display().to_string());
        assert_eq!(texts(&f)[0].1.as_deref(), Ok("not a manifest"));
        let mut json = Vec::new();
        File(d.join("a.json")).read(&mut |_, t| json.push(t.map(|t| t.json)));
        assert_eq!(json, vec![Ok(true)]);
        assert!(matches!(source_for(&d.join("b.yaml")).name(), n if n.ends_with("b.yaml")));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn missing_path_is_reported_once() {
        let d = std::env::temp_dir().join(format!(
            "blastradius-sources-missing-{}",
            std::process::id()
        ));
        let got = texts(source_for(&d).as_ref());
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0].1, Err(SourceError::Read(_))));
        assert_eq!(Stdin.name(), "<stdin>");
    }
}
