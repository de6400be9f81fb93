//! splitmix64: a small, fast generator that gives the same numbers on every
//! platform, for synthetic clusters and Monte Carlo trials.

pub struct Rng(pub u64);

impl Rng {
    /// An independent stream for trial `trial` of a run seeded with `seed`.
    pub fn for_trial(seed: u64, trial: u64) -> Rng {
        let mut r = Rng(seed ^ trial.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A uniformly chosen element (one `below(xs.len())` draw); the default
    /// for an empty slice.
    pub fn pick<T: Copy + Default>(&mut self, xs: &[T]) -> T {
        let i = self.below(xs.len());
        xs.get(i).copied().unwrap_or_default()
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Binomial(n, p) by n Bernoulli draws (attack groups are small).
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        (0..n).filter(|_| self.unit() < p).count() as u64
    }
}
