//! Rule ports as interned connection sets, resolved once per named-port
//! signature of the destination classes (SEM-34..36).

use crate::engine::reach::classes::{port_signature, PortSig};
use crate::engine::reach::conn_table::{ConnTable, EMPTY};
use crate::model::{Pod, Rule};
use std::collections::HashMap;

/// What a rule's ports allow: towards IP atoms (and any destination when
/// the rule names no port), and per named-port signature when it does.
pub(super) struct RuleConns {
    pub to_ip: u32,
    per_sig: Option<Vec<u32>>,
}

/// Classes grouped by their named container ports: classes with the same
/// signature resolve every name alike.
pub(super) struct Signatures<'c> {
    sig_of_class: Vec<usize>,
    sig_rep: Vec<&'c Pod>,
}

impl<'c> Signatures<'c> {
    pub fn new(reps: &[&'c Pod]) -> Signatures<'c> {
        let mut sig_index: HashMap<PortSig<'c>, usize> = HashMap::new();
        let mut sig_rep: Vec<&'c Pod> = Vec::new();
        let sig_of_class = reps
            .iter()
            .map(|&rep| {
                *sig_index.entry(port_signature(rep)).or_insert_with(|| {
                    sig_rep.push(rep);
                    sig_rep.len() - 1
                })
            })
            .collect();
        Signatures {
            sig_of_class,
            sig_rep,
        }
    }

    /// Intern a rule's ports: towards an IP (names never resolve, SEM-35)
    /// and, when it names ports, towards each signature (SEM-34, SEM-36).
    pub fn rule_conns(&self, rule: &Rule, table: &mut ConnTable) -> RuleConns {
        let to_ip = table.intern(rule.ports_towards(None));
        let per_sig = rule.has_named_ports().then(|| {
            self.sig_rep
                .iter()
                .map(|&rep| table.intern(rule.ports_towards(Some(rep))))
                .collect()
        });
        RuleConns { to_ip, per_sig }
    }

    /// The named-port signature of class `d`: classes with one signature
    /// resolve every port name alike.
    pub fn sig_of(&self, d: usize) -> usize {
        self.sig_of_class.get(d).copied().unwrap_or(usize::MAX)
    }

    /// The rule's connections towards destination class `d`. `d` is a
    /// class and `per_sig` has one entry per signature, so both lookups
    /// succeed; EMPTY is only a formal fallback.
    pub fn conn_at(&self, rc: &RuleConns, d: usize) -> u32 {
        match &rc.per_sig {
            Some(v) => self
                .sig_of_class
                .get(d)
                .and_then(|&sig| v.get(sig))
                .copied()
                .unwrap_or(EMPTY),
            None => rc.to_ip,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::conn_table::ALL;
    use crate::engine::reach::tests::{pod, rule, with_port};
    use crate::model::ports::{ConnSet, Protocol};
    use crate::model::{PortRef, PortSpec};

    fn named(n: &str) -> PortSpec {
        PortSpec {
            protocol: Protocol::Tcp,
            port: PortRef::Named(n.into()),
        }
    }

    #[test]
    fn named_ports_resolve_per_destination_signature() {
        // SEM-36: http is 8080 on a and 9090 on b; never pooled.
        let a = with_port(pod("x", "a", ""), "http", 8080);
        let b = with_port(pod("x", "b", ""), "http", 9090);
        let a2 = with_port(pod("y", "a2", ""), "http", 8080);
        let none = pod("x", "n", "");
        let reps = vec![&a, &b, &a2, &none];
        let sigs = Signatures::new(&reps);
        assert_eq!(sigs.sig_of_class, vec![0, 1, 0, 2]);
        let mut t = ConnTable::new();
        let rc = sigs.rule_conns(&rule(None, Some(vec![named("http")])), &mut t);
        assert_eq!(
            t.get(sigs.conn_at(&rc, 0)),
            &ConnSet::port(Protocol::Tcp, 8080)
        );
        assert_eq!(
            t.get(sigs.conn_at(&rc, 1)),
            &ConnSet::port(Protocol::Tcp, 9090)
        );
        assert_eq!(sigs.conn_at(&rc, 2), sigs.conn_at(&rc, 0));
        // SEM-64: a pod without the name: nothing. SEM-35: an IP: nothing.
        assert_eq!(sigs.conn_at(&rc, 3), EMPTY);
        assert_eq!(rc.to_ip, EMPTY);
    }

    #[test]
    fn protocol_must_match_the_named_port() {
        // SEM-34: a TCP entry never resolves a UDP port of that name.
        let mut p = pod("x", "d", "");
        p.ports.push(crate::model::ContainerPort {
            name: Some("dns".into()),
            port: 53,
            protocol: Protocol::Udp,
        });
        let reps = vec![&p];
        let sigs = Signatures::new(&reps);
        let mut t = ConnTable::new();
        let rc = sigs.rule_conns(&rule(None, Some(vec![named("dns")])), &mut t);
        assert_eq!(sigs.conn_at(&rc, 0), EMPTY);
    }

    #[test]
    fn numeric_ports_are_the_same_everywhere() {
        // SEM-29, SEM-32: no named port, one id for IPs and every class.
        let a = with_port(pod("x", "a", ""), "http", 8080);
        let reps = vec![&a];
        let sigs = Signatures::new(&reps);
        let mut t = ConnTable::new();
        let rc = sigs.rule_conns(&rule(None, None), &mut t);
        assert_eq!(rc.to_ip, ALL);
        assert_eq!(sigs.conn_at(&rc, 0), ALL);
    }
}
