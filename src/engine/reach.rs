//! Compiling policies and labels into the reachability matrix.
//!
//! Pods that share namespace, labels, named container ports (and, where an
//! `ipBlock` could match them, IPs) behave identically, so they collapse into
//! equivalence classes. Every rule's peers compile once into a bitset over
//! classes and external IP atoms; ports compile into interned [`ConnSet`] ids.
//! The matrix holds one id per (source class, destination class) and per
//! (class, IP atom), so a query is two array reads.

use crate::model::ip::{partition, IpRange};
use crate::model::ports::{ConnSet, NO_CONNS};
use crate::model::selector::Labels;
use crate::model::{Cluster, Direction, Peer, Pod, Rule};
use fixedbitset::FixedBitSet;
use std::collections::HashMap;
use std::net::IpAddr;

/// Choices the API leaves to the implementation.
#[derive(Clone, Debug)]
pub struct ReachOptions {
    /// SEM-24..27: whether `ipBlock` peers match pods whose IP falls in the
    /// block (Calico, the upstream e2e suite) or never match pods (Cilium,
    /// np-guard). Pods without a known IP never match (SEM-51).
    pub ipblock_pods: bool,
}

impl Default for ReachOptions {
    fn default() -> Self {
        ReachOptions { ipblock_pods: true }
    }
}

pub const EMPTY: u32 = 0;
pub const ALL: u32 = 1;

/// Interned connection sets with memoised union and intersection.
#[derive(Clone, Debug)]
pub struct ConnTable {
    sets: Vec<ConnSet>,
    index: HashMap<ConnSet, u32>,
    unions: HashMap<(u32, u32), u32>,
    inters: HashMap<(u32, u32), u32>,
}

impl Default for ConnTable {
    fn default() -> Self {
        ConnTable::new()
    }
}

impl ConnTable {
    pub fn new() -> ConnTable {
        let mut t = ConnTable {
            sets: Vec::new(),
            index: HashMap::new(),
            unions: HashMap::new(),
            inters: HashMap::new(),
        };
        t.intern(ConnSet::empty());
        t.intern(ConnSet::all());
        t
    }

    pub fn intern(&mut self, c: ConnSet) -> u32 {
        if let Some(&id) = self.index.get(&c) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.sets.push(c.clone());
        self.index.insert(c, id);
        id
    }

    /// The set with this id; an id this table never handed out reads as
    /// the empty set.
    pub fn get(&self, id: u32) -> &ConnSet {
        self.sets.get(id as usize).unwrap_or(&NO_CONNS)
    }

    pub fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == EMPTY || a == ALL {
            return a;
        }
        if a == EMPTY || b == ALL {
            return b;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.unions.get(&key) {
            return r;
        }
        let c = self.get(a).union(self.get(b));
        let r = self.intern(c);
        self.unions.insert(key, r);
        r
    }

    pub fn intersect(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == ALL {
            return a;
        }
        if a == ALL {
            return b;
        }
        if a == EMPTY || b == EMPTY {
            return EMPTY;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.inters.get(&key) {
            return r;
        }
        let c = self.get(a).intersect(self.get(b));
        let r = self.intern(c);
        self.inters.insert(key, r);
        r
    }
}

/// What a rule's ports allow: towards IP atoms (and any destination when
/// the rule names no port), and per named-port signature when it does.
struct RuleConns {
    to_ip: u32,
    per_sig: Option<Vec<u32>>,
}

/// A rule compiled against the cluster: which classes and IP atoms its peers
/// match.
struct CompiledPeers {
    classes: FixedBitSet,
    ext: FixedBitSet,
}

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
    /// Isolation per class (SEM-3).
    pub ingress_isolated: Vec<bool>,
    pub egress_isolated: Vec<bool>,
    table: ConnTable,
    /// Row-major, stride `classes + ext_dst`: `[s][d]` then `[s][C + x]`.
    cells: Vec<u32>,
    /// `[x][d]`: from source atom x to class d.
    from_ext: Vec<u32>,
}

/// What makes two pods behave identically.
#[derive(Hash, PartialEq, Eq)]
struct ClassKey<'a> {
    namespace: &'a str,
    labels: &'a Labels,
    named_ports: Vec<(&'a str, crate::model::ports::Protocol, u16)>,
    host_network: bool,
    ips: Vec<IpAddr>,
}

impl Reachability {
    pub fn compile(cluster: &Cluster, options: &ReachOptions) -> Reachability {
        let pods = &cluster.pods;
        // IP atoms (SEM-21, SEM-22): cut per side, global over all policies.
        let mut in_nets = Vec::new();
        let mut out_nets = Vec::new();
        for p in &cluster.policies {
            for (dir, nets) in [
                (Direction::Ingress, &mut in_nets),
                (Direction::Egress, &mut out_nets),
            ] {
                for r in p.rules(dir).unwrap_or(&[]) {
                    for peer in r.peers.iter().flatten() {
                        if let Peer::IpBlock(b) = peer {
                            nets.extend(b.ranges());
                        }
                    }
                }
            }
        }
        let all_blocks: Vec<IpRange> = in_nets.iter().chain(out_nets.iter()).copied().collect();
        let ipv6_in_use = all_blocks.iter().any(|b| b.v6)
            || pods
                .iter()
                .flat_map(|p| &p.ips)
                .any(|ip| IpRange::from_addr(*ip).v6);
        let ext_src = partition(in_nets);
        let ext_dst = partition(out_nets);

        // Equivalence classes of pods.
        let mut key_to_class: HashMap<ClassKey, usize> = HashMap::new();
        let mut classes: Vec<Vec<usize>> = Vec::new();
        // The representative (first) pod of each class.
        let mut reps: Vec<&Pod> = Vec::new();
        let mut pod_class = Vec::with_capacity(pods.len());
        for (i, pod) in pods.iter().enumerate() {
            let ip_relevant = options.ipblock_pods || pod.host_network;
            let ips = if ip_relevant
                && pod
                    .ips
                    .iter()
                    .any(|ip| all_blocks.iter().any(|b| b.contains_addr(*ip)))
            {
                pod.ips.clone()
            } else {
                Vec::new()
            };
            let mut named_ports: Vec<_> = pod
                .ports
                .iter()
                .filter_map(|p| p.name.as_deref().map(|n| (n, p.protocol, p.port)))
                .collect();
            named_ports.sort_unstable();
            named_ports.dedup();
            let key = ClassKey {
                namespace: &pod.namespace,
                labels: &pod.labels,
                named_ports,
                host_network: pod.host_network,
                ips,
            };
            let c = *key_to_class.entry(key).or_insert_with(|| {
                classes.push(Vec::new());
                reps.push(pod);
                classes.len() - 1
            });
            if let Some(members) = classes.get_mut(c) {
                members.push(i);
            }
            pod_class.push(c);
        }
        let nc = classes.len();

        // Index classes by namespace: a selector peer without a
        // namespaceSelector only ever looks at one namespace (SEM-16), and a
        // namespaceSelector is matched once per namespace, not per class.
        // Each entry is (class, its representative pod).
        let mut ns_index: HashMap<&str, usize> = HashMap::new();
        let mut ns_classes: Vec<Vec<(usize, &Pod)>> = Vec::new();
        let mut ns_labels: Vec<Labels> = Vec::new();
        for (c, &rep) in reps.iter().enumerate() {
            let ns = rep.namespace.as_str();
            let i = *ns_index.entry(ns).or_insert_with(|| {
                ns_classes.push(Vec::new());
                ns_labels.push(cluster.namespace_labels(ns));
                ns_classes.len() - 1
            });
            if let Some(members) = ns_classes.get_mut(i) {
                members.push((c, rep));
            }
        }
        let ip_classes: Vec<(usize, &Pod)> = reps
            .iter()
            .enumerate()
            .filter(|(_, rep)| !rep.ips.is_empty())
            .map(|(c, &rep)| (c, rep))
            .collect();
        let mut ns_sel_cache: HashMap<crate::model::selector::Selector, Vec<usize>> =
            HashMap::new();

        let mut compile_peers = |rule: &Rule, policy_ns: &str, ext: &[IpRange]| -> CompiledPeers {
            let mut out = CompiledPeers {
                classes: FixedBitSet::with_capacity(nc),
                ext: FixedBitSet::with_capacity(ext.len()),
            };
            let Some(peers) = &rule.peers else {
                // SEM-14: any peer, external addresses included.
                out.classes.insert_range(..);
                out.ext.insert_range(..);
                return out;
            };
            for peer in peers {
                match peer {
                    Peer::Pods {
                        namespaces,
                        pods: podsel,
                    } => {
                        let nss: Vec<usize> = match namespaces {
                            // SEM-16: the policy's own namespace.
                            None => ns_index.get(policy_ns).copied().into_iter().collect(),
                            // SEM-17: every namespace whose labels match.
                            Some(sel) => match ns_sel_cache.get(sel) {
                                Some(v) => v.clone(),
                                None => {
                                    let v: Vec<usize> = ns_labels
                                        .iter()
                                        .enumerate()
                                        .filter(|(_, l)| sel.matches(l))
                                        .map(|(i, _)| i)
                                        .collect();
                                    ns_sel_cache.insert(sel.clone(), v.clone());
                                    v
                                }
                            },
                        };
                        for n in nss {
                            for &(c, p) in ns_classes.get(n).into_iter().flatten() {
                                // SEM-49: hostNetwork pods are not matched by
                                // selectors; SEM-18: both selectors ANDed.
                                if !p.host_network
                                    && podsel.as_ref().is_none_or(|s| s.matches(&p.labels))
                                {
                                    out.classes.insert(c);
                                }
                            }
                        }
                    }
                    Peer::IpBlock(b) => {
                        for (x, atom) in ext.iter().enumerate() {
                            if b.covers(atom) {
                                out.ext.insert(x);
                            }
                        }
                        // SEM-25..27: pod IPs, when chosen; hostNetwork pods
                        // speak with the node's address (SEM-49).
                        for &(c, p) in &ip_classes {
                            if (options.ipblock_pods || p.host_network)
                                && p.ips.iter().any(|ip| b.contains_addr(*ip))
                            {
                                out.classes.insert(c);
                            }
                        }
                    }
                }
            }
            out
        };

        // Named ports resolve per destination (SEM-34..36); classes with the
        // same named container ports resolve alike, so resolve per signature.
        let mut sig_index: HashMap<Vec<(&str, crate::model::ports::Protocol, u16)>, usize> =
            HashMap::new();
        let mut sig_rep: Vec<&Pod> = Vec::new();
        let sig_of_class: Vec<usize> = reps
            .iter()
            .map(|&rep| {
                let mut sig: Vec<_> = rep
                    .ports
                    .iter()
                    .filter_map(|p| p.name.as_deref().map(|n| (n, p.protocol, p.port)))
                    .collect();
                sig.sort_unstable();
                sig.dedup();
                *sig_index.entry(sig).or_insert_with(|| {
                    sig_rep.push(rep);
                    sig_rep.len() - 1
                })
            })
            .collect();
        let mut table = ConnTable::new();
        let rule_conns = |rule: &Rule, table: &mut ConnTable| -> RuleConns {
            let to_ip = table.intern(rule.ports_towards(None));
            let per_sig = rule.has_named_ports().then(|| {
                sig_rep
                    .iter()
                    .map(|&rep| table.intern(rule.ports_towards(Some(rep))))
                    .collect()
            });
            RuleConns { to_ip, per_sig }
        };
        // `d` is a class (< nc) and `per_sig` has one entry per signature, so
        // both lookups always succeed; EMPTY is only a formal fallback.
        let conn_at = |rc: &RuleConns, d: usize| -> u32 {
            match &rc.per_sig {
                Some(v) => sig_of_class
                    .get(d)
                    .and_then(|&sig| v.get(sig))
                    .copied()
                    .unwrap_or(EMPTY),
                None => rc.to_ip,
            }
        };

        // Which classes each policy selects (SEM-1, SEM-2, SEM-49).
        let selected: Vec<FixedBitSet> = cluster
            .policies
            .iter()
            .map(|pol| {
                let mut b = FixedBitSet::with_capacity(nc);
                if let Some(&n) = ns_index.get(pol.namespace.as_str()) {
                    for &(c, rep) in ns_classes.get(n).into_iter().flatten() {
                        if pol.selects(rep) {
                            b.insert(c);
                        }
                    }
                }
                b
            })
            .collect();
        let mut ingress_isolated = vec![false; nc];
        let mut egress_isolated = vec![false; nc];
        for (pol, sel) in cluster.policies.iter().zip(&selected) {
            for c in sel.ones() {
                if pol.ingress.is_some() {
                    if let Some(iso) = ingress_isolated.get_mut(c) {
                        *iso = true;
                    }
                }
                if pol.egress.is_some() {
                    if let Some(iso) = egress_isolated.get_mut(c) {
                        *iso = true;
                    }
                }
            }
        }

        // Egress side (SEM-8, source half): cells[s][d] and cells[s][C + x].
        // Row s of `cells` is `cells[s * stride..(s + 1) * stride]`.
        let nxd = ext_dst.len();
        let stride = nc + nxd;
        let mut cells = vec![EMPTY; nc * stride];
        for (row, &isolated) in cells.chunks_exact_mut(stride.max(1)).zip(&egress_isolated) {
            if !isolated {
                row.fill(ALL); // SEM-4
            }
        }
        for (pol, sel) in cluster.policies.iter().zip(&selected) {
            let Some(rules) = &pol.egress else { continue };
            if sel.is_clear() {
                continue;
            }
            for rule in rules {
                let peers = compile_peers(rule, &pol.namespace, &ext_dst);
                let rc = rule_conns(rule, &mut table);
                let to_ip = rc.to_ip;
                let mut contrib: Vec<(usize, u32)> = Vec::new();
                for d in peers.classes.ones() {
                    let id = conn_at(&rc, d);
                    if id != EMPTY {
                        contrib.push((d, id));
                    }
                }
                if to_ip != EMPTY {
                    for x in peers.ext.ones() {
                        contrib.push((nc + x, to_ip));
                    }
                }
                for s in sel.ones() {
                    let Some(row) = cells.get_mut(s * stride..(s + 1) * stride) else {
                        continue;
                    };
                    for &(k, id) in &contrib {
                        if let Some(cell) = row.get_mut(k) {
                            *cell = table.union(*cell, id); // SEM-7: union
                        }
                    }
                }
            }
        }

        // Ingress side, one destination class at a time, combined with the
        // egress side in place (SEM-8). Rules compile once per policy, in
        // policy order, then are listed under every class they select.
        let nxs = ext_src.len();
        let mut ingress_compiled: Vec<(&FixedBitSet, Vec<(CompiledPeers, RuleConns)>)> = Vec::new();
        for (pol, sel) in cluster.policies.iter().zip(&selected) {
            let Some(rules) = &pol.ingress else { continue };
            if sel.is_clear() {
                continue;
            }
            let compiled = rules
                .iter()
                .map(|rule| {
                    let peers = compile_peers(rule, &pol.namespace, &ext_src);
                    (peers, rule_conns(rule, &mut table))
                })
                .collect();
            ingress_compiled.push((sel, compiled));
        }
        let mut ingress_rules: Vec<Vec<&(CompiledPeers, RuleConns)>> = vec![Vec::new(); nc];
        for (sel, compiled) in &ingress_compiled {
            for d in sel.ones() {
                if let Some(rules) = ingress_rules.get_mut(d) {
                    rules.extend(compiled);
                }
            }
        }
        // `from_ext` row x is `from_ext[x * nc..(x + 1) * nc]`.
        let mut from_ext = vec![EMPTY; nxs * nc];
        let mut col = vec![EMPTY; nc + nxs];
        for (d, (rules, &isolated)) in ingress_rules.iter().zip(&ingress_isolated).enumerate() {
            col.fill(if isolated { EMPTY } else { ALL });
            for (peers, rc) in rules {
                let id = conn_at(rc, d);
                if id == EMPTY {
                    continue;
                }
                for s in peers.classes.ones() {
                    if let Some(v) = col.get_mut(s) {
                        *v = table.union(*v, id);
                    }
                }
                for x in peers.ext.ones() {
                    if let Some(v) = col.get_mut(nc + x) {
                        *v = table.union(*v, id);
                    }
                }
            }
            let (col_classes, col_ext) = col.split_at_checked(nc).unwrap_or_default();
            for (row, &from_s) in cells.chunks_exact_mut(stride.max(1)).zip(col_classes) {
                if let Some(cell) = row.get_mut(d) {
                    *cell = table.intersect(*cell, from_s);
                }
            }
            for (row, &from_x) in from_ext.chunks_exact_mut(nc.max(1)).zip(col_ext) {
                if let Some(cell) = row.get_mut(d) {
                    *cell = from_x;
                }
            }
        }

        Reachability {
            options: options.clone(),
            classes,
            pod_class,
            ext_src,
            ext_dst,
            ipv6_in_use,
            ingress_isolated,
            egress_isolated,
            table,
            cells,
            from_ext,
        }
    }

    pub fn class_count(&self) -> usize {
        self.classes.len()
    }

    fn stride(&self) -> usize {
        self.classes.len() + self.ext_dst.len()
    }

    /// `cells[s][k]`: class `s` to column `k` (a class, or `C + x` for
    /// destination atom `x`); EMPTY outside the matrix.
    fn cell(&self, s: usize, k: usize) -> u32 {
        let stride = self.stride();
        if s >= self.classes.len() || k >= stride {
            return EMPTY;
        }
        self.cells.get(s * stride + k).copied().unwrap_or(EMPTY)
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
        let nc = self.classes.len();
        if x >= self.ext_src.len() || d >= nc {
            return EMPTY;
        }
        self.from_ext.get(x * nc + d).copied().unwrap_or(EMPTY)
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

    /// The id of a connection set in this matrix, if it occurs.
    pub fn find_id(&self, c: &ConnSet) -> Option<u32> {
        self.table.index.get(c).copied()
    }

    /// Number of distinct connection sets in the matrix.
    pub fn distinct_conn_sets(&self) -> usize {
        self.table.sets.len()
    }
}
