//! Where a policy's rules and peers are written: the lines of
//! `spec.ingress[i]`, `spec.egress[i]`, `spec.ingress[i].from[j]` and
//! `spec.egress[i].to[j]` (and the same inside `items[k]` of a `*List`),
//! recorded while the text is parsed: from libyaml's events for YAML
//! (`yaml11`), from a scan of the bytes for JSON ([`json`]). Audit findings
//! about one rule or one peer point at these lines (issue 16).

use crate::model::{Direction, RuleLines};

/// One step of the path to a node: a mapping key or a sequence index.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// One place found in a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Place {
    /// The `items[k]` it is in, `None` for the document's own object.
    item: Option<usize>,
    dir: Direction,
    rule: usize,
    peer: Option<usize>,
    line: usize,
}

/// The rule and peer lines of one document (1-based, in the file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocLines(Vec<Place>);

impl DocLines {
    /// Record `line` for the node at `steps` if it is a rule or a peer.
    pub fn record(&mut self, steps: &[Step], line: usize) {
        if let Some((item, dir, rule, peer)) = place(steps) {
            self.0.push(Place {
                item,
                dir,
                rule,
                peer,
                line,
            });
        }
    }

    /// Lines counted in a part of the file that starts `by` lines down.
    pub fn shift(&mut self, by: usize) {
        for p in &mut self.0 {
            p.line += by;
        }
    }

    /// The lines of the object `items[k]` (`Some(k)`) or of the document's
    /// own object (`None`), by the input's rule and peer indices.
    pub fn of_item(&self, item: Option<usize>) -> RuleLines {
        let mut out = RuleLines::default();
        for p in self.0.iter().filter(|p| p.item == item) {
            out.set(p.dir, p.rule, p.peer, p.line);
        }
        out
    }
}

/// The depths [`place`] can answer for: a rule (3 steps), a peer (5), each
/// inside `items[k]` (2 more). Callers skip the work of building the path
/// at other depths.
pub fn may_place(depth: usize, parent_key: Option<&str>) -> bool {
    matches!(depth, 3 | 5 | 7) && matches!(parent_key, Some("ingress" | "egress" | "from" | "to"))
}

/// `(item, direction, rule, peer)` of a path to a rule or a peer.
fn place(steps: &[Step]) -> Option<(Option<usize>, Direction, usize, Option<usize>)> {
    let (item, rest) = match steps {
        [Step::Key("items"), Step::Index(k), rest @ ..] => (Some(*k), rest),
        rest => (None, rest),
    };
    let (dir, rule, rest) = match rest {
        [Step::Key("spec"), Step::Key(d), Step::Index(i), rest @ ..] => {
            let dir = match *d {
                "ingress" => Direction::Ingress,
                "egress" => Direction::Egress,
                _ => return None,
            };
            (dir, *i, rest)
        }
        _ => return None,
    };
    match rest {
        [] => Some((item, dir, rule, None)),
        [Step::Key(f), Step::Index(j)] if *f == dir.peers_field() => {
            Some((item, dir, rule, Some(*j)))
        }
        _ => None,
    }
}

/// An open JSON object (with the key being read) or array (with the index
/// of the item being read).
enum Frame<'a> {
    Object { key: Option<&'a str> },
    Array { index: usize },
}

/// A JSON value begins: record its line when it is an item at a depth that
/// may be a rule or a peer.
fn value_start<'a>(
    stack: &[Frame<'a>],
    steps: &mut Vec<Step<'a>>,
    out: &mut DocLines,
    line: usize,
) {
    if !matches!(stack.last(), Some(Frame::Array { .. })) {
        return;
    }
    let parent = match stack.len().checked_sub(2).and_then(|d| stack.get(d)) {
        Some(Frame::Object { key }) => *key,
        _ => None,
    };
    if !may_place(stack.len(), parent) {
        return;
    }
    steps.clear();
    for f in stack {
        steps.push(match f {
            Frame::Object { key } => Step::Key(key.unwrap_or("")),
            Frame::Array { index } => Step::Index(*index),
        });
    }
    out.record(steps, line);
}

/// The rule and peer lines of a JSON value, `text` being its bytes and
/// `first_line` the file's line where they begin. The text has parsed as
/// JSON already: this only follows its structure (strings, escapes,
/// objects, arrays), and a key with escapes never matches a field name.
pub fn json(text: &str, first_line: usize) -> DocLines {
    let bytes = text.as_bytes();
    let mut out = DocLines::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = first_line;
    // In an object, whether the next string is a key.
    let mut want_key = false;
    let mut steps: Vec<Step> = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                while let Some(&c) = bytes.get(j) {
                    if c == b'\\' {
                        escaped = true;
                        j += 2;
                        continue;
                    }
                    if c == b'"' {
                        break;
                    }
                    j += 1;
                }
                if want_key {
                    if let Some(Frame::Object { key }) = stack.last_mut() {
                        *key = if escaped { None } else { text.get(start..j) };
                    }
                    want_key = false;
                } else {
                    value_start(&stack, &mut steps, &mut out, line);
                }
                i = j;
            }
            b'{' | b'[' => {
                value_start(&stack, &mut steps, &mut out, line);
                stack.push(if b == b'{' {
                    want_key = true;
                    Frame::Object { key: None }
                } else {
                    Frame::Array { index: 0 }
                });
            }
            b'}' | b']' => {
                stack.pop();
                want_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key }) => {
                    *key = None;
                    want_key = true;
                }
                None => {}
            },
            b':' | b' ' | b'\t' | b'\r' => {}
            _ => {
                // A number, true, false or null: to its end.
                value_start(&stack, &mut steps, &mut out, line);
                while bytes
                    .get(i + 1)
                    .is_some_and(|c| !b",]}: \t\r\n".contains(c))
                {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rules_and_peers_at_their_lines() {
        let text = "{\n \"kind\": \"NetworkPolicy\",\n \"spec\": {\n  \"ingress\": [\n   {\n    \"from\": [\n     {\"podSelector\": {}},\n     {\"ipBlock\": {\"cidr\": \"1.2.3.0/24\"}}\n    ]\n   },\n   {\"ports\": [{\"port\": 80}]}\n  ],\n  \"egress\": [{\"to\": [\"x\\\"]\", {}]}]\n }\n}\n";
        let l = json(text, 10).of_item(None);
        assert_eq!(l.rule(Direction::Ingress, 0), Some(14));
        assert_eq!(l.peer(Direction::Ingress, 0, 0), Some(16));
        assert_eq!(l.peer(Direction::Ingress, 0, 1), Some(17));
        assert_eq!(l.rule(Direction::Ingress, 1), Some(20));
        assert_eq!(l.rule(Direction::Egress, 0), Some(22));
        // An escaped quote inside a string does not end it.
        assert_eq!(l.peer(Direction::Egress, 0, 1), Some(22));
        assert_eq!(l.peer(Direction::Egress, 0, 2), None);
        // `ports` entries are not peers.
        assert_eq!(l.peer(Direction::Ingress, 1, 0), None);
    }

    #[test]
    fn json_list_items_carry_their_index() {
        let text = "{\"kind\": \"List\", \"items\": [\n{\"spec\": {}},\n{\"spec\": {\"egress\": [\n{\"to\": [{}]}]}}]}";
        let d = json(text, 1);
        assert!(d.of_item(None).is_empty());
        assert!(d.of_item(Some(0)).is_empty());
        let l = d.of_item(Some(1));
        assert_eq!(l.rule(Direction::Egress, 0), Some(4));
        assert_eq!(l.peer(Direction::Egress, 0, 0), Some(4));
    }

    #[test]
    fn only_rules_and_peers_of_the_spec() {
        let p = |steps: &[Step]| place(steps);
        use Step::{Index, Key};
        assert_eq!(
            p(&[Key("spec"), Key("ingress"), Index(2)]),
            Some((None, Direction::Ingress, 2, None))
        );
        assert_eq!(
            p(&[Key("spec"), Key("egress"), Index(0), Key("to"), Index(3)]),
            Some((None, Direction::Egress, 0, Some(3)))
        );
        // An egress rule's `from` is no peer of it.
        assert_eq!(
            p(&[Key("spec"), Key("egress"), Index(0), Key("from"), Index(3)]),
            None
        );
        assert_eq!(p(&[Key("status"), Key("ingress"), Index(0)]), None);
        assert_eq!(
            p(&[
                Key("items"),
                Index(4),
                Key("spec"),
                Key("ingress"),
                Index(1)
            ]),
            Some((Some(4), Direction::Ingress, 1, None))
        );
    }
}
