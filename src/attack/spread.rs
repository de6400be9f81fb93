//! Hop-by-hop spread over the attack graph: an attacker holding a pod opens
//! every connection the matrix allows from it; reaching a pod on an allowed
//! port compromises it; rounds (hops) go on until nothing new is reached or
//! `max_hops`.

use crate::attack::graph::AttackGraph;

impl AttackGraph<'_> {
    /// Spread from a set of held pods, each counted as `held` pods (one pod
    /// of a workload by default). Pod indices outside the cluster are ignored.
    pub fn spread(&self, held: &[(usize, u64)]) -> Spread {
        let ng = self.groups.len();
        let mut held_in: Vec<u64> = vec![0; ng];
        let mut held_pods = Vec::with_capacity(held.len());
        for &(p, n) in held {
            let Some(&g) = self.pod_group.get(p) else {
                continue;
            };
            if let (Some(h), Some(grp)) = (held_in.get_mut(g), self.groups.get(g)) {
                *h = (*h + n).min(grp.replicas);
            }
            held_pods.push(p);
        }
        // hop at which the whole group is compromised
        let mut hop: Vec<Option<usize>> = held_in
            .iter()
            .zip(&self.groups)
            .map(|(&n, grp)| (n > 0 && n >= grp.replicas).then_some(0))
            .collect();
        let mut parent: Vec<Option<(usize, u32)>> = vec![None; ng];
        let mut held_parent: Vec<Option<(usize, u32)>> = vec![None; ng];
        let mut active: Vec<bool> = held_in.iter().map(|&n| n > 0).collect();
        let mut frontier: Vec<usize> = active
            .iter()
            .enumerate()
            .filter(|(_, &on)| on)
            .map(|(g, _)| g)
            .collect();
        let mut h = 0;
        // Groups a source reaches first go on the next frontier in
        // descending group order: the order earlier versions walked a
        // group's edges in, so the same paths come out.
        let mut found: Vec<usize> = Vec::new();
        // Groups of one row have the same out-edges, and one visit of a
        // bucket gives every group in it its hop: a row expanded once and a
        // bucket visited once add nothing later. So a spread costs the
        // stored entries and the groups, not the edges (147 M at 150,000
        // pods), with the result edge by edge would give.
        let (rows, buckets) = self.edges.shape();
        let mut row_done = fixedbitset::FixedBitSet::with_capacity(rows);
        let mut bucket_done = fixedbitset::FixedBitSet::with_capacity(buckets);
        while !frontier.is_empty() && self.options.max_hops.is_none_or(|m| h < m) {
            h += 1;
            let mut next = Vec::new();
            for &a in &frontier {
                let r = self.edges.row_of(a);
                if r >= rows || row_done.put(r) {
                    continue;
                }
                for &(bk, w) in self.edges.row_entries(r) {
                    let bk = bk as usize;
                    if bk >= buckets || bucket_done.put(bk) {
                        continue;
                    }
                    for &b in self.edges.bucket_groups(bk) {
                        let b = b as usize;
                        // Buckets hold groups, so `b` < ng: these lookups
                        // always succeed.
                        let Some(hop_b) = hop.get_mut(b) else {
                            continue;
                        };
                        if hop_b.is_some() {
                            continue;
                        }
                        *hop_b = Some(h);
                        // Held groups are path roots: their parent is kept
                        // apart so that paths through them stay short.
                        let via = if held_in.get(b).is_some_and(|&n| n > 0) {
                            held_parent.get_mut(b)
                        } else {
                            parent.get_mut(b)
                        };
                        if let Some(via) = via {
                            *via = Some((a, w));
                        }
                        if let Some(on) = active.get_mut(b) {
                            if !*on {
                                *on = true;
                                found.push(b);
                            }
                        }
                    }
                }
                found.sort_unstable_by(|x, y| y.cmp(x));
                next.append(&mut found);
            }
            frontier = next;
        }
        Spread {
            held_in,
            held_pods,
            hop,
            parent,
            held_parent,
            active,
        }
    }
}

/// The raw result of one spread, per group.
#[derive(Clone, Debug)]
pub struct Spread {
    /// Pods held at the start, per group.
    pub held_in: Vec<u64>,
    /// The held pod entries.
    pub held_pods: Vec<usize>,
    /// Hop at which every pod of the group is compromised.
    pub hop: Vec<Option<usize>>,
    /// The group, and the connections (an id into `AttackGraph::conns`),
    /// that first reached it.
    pub parent: Vec<Option<(usize, u32)>>,
    /// For held groups: what first reached their other pods.
    pub held_parent: Vec<Option<(usize, u32)>>,
    /// Groups whose capabilities the attacker has (held or reached).
    pub active: Vec<bool>,
}

impl Spread {
    /// Pods compromised beyond the held ones: the blast radius.
    pub fn blast_radius(&self, g: &AttackGraph) -> u64 {
        self.hop
            .iter()
            .zip(&self.held_in)
            .zip(&g.groups)
            .filter(|((h, _), _)| h.is_some())
            .map(|((_, &held), grp)| grp.replicas.saturating_sub(held))
            .sum()
    }
}
