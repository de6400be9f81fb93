//! Decoding text into objects: YAML multi-document and JSON streams, the
//! byte-order mark, `*List` expansion, document numbers and start lines.

use crate::input::error::{LoadError, Problem};
use crate::input::kinds::lean;
use crate::model::Origin;
use serde_yaml::Value;

/// One parsed document of a file.
pub struct Doc {
    /// 1-based document number in the file.
    pub number: usize,
    /// 1-based line where the document starts, when known.
    pub line: Option<usize>,
    /// Lines of the items of a top-level block `items:` sequence, in order
    /// (empty when the document has none or they could not be found).
    pub item_lines: Vec<usize>,
    pub value: Value,
}

/// One object found in a document, not yet converted.
pub struct Object {
    pub origin: Origin,
    pub kind: String,
    /// `apiVersion`, empty when absent or not a string.
    pub api: String,
    /// `metadata.name`, empty when absent or not a string.
    pub name: String,
    pub body: Body,
}

/// An object's content.
pub enum Body {
    /// A mapping (a top-level tag is dropped).
    Value(Value),
    /// A Pod read straight from JSON text into the lean types.
    Pod(Box<lean::Pod>),
}

/// Parse every document of a file. A syntax error anywhere refuses the
/// whole file rather than silently dropping the documents after it. JSON may
/// hold several values one after the other (as kubectl reads them).
pub fn decode(file: &str, text: &str, json: bool) -> Result<Vec<Doc>, Box<LoadError>> {
    // A UTF-8 byte-order mark is not part of the YAML (kubectl skips it too).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (format, parsed, lines): (&str, Vec<Result<Value, String>>, Vec<usize>) = if json {
        let (values, lines) = json_stream(text);
        ("JSON", values, lines)
    } else {
        let starts = yaml_doc_lines(text);
        let values = match super::yaml::documents(text, &starts) {
            Some(values) => values.into_iter().map(Ok).collect(),
            None => super::yaml11::documents(text),
        };
        ("YAML", values, starts)
    };
    let text_lines: Vec<&str> = if json {
        Vec::new()
    } else {
        text.lines().collect()
    };
    let mut docs = Vec::with_capacity(parsed.len());
    for (i, v) in parsed.into_iter().enumerate() {
        let value = v.map_err(|detail| {
            Box::new(LoadError::doc(
                file,
                i + 1,
                Problem::Syntax { format, detail },
            ))
        })?;
        let line = lines.get(i).copied();
        let item_lines = match (line, is_list(&value)) {
            (Some(from), true) => {
                let to = lines.get(i + 1).copied().unwrap_or(text_lines.len() + 1);
                list_item_lines(&text_lines, from, to)
            }
            _ => Vec::new(),
        };
        docs.push(Doc {
            number: i + 1,
            // Where the object's own text begins: past the comments and
            // blank lines that open its document (a file's header comment).
            line: line.map(|l| first_content_line(&text_lines, l)),
            item_lines,
            value,
        });
    }
    Ok(docs)
}

/// The first line from `from` (1-based) that is neither blank nor a
/// comment; `from` itself when there is none (or for JSON, with no lines).
fn first_content_line(lines: &[&str], from: usize) -> usize {
    (from..=lines.len())
        .take_while(|&n| {
            lines
                .get(n - 1)
                .is_some_and(|l| !l.starts_with("---") && !l.starts_with("..."))
        })
        .find(|&n| {
            lines.get(n - 1).is_some_and(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
        })
        .unwrap_or(from)
}

/// The values of a JSON stream up to the first error, with the 1-based line
/// where each one starts.
fn json_stream(text: &str) -> (Vec<Result<Value, String>>, Vec<usize>) {
    // Straight into YAML values: their mappings refuse a key given twice,
    // as a YAML mapping does (serde_json's own values keep the last one).
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut values = Vec::new();
    let mut lines = Vec::new();
    loop {
        let before = stream.byte_offset();
        let Some(v) = stream.next() else { break };
        let rest = text.get(before..).unwrap_or("");
        let start = before + (rest.len() - rest.trim_start().len());
        let newlines = text.get(..start).unwrap_or("").matches('\n').count();
        lines.push(newlines + 1);
        let v = v.map_err(|e| e.to_string());
        let stop = v.is_err();
        values.push(v);
        if stop {
            break;
        }
    }
    (values, lines)
}

/// 1-based first line of each YAML document: the line after its `---`
/// separator, or line 1 for a first document written without one. Text
/// before the first separator that holds only comments, blank lines and
/// directives is no document, as for the YAML parser. (The same numbers as
/// the audit's `doc_start_lines`, which re-reads files.)
pub fn yaml_doc_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts = Vec::new();
    let mut seen_sep = false;
    let mut prefix_content = false;
    for (i, l) in lines.iter().enumerate() {
        let sep = l.starts_with("---")
            && l.get(3..)
                .and_then(|r| r.chars().next())
                .is_none_or(|c| c == ' ' || c == '\t');
        if sep {
            if !seen_sep && prefix_content {
                starts.push(1);
            }
            seen_sep = true;
            starts.push(i + 2);
        } else if !seen_sep {
            let t = l.trim();
            if !(t.is_empty() || t.starts_with('#') || t.starts_with('%')) {
                prefix_content = true;
            }
        }
    }
    if !seen_sep {
        starts.push(1);
    }
    starts.retain(|&s| s <= lines.len().max(1));
    starts
}

/// A `*List` whose items will be expanded.
fn is_list(v: &Value) -> bool {
    let v = match v {
        Value::Tagged(t) => &t.value,
        v => v,
    };
    v.get("kind")
        .and_then(|k| k.as_str())
        .is_some_and(|k| k.ends_with("List"))
        && v.get("items").is_some()
}

/// Lines (1-based) of the items of the top-level block sequence `items:` in
/// lines `from..to` of a document: each `-` at the indentation of the first.
/// Empty when there is none (a flow sequence `items: [...]`, JSON).
pub(super) fn list_item_lines(lines: &[&str], from: usize, to: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_items = false;
    let mut indent: Option<usize> = None;
    for n in from..to {
        let Some(l) = n.checked_sub(1).and_then(|i| lines.get(i)) else {
            break;
        };
        let body = l.trim_start();
        let ind = l.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if !in_items {
            if ind == 0 {
                if let Some(rest) = body.strip_prefix("items:") {
                    let rest = rest.trim();
                    if !(rest.is_empty() || rest.starts_with('#')) {
                        return Vec::new(); // a flow sequence or a scalar
                    }
                    in_items = true;
                }
            }
            continue;
        }
        let dash = body == "-" || body.starts_with("- ") || body.starts_with("-\t");
        match indent {
            None if dash => {
                indent = Some(ind);
                out.push(n);
            }
            None => break,
            Some(i) if ind == i && dash => out.push(n),
            Some(i) if ind <= i => break,
            Some(_) => {}
        }
    }
    out
}

/// The objects of one document, in order, with the errors of those that
/// are not objects: an empty document has none, a `*List` its items.
pub fn expand(file: &str, doc: Doc) -> Vec<Result<Object, LoadError>> {
    let mut out = Vec::new();
    let at = At {
        file,
        doc: doc.number,
        item: None,
        line: doc.line,
    };
    expand_value(&at, &doc.item_lines, doc.value, &mut out);
    out
}

/// Where a value is: its document, list item and line.
pub(super) struct At<'a> {
    pub file: &'a str,
    pub doc: usize,
    pub item: Option<usize>,
    pub line: Option<usize>,
}

impl At<'_> {
    pub(super) fn origin(&self) -> Origin {
        Origin {
            file: self.file.to_string(),
            doc: self.doc,
            item: self.item,
            line: self.line,
        }
    }
}

/// An item of a `*List` of kind `item_kind` (`PodList`: `Pod`): items of a
/// typed list may omit kind and apiVersion, implied by the list.
pub(super) fn expand_item(
    at: &At,
    item_kind: Option<&str>,
    api: &str,
    mut it: Value,
    out: &mut Vec<Result<Object, LoadError>>,
) {
    if let (Some(k), Value::Mapping(m)) = (item_kind, &mut it) {
        if !m.contains_key("kind") {
            m.insert("kind".into(), k.into());
        }
        if !m.contains_key("apiVersion") && !api.is_empty() {
            m.insert("apiVersion".into(), api.into());
        }
    }
    expand_value(at, &[], it, out);
}

pub(super) fn expand_value(
    at: &At,
    item_lines: &[usize],
    v: Value,
    out: &mut Vec<Result<Object, LoadError>>,
) {
    let v = match v {
        Value::Null => return, // empty document
        Value::Tagged(t) => t.value,
        v => v,
    };
    let Value::Mapping(mut map) = v else {
        let mut e = LoadError::doc(at.file, at.doc, Problem::NotAnObject);
        e.path = at.item.map(|i| format!("items[{i}]"));
        out.push(Err(e));
        return;
    };
    let kind = map.get("kind").and_then(|k| k.as_str()).map(str::to_string);
    let api = map
        .get("apiVersion")
        .and_then(|k| k.as_str())
        .unwrap_or("")
        .to_string();
    let Some(kind) = kind else {
        // No kind and no metadata (kustomization.yaml, Chart.yaml,
        // values.yaml, .github workflows): not an object at all. With
        // metadata it is an object missing its kind: an error.
        let problem = if at.item.is_none() && !map.contains_key("metadata") {
            Problem::NotKubernetes("no `kind` and no `metadata`")
        } else {
            Problem::MissingKind
        };
        let mut e = LoadError::doc(at.file, at.doc, problem);
        e.path = Some(
            at.item
                .map_or("kind".into(), |i| format!("items[{i}].kind")),
        );
        out.push(Err(e));
        return;
    };
    if kind.ends_with("List") && map.contains_key("items") {
        match map.remove("items") {
            Some(Value::Sequence(items)) => {
                // Lines are found for the items of a top-level list only;
                // others (nested lists, flow sequences) take the list's line.
                let lines =
                    (at.item.is_none() && item_lines.len() == items.len()).then_some(item_lines);
                // Items of a typed list (`PodList`) may omit kind and
                // apiVersion: they are implied by the list.
                let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                for (i, it) in items.into_iter().enumerate() {
                    let item_at = At {
                        file: at.file,
                        doc: at.doc,
                        item: Some(i),
                        line: lines.and_then(|l| l.get(i).copied()).or(at.line),
                    };
                    expand_item(&item_at, item_kind, &api, it, out);
                }
            }
            Some(Value::Null) | None => {}
            Some(_) => out.push(Err(LoadError {
                file: at.file.into(),
                doc: Some(at.doc),
                object: Some(kind),
                path: Some("items".into()),
                problem: Problem::ItemsNotAList,
            })),
        }
        return;
    }
    null_string_values(&mut map);
    let name = map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_string();
    out.push(Ok(Object {
        origin: at.origin(),
        kind,
        api,
        name,
        body: Body::Value(Value::Mapping(map)),
    }));
}

/// A null value in the string maps we read (`labels`, `annotations`,
/// `matchLabels`, at any depth) is the empty string: the API server decodes
/// JSON with Go's `encoding/json`, which leaves `""` for a null in a
/// `map[string]string`, and sigs.k8s.io/yaml turns YAML's null into JSON's.
fn null_string_values(map: &mut serde_yaml::Mapping) {
    for (k, v) in map.iter_mut() {
        if let (Some("labels" | "annotations" | "matchLabels"), Value::Mapping(m)) =
            (k.as_str(), &mut *v)
        {
            for (_, x) in m.iter_mut() {
                if x.is_null() {
                    *x = Value::String(String::new());
                }
            }
        }
        null_strings_in(v);
    }
}

fn null_strings_in(v: &mut Value) {
    match v {
        Value::Mapping(m) => null_string_values(m),
        Value::Sequence(items) => items.iter_mut().for_each(null_strings_in),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{load_str, LoadOptions};

    /// (document, line) of every policy, in input order.
    fn policy_lines(text: &str) -> Vec<(usize, Option<usize>)> {
        let c = load_str("t.yaml", text, &LoadOptions::default()).unwrap();
        c.policies
            .iter()
            .map(|p| (p.origin.doc, p.origin.line))
            .collect()
    }

    fn policy(ns: &str) -> String {
        format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n")
    }

    #[test]
    fn yaml_object_lines_are_the_first_line_of_their_document() {
        // (text, first line of each document, first line of each object
        // past its comments), counted by hand.
        let cases: [(String, Vec<usize>, Vec<usize>); 5] = [
            // no separator
            (policy("a"), vec![1], vec![1]),
            // comments and a directive before the first `---`
            (
                format!(
                    "# a comment\n\n%YAML 1.2\n---\n{}---\n{}",
                    policy("a"),
                    policy("b")
                ),
                vec![5, 13],
                vec![5, 13],
            ),
            // comments before a first document without separator
            (
                format!(
                    "# leading comment\n{}---\n# inner\n{}",
                    policy("a"),
                    policy("b")
                ),
                vec![1, 10],
                // the policies, not their comments
                vec![2, 11],
            ),
            // an empty document between, a trailing separator, `--- ` with a space
            (
                format!("---\n{}---\n---   \n{}---\n", policy("a"), policy("b")),
                vec![2, 10, 11],
                vec![2, 10, 11],
            ),
            // CRLF line ends
            (
                format!("{}---\n{}", policy("a"), policy("b")).replace('\n', "\r\n"),
                vec![1, 9],
                vec![1, 9],
            ),
        ];
        for (text, want, objects) in &cases {
            assert_eq!(&yaml_doc_lines(text), want, "{text:?}");
            let got = policy_lines(text);
            assert!(!got.is_empty());
            for (doc, line) in got {
                assert_eq!(line, objects.get(doc - 1).copied(), "doc {doc} of {text:?}");
            }
        }
    }

    #[test]
    fn list_items_carry_their_own_line() {
        let text = "# header\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n  # a comment inside\n-   apiVersion: v1\n    kind: Namespace\n    metadata: {name: b}\n\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\nmetadata: {}\n---\napiVersion: v1\nkind: NamespaceList\nitems:\n  - metadata:\n      name: d\n";
        let c = load_str("t.yaml", text, &LoadOptions::default()).unwrap();
        let lines: Vec<_> = c
            .skipped
            .iter()
            .map(|s| (s.origin.doc, s.origin.item, s.origin.line))
            .collect();
        assert_eq!(lines, [(1, Some(2), Some(15))]);
        // Namespaces are reported in the model by name; their origins are not
        // kept, so check the lines where decode puts them.
        let docs = decode("t.yaml", text, false).unwrap();
        let objects: Vec<_> = docs
            .into_iter()
            .flat_map(|d| expand("t.yaml", d))
            .map(|o| o.map_err(|e| e.to_string()).unwrap())
            .map(|o| (o.origin.doc, o.origin.item, o.origin.line))
            .collect();
        assert_eq!(
            objects,
            [
                (1, Some(0), Some(6)),
                (1, Some(1), Some(11)),
                (1, Some(2), Some(15)),
                (2, Some(0), Some(21)),
            ]
        );
    }

    #[test]
    fn flow_lists_and_nested_lists_take_the_list_line() {
        let text = "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}},\n  {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: b}}]}]\n";
        let objects: Vec<_> = decode("t.yaml", text, false)
            .unwrap()
            .into_iter()
            .flat_map(|d| expand("t.yaml", d))
            .map(|o| o.map_err(|e| e.to_string()).unwrap())
            .map(|o| (o.kind, o.origin.item, o.origin.line))
            .collect();
        assert_eq!(
            objects,
            [
                ("ConfigMap".to_string(), Some(0), Some(1)),
                ("Secret".to_string(), Some(0), Some(1)),
            ]
        );
    }

    #[test]
    fn json_stream_values_carry_their_line_and_a_bom_is_skipped() {
        let text = "\u{feff}{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}\n\n  {\n\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"b\"}}\n";
        let lines: Vec<_> = decode("t.json", text, true)
            .unwrap()
            .iter()
            .map(|d| (d.number, d.line))
            .collect();
        assert_eq!(lines, [(1, Some(1)), (2, Some(3))]);
        let yaml = "\u{feff}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
        let d = decode("t.yaml", yaml, false).unwrap();
        assert_eq!(d.first().and_then(|d| d.line), Some(2));
    }

    #[test]
    fn a_syntax_error_refuses_the_file_with_its_document_number() {
        let e = decode("t.yaml", "kind: A\n---\nkind: [\n", false)
            .err()
            .unwrap();
        assert_eq!(e.doc, Some(2));
        assert!(matches!(e.problem, Problem::Syntax { format: "YAML", .. }));
        assert!(e.to_string().ends_with("; nothing from this file was used"));
    }
}
