//! Line numbers of findings: where each document of a manifest file starts.

use super::Finding;
use std::collections::BTreeMap;

pub(super) fn fill_lines(findings: &mut [Finding]) {
    let mut cache: BTreeMap<String, Option<Vec<usize>>> = BTreeMap::new();
    for f in findings.iter_mut() {
        for o in &mut f.objects {
            let starts = cache.entry(o.file.clone()).or_insert_with(|| {
                std::fs::read_to_string(&o.file)
                    .ok()
                    .map(|t| doc_start_lines(&t))
            });
            o.line = starts
                .as_ref()
                .and_then(|s| o.doc.checked_sub(1).and_then(|d| s.get(d)).copied());
        }
    }
}

/// 1-based first line of each document: the line after its `---`
/// separator, or line 1 for a first document written without one. Text
/// before the first separator that holds only comments, blank lines and
/// directives is no document, as for the YAML parser.
fn doc_start_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts = Vec::new();
    let mut seen_sep = false;
    let mut prefix_content = false;
    for (i, l) in lines.iter().enumerate() {
        let sep =
            l.starts_with("---") && l[3..].chars().next().is_none_or(|c| c == ' ' || c == '\t');
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

#[cfg(test)]
mod tests {
    use super::doc_start_lines;

    #[test]
    fn documents_start_after_their_separator() {
        assert_eq!(doc_start_lines("a: 1\n---\nb: 2\n"), vec![1, 3]);
        assert_eq!(doc_start_lines("---\na: 1\n---\nb: 2\n"), vec![2, 4]);
        // Comments and directives before the first separator are no document.
        assert_eq!(doc_start_lines("# c\n%YAML 1.2\n---\na: 1\n"), vec![4]);
        // `---x` is no separator; a trailing separator opens no document.
        assert_eq!(doc_start_lines("a: ---x\n---x\n---\n"), vec![1]);
        assert_eq!(doc_start_lines(""), vec![1]);
    }
}
