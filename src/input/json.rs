//! JSON at the speed of the disk. A `kubectl get … -o json` dump is one
//! `List` whose items are mostly Pods of 4–10 KB. The items are found as
//! borrowed slices of the text (no tree is built for the whole document),
//! then parsed on every core: Pods straight into the lean types, every
//! other object into a value as before. Anything unusual (a document that
//! is not a list, an item that is not an object or has no kind, nested
//! lists, a Pod the lean types refuse) takes the general path of
//! [`decode`], so the results and the errors are the same as before.

use crate::input::decode::{self, At, Body, Object};
use crate::input::error::{LoadError, Problem};
use crate::input::kinds::lean;
use crate::input::rule_lines;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_yaml::Value;

/// What a document must look like for the fast path: the four keys
/// kubectl prints, each once (anything else takes the general path, which
/// checks every key).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListShape<'a> {
    kind: String,
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
}

impl ListShape<'_> {
    /// A list whose items the fast path reads.
    fn fast(&self) -> bool {
        self.kind.ends_with("List") && !self.metadata.is_some_and(|m| has_duplicate_key(m.get()))
    }
}

/// Every object of a JSON text (a stream of values, as kubectl reads),
/// in order, with the errors of those that are not objects. A syntax error
/// anywhere refuses the whole text.
/// Objects go to `sink` as they are parsed (chunks of a List's items, in
/// order); `sink` returns false to stop. A text that is not one List is
/// checked whole before any of its objects goes to `sink`.
pub fn objects(
    file: &str,
    text: &str,
    sink: &mut dyn FnMut(Result<Object, LoadError>) -> bool,
) -> Result<(), Box<LoadError>> {
    objects_in_chunks(file, text, CHUNK_BYTES, sink)
}

/// [`objects`], a List's items parsed `chunk` bytes at a time.
fn objects_in_chunks(
    file: &str,
    text: &str,
    chunk: usize,
    sink: &mut dyn FnMut(Result<Object, LoadError>) -> bool,
) -> Result<(), Box<LoadError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The common case, the whole text one List (`kubectl … -o json`): its
    // items straight from the text, one serial scan fewer than the stream.
    if let Ok(list) = serde_json::from_str::<ListShape>(text) {
        if list.fast() {
            let lead = text.len() - text.trim_start().len();
            let at = At {
                file,
                doc: 1,
                item: None,
                line: Some(text.get(..lead).unwrap_or("").matches('\n').count() + 1),
                rules: None,
            };
            // The whole text parsed as a List: no syntax error can come
            // after the first chunk.
            items(&at, list, (text, 1), chunk, sink);
            return Ok(());
        }
    }
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let mut out = Vec::new();
    let mut newlines = 0;
    let mut counted = 0;
    let mut doc = 0;
    loop {
        let before = stream.byte_offset();
        let Some(v) = stream.next() else { break };
        doc += 1;
        let Ok(raw) = v else {
            // The general decoder's words for it (serde_json says more
            // when it builds values, e.g. "trailing comma").
            return match decode::decode(file, text, true) {
                Err(e) => Err(e),
                Ok(_) => Err(Box::new(LoadError::doc(
                    file,
                    doc,
                    Problem::Syntax {
                        format: "JSON",
                        detail: v.err().map(|e| e.to_string()).unwrap_or_default(),
                    },
                ))),
            };
        };
        // 1-based line where the value starts, counted incrementally.
        let rest = text.get(before..).unwrap_or("");
        let start = before + (rest.len() - rest.trim_start().len());
        newlines += text.get(counted..start).unwrap_or("").matches('\n').count();
        counted = start;
        let at = At {
            file,
            doc,
            item: None,
            line: Some(newlines + 1),
            rules: None,
        };
        document(&at, raw, &mut out);
    }
    for o in out {
        if !sink(o) {
            break;
        }
    }
    Ok(())
}

/// One top-level value: a list's items in parallel, anything else as YAML
/// values are.
fn document(at: &At, raw: &RawValue, out: &mut Vec<Result<Object, LoadError>>) {
    let list = serde_json::from_str::<ListShape>(raw.get())
        .ok()
        .filter(ListShape::fast);
    let Some(list) = list else {
        general(at, raw, out, |at, v, out| {
            decode::expand_value(at, &[], v, out)
        });
        return;
    };
    items(
        at,
        list,
        (raw.get(), at.line.unwrap_or(1)),
        CHUNK_BYTES,
        &mut |o| {
            out.push(o);
            true
        },
    );
}

/// Where `part` (a slice of `whole`) begins in it, in bytes.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// The line of each item, `within` being the text they are slices of and
/// the line it begins on: newlines counted between consecutive items on
/// every core, then summed in order.
fn item_lines(items: &[&RawValue], within: (&str, usize)) -> Vec<usize> {
    let (text, first) = within;
    let starts: Vec<usize> = items.iter().map(|r| offset_in(text, r.get())).collect();
    let counts: Vec<usize> = (0..starts.len())
        .into_par_iter()
        .map(|k| {
            let from = k
                .checked_sub(1)
                .and_then(|p| starts.get(p))
                .copied()
                .unwrap_or(0);
            let to = starts.get(k).copied().unwrap_or(from);
            text.get(from..to)
                .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count())
        })
        .collect();
    counts
        .iter()
        .scan(first, |line, n| {
            *line += n;
            Some(*line)
        })
        .collect()
}

/// Bytes of List items parsed at once before their objects go on: large
/// enough to keep both cores busy, small enough that the values of a List
/// of large objects (10,000 policies of 60 KB) are never all held at once.
const CHUNK_BYTES: usize = 16 << 20;

/// A List's items, parsed in parallel by chunks, in order, each at its own
/// line; false when `sink` asked to stop.
fn items(
    at: &At,
    list: ListShape,
    within: (&str, usize),
    chunk_bytes: usize,
    sink: &mut dyn FnMut(Result<Object, LoadError>) -> bool,
) -> bool {
    let item_kind = list.kind.strip_suffix("List").filter(|k| !k.is_empty());
    let api = list.api_version.unwrap_or_default();
    let lines = item_lines(&list.items, within);
    let n = list.items.len();
    let mut start = 0;
    while start < n {
        let mut end = start;
        let mut bytes = 0;
        while end < n && (end == start || bytes < chunk_bytes) {
            bytes += list.items.get(end).map_or(0, |r| r.get().len());
            end += 1;
        }
        let chunk = list.items.get(start..end).unwrap_or_default();
        let parsed: Vec<Vec<Result<Object, LoadError>>> = chunk
            .par_iter()
            .enumerate()
            .map(|(j, raw)| {
                let i = start + j;
                let at = At {
                    file: at.file,
                    doc: at.doc,
                    item: Some(i),
                    line: lines.get(i).copied().or(at.line),
                    rules: None,
                };
                let mut out = Vec::with_capacity(1);
                item(&at, item_kind, &api, raw, &mut out);
                out
            })
            .collect();
        for o in parsed.into_iter().flatten() {
            if !sink(o) {
                return false;
            }
        }
        start = end;
    }
    true
}

/// One list item: a Pod into the lean types, another object into a value.
fn item(
    at: &At,
    item_kind: Option<&str>,
    list_api: &str,
    raw: &RawValue,
    out: &mut Vec<Result<Object, LoadError>>,
) {
    // One pass into the lean types (kind and apiVersion with them). Anything
    // but a v1 Pod, a Pod they refuse (a type error), or an item with a key
    // twice anywhere (the lean types would keep the last one, or skip it)
    // takes the general path, which says why as it always has.
    let pod = serde_json::from_str::<lean::Pod>(raw.get())
        .ok()
        .filter(|p| {
            p.kind.as_deref().or(item_kind) == Some("Pod")
                && p.api_version.as_deref().unwrap_or(list_api) == "v1"
        })
        .filter(|_| !has_duplicate_key(raw.get()));
    let Some(pod) = pod else {
        general(at, raw, out, |at, v, out| {
            decode::expand_item(at, item_kind, list_api, v, out)
        });
        return;
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let (kind, api) = ("Pod".to_string(), "v1".to_string());
    let body = Body::Pod(Box::new(pod));
    out.push(Ok(Object {
        origin: at.origin(),
        kind,
        api,
        name,
        body,
        lines: Default::default(),
    }));
}

/// The general path: the value as YAML values are read, then `expand`.
fn general(
    at: &At,
    raw: &RawValue,
    out: &mut Vec<Result<Object, LoadError>>,
    expand: impl FnOnce(&At, Value, &mut Vec<Result<Object, LoadError>>),
) {
    // Straight into YAML values, whose mappings refuse a key given twice.
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(v) => {
            // Where its rules and peers are, if it may have some.
            let rules = raw
                .get()
                .contains("gress\"")
                .then(|| rule_lines::json(raw.get(), at.line.unwrap_or(1)));
            let at = At {
                rules: rules.as_ref().map(|t| (t, None)),
                ..*at
            };
            expand(&at, v, out)
        }
        Err(e) => {
            let mut err = LoadError::doc(
                at.file,
                at.doc,
                Problem::Syntax {
                    format: "JSON",
                    detail: e.to_string(),
                },
            );
            err.path = at.item.map(|i| format!("items[{i}]"));
            out.push(Err(err));
        }
    }
}

/// Whether an object of this JSON text (already known to be valid) has a
/// key twice. One pass over the bytes that looks only at quotes and braces:
/// a string is a key when a colon follows it, so brackets and commas need
/// no tracking. Keys are compared as written (one with an escape is decoded
/// first).
fn has_duplicate_key(text: &str) -> bool {
    let b = text.as_bytes();
    // Keys of the objects open (with whether they hold an escape), and
    // where each open object's keys start.
    let mut keys: Vec<(&[u8], bool)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    // The last string closed, while only whitespace follows it.
    let mut last: Option<(usize, usize, bool)> = None;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                loop {
                    match b.get(j) {
                        Some(b'"') | None => break,
                        Some(b'\\') => {
                            escaped = true;
                            j += 2;
                        }
                        Some(_) => j += 1,
                    }
                }
                last = Some((start, j, escaped));
                i = j;
            }
            b':' => {
                if let Some((s, e, escaped)) = last.take() {
                    keys.push((b.get(s..e).unwrap_or_default(), escaped));
                }
            }
            b'{' => open.push(keys.len()),
            b'}' => {
                let from = open.pop().unwrap_or(0);
                if keys.len() > from + 1 && keys.get(from..).is_some_and(repeated) {
                    return true;
                }
                keys.truncate(from);
            }
            b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => last = None,
        }
        i += 1;
    }
    false
}

/// Whether two of an object's keys are the same string.
fn repeated(keys: &[(&[u8], bool)]) -> bool {
    if keys.iter().any(|&(_, escaped)| escaped) {
        let mut decoded: Vec<String> = keys
            .iter()
            .map(|(k, _)| {
                let quoted = format!("\"{}\"", String::from_utf8_lossy(k));
                serde_json::from_str(&quoted).unwrap_or(quoted)
            })
            .collect();
        decoded.sort_unstable();
        return decoded.windows(2).any(|w| w.first() == w.get(1));
    }
    if keys.len() <= 16 {
        return keys
            .iter()
            .enumerate()
            .any(|(n, (k, _))| keys.iter().skip(n + 1).any(|(o, _)| o == k));
    }
    let mut sorted: Vec<&[u8]> = keys.iter().map(|&(k, _)| k).collect();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w.first() == w.get(1))
}

#[cfg(test)]
mod tests {
    use crate::input::{load_text, LoadOptions};

    const LIST: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "n", "labels": {"app": "a"}},
   "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}]}]},
   "status": {"phase": "Running", "podIP": "10.0.0.1"}},
  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": {"team": "x"}}}
]}
"#;

    /// What the loader sees of each object, in order.
    fn seen(text: &str, chunk: usize, stop_after: usize) -> Vec<String> {
        let mut v = Vec::new();
        super::objects_in_chunks("f.json", text, chunk, &mut |o| {
            v.push(match o {
                Ok(o) => format!(
                    "{} {} {} line {:?}",
                    o.kind, o.name, o.origin, o.origin.line
                ),
                Err(e) => format!("error {e}"),
            });
            v.len() < stop_after
        })
        .unwrap();
        v
    }

    /// A List cut into chunks (down to one item a chunk) gives the same
    /// objects, errors and places in the same order as one chunk, and the
    /// sink's stop is obeyed.
    #[test]
    fn chunks_change_nothing_but_memory() {
        let mut items = Vec::new();
        for i in 0..40 {
            items.push(format!(
                r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{i}", "namespace": "n"}}, "spec": {{"containers": [{{"name": "c"}}]}}}}"#
            ));
            if i % 7 == 0 {
                items.push(format!(
                    r#"{{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {{"name": "np{i}", "namespace": "n"}}, "spec": {{"podSelector": {{}}, "ingress": [{{}}]}}}}"#
                ));
            }
            if i == 20 {
                items.push("7".to_string()); // not an object: an error in place
            }
        }
        let text = format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{}\n]}}\n",
            items.join(",\n")
        );
        let whole = seen(&text, usize::MAX, usize::MAX);
        assert_eq!(whole.len(), items.len(), "{whole:?}");
        assert!(whole.iter().any(|o| o.starts_with("error")), "{whole:?}");
        // Each item on its own line: the List's line 2 onwards.
        assert!(
            whole.iter().any(|o| o.ends_with("items[30] line Some(32)")),
            "{whole:?}"
        );
        for chunk in [1, 100, 1000] {
            assert_eq!(
                seen(&text, chunk, usize::MAX),
                whole,
                "chunks of {chunk} bytes"
            );
        }
        assert_eq!(seen(&text, 1, 5), whole.get(..5).unwrap().to_vec());
    }

    #[test]
    fn one_list_and_a_stream_of_lists_read_alike() {
        let one = load_text(
            "t.json",
            &format!("\n\n{LIST}"),
            true,
            &LoadOptions::default(),
        )
        .unwrap();
        let p = &one.pods[0];
        assert_eq!(
            (p.name.as_str(), p.origin.doc, p.origin.item, p.origin.line),
            // The item's own line (the list starts on line 3).
            ("a", 1, Some(0), Some(4))
        );
        assert_eq!(p.ports[0].name.as_deref(), Some("http"));
        assert_eq!(p.ips.len(), 1);
        assert_eq!(
            one.namespace("n").map(|n| n.labels.get("team").cloned()),
            Some(Some("x".into()))
        );
        // The same List twice is a stream: the second is document 2 (and a
        // duplicate, which the loader refuses as ever).
        let two = load_text(
            "t.json",
            &format!("{LIST}{LIST}"),
            true,
            &LoadOptions::default(),
        );
        let e = two.unwrap_err().to_string();
        assert!(
            e.contains("t.json: document 2, items[0]") || e.contains("document 2"),
            "{e}"
        );
    }
}
