//! The journeys that did not convert, grouped once into distinct paths with how many
//! journeys took each, beside the conversions' journeys.

use std::collections::HashMap;

use crate::domain::SECS_PER_DAY;
use crate::store::{Store, StoreError};

/// Every journey that ended without a conversion (see `store::open_paths` for which touches
/// those are). The data-driven models count them as paths to no sale, and only need, per
/// journey, its sources in order and which of them the window keeps; so the journeys are
/// kept grouped ([`PathGroups`]): once over every source, once over the partners alone (the
/// *partners only* scope).
///
/// Consecutive touches from one source are kept as one, the latest: the models see a
/// journey's sources without repeats (Markov) or as a set (Shapley), and a run of one source
/// stays in the window exactly when its latest touch does, so they count the same.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenPaths {
    /// Journeys as read, until grouped: `offsets[p]..offsets[p + 1]` are journey `p`'s
    /// touches (empty: no journeys).
    offsets: Vec<u32>,
    /// Seconds from each touch to its journey's last touch, clamped to `u32::MAX`.
    lag_secs: Vec<u32>,
    /// Each touch's source.
    source_ids: Vec<u32>,
    /// How many journeys and touches were read.
    journeys: usize,
    touches: usize,
    /// The journeys grouped over every source and over the partners alone, once grouped.
    groups: Option<Box<[PathGroups; 2]>>,
}

/// Distinct paths of the journeys that did not convert under one scope: each a list of
/// sources, oldest first, no source twice in a row, with the day from which each touch is
/// within the window (the whole days from it to the path's last touch, rounded up: a touch
/// counts under a window of `d` days exactly when its day is at most `d`), and how many
/// journeys took it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathGroups {
    /// `offsets[g]..offsets[g + 1]` are path `g`'s touches.
    offsets: Vec<u32>,
    sources: Vec<u32>,
    entry_days: Vec<u32>,
    journeys: Vec<u64>,
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
            } else if paths.source_ids.last() == Some(&row.source_id) {
                // A repeat of the source just before: it keeps the later time.
                *times.last_mut().expect("a touch of this journey") = row.touched_us;
                return;
            }
            times.push(row.touched_us);
            paths.source_ids.push(row.source_id);
        })?;
        paths.close(&times);
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
        self.journeys += 1;
        self.touches = self.lag_secs.len();
    }

    /// Hand-made journeys (tests, scenarios): each a list of `(seconds before the journey's
    /// last touch, source id)`, oldest first (repeats of a source kept as the latest).
    pub fn from_paths(paths: &[Vec<(i64, u32)>]) -> OpenPaths {
        let mut open = OpenPaths::default();
        for path in paths.iter().filter(|p| !p.is_empty()) {
            if open.offsets.is_empty() {
                open.offsets.push(0);
            }
            let start = open.source_ids.len();
            for &(lag_secs, source) in path {
                if open.source_ids.len() > start && open.source_ids.last() == Some(&source) {
                    *open.lag_secs.last_mut().expect("a touch") = super::clamp_lag(lag_secs);
                    continue;
                }
                open.lag_secs.push(super::clamp_lag(lag_secs));
                open.source_ids.push(source);
            }
            open.offsets.push(open.lag_secs.len() as u32);
            open.journeys += 1;
        }
        open.touches = open.lag_secs.len();
        open
    }

    /// The same journeys grouped over every source and over the sources `is_partner` marks
    /// (indexed by source id); the journeys as read are let go.
    pub(super) fn grouped(mut self, is_partner: &[bool]) -> OpenPaths {
        if self.groups.is_none() {
            let every = PathGroups::of(&self, |_| true);
            let partners = PathGroups::of(&self, |s| is_partner[s as usize]);
            self.groups = Some(Box::new([every, partners]));
            self.offsets = Vec::new();
            self.lag_secs = Vec::new();
            self.source_ids = Vec::new();
        }
        self
    }

    /// The distinct paths under a scope: over the partners alone when `partners_only`
    /// (none before the journeys are grouped, which the index does as it takes them).
    pub fn groups(&self, partners_only: bool) -> Option<&PathGroups> {
        self.groups
            .as_deref()
            .map(|groups| &groups[usize::from(partners_only)])
    }

    /// Journey `p`'s sources and each touch's seconds before its last touch, oldest first
    /// (as read, before grouping).
    fn path(&self, p: usize) -> (&[u32], &[u32]) {
        let range = self.offsets[p] as usize..self.offsets[p + 1] as usize;
        (&self.source_ids[range.clone()], &self.lag_secs[range])
    }

    /// How many journeys did not convert.
    pub fn len(&self) -> usize {
        self.journeys
    }

    /// Whether every journey converted (or none was read).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Touches over all the journeys (a run of one source counted once).
    pub fn touches(&self) -> usize {
        self.touches
    }

    /// Bytes the arrays take.
    pub fn heap_bytes(&self) -> usize {
        let read =
            (self.offsets.capacity() + self.lag_secs.capacity() + self.source_ids.capacity()) * 4;
        read + self
            .groups
            .as_deref()
            .map_or(0, |groups| groups.iter().map(PathGroups::heap_bytes).sum())
    }
}

impl PathGroups {
    /// The distinct paths of `open`'s journeys through the sources `kept` keeps.
    fn of(open: &OpenPaths, kept: impl Fn(u32) -> bool) -> PathGroups {
        let mut counts: HashMap<Vec<u32>, u64> = HashMap::new();
        let mut key = Vec::new();
        for p in 0..open.offsets.len().saturating_sub(1) {
            let (sources, lags) = open.path(p);
            path_key(sources, lags, &kept, &mut key);
            if key.is_empty() {
                continue;
            }
            match counts.get_mut(key.as_slice()) {
                Some(journeys) => *journeys += 1,
                None => {
                    counts.insert(key.clone(), 1);
                }
            }
        }
        let mut paths: Vec<(Vec<u32>, u64)> = counts.into_iter().collect();
        paths.sort_unstable();
        let mut groups = PathGroups {
            offsets: vec![0],
            ..PathGroups::default()
        };
        for (key, journeys) in paths {
            for pair in key.chunks_exact(2) {
                groups.sources.push(pair[0]);
                groups.entry_days.push(pair[1]);
            }
            groups.offsets.push(groups.sources.len() as u32);
            groups.journeys.push(journeys);
        }
        groups
    }

    /// How many distinct paths.
    pub fn len(&self) -> usize {
        self.journeys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.journeys.is_empty()
    }

    /// Touches over the distinct paths.
    pub fn touches(&self) -> usize {
        self.sources.len()
    }

    /// Path `g`: its sources and their entry days, oldest first, and how many journeys took
    /// it.
    pub fn path(&self, g: usize) -> (&[u32], &[u32], u64) {
        let range = self.offsets[g] as usize..self.offsets[g + 1] as usize;
        (
            &self.sources[range.clone()],
            &self.entry_days[range],
            self.journeys[g],
        )
    }

    fn heap_bytes(&self) -> usize {
        (self.offsets.capacity() + self.sources.capacity() + self.entry_days.capacity()) * 4
            + self.journeys.capacity() * 8
    }
}

/// Into `key`, a journey through the sources `kept` keeps as `[source, entry day, ...]`,
/// oldest first, a run of one source as its latest touch, the days counted back from the
/// last touch kept (empty when none is kept).
fn path_key(sources: &[u32], lags: &[u32], kept: &impl Fn(u32) -> bool, key: &mut Vec<u32>) {
    key.clear();
    let mut last_lag = None;
    for (&source, &lag) in sources.iter().zip(lags).rev() {
        if !kept(source) {
            continue;
        }
        // Walking back, a repeat of the source just kept is an older touch of its run.
        if key.len() >= 2 && key[key.len() - 2] == source {
            continue;
        }
        let last = *last_lag.get_or_insert(lag);
        let secs = (i64::from(lag) - i64::from(last)).max(0);
        let days = (secs + SECS_PER_DAY - 1) / SECS_PER_DAY;
        key.extend([source, u32::try_from(days).unwrap_or(u32::MAX)]);
    }
    // Built newest first: put the pairs oldest first.
    let pairs = key.len() / 2;
    for i in 0..pairs / 2 {
        let j = pairs - 1 - i;
        key.swap(2 * i, 2 * j);
        key.swap(2 * i + 1, 2 * j + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn journeys_group_by_path_and_entry_day_under_each_scope() {
        // Sources 0 and 2 are partners, 1 is not.
        let open = OpenPaths::from_paths(&[
            vec![(3 * DAY, 0), (DAY + 5, 1), (0, 2)],
            vec![(3 * DAY - 10, 0), (DAY, 1), (0, 2)],
            vec![(2 * DAY, 0), (DAY, 1), (0, 0)],
            vec![(0, 1)],
        ])
        .grouped(&[true, false, true]);
        assert_eq!((open.len(), open.touches()), (4, 10));
        let every = open.groups(false).unwrap();
        let paths: Vec<_> = (0..every.len()).map(|g| every.path(g)).collect();
        assert_eq!(
            paths,
            [
                (&[0, 1, 0][..], &[2, 1, 0][..], 1),
                (&[0, 1, 2][..], &[3, 1, 0][..], 1),
                (&[0, 1, 2][..], &[3, 2, 0][..], 1),
                (&[1][..], &[0][..], 1),
            ]
        );
        // Partners only: 0, 0 is one touch (the later, day 0); 0, 2 twice from day 3.
        let partners = open.groups(true).unwrap();
        let paths: Vec<_> = (0..partners.len()).map(|g| partners.path(g)).collect();
        assert_eq!(
            paths,
            [(&[0][..], &[0][..], 1), (&[0, 2][..], &[3, 0][..], 2)]
        );
    }
}
