//! The journeys that did not convert, as flat arrays beside the conversions' journeys.

use crate::store::{Store, StoreError};

/// Every journey that ended without a conversion (see `store::open_paths` for which touches
/// those are): per journey its sources, oldest first, and each touch's seconds before the
/// journey's last touch. The data-driven models count them as paths to no sale.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenPaths {
    /// `offsets[p]..offsets[p + 1]` are journey `p`'s touches (empty: no journeys).
    offsets: Vec<u32>,
    /// Seconds from each touch to its journey's last touch, clamped to `u32::MAX`.
    lag_secs: Vec<u32>,
    /// Each touch's source.
    source_ids: Vec<u32>,
}

impl OpenPaths {
    /// Reads them from the store, naming sources by their position in `sources`.
    pub(super) fn read(store: &Store, sources: &[&str]) -> Result<OpenPaths, StoreError> {
        let mut paths = OpenPaths::default();
        let mut current: Option<i64> = None;
        let mut times: Vec<i64> = Vec::new();
        store.for_each_open_touch(sources, |row| {
            if current != Some(row.path) {
                paths.close(&times);
                times.clear();
                current = Some(row.path);
            }
            times.push(row.touched_us);
            paths.source_ids.push(row.source_id);
        })?;
        paths.close(&times);
        paths.offsets.shrink_to_fit();
        paths.lag_secs.shrink_to_fit();
        paths.source_ids.shrink_to_fit();
        Ok(paths)
    }

    /// Ends the journey whose touches happened at `times_us` (their sources already pushed).
    fn close(&mut self, times_us: &[i64]) {
        let Some(&last) = times_us.last() else {
            return;
        };
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.lag_secs.extend(
            times_us
                .iter()
                .map(|&t| super::clamp_lag(((last - t).max(0) + 999_999) / 1_000_000)),
        );
        self.offsets.push(self.lag_secs.len() as u32);
    }

    /// Hand-made journeys (tests, scenarios): each a list of `(seconds before the journey's
    /// last touch, source id)`, oldest first.
    pub fn from_paths(paths: &[Vec<(i64, u32)>]) -> OpenPaths {
        let mut open = OpenPaths::default();
        for path in paths.iter().filter(|p| !p.is_empty()) {
            if open.offsets.is_empty() {
                open.offsets.push(0);
            }
            for &(lag_secs, source) in path {
                open.lag_secs.push(super::clamp_lag(lag_secs));
                open.source_ids.push(source);
            }
            open.offsets.push(open.lag_secs.len() as u32);
        }
        open
    }

    /// How many journeys did not convert.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether every journey converted (or none was read).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Journey `p`'s sources and each touch's seconds before its last touch, oldest first.
    pub fn path(&self, p: usize) -> (&[u32], &[u32]) {
        let range = self.offsets[p] as usize..self.offsets[p + 1] as usize;
        (&self.source_ids[range.clone()], &self.lag_secs[range])
    }

    /// Touches over all the journeys.
    pub fn touches(&self) -> usize {
        self.source_ids.len()
    }

    /// Bytes the arrays take.
    pub fn heap_bytes(&self) -> usize {
        (self.offsets.capacity() + self.lag_secs.capacity() + self.source_ids.capacity()) * 4
    }
}
