//! Compiling policies and labels into the reachability matrix.
//!
//! Pods that share namespace, labels, named container ports (and, where an
//! `ipBlock` could match them, IPs) behave identically, so they collapse into
//! equivalence classes. Every rule's peers compile once into a bitset over
//! classes and external IP atoms; ports compile into interned [`ConnSet`] ids.
//! The matrix holds one id per (source class, destination class) and per
//! (class, IP atom), so a query is two array reads.

use crate::ip::{partition, IpRange};
use crate::model::{Cluster, Direction, Peer, Pod, Rule};
use crate::ports::ConnSet;
use crate::selector::Labels;
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

    pub fn get(&self, id: u32) -> &ConnSet {
        &self.sets[id as usize]
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
    named_ports: Vec<(&'a str, crate::ports::Protocol, u16)>,
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
                classes.len() - 1
            });
            classes[c].push(i);
            pod_class.push(c);
        }
        let nc = classes.len();
        let rep = |c: usize| -> &Pod { &pods[classes[c][0]] };

        // Index classes by namespace: a selector peer without a
        // namespaceSelector only ever looks at one namespace (SEM-16), and a
        // namespaceSelector is matched once per namespace, not per class.
        let mut ns_index: HashMap<&str, usize> = HashMap::new();
        let mut ns_classes: Vec<Vec<usize>> = Vec::new();
        let mut ns_labels: Vec<Labels> = Vec::new();
        for c in 0..nc {
            let ns = rep(c).namespace.as_str();
            let i = *ns_index.entry(ns).or_insert_with(|| {
                ns_classes.push(Vec::new());
                ns_labels.push(cluster.namespace_labels(ns));
                ns_classes.len() - 1
            });
            ns_classes[i].push(c);
        }
        let ip_classes: Vec<usize> = (0..nc).filter(|&c| !rep(c).ips.is_empty()).collect();
        let mut ns_sel_cache: HashMap<crate::selector::Selector, Vec<usize>> = HashMap::new();

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
                                    let v: Vec<usize> = (0..ns_labels.len())
                                        .filter(|&i| sel.matches(&ns_labels[i]))
                                        .collect();
                                    ns_sel_cache.insert(sel.clone(), v.clone());
                                    v
                                }
                            },
                        };
                        for n in nss {
                            for &c in &ns_classes[n] {
                                let p = rep(c);
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
                        for &c in &ip_classes {
                            let p = rep(c);
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
        let mut sig_index: HashMap<Vec<(&str, crate::ports::Protocol, u16)>, usize> =
            HashMap::new();
        let mut sig_rep: Vec<usize> = Vec::new();
        let sig_of_class: Vec<usize> = (0..nc)
            .map(|c| {
                let mut sig: Vec<_> = rep(c)
                    .ports
                    .iter()
                    .filter_map(|p| p.name.as_deref().map(|n| (n, p.protocol, p.port)))
                    .collect();
                sig.sort_unstable();
                sig.dedup();
                *sig_index.entry(sig).or_insert_with(|| {
                    sig_rep.push(c);
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
                    .map(|&c| table.intern(rule.ports_towards(Some(rep(c)))))
                    .collect()
            });
            RuleConns { to_ip, per_sig }
        };
        let conn_at = |rc: &RuleConns, d: usize| -> u32 {
            match &rc.per_sig {
                Some(v) => v[sig_of_class[d]],
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
                    for &c in &ns_classes[n] {
                        if pol.selects(rep(c)) {
                            b.insert(c);
                        }
                    }
                }
                b
            })
            .collect();
        let mut ingress_isolated = vec![false; nc];
        let mut egress_isolated = vec![false; nc];
        for (pi, pol) in cluster.policies.iter().enumerate() {
            for c in selected[pi].ones() {
                if pol.ingress.is_some() {
                    ingress_isolated[c] = true;
                }
                if pol.egress.is_some() {
                    egress_isolated[c] = true;
                }
            }
        }

        // Egress side (SEM-8, source half): cells[s][d] and cells[s][C + x].
        let nxd = ext_dst.len();
        let stride = nc + nxd;
        let mut cells = vec![EMPTY; nc * stride];
        for s in 0..nc {
            if !egress_isolated[s] {
                cells[s * stride..(s + 1) * stride].fill(ALL); // SEM-4
            }
        }
        for (pi, pol) in cluster.policies.iter().enumerate() {
            let Some(rules) = &pol.egress else { continue };
            if selected[pi].is_clear() {
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
                for s in selected[pi].ones() {
                    let row = &mut cells[s * stride..(s + 1) * stride];
                    for &(k, id) in &contrib {
                        row[k] = table.union(row[k], id); // SEM-7: union
                    }
                }
            }
        }

        // Ingress side, one destination class at a time, combined with the
        // egress side in place (SEM-8).
        let nxs = ext_src.len();
        let mut ingress_rules: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nc];
        let mut peer_cache: HashMap<(usize, usize), CompiledPeers> = HashMap::new();
        let mut conn_cache: HashMap<(usize, usize), RuleConns> = HashMap::new();
        for (pi, pol) in cluster.policies.iter().enumerate() {
            let Some(rules) = &pol.ingress else { continue };
            if selected[pi].is_clear() {
                continue;
            }
            for (ri, rule) in rules.iter().enumerate() {
                peer_cache.insert((pi, ri), compile_peers(rule, &pol.namespace, &ext_src));
                conn_cache.insert((pi, ri), rule_conns(rule, &mut table));
            }
            for d in selected[pi].ones() {
                for ri in 0..rules.len() {
                    ingress_rules[d].push((pi, ri));
                }
            }
        }
        let mut from_ext = vec![EMPTY; nxs * nc];
        let mut col = vec![EMPTY; nc + nxs];
        for d in 0..nc {
            col.fill(if ingress_isolated[d] { EMPTY } else { ALL });
            for key in &ingress_rules[d] {
                let peers = &peer_cache[key];
                let id = conn_at(&conn_cache[key], d);
                if id == EMPTY {
                    continue;
                }
                for s in peers.classes.ones() {
                    col[s] = table.union(col[s], id);
                }
                for x in peers.ext.ones() {
                    col[nc + x] = table.union(col[nc + x], id);
                }
            }
            for s in 0..nc {
                let cell = &mut cells[s * stride + d];
                *cell = table.intersect(*cell, col[s]);
            }
            for x in 0..nxs {
                from_ext[x * nc + d] = col[nc + x];
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

    /// Interned id of class-to-class connections (ids are only comparable
    /// within one `Reachability`).
    pub fn class_id(&self, s: usize, d: usize) -> u32 {
        self.cells[s * self.stride() + d]
    }

    pub fn class_to_class(&self, s: usize, d: usize) -> &ConnSet {
        self.table.get(self.class_id(s, d))
    }

    pub fn class_to_ext(&self, s: usize, x: usize) -> &ConnSet {
        self.table
            .get(self.cells[s * self.stride() + self.classes.len() + x])
    }

    pub fn ext_to_class(&self, x: usize, d: usize) -> &ConnSet {
        self.table.get(self.from_ext[x * self.classes.len() + d])
    }

    pub fn conn(&self, id: u32) -> &ConnSet {
        self.table.get(id)
    }

    /// Between two different replicas of one pod entry (a workload
    /// template): governed by policy like any two pods. SEM-47 exempts a pod
    /// only towards itself.
    pub fn replica_to_replica(&self, p: usize) -> &ConnSet {
        let c = self.pod_class[p];
        self.class_to_class(c, c)
    }

    /// Pod entry to pod entry; an entry towards itself means a pod towards
    /// itself, always allowed (SEM-47). For sibling replicas use
    /// [`Reachability::replica_to_replica`].
    pub fn pod_to_pod(&self, s: usize, d: usize) -> ConnSet {
        if s == d {
            return ConnSet::all();
        }
        self.class_to_class(self.pod_class[s], self.pod_class[d])
            .clone()
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
        let c = self.pod_class[d];
        self.src_atom(ip)
            .map(|x| self.ext_to_class(x, c).clone())
            .unwrap_or_default()
    }

    /// Pod to external address (SEM-9: only the pod's egress counts).
    pub fn pod_to_ip(&self, s: usize, ip: IpAddr) -> ConnSet {
        let c = self.pod_class[s];
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
