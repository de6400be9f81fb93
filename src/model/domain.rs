//! Domain names of `domainNames` egress peers (CNP-12): exact names and
//! `*.` patterns, compared as names, never resolved.

/// The spelling names are compared in: DNS names are case-insensitive and
/// `example.com.` (fully qualified) is `example.com`.
pub fn canonical(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether `pattern` covers `name` (both canonical): the same name, or
/// `*.S` covering every name that ends in `.S` with one or more whole labels
/// before it. `*.example.com` covers `api.example.com` and
/// `*.a.example.com`, never `example.com` itself; a plain name covers only
/// itself, so `api.example.com` does not cover `*.example.com`.
pub fn covers(pattern: &str, name: &str) -> bool {
    if pattern == name {
        return true;
    }
    let Some(suffix) = pattern.strip_prefix("*.") else {
        return false;
    };
    let Some(head) = name.strip_suffix(suffix) else {
        return false;
    };
    // `head` is what precedes the suffix: it must end with the dot that
    // separates whole labels, and hold at least one label (or `*`) before.
    head.len() > 1 && head.ends_with('.')
}

/// The CRD's DomainName pattern: an optional `*.` prefix, then two or more
/// labels of letters, digits, `-` and `_` (not at either end), an optional
/// final dot (CNP-12).
pub fn valid(s: &str) -> bool {
    let s = s.strip_prefix("*.").unwrap_or(s);
    let s = s.strip_suffix('.').unwrap_or(s);
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.first().is_some_and(u8::is_ascii_alphanumeric)
                && b.last().is_some_and(u8::is_ascii_alphanumeric)
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnp12_patterns_cover_whole_labels_only() {
        assert!(covers("*.example.com", "api.example.com"));
        assert!(covers("*.example.com", "a.b.example.com"));
        assert!(covers("*.example.com", "*.a.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(covers("api.example.com", "api.example.com"));
        // Not the apex, not a label that merely ends the same way.
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "badexample.com"));
        assert!(!covers("*.example.com", ".example.com"));
        // A name covers only itself; a narrower pattern not the wider one.
        assert!(!covers("api.example.com", "*.example.com"));
        assert!(!covers("*.a.example.com", "*.example.com"));
        assert!(!covers("*.a.example.com", "b.example.com"));
    }

    #[test]
    fn canonical_names_ignore_case_and_the_final_dot() {
        assert_eq!(canonical("API.Example.COM."), "api.example.com");
        assert_eq!(canonical("*.example.com"), "*.example.com");
    }
}
