//! The matrix cells: connection-set ids, stored as narrow as the ids handed
//! out so far allow. Real clusters have a few dozen distinct connection sets
//! (150,000 pods, 10,000 policies: 23), so a cell is one byte, not four:
//! 41,000 classes take 1.7 GB instead of 6.8. The store widens itself (to
//! two bytes, then four) the first time an id does not fit.

use crate::engine::reach::conn_table::EMPTY;

#[derive(Clone, Debug)]
pub(super) enum Cells {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Cells {
    /// `n` cells holding `v`.
    pub fn filled(n: usize, v: u32) -> Cells {
        match (u8::try_from(v), u16::try_from(v)) {
            (Ok(b), _) => Cells::U8(vec![b; n]),
            (_, Ok(w)) => Cells::U16(vec![w; n]),
            _ => Cells::U32(vec![v; n]),
        }
    }

    /// The id in cell `i`; EMPTY outside.
    pub fn get(&self, i: usize) -> u32 {
        match self {
            Cells::U8(c) => c.get(i).map(|&v| u32::from(v)),
            Cells::U16(c) => c.get(i).map(|&v| u32::from(v)),
            Cells::U32(c) => c.get(i).copied(),
        }
        .unwrap_or(EMPTY)
    }

    /// Store `v` in cell `i` (nothing outside), widening when it does not fit.
    pub fn set(&mut self, i: usize, v: u32) {
        self.fit(v);
        match self {
            Cells::U8(c) => {
                if let (Some(x), Ok(v)) = (c.get_mut(i), u8::try_from(v)) {
                    *x = v;
                }
            }
            Cells::U16(c) => {
                if let (Some(x), Ok(v)) = (c.get_mut(i), u16::try_from(v)) {
                    *x = v;
                }
            }
            Cells::U32(c) => {
                if let Some(x) = c.get_mut(i) {
                    *x = v;
                }
            }
        }
    }

    /// Cells `from..to` hold `v`.
    pub fn fill(&mut self, from: usize, to: usize, v: u32) {
        self.fit(v);
        match self {
            Cells::U8(c) => {
                if let (Some(r), Ok(v)) = (c.get_mut(from..to), u8::try_from(v)) {
                    r.fill(v);
                }
            }
            Cells::U16(c) => {
                if let (Some(r), Ok(v)) = (c.get_mut(from..to), u16::try_from(v)) {
                    r.fill(v);
                }
            }
            Cells::U32(c) => {
                if let Some(r) = c.get_mut(from..to) {
                    r.fill(v);
                }
            }
        }
    }

    /// Widen so that `v` fits.
    fn fit(&mut self, v: u32) {
        let widen = match self {
            Cells::U8(c) if v > u32::from(u8::MAX) => {
                if v > u32::from(u16::MAX) {
                    Some(Cells::U32(c.iter().map(|&x| u32::from(x)).collect()))
                } else {
                    Some(Cells::U16(c.iter().map(|&x| u16::from(x)).collect()))
                }
            }
            Cells::U16(c) if v > u32::from(u16::MAX) => {
                Some(Cells::U32(c.iter().map(|&x| u32::from(x)).collect()))
            }
            _ => None,
        };
        if let Some(w) = widen {
            *self = w;
        }
    }

    /// Bytes a cell takes now.
    #[cfg(test)]
    pub fn width(&self) -> usize {
        match self {
            Cells::U8(_) => 1,
            Cells::U16(_) => 2,
            Cells::U32(_) => 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_widen_when_an_id_does_not_fit_and_keep_what_they_held() {
        let mut c = Cells::filled(4, 1);
        assert_eq!(c.width(), 1);
        c.set(0, 200);
        c.fill(2, 4, 7);
        assert_eq!(c.width(), 1);
        c.set(1, 300);
        assert_eq!(c.width(), 2);
        c.set(3, 70_000);
        assert_eq!(c.width(), 4);
        assert_eq!(
            (0..4).map(|i| c.get(i)).collect::<Vec<_>>(),
            [200, 300, 7, 70_000]
        );
        // Outside: nothing stored, EMPTY read.
        c.set(9, 5);
        assert_eq!(c.get(9), EMPTY);
    }
}
