//! Row and column keys: the matrix factored by what each end of a
//! connection can see.
//!
//! A cell's value for source class `s` and destination class `d` depends on
//! `s` only through which policies select it for egress and which ingress
//! peers match it, and on `d` only through which policies select it for
//! ingress, which egress peers match it and its named container ports
//! (SEM-7, SEM-8, SEM-34; the same holds for the cluster tiers, CNP-1..9).
//! Classes that agree on the first list share a *row key*, classes that
//! agree on the second a *column key*, and the matrix holds one cell per
//! (row key, column key): exact, and at 150,000 pods 13,463 × 14,154 cells
//! instead of 41,305².
//!
//! Keys are found by partition refinement: each feature (a selected set or
//! a peer set, as a bitset over classes) splits every part it cuts into the
//! members it holds and the rest, so the work is the features' sizes and
//! there are never more parts than classes.

use fixedbitset::FixedBitSet;

/// A partition of the classes being refined.
pub(super) struct Refiner {
    part: Vec<u32>,
    size: Vec<u32>,
    /// Per part: members hit by the feature being applied.
    hit: Vec<u32>,
    /// Per part: the part its hit members move to (u32::MAX: none yet).
    moved: Vec<u32>,
    touched: Vec<u32>,
}

impl Refiner {
    /// One part holding all `n` classes.
    pub fn new(n: usize) -> Refiner {
        Refiner {
            part: vec![0; n],
            size: if n == 0 { Vec::new() } else { vec![n as u32] },
            hit: vec![0; usize::from(n > 0)],
            moved: vec![u32::MAX; usize::from(n > 0)],
            touched: Vec::new(),
        }
    }

    /// Split every part by membership in `members`.
    pub fn split(&mut self, members: &FixedBitSet) {
        self.split_by(members.ones());
    }

    /// Split every part by membership in the classes listed (each once).
    pub fn split_by(&mut self, members: impl Iterator<Item = usize> + Clone) {
        self.touched.clear();
        for c in members.clone() {
            let Some(&g) = self.part.get(c) else { continue };
            if let Some(h) = self.hit.get_mut(g as usize) {
                if *h == 0 {
                    self.touched.push(g);
                }
                *h += 1;
            }
        }
        let mut any_split = false;
        for &g in &self.touched {
            let gi = g as usize;
            let (Some(&h), Some(&sz)) = (self.hit.get(gi), self.size.get(gi)) else {
                continue;
            };
            if h < sz {
                let new = self.size.len() as u32;
                self.size.push(h);
                self.hit.push(0);
                self.moved.push(u32::MAX);
                if let (Some(s), Some(m)) = (self.size.get_mut(gi), self.moved.get_mut(gi)) {
                    *s -= h;
                    *m = new;
                }
                any_split = true;
            }
        }
        if any_split {
            for c in members {
                let Some(g) = self.part.get_mut(c) else {
                    continue;
                };
                if let Some(&m) = self.moved.get(*g as usize) {
                    if m != u32::MAX {
                        *g = m;
                    }
                }
            }
        }
        for &g in &self.touched {
            if let (Some(h), Some(m)) =
                (self.hit.get_mut(g as usize), self.moved.get_mut(g as usize))
            {
                *h = 0;
                *m = u32::MAX;
            }
        }
    }

    /// The keys, numbered densely in order of their first class.
    pub fn finish(self) -> Keys {
        let mut dense = vec![u32::MAX; self.size.len()];
        let mut rep = Vec::new();
        let of = self
            .part
            .iter()
            .enumerate()
            .map(|(c, &g)| match dense.get_mut(g as usize) {
                Some(d) if *d == u32::MAX => {
                    *d = rep.len() as u32;
                    rep.push(c);
                    *d
                }
                Some(d) => *d,
                None => 0,
            })
            .collect();
        Keys { of, rep }
    }
}

/// Classes grouped into keys.
#[derive(Clone, Debug, Default)]
pub(super) struct Keys {
    /// The key of each class.
    pub of: Vec<u32>,
    /// A representative class of each key (its first).
    pub rep: Vec<usize>,
}

impl Keys {
    pub fn len(&self) -> usize {
        self.rep.len()
    }

    /// The key of class `c` (`usize::MAX` for no class).
    pub fn key(&self, c: usize) -> usize {
        self.of.get(c).map_or(usize::MAX, |&k| k as usize)
    }

    /// A set of classes as a set of keys. Exact for the sets the keys were
    /// refined by: every class of a key is in, or none is.
    pub fn project(&self, classes: &FixedBitSet) -> FixedBitSet {
        let mut out = FixedBitSet::with_capacity(self.len());
        for c in classes.ones() {
            if let Some(&k) = self.of.get(c) {
                out.insert(k as usize);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(n: usize, ones: &[usize]) -> FixedBitSet {
        let mut b = FixedBitSet::with_capacity(n);
        for &i in ones {
            b.insert(i);
        }
        b
    }

    #[test]
    fn refinement_groups_classes_that_every_feature_treats_alike() {
        let mut r = Refiner::new(6);
        r.split(&bits(6, &[0, 1, 2]));
        r.split(&bits(6, &[1, 2, 4]));
        r.split(&bits(6, &[0, 1, 2, 3, 4, 5])); // cuts nothing
        let k = r.finish();
        // {0}, {1,2}, {3,5}, {4}, numbered by first class.
        assert_eq!(k.of, vec![0, 1, 1, 2, 3, 2]);
        assert_eq!(k.rep, vec![0, 1, 3, 4]);
        assert_eq!(
            k.project(&bits(6, &[1, 2, 4])).ones().collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(k.key(9), usize::MAX);
    }

    #[test]
    fn no_feature_one_key_and_no_class_no_key() {
        assert_eq!(Refiner::new(3).finish().rep, vec![0]);
        let k = Refiner::new(0).finish();
        assert_eq!(k.len(), 0);
    }

    #[test]
    fn refinement_equals_grouping_by_membership_vectors() {
        // Against the definition: classes share a key iff every feature
        // holds both or neither.
        let n = 40;
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let feats: Vec<FixedBitSet> = (0..12)
            .map(|_| {
                let ones: Vec<usize> = (0..n).filter(|_| next() % 3 == 0).collect();
                bits(n, &ones)
            })
            .collect();
        let mut r = Refiner::new(n);
        for f in &feats {
            r.split(f);
        }
        let k = r.finish();
        for a in 0..n {
            for b in 0..n {
                let same = feats.iter().all(|f| f.contains(a) == f.contains(b));
                assert_eq!(k.of[a] == k.of[b], same, "{a} {b}");
            }
        }
    }
}
