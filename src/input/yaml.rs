//! YAML at the speed of both cores. `kubectl get … -o yaml` prints one
//! document, a `List` whose block sequence `items:` holds thousands of
//! objects. Built as one tree, 120 MB of it takes 2.7 GB and one core. Here
//! the items are cut out of the text at their `- ` lines, dedented, and
//! parsed in parallel: Pods straight into the lean types, other objects
//! into values. Only a text of exactly that shape takes this path, and any
//! item that does not parse on its own (an alias to an anchor in another
//! item, an odd indentation) sends the whole text down the general path, so
//! results and errors are those of [`decode`].

use crate::input::decode::{self, At, Body, Object};
use crate::input::error::LoadError;
use crate::input::kinds::lean;
use crate::input::rule_lines::DocLines;
use crate::input::yaml11;
use rayon::prelude::*;
use serde::Deserialize;
use serde_yaml::Value;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Below this many items the general path is as fast.
const MIN_ITEMS: usize = 64;

/// The objects of a one-document block `List`, or `None` when the text is
/// not one (the caller then decodes it in full).
pub fn objects(file: &str, text: &str) -> Option<Vec<Result<Object, LoadError>>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let &[from] = decode::yaml_doc_lines(text).as_slice() else {
        return None;
    };
    let starts = decode::list_item_lines(&lines, from, lines.len() + 1);
    if starts.len() < MIN_ITEMS {
        return None;
    }
    let first = *starts.first()?;
    let ind = indent(lines.get(first - 1)?);
    let last = *starts.last()?;
    // The items end at the first line (not blank, not a comment) that is
    // indented no deeper than their dashes.
    let end = (last + 1..=lines.len())
        .find(|&n| lines.get(n - 1).is_some_and(|l| ends_items(l, ind)))
        .unwrap_or(lines.len() + 1);
    let items_line = (from..first)
        .rev()
        .find(|&n| lines.get(n - 1).is_some_and(|l| l.starts_with("items:")))?;
    let head = lines.get(from - 1..items_line - 1)?;
    let tail = lines.get(end - 1..).unwrap_or(&[]);
    let (item_kind, api) = list_head(head.iter().copied(), tail.iter().copied())?;
    let shape = Shape {
        file,
        ind,
        item_kind: item_kind.as_deref(),
        api: &api,
    };
    shape.items(&lines, 1, &starts, end, 0)
}

/// A line past the items: not blank, not a comment, indented no deeper
/// than their dashes.
fn ends_items(l: &str, ind: usize) -> bool {
    !blank_or_comment(l) && indent(l) <= ind
}

/// The kind of the items and the apiVersion of a `*List` whose document is
/// these lines with `items: []` between them; `None` when it is not one.
fn list_head<'a>(
    head: impl Iterator<Item = &'a str>,
    tail: impl Iterator<Item = &'a str>,
) -> Option<(Option<String>, String)> {
    let mut skeleton = String::new();
    for l in head {
        skeleton.push_str(l);
        skeleton.push('\n');
    }
    skeleton.push_str("items: []\n");
    for l in tail {
        skeleton.push_str(l);
        skeleton.push('\n');
    }
    let head: Value = yaml11::single(&skeleton)?;
    let kind = head.get("kind")?.as_str()?;
    if !kind.ends_with("List") {
        return None;
    }
    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
    let api = head
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Some((item_kind.map(str::to_string), api))
}

/// What every item of a List shares.
struct Shape<'a> {
    file: &'a str,
    /// The indentation of the items' dashes.
    ind: usize,
    item_kind: Option<&'a str>,
    api: &'a str,
}

impl Shape<'_> {
    /// The items starting at lines `starts` (1-based, in the file) of
    /// `lines`, the file's lines from line `base`; the last item ends
    /// before line `end`. `index` is the first one's index in `items`.
    /// Parsed in parallel; `None` when one does not parse on its own.
    fn items(
        &self,
        lines: &[&str],
        base: usize,
        starts: &[usize],
        end: usize,
        index: usize,
    ) -> Option<Vec<Result<Object, LoadError>>> {
        let bounds: Vec<(usize, usize)> = starts
            .iter()
            .zip(starts.iter().skip(1).chain(std::iter::once(&end)))
            .map(|(&s, &e)| (s, e))
            .collect();
        let parsed: Vec<Option<Vec<Result<Object, LoadError>>>> = bounds
            .par_iter()
            .enumerate()
            .map(|(i, &(s, e))| {
                let chunk = dedent(lines.get(s - base..e - base)?, self.ind)?;
                let at = At {
                    file: self.file,
                    doc: 1,
                    item: Some(index + i),
                    line: Some(s),
                    rules: None,
                };
                item(&at, s - 1, self.item_kind, self.api, &chunk)
            })
            .collect();
        let mut out = Vec::with_capacity(starts.len());
        for p in parsed {
            out.extend(p?);
        }
        Some(out)
    }
}

/// A YAML file larger than this is read in pieces ([`objects_in_file`]).
pub const STREAM_BYTES: u64 = 64 << 20;

/// Bytes of items parsed at a time when reading a file in pieces.
const BATCH_BYTES: u64 = 16 << 20;

/// [`objects`] for a file too large to hold whole (`kubectl get … -o yaml`
/// of 150,000 pods is 1.5 GB): one pass finds the lines [`objects`] finds
/// (without keeping the text), a second reads the List's head and tail,
/// then its items `BATCH_BYTES` at a time. The same objects and errors as
/// [`objects`] on the whole text; `None` where that gives `None`, and also
/// when the file has a document separator or a Helm template line, or is
/// not UTF-8 (the caller then reads it whole, and says why if it must).
pub fn objects_in_file(file: &str, path: &Path) -> Option<Vec<Result<Object, LoadError>>> {
    objects_in_file_by(file, path, (SCAN_BYTES, BATCH_BYTES))
}

/// Where a line begins: its number (1-based) and its byte offset.
#[derive(Clone, Copy)]
struct LineAt {
    n: usize,
    offset: u64,
}

/// What the first pass over a file finds.
struct FileScan {
    /// The first line of the List's head (past a byte order mark).
    head: LineAt,
    items_line: LineAt,
    starts: Vec<LineAt>,
    /// The line after the items (one past the last line when none).
    end: LineAt,
    ind: usize,
    len: u64,
}

/// Bytes read at a time by the first pass.
const SCAN_BYTES: usize = 8 << 20;

/// The first pass: the file read a block at a time, each block's whole
/// lines checked as UTF-8 at once and walked as `str::lines` gives them.
fn scan_file(path: &Path, block: usize) -> Option<FileScan> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut scan = Scanner::default();
    let mut buf: Vec<u8> = Vec::with_capacity(block);
    let mut eof = false;
    while !eof {
        let have = buf.len();
        buf.resize(have + block.max(1), 0);
        let got = f.read(buf.get_mut(have..)?).ok()?;
        buf.truncate(have + got);
        eof = got == 0;
        // Whole lines only, but for the last one at the end of the file.
        let cut = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|&c| c == b'\n') {
                Some(i) => i + 1,
                None => continue,
            }
        };
        let block = std::str::from_utf8(buf.get(..cut)?).ok()?;
        scan.block(block)?;
        buf.drain(..cut);
    }
    scan.finish()
}

/// What the first pass knows so far.
#[derive(Default)]
struct Scanner {
    offset: u64,
    n: usize,
    head: u64,
    items: decode::ItemScan,
    items_done: bool,
    items_line: Option<LineAt>,
    starts: Vec<LineAt>,
    ind: usize,
    end: Option<LineAt>,
}

impl Scanner {
    /// The lines of a block; `None` when the file cannot be read in pieces.
    fn block(&mut self, block: &str) -> Option<()> {
        let helm = block.contains("{{");
        for raw in block.split_inclusive('\n') {
            self.n += 1;
            let at = LineAt {
                n: self.n,
                offset: self.offset,
            };
            self.offset += raw.len() as u64;
            let mut l = match raw.strip_suffix('\n') {
                Some(l) => l.strip_suffix('\r').unwrap_or(l),
                None => raw,
            };
            if self.n == 1 {
                if let Some(rest) = l.strip_prefix('\u{feff}') {
                    l = rest;
                    self.head = 3;
                }
            }
            if decode::is_doc_separator(l) || (helm && super::loader::is_helm_line(l)) {
                return None;
            }
            if !self.items_done {
                match self.items.line(l) {
                    Some(true) => {
                        if self.starts.is_empty() {
                            self.ind = indent(l);
                        }
                        self.starts.push(at);
                        self.end = None;
                        continue;
                    }
                    Some(false) => {}
                    None => self.items_done = true,
                }
            }
            if self.starts.is_empty() {
                if l.starts_with("items:") {
                    self.items_line = Some(at);
                }
            } else if self.end.is_none() && ends_items(l, self.ind) {
                self.end = Some(at);
            }
        }
        Some(())
    }

    fn finish(self) -> Option<FileScan> {
        if self.starts.len() < MIN_ITEMS {
            return None;
        }
        Some(FileScan {
            head: LineAt {
                n: 1,
                offset: self.head,
            },
            items_line: self.items_line?,
            starts: self.starts,
            end: self.end.unwrap_or(LineAt {
                n: self.n + 1,
                offset: self.offset,
            }),
            ind: self.ind,
            len: self.offset,
        })
    }
}

/// Bytes `from..to` of a file, as text.
fn read_span(f: &mut std::fs::File, from: u64, to: u64) -> Option<String> {
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut bytes = vec![0; usize::try_from(to.checked_sub(from)?).ok()?];
    f.read_exact(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}

/// [`objects_in_file`], the file scanned `block` bytes at a time and its
/// items parsed `batch` bytes at a time.
fn objects_in_file_by(
    file: &str,
    path: &Path,
    (block, batch): (usize, u64),
) -> Option<Vec<Result<Object, LoadError>>> {
    let scan = scan_file(path, block)?;
    let mut f = std::fs::File::open(path).ok()?;
    let head = read_span(&mut f, scan.head.offset, scan.items_line.offset)?;
    let tail = read_span(&mut f, scan.end.offset, scan.len)?;
    let (item_kind, api) = list_head(head.lines(), tail.lines())?;
    let shape = Shape {
        file,
        ind: scan.ind,
        item_kind: item_kind.as_deref(),
        api: &api,
    };
    let mut out = Vec::with_capacity(scan.starts.len());
    let mut i = 0;
    while let Some(first) = scan.starts.get(i) {
        // Items from the i-th up to `batch` bytes (at least one).
        let mut j = i + 1;
        let next = |j: usize| scan.starts.get(j).copied().unwrap_or(scan.end);
        while j < scan.starts.len() && next(j).offset - first.offset < batch {
            j += 1;
        }
        let stop = next(j);
        let text = read_span(&mut f, first.offset, stop.offset)?;
        let lines: Vec<&str> = text.lines().collect();
        let starts: Vec<usize> = scan.starts.get(i..j)?.iter().map(|s| s.n).collect();
        out.extend(shape.items(&lines, first.n, &starts, stop.n, i)?);
        i = j;
    }
    Some(out)
}

/// The documents of a many-document YAML text (a folder of manifests
/// concatenated, `helm template`), parsed on every core: documents share
/// nothing in YAML (anchors end with their document), so each parses alone.
/// `None` when the text is short, or has directives, document-end markers
/// or separators with content, or a document does not parse (the caller
/// then parses it whole, for the same values and errors).
pub fn documents(text: &str, starts: &[usize]) -> Option<Vec<(Value, DocLines)>> {
    if starts.len() < MIN_ITEMS {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let plain_separators = lines.iter().all(|l| {
        !(l.starts_with('%') || l.starts_with("...") || l.starts_with("---"))
            || l.trim_end() == "---"
    });
    if !plain_separators {
        return None;
    }
    // Document i runs from its first line to the line before the next
    // separator (the next start's line minus one), or to the end.
    let bounds: Vec<(usize, usize)> = starts
        .iter()
        .zip(
            starts
                .iter()
                .skip(1)
                .map(|&n| n - 1)
                .chain(std::iter::once(lines.len() + 1)),
        )
        .map(|(&s, e)| (s, e.max(s)))
        .collect();
    let parsed: Vec<Option<(Value, DocLines)>> = bounds
        .par_iter()
        .map(|&(s, e)| {
            let doc = lines.get(s - 1..e - 1).unwrap_or(&[]).join("\n");
            let (v, mut rule_lines) = yaml11::single_lines(&doc)?;
            rule_lines.shift(s - 1);
            Some((v, rule_lines))
        })
        .collect();
    parsed.into_iter().collect()
}

/// One item's text, read as kubectl reads YAML: a Pod into the lean
/// types, anything else (or a Pod the lean types refuse) into a value
/// expanded as the general path does. `None` when the text does not parse
/// on its own. Its text starts `shift` lines down the file.
fn item(
    at: &At,
    shift: usize,
    item_kind: Option<&str>,
    api: &str,
    chunk: &str,
) -> Option<Vec<Result<Object, LoadError>>> {
    let (v, mut rule_lines) = yaml11::single_lines(chunk)?;
    rule_lines.shift(shift);
    let at = &At {
        rules: Some((&rule_lines, None)),
        ..*at
    };
    let kind = v.get("kind").and_then(Value::as_str).or(item_kind);
    let item_api = v.get("apiVersion").and_then(Value::as_str).unwrap_or(api);
    if kind == Some("Pod") && item_api == "v1" {
        if let Ok(pod) = lean::Pod::deserialize(&v) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            return Some(vec![Ok(Object {
                origin: at.origin(),
                kind: "Pod".into(),
                api: "v1".into(),
                name,
                body: Body::Pod(Box::new(pod)),
                lines: Default::default(),
            })]);
        }
    }
    let mut out = Vec::with_capacity(1);
    decode::expand_item(at, item_kind, api, v, &mut out);
    Some(out)
}

fn indent(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

fn blank_or_comment(l: &str) -> bool {
    let t = l.trim();
    t.is_empty() || t.starts_with('#')
}

/// An item's lines without the dash and the indentation of its content;
/// `None` when a line is indented less than the content.
fn dedent(lines: &[&str], ind: usize) -> Option<String> {
    let (first, rest) = lines.split_first()?;
    let body = first.get(ind..)?;
    let body = body
        .strip_prefix("- ")
        .or_else(|| (body == "-").then_some(""))?;
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    out.push_str(body);
    out.push('\n');
    let pad = ind + 2;
    for l in rest {
        if blank_or_comment(l) {
            out.push('\n');
        } else if indent(l) >= pad {
            out.push_str(l.get(pad..)?);
            out.push('\n');
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{load_str, LoadOptions};

    fn list(items: usize, extra: &str) -> String {
        let mut y = String::from("apiVersion: v1\nitems:\n");
        for i in 0..items {
            y += &format!("- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: 'n'\n    labels:\n      app: a{}\n  spec:\n    containers:\n    - name: c\n      ports:\n      - containerPort: 80\n        name: http\n  status:\n    podIP: 10.0.0.{}\n", i % 3, i % 250 + 1);
        }
        y += extra;
        y += "kind: List\nmetadata:\n  resourceVersion: \"\"\n";
        y
    }

    #[test]
    fn a_big_list_takes_the_fast_path_and_loads_the_same() {
        let y = list(100, "");
        let objects = objects("t.yaml", &y).expect("fast path");
        assert_eq!(objects.len(), 100);
        assert!(objects.iter().all(|o| matches!(
            o,
            Ok(Object {
                body: Body::Pod(_),
                ..
            })
        )));
        // The same model as the general path gives (checked field by field
        // on what the model holds).
        let fast = load_str("t.yaml", &y, &LoadOptions::default()).unwrap();
        let docs = decode::decode("t.yaml", &y, false).unwrap();
        let mut general = Vec::new();
        for d in docs {
            general.extend(decode::expand("t.yaml", d));
        }
        assert_eq!(general.len(), 100);
        assert_eq!(fast.pods.len(), 100);
        let p = &fast.pods[7];
        assert_eq!(
            (p.name.as_str(), p.origin.line, p.origin.item),
            ("p7", Some(3 + 7 * 15), Some(7))
        );
        assert_eq!(p.labels.get("app").map(String::as_str), Some("a1"));
        assert_eq!(p.ports[0].name.as_deref(), Some("http"));
    }

    #[test]
    fn anything_unusual_takes_the_general_path() {
        // Too few items.
        assert!(objects("t.yaml", &list(10, "")).is_none());
        // An alias to an anchor of another item.
        let y = list(70, "")
            .replacen("app: a0", "app: &a a0", 1)
            .replacen("app: a2", "app: *a", 1);
        assert!(objects("t.yaml", &y).is_none());
        let c = load_str("t.yaml", &y, &LoadOptions::default()).unwrap();
        assert_eq!(c.pods[2].labels.get("app").map(String::as_str), Some("a0"));
        // Two documents.
        assert!(objects("t.yaml", &format!("{}---\n{}", list(70, ""), list(70, ""))).is_none());
    }

    #[test]
    fn many_documents_parse_alone_and_load_as_one_text() {
        let doc = |i: usize| {
            format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: 'n'}}\nspec: {{containers: [{{name: c}}]}}\n")
        };
        let mut y = String::from("# leading comment\n");
        for i in 0..80 {
            y += &format!("---\n{}", doc(i));
        }
        let starts = decode::yaml_doc_lines(&y);
        let v = documents(&y, &starts).expect("parallel documents");
        assert_eq!(v.len(), 80);
        assert_eq!(
            v[79]
                .0
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str),
            Some("p79")
        );
        let c = load_str("t.yaml", &y, &LoadOptions::default()).unwrap();
        assert_eq!(
            (c.pods[5].origin.doc, c.pods[5].origin.line),
            (6, Some(2 + 5 * 5 + 1))
        );
        // A directive, or a syntax error, takes the general path.
        assert!(documents(&format!("%YAML 1.1\n{y}"), &starts).is_none());
        let bad = y.replacen("kind: Pod", "kind: [Pod", 1);
        assert!(documents(&bad, &decode::yaml_doc_lines(&bad)).is_none());
        let e = load_str("t.yaml", &bad, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("document 1: invalid YAML"), "{e}");
    }

    #[test]
    fn a_bad_item_is_reported_as_the_general_path_reports_it() {
        let y = list(70, "").replacen("containerPort: 80", "containerPort: eighty", 1);
        let e = load_str("t.yaml", &y, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("document 1 (Pod p0): items[0].spec.containers[0].ports[0].containerPort: invalid type"), "{e}");
    }

    /// What a pass finds: each object's place, kind and name, or the error.
    fn found(objects: Option<Vec<Result<Object, LoadError>>>) -> Option<Vec<String>> {
        objects.map(|v| {
            v.into_iter()
                .map(|o| match o {
                    Ok(o) => format!(
                        "{} line {:?}: {} {} {} lean={}",
                        o.origin,
                        o.origin.line,
                        o.api,
                        o.kind,
                        o.name,
                        matches!(o.body, Body::Pod(_))
                    ),
                    Err(e) => e.to_string(),
                })
                .collect()
        })
    }

    fn temp_file(tag: &str, text: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("br-yaml-{}-{tag}.yaml", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_file_read_in_pieces_gives_what_its_whole_text_gives() {
        let base = list(100, "");
        let namespaces: String = (0..70)
            .map(|i| format!("- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: n{i}\n\n# between items\n"))
            .collect();
        let texts = [
            ("plain", base.clone()),
            ("bom", format!("\u{feff}{base}")),
            ("crlf", base.replace('\n', "\r\n")),
            (
                "bad-item",
                base.replacen("containerPort: 80", "containerPort: eighty", 1),
            ),
            (
                "namespaces",
                format!("apiVersion: v1\nitems:\n{namespaces}kind: List\n"),
            ),
            ("no-final-newline", base.trim_end().to_string()),
            (
                "alias",
                base.replacen("app: a0", "app: &a a0", 1)
                    .replacen("app: a2", "app: *a", 1),
            ),
            ("few", list(10, "")),
            ("not-a-list", base.replace("kind: List", "kind: Lis")),
        ];
        for (tag, text) in texts {
            let path = temp_file(tag, &text);
            let whole = found(objects("t.yaml", &text));
            if !matches!(tag, "alias" | "few" | "not-a-list") {
                assert!(whole.is_some(), "{tag}: the fast path");
            }
            // One item a batch, a few, all of them; blocks of a byte, of a
            // few lines, of the whole file.
            for (block, batch) in [(1, 1), (64, 700), (1000, 1 << 20), (1 << 20, 700)] {
                let pieces = found(objects_in_file_by("t.yaml", &path, (block, batch)));
                assert_eq!(
                    pieces, whole,
                    "{tag}, blocks of {block} and batches of {batch} bytes"
                );
            }
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn a_large_file_loads_as_its_whole_text_loads_even_when_it_cannot_be_read_in_pieces() {
        use crate::input::loader::Loader;
        let base = list(100, "");
        let texts = [
            ("list", base.clone()),
            // A separator, a Helm template line, two documents: read whole.
            ("separator", format!("---\n{base}")),
            (
                "helm",
                base.replacen("app: a1", "app: {{ .Values.app }}", 1),
            ),
            (
                "two-docs",
                format!("{base}---\n{}", list(70, "").replace("name: p", "name: q")),
            ),
            (
                "bad-item",
                base.replacen("containerPort: 80", "containerPort: eighty", 1),
            ),
        ];
        for (tag, text) in texts {
            let path = temp_file(&format!("large-{tag}"), &text);
            if tag != "list" && tag != "bad-item" {
                assert!(objects_in_file("t.yaml", &path).is_none(), "{tag}");
            }
            let mut loader = Loader::new(LoadOptions::default());
            loader.add_large_yaml("t.yaml", &path);
            let large = loader
                .finish()
                .map(|c| format!("{c:?}"))
                .map_err(|e| e.to_string());
            let whole = load_str("t.yaml", &text, &LoadOptions::default())
                .map(|c| format!("{c:?}"))
                .map_err(|e| e.to_string());
            assert_eq!(large, whole, "{tag}");
            if tag == "helm" || tag == "bad-item" {
                assert!(large.is_err(), "{tag}");
            } else {
                assert!(
                    large.as_ref().is_ok_and(|c| c.contains("p99")),
                    "{tag}: {large:?}"
                );
            }
            std::fs::remove_file(&path).unwrap();
        }
    }
}
