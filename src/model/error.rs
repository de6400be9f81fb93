//! The model's errors: parsing a selector, a port list, and finding pods by
//! name. Their Display texts are what the CLI prints after `--flag`.

/// A kubectl-style label selector that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A part that is none of the accepted forms.
    #[error(
        "cannot parse `{part}` in selector `{selector}`: use key=value, key!=value, key in (a,b), key notin (a,b), key or !key"
    )]
    Unparsable { part: String, selector: String },
    /// `in`/`notin` not followed by a parenthesised set.
    #[error("expected `(a,b)` after in/notin in selector `{selector}`")]
    ExpectedSet { selector: String },
}

/// A port spec (`80/TCP`, `8080-8090/UDP`, `53`, `UDP`) that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortListError {
    /// SEM-31: protocols are TCP, UDP or SCTP, case-sensitive.
    #[error("unknown protocol `{protocol}` in `{spec}`: use TCP, UDP or SCTP")]
    UnknownProtocol { protocol: String, spec: String },
    #[error("`{text}` in `{spec}` is not a port number in 1..65535")]
    NotAPort { text: String, spec: String },
    #[error("empty port range `{range}` in `{spec}`")]
    EmptyRange { range: String, spec: String },
}

/// A pod or workload name that names no pod, or pods in several namespaces.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PodLookupError {
    #[error("`{spec}` is ambiguous: it exists in namespaces {}; write ns/{spec}", .namespaces.join(", "))]
    Ambiguous {
        spec: String,
        namespaces: Vec<String>,
    },
    #[error(
        "no pod or workload `{spec}`: write ns/name (a pod or workload), ns/name[Kind], or an IP address"
    )]
    NotFound { spec: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_error_texts() {
        let e = SelectorError::Unparsable {
            part: "a b".into(),
            selector: "x=1,a b".into(),
        };
        assert_eq!(
            e.to_string(),
            "cannot parse `a b` in selector `x=1,a b`: use key=value, key!=value, key in (a,b), key notin (a,b), key or !key"
        );
        let e = SelectorError::ExpectedSet {
            selector: "a in b".into(),
        };
        assert_eq!(
            e.to_string(),
            "expected `(a,b)` after in/notin in selector `a in b`"
        );
    }

    #[test]
    fn port_list_error_texts() {
        let e = PortListError::UnknownProtocol {
            protocol: "tcp".into(),
            spec: "80/tcp".into(),
        };
        assert_eq!(
            e.to_string(),
            "unknown protocol `tcp` in `80/tcp`: use TCP, UDP or SCTP"
        );
        let e = PortListError::NotAPort {
            text: "0".into(),
            spec: "0/TCP".into(),
        };
        assert_eq!(
            e.to_string(),
            "`0` in `0/TCP` is not a port number in 1..65535"
        );
        let e = PortListError::EmptyRange {
            range: "90-80".into(),
            spec: "90-80/TCP".into(),
        };
        assert_eq!(e.to_string(), "empty port range `90-80` in `90-80/TCP`");
    }

    #[test]
    fn pod_lookup_error_texts() {
        let e = PodLookupError::Ambiguous {
            spec: "web".into(),
            namespaces: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            e.to_string(),
            "`web` is ambiguous: it exists in namespaces a, b; write ns/web"
        );
        let e = PodLookupError::NotFound { spec: "x".into() };
        assert_eq!(
            e.to_string(),
            "no pod or workload `x`: write ns/name (a pod or workload), ns/name[Kind], or an IP address"
        );
    }
}
