//! Interned connection sets: every matrix cell is a small id into this table.

use crate::model::ports::{ConnSet, NO_CONNS};
use std::collections::HashMap;

/// Id of the empty set in every table.
pub const EMPTY: u32 = 0;
/// Id of the set of all connections in every table.
pub const ALL: u32 = 1;

/// Interned connection sets with memoised union and intersection.
#[derive(Clone, Debug)]
pub struct ConnTable {
    sets: Vec<ConnSet>,
    index: HashMap<ConnSet, u32>,
    unions: HashMap<(u32, u32), u32>,
    inters: HashMap<(u32, u32), u32>,
    diffs: HashMap<(u32, u32), u32>,
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
            diffs: HashMap::new(),
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

    /// The id of a set, if it was interned.
    pub fn find(&self, c: &ConnSet) -> Option<u32> {
        self.index.get(c).copied()
    }

    /// Number of distinct sets interned.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// Never true: the empty and the full set are always there.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
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

impl ConnTable {
    /// `a` minus `b`, memoised.
    pub fn subtract(&mut self, a: u32, b: u32) -> u32 {
        if a == EMPTY || b == EMPTY {
            return a;
        }
        if a == b || b == ALL {
            return EMPTY;
        }
        if let Some(&r) = self.diffs.get(&(a, b)) {
            return r;
        }
        let c = self.get(a).subtract(self.get(b));
        let r = self.intern(c);
        self.diffs.insert((a, b), r);
        r
    }
}

/// The tier logic of `engine::eval` on interned ids.
impl crate::engine::eval::ConnOps for ConnTable {
    type Set = u32;
    fn all(&mut self) -> u32 {
        ALL
    }
    fn none(&mut self) -> u32 {
        EMPTY
    }
    fn union(&mut self, a: &u32, b: &u32) -> u32 {
        ConnTable::union(self, *a, *b)
    }
    fn intersect(&mut self, a: &u32, b: &u32) -> u32 {
        ConnTable::intersect(self, *a, *b)
    }
    fn subtract(&mut self, a: &u32, b: &u32) -> u32 {
        ConnTable::subtract(self, *a, *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ports::Protocol;

    #[test]
    fn fixed_ids_and_interning() {
        let mut t = ConnTable::new();
        assert_eq!(t.get(EMPTY), &ConnSet::empty());
        assert_eq!(t.get(ALL), &ConnSet::all());
        let a = t.intern(ConnSet::port(Protocol::Tcp, 80));
        assert_eq!(a, 2);
        assert_eq!(t.intern(ConnSet::port(Protocol::Tcp, 80)), a);
        assert_eq!(t.len(), 3);
        assert_eq!(t.find(&ConnSet::port(Protocol::Tcp, 80)), Some(a));
        assert_eq!(t.find(&ConnSet::port(Protocol::Udp, 80)), None);
        // Unknown ids read as empty.
        assert!(t.get(999).is_empty());
    }

    #[test]
    fn union_and_intersection() {
        let mut t = ConnTable::new();
        let a = t.intern(ConnSet::port(Protocol::Tcp, 80));
        let b = t.intern(ConnSet::port(Protocol::Udp, 53));
        let u = t.union(a, b);
        assert!(t.get(u).contains(Protocol::Tcp, 80) && t.get(u).contains(Protocol::Udp, 53));
        assert_eq!(t.union(b, a), u, "memoised both ways");
        assert_eq!(t.intersect(a, b), EMPTY);
        assert_eq!(t.intersect(u, a), a);
        assert_eq!(t.union(a, ALL), ALL);
        assert_eq!(t.intersect(a, ALL), a);
        assert_eq!(t.union(EMPTY, a), a);
    }
}
