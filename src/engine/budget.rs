//! The memory guard: an allocation that grows with the square of the number
//! of pod classes (the matrix, the attack graph's edges, an all-pairs
//! listing) is estimated in bytes and checked against a budget before it is
//! made, so a crafted input of a megabyte is refused with the numbers
//! instead of aborting the process on a failed allocation. The engine does
//! no IO: the caller picks the budget (the CLI: half the memory available,
//! or `BLASTRADIUS_MEMORY_BUDGET`).

/// Bytes an allocation may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemBudget(pub u64);

impl MemBudget {
    pub const UNLIMITED: MemBudget = MemBudget(u64::MAX);

    /// `Ok` when `bytes` fit; otherwise what would not fit and why.
    pub fn check(self, what: &'static str, classes: usize, bytes: u64) -> Result<(), TooLarge> {
        self.check_of(what, classes, "pod classes", bytes)
    }

    /// [`MemBudget::check`] for something counted in other units
    /// (`workloads` for a listing).
    pub fn check_of(
        self,
        what: &'static str,
        count: usize,
        unit: &'static str,
        bytes: u64,
    ) -> Result<(), TooLarge> {
        if bytes <= self.0 {
            Ok(())
        } else {
            Err(TooLarge {
                what,
                classes: count,
                unit,
                bytes,
                budget: self.0,
            })
        }
    }
}

/// An allocation over the memory budget, refused before it was made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} of {classes} {unit} would need about {}, more than the memory budget of {}",
    size(*bytes),
    size(*budget)
)]
pub struct TooLarge {
    /// `the reachability matrix`, `the attack graph`, `the connection list`.
    pub what: &'static str,
    /// How many classes (or `unit`s) it is made of.
    pub classes: usize,
    pub unit: &'static str,
    pub bytes: u64,
    pub budget: u64,
}

/// A size for a message: MiB (rounded up) from one MiB on, KiB below.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// Bytes of the matrix: one byte a (row key, column key or destination
/// atom) cell while at most 255 connection sets exist (real clusters have a
/// few dozen), and four per (source atom, column key) cell. Row and column
/// keys are classes grouped by what each end can see (at most the classes).
pub fn matrix_bytes(rows: usize, cols: usize, src_atoms: usize, dst_atoms: usize) -> u64 {
    let (r, k) = (rows as u64, cols as u64);
    r.saturating_mul(k.saturating_add(dst_atoms as u64))
        .saturating_add((src_atoms as u64).saturating_mul(k).saturating_mul(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_what_does_not_fit_and_says_how_many_classes() {
        let m = matrix_bytes(12_000, 12_000, 2, 2);
        assert_eq!(m, 12_000 * 12_002 + 2 * 12_000 * 4);
        assert!(MemBudget::UNLIMITED
            .check("the reachability matrix", 12_000, m)
            .is_ok());
        let e = MemBudget(64 << 20)
            .check("the reachability matrix", 12_000, m)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the reachability matrix of 12000 pod classes would need about 138 MiB, more than the memory budget of 64 MiB"
        );
    }
}
