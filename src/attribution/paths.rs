//! The journeys as the data-driven models see them, grouped into distinct paths: the table
//! other tools take (ChannelAttribution's `markov_model`: a path, its conversions, their
//! value and the journeys that did not convert), so that they can be run on the same paths.

use std::collections::HashMap;

use super::engine::Lanes;
use super::walk::{Counted, JourneySink, walk_journeys};
use crate::domain::AttributionSettings;
use crate::journeys::JourneyIndex;

/// One distinct path: the sources of a journey's counted touches, oldest first, with
/// consecutive repeats of a source kept once (as the Markov chain sees them), and what the
/// journeys that took it add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyPath {
    /// Source ids, oldest first, no source twice in a row.
    pub sources: Vec<u32>,
    /// Journeys that took the path and converted.
    pub conversions: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Journeys that took the path and did not convert.
    pub nulls: u64,
}

/// Every distinct path of the journeys under `settings` (the conversions' counted touches,
/// and the journeys that did not convert when the index has read them), in the order of
/// their sources.
pub fn journey_paths(index: &JourneyIndex, settings: &AttributionSettings) -> Vec<JourneyPath> {
    let walked = walk_journeys(index, settings, true, PathCounts::default);
    let mut paths: Vec<JourneyPath> = walked
        .sink
        .paths
        .into_iter()
        .map(|(sources, (conversions, revenue, nulls))| JourneyPath {
            sources,
            conversions,
            revenue,
            nulls,
        })
        .collect();
    paths.sort_by(|a, b| a.sources.cmp(&b.sources));
    paths
}

/// Per distinct path, its conversions, their revenue and its journeys without one.
#[derive(Default)]
struct PathCounts {
    paths: HashMap<Vec<u32>, (u64, f64, u64)>,
    path: Vec<u32>,
}

impl PathCounts {
    /// The counts of the path through `sources`, repeats dropped.
    fn counts(&mut self, sources: impl Iterator<Item = u32>) -> &mut (u64, f64, u64) {
        self.path.clear();
        for source in sources {
            if self.path.last() != Some(&source) {
                self.path.push(source);
            }
        }
        if !self.paths.contains_key(&self.path) {
            self.paths.insert(self.path.clone(), (0, 0.0, 0));
        }
        self.paths.get_mut(&self.path).expect("just inserted")
    }
}

impl JourneySink for PathCounts {
    fn converted(&mut self, whole: Lanes, touches: &[Counted]) {
        let counts = self.counts(touches.iter().map(|t| t.source));
        counts.0 += 1;
        counts.1 += whole[1];
    }

    fn not_converted(&mut self, sources: &[u32], journeys: u64) {
        self.counts(sources.iter().copied()).2 += journeys;
    }

    fn merge(mut self, other: PathCounts) -> PathCounts {
        for (path, (conversions, revenue, nulls)) in other.paths {
            let counts = self.paths.entry(path).or_insert((0, 0.0, 0));
            counts.0 += conversions;
            counts.1 += revenue;
            counts.2 += nulls;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BrowserFamily, CookieWindow, Methods, TouchKey};
    use crate::journeys::{CandidateTouch, Commission, ConversionFacts, OpenPaths, Source};

    fn source(id: &str) -> Source {
        Source {
            id: id.to_owned(),
            name: None,
            is_partner: true,
            commission: Commission::Percent(10.0),
        }
    }

    fn conversion(id: &str, revenue: f64) -> ConversionFacts {
        ConversionFacts::approved(id, revenue)
    }

    fn touch(days: i64, source_id: u32) -> CandidateTouch {
        CandidateTouch {
            lag_secs: days * 86_400,
            source_id,
            key: TouchKey::new(Methods::COOKIE, BrowserFamily::Chrome),
        }
    }

    #[test]
    fn paths_group_the_journeys_with_repeats_dropped_and_the_window_kept() {
        let index = JourneyIndex::from_journeys(
            vec![source("a"), source("b")],
            vec![conversion("o1", 10.0), conversion("o2", 5.0)],
            &[
                vec![touch(3, 0), touch(2, 0), touch(1, 1)],
                vec![touch(40, 1), touch(2, 0), touch(1, 1)],
            ],
        )
        .with_open_paths(OpenPaths::from_paths(&[
            vec![(86_400, 0), (0, 1)],
            vec![(40 * 86_400, 0), (0, 1)],
        ]));
        let settings = AttributionSettings {
            window: CookieWindow::Days(30),
            ..AttributionSettings::default()
        };
        let paths = journey_paths(&index, &settings);
        let expected = [
            JourneyPath {
                sources: vec![0, 1],
                conversions: 2,
                revenue: 15.0,
                nulls: 1,
            },
            JourneyPath {
                sources: vec![1],
                conversions: 0,
                revenue: 0.0,
                nulls: 1,
            },
        ];
        assert_eq!(paths, expected);
    }
}
