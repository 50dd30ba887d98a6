//! Reset after conversion: which earlier conversion of the same identity a touch came before.
//!
//! For each identity method (cookie, click id, user), a conversion's *previous* conversion is
//! the latest earlier one (by time, then import order) with the same identity. A touch at or
//! before that previous conversion was already used by it. The times come from one sort per
//! method here, not from window functions in the database.

/// Per conversion and method, the previous conversion's time in microseconds (`i64::MIN`:
/// none).
pub(super) struct PreviousConversions {
    previous_us: Vec<[i64; 3]>,
}

impl PreviousConversions {
    /// From each conversion's identity hashes (cookie, click id, user; `None` when missing)
    /// and time, in index order.
    pub(super) fn new(identities: &[[Option<i64>; 3]], converted_us: &[i64]) -> Self {
        let count = converted_us.len();
        let mut previous_us = vec![[i64::MIN; 3]; count];
        for method in 0..3 {
            // (identity, time, conversion) side by side: the sort reads no other memory.
            let mut order: Vec<(i64, i64, u32)> = identities
                .iter()
                .zip(converted_us)
                .enumerate()
                .filter_map(|(c, (identity, &at))| Some((identity[method]?, at, c as u32)))
                .collect();
            order.sort_unstable();
            for pair in order.windows(2) {
                let ((identity, at, _), (next_identity, _, later)) = (pair[0], pair[1]);
                if identity == next_identity {
                    previous_us[later as usize][method] = at;
                }
            }
        }
        PreviousConversions { previous_us }
    }

    /// Key bits 3–5 for a touch at `touched_us` of conversion `conversion`: one per method
    /// whose previous conversion came at or after the touch.
    pub(super) fn used_bits(&self, conversion: usize, touched_us: i64) -> u16 {
        let previous = &self.previous_us[conversion];
        let bit = |method: usize| u16::from(touched_us <= previous[method]) << (3 + method);
        bit(0) | bit(1) | bit(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_conversion_is_per_identity_and_strictly_earlier_in_order() {
        // Conversions 0 and 2 share a cookie; 1 and 2 share a user; 3 shares nothing.
        let identities = [
            [Some(7), None, None],
            [Some(8), None, Some(1)],
            [Some(7), None, Some(1)],
            [None, None, None],
        ];
        let times = [100, 200, 300, 50];
        let previous = PreviousConversions::new(&identities, &times);
        assert_eq!(
            previous.used_bits(2, 100),
            0b101 << 3,
            "cookie: conversion 0 at 100 (inclusive); user: conversion 1 at 200"
        );
        assert_eq!(
            previous.used_bits(2, 150),
            0b100 << 3,
            "user: conversion 1 at 200"
        );
        assert_eq!(previous.used_bits(2, 250), 0);
        assert_eq!(previous.used_bits(0, 0), 0, "the first of its cookie");
        assert_eq!(previous.used_bits(3, 0), 0);
    }
}
