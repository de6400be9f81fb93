//! Label selectors (SEM-40..42): compiled once, matched fast.

use crate::model::error::SelectorError;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// One `matchExpressions` requirement (SEM-41).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Requirement {
    pub fn key(&self) -> &str {
        match self {
            Requirement::In(k, _)
            | Requirement::NotIn(k, _)
            | Requirement::Exists(k)
            | Requirement::DoesNotExist(k) => k,
        }
    }

    fn matches(&self, labels: &Labels) -> bool {
        match self {
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            // SEM-41: NotIn matches a pod without the key at all.
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

/// A label selector: `matchLabels` and every requirement ANDed (SEM-40).
/// The empty selector matches everything (SEM-2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    pub match_labels: Labels,
    pub requirements: Vec<Requirement>,
}

impl Selector {
    pub fn everything() -> Selector {
        Selector::default()
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.requirements.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Label keys this selector looks at.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.match_labels
            .keys()
            .map(|k| k.as_str())
            .chain(self.requirements.iter().map(|r| r.key()))
    }

    /// Parse a kubectl-style selector: `app=web,tier!=db,env in (a,b),!legacy,team`.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        let mut sel = Selector::default();
        for part in split_top_level(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if let Some(k) = part.strip_prefix('!') {
                sel.requirements
                    .push(Requirement::DoesNotExist(k.trim().to_string()));
            } else if let Some((k, v)) = part.split_once("!=") {
                sel.requirements.push(Requirement::NotIn(
                    k.trim().to_string(),
                    vec![v.trim().to_string()],
                ));
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                sel.match_labels
                    .insert(k.trim().to_string(), v.trim().to_string());
            } else if let Some((k, rest)) = split_set_op(part, " notin ") {
                sel.requirements
                    .push(Requirement::NotIn(k, parse_set(&rest, s)?));
            } else if let Some((k, rest)) = split_set_op(part, " in ") {
                sel.requirements
                    .push(Requirement::In(k, parse_set(&rest, s)?));
            } else if part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                sel.requirements.push(Requirement::Exists(part.to_string()));
            } else {
                return Err(SelectorError::Unparsable {
                    part: part.to_string(),
                    selector: s.to_string(),
                });
            }
        }
        Ok(sel)
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.requirements {
            parts.push(match r {
                Requirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
                Requirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
                Requirement::Exists(k) => k.clone(),
                Requirement::DoesNotExist(k) => format!("!{k}"),
            });
        }
        if parts.is_empty() {
            f.write_str("{}")
        } else {
            f.write_str(&parts.join(","))
        }
    }
}

fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn split_set_op(part: &str, op: &str) -> Option<(String, String)> {
    part.find(op).map(|i| {
        (
            part[..i].trim().to_string(),
            part[i + op.len()..].to_string(),
        )
    })
}

fn parse_set(rest: &str, whole: &str) -> Result<Vec<String>, SelectorError> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| SelectorError::ExpectedSet {
            selector: whole.to_string(),
        })?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(kv: &[(&str, &str)]) -> Labels {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn sem40_empty_selector_matches_everything() {
        assert!(Selector::everything().matches(&labels(&[])));
        assert!(Selector::everything().matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn sem41_notin_matches_absent_key() {
        let s = Selector {
            requirements: vec![Requirement::NotIn("env".into(), vec!["prod".into()])],
            ..Default::default()
        };
        assert!(s.matches(&labels(&[])));
        assert!(s.matches(&labels(&[("env", "dev")])));
        assert!(!s.matches(&labels(&[("env", "prod")])));
    }

    #[test]
    fn sem40_labels_and_expressions_are_anded() {
        let s = Selector::parse("app=web,tier in (fe)").unwrap();
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "fe")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
    }

    #[test]
    fn parse_kubectl_forms() {
        let s = Selector::parse("a=1,b!=2,c notin (x,y),!d,e").unwrap();
        assert!(s.matches(&labels(&[("a", "1"), ("e", "")])));
        assert!(!s.matches(&labels(&[("a", "1"), ("e", ""), ("d", "z")])));
        assert!(!s.matches(&labels(&[("a", "1"), ("b", "2"), ("e", "")])));
        assert!(Selector::parse("a=(").is_ok());
        assert!(Selector::parse("in (").is_err());
    }
}
