//! The in-memory journey index: per conversion, its candidate touches as flat arrays.
//!
//! Built once per database change from the store; the attribution models then run over it
//! for any settings without touching the database. A conversion's touches are stored
//! contiguously, ordered by time and then by input order, so "first" and "last" are positions.

use std::sync::OnceLock;

use crate::domain::TouchKey;
use crate::store::{ConversionRow, LEAD_MATCH_DAYS, LeadMatch, SourceRow, Store, StoreError};

mod open_paths;
mod reuse;

pub use open_paths::{OpenPaths, PathGroups};
use reuse::PreviousConversions;

/// The "no source" marker in per-conversion source columns.
pub(crate) const NO_SOURCE: u32 = u32::MAX;

/// How a partner is paid for a credited conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Commission {
    /// Not payable (a channel, or a partner with no commission on file).
    None,
    /// A percentage of revenue: `Percent(12.0)` is 12%.
    Percent(f64),
    /// A flat amount per conversion.
    Flat(f64),
}

impl Commission {
    /// Reads the stored kind and value; anything unknown pays nothing.
    pub fn from_stored(kind: Option<&str>, value: Option<f64>) -> Commission {
        match (kind, value) {
            (Some("percent"), Some(v)) => Commission::Percent(v),
            (Some("flat"), Some(v)) => Commission::Flat(v),
            _ => Commission::None,
        }
    }

    /// The commission on a whole conversion as `revenue × rate + flat`.
    pub fn rate_and_flat(self) -> (f64, f64) {
        match self {
            Commission::None => (0.0, 0.0),
            Commission::Percent(p) => (p / 100.0, 0.0),
            Commission::Flat(amount) => (0.0, amount),
        }
    }
}

/// A source of touches: a partner or a non-partner channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Partner id or channel name.
    pub id: String,
    /// Display name of a registered partner.
    pub name: Option<String>,
    /// Payable partner (true) or channel (false).
    pub is_partner: bool,
    /// How the partner is paid.
    pub commission: Commission,
}

/// What the models need to know about one conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionFacts {
    /// The conversion's id.
    pub conversion_id: String,
    /// Seconds since the Unix epoch, UTC.
    pub converted_at_secs: i64,
    /// Revenue.
    pub revenue: f64,
    /// Refunded and cancelled conversions earn no payout.
    pub payable: bool,
    /// The partner (source id) owning the conversion's coupon code, if any.
    pub coupon_partner: Option<u32>,
    /// The partner (source id) whose reported lead names this conversion, if any.
    pub reported_by: Option<u32>,
    /// `approved`, `pending`, `refunded` or `cancelled`.
    pub status: String,
    /// Currency code, when given.
    pub currency: Option<String>,
    /// The product category, when the conversions file gave one (for per-category rates).
    pub category: Option<String>,
    /// Its number in import order (with gaps), as the store knows it.
    pub conversion_seq: i64,
    /// The subscription the sale belongs to, when the conversions file named one: its later
    /// sales are renewals, which a recurring commission binds to its first sale's partner.
    pub subscription_id: Option<String>,
}

#[cfg(test)]
impl ConversionFacts {
    /// An approved, payable sale `id` of `revenue` at time 0, with nothing else known: what
    /// the unit tests build their conversions from.
    pub(crate) fn approved(id: &str, revenue: f64) -> ConversionFacts {
        ConversionFacts {
            conversion_id: id.to_owned(),
            converted_at_secs: 0,
            revenue,
            payable: true,
            coupon_partner: None,
            reported_by: None,
            status: "approved".to_owned(),
            currency: None,
            category: None,
            subscription_id: None,
            conversion_seq: 0,
        }
    }
}

/// One candidate touch of a conversion, as given to [`JourneyIndex::from_journeys`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateTouch {
    /// Seconds from the touch to the conversion (0 = same instant; never negative).
    pub lag_secs: i64,
    /// Index into [`JourneyIndex::sources`].
    pub source_id: u32,
    /// How the touch is linked, reused, and where it came from.
    pub key: TouchKey,
}

/// Per conversion, its candidate touches in order, as flat arrays.
///
/// Invariants the models rely on: within a conversion, touches are oldest first, so lags never
/// increase; for each method, the touches an earlier conversion already used are a prefix; and
/// the touch arrays and hot columns are in walk order, whose journeys never get shorter (the
/// last is the longest).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JourneyIndex {
    /// Every source, by id.
    pub sources: Vec<Source>,
    /// Every conversion, in import order.
    pub conversions: Vec<ConversionFacts>,
    /// The currencies the conversions are in, sorted ("" for none given).
    currencies: Vec<String>,
    /// While building, `touch_offsets[c]..touch_offsets[c + 1]` are conversion `c`'s touches;
    /// once built, the touches of the conversion at walk position `w` (the touch arrays and
    /// the hot conversion columns below are in walk order).
    touch_offsets: Vec<u32>,
    /// Seconds, clamped to `u32::MAX` (136 years): 4 bytes instead of 8 per touch.
    lag_secs: Vec<u32>,
    source_ids: Vec<u32>,
    /// Each touch's packed [`TouchKey`].
    keys: Vec<u16>,
    /// Each conversion's revenue, whether it pays, and its coupon's partner ([`NO_SOURCE`]
    /// when none): the hot columns of `conversions`, in walk order.
    revenue: Vec<f64>,
    payable: Vec<bool>,
    coupon_partner: Vec<u32>,
    /// Each conversion's place in walk order (see [`JourneyIndex::walk_shortest_first`]).
    walk_position: Vec<u32>,
    /// The journeys that did not convert, once read (the data-driven models count them). Set
    /// once, possibly after the index is shared ([`JourneyIndex::ensure_open_paths`]).
    open_paths: OnceLock<OpenPaths>,
}

/// The index's arrays as plain slices, for the tight loops of the models. Conversions are
/// addressed by walk position (shortest journey first), not by import order: the models sum
/// over all of them, so the order does not change their results.
#[derive(Clone, Copy)]
pub(crate) struct HotArrays<'a> {
    /// `offsets[w]..offsets[w + 1]` are the touches of the conversion at walk position `w`.
    pub offsets: &'a [u32],
    /// Seconds from each touch to its conversion.
    pub lags: &'a [u32],
    /// Each touch's source.
    pub sources: &'a [u32],
    /// Each touch's packed [`TouchKey`].
    pub keys: &'a [u16],
    /// Each conversion's revenue.
    pub revenue: &'a [f64],
    /// Each conversion earns payout.
    pub payable: &'a [bool],
    /// Each conversion's coupon partner, or [`NO_SOURCE`].
    pub coupon_partner: &'a [u32],
}

impl JourneyIndex {
    /// Builds the index from the database: the conversions in one query, the candidate
    /// touches in another, read as flat columns. Outside a transaction the candidates are
    /// read on a second connection while this one reads the conversions, so the database's
    /// joins and the index's own work share the machine's cores; inside one (a second
    /// connection would not see its rows) they are read one after the other.
    pub fn build(store: &Store) -> Result<JourneyIndex, StoreError> {
        let sources = sources(store)?;
        let names: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
        let (conversions, candidates) = if store.in_transaction() {
            (
                ConversionColumns::read(store, &names),
                CandidateColumns::read(store, &names),
            )
        } else {
            let twin = store.second_connection()?;
            std::thread::scope(|scope| {
                let names = &names;
                let candidates = scope.spawn(move || CandidateColumns::read(&twin, names));
                let conversions = ConversionColumns::read(store, names);
                let candidates = candidates.join().expect("the candidate reader");
                (conversions, candidates)
            })
        };
        let (conversions, candidates) = (conversions?, candidates?);
        let mut index = JourneyIndex {
            touch_offsets: Vec::with_capacity(conversions.facts.len() + 1),
            conversions: conversions.facts,
            sources,
            ..JourneyIndex::default()
        };
        index.touch_offsets.push(0);
        index.lag_secs.reserve_exact(candidates.touched_us.len());
        index.source_ids.reserve_exact(candidates.touched_us.len());
        index.keys.reserve_exact(candidates.touched_us.len());
        // Rows arrive ordered by conversion sequence: a cursor finds each one's position.
        let (sequence, converted_us) = (&conversions.sequence, &conversions.converted_us);
        let mut position = 0usize;
        for row in 0..candidates.touched_us.len() {
            let seq = candidates.conversion_seq[row];
            while position < sequence.len() && sequence[position] < seq {
                position += 1;
            }
            if sequence.get(position) != Some(&seq) {
                debug_assert!(false, "a candidate of an unlisted conversion");
                continue;
            }
            let touched_us = candidates.touched_us[row];
            let lag_us = (converted_us[position] - touched_us).max(0);
            let lag_secs = (lag_us + 999_999) / 1_000_000;
            let key = candidates.key[row] | conversions.previous.used_bits(position, touched_us);
            index.push_candidate(position, lag_secs, candidates.source_id[row], key);
        }
        drop(candidates);
        index.close_journeys_up_to(index.conversions.len());
        index.shrink_to_fit();
        index.fill_hot_columns();
        index.note_reported_leads(&store.lead_matches(LEAD_MATCH_DAYS)?);
        Ok(index)
    }

    /// Marks each conversion a partner reported as a lead (the earliest report wins): the same
    /// matching the audit of reported leads uses, so leakage and audit agree.
    fn note_reported_leads(&mut self, leads: &[LeadMatch]) {
        let source_of: std::collections::HashMap<&str, u32> = self
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i as u32))
            .collect();
        let mut claims: Vec<(usize, i64, u32)> = leads
            .iter()
            .filter_map(|lead| {
                let seq = lead.conversion_seq?;
                let c = self
                    .conversions
                    .binary_search_by_key(&seq, |c| c.conversion_seq)
                    .ok()?;
                let partner = *source_of.get(lead.partner_id.as_str())?;
                Some((c, lead.reported_at_secs, partner))
            })
            .collect();
        claims.sort_unstable();
        for (c, _, partner) in claims.into_iter().rev() {
            self.conversions[c].reported_by = Some(partner);
        }
    }

    /// Builds an index from hand-made journeys (tests, scenarios): `journeys[c]` are
    /// conversion `c`'s candidate touches, already in time order.
    pub fn from_journeys(
        sources: Vec<Source>,
        conversions: Vec<ConversionFacts>,
        journeys: &[Vec<CandidateTouch>],
    ) -> JourneyIndex {
        assert_eq!(
            conversions.len(),
            journeys.len(),
            "one journey per conversion"
        );
        let mut index = JourneyIndex {
            sources,
            conversions,
            touch_offsets: vec![0],
            ..JourneyIndex::default()
        };
        for journey in journeys {
            debug_assert!(
                journey.windows(2).all(|w| w[0].lag_secs >= w[1].lag_secs
                    && (w[1].key.used_by().0 & !w[0].key.used_by().0) == 0),
                "touches must be oldest first, with the reused ones a prefix"
            );
            for touch in journey {
                index.lag_secs.push(clamp_lag(touch.lag_secs));
                index.source_ids.push(touch.source_id);
                index.keys.push(touch.key.0);
            }
            index.touch_offsets.push(index.lag_secs.len() as u32);
        }
        index.fill_hot_columns();
        index
    }

    /// Reads the journeys that did not convert from the store (Markov and Shapley credit
    /// count them; the other models do not need them, so [`JourneyIndex::build`] leaves them
    /// out). The index must have been built from the same store.
    pub fn read_open_paths(&mut self, store: &Store) -> Result<(), StoreError> {
        let names: Vec<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        let read = OpenPaths::read(store, &names)?.grouped(&self.partner_flags());
        self.open_paths = OnceLock::from(read);
        Ok(())
    }

    /// Reads the journeys that did not convert into an index already shared (behind an
    /// `Arc`), unless they are there: a window reads them only when a view first shows Markov
    /// or Shapley, so opening a programme does not wait for them. The index must have been
    /// built from the same store.
    pub fn ensure_open_paths(&self, store: &Store) -> Result<(), StoreError> {
        if self.open_paths.get().is_some() {
            return Ok(());
        }
        let names: Vec<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        let read = OpenPaths::read(store, &names)?.grouped(&self.partner_flags());
        // Another thread may have read them meanwhile: the same rows, either copy will do.
        let _ = self.open_paths.set(read);
        Ok(())
    }

    /// The same index with `open_paths` as its journeys that did not convert (hand-made
    /// indexes, scenarios).
    pub fn with_open_paths(mut self, open_paths: OpenPaths) -> JourneyIndex {
        self.open_paths = OnceLock::from(open_paths.grouped(&self.partner_flags()));
        self
    }

    /// Per source id, whether it is a partner (what the *partners only* scope keeps).
    fn partner_flags(&self) -> Vec<bool> {
        self.sources.iter().map(|s| s.is_partner).collect()
    }

    /// The journeys that did not convert; `None` until read or given.
    pub fn open_paths(&self) -> Option<&OpenPaths> {
        self.open_paths.get()
    }

    /// Lists the currencies and puts the arrays in walk order, once the touches are in.
    fn fill_hot_columns(&mut self) {
        let mut currencies: Vec<String> = Vec::new();
        for conversion in &self.conversions {
            let currency = conversion.currency.as_deref().unwrap_or("");
            if !currencies.iter().any(|c| c == currency) {
                currencies.push(currency.to_owned());
            }
        }
        currencies.sort();
        self.currencies = currencies;
        self.walk_shortest_first();
    }

    /// Puts the touch and hot conversion arrays in walk order: shortest journey first, import
    /// order among equals. The models walk them front to back, so their loops over a journey
    /// repeat one trip count for long runs and read memory in one forward sweep.
    fn walk_shortest_first(&mut self) {
        let length = |c: u32| self.touch_offsets[c as usize + 1] - self.touch_offsets[c as usize];
        let mut order: Vec<u32> = (0..self.conversions.len() as u32).collect();
        order.sort_by_key(|&c| length(c));
        let touches = self.lag_secs.len();
        let mut offsets = Vec::with_capacity(order.len() + 1);
        let (mut lags, mut sources, mut keys) = (
            Vec::with_capacity(touches),
            Vec::with_capacity(touches),
            Vec::with_capacity(touches),
        );
        let mut walk_position = vec![0u32; order.len()];
        offsets.push(0);
        for (position, &c) in order.iter().enumerate() {
            let range = self.touch_offsets[c as usize] as usize
                ..self.touch_offsets[c as usize + 1] as usize;
            lags.extend_from_slice(&self.lag_secs[range.clone()]);
            sources.extend_from_slice(&self.source_ids[range.clone()]);
            keys.extend_from_slice(&self.keys[range]);
            offsets.push(lags.len() as u32);
            walk_position[c as usize] = position as u32;
        }
        let walk = |c: &u32| &self.conversions[*c as usize];
        self.revenue = order.iter().map(|c| walk(c).revenue).collect();
        self.payable = order.iter().map(|c| walk(c).payable).collect();
        self.coupon_partner = order
            .iter()
            .map(|c| walk(c).coupon_partner.unwrap_or(NO_SOURCE))
            .collect();
        self.touch_offsets = offsets;
        self.lag_secs = lags;
        self.source_ids = sources;
        self.keys = keys;
        self.walk_position = walk_position;
    }

    /// The currencies the conversions are in, sorted ("" when a conversion names none).
    pub fn currencies(&self) -> &[String] {
        &self.currencies
    }

    /// `EUR, USD` when the conversions name more than one currency: revenue summed over
    /// them is a mix, and views say so.
    pub fn mixed_currencies(&self) -> Option<String> {
        let named: Vec<&str> = self
            .currencies
            .iter()
            .filter(|c| !c.is_empty())
            .map(String::as_str)
            .collect();
        (named.len() > 1).then(|| named.join(", "))
    }

    /// The arrays as slices.
    pub(crate) fn hot(&self) -> HotArrays<'_> {
        HotArrays {
            offsets: &self.touch_offsets,
            lags: &self.lag_secs,
            sources: &self.source_ids,
            keys: &self.keys,
            revenue: &self.revenue,
            payable: &self.payable,
            coupon_partner: &self.coupon_partner,
        }
    }

    fn push_candidate(&mut self, conversion: usize, lag_secs: i64, source_id: u32, key: u16) {
        self.close_journeys_up_to(conversion);
        self.lag_secs.push(clamp_lag(lag_secs));
        self.source_ids.push(source_id);
        self.keys.push(key);
    }

    fn shrink_to_fit(&mut self) {
        self.touch_offsets.shrink_to_fit();
        self.lag_secs.shrink_to_fit();
        self.source_ids.shrink_to_fit();
        self.keys.shrink_to_fit();
    }

    /// Ends every journey before conversion `conversion_idx` (rows arrive grouped by it).
    fn close_journeys_up_to(&mut self, conversion_idx: usize) {
        while self.touch_offsets.len() <= conversion_idx {
            self.touch_offsets.push(self.lag_secs.len() as u32);
        }
    }

    /// Bytes the per-touch and per-conversion arrays take (not the source and id strings).
    pub fn heap_bytes(&self) -> usize {
        self.touch_offsets.capacity() * 4
            + self.lag_secs.capacity() * 4
            + self.source_ids.capacity() * 4
            + self.keys.capacity() * 2
            + self.coupon_partner.capacity() * 4
            + self.walk_position.capacity() * 4
    }

    /// Number of candidate touches over all conversions.
    pub fn candidate_touches(&self) -> usize {
        self.lag_secs.len()
    }

    /// The lag, source and key of the touch at `position`.
    pub fn touch(&self, position: usize) -> CandidateTouch {
        CandidateTouch {
            lag_secs: i64::from(self.lag_secs[position]),
            source_id: self.source_ids[position],
            key: TouchKey(self.keys[position]),
        }
    }

    /// The positions of conversion `conversion`'s touches, in time order.
    pub fn touch_range(&self, conversion: usize) -> std::ops::Range<usize> {
        let w = self.walk_position[conversion] as usize;
        self.touch_offsets[w] as usize..self.touch_offsets[w + 1] as usize
    }
}

/// The conversions as the index build needs them, in import order.
struct ConversionColumns {
    facts: Vec<ConversionFacts>,
    sequence: Vec<i64>,
    converted_us: Vec<i64>,
    previous: PreviousConversions,
}

impl ConversionColumns {
    fn read(store: &Store, sources: &[&str]) -> Result<ConversionColumns, StoreError> {
        let rows = store.conversion_rows(sources)?;
        let sequence = rows.iter().map(|r| r.conversion_seq).collect();
        let converted_us: Vec<i64> = rows.iter().map(|r| r.converted_us).collect();
        let identities: Vec<[Option<i64>; 3]> = rows.iter().map(|r| r.identity_hashes).collect();
        let previous = PreviousConversions::new(&identities, &converted_us);
        Ok(ConversionColumns {
            facts: rows.into_iter().map(conversion_from).collect(),
            sequence,
            converted_us,
            previous,
        })
    }
}

/// Every candidate row, column by column, in the order the store delivers them.
#[derive(Default)]
struct CandidateColumns {
    conversion_seq: Vec<i64>,
    touched_us: Vec<i64>,
    source_id: Vec<u32>,
    key: Vec<u16>,
}

impl CandidateColumns {
    fn read(store: &Store, sources: &[&str]) -> Result<CandidateColumns, StoreError> {
        let mut columns = CandidateColumns::default();
        store.for_each_candidate(sources, |row| {
            columns.conversion_seq.push(row.conversion_seq);
            columns.touched_us.push(row.touched_us);
            columns.source_id.push(row.source_id);
            columns.key.push(row.key);
        })?;
        Ok(columns)
    }
}

fn clamp_lag(lag_secs: i64) -> u32 {
    u32::try_from(lag_secs.max(0)).unwrap_or(u32::MAX)
}

/// Every source of the programme, without building the index (what the rules document and
/// the links need).
pub fn sources(store: &Store) -> Result<Vec<Source>, StoreError> {
    Ok(store.source_rows()?.into_iter().map(source_from).collect())
}

fn source_from(row: SourceRow) -> Source {
    Source {
        commission: Commission::from_stored(row.commission_kind.as_deref(), row.commission_value),
        id: row.source,
        name: row.name,
        is_partner: row.is_partner,
    }
}

fn conversion_from(row: ConversionRow) -> ConversionFacts {
    ConversionFacts {
        payable: !matches!(row.status.as_str(), "refunded" | "cancelled"),
        conversion_id: row.conversion_id,
        converted_at_secs: row.converted_at_secs,
        revenue: row.revenue,
        coupon_partner: row.coupon_source_id,
        reported_by: None,
        status: row.status,
        currency: row.currency,
        category: row.category,
        conversion_seq: row.conversion_seq,
        subscription_id: row.subscription_id,
    }
}

/// A large random index for tests of the parallel paths.
#[cfg(test)]
pub(crate) fn random_index(conversions: usize, seed: u64) -> JourneyIndex {
    let sources: Vec<Source> = (0..7)
        .map(|i| Source {
            id: format!("s{i}"),
            name: None,
            is_partner: i % 2 == 0,
            commission: if i % 3 == 0 {
                Commission::Flat(4.5)
            } else {
                Commission::Percent(5.0 + f64::from(i))
            },
        })
        .collect();
    let mut state = seed | 1;
    let mut next = move |modulo: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % modulo
    };
    let journeys: Vec<Vec<CandidateTouch>> = (0..conversions)
        .map(|_| {
            let mut lags: Vec<i64> = (0..next(9)).map(|_| next(80 * 86_400) as i64).collect();
            lags.sort_unstable_by(|a, b| b.cmp(a));
            let reused = if next(5) == 0 { next(4) as usize } else { 0 };
            lags.into_iter()
                .enumerate()
                .map(|(i, lag_secs)| {
                    let links = crate::domain::Methods(1 + next(7) as u8);
                    let browser = crate::domain::BrowserFamily::ALL[next(3) as usize];
                    let key = TouchKey::new(links, browser);
                    CandidateTouch {
                        lag_secs,
                        source_id: next(7) as u32,
                        key: if i < reused {
                            key.used_before(crate::domain::Methods::LINKS)
                        } else {
                            key
                        },
                    }
                })
                .collect()
        })
        .collect();
    let facts = (0..conversions)
        .map(|i| ConversionFacts {
            payable: i % 11 != 0,
            coupon_partner: (i % 13 == 0).then_some((i % 4 * 2) as u32),
            conversion_seq: i as i64,
            ..ConversionFacts::approved(&i.to_string(), 10.0 + (i % 97) as f64)
        })
        .collect();
    JourneyIndex::from_journeys(sources, facts, &journeys)
}
