//! Reading sources behind one interface ([`Source`]): a file, a folder
//! (recursive, sorted, symlink loops cut, links that lead outside it not
//! followed, each real file read once) and stdin (`-`), each read as UTF-8
//! text within what memory allows (`input_limit`).

use crate::input::error::{input_limit, SourceError};
use crate::input::yaml::STREAM_BYTES;
use crate::util::text::path_text;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The text of one source, ready to decode.
pub struct Text {
    pub text: String,
    /// Decode as a JSON stream (a `.json` file) rather than YAML.
    pub json: bool,
}

/// What a source yields for one file.
pub enum Content {
    /// The text, read whole.
    Text(Text),
    /// A YAML file of more than [`STREAM_BYTES`]: the loader reads it in
    /// pieces (`kubectl get … -o yaml` of a large cluster is gigabytes), and
    /// whole, within what memory allows, only when it must.
    LargeYaml(PathBuf),
}

/// Where manifests come from. Each implementation yields its texts (or why
/// one could not be read) with their display names, in a fixed order, one
/// at a time so only one is held in memory. Decoding is not its business.
///
/// A live-cluster source (objects listed from an API server) can be added
/// later as one more implementation: it would yield one text per object
/// list, named after the resource.
pub trait Source {
    /// The name of the source as given (a path, or `<stdin>`), control
    /// characters escaped.
    fn name(&self) -> String;
    /// Visit every text of the source in order: its display name, and its
    /// text or why it could not be read. Returns what the user should be
    /// told about what was left out (warnings).
    fn read(&self, visit: &mut dyn FnMut(&str, Result<Content, SourceError>)) -> Vec<String>;
}

/// Standard input (`-`), read as YAML.
pub struct Stdin;

/// One file, taken as is whatever its extension (`.json` decodes as JSON).
pub struct File(pub PathBuf);

/// A path walked recursively: manifests (`.yaml`, `.yml`, `.json`) in sorted
/// order, symlink loops cut. A link inside that leads outside the folder is
/// skipped unless `follow_links` (the folder named may itself be a link);
/// a real file reached by several names is read once, under the first.
/// Also reports a path that does not exist or is neither a file nor a
/// folder.
pub struct Folder {
    pub path: PathBuf,
    pub follow_links: bool,
    /// `--exclude` globs, matched against the path below the folder and
    /// against each name in it (`*`, `?`, `**`).
    pub exclude: Vec<String>,
}

impl Source for Stdin {
    fn name(&self) -> String {
        "<stdin>".to_string()
    }

    fn read(&self, visit: &mut dyn FnMut(&str, Result<Content, SourceError>)) -> Vec<String> {
        visit(&self.name(), read_stdin().map(Content::Text));
        Vec::new()
    }
}

impl Source for File {
    fn name(&self) -> String {
        path_text(&self.0)
    }

    fn read(&self, visit: &mut dyn FnMut(&str, Result<Content, SourceError>)) -> Vec<String> {
        visit(&self.name(), read_file(&self.0));
        Vec::new()
    }
}

/// Paths listed in full in a warning; the rest are counted.
const LISTED: usize = 5;

impl Source for Folder {
    fn name(&self) -> String {
        path_text(&self.path)
    }

    fn read(&self, visit: &mut dyn FnMut(&str, Result<Content, SourceError>)) -> Vec<String> {
        if let Some((first, second)) = two_versions(&self.path) {
            visit(
                &self.name(),
                Err(SourceError::TwoVersions {
                    path: self.name(),
                    first,
                    second,
                }),
            );
            return Vec::new();
        }
        let walk = walk(&self.path, self.follow_links, &self.exclude);
        for (f, why) in walk.not_read {
            visit(&path_text(&f), Err(SourceError::NotRead(why)));
        }
        for (f, e) in walk.errors {
            visit(&path_text(&f), Err(e));
        }
        for f in &walk.files {
            match read_file(f) {
                Ok(Content::Text(t)) if t.json && is_own_output(&t.text) => visit(
                    &path_text(f),
                    Err(SourceError::NotRead(
                        "a JSON output of blastradius (its own output is never read)".into(),
                    )),
                ),
                r => visit(&path_text(f), r),
            }
        }
        let mut notes = Vec::new();
        if !walk.outside.is_empty() {
            let shown: Vec<String> = walk
                .outside
                .iter()
                .take(LISTED)
                .map(|(link, to)| format!("{} -> {}", path_text(link), path_text(to)))
                .collect();
            notes.push(format!(
                "{}: skipped {} symbolic link{} that lead{} outside the folder: {}{}; --follow-links follows them",
                self.name(),
                walk.outside.len(),
                if walk.outside.len() == 1 { "" } else { "s" },
                if walk.outside.len() == 1 { "s" } else { "" },
                shown.join(", "),
                more(walk.outside.len()),
            ));
        }
        if !walk.again.is_empty() {
            let shown: Vec<String> = walk
                .again
                .iter()
                .take(LISTED)
                .map(|(second, first)| {
                    format!("{} (read as {})", path_text(second), path_text(first))
                })
                .collect();
            notes.push(format!(
                "{}: {} path{} name{} a file read already, read once: {}{}",
                self.name(),
                walk.again.len(),
                if walk.again.len() == 1 { "" } else { "s" },
                if walk.again.len() == 1 { "s" } else { "" },
                shown.join(", "),
                more(walk.again.len()),
            ));
        }
        notes
    }
}

fn more(n: usize) -> String {
    if n > LISTED {
        format!(" and {} more", n - LISTED)
    } else {
        String::new()
    }
}

/// The source a command-line path names: `-` is stdin, a file is a file,
/// anything else is walked as a folder (which reports what is wrong with it).
#[cfg(test)]
pub fn source_for(p: &Path, follow_links: bool) -> Box<dyn Source> {
    source_excluding(p, follow_links, &[])
}

/// [`source_for`], a folder walked without what `exclude` matches.
pub fn source_excluding(p: &Path, follow_links: bool, exclude: &[String]) -> Box<dyn Source> {
    if p.as_os_str() == "-" {
        Box::new(Stdin)
    } else if std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
        Box::new(File(p.to_path_buf()))
    } else {
        Box::new(Folder {
            path: p.to_path_buf(),
            follow_links,
            exclude: exclude.to_vec(),
        })
    }
}

/// A lesson's folder holds its versions side by side (`mistake/` and
/// `fixed/`, `before/` and `after/`): read together they are one cluster
/// with every object twice.
fn two_versions(p: &Path) -> Option<(&'static str, &'static str)> {
    [("mistake", "fixed"), ("before", "after")]
        .into_iter()
        .find(|(a, b)| p.join(a).is_dir() && p.join(b).is_dir())
}

/// A folder `blastradius report` wrote (index.html, summary.md and
/// report.json side by side): its JSON is output, not manifests.
fn is_report_folder(p: &Path) -> bool {
    ["index.html", "summary.md", "report.json"]
        .iter()
        .all(|f| p.join(f).is_file())
}

/// A JSON file the tool wrote (`"schema": "blastradius.…"` at the top
/// level: `reach -o json > reach.json`), not a manifest.
fn is_own_output(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Head {
        schema: Option<String>,
    }
    text.contains("\"blastradius.")
        && serde_json::from_str::<Head>(text)
            .ok()
            .and_then(|h| h.schema)
            .is_some_and(|s| s.starts_with("blastradius."))
}

/// Shell-style glob: `*` any run of characters but `/`, `**` any run
/// including `/`, `?` one character but `/`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => {
                let (deep, rest) = match rest.split_first() {
                    Some(('*', r)) => (true, r.strip_prefix(&['/']).unwrap_or(r)),
                    _ => (false, rest),
                };
                (0..=t.len()).any(|i| {
                    (deep || !t.get(..i).is_some_and(|s| s.contains(&'/')))
                        && go(rest, t.get(i..).unwrap_or(&[]))
                })
            }
            Some(('?', rest)) => t
                .split_first()
                .is_some_and(|(c, tr)| *c != '/' && go(rest, tr)),
            Some((c, rest)) => t
                .split_first()
                .is_some_and(|(tc, tr)| tc == c && go(rest, tr)),
        }
    }
    let p: Vec<char> = pattern.trim_end_matches('/').chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
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

fn read_file(f: &Path) -> Result<Content, SourceError> {
    let json = f.extension().is_some_and(|e| e == "json");
    let len = std::fs::metadata(f).ok().map(|m| m.len());
    if !json && len.is_some_and(|l| l > STREAM_BYTES) {
        return Ok(Content::LargeYaml(f.to_path_buf()));
    }
    read_whole(f).map(Content::Text)
}

/// A file's whole text, within what memory allows.
pub(super) fn read_whole(f: &Path) -> Result<Text, SourceError> {
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

/// What walking a folder found.
#[derive(Default)]
struct Walk {
    /// Manifests to read, in order.
    files: Vec<PathBuf>,
    errors: Vec<(PathBuf, SourceError)>,
    /// Links not followed: (link, where it leads).
    outside: Vec<(PathBuf, PathBuf)>,
    /// Names of a file read already: (this name, the name it was read as).
    again: Vec<(PathBuf, PathBuf)>,
    /// Left out on purpose, and why.
    not_read: Vec<(PathBuf, String)>,
}

/// The identity of a real file: its device and inode (hard links and
/// symlinks to one file are one file), else its canonical path.
#[derive(Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[allow(dead_code)]
    Path(PathBuf),
}

fn file_id(p: &Path, meta: &std::fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = p;
        FileId::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileId::Path(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
    }
}

/// Walk a folder recursively (sorted, symlink loops cut); a file is taken
/// as is. The path named may be a link (the user named it); a link inside
/// is followed when it leads inside the folder, or with `follow_links`.
fn walk(p: &Path, follow_links: bool, exclude: &[String]) -> Walk {
    let mut w = Walk::default();
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            w.errors
                .push((p.to_path_buf(), SourceError::Read(e.to_string())));
            return w;
        }
    };
    if meta.is_file() {
        w.files.push(p.to_path_buf());
        return w;
    }
    if !meta.is_dir() {
        w.errors
            .push((p.to_path_buf(), SourceError::NotFileOrFolder));
        return w;
    }
    let root = match std::fs::canonicalize(p) {
        Ok(c) => c,
        Err(e) => {
            w.errors
                .push((p.to_path_buf(), SourceError::Read(e.to_string())));
            return w;
        }
    };
    let mut walker = Walker {
        root: &root,
        top: p,
        exclude,
        follow_links,
        dirs: HashSet::from([root.clone()]),
        files: std::collections::HashMap::new(),
        w,
    };
    walker.folder(p);
    walker.w
}

struct Walker<'a> {
    /// The canonical folder walked: links inside it stay inside.
    root: &'a Path,
    /// The folder as named, for paths relative to it (`--exclude`).
    top: &'a Path,
    exclude: &'a [String],
    follow_links: bool,
    /// Canonical folders walked already (symlink loops).
    dirs: HashSet<PathBuf>,
    /// Real files taken already, with the name they were taken under.
    files: std::collections::HashMap<FileId, PathBuf>,
    w: Walk,
}

impl Walker<'_> {
    fn folder(&mut self, p: &Path) {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                self.w
                    .errors
                    .push((p.to_path_buf(), SourceError::ReadFolder(e.to_string())));
                return;
            }
        };
        entries.sort();
        for e in entries {
            self.entry(&e);
        }
    }

    /// Why an entry below the folder is left out on purpose: a hidden
    /// folder (`.git`, `.github`), an `--exclude` match. None: read it.
    fn left_out(&self, p: &Path, is_dir: bool) -> Option<String> {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let rel = p
            .strip_prefix(self.top)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(g) = self
            .exclude
            .iter()
            .find(|g| glob_match(g, &rel) || glob_match(g, &name))
        {
            return Some(format!("--exclude {g}"));
        }
        if is_dir && name.starts_with('.') {
            return Some("a hidden folder".into());
        }
        if is_dir && is_report_folder(p) {
            return Some(
                "a folder `blastradius report` wrote (its own output is never read)".into(),
            );
        }
        None
    }

    fn entry(&mut self, p: &Path) {
        // Inside a folder, only manifests we would have read matter.
        let unreadable = |w: &mut Walk, e: std::io::Error| {
            if is_manifest(p) {
                w.errors
                    .push((p.to_path_buf(), SourceError::Read(e.to_string())));
            }
        };
        let meta = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) => return unreadable(&mut self.w, e),
        };
        let meta = if meta.file_type().is_symlink() {
            let to = match std::fs::canonicalize(p) {
                Ok(t) => t,
                Err(e) => return unreadable(&mut self.w, e),
            };
            if !self.follow_links && !to.starts_with(self.root) {
                let dir = std::fs::metadata(&to).is_ok_and(|m| m.is_dir());
                if dir || is_manifest(p) {
                    self.w.outside.push((p.to_path_buf(), to));
                }
                return;
            }
            match std::fs::metadata(p) {
                Ok(m) => m,
                Err(e) => return unreadable(&mut self.w, e),
            }
        } else {
            meta
        };
        if let Some(why) = self.left_out(p, meta.is_dir()) {
            // Hidden folders (.git) are left out without a word.
            if meta.is_file() && !is_manifest(p) || why == "a hidden folder" {
                return;
            }
            self.w.not_read.push((p.to_path_buf(), why));
            return;
        }
        if meta.is_file() {
            if !is_manifest(p) {
                return;
            }
            match self.files.entry(file_id(p, &meta)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    self.w.again.push((p.to_path_buf(), first.get().clone()));
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(p.to_path_buf());
                    self.w.files.push(p.to_path_buf());
                }
            }
        } else if meta.is_dir() {
            match std::fs::canonicalize(p) {
                // A folder walked already: a symlink loop, or a second name.
                Ok(c) => {
                    if self.dirs.insert(c) {
                        self.folder(p);
                    }
                }
                Err(e) => self
                    .w
                    .errors
                    .push((p.to_path_buf(), SourceError::Read(e.to_string()))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(c: Content) -> String {
        match c {
            Content::Text(t) => t.text,
            Content::LargeYaml(p) => format!("<read in pieces: {}>", p.display()),
        }
    }

    fn texts(src: &dyn Source) -> Vec<(String, Result<String, SourceError>)> {
        let mut out = Vec::new();
        let _ = src.read(&mut |name, t| out.push((name.to_string(), t.map(text_of))));
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
    fn exclude_globs_match_as_shells_do() {
        assert!(glob_match("chart/templates/**", "chart/templates/a/b.yaml"));
        assert!(glob_match("templates", "templates"));
        assert!(glob_match("*.json", "reach.json"));
        assert!(!glob_match("*.json", "k8s/reach.json"));
        assert!(glob_match("**/*.json", "k8s/reach.json"));
        assert!(glob_match("k8s/?.yaml", "k8s/a.yaml"));
        assert!(!glob_match("k8s/?.yaml", "k8s/ab.yaml"));
        assert!(glob_match("charts/", "charts"));
    }

    #[test]
    fn folder_walks_sorted_manifests_only() {
        let d = temp_folder("walk");
        let got = texts(&Folder {
            path: d.clone(),
            follow_links: false,
            exclude: Vec::new(),
        });
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
        let _ = File(d.join("a.json")).read(&mut |_, t| {
            json.push(t.map(|c| matches!(c, Content::Text(Text { json: true, .. }))))
        });
        assert_eq!(json, vec![Ok(true)]);
        assert!(matches!(source_for(&d.join("b.yaml"), false).name(), n if n.ends_with("b.yaml")));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn missing_path_is_reported_once() {
        let d = std::env::temp_dir().join(format!(
            "blastradius-sources-missing-{}",
            std::process::id()
        ));
        let got = texts(source_for(&d, false).as_ref());
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0].1, Err(SourceError::Read(_))));
        assert_eq!(Stdin.name(), "<stdin>");
    }

    #[cfg(unix)]
    #[test]
    fn links_outside_are_skipped_and_a_file_is_read_once() {
        use std::os::unix::fs::symlink;
        let base =
            std::env::temp_dir().join(format!("blastradius-sources-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let d = base.join("in");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(base.join("other")).unwrap();
        std::fs::write(d.join("a.yaml"), "kind: A\n").unwrap();
        std::fs::write(base.join("other/x.yaml"), "kind: X\n").unwrap();
        std::fs::write(base.join("outside.yaml"), "kind: O\n").unwrap();
        symlink("../outside.yaml", d.join("o.yaml")).unwrap();
        symlink("../other", d.join("otherdir")).unwrap();
        symlink("a.yaml", d.join("b.yaml")).unwrap();
        symlink("../a.yaml", d.join("sub/c.yaml")).unwrap();
        std::fs::hard_link(d.join("a.yaml"), d.join("sub/hard.yaml")).unwrap();
        symlink("..", d.join("sub/loop")).unwrap();
        symlink("../nowhere.txt", d.join("gone.txt")).unwrap();
        let read = |follow_links| {
            let mut names = Vec::new();
            let notes = Folder {
                path: d.clone(),
                follow_links,
                exclude: Vec::new(),
            }
            .read(&mut |n, _| names.push(n.to_string()));
            (names, notes)
        };
        let (names, notes) = read(false);
        let at = |p: &str| d.join(p).display().to_string();
        assert_eq!(names, [at("a.yaml")], "{notes:?}");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(
            notes[0],
            format!(
                "{}: skipped 2 symbolic links that lead outside the folder: {} -> {}, {} -> {}; --follow-links follows them",
                d.display(),
                at("o.yaml"),
                base.join("outside.yaml").canonicalize().unwrap().display(),
                at("otherdir"),
                base.join("other").canonicalize().unwrap().display(),
            )
        );
        assert!(notes[1].contains("3 paths name a file read already, read once"));
        // --follow-links: everything, each real file still once.
        let (names, notes) = read(true);
        assert_eq!(
            names,
            [at("a.yaml"), at("o.yaml"), at("otherdir/x.yaml")],
            "{notes:?}"
        );
        // The folder named may itself be a link: it is walked.
        symlink(&d, base.join("named")).unwrap();
        let mut got = Vec::new();
        let notes =
            source_for(&base.join("named"), false).read(&mut |n, _| got.push(n.to_string()));
        assert_eq!(got, [base.join("named/a.yaml").display().to_string()]);
        assert_eq!(notes.len(), 2);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn names_are_printed_with_control_characters_escaped() {
        let d = temp_folder("ctl");
        std::fs::write(d.join("evil\n\u{1b}[2J.yaml"), "kind: E\n").unwrap();
        let got = texts(&Folder {
            path: d.clone(),
            follow_links: false,
            exclude: Vec::new(),
        });
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.contains(&format!("{}/evil\\n\\u{{1b}}[2J.yaml", d.display()).as_str()),
            "{names:?}"
        );
        assert!(names.iter().all(|n| !n.contains('\n')));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
