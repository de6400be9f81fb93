//! IP ranges for `ipBlock` peers (SEM-21..27): CIDRs minus `except` holes,
//! cut into disjoint atoms that appear as external entities.

use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An inclusive range of addresses of one family (SEM-23: families never mix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpRange {
    pub v6: bool,
    pub start: u128,
    pub end: u128,
}

impl IpRange {
    pub fn from_net(net: &IpNet) -> IpRange {
        match net {
            IpNet::V4(n) => IpRange {
                v6: false,
                start: u128::from(u32::from(n.network())),
                end: u128::from(u32::from(n.broadcast())),
            },
            IpNet::V6(n) => IpRange {
                v6: true,
                start: u128::from(n.network()),
                end: u128::from(n.broadcast()),
            },
        }
    }

    pub fn from_addr(ip: IpAddr) -> IpRange {
        let (v6, x) = addr_key(ip);
        IpRange {
            v6,
            start: x,
            end: x,
        }
    }

    pub fn all_v4() -> IpRange {
        IpRange {
            v6: false,
            start: 0,
            end: u128::from(u32::MAX),
        }
    }

    pub fn all_v6() -> IpRange {
        IpRange {
            v6: true,
            start: 0,
            end: u128::MAX,
        }
    }

    pub fn contains_addr(&self, ip: IpAddr) -> bool {
        let (v6, x) = addr_key(ip);
        v6 == self.v6 && self.start <= x && x <= self.end
    }

    pub fn contains_range(&self, o: &IpRange) -> bool {
        o.v6 == self.v6 && self.start <= o.start && o.end <= self.end
    }

    pub fn first_addr(&self) -> IpAddr {
        to_addr(self.v6, self.start)
    }

    /// Number of addresses, saturating.
    pub fn size(&self) -> u128 {
        (self.end - self.start).saturating_add(1)
    }

    /// The CIDR this range is exactly (`10.0.0.0/8`, the whole family as
    /// `0.0.0.0/0` or `::/0`), or None when it is not one prefix.
    pub fn as_cidr(&self) -> Option<IpNet> {
        let bits: u8 = if self.v6 { 128 } else { 32 };
        let fam_max = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        let prefix = if self.start == 0 && self.end == fam_max {
            0
        } else {
            // Not the whole family, so the size fits in a u128.
            let len = self.end.checked_sub(self.start)?.checked_add(1)?;
            if !len.is_power_of_two() || !self.start.is_multiple_of(len) {
                return None;
            }
            bits - len.trailing_zeros() as u8
        };
        IpNet::new(self.first_addr(), prefix).ok()
    }

    /// How a person reads the range: the CIDR when it is exactly one
    /// (`0.0.0.0/0`, `10.0.0.2/32`), else `first-last`.
    pub fn label(&self) -> String {
        self.as_cidr()
            .map_or_else(|| self.to_string(), |n| n.to_string())
    }

    /// The first and last address, as text.
    pub fn first_last(&self) -> (String, String) {
        (
            to_addr(self.v6, self.start).to_string(),
            to_addr(self.v6, self.end).to_string(),
        )
    }
}

fn addr_key(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (false, u128::from(u32::from(v4))),
            None => (true, u128::from(a)),
        },
    }
}

fn to_addr(v6: bool, x: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(x))
    } else {
        IpAddr::V4(Ipv4Addr::from(x as u32))
    }
}

impl fmt::Display for IpRange {
    /// `a.b.c.d-e.f.g.h`, always a first-last pair (np-guard's spelling).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            to_addr(self.v6, self.start),
            to_addr(self.v6, self.end)
        )
    }
}

/// A CIDR minus its `except` holes (SEM-21).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpBlock {
    pub cidr: IpNet,
    pub except: Vec<IpNet>,
}

impl IpBlock {
    pub fn contains_addr(&self, ip: IpAddr) -> bool {
        IpRange::from_net(&self.cidr).contains_addr(ip)
            && !self
                .except
                .iter()
                .any(|e| IpRange::from_net(e).contains_addr(ip))
    }

    /// Whether the block covers a whole atom. Atoms are cut at every CIDR and
    /// `except` boundary, so an atom is either wholly in or wholly out.
    pub fn covers(&self, atom: &IpRange) -> bool {
        self.ranges().iter().any(|r| r.contains_range(atom))
    }
}

impl fmt::Display for IpBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cidr)?;
        if !self.except.is_empty() {
            let ex: Vec<String> = self.except.iter().map(|e| e.to_string()).collect();
            write!(f, " except {}", ex.join(", "))?;
        }
        Ok(())
    }
}

impl IpBlock {
    /// The addresses the block matches, as disjoint merged ranges: `except`
    /// holes that touch each other leave one hole, not two.
    pub fn ranges(&self) -> Vec<IpRange> {
        // One sweep over the holes in address order: O(h log h), not the
        // O(h²) of splitting the pieces hole by hole (8,000 excepts).
        let whole = IpRange::from_net(&self.cidr);
        let mut holes: Vec<IpRange> = self
            .except
            .iter()
            .map(IpRange::from_net)
            .filter(|h| h.v6 == whole.v6 && h.end >= whole.start && h.start <= whole.end)
            .collect();
        holes.sort_unstable_by_key(|h| h.start);
        let mut out = Vec::new();
        // Next address not yet decided; None once past the end of the space.
        let mut next = Some(whole.start);
        for h in holes {
            let Some(from) = next else { break };
            if h.start > from {
                out.push(IpRange {
                    start: from,
                    end: h.start - 1,
                    ..whole
                });
            }
            if h.end >= from {
                next = h.end.checked_add(1);
            }
        }
        if let Some(from) = next.filter(|&f| f <= whole.end) {
            out.push(IpRange {
                start: from,
                ..whole
            });
        }
        out
    }

    /// Indices of the atoms the block covers, for atoms as [`partition`]
    /// returns them (sorted, disjoint, cut at this block's boundaries):
    /// the same atoms as `covers` picks one by one, found by binary search
    /// per matched range, so a rule with 24,000 blocks does not scan every
    /// atom for each.
    pub fn covered_atoms(&self, atoms: &[IpRange]) -> Vec<usize> {
        let mut out = Vec::new();
        for r in self.ranges() {
            let first = atoms.partition_point(|a| (a.v6, a.start) < (r.v6, r.start));
            for (i, a) in atoms.iter().enumerate().skip(first) {
                if !r.contains_range(a) {
                    break;
                }
                out.push(i);
            }
        }
        out
    }
}

/// Cut the address space into disjoint atoms at every boundary of `ranges`
/// (the matched sets of the `ipBlock`s, see [`IpBlock::ranges`]).
/// The whole IPv4 and IPv6 spaces are always covered, so every address
/// has exactly one atom. Atoms are sorted (IPv4 first, then by address).
pub fn partition(ranges: impl IntoIterator<Item = IpRange>) -> Vec<IpRange> {
    // Boundaries as "a new atom starts here" points, per family.
    let mut starts: [Vec<u128>; 2] = [vec![0], vec![0]];
    for r in ranges {
        let [v4_starts, v6_starts] = &mut starts;
        let (fam_starts, fam_max) = if r.v6 {
            (v6_starts, u128::MAX)
        } else {
            (v4_starts, u128::from(u32::MAX))
        };
        fam_starts.push(r.start);
        if r.end < fam_max {
            fam_starts.push(r.end + 1);
        }
    }
    let mut atoms = Vec::new();
    for (fam, s) in starts.iter_mut().enumerate() {
        s.sort_unstable();
        s.dedup();
        let fam_max = if fam == 1 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        for (i, &st) in s.iter().enumerate() {
            let end = s.get(i + 1).map_or(fam_max, |n| n - 1);
            atoms.push(IpRange {
                v6: fam == 1,
                start: st,
                end,
            });
        }
    }
    atoms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    /// A range that is one CIDR prints as it (RFC 4632 prefix notation);
    /// the whole family as `0.0.0.0/0` / `::/0`; anything else first-last.
    #[test]
    fn label_is_the_cidr_when_the_range_is_exactly_one() {
        let r = |s: &str| IpRange::from_net(&net(s));
        assert_eq!(IpRange::all_v4().label(), "0.0.0.0/0");
        assert_eq!(IpRange::all_v6().label(), "::/0");
        assert_eq!(r("10.0.0.0/8").label(), "10.0.0.0/8");
        assert_eq!(r("10.0.0.2/32").label(), "10.0.0.2/32");
        assert_eq!(r("fd00::/8").label(), "fd00::/8");
        let odd = IpRange {
            v6: false,
            start: 0,
            end: u128::from(u32::from(std::net::Ipv4Addr::new(10, 0, 0, 1))),
        };
        assert_eq!(odd.label(), "0.0.0.0-10.0.0.1");
        // Aligned size but not aligned start: not a prefix.
        let shifted = IpRange {
            v6: false,
            start: 1,
            end: 2,
        };
        assert_eq!(shifted.label(), "0.0.0.1-0.0.0.2");
        assert_eq!(
            odd.first_last(),
            ("0.0.0.0".to_string(), "10.0.0.1".to_string())
        );
    }

    #[test]
    fn partition_matches_np_guard_ipblockstest_atoms() {
        // SEM-21: 0.0.0.0/0 except 10/8, 172.21/16, 172.30/16 -> 7 atoms.
        let block = IpBlock {
            cidr: net("0.0.0.0/0"),
            except: vec![
                net("10.0.0.0/9"),
                net("10.128.0.0/9"),
                net("172.21.0.0/16"),
                net("172.30.0.0/16"),
            ],
        };
        // Touching holes 10.0/9 and 10.128/9 make one atom, as in np-guard.
        let atoms: Vec<String> = partition(block.ranges())
            .iter()
            .filter(|a| !a.v6)
            .map(|a| a.to_string())
            .collect();
        assert_eq!(
            atoms,
            vec![
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.255.255.255",
                "11.0.0.0-172.20.255.255",
                "172.21.0.0-172.21.255.255",
                "172.22.0.0-172.29.255.255",
                "172.30.0.0-172.30.255.255",
                "172.31.0.0-255.255.255.255",
            ]
        );
    }

    #[test]
    fn sem21_except_holes() {
        let b = IpBlock {
            cidr: net("172.17.0.0/16"),
            except: vec![net("172.17.1.0/24")],
        };
        assert!(b.contains_addr("172.17.0.5".parse().unwrap()));
        assert!(b.contains_addr("172.17.2.5".parse().unwrap()));
        assert!(!b.contains_addr("172.17.1.5".parse().unwrap()));
    }

    #[test]
    fn sem23_families_do_not_mix() {
        let b = IpBlock {
            cidr: net("0.0.0.0/0"),
            except: vec![],
        };
        assert!(!b.contains_addr("2001:db8::1".parse().unwrap()));
        let atoms = partition(
            [net("0.0.0.0/0"), net("2001:db8::/32")]
                .iter()
                .map(IpRange::from_net),
        );
        assert!(atoms.iter().any(|a| a.v6));
        assert!(atoms.iter().any(|a| !a.v6));
    }

    /// The matched set by the definition (SEM-21: cidr minus every except),
    /// address by address over a small family: what `ranges` must equal.
    fn matched_by_definition(b: &IpBlock, space: std::ops::RangeInclusive<u128>) -> Vec<u128> {
        let whole = IpRange::from_net(&b.cidr);
        space
            .filter(|&x| whole.start <= x && x <= whole.end)
            .filter(|&x| {
                b.except
                    .iter()
                    .map(IpRange::from_net)
                    .all(|h| h.v6 != whole.v6 || x < h.start || x > h.end)
            })
            .collect()
    }

    fn random_block(r: &mut crate::util::rng::Rng, base: u32) -> IpBlock {
        // Inside 10.0.0.0/24 (plus `base`), prefixes /24../32, holes /26../32.
        let cidr_len = 24 + r.below(5) as u8;
        let span = 1u32 << (32 - cidr_len);
        let start = base + (r.below((256 / span) as usize) as u32) * span;
        let cidr = IpNet::V4(ipnet::Ipv4Net::new(Ipv4Addr::from(start), cidr_len).unwrap());
        let except = (0..r.below(4))
            .filter_map(|_| {
                let len = (cidr_len + 1 + r.below(4) as u8).min(32);
                let s = 1u32 << (32 - len);
                let at = start + (r.below((span / s).max(1) as usize) as u32) * s;
                ipnet::Ipv4Net::new(Ipv4Addr::from(at), len)
                    .ok()
                    .map(IpNet::V4)
            })
            .collect();
        IpBlock { cidr, except }
    }

    #[test]
    fn sem21_ranges_and_covered_atoms_agree_with_the_definition() {
        // SEM-21/SEM-22: a block's matched set is cidr minus its excepts
        // (overlapping and touching holes included), and the atoms it
        // covers by binary search are those `covers` accepts one by one.
        let base = u32::from(Ipv4Addr::new(10, 0, 0, 0));
        let space = u128::from(base)..=u128::from(base + 255);
        for seed in 0..300u64 {
            let mut r = crate::util::rng::Rng::for_trial(21, seed);
            let blocks: Vec<IpBlock> = (0..1 + r.below(5))
                .map(|_| random_block(&mut r, base))
                .collect();
            for b in &blocks {
                let got: Vec<u128> = b.ranges().iter().flat_map(|x| x.start..=x.end).collect();
                assert_eq!(
                    got,
                    matched_by_definition(b, space.clone()),
                    "seed {seed}: {b}"
                );
                // Disjoint, sorted, and touching pieces merged.
                assert!(
                    b.ranges().windows(2).all(|w| w[0].end + 1 < w[1].start),
                    "{b}"
                );
            }
            let atoms = partition(blocks.iter().flat_map(IpBlock::ranges));
            for b in &blocks {
                let want: Vec<usize> = (0..atoms.len()).filter(|&i| b.covers(&atoms[i])).collect();
                assert_eq!(b.covered_atoms(&atoms), want, "seed {seed}: {b}");
            }
        }
    }

    #[test]
    fn sem21_a_hole_at_the_end_of_the_ipv6_space_and_one_covering_all() {
        let b = IpBlock {
            cidr: net("::/0"),
            except: vec![net("ffff::/16")],
        };
        let r = b.ranges();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].end, (0xffffu128 << 112) - 1);
        let none = IpBlock {
            cidr: net("10.0.0.0/8"),
            except: vec![net("10.0.0.0/8")],
        };
        assert!(none.ranges().is_empty());
        assert!(none.covered_atoms(&partition(none.ranges())).is_empty());
    }
}
