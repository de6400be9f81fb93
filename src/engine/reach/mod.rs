//! The reachability matrix over pod classes and external IP atoms, and its
//! queries.
//!
//! Pods that share namespace, labels, named container ports (and, where an
//! `ipBlock` could match them, IPs) behave identically, so they collapse into
//! equivalence classes ([`classes`]). Every rule's peers compile once into a
//! bitset over classes and external IP atoms ([`peers`], [`ip_atoms`]); ports
//! compile into interned [`ConnSet`] ids ([`conn_table`], [`named_ports`]).
//! The matrix ([`matrix`]) holds one id per (source class, destination
//! class) and per (class, IP atom), so a query is two array reads.

mod cells;
mod classes;
mod conn_table;
mod domains;
mod ip_atoms;
mod keys;
mod matrix;
mod named_ports;
mod options;
mod peers;
mod tiers;

pub use conn_table::{ConnTable, ALL, EMPTY};
pub use options::ReachOptions;

use crate::engine::budget::{matrix_bytes, MemBudget, TooLarge};
use crate::model::ip::IpRange;
use crate::model::ports::{ConnSet, NO_CONNS};
use crate::model::{Cluster, Direction};
use std::convert::Infallible;
use std::net::IpAddr;

/// The reachability matrix over pod classes and external IP atoms.
#[derive(Clone, Debug)]
pub struct Reachability {
    pub options: ReachOptions,
    /// Pod indices (into `Cluster::pods`) of each class; the first is the
    /// representative.
    pub classes: Vec<Vec<usize>>,
    /// Class of each pod.
    pub pod_class: Vec<usize>,
    /// Source-side IP atoms: cut at every ingress `ipBlock` boundary.
    pub ext_src: Vec<IpRange>,
    /// Destination-side IP atoms: cut at every egress `ipBlock` boundary.
    pub ext_dst: Vec<IpRange>,
    /// Whether IPv6 plays a part: a policy names an IPv6 block or a pod has
    /// an IPv6 address. Listings show IPv6 atoms only then.
    pub ipv6_in_use: bool,
    /// Named destinations (CNP-12): every name or pattern of a
    /// `domainNames` peer, canonical and sorted, spelled `dns:<name>`.
    pub domains: Vec<String>,
    /// Isolation per class (SEM-3).
    pub ingress_isolated: Vec<bool>,
    pub egress_isolated: Vec<bool>,
    table: ConnTable,
    /// The row key of each class as a source, the column key of each class
    /// as a destination ([`keys`]): classes with one key have one row (or
    /// column) of cells.
    rows: keys::Keys,
    cols: keys::Keys,
    /// Row-major over row keys, stride `column keys + ext_dst + domains`:
    /// `[r][k]`, then `[r][K + x]`, then `[r][K + X + d]`.
    cells: cells::Cells,
    /// `[x][k]`: from source atom x to column key k.
    from_ext: Vec<u32>,
    /// Connections that may be allowed or denied, as the implementation
    /// picks between equal-priority cluster policies (CNP-4); the cells
    /// above hold them as allowed (the worst case).
    ambiguity: matrix::Ambiguity,
}

impl Reachability {
    /// Compile a cluster: atoms, classes, subjects and peers as bitsets,
    /// then the egress rows and the ingress columns.
    pub fn compile(cluster: &Cluster, options: &ReachOptions) -> Reachability {
        match Self::compile_checked(cluster, options, &[], |_, _| Ok::<(), Infallible>(())) {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    /// [`Reachability::compile`], refusing before the matrix is allocated
    /// when its estimate (classes², see `engine::budget`) exceeds `budget`.
    pub fn compile_within(
        cluster: &Cluster,
        options: &ReachOptions,
        budget: MemBudget,
    ) -> Result<Reachability, TooLarge> {
        Self::compile_naming(cluster, options, budget, &[])
    }

    /// [`Reachability::compile_within`] with `names` as named destinations
    /// beside those the cluster's own rules name (CNP-12): `diff` compiles
    /// both sides with the names of both, so that a name one side's rules
    /// never mention still has its verdict there.
    pub fn compile_naming(
        cluster: &Cluster,
        options: &ReachOptions,
        budget: MemBudget,
        names: &[String],
    ) -> Result<Reachability, TooLarge> {
        Self::compile_checked(cluster, options, names, |classes, bytes| {
            budget.check("the reachability matrix", classes, bytes)
        })
    }

    /// The names a cluster's `domainNames` peers name, canonical and
    /// sorted: its named destinations (CNP-12).
    pub fn domain_names(cluster: &Cluster) -> Vec<String> {
        domains::Domains::collect(cluster, &[]).names
    }

    /// The compile, with `check(classes, matrix bytes)` asked once the
    /// classes are known, before anything proportional to their square.
    fn compile_checked<E>(
        cluster: &Cluster,
        options: &ReachOptions,
        names: &[String],
        check: impl FnOnce(usize, u64) -> Result<(), E>,
    ) -> Result<Reachability, E> {
        let atoms = ip_atoms::cut(cluster);
        let visible = classes::Visible::of(&cluster.policies, &atoms.all_blocks);
        let cl = classes::form(&cluster.pods, &visible, options);
        let nc = cl.members.len();
        let ns = classes::NsIndex::build(cluster, &cl.reps);
        let mut fill = matrix::Filler {
            cluster,
            selected: cluster
                .policies
                .iter()
                .map(|pol| peers::selected_classes(pol, &ns, nc))
                .collect(),
            peers: peers::PeerCompiler::new(&ns, &cl.reps, options),
            sigs: named_ports::Signatures::new(&cl.reps),
            table: ConnTable::new(),
            class_count: nc,
            rows: keys::Keys::default(),
            cols: keys::Keys::default(),
            domains: domains::Domains::collect(cluster, names),
        };
        let rules = fill.compile_rules(&atoms.ext_src, &atoms.ext_dst);
        fill.keys(&rules, &atoms.ext_src, &atoms.ext_dst);
        check(
            nc,
            matrix_bytes(
                fill.rows.len(),
                fill.cols.len(),
                atoms.ext_src.len(),
                fill.dst_extra(&atoms.ext_dst) + fill.domains.names.len(),
            ),
        )?;
        let ingress_isolated = fill.isolation(Direction::Ingress);
        let egress_isolated = fill.isolation(Direction::Egress);
        let (mut cells, egress_amb) = fill.egress(&rules, &egress_isolated, &atoms.ext_dst);
        let stride = fill.cols.len() + fill.dst_extra(&atoms.ext_dst);
        let (from_ext, mut ambiguity) = fill.ingress(
            &rules,
            &mut cells,
            &ingress_isolated,
            &atoms.ext_src,
            stride,
            &egress_amb,
        );
        drop(rules);
        if !fill.domains.names.is_empty() {
            // CNP-12: each name's ranges folded into one column.
            let first = fill.cols.len() + atoms.ext_dst.len();
            cells = fill.domains.fold(
                &cells,
                fill.rows.len(),
                stride,
                first,
                &mut fill.table,
                &mut ambiguity,
            );
        }
        Ok(Reachability {
            options: options.clone(),
            classes: cl.members,
            pod_class: cl.pod_class,
            ext_src: atoms.ext_src,
            ext_dst: atoms.ext_dst,
            ipv6_in_use: atoms.ipv6_in_use,
            domains: fill.domains.names,
            ingress_isolated,
            egress_isolated,
            table: fill.table,
            rows: fill.rows,
            cols: fill.cols,
            cells,
            from_ext,
            ambiguity,
        })
    }

    pub fn class_count(&self) -> usize {
        self.classes.len()
    }

    /// Number of row keys and of column keys: the matrix holds one cell
    /// per pair of them (plus the atoms), not one per pair of classes.
    pub fn key_counts(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    fn stride(&self) -> usize {
        self.cols.len() + self.ext_dst.len() + self.domains.len()
    }

    /// The cell of class `s` towards column `k` (a class, or `C + x` for
    /// destination atom `x`); EMPTY outside the matrix.
    fn cell(&self, s: usize, k: usize) -> u32 {
        let nc = self.classes.len();
        let pos = if k < nc {
            self.cols.key(k)
        } else {
            self.cols.len() + (k - nc)
        };
        let i = self.rows.key(s);
        if s >= nc || pos >= self.stride() || i >= self.rows.len() {
            return EMPTY;
        }
        self.cells.get(i * self.stride() + pos)
    }

    /// The row key of class `c` (`usize::MAX` for no class): classes of
    /// one row key reach every destination alike.
    pub fn row_key(&self, c: usize) -> usize {
        self.rows.key(c)
    }

    /// The column key of class `c` (`usize::MAX` for no class): classes of
    /// one column key are reached alike from every source.
    pub fn col_key(&self, c: usize) -> usize {
        self.cols.key(c)
    }

    /// The connection id from row key `r` to column key `k` (EMPTY outside
    /// the keys).
    pub fn key_cell(&self, r: usize, k: usize) -> u32 {
        if r >= self.rows.len() || k >= self.cols.len() {
            return EMPTY;
        }
        self.cells.get(r * self.stride() + k)
    }

    /// The connection ids of row key `r` towards every column key (EMPTY
    /// for each outside the keys): [`Reachability::key_cell`] for a whole row.
    pub fn key_row(&self, r: usize) -> Vec<u32> {
        (0..self.cols.len()).map(|k| self.key_cell(r, k)).collect()
    }

    /// (row key, column key) pairs with some connection: what the attack
    /// graph's stored entries grow with.
    pub fn connected_key_pairs(&self) -> u64 {
        let stride = self.stride();
        let mut pairs = 0u64;
        for i in 0..self.rows.len() {
            for j in 0..self.cols.len() {
                if self.cells.get(i * stride + j) != EMPTY {
                    pairs += 1;
                }
            }
        }
        pairs
    }

    /// Pairs of classes (source, destination, a class with itself
    /// included) with some connection, counted over the keys: one visit per
    /// cell, not per pair of classes.
    pub fn connected_class_pairs(&self) -> u64 {
        let count = |keys: &keys::Keys| {
            let mut n = vec![0u64; keys.len()];
            for &k in &keys.of {
                if let Some(x) = n.get_mut(k as usize) {
                    *x += 1;
                }
            }
            n
        };
        let (rows, cols) = (count(&self.rows), count(&self.cols));
        let stride = self.stride();
        let mut pairs = 0u64;
        for (i, &r) in rows.iter().enumerate() {
            for (j, &c) in cols.iter().enumerate() {
                if self.cells.get(i * stride + j) != EMPTY {
                    pairs = pairs.saturating_add(r.saturating_mul(c));
                }
            }
        }
        pairs
    }

    /// Interned id of class-to-class connections (ids are only comparable
    /// within one `Reachability`). An unknown class connects to nothing.
    pub fn class_id(&self, s: usize, d: usize) -> u32 {
        if d >= self.classes.len() {
            return EMPTY;
        }
        self.cell(s, d)
    }

    pub fn class_to_class(&self, s: usize, d: usize) -> &ConnSet {
        self.table.get(self.class_id(s, d))
    }

    /// Interned id of class-to-atom connections (destination atom `x`).
    pub fn class_to_ext_id(&self, s: usize, x: usize) -> u32 {
        if x >= self.ext_dst.len() {
            return EMPTY;
        }
        self.cell(s, self.classes.len() + x)
    }

    /// Interned id of atom-to-class connections (source atom `x`).
    pub fn ext_to_class_id(&self, x: usize, d: usize) -> u32 {
        let (nc, nk) = (self.classes.len(), self.cols.len());
        if x >= self.ext_src.len() || d >= nc {
            return EMPTY;
        }
        self.from_ext
            .get(x * nk + self.cols.key(d))
            .copied()
            .unwrap_or(EMPTY)
    }

    /// Interned id of class-to-name connections (named destination `d`,
    /// CNP-12): only the source's egress side counts (SEM-9, CNP-2).
    pub fn class_to_domain_id(&self, s: usize, d: usize) -> u32 {
        if d >= self.domains.len() {
            return EMPTY;
        }
        self.cell(s, self.classes.len() + self.ext_dst.len() + d)
    }

    pub fn class_to_domain(&self, s: usize, d: usize) -> &ConnSet {
        self.table.get(self.class_to_domain_id(s, d))
    }

    /// The named destination spelled `name` (canonical, without `dns:`).
    pub fn domain_index(&self, name: &str) -> Option<usize> {
        self.domains.binary_search_by(|d| d.as_str().cmp(name)).ok()
    }

    /// Pod to named destination (CNP-12).
    pub fn pod_to_domain(&self, s: usize, d: usize) -> ConnSet {
        match self.pod_class.get(s) {
            Some(&c) => self.class_to_domain(c, d).clone(),
            None => ConnSet::empty(),
        }
    }

    pub fn class_to_ext(&self, s: usize, x: usize) -> &ConnSet {
        self.table.get(self.class_to_ext_id(s, x))
    }

    pub fn ext_to_class(&self, x: usize, d: usize) -> &ConnSet {
        self.table.get(self.ext_to_class_id(x, d))
    }

    pub fn conn(&self, id: u32) -> &ConnSet {
        self.table.get(id)
    }

    /// Between two different replicas of one pod entry (a workload
    /// template): governed by policy like any two pods. SEM-47 exempts a pod
    /// only towards itself.
    pub fn replica_to_replica(&self, p: usize) -> &ConnSet {
        match self.pod_class.get(p) {
            Some(&c) => self.class_to_class(c, c),
            None => &NO_CONNS,
        }
    }

    /// Pod entry to pod entry; an entry towards itself means a pod towards
    /// itself, always allowed (SEM-47). For sibling replicas use
    /// [`Reachability::replica_to_replica`].
    pub fn pod_to_pod(&self, s: usize, d: usize) -> ConnSet {
        if s == d {
            return ConnSet::all();
        }
        match (self.pod_class.get(s), self.pod_class.get(d)) {
            (Some(&cs), Some(&cd)) => self.class_to_class(cs, cd).clone(),
            _ => ConnSet::empty(),
        }
    }

    /// The source atom holding an address.
    pub fn src_atom(&self, ip: IpAddr) -> Option<usize> {
        self.ext_src.iter().position(|a| a.contains_addr(ip))
    }

    /// The destination atom holding an address.
    pub fn dst_atom(&self, ip: IpAddr) -> Option<usize> {
        self.ext_dst.iter().position(|a| a.contains_addr(ip))
    }

    /// External address to pod (SEM-9: only the pod's ingress counts).
    /// Atoms cover both address families, so every address has one.
    pub fn ip_to_pod(&self, ip: IpAddr, d: usize) -> ConnSet {
        let Some(&c) = self.pod_class.get(d) else {
            return ConnSet::empty();
        };
        self.src_atom(ip)
            .map(|x| self.ext_to_class(x, c).clone())
            .unwrap_or_default()
    }

    /// Pod to external address (SEM-9: only the pod's egress counts).
    pub fn pod_to_ip(&self, s: usize, ip: IpAddr) -> ConnSet {
        let Some(&c) = self.pod_class.get(s) else {
            return ConnSet::empty();
        };
        self.dst_atom(ip)
            .map(|x| self.class_to_ext(c, x).clone())
            .unwrap_or_default()
    }

    /// Whether some connection is ambiguous (CNP-4).
    pub fn has_ambiguity(&self) -> bool {
        !self.ambiguity.cells.is_empty() || !self.ambiguity.from_ext.is_empty()
    }

    /// The ambiguous part of class-to-class connections (CNP-4).
    pub fn ambiguous_class_to_class(&self, s: usize, d: usize) -> &ConnSet {
        if d >= self.classes.len() {
            return &NO_CONNS;
        }
        self.ambiguous_cell(s, self.cols.key(d))
    }

    /// The ambiguous part of class-to-atom connections.
    pub fn ambiguous_class_to_ext(&self, s: usize, x: usize) -> &ConnSet {
        self.ambiguous_cell(s, self.cols.len() + x)
    }

    /// The ambiguous part of class-to-name connections: a tie (CNP-4), or
    /// the verdict depends on the address the name resolves to (CNP-12).
    pub fn ambiguous_class_to_domain(&self, s: usize, d: usize) -> &ConnSet {
        if d >= self.domains.len() {
            return &NO_CONNS;
        }
        self.ambiguous_cell(s, self.cols.len() + self.ext_dst.len() + d)
    }

    /// The ambiguous part of pod-to-name connections.
    pub fn ambiguous_pod_to_domain(&self, s: usize, d: usize) -> ConnSet {
        match self.pod_class.get(s) {
            Some(&c) => self.ambiguous_class_to_domain(c, d).clone(),
            None => ConnSet::empty(),
        }
    }

    /// The ambiguous part of atom-to-class connections.
    pub fn ambiguous_ext_to_class(&self, x: usize, d: usize) -> &ConnSet {
        match self.ambiguity.from_ext.get(&(x, self.cols.key(d))) {
            Some(&id) => self.table.get(id),
            None => &NO_CONNS,
        }
    }

    /// The ambiguous part of pod-to-pod connections (a pod towards itself:
    /// none, SEM-47).
    pub fn ambiguous_pod_to_pod(&self, s: usize, d: usize) -> ConnSet {
        match (self.pod_class.get(s), self.pod_class.get(d)) {
            (Some(&cs), Some(&cd)) if s != d => self.ambiguous_class_to_class(cs, cd).clone(),
            _ => ConnSet::empty(),
        }
    }

    /// The ambiguous part of pod-to-address connections.
    pub fn ambiguous_pod_to_ip(&self, s: usize, ip: IpAddr) -> ConnSet {
        match (self.pod_class.get(s), self.dst_atom(ip)) {
            (Some(&c), Some(x)) => self.ambiguous_class_to_ext(c, x).clone(),
            _ => ConnSet::empty(),
        }
    }

    /// The ambiguous part of address-to-pod connections.
    pub fn ambiguous_ip_to_pod(&self, ip: IpAddr, d: usize) -> ConnSet {
        match (self.src_atom(ip), self.pod_class.get(d)) {
            (Some(x), Some(&c)) => self.ambiguous_ext_to_class(x, c).clone(),
            _ => ConnSet::empty(),
        }
    }

    /// The ambiguous part at class `s`, line position `pos` (a column key,
    /// or `column keys + x`).
    fn ambiguous_cell(&self, s: usize, pos: usize) -> &ConnSet {
        match self.ambiguity.cells.get(&(self.rows.key(s), pos)) {
            Some(&id) => self.table.get(id),
            None => &NO_CONNS,
        }
    }

    /// The id of a connection set in this matrix, if it occurs.
    pub fn find_id(&self, c: &ConnSet) -> Option<u32> {
        self.table.find(c)
    }

    /// Number of distinct connection sets in the matrix.
    pub fn distinct_conn_sets(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Builders shared by the unit tests of `reach`, `eval` and `explain`,
    //! and the matrix-level tests.
    use super::*;
    use crate::model::ip::IpBlock;
    use crate::model::ports::Protocol;
    use crate::model::selector::{Labels, Selector};
    use crate::model::{
        Action, ContainerPort, Origin, Peer, Pod, Policy, PortRef, PortSpec, Rule, WorkloadRef,
    };

    pub fn labels(s: &str) -> Labels {
        s.split(',')
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub fn pod(ns: &str, name: &str, l: &str) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            labels: labels(l),
            ports: vec![],
            ips: vec![],
            host_network: false,
            exploitability: None,
            replicas: 1,
            workload: WorkloadRef {
                namespace: ns.into(),
                name: name.into(),
                kind: "Pod".into(),
            },
            origin: Origin::default(),
        }
    }

    pub fn with_ip(mut p: Pod, ip: &str) -> Pod {
        p.ips.push(ip.parse().unwrap());
        p
    }

    pub fn with_port(mut p: Pod, name: &str, port: u16) -> Pod {
        p.ports.push(ContainerPort {
            name: Some(name.into()),
            port,
            protocol: Protocol::Tcp,
        });
        p
    }

    pub fn cluster(pods: Vec<Pod>, policies: Vec<Policy>) -> Cluster {
        let mut c = Cluster {
            pods,
            policies,
            ..Cluster::default()
        };
        c.finish();
        c
    }

    pub fn policy(
        ns: &str,
        sel: &str,
        ingress: Option<Vec<Rule>>,
        egress: Option<Vec<Rule>>,
    ) -> Policy {
        Policy::network_policy(
            ns.into(),
            "p".into(),
            Selector::parse(sel).unwrap(),
            ingress,
            egress,
            Origin::default(),
        )
    }

    pub fn rule(peers: Option<Vec<Peer>>, ports: Option<Vec<PortSpec>>) -> Rule {
        Rule {
            peers,
            ports,
            action: Action::Allow,
            name: None,
        }
    }

    pub fn tcp(port: u16) -> PortSpec {
        PortSpec {
            protocol: Protocol::Tcp,
            port: PortRef::Range(port, port),
        }
    }

    pub fn ipblock(cidr: &str, except: &[&str]) -> IpBlock {
        IpBlock {
            cidr: cidr.parse().unwrap(),
            except: except.iter().map(|e| e.parse().unwrap()).collect(),
        }
    }

    /// `Peer::Pods` from selector strings (`Some("")` is `{}`).
    pub fn pods_peer(ns: Option<&str>, pods: Option<&str>) -> Peer {
        Peer::Pods {
            namespaces: ns.map(|s| Selector::parse(s).unwrap()),
            pods: pods.map(|s| Selector::parse(s).unwrap()),
        }
    }

    fn two_pods(policies: Vec<Policy>) -> (Cluster, Reachability) {
        let c = cluster(
            vec![
                with_ip(pod("x", "a", "app=a"), "10.0.0.1"),
                pod("x", "b", "app=b"),
            ],
            policies,
        );
        let r = Reachability::compile(&c, &ReachOptions::default());
        (c, r)
    }

    #[test]
    fn no_policies_everything_allowed() {
        // SEM-4.
        let (_, r) = two_pods(vec![]);
        assert!(r.pod_to_pod(0, 1).is_all());
        assert!(r.pod_to_ip(0, "8.8.8.8".parse().unwrap()).is_all());
        assert!(r.ip_to_pod("8.8.8.8".parse().unwrap(), 1).is_all());
        assert_eq!(r.distinct_conn_sets(), 2);
    }

    #[test]
    fn isolation_is_per_direction() {
        // SEM-3, SEM-13: ingress-only default deny on b.
        let (_, r) = two_pods(vec![policy("x", "app=b", Some(vec![]), None)]);
        assert!(r.pod_to_pod(0, 1).is_empty());
        assert!(r.pod_to_pod(1, 0).is_all(), "b's egress is not isolated");
        assert_eq!(r.ingress_isolated, vec![false, true]);
        assert_eq!(r.egress_isolated, vec![false, false]);
        // SEM-47: a pod always reaches itself.
        assert!(r.pod_to_pod(1, 1).is_all());
        // ...but a sibling replica is governed like any pod.
        assert!(r.replica_to_replica(1).is_empty());
    }

    #[test]
    fn union_of_rules_and_both_ends() {
        // SEM-7: two policies allowing 80 and 81 add up.
        let from_a = || Some(vec![pods_peer(None, Some("app=a"))]);
        let (_, r) = two_pods(vec![
            policy(
                "x",
                "app=b",
                Some(vec![rule(from_a(), Some(vec![tcp(80)]))]),
                None,
            ),
            policy(
                "x",
                "app=b",
                Some(vec![rule(from_a(), Some(vec![tcp(81)]))]),
                None,
            ),
        ]);
        let c = r.pod_to_pod(0, 1);
        assert!(c.contains(Protocol::Tcp, 80) && c.contains(Protocol::Tcp, 81));
        assert!(!c.contains(Protocol::Tcp, 82));
        // SEM-8: a's egress allows only 81 towards b: the pair gets 81 only.
        let (_, r) = two_pods(vec![
            policy(
                "x",
                "app=b",
                Some(vec![rule(from_a(), Some(vec![tcp(80), tcp(81)]))]),
                None,
            ),
            policy(
                "x",
                "app=a",
                None,
                Some(vec![rule(
                    Some(vec![pods_peer(None, Some("app=b"))]),
                    Some(vec![tcp(81)]),
                )]),
            ),
        ]);
        assert_eq!(r.pod_to_pod(0, 1), ConnSet::port(Protocol::Tcp, 81));
    }

    #[test]
    fn ip_ends_count_one_side_only() {
        // SEM-9, SEM-21: egress to 10.0.0.0/8 only; the IP end has no policy.
        let to = Some(vec![Peer::IpBlock(ipblock("10.0.0.0/8", &[]))]);
        let (_, r) = two_pods(vec![policy("x", "app=b", None, Some(vec![rule(to, None)]))]);
        assert!(r.pod_to_ip(1, "10.1.1.1".parse().unwrap()).is_all());
        assert!(r.pod_to_ip(1, "11.1.1.1".parse().unwrap()).is_empty());
        // SEM-25..27: with the default, a's IP is inside the block.
        assert!(r.pod_to_pod(1, 0).is_all());
        let c = cluster(
            vec![
                with_ip(pod("x", "a", "app=a"), "10.0.0.1"),
                pod("x", "b", "app=b"),
            ],
            vec![policy(
                "x",
                "app=b",
                None,
                Some(vec![rule(
                    Some(vec![Peer::IpBlock(ipblock("10.0.0.0/8", &[]))]),
                    None,
                )]),
            )],
        );
        let off = ReachOptions {
            ipblock_pods: false,
        };
        let r = Reachability::compile(&c, &off);
        assert!(r.pod_to_pod(1, 0).is_empty(), "--ipblock-pods=false");
    }

    #[test]
    fn connected_pairs_over_keys_count_every_class_pair() {
        // SEM-3, SEM-4: b is isolated for ingress with no rule, so no class
        // (b's own included) reaches b; every other pair connects: 6 of 9,
        // counted over one row key and two column keys.
        let c = cluster(
            vec![
                pod("x", "a", "app=a"),
                pod("x", "b", "app=b"),
                pod("y", "c", "app=a"),
            ],
            vec![policy("x", "app=b", Some(vec![]), None)],
        );
        let r = Reachability::compile(&c, &ReachOptions::default());
        let brute = (0..3)
            .flat_map(|s| (0..3).map(move |d| (s, d)))
            .filter(|&(s, d)| r.class_id(s, d) != EMPTY)
            .count() as u64;
        assert_eq!(brute, 6);
        assert_eq!(r.connected_class_pairs(), brute);
        assert!(r.key_counts().0 < r.class_count(), "{:?}", r.key_counts());
    }

    #[test]
    fn out_of_range_queries_are_empty() {
        let (_, r) = two_pods(vec![]);
        assert_eq!(r.class_id(0, 99), EMPTY);
        assert!(r.pod_to_pod(0, 99).is_empty());
        assert!(r.class_to_ext(0, 99).is_empty());
        assert!(r.ext_to_class(99, 0).is_empty());
    }
}
