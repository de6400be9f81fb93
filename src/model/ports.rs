//! Port/protocol set algebra.
//!
//! A [`ConnSet`] is the set of (protocol, destination port) pairs a connection
//! may use: for each of TCP, UDP and SCTP (SEM-39: the only protocols
//! NetworkPolicy defines) a sorted list of disjoint, non-adjacent inclusive
//! port ranges. The canonical form makes equality, hashing and printing exact.

use crate::model::error::PortListError;
use std::fmt;

/// The three protocols NetworkPolicy knows (SEM-39, SEM-58).
///
/// The declaration order is the display order used by np-guard's connlist
/// (groups sorted as strings: SCTP < TCP < UDP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Sctp,
    Tcp,
    Udp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sctp => "SCTP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }

    /// Exact, case-sensitive parse (SEM-31, SEM-58).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MIN_PORT: u16 = 1;
pub const MAX_PORT: u16 = 65535;

/// A set of (protocol, port) pairs in canonical form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnSet {
    /// Per protocol, in [`Protocol::ALL`] order.
    ranges: [Vec<(u16, u16)>; 3],
}

/// The empty set, for lookups that must hand out a reference to something.
pub static NO_CONNS: ConnSet = ConnSet {
    ranges: [Vec::new(), Vec::new(), Vec::new()],
};

impl ConnSet {
    /// The ranges of one protocol (a match, not an index: cannot fail).
    fn of(&self, p: Protocol) -> &Vec<(u16, u16)> {
        let [sctp, tcp, udp] = &self.ranges;
        match p {
            Protocol::Sctp => sctp,
            Protocol::Tcp => tcp,
            Protocol::Udp => udp,
        }
    }

    fn of_mut(&mut self, p: Protocol) -> &mut Vec<(u16, u16)> {
        let [sctp, tcp, udp] = &mut self.ranges;
        match p {
            Protocol::Sctp => sctp,
            Protocol::Tcp => tcp,
            Protocol::Udp => udp,
        }
    }

    pub fn empty() -> ConnSet {
        ConnSet::default()
    }

    /// Every port of every protocol.
    pub fn all() -> ConnSet {
        let full = vec![(MIN_PORT, MAX_PORT)];
        ConnSet {
            ranges: [full.clone(), full.clone(), full],
        }
    }

    /// Every port of one protocol (SEM-30, SEM-33).
    pub fn all_of(p: Protocol) -> ConnSet {
        ConnSet::range(p, MIN_PORT, MAX_PORT)
    }

    /// `[lo, hi]` of one protocol; empty when `lo > hi`.
    pub fn range(p: Protocol, lo: u16, hi: u16) -> ConnSet {
        let mut c = ConnSet::empty();
        let lo = lo.max(MIN_PORT);
        if lo <= hi {
            c.of_mut(p).push((lo, hi));
        }
        c
    }

    pub fn port(p: Protocol, port: u16) -> ConnSet {
        ConnSet::range(p, port, port)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(|r| r.is_empty())
    }

    pub fn is_all(&self) -> bool {
        self == &ConnSet::all()
    }

    /// Ranges of one protocol, ascending and disjoint.
    pub fn ranges(&self, p: Protocol) -> &[(u16, u16)] {
        self.of(p)
    }

    pub fn contains(&self, p: Protocol, port: u16) -> bool {
        self.of(p).iter().any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// Number of (protocol, port) pairs in the set.
    pub fn size(&self) -> u64 {
        self.ranges
            .iter()
            .flatten()
            .map(|&(lo, hi)| u64::from(hi - lo) + 1)
            .sum()
    }

    pub fn union(&self, other: &ConnSet) -> ConnSet {
        ConnSet {
            ranges: Protocol::ALL.map(|p| union_ranges(self.of(p), other.of(p))),
        }
    }

    pub fn intersect(&self, other: &ConnSet) -> ConnSet {
        ConnSet {
            ranges: Protocol::ALL.map(|p| intersect_ranges(self.of(p), other.of(p))),
        }
    }

    pub fn subtract(&self, other: &ConnSet) -> ConnSet {
        self.intersect(&other.complement())
    }

    pub fn complement(&self) -> ConnSet {
        let mut out = ConnSet::empty();
        for (out_r, r) in out.ranges.iter_mut().zip(&self.ranges) {
            let mut next: u32 = u32::from(MIN_PORT);
            for &(lo, hi) in r {
                if u32::from(lo) > next {
                    out_r.push((next as u16, lo - 1));
                }
                next = u32::from(hi) + 1;
            }
            if next <= u32::from(MAX_PORT) {
                out_r.push((next as u16, MAX_PORT));
            }
        }
        out
    }

    /// np-guard's connlist spelling: `All Connections`, or groups like
    /// `TCP 80,8080-8090,UDP 53` (protocols sorted, ranges merged, no spaces
    /// after commas). The empty set prints as `No Connections`.
    pub fn to_connlist(&self) -> String {
        if self.is_all() {
            return "All Connections".to_string();
        }
        if self.is_empty() {
            return "No Connections".to_string();
        }
        let mut groups = Vec::new();
        for p in Protocol::ALL {
            let r = self.of(p);
            if r.is_empty() {
                continue;
            }
            let ports: Vec<String> = r.iter().map(|&(lo, hi)| fmt_range(lo, hi)).collect();
            groups.push(format!("{} {}", p, ports.join(",")));
        }
        groups.join(",")
    }

    /// Human spelling with spaces: `TCP 80, 8080-8090; UDP 53`.
    pub fn to_human(&self) -> String {
        if self.is_all() {
            return "all ports, all protocols".to_string();
        }
        if self.is_empty() {
            return "nothing".to_string();
        }
        let mut groups = Vec::new();
        for p in Protocol::ALL {
            let r = self.of(p);
            if r.is_empty() {
                continue;
            }
            if r == &[(MIN_PORT, MAX_PORT)] {
                groups.push(format!("{p} (all ports)"));
                continue;
            }
            let ports: Vec<String> = r.iter().map(|&(lo, hi)| fmt_range(lo, hi)).collect();
            groups.push(format!("{} {}", p, ports.join(", ")));
        }
        groups.join("; ")
    }

    /// JSON form: `{"TCP": [[80, 80], [8080, 8090]], "UDP": [[53, 53]]}`
    /// with only non-empty protocols.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for p in Protocol::ALL {
            let r = self.of(p);
            if !r.is_empty() {
                m.insert(
                    p.as_str().to_string(),
                    serde_json::Value::Array(
                        r.iter()
                            .map(|&(lo, hi)| serde_json::json!([lo, hi]))
                            .collect(),
                    ),
                );
            }
        }
        serde_json::Value::Object(m)
    }

    /// Smallest (protocol, port) pair in the set, in display order.
    pub fn first(&self) -> Option<(Protocol, u16)> {
        Protocol::ALL
            .into_iter()
            .find_map(|p| self.of(p).first().map(|&(lo, _)| (p, lo)))
    }
}

fn fmt_range(lo: u16, hi: u16) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

fn union_ranges(a: &[(u16, u16)], b: &[(u16, u16)]) -> Vec<(u16, u16)> {
    if a.is_empty() {
        return b.to_vec();
    }
    if b.is_empty() {
        return a.to_vec();
    }
    let mut all: Vec<(u16, u16)> = a.iter().chain(b.iter()).copied().collect();
    all.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(all.len());
    for (lo, hi) in all {
        match out.last_mut() {
            Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => {
                if hi > last.1 {
                    last.1 = hi;
                }
            }
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn intersect_ranges(a: &[(u16, u16)], b: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&(alo, ahi)), Some(&(blo, bhi))) = (a.get(i), b.get(j)) {
        let lo = alo.max(blo);
        let hi = ahi.min(bhi);
        if lo <= hi {
            out.push((lo, hi));
        }
        if ahi < bhi {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Parse `80/TCP`, `8080-8090/UDP`, `53` (TCP), `UDP` (all UDP ports).
pub fn parse_port_spec(s: &str) -> Result<ConnSet, PortListError> {
    let s = s.trim();
    let (num, proto) = match s.split_once('/') {
        Some((n, p)) => (n, p),
        None if Protocol::parse(s).is_some() => ("", s),
        None => (s, "TCP"),
    };
    let proto = Protocol::parse(proto).ok_or_else(|| PortListError::UnknownProtocol {
        protocol: proto.to_string(),
        spec: s.to_string(),
    })?;
    if num.is_empty() {
        return Ok(ConnSet::all_of(proto));
    }
    let parse = |x: &str| -> Result<u16, PortListError> {
        x.parse::<u16>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| PortListError::NotAPort {
                text: x.to_string(),
                spec: s.to_string(),
            })
    };
    let (lo, hi) = match num.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let p = parse(num)?;
            (p, p)
        }
    };
    if lo > hi {
        return Err(PortListError::EmptyRange {
            range: num.to_string(),
            spec: s.to_string(),
        });
    }
    Ok(ConnSet::range(proto, lo, hi))
}

/// Parse a comma-separated list of port specs (`80/TCP,443/TCP`).
pub fn parse_port_list(s: &str) -> Result<ConnSet, PortListError> {
    let mut out = ConnSet::empty();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        out = out.union(&parse_port_spec(part)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_merges_adjacent_ranges() {
        let a = ConnSet::range(Protocol::Tcp, 80, 90);
        let b = ConnSet::range(Protocol::Tcp, 91, 95);
        assert_eq!(a.union(&b).ranges(Protocol::Tcp), &[(80, 95)]);
    }

    #[test]
    fn connlist_format_matches_np_guard() {
        let c = ConnSet::port(Protocol::Tcp, 8080)
            .union(&ConnSet::port(Protocol::Tcp, 9090))
            .union(&ConnSet::port(Protocol::Udp, 53));
        assert_eq!(c.to_connlist(), "TCP 8080,9090,UDP 53");
        assert_eq!(ConnSet::all().to_connlist(), "All Connections");
        let udp_hole = ConnSet::all().subtract(&ConnSet::port(Protocol::Udp, 5353));
        assert_eq!(
            udp_hole.to_connlist(),
            "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"
        );
    }

    #[test]
    fn complement_round_trips() {
        let a = ConnSet::range(Protocol::Udp, 1, 10).union(&ConnSet::port(Protocol::Tcp, 65535));
        assert_eq!(a.complement().complement(), a);
        assert!(a.union(&a.complement()).is_all());
        assert!(a.intersect(&a.complement()).is_empty());
    }

    #[test]
    fn parse_specs() {
        assert_eq!(
            parse_port_spec("80/TCP").unwrap(),
            ConnSet::port(Protocol::Tcp, 80)
        );
        assert_eq!(
            parse_port_spec("UDP").unwrap(),
            ConnSet::all_of(Protocol::Udp)
        );
        assert!(parse_port_spec("80/tcp").is_err(), "SEM-31: case-sensitive");
        assert!(parse_port_spec("0/TCP").is_err());
    }
}
