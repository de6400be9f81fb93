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
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_yaml::Value;

/// What a document must look like for the fast path.
#[derive(Deserialize)]
struct ListShape<'a> {
    kind: String,
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

/// What an item must look like for the fast path.
#[derive(Deserialize)]
struct Head {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    metadata: HeadMeta,
}

#[derive(Deserialize, Default)]
struct HeadMeta {
    name: Option<String>,
}

/// Every object of a JSON text (a stream of values, as kubectl reads),
/// in order, with the errors of those that are not objects. A syntax error
/// anywhere refuses the whole text.
pub fn objects(file: &str, text: &str) -> Result<Vec<Result<Object, LoadError>>, Box<LoadError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The common case, the whole text one List (`kubectl … -o json`): its
    // items straight from the text, one serial scan fewer than the stream.
    if let Ok(list) = serde_json::from_str::<ListShape>(text) {
        if list.kind.ends_with("List") {
            let lead = text.len() - text.trim_start().len();
            let at = At {
                file,
                doc: 1,
                item: None,
                line: Some(text.get(..lead).unwrap_or("").matches('\n').count() + 1),
            };
            let mut out = Vec::new();
            items(&at, list, &mut out);
            return Ok(out);
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
        };
        document(&at, raw, &mut out);
    }
    Ok(out)
}

/// One top-level value: a list's items in parallel, anything else as YAML
/// values are.
fn document(at: &At, raw: &RawValue, out: &mut Vec<Result<Object, LoadError>>) {
    let list = serde_json::from_str::<ListShape>(raw.get())
        .ok()
        .filter(|l| l.kind.ends_with("List"));
    let Some(list) = list else {
        general(at, raw, out, |at, v, out| {
            decode::expand_value(at, &[], v, out)
        });
        return;
    };
    items(at, list, out);
}

/// A List's items, parsed in parallel, in order.
fn items(at: &At, list: ListShape, out: &mut Vec<Result<Object, LoadError>>) {
    let item_kind = list.kind.strip_suffix("List").filter(|k| !k.is_empty());
    let api = list.api_version.unwrap_or_default();
    let parsed: Vec<Vec<Result<Object, LoadError>>> = list
        .items
        .par_iter()
        .enumerate()
        .map(|(i, raw)| {
            let at = At {
                file: at.file,
                doc: at.doc,
                item: Some(i),
                line: at.line,
            };
            let mut out = Vec::with_capacity(1);
            item(&at, item_kind, &api, raw, &mut out);
            out
        })
        .collect();
    out.extend(parsed.into_iter().flatten());
}

/// One list item: a Pod into the lean types, another object into a value.
fn item(
    at: &At,
    item_kind: Option<&str>,
    list_api: &str,
    raw: &RawValue,
    out: &mut Vec<Result<Object, LoadError>>,
) {
    let head = serde_json::from_str::<Head>(raw.get()).ok();
    let fast = head.and_then(|h| {
        let kind = h.kind.or_else(|| item_kind.map(str::to_string))?;
        let api = match h.api_version {
            Some(a) => a,
            None if !list_api.is_empty() => list_api.to_string(),
            None => String::new(),
        };
        (!kind.ends_with("List")).then(|| (kind, api, h.metadata.name.unwrap_or_default()))
    });
    let Some((kind, api, name)) = fast else {
        general(at, raw, out, |at, v, out| {
            decode::expand_item(at, item_kind, list_api, v, out)
        });
        return;
    };
    // Pods into the lean types; should that fail (a type error, a
    // duplicate key), the general path says why as it always has.
    let pod = (api == "v1" && kind == "Pod")
        .then(|| serde_json::from_str::<lean::Pod>(raw.get()).ok())
        .flatten();
    let Some(pod) = pod else {
        general(at, raw, out, |at, v, out| {
            decode::expand_item(at, item_kind, list_api, v, out)
        });
        return;
    };
    let body = Body::Pod(Box::new(pod));
    out.push(Ok(Object {
        origin: at.origin(),
        kind,
        api,
        name,
        body,
    }));
}

/// The general path: the value as YAML values are read, then `expand`.
fn general(
    at: &At,
    raw: &RawValue,
    out: &mut Vec<Result<Object, LoadError>>,
    expand: impl FnOnce(&At, Value, &mut Vec<Result<Object, LoadError>>),
) {
    match serde_json::from_str::<serde_json::Value>(raw.get())
        .map_err(|e| e.to_string())
        .and_then(|v| serde_yaml::to_value(v).map_err(|e| e.to_string()))
    {
        Ok(v) => expand(at, v, out),
        Err(detail) => out.push(Err(LoadError::doc(
            at.file,
            at.doc,
            Problem::Syntax {
                format: "JSON",
                detail,
            },
        ))),
    }
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
            ("a", 1, Some(0), Some(3))
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
