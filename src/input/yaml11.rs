//! YAML the way kubectl reads it. kubectl turns YAML into JSON with
//! sigs.k8s.io/yaml, which parses with go-yaml v2, a YAML 1.1 reader; the
//! API server only ever sees that JSON. serde_yaml reads YAML 1.2, and the
//! two differ on plain (unquoted) scalars, which serde_yaml's values cannot
//! tell apart from quoted ones. So the text is parsed here from libyaml's
//! events (libyaml-safer: the same parser go-yaml v2 is a port of, so the
//! same syntax and the same scalar styles) straight into a `serde_yaml`
//! value with go-yaml v2's rules (`resolve.go`, `decode.go`) and
//! sigs.k8s.io/yaml's JSON conversion (`yaml.go`):
//!
//! - plain `y Y yes Yes YES on On ON` are `true`, `n N no No NO off Off
//!   OFF` are `false` (with `true`/`false` in three spellings); quoted ones,
//!   and `!!str yes`, stay strings;
//! - plain integers as Go's `strconv.ParseInt(s, 0, 64)` reads them once
//!   every `_` is removed: `0443` is octal 291, `0x1F`, `0o17`, `0b101`,
//!   `+80`, `8_0` is 80; then floats (`1e3`, `80.0`, `09`); a float with no
//!   fraction below 1e21 is written as an integer by Go's JSON encoder, so
//!   it is one here (`containerPort: 1e3` is port 1000); `.inf` and `.nan`
//!   cannot be JSON and refuse the document, as kubectl does;
//! - `<<` (plain, or tagged `!!merge`) merges a mapping or a list of them,
//!   in document order as go-yaml v2 applies them: a key written after the
//!   `<<` overrides the merged one, one written before it is overridden,
//!   and in a list the earlier mapping wins;
//! - `!!binary` is base64-decoded; other tags are ignored on collections and
//!   make a scalar a string, as in go-yaml v2; `!!int`, `!!bool`, `!!float`,
//!   `!!null` must fit their value;
//! - mapping keys become strings as sigs.k8s.io/yaml makes them (`yes:` is
//!   the key `"true"`, `80:` is `"80"`); a null or collection key is refused;
//! - a key given twice in one mapping is refused (kubectl would keep the
//!   last; the API server's strict field validation refuses duplicates, and
//!   we refuse what is ambiguous).
//!
//! Nesting is bounded at 128 levels and alias expansion at 100 times the
//! document's own size, with serde_yaml's words for both.

use crate::input::rule_lines::{self, DocLines, Step};
use libyaml_safer::{Event, EventData, Mark, Parser, ScalarStyle};
use serde_yaml::mapping::Entry;
use serde_yaml::{Mapping, Number, Value};
use std::collections::{HashMap, HashSet};

/// Nesting deeper than this is refused (serde_yaml's bound).
const MAX_DEPTH: usize = 128;

const TAG: &str = "tag:yaml.org,2002:";

/// Every document of a YAML text, in order, up to and including the first
/// error (a parser does not recover after one).
#[cfg(test)]
pub fn documents(text: &str) -> Vec<Result<Value, String>> {
    documents_lines(text)
        .into_iter()
        .map(|d| d.map(|(v, _)| v))
        .collect()
}

/// Every document of a YAML text, in order, up to and including the first
/// error (a parser does not recover after one), each with the lines of its
/// rules and peers (of the text).
pub fn documents_lines(text: &str) -> Vec<Result<(Value, DocLines), String>> {
    // libyaml-safer 0.3 panics ("unexpected end of input", scanner.rs) on a
    // block scalar that ends the text without a line break, which libyaml
    // and go-yaml read; found by fuzzing on np-guard's nad_test_3. A final
    // line break changes nothing else (at most a clipped block scalar at
    // the very end gains its "\n").
    if !text.is_empty() && !text.ends_with('\n') {
        let mut owned = String::with_capacity(text.len() + 1);
        owned.push_str(text);
        owned.push('\n');
        return guarded(&owned);
    }
    guarded(text)
}

/// [`parse_documents`], with any panic of the parser crate turned into a
/// syntax error of the text (defence in depth: a panic is never the
/// answer to an input), and not printed.
fn guarded(text: &str) -> Vec<Result<(Value, DocLines), String>> {
    quiet::catch(|| parse_documents(text)).unwrap_or_else(|msg| {
        vec![Err(format!(
            "the YAML parser gave up on this text ({msg}); check its syntax"
        ))]
    })
}

/// Catching a panic without the default hook printing it.
mod quiet {
    use std::cell::Cell;
    use std::sync::Once;

    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: Once = Once::new();

    pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET.with(Cell::get) {
                    previous(info);
                }
            }));
        });
        QUIET.with(|q| q.set(true));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        QUIET.with(|q| q.set(false));
        r.map_err(|e| {
            e.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| e.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "internal error".into())
        })
    }
}

fn parse_documents(text: &str) -> Vec<Result<(Value, DocLines), String>> {
    let mut bytes = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut bytes);
    let mut out = Vec::new();
    let mut b = Builder::default();
    loop {
        let event = match parser.parse() {
            Ok(e) => e,
            Err(e) => {
                out.push(Err(syntax_error(&e)));
                return out;
            }
        };
        match event.data {
            EventData::StreamEnd => return out,
            EventData::StreamStart { .. } => {}
            EventData::DocumentStart { .. } => b = Builder::default(),
            EventData::DocumentEnd { .. } => {
                let lines = std::mem::take(&mut b.lines);
                out.push(
                    b.root
                        .take()
                        .map(|v| (v, lines))
                        .ok_or_else(|| "empty document".to_string()),
                );
            }
            _ => {
                if let Err(e) = b.event(event) {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }
}

/// The one document of a text: `None` when there are several or it does
/// not parse; `Null` when there is none.
pub fn single(text: &str) -> Option<Value> {
    single_lines(text).map(|(v, _)| v)
}

/// [`single`], with the lines of its rules and peers (of the text).
pub fn single_lines(text: &str) -> Option<(Value, DocLines)> {
    let mut docs = documents_lines(text).into_iter();
    let first = match docs.next() {
        None => (Value::Null, DocLines::default()),
        Some(d) => d.ok()?,
    };
    docs.next().is_none().then_some(first)
}

/// libyaml's problem, where, and its context, as serde_yaml words it.
fn syntax_error(e: &libyaml_safer::Error) -> String {
    let mut s = e.problem().to_string();
    if let Some(m) = e.problem_mark() {
        s += &format!(" at {}", at(m));
    }
    if let Some(c) = e.context() {
        s += &format!(", {c}");
        if let Some(m) = e.context_mark().filter(|m| Some(*m) != e.problem_mark()) {
            s += &format!(" at {}", at(m));
        }
    }
    s
}

fn at(m: Mark) -> String {
    format!("line {} column {}", m.line + 1, m.column + 1)
}

/// A collection being built.
enum Frame {
    Seq {
        anchor: Option<String>,
        items: Vec<Value>,
        nodes: usize,
    },
    Map {
        anchor: Option<String>,
        map: Mapping,
        /// The key read, waiting for its value: `Merge` for `<<`.
        key: Option<Key>,
        /// Keys present only because a merge put them there: an explicit
        /// key may still override them once.
        merged: HashSet<String>,
        nodes: usize,
    },
}

enum Key {
    Plain(String, Mark),
    Merge(Mark),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    /// Anchored values with their size in nodes.
    anchors: HashMap<String, (Value, usize)>,
    /// Nodes read from the text, and nodes copied by aliases.
    nodes: usize,
    copied: usize,
    /// Lines of the rules and peers read so far.
    lines: DocLines,
}

impl Builder {
    fn event(&mut self, event: Event) -> Result<(), String> {
        let mark = event.start_mark;
        if !matches!(event.data, EventData::SequenceEnd | EventData::MappingEnd) {
            self.note_line(mark);
        }
        match event.data {
            EventData::Scalar {
                anchor,
                tag,
                value,
                plain_implicit,
                style,
                ..
            } => {
                self.nodes += 1;
                let plain = style == ScalarStyle::Plain && plain_implicit;
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                if is_key && value == "<<" && (plain || tag.as_deref() == Some(&*merge_tag())) {
                    return self.key(Key::Merge(mark));
                }
                let v = scalar(tag.as_deref(), value, plain).map_err(|e| self.at(mark, &e))?;
                if let Some(a) = anchor {
                    self.anchors.insert(a, (v.clone(), 1));
                }
                self.value(v, 1, mark)
            }
            EventData::Alias { anchor } => {
                let Some((v, n)) = self.anchors.get(&anchor) else {
                    return Err(self.at(mark, &format!("unknown anchor '{anchor}' referenced")));
                };
                let (v, n) = (v.clone(), *n);
                self.copied += n;
                if self.copied > 100 * self.nodes.max(1000) {
                    return Err("repetition limit exceeded".into());
                }
                self.value(v, n, mark)
            }
            EventData::SequenceStart { anchor, .. } => {
                self.open(mark)?;
                self.stack.push(Frame::Seq {
                    anchor,
                    items: Vec::new(),
                    nodes: 1,
                });
                Ok(())
            }
            EventData::MappingStart { anchor, .. } => {
                self.open(mark)?;
                self.stack.push(Frame::Map {
                    anchor,
                    map: Mapping::new(),
                    key: None,
                    merged: HashSet::new(),
                    nodes: 1,
                });
                Ok(())
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                let (anchor, v, n) = match self.stack.pop() {
                    Some(Frame::Seq {
                        anchor,
                        items,
                        nodes,
                    }) => (anchor, Value::Sequence(items), nodes),
                    Some(Frame::Map {
                        anchor, map, nodes, ..
                    }) => (anchor, Value::Mapping(map), nodes),
                    None => return Err(self.at(mark, "unexpected end of a collection")),
                };
                if let Some(a) = anchor {
                    self.anchors.insert(a, (v.clone(), n));
                }
                self.value(v, n, mark)
            }
            _ => Ok(()),
        }
    }

    /// A node begins at `mark`: record its line if it is a policy's rule
    /// or peer (an item of `spec.ingress`, `spec.egress`, or of a rule's
    /// `from`/`to`).
    fn note_line(&mut self, mark: Mark) {
        let Some(Frame::Seq { .. }) = self.stack.last() else {
            return;
        };
        let parent = match self
            .stack
            .len()
            .checked_sub(2)
            .and_then(|d| self.stack.get(d))
        {
            Some(Frame::Map {
                key: Some(Key::Plain(k, _)),
                ..
            }) => Some(k.as_str()),
            _ => None,
        };
        if !rule_lines::may_place(self.stack.len(), parent) {
            return;
        }
        let steps: Vec<Step> = self
            .stack
            .iter()
            .map(|f| match f {
                Frame::Seq { items, .. } => Step::Index(items.len()),
                Frame::Map {
                    key: Some(Key::Plain(k, _)),
                    ..
                } => Step::Key(k),
                Frame::Map { .. } => Step::Key(""),
            })
            .collect();
        let line = usize::try_from(mark.line)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        self.lines.record(&steps, line);
    }

    fn open(&mut self, mark: Mark) -> Result<(), String> {
        self.nodes += 1;
        if self.stack.len() >= MAX_DEPTH {
            return Err("recursion limit exceeded".into());
        }
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            return Err(self.at(
                mark,
                "a mapping key must be a scalar (kubectl: invalid map key)",
            ));
        }
        Ok(())
    }

    fn key(&mut self, k: Key) -> Result<(), String> {
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(k);
        }
        Ok(())
    }

    /// A finished node: the root, an item, a key or a value.
    fn value(&mut self, v: Value, n: usize, mark: Mark) -> Result<(), String> {
        self.place(v, n, mark)
            .map_err(|(mark, what)| self.at(mark, &what))
    }

    fn place(&mut self, v: Value, n: usize, mark: Mark) -> Result<(), (Mark, String)> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(v);
                Ok(())
            }
            Some(Frame::Seq { items, nodes, .. }) => {
                items.push(v);
                *nodes += n;
                Ok(())
            }
            Some(Frame::Map {
                map,
                key,
                merged,
                nodes,
                ..
            }) => {
                *nodes += n;
                match key.take() {
                    None => {
                        *key = Some(Key::Plain(key_string(v).map_err(|e| (mark, e))?, mark));
                        Ok(())
                    }
                    Some(Key::Plain(k, kmark)) => match map.entry(Value::String(k)) {
                        Entry::Vacant(e) => {
                            e.insert(v);
                            Ok(())
                        }
                        Entry::Occupied(mut e) => {
                            let k = e.key().as_str().unwrap_or_default();
                            if merged.is_empty() || !merged.remove(k) {
                                // A second `apiVersion:`/`kind:` at the
                                // margin: two objects run together.
                                let hint = if kmark.column == 0
                                    && matches!(k, "apiVersion" | "kind")
                                {
                                    " (two objects run together? separate Kubernetes objects in one file with a line `---` before each)"
                                } else {
                                    ""
                                };
                                return Err((
                                    kmark,
                                    format!("duplicate entry with key {k:?}{hint}"),
                                ));
                            }
                            e.insert(v);
                            Ok(())
                        }
                    },
                    Some(Key::Merge(kmark)) => merge(map, merged, v).map_err(|e| (kmark, e)),
                }
            }
        }
    }

    /// The path of the node being read, as serde_yaml prints it.
    fn path(&self) -> String {
        let mut p = String::new();
        for f in &self.stack {
            match f {
                Frame::Seq { items, .. } => p += &format!("[{}]", items.len()),
                Frame::Map {
                    key: Some(Key::Plain(k, _)),
                    ..
                } => {
                    if !p.is_empty() {
                        p.push('.');
                    }
                    p += k;
                }
                Frame::Map { .. } => {}
            }
        }
        p
    }

    fn at(&self, mark: Mark, what: &str) -> String {
        at_path(&self.path(), mark, what)
    }
}

fn at_path(path: &str, mark: Mark, what: &str) -> String {
    if path.is_empty() {
        format!("{what} at {}", at(mark))
    } else {
        format!("{path}: {what} at {}", at(mark))
    }
}

fn merge_tag() -> String {
    format!("{TAG}merge")
}

/// `<<: value` into `map`, as go-yaml v2's `merge`: a mapping, or a list of
/// mappings applied last to first so that the first wins.
fn merge(map: &mut Mapping, merged: &mut HashSet<String>, v: Value) -> Result<(), String> {
    const WANT: &str = "map merge requires map or sequence of maps as the value";
    let maps = match v {
        Value::Mapping(m) => vec![m],
        Value::Sequence(items) => {
            let mut maps = Vec::with_capacity(items.len());
            for it in items.into_iter().rev() {
                match it {
                    Value::Mapping(m) => maps.push(m),
                    _ => return Err(WANT.into()),
                }
            }
            maps
        }
        _ => return Err(WANT.into()),
    };
    for m in maps {
        for (k, v) in m {
            if let Value::String(s) = &k {
                if !map.contains_key(s.as_str()) {
                    merged.insert(s.clone());
                }
            }
            map.insert(k, v);
        }
    }
    Ok(())
}

/// A key as sigs.k8s.io/yaml turns it into a JSON object key.
fn key_string(v: Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => go_float_key(f),
            _ => n.to_string(),
        }),
        Value::Null => Err("a mapping key is null (kubectl: unsupported map key)".into()),
        _ => Err("a mapping key must be a scalar (kubectl: invalid map key)".into()),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, which sigs.k8s.io/yaml
/// uses for float keys: the shortest float32 digits, in exponent form when
/// the exponent is below -4 or at least 6.
fn go_float_key(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let e = format!("{:e}", f as f32); // "1.5e0", "-1e6"
    let Some((mant, exp)) = e.split_once('e') else {
        return e;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{}", f as f32)
    }
}

/// A scalar's value: go-yaml v2's `decoder.scalar` with `resolve`, then
/// sigs.k8s.io/yaml's JSON number rules.
fn scalar(tag: Option<&str>, value: String, plain: bool) -> Result<Value, String> {
    let Some(tag) = tag else {
        return if plain {
            resolve_plain(value)
        } else {
            Ok(Value::String(value))
        };
    };
    let Some(short) = tag.strip_prefix(TAG) else {
        // `!` and local tags are not resolvable: the text is the value.
        return Ok(Value::String(value));
    };
    match short {
        "binary" => binary(&value).map(Value::String),
        "bool" | "int" | "float" | "null" | "timestamp" => {
            let original = value.clone();
            let v = resolve_plain(value)?;
            let fits = match (short, &v) {
                ("bool", Value::Bool(_)) | ("null", Value::Null) => true,
                ("int", Value::Number(n)) => n.is_i64() || n.is_u64(),
                ("float", Value::Number(_)) => true,
                // go-yaml v2 keeps timestamps as their text.
                ("timestamp", Value::String(_)) => is_timestamp(&original),
                _ => false,
            };
            if fits {
                Ok(v)
            } else {
                Err(format!("cannot decode `{original}` as a !!{short}"))
            }
        }
        // !!str, !!merge used as a value, !!seq or !!map on a scalar, ...
        _ => Ok(Value::String(value)),
    }
}

/// A plain scalar by go-yaml v2's `resolve` (resolve.go).
fn resolve_plain(s: String) -> Result<Value, String> {
    let first = s.as_bytes().first().copied();
    match first {
        None => return Ok(Value::Null),
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            return Ok(match s.as_str() {
                "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On"
                | "ON" => Value::Bool(true),
                "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off"
                | "OFF" => Value::Bool(false),
                "~" | "null" | "Null" | "NULL" => Value::Null,
                _ => Value::String(s),
            });
        }
        Some(b'.') => {
            return match s.as_str() {
                ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" => Err(not_json(&s)),
                _ if is_dot_float(&s) => float(&s).map_or(Ok(Value::String(s)), json_float),
                _ => Ok(Value::String(s)),
            };
        }
        Some(b'+' | b'-') if matches!(&s[1..], ".inf" | ".Inf" | ".INF") => {
            return Err(not_json(&s));
        }
        Some(b'0'..=b'9' | b'+' | b'-') => {}
        Some(_) => return Ok(Value::String(s)),
    }
    if is_timestamp(&s) {
        return Ok(Value::String(s));
    }
    let plain: std::borrow::Cow<str> = if s.contains('_') {
        s.replace('_', "").into()
    } else {
        s.as_str().into()
    };
    if let Some(i) = go_parse_int(&plain) {
        return Ok(Value::Number(i));
    }
    if is_yaml_float(&plain) {
        if let Some(f) = float(&plain) {
            return json_float(f);
        }
    }
    Ok(Value::String(s))
}

fn not_json(s: &str) -> String {
    format!("`{s}` is not a number JSON can hold: kubectl refuses to convert this document (quote it if it is text)")
}

/// A float as Go's JSON encoder writes it and the API server reads it back:
/// with no fraction and below 1e21 it is an integer.
fn json_float(f: f64) -> Result<Value, String> {
    if !f.is_finite() {
        return Err(not_json(&f.to_string()));
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Ok(Value::Number(Number::from(f as i64)));
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Ok(Value::Number(Number::from(f as u64)));
        }
    }
    Ok(Value::Number(Number::from(f)))
}

fn float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `^\.[0-9]+([eE][-+]?[0-9]+)?$`: what Go's `ParseFloat` takes after a dot.
fn is_dot_float(s: &str) -> bool {
    s.strip_prefix('.').is_some_and(|r| {
        let (digits, exp) = split_exp(r);
        all_digits(digits) && exp.is_none_or(exp_ok)
    })
}

/// go-yaml v2's `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mant, exp) = split_exp(s);
    let mant_ok = match mant.split_once('.') {
        Some(("", frac)) => all_digits(frac),
        Some((int, frac)) => all_digits(int) && frac.bytes().all(|b| b.is_ascii_digit()),
        None => all_digits(mant),
    };
    mant_ok && exp.is_none_or(exp_ok)
}

fn split_exp(s: &str) -> (&str, Option<&str>) {
    match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

fn exp_ok(e: &str) -> bool {
    all_digits(e.strip_prefix(['+', '-']).unwrap_or(e))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: an
/// optional sign, then `0x`, `0o`, `0b` (any case) or a leading `0` for
/// octal, else decimal.
fn go_parse_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.get(..2) {
        Some("0x" | "0X") => (16, &body[2..]),
        Some("0o" | "0O") => (8, &body[2..]),
        Some("0b" | "0B") => (2, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        // ParseUint takes no sign: a negative beyond i64 is out of range.
        let i = 0i64.checked_sub_unsigned(magnitude)?;
        Some(Number::from(i))
    } else if let Ok(i) = i64::try_from(magnitude) {
        Some(Number::from(i))
    } else if s.starts_with('+') {
        None
    } else {
        Some(Number::from(magnitude))
    }
}

/// go-yaml v2's `parseTimestamp` formats (`2006-1-2`, with a time after `T`,
/// `t` or a space): four digits, a dash, then a date Go's `time.Parse`
/// would take. Approximated by shape: such a plain scalar is a string either
/// way, this only keeps it from being read as a number (none would be).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b.get(..4).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(4) == Some(&b'-')
}

/// Go's `base64.StdEncoding.DecodeString`, which skips `\r` and `\n`; the
/// bytes become a string as Go's JSON encoder writes it (invalid UTF-8 as
/// U+FFFD).
fn binary(s: &str) -> Result<String, String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let chars: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    let bad = || "!!binary value contains invalid base64 data".to_string();
    if !chars.len().is_multiple_of(4) {
        return Err(bad());
    }
    let pad = chars.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return Err(bad());
    }
    for &c in chars.get(..chars.len() - pad).unwrap_or_default() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(bad()),
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Value {
        single(text).unwrap_or_else(|| panic!("{text:?}: {:?}", documents(text)))
    }

    fn err(text: &str) -> String {
        match documents(text).into_iter().find_map(Result::err) {
            Some(e) => e,
            None => panic!("{text:?} parsed"),
        }
    }

    fn get<'a>(v: &'a Value, k: &str) -> &'a Value {
        v.get(k).unwrap_or_else(|| panic!("no {k} in {v:?}"))
    }

    #[test]
    fn yaml_1_1_booleans_in_every_spelling_go_yaml_v2_resolve_table() {
        // go-yaml v2 resolve.go resolveMapList: exactly these spellings.
        for (s, b) in [
            ("y", true),
            ("Y", true),
            ("yes", true),
            ("Yes", true),
            ("YES", true),
            ("on", true),
            ("On", true),
            ("ON", true),
            ("True", true),
            ("n", false),
            ("N", false),
            ("no", false),
            ("No", false),
            ("NO", false),
            ("off", false),
            ("Off", false),
            ("OFF", false),
            ("FALSE", false),
        ] {
            assert_eq!(get(&one(&format!("a: {s}\n")), "a"), &Value::Bool(b), "{s}");
        }
        // Not in the table: strings. Quoted and !!str: strings.
        for s in [
            "yEs",
            "oN",
            "nO",
            "yes please",
            "'yes'",
            "\"no\"",
            "!!str on",
        ] {
            assert!(get(&one(&format!("a: {s}\n")), "a").is_string(), "{s}");
        }
    }

    #[test]
    fn yaml_1_1_integers_as_go_parse_int_base_0_after_removing_underscores() {
        // go-yaml v2 resolve.go: strings.Replace(in, "_", "", -1), then
        // strconv.ParseInt(plain, 0, 64), ParseUint, then yamlStyleFloat.
        for (s, n) in [
            ("0443", 291i64),
            ("8_0", 80),
            ("1_000", 1000),
            ("0x1F", 31),
            ("0X1f", 31),
            ("0o17", 15),
            ("0b101", 5),
            ("+80", 80),
            ("-0x10", -16),
            ("0", 0),
            ("1e3", 1000),
            ("80.0", 80),
            ("09", 9),
            ("+.5e1", 5),
        ] {
            assert_eq!(
                get(&one(&format!("a: {s}\n")), "a").as_i64(),
                Some(n),
                "{s}"
            );
        }
        assert_eq!(
            get(&one("a: 18446744073709551615\n"), "a").as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(get(&one("a: 1.5\n"), "a").as_f64(), Some(1.5));
        assert_eq!(get(&one("a: .5\n"), "a").as_f64(), Some(0.5));
        for s in [
            "0x",
            "1.2.3",
            "12:30",
            "'0443'",
            "2001-12-14",
            "1_0x",
            "+-1",
        ] {
            assert!(get(&one(&format!("a: {s}\n")), "a").is_string(), "{s}");
        }
        assert!(err("a: .inf\n").contains("not a number JSON can hold"));
        assert!(err("a: -.Inf\n").contains("not a number JSON can hold"));
    }

    #[test]
    fn nulls_go_yaml_v2() {
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(get(&one(&format!("a: {s}\n")), "a"), &Value::Null, "{s}");
        }
        assert!(get(&one("a: nULL\n"), "a").is_string());
    }

    #[test]
    fn merge_keys_in_go_yaml_v2_order() {
        // go-yaml v2 decode.go `merge`: applied where `<<` stands, a list
        // last to first (earlier maps take precedence).
        let v = one("a: &a {x: 1, w: 1}\nb: &b {w: 2, z: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n");
        let c = get(&v, "c");
        assert_eq!(get(c, "x").as_i64(), Some(1));
        assert_eq!(get(c, "w").as_i64(), Some(1), "the earlier map wins");
        assert_eq!(get(c, "z").as_i64(), Some(3), "a key after `<<` wins");
        assert!(c.get("<<").is_none());
        // A key before `<<` is overridden by the merge (go-yaml v2 order).
        let v = one("a: &a {x: 1}\nc: {x: 0, <<: *a}\n");
        assert_eq!(get(get(&v, "c"), "x").as_i64(), Some(1));
        // One mapping, inline; `!!merge`; a quoted "<<" is an ordinary key.
        let v = one("c: {<<: {x: 1}, y: 2}\nd: {!!merge <<: {x: 1}}\ne: {'<<': 1}\n");
        assert_eq!(get(get(&v, "c"), "x").as_i64(), Some(1));
        assert_eq!(get(get(&v, "d"), "x").as_i64(), Some(1));
        assert_eq!(get(get(&v, "e"), "<<").as_i64(), Some(1));
        assert!(err("c: {<<: 1}\n").contains("map merge requires map or sequence of maps"));
        assert!(err("c: {<<: [1]}\n").contains("map merge requires map or sequence of maps"));
        // Explicit keys twice are refused even around a merge.
        assert!(err("a: &a {x: 1}\nc: {x: 0, <<: *a, x: 2}\n").contains("duplicate entry"));
    }

    #[test]
    fn binary_is_base64_decoded_go_yaml_v2_decode_scalar() {
        let v = one("a: !!binary Y2xpZW50\nb: !!binary |\n  Y2xp\n  ZW50\nc: !!binary YQ==\n");
        assert_eq!(get(&v, "a").as_str(), Some("client"));
        assert_eq!(get(&v, "b").as_str(), Some("client"));
        assert_eq!(get(&v, "c").as_str(), Some("a"));
        assert!(err("a: !!binary Y2xpZW5\n").contains("invalid base64"));
        assert!(err("a: !!binary 'Y2$pZW50'\n").contains("invalid base64"));
    }

    #[test]
    fn tags_as_go_yaml_v2() {
        let v = one(
            "a: !!int '80'\nb: !foo 80\nc: !!float 1\nd: ! yes\ne: !!bool yes\nf: !local {x: 1}\n",
        );
        assert_eq!(get(&v, "a").as_i64(), Some(80));
        assert_eq!(get(&v, "b").as_str(), Some("80"));
        assert_eq!(get(&v, "c").as_i64(), Some(1));
        assert_eq!(get(&v, "d").as_str(), Some("yes"));
        assert_eq!(get(&v, "e"), &Value::Bool(true));
        assert_eq!(get(get(&v, "f"), "x").as_i64(), Some(1));
        assert!(err("a: !!int abc\n").contains("cannot decode `abc` as a !!int"));
    }

    #[test]
    fn keys_become_json_strings_as_sigs_k8s_io_yaml_does() {
        // sigs.k8s.io/yaml convertToJSONableObject: int, bool, float keys.
        let v = one("yes: a\n80: b\n0x10: c\n1.5: d\n");
        let keys: Vec<_> = v
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["true", "80", "16", "1.5"]);
        assert!(err("~: a\n").contains("unsupported map key"));
        assert!(err("[a]: b\n").contains("invalid map key"));
        // The same JSON key twice is refused: `1` and "1".
        assert!(err("1: a\n'1': b\n").contains("duplicate entry with key \"1\""));
        // A YAML 1.1 duplicate: `yes` and `true` are both `true`.
        assert!(err("yes: a\ntrue: b\n").contains("duplicate entry with key \"true\""));
    }

    #[test]
    fn duplicates_and_errors_name_path_and_line() {
        let e = err("spec:\n  ingress: []\n  ingress: []\n");
        assert_eq!(
            e,
            "spec: duplicate entry with key \"ingress\" at line 3 column 3"
        );
        let e = err("a:\n  - {b: 1, b: 2}\n");
        assert_eq!(
            e,
            "a[0]: duplicate entry with key \"b\" at line 2 column 12"
        );
        assert!(err("a: *x\n").contains("unknown anchor 'x' referenced"));
        assert!(
            err("a: [\n").contains("did not find expected"),
            "{}",
            err("a: [\n")
        );
    }

    #[test]
    fn a_block_scalar_at_the_very_end_without_a_line_break_parses() {
        // Found by fuzzing (np-guard's nad_test_3 ends so, with CRLF).
        let v = one("spec:\r\n  config: |2\r\n    {\r\n      \"a\": 1\r\n    }");
        let config = get(get(&v, "spec"), "config");
        assert_eq!(config.as_str(), Some("{\n  \"a\": 1\n}\n"));
        assert!(documents("a: |\n  x").into_iter().all(|d| d.is_ok()));
    }

    #[test]
    fn documents_and_bounds() {
        assert!(documents("").is_empty());
        assert!(documents("# only a comment\n").is_empty());
        let d = documents("a: 1\n---\n---\nb: 2\n");
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].as_ref().ok(), Some(&Value::Null));
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(err(&deep), "recursion limit exceeded");
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb += &format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            );
        }
        assert_eq!(err(&bomb), "repetition limit exceeded");
        // Anchors and aliases within bounds expand.
        let v = one("a: &x {p: 1}\nb: *x\n");
        assert_eq!(get(get(&v, "b"), "p").as_i64(), Some(1));
    }
}
