//! Decoding text into objects: YAML multi-document and JSON streams, the
//! byte-order mark, `*List` expansion, document numbers and start lines.

use crate::input::error::{LoadError, Problem};
use crate::input::kinds::lean;
use crate::input::rule_lines::{self, DocLines};
use crate::model::{Origin, RuleLines};
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
    /// Lines of its policies' rules and peers.
    pub rule_lines: DocLines,
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
    /// Lines of its rules and peers (a policy's), by the input's indices.
    pub lines: RuleLines,
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
    type Parsed = Vec<Result<(Value, DocLines), String>>;
    let (format, parsed, lines): (&str, Parsed, Vec<usize>) = if json {
        let (values, lines) = json_stream(text);
        ("JSON", values, lines)
    } else {
        let starts = yaml_doc_lines(text);
        let values = match super::yaml::documents(text, &starts) {
            Some(values) => values.into_iter().map(Ok).collect(),
            None => super::yaml11::documents_lines(text),
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
        let (value, rule_lines) = v.map_err(|detail| {
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
            rule_lines,
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

/// The values of a JSON stream up to the first error, with the lines of
/// their rules and peers and the 1-based line where each one starts.
type JsonStream = (Vec<Result<(Value, DocLines), String>>, Vec<usize>);

fn json_stream(text: &str) -> JsonStream {
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
        let line = newlines + 1;
        lines.push(line);
        let v = v.map_err(|e| e.to_string()).map(|v| {
            let own = text.get(start..stream.byte_offset()).unwrap_or("");
            (v, rule_lines::json(own, line))
        });
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
    let mut starts = Vec::new();
    let mut seen_sep = false;
    let mut prefix_content = false;
    let mut count = 0;
    for (i, l) in text.lines().enumerate() {
        count = i + 1;
        if is_doc_separator(l) {
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
    starts.retain(|&s| s <= count.max(1));
    starts
}

/// A line that separates YAML documents: `---`, alone or before a space.
pub(super) fn is_doc_separator(l: &str) -> bool {
    l.starts_with("---")
        && l.get(3..)
            .and_then(|r| r.chars().next())
            .is_none_or(|c| c == ' ' || c == '\t')
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
    let mut scan = ItemScan::default();
    for n in from..to {
        let Some(l) = n.checked_sub(1).and_then(|i| lines.get(i)) else {
            break;
        };
        match scan.line(l) {
            Some(true) => out.push(n),
            Some(false) => {}
            None => break,
        }
    }
    out
}

/// [`list_item_lines`] a line at a time (for a text read in pieces).
#[derive(Default)]
pub(super) struct ItemScan {
    in_items: bool,
    indent: Option<usize>,
}

impl ItemScan {
    /// The next line: `Some(true)` when it starts an item, `None` once the
    /// items have ended (or there are none: a flow sequence, a scalar).
    pub(super) fn line(&mut self, l: &str) -> Option<bool> {
        let body = l.trim_start();
        let ind = l.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            return Some(false);
        }
        if !self.in_items {
            if ind == 0 {
                if let Some(rest) = body.strip_prefix("items:") {
                    let rest = rest.trim();
                    if !(rest.is_empty() || rest.starts_with('#')) {
                        return None; // a flow sequence or a scalar
                    }
                    self.in_items = true;
                }
            }
            return Some(false);
        }
        let dash = body == "-" || body.starts_with("- ") || body.starts_with("-\t");
        match self.indent {
            None if dash => {
                self.indent = Some(ind);
                Some(true)
            }
            None => None,
            Some(i) if ind == i && dash => Some(true),
            Some(i) if ind <= i => None,
            Some(_) => Some(false),
        }
    }
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
        rules: Some((&doc.rule_lines, None)),
    };
    expand_value(&at, &doc.item_lines, doc.value, &mut out);
    out
}

/// Where a value is: its document, list item and line; and the lines of
/// its rules and peers: a table with the item to read there (`None`: the
/// table's own object), `None` when unknown.
pub(super) struct At<'a> {
    pub file: &'a str,
    pub doc: usize,
    pub item: Option<usize>,
    pub line: Option<usize>,
    pub rules: Option<(&'a DocLines, Option<usize>)>,
}

impl At<'_> {
    /// The lines of this object's rules and peers.
    pub(super) fn rule_lines(&self) -> RuleLines {
        self.rules
            .map(|(t, item)| t.of_item(item))
            .unwrap_or_default()
    }

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
                        // The table's items are a top-level list's.
                        rules: match at.rules {
                            Some((t, None)) if at.item.is_none() => Some((t, Some(i))),
                            _ => None,
                        },
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
        lines: at.rule_lines(),
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

/// Issue 16: rule and peer lines on every load path (YAML one tree, YAML
/// documents and List items in parallel, JSON values, JSON List items).
#[cfg(test)]
mod rule_line_tests {
    use crate::input::{load_text, LoadOptions};
    use crate::model::{Cluster, Direction};

    /// A NetworkPolicy whose rules sit far below its first line.
    fn np(name: &str) -> String {
        let mut y = format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: a\n  annotations:\n");
        for i in 0..20 {
            y += &format!("    note{i}: \"x\"\n");
        }
        y += "spec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: x}}\n        # a comment between peers\n        - namespaceSelector: {}\n      ports: [{port: 80}]\n    -\n      ports: [{port: 81}]\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.0.0.0/8}\n";
        y
    }

    fn pod(i: usize) -> String {
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: a\nspec:\n  containers:\n    - name: c\n")
    }

    /// 1-based line of the first line containing `marker` at or after `from`.
    fn line_of(text: &str, marker: &str, from: usize) -> usize {
        text.lines()
            .enumerate()
            .skip(from - 1)
            .find(|(_, l)| l.contains(marker))
            .map(|(i, _)| i + 1)
            .unwrap_or_else(|| panic!("{marker:?} after line {from}"))
    }

    /// (ingress[0], from[0], from[1], ingress[1], egress[0], to[0]) lines
    /// of each policy.
    fn lines(c: &Cluster) -> Vec<[Option<usize>; 6]> {
        use Direction::{Egress, Ingress};
        c.policies
            .iter()
            .map(|p| {
                let l = &p.lines;
                [
                    l.rule(Ingress, 0),
                    l.peer(Ingress, 0, 0),
                    l.peer(Ingress, 0, 1),
                    l.rule(Ingress, 1),
                    l.rule(Egress, 0),
                    l.peer(Egress, 0, 0),
                ]
            })
            .collect()
    }

    /// What the YAML of [`np`] says, for the policy starting at `start`.
    fn yaml_want(text: &str, start: usize) -> [Option<usize>; 6] {
        let ing = line_of(text, "  ingress:", start);
        [
            Some(ing + 1),
            Some(ing + 2),
            Some(ing + 4),
            // A dash alone on its line: the rule begins on the next.
            Some(ing + 7),
            Some(line_of(text, "    - to:", ing)),
            Some(line_of(text, "ipBlock", ing)),
        ]
    }

    fn load(text: &str, json: bool) -> Cluster {
        load_text("t", text, json, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn yaml_documents_and_list_items_small_and_large() {
        // One tree: a comment, two documents, the second policy third.
        let text = format!(
            "# head\n---\n{}---\n{}---\n{}",
            pod(0),
            np("one"),
            np("two")
        );
        let c = load(&text, false);
        let starts: Vec<usize> = c.policies.iter().filter_map(|p| p.origin.line).collect();
        let want: Vec<_> = starts.iter().map(|&s| yaml_want(&text, s)).collect();
        assert_eq!(lines(&c), want);
        assert!(want.iter().all(|w| w[0] > Some(starts[0] + 20)));
        // Many documents: parsed one by one on every core.
        let mut many = String::new();
        for i in 0..70 {
            many += &format!("---\n{}", pod(i));
        }
        many += &format!("---\n{}", np("late"));
        let c = load(&many, false);
        let start = c.policies[0].origin.line.unwrap();
        assert_eq!(lines(&c), vec![yaml_want(&many, start)]);
        // A List, small (one tree) and large (items cut out in parallel).
        for n in [1, 70] {
            let mut list = String::from("apiVersion: v1\nkind: List\nitems:\n");
            for i in 0..n {
                for (k, l) in pod(i).lines().enumerate() {
                    list += if k == 0 { "- " } else { "  " };
                    list += l;
                    list.push('\n');
                }
            }
            for (k, l) in np("listed").lines().enumerate() {
                list += if k == 0 { "- " } else { "  " };
                list += l;
                list.push('\n');
            }
            let c = load(&list, false);
            let start = c.policies[0].origin.line.unwrap();
            assert_eq!(lines(&c), vec![yaml_want(&list, start)], "{n} items");
        }
    }

    /// What a pretty JSON policy says, from line `start`.
    fn json_want(text: &str, start: usize) -> [Option<usize>; 6] {
        let ing = line_of(text, "\"ingress\": [", start);
        let from = line_of(text, "\"from\": [", ing);
        let ns = line_of(text, "\"namespaceSelector\"", from);
        let eg = line_of(text, "\"egress\": [", start);
        let to = line_of(text, "\"to\": [", eg);
        [
            Some(ing + 1),
            Some(from + 1),
            Some(ns - 1),
            // Pretty JSON: the peer's `}`, `],`, the first rule's five
            // lines of ports and its `},`, then the second rule's `{`.
            Some(ns + 9),
            Some(eg + 1),
            Some(to + 1),
        ]
    }

    fn to_json(yaml: &str) -> serde_json::Value {
        let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn json_values_and_list_items() {
        // A stream of two values, the policy second.
        let text = format!(
            "{}\n{}\n",
            serde_json::to_string_pretty(&to_json(&pod(0))).unwrap(),
            serde_json::to_string_pretty(&to_json(&np("one"))).unwrap()
        );
        let c = load(&text, true);
        let start = c.policies[0].origin.line.unwrap();
        assert!(start > 10, "{start}");
        assert_eq!(lines(&c), vec![json_want(&text, start)]);
        // A List as kubectl prints it (the fast path), and a short one.
        for n in [0, 70] {
            let mut items: Vec<serde_json::Value> = (0..n).map(|i| to_json(&pod(i))).collect();
            items.push(to_json(&np("listed")));
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
            let text = serde_json::to_string_pretty(&list).unwrap();
            let c = load(&text, true);
            let start = c.policies[0].origin.line.unwrap();
            // The item's own line, not the list's.
            assert_eq!(
                start,
                line_of(&text, "\"networking.k8s.io/v1\"", 1) - 1,
                "{n}"
            );
            assert_eq!(lines(&c), vec![json_want(&text, start)], "{n} items");
            if n > 0 {
                // Pods too are at their own lines.
                let p = &c.pods[n - 1];
                assert_eq!(
                    p.origin.line,
                    Some(line_of(&text, &format!("\"p{}\"", n - 1), 1) - 4)
                );
            }
        }
    }

    #[test]
    fn cluster_policy_peers_by_model_index() {
        // `networks` with two CIDRs is two model peers on one line.
        let text = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: x\nspec:\n  priority: 1\n  subject:\n    namespaces: {}\n  egress:\n    - name: nets\n      action: Deny\n      to:\n        - networks: [10.0.0.0/8, 192.168.0.0/16]\n        - namespaces: {}\n";
        let c = load(text, false);
        let l = &c.policies[0].lines;
        assert_eq!(l.rule(Direction::Egress, 0), Some(10));
        assert_eq!(l.peer(Direction::Egress, 0, 0), Some(13));
        assert_eq!(l.peer(Direction::Egress, 0, 1), Some(13));
        assert_eq!(l.peer(Direction::Egress, 0, 2), Some(14));
    }
}
