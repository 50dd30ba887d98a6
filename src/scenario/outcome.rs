//! A scenario judged: played into a scratch in-memory database, indexed and credited by the
//! same code as real data, and every touch explained.

use super::{KnownPartner, SCENARIO_START_SECS, Scenario, ScenarioRecords};
use crate::attribution::{
    AttributionSettings, CreditModel, CreditRow, ModelParams, SaleSplit, TouchVerdict,
    compute_credit, compute_models, touch_shares,
};
use crate::explain::{self, Explanation};
use crate::journeys::JourneyIndex;
use crate::store::{Store, StoreError, TouchRecord};

/// One touch of the scenario as seen from one purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct TouchLine {
    /// `day 3, 14:00`.
    pub when: String,
    /// Partner id or channel.
    pub source: String,
    /// Whether the source is a partner.
    pub is_partner: bool,
    /// Whether it counts for the purchase under the settings.
    pub counts: bool,
    /// Why it counts or not: `alpha's click, 64 days before the sale, is outside the 60-day
    /// window.`
    pub sentence: String,
}

/// One purchase of the scenario, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionOutcome {
    /// The engine's explanation of its candidate touches, credit and leak.
    pub explanation: Explanation,
    /// Every touch before the purchase, linked or not, oldest first.
    pub touches: Vec<TouchLine>,
    /// What the coupon did, and the leak when a partner's evidence earns nothing.
    pub notes: Vec<String>,
    /// Per model beyond first, last and linear that was asked for, the sources credited and
    /// their share of this purchase (Markov and Shapley: the split payouts use).
    pub other_credit: Vec<(CreditModel, Vec<(String, f64)>)>,
}

impl ConversionOutcome {
    /// The sources `model` credits for this purchase and their shares; `None` for a model
    /// not asked for.
    pub fn shares(&self, model: impl Into<CreditModel>) -> Option<&[(String, f64)]> {
        let model = model.into();
        match model.classic() {
            Some(classic) => self
                .explanation
                .credit
                .iter()
                .find(|(m, _)| *m == classic)
                .map(|(_, shares)| shares.as_slice()),
            None => self
                .other_credit
                .iter()
                .find(|(m, _)| *m == model)
                .map(|(_, shares)| shares.as_slice()),
        }
    }

    /// The credit of `model` as words: `alpha 0.50, organic 0.50`.
    pub fn credit_words(&self, model: impl Into<CreditModel>) -> String {
        self.shares(model)
            .map(explain::share_words)
            .unwrap_or_default()
    }

    /// The share of `source` under `model` (0 when not credited).
    pub fn share(&self, model: impl Into<CreditModel>, source: &str) -> f64 {
        self.shares(model)
            .unwrap_or_default()
            .iter()
            .filter(|(s, _)| s == source)
            .map(|(_, share)| share)
            .sum()
    }
}

/// A whole scenario judged under one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioOutcome {
    /// Each purchase, in timeline order.
    pub conversions: Vec<ConversionOutcome>,
    /// Credit per source and model over all purchases (first, last and linear, or the models
    /// asked for with [`run_models`]), sources credited nothing left out.
    pub credit: Vec<CreditRow>,
    /// The scenario's journey index, for whatever else asks about it (payouts, audit).
    pub index: JourneyIndex,
}

impl ScenarioOutcome {
    /// The credit row of `source` under `model`.
    pub fn credit(&self, model: impl Into<CreditModel>, source: &str) -> Option<&CreditRow> {
        let key = model.into().key();
        self.credit
            .iter()
            .find(|r| r.model == key && r.source == source)
    }
}

/// Judges `scenario` under `settings`; `known` are the programme's partners.
pub fn run(
    scenario: &Scenario,
    settings: &AttributionSettings,
    known: &[KnownPartner],
) -> Result<ScenarioOutcome, StoreError> {
    let (store, index, records) = scratch(scenario, known)?;
    let credit = compute_credit(&index, settings).rows(&index);
    judge(&store, index, &records, settings, credit, None)
}

/// Judges `scenario` under `settings` as [`run`] does, its credit table under `models` (any
/// of the eight, with `params`) and each purchase also split by the per-sale ones among them.
/// Markov and Shapley learn from the scenario's own journeys, those without a purchase
/// included.
pub fn run_models(
    scenario: &Scenario,
    settings: &AttributionSettings,
    known: &[KnownPartner],
    params: &ModelParams,
    models: &[CreditModel],
) -> Result<ScenarioOutcome, StoreError> {
    let (store, mut index, records) = scratch(scenario, known)?;
    if models.iter().any(|m| m.is_data_driven()) {
        index.read_open_paths(&store)?;
    }
    let credit = compute_models(&index, settings, params, models).rows(&index);
    judge(
        &store,
        index,
        &records,
        settings,
        credit,
        Some((params, models)),
    )
}

/// Explains each purchase of the scenario played into `store` and puts the outcome together;
/// `others`: the parameters and models whose per-sale shares each purchase lists.
fn judge(
    store: &Store,
    index: JourneyIndex,
    records: &ScenarioRecords,
    settings: &AttributionSettings,
    credit: Vec<CreditRow>,
    others: Option<(&ModelParams, &[CreditModel])>,
) -> Result<ScenarioOutcome, StoreError> {
    let mut conversions = Vec::new();
    for conversion in &records.conversions {
        if let Some(explanation) =
            explain::explain(store, &index, settings, &conversion.conversion_id)?
        {
            let touches = touch_lines(records, conversion.converted_at_secs, &explanation);
            let other_credit = others.map_or_else(Vec::new, |(params, models)| {
                per_sale_credit(&index, settings, params, models, &conversion.conversion_id)
            });
            conversions.push(ConversionOutcome {
                notes: notes(&explanation),
                explanation,
                touches,
                other_credit,
            });
        }
    }
    Ok(ScenarioOutcome {
        conversions,
        credit: credit.into_iter().filter(|r| r.conversions > 0.0).collect(),
        index,
    })
}

/// Per model of `models` that splits a sale by its own touches (beyond first, last and
/// linear), the sources it credits for conversion `conversion_id` and their shares, in the
/// order of their first counted touch.
fn per_sale_credit(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
    conversion_id: &str,
) -> Vec<(CreditModel, Vec<(String, f64)>)> {
    let Some(c) = index
        .conversions
        .iter()
        .position(|f| f.conversion_id == conversion_id)
    else {
        return Vec::new();
    };
    let mut credit = Vec::new();
    for &model in models.iter().filter(|m| m.classic().is_none()) {
        let mut shares: Vec<(String, f64)> = Vec::new();
        if let Some(touches) = touch_shares(index, settings, params, model, c) {
            for touch in touches {
                let source = &index.sources[touch.source as usize].id;
                match shares.iter_mut().find(|(s, _)| s == source) {
                    Some((_, share)) => *share += touch.share,
                    None => shares.push((source.clone(), touch.share)),
                }
            }
        } else {
            // Markov and Shapley: the split payouts use, by what they learnt from every
            // journey of the scenario.
            let split = SaleSplit::new(index, settings, model, params);
            shares.extend(split.shares(c).into_iter().map(|share| {
                (
                    index.sources[share.source as usize].id.clone(),
                    share.fraction(),
                )
            }));
        }
        shares.retain(|(_, share)| *share > 0.0);
        credit.push((model, shares));
    }
    credit
}

/// The scenario played into a scratch in-memory database, and its journey index.
fn scratch(
    scenario: &Scenario,
    known: &[KnownPartner],
) -> Result<(Store, JourneyIndex, ScenarioRecords), StoreError> {
    let records = scenario.records(known);
    let store = Store::open_in_memory()?;
    store.insert_records(&records.partners, &records.touches, &records.conversions)?;
    let index = JourneyIndex::build(&store)?;
    Ok((store, index, records))
}

/// Every touch at or before the purchase: the engine's verdict for those an identity links,
/// and "not linked" for the rest.
fn touch_lines(
    records: &ScenarioRecords,
    converted_at_secs: i64,
    explanation: &Explanation,
) -> Vec<TouchLine> {
    records
        .touches
        .iter()
        .enumerate()
        .filter(|(_, t)| t.touched_at_secs <= converted_at_secs)
        .map(|(i, touch)| {
            let explained = explanation
                .touches
                .iter()
                .find(|e| touch_number(&e.detail.file_line) == Some(i));
            let (counts, reason) = match explained {
                Some(e) => (e.verdict == TouchVerdict::Counts, e.reason.clone()),
                None => (false, not_linked_reason(touch)),
            };
            TouchLine {
                when: when(touch.touched_at_secs),
                source: touch.source.clone(),
                is_partner: touch.partner_id.is_some(),
                counts,
                sentence: format!("{} — {reason}", touch_name(touch)),
            }
        })
        .collect()
}

/// The coupon and the leak, as sentences.
fn notes(explanation: &Explanation) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some((partner, what)), Some(code)) =
        (&explanation.coupon, &explanation.conversion.coupon_code)
    {
        notes.push(format!("{partner}'s coupon {code} — {what}."));
    }
    if let Some((partner, cause, _)) = &explanation.leak {
        notes.push(format!(
            "Leaked: {partner} sent this sale but earns nothing ({}).",
            cause.label().to_lowercase()
        ));
    }
    notes
}

/// The touch's position from the line the scratch database gave it (line = position + 2).
fn touch_number(file_line: &str) -> Option<usize> {
    let line: usize = file_line.rsplit(':').next()?.parse().ok()?;
    line.checked_sub(2)
}

fn when(secs: i64) -> String {
    super::clock_words((secs - SCENARIO_START_SECS).div_euclid(60))
}

/// `alpha's click on phone · Safari` or `organic visit on laptop · Chrome`.
fn touch_name(touch: &TouchRecord) -> String {
    let place = format!(
        "{} · {}",
        touch.device_id.as_deref().unwrap_or("?"),
        touch.browser.as_deref().unwrap_or("?")
    );
    if touch.partner_id.is_some() {
        format!("{}'s click on {place}", touch.source)
    } else {
        format!("{} visit on {place}", touch.source)
    }
}

fn not_linked_reason(touch: &TouchRecord) -> String {
    let logged = if touch.user_id.is_some() {
        "the purchase was not made logged in"
    } else {
        "the prospect was not logged in"
    };
    format!(
        "Does not count: no identity links it to this purchase (its cookie is not the \
         purchase's — another device or browser, or cookies cleared since — and {logged})."
    )
}
