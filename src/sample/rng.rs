//! Seeded random numbers and the keyed bijection that makes ids.

/// splitmix64: small, fast and identical on every machine.
pub(super) struct Rng(u64);

impl Rng {
    /// The generator of one `stream` of a `seed`.
    pub(super) fn new(seed: u64, stream: u64) -> Self {
        Self(mix64(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub(super) fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    /// True with `pct` percent.
    pub(super) fn percent(&mut self, pct: u32) -> bool {
        self.below(100) < pct
    }

    /// True with `pm` per mille.
    pub(super) fn permille(&mut self, pm: u32) -> bool {
        self.below(1_000) < pm
    }

    /// In `0..=max`, skewed towards 0 (the smaller of two uniform draws).
    pub(super) fn skewed(&mut self, max: u32) -> u32 {
        let a = self.below(max + 1);
        a.min(self.below(max + 1))
    }

    /// One item of a weighted table.
    pub(super) fn pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total = table.iter().map(|&(_, weight)| weight).sum();
        let mut roll = self.below(total);
        for &(item, weight) in table {
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        table[table.len() - 1].0
    }
}

/// The splitmix64 finaliser, a bijection on `u64`.
pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A keyed bijection on 40-bit numbers: distinct serials (below 2^40) give distinct ids.
pub(super) fn mix40(serial: u64, key: u64) -> u64 {
    const MASK: u64 = (1 << 40) - 1;
    let mut x = (serial ^ key) & MASK;
    x ^= x >> 19;
    x = x.wrapping_mul(0x9E_3779_B97F) & MASK;
    x ^= x >> 21;
    x = x.wrapping_mul(0xC2_B2AE_3D27) & MASK;
    x ^ (x >> 20)
}
