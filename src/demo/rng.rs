//! A small deterministic random number generator (xorshift64*): the same seed gives
//! the same sequence on every machine and every build, with no dependency. It is
//! not for anything secret.

/// xorshift64* (Vigna 2016) over a 64-bit state that is never zero.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`; the seed is mixed (splitmix64) so that neighbouring
    /// seeds give unrelated sequences, and zero is a seed like any other.
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    /// An independent generator for one part of the data set, so that changing how
    /// much one part draws does not shift every other part.
    pub fn fork(&self, label: &str) -> Self {
        let mixed = label.bytes().fold(self.0, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
        });
        Self::new(mixed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi.saturating_sub(lo)).unwrap_or(0);
        lo.saturating_add(i64::try_from(self.below(span.saturating_add(1))).unwrap_or(0))
    }

    /// Uniform in `lo..=hi`, for counts.
    pub fn range_u32(&mut self, lo: u32, hi: u32) -> u32 {
        u32::try_from(self.range(i64::from(lo), i64::from(hi))).unwrap_or(lo)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// One item, uniformly; `None` only for an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i)
    }

    /// One item of `(weight, item)` pairs, in proportion to the weights.
    pub fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> Option<&'a T> {
        let total: u64 = items.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut at = self.below(total);
        for (w, item) in items {
            let w = u64::from(*w);
            if at < w {
                return Some(item);
            }
            at -= w;
        }
        items.last().map(|(_, item)| item)
    }

    /// The number of events of a Poisson process with mean `mean` (Knuth's method,
    /// split into steps of 30 so that large means do not underflow).
    pub fn poisson(&mut self, mean: f64) -> u32 {
        let mut left = mean.max(0.0);
        let mut n = 0u32;
        while left > 0.0 {
            let step = left.min(30.0);
            left -= step;
            let limit = (-step).exp();
            let mut p = self.unit();
            while p > limit {
                n += 1;
                p *= self.unit();
            }
        }
        n
    }
}

/// Picks indices in proportion to weights in O(log n), for large populations.
#[derive(Clone, Debug, Default)]
pub struct WeightedIndex {
    cumulative: Vec<f64>,
}

impl WeightedIndex {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Self { cumulative }
    }

    pub fn is_empty(&self) -> bool {
        self.cumulative.last().is_none_or(|t| *t <= 0.0)
    }

    /// An index, or `None` when every weight is zero.
    pub fn sample(&self, rng: &mut Rng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        if total <= 0.0 {
            return None;
        }
        let at = rng.unit() * total;
        let i = self.cumulative.partition_point(|c| *c <= at);
        Some(i.min(self.cumulative.len().saturating_sub(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(Rng::new(0).next_u64(), 0);
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            assert!((3..=9).contains(&rng.range(3, 9)));
            assert!((0.0..1.0).contains(&rng.unit()));
        }
        let mean = (0..2000).map(|_| f64::from(rng.poisson(4.0))).sum::<f64>() / 2000.0;
        assert!((3.5..4.5).contains(&mean), "{mean}");
        let index = WeightedIndex::new([0.0, 1.0, 0.0]);
        assert_eq!(index.sample(&mut rng), Some(1));
        assert_eq!(WeightedIndex::new([0.0]).sample(&mut rng), None);
    }
}
