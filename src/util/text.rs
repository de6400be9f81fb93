//! Text for messages: values and names as the user should see them in a
//! terminal or a CI log. A control character (a newline in a file name, an
//! escape sequence in a label value) is printed escaped, never as is; a value
//! of a megabyte is cut to a few dozen characters, with the full length said.

use std::borrow::Cow;
use std::fmt;

/// `1 namespace`, `2 namespaces`, `150,000 pods`: a count with its noun in
/// the number it takes (`many` is the plural, e.g. "policies"), the number
/// in thousands separators as all human-facing text writes them (JSON, CSV
/// and connlist never).
pub fn count<N: fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let noun = if n == N::from(1) { one } else { many };
    format!("{} {noun}", group_digits(&n.to_string()))
}

/// `150000` → `150,000`: a whole number for people to read.
pub fn thousands<N: fmt::Display>(n: N) -> String {
    group_digits(&n.to_string())
}

/// Commas every three digits in the leading run of digits of `s` (after a
/// `-` or `+` sign): `-1234567` → `-1,234,567`, `12345.6` → `12,345.6`; text without
/// leading digits is returned as is.
pub fn group_digits(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix(['-', '+']) {
        Some(r) => (s.get(..1).unwrap_or(""), r),
        None => ("", s),
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let (int, tail) = rest.split_at(digits);
    let mut out = String::with_capacity(s.len() + digits / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (digits - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(tail);
    out
}

/// The longest value printed whole, in characters: every valid label value
/// and name segment (at most 63) fits.
pub const QUOTE_MAX: usize = 64;
/// Characters kept of a longer value, before the ellipsis.
const QUOTE_KEEP: usize = 48;
/// The longest unquoted location (an object's `kind name`, a field path)
/// printed whole; longer ones keep their start and end.
const PLACE_MAX: usize = 160;
const PLACE_HEAD: usize = 96;
const PLACE_TAIL: usize = 48;

/// `s` with every control character escaped (`\n`, `\t`, `\u{1b}`); the rest
/// as is. Borrowed when there is nothing to escape.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as messages print it: lossy UTF-8, control characters escaped.
pub fn path_text(p: &std::path::Path) -> String {
    escape_controls(&p.to_string_lossy()).into_owned()
}

/// A value in a message, between `open` and `close`: escaped, and cut to
/// [`QUOTE_KEEP`] characters with `…` and its length when it is longer than
/// [`QUOTE_MAX`] (`"aaaa…" (1000001 characters)`).
pub struct Quoted<'a> {
    value: &'a str,
    open: char,
    close: char,
}

/// `"value"`, escaped and cut (see [`Quoted`]).
pub fn quoted(value: &str) -> Quoted<'_> {
    Quoted {
        value,
        open: '"',
        close: '"',
    }
}

/// `` `value` ``, escaped and cut (see [`Quoted`]).
pub fn ticked(value: &str) -> Quoted<'_> {
    Quoted {
        value,
        open: '`',
        close: '`',
    }
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.value.chars().count();
        if n <= QUOTE_MAX {
            return write!(
                f,
                "{}{}{}",
                self.open,
                escape_controls(self.value),
                self.close
            );
        }
        let head = head_chars(self.value, QUOTE_KEEP);
        write!(
            f,
            "{}{}…{} ({n} characters)",
            self.open,
            escape_controls(head),
            self.close
        )
    }
}

/// A location (an object's `kind name`, a field path) as messages print it:
/// escaped, and when it is longer than [`PLACE_MAX`] characters its start
/// and end around `…(N characters)…`.
pub fn place(s: &str) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= PLACE_MAX {
        return escape_controls(s);
    }
    let head = head_chars(s, PLACE_HEAD);
    let tail_start = s
        .char_indices()
        .nth(n - PLACE_TAIL)
        .map_or(s.len(), |(i, _)| i);
    let tail = s.get(tail_start..).unwrap_or("");
    Cow::Owned(format!(
        "{}…({n} characters)…{}",
        escape_controls(head),
        escape_controls(tail)
    ))
}

/// Cut every quoted span (`"…"` with backslash escapes, as serde's messages
/// quote a value, or `` `…` ``) of a message written by someone else, as
/// [`Quoted`] would; the rest of the message is kept.
pub fn cut_quoted_spans(msg: &str) -> Cow<'_, str> {
    if msg.len() <= QUOTE_MAX && !msg.chars().any(char::is_control) {
        return Cow::Borrowed(msg);
    }
    let mut out = String::new();
    let mut rest = msg;
    while let Some(open_at) = rest.find(['"', '`']) {
        let (before, from_open) = rest.split_at(open_at);
        out.push_str(&escape_controls(before));
        let open = if from_open.starts_with('"') { '"' } else { '`' };
        let body = from_open.get(1..).unwrap_or("");
        let Some(close_at) = closing(body, open) else {
            out.push_str(&escape_controls(from_open));
            return Cow::Owned(out);
        };
        let inner = body.get(..close_at).unwrap_or("");
        out.push_str(
            &Quoted {
                value: inner,
                open,
                close: open,
            }
            .to_string(),
        );
        rest = body.get(close_at + 1..).unwrap_or("");
    }
    out.push_str(&escape_controls(rest));
    Cow::Owned(out)
}

/// Where the quote that closes a span opened by `open` is, in `body`
/// (a backslash escapes the next character inside `"…"`).
fn closing(body: &str, open: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && open == '"' {
            escaped = true;
        } else if c == open {
            return Some(i);
        }
    }
    None
}

/// The first `n` characters of `s`.
fn head_chars(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.get(..end).unwrap_or(s)
}

/// Levenshtein distance over characters (insertions, deletions,
/// substitutions of one character each).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The (at most) `n` candidates closest to `want` by [`edit_distance`],
/// nearest first, ties by name; duplicates once. For did-you-mean hints.
pub fn closest<'a>(
    want: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let mut all: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(want, c), c))
        .collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter().take(n).map(|(_, c)| c).collect()
}

/// Whether `candidate` is close enough to `want` to be a likely typo: at
/// most 2 edits, or a quarter of the length for long names.
pub fn is_typo_of(want: &str, candidate: &str) -> bool {
    edit_distance(want, candidate) <= (want.chars().count() / 4).max(2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_group_in_threes() {
        use super::{group_digits, thousands};
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(150000), "150,000");
        assert_eq!(thousands(500000000), "500,000,000");
        assert_eq!(group_digits("-1234567"), "-1,234,567");
        assert_eq!(group_digits("+1234"), "+1,234");
        assert_eq!(group_digits("12345.67"), "12,345.67");
        assert_eq!(group_digits("n/a"), "n/a");
    }
    use super::*;

    #[test]
    fn short_values_are_whole_and_long_ones_cut_with_their_length() {
        assert_eq!(quoted("web").to_string(), "\"web\"");
        let v63 = "a".repeat(63);
        assert_eq!(quoted(&v63).to_string(), format!("\"{v63}\""));
        let big = "a".repeat(1_000_000);
        let q = quoted(&big).to_string();
        assert_eq!(q, format!("\"{}…\" (1000000 characters)", "a".repeat(48)));
        // Characters, not bytes: a multi-byte value is never split inside a char.
        let wide = "é".repeat(100);
        assert_eq!(
            ticked(&wide).to_string(),
            format!("`{}…` (100 characters)", "é".repeat(48))
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("a\nb\t\u{1b}[31m"), "a\\nb\\t\\u{1b}[31m");
        assert!(matches!(escape_controls("plain/ok"), Cow::Borrowed(_)));
        assert_eq!(quoted("x\ny").to_string(), "\"x\\ny\"");
        assert_eq!(
            path_text(std::path::Path::new("in/evil\n.yaml")),
            "in/evil\\n.yaml"
        );
    }

    #[test]
    fn places_keep_start_and_end() {
        assert_eq!(place("spec.ingress[0].from[0]"), "spec.ingress[0].from[0]");
        let p = format!("metadata.labels.{}", "k".repeat(10_000));
        let got = place(&p);
        assert!(got.starts_with("metadata.labels.kkk"));
        assert!(got.contains("…(10016 characters)…"));
        assert!(got.chars().count() < 200);
    }

    #[test]
    fn spans_in_serde_messages_are_cut() {
        // serde's `invalid type` message quotes the value with Debug escapes.
        let big = "x".repeat(5000);
        let msg = format!("invalid type: string \"{big}\\\"q\", expected u16");
        let got = cut_quoted_spans(&msg);
        assert_eq!(
            got,
            format!(
                "invalid type: string \"{}…\" (5003 characters), expected u16",
                "x".repeat(48)
            )
        );
        assert_eq!(
            cut_quoted_spans("unknown field `a`, expected `b`"),
            "unknown field `a`, expected `b`"
        );
        assert_eq!(
            cut_quoted_spans("open \"never closed"),
            "open \"never closed"
        );
    }

    #[test]
    fn closest_names_the_nearest_first() {
        assert_eq!(edit_distance("dbb", "db"), 1);
        assert_eq!(edit_distance("frontnd", "frontend"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let c = closest("tier=dbb", ["tier=web", "tier=db", "app=db", "tier=db"], 2);
        assert_eq!(c, vec!["tier=db", "tier=web"]);
        assert!(is_typo_of("tier=dbb", "tier=db"));
        assert!(!is_typo_of("shop/frontnd", "shop/cart"));
    }
}
