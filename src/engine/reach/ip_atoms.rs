//! IP atoms: the address space cut at every `ipBlock` boundary, per side.

use crate::model::ip::{partition, IpRange};
use crate::model::{Cluster, Direction, Peer};

/// The address space as the policies see it.
pub(super) struct IpAtoms {
    /// Source-side atoms: cut at every ingress `ipBlock` boundary.
    pub ext_src: Vec<IpRange>,
    /// Destination-side atoms: cut at every egress `ipBlock` boundary.
    pub ext_dst: Vec<IpRange>,
    /// Every block range of either side (pods whose IPs fall in none need
    /// no IP in their class key).
    pub all_blocks: Vec<IpRange>,
    /// A policy names an IPv6 block or a pod has an IPv6 address.
    pub ipv6_in_use: bool,
}

/// Cut the atoms (SEM-21, SEM-22): global over all policies, so that every
/// `ipBlock` either covers an atom wholly or not at all.
pub(super) fn cut(cluster: &Cluster) -> IpAtoms {
    let in_nets = block_ranges(cluster, Direction::Ingress);
    let out_nets = block_ranges(cluster, Direction::Egress);
    let all_blocks: Vec<IpRange> = in_nets.iter().chain(out_nets.iter()).copied().collect();
    // One definition with the named destinations' ranges (CNP-12).
    let ipv6_in_use = crate::engine::eval::ipv6_in_use(cluster);
    IpAtoms {
        ext_src: partition(in_nets),
        ext_dst: partition(out_nets),
        all_blocks,
        ipv6_in_use,
    }
}

/// The ranges of every `ipBlock` peer of every rule in one direction.
fn block_ranges(cluster: &Cluster, dir: Direction) -> Vec<IpRange> {
    let mut nets = Vec::new();
    for p in &cluster.policies {
        for r in p.rules(dir).unwrap_or(&[]) {
            for peer in r.peers.iter().flatten() {
                match peer {
                    Peer::IpBlock(b) => nets.extend(b.ranges()),
                    // CNP-12: each node address is an atom of its own.
                    Peer::Nodes { addrs, .. } => {
                        nets.extend(addrs.iter().map(|a| IpRange::from_addr(*a)))
                    }
                    Peer::Pods { .. } | Peer::DomainNames(_) => {}
                }
            }
        }
    }
    nets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::tests::{cluster, ipblock, policy, rule};
    use crate::model::Peer;
    use std::net::IpAddr;

    fn atom_of(atoms: &[IpRange], ip: &str) -> usize {
        let ip: IpAddr = ip.parse().unwrap();
        atoms.iter().position(|a| a.contains_addr(ip)).unwrap()
    }

    #[test]
    fn atoms_cut_per_side_at_block_and_except_boundaries() {
        // SEM-21: cidr minus except; the except range is an atom of its own.
        let peer = Peer::IpBlock(ipblock("10.0.0.0/8", &["10.1.0.0/16"]));
        let c = cluster(
            vec![],
            vec![policy(
                "x",
                "",
                None,
                Some(vec![rule(Some(vec![peer]), None)]),
            )],
        );
        let a = cut(&c);
        // Egress block: destination atoms cut; source atoms untouched.
        let (inside, hole, outside) = (
            atom_of(&a.ext_dst, "10.0.0.1"),
            atom_of(&a.ext_dst, "10.1.2.3"),
            atom_of(&a.ext_dst, "11.0.0.1"),
        );
        assert_ne!(inside, hole);
        assert_ne!(inside, outside);
        // The hole splits the block's rest in two; the block covers both.
        let above = atom_of(&a.ext_dst, "10.200.0.1");
        assert_ne!(above, inside);
        let b = ipblock("10.0.0.0/8", &["10.1.0.0/16"]);
        assert!(b.covers(&a.ext_dst[inside]) && b.covers(&a.ext_dst[above]));
        assert!(!b.covers(&a.ext_dst[hole]));
        assert_eq!(
            atom_of(&a.ext_src, "10.0.0.1"),
            atom_of(&a.ext_src, "11.0.0.1"),
            "no ingress block: one source atom per family"
        );
        // SEM-23: both families are always covered.
        atom_of(&a.ext_src, "2001:db8::1");
        assert!(!a.ipv6_in_use);
        assert_eq!(
            a.all_blocks.len(),
            a.all_blocks.iter().filter(|b| !b.v6).count()
        );
    }

    #[test]
    fn ipv6_in_use_when_a_block_is_v6() {
        let peer = Peer::IpBlock(ipblock("2001:db8::/32", &[]));
        let c = cluster(
            vec![],
            vec![policy(
                "x",
                "",
                Some(vec![rule(Some(vec![peer]), None)]),
                None,
            )],
        );
        let a = cut(&c);
        assert!(a.ipv6_in_use);
        assert_ne!(
            atom_of(&a.ext_src, "2001:db8::1"),
            atom_of(&a.ext_src, "2001:db9::1")
        );
    }
}
