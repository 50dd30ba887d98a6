//! The monthly audit of partner-reported leads against what our records credit.
//!
//! Each lead the partner reports is matched to a conversion by reference (conversion id or
//! user id, trimmed and case-folded, within a date tolerance; the store does the matching).
//! Under the official payout settings and model, the lead is then *credited to the reporting
//! partner* (it gets all or part of the credit), *credited to another partner*, *not credited*
//! (with the leakage cause when known), or *not found in our records*.

use serde::Serialize;

use crate::attribution::Renewals;
use crate::domain::ProgrammeTimeZone;
use crate::journeys::JourneyIndex;
use crate::leakage::{Cause, analyse_one};
use crate::payouts::PayoutSettings;
use crate::store::LeadMatch;

/// Days between a reported lead and its conversion, at most, unless set otherwise (the same
/// tolerance the journey index uses for leakage evidence).
pub const DEFAULT_TOLERANCE_DAYS: u32 = crate::store::LEAD_MATCH_DAYS;

/// What became of one reported lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadVerdict {
    /// The reporting partner gets all or part of the credit.
    CreditedToReporter,
    /// Another partner gets the credit (its id).
    CreditedToOther(String),
    /// No partner gets the credit; the leakage cause when known.
    NotCredited(Option<Cause>),
    /// A non-partner channel takes the credit under the official model (its name).
    TakenByChannel(String),
    /// No conversion matches the reference within the tolerance.
    NotFound,
}

/// The audit categories, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Credited to the reporting partner.
    CreditedToReporter,
    /// Credited to another partner.
    CreditedToOther,
    /// Not credited.
    NotCredited,
    /// Not found in our records.
    NotFound,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 4] = [
        Category::CreditedToReporter,
        Category::CreditedToOther,
        Category::NotCredited,
        Category::NotFound,
    ];

    /// The name in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Category::CreditedToReporter => "credited_to_reporter",
            Category::CreditedToOther => "credited_to_other",
            Category::NotCredited => "not_credited",
            Category::NotFound => "not_found",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Category::CreditedToReporter => "Credited to them",
            Category::CreditedToOther => "Credited to another partner",
            Category::NotCredited => "Not credited",
            Category::NotFound => "Not in our records",
        }
    }
}

impl LeadVerdict {
    /// The verdict's category.
    pub fn category(&self) -> Category {
        match self {
            LeadVerdict::CreditedToReporter => Category::CreditedToReporter,
            LeadVerdict::CreditedToOther(_) => Category::CreditedToOther,
            LeadVerdict::NotCredited(_) | LeadVerdict::TakenByChannel(_) => Category::NotCredited,
            LeadVerdict::NotFound => Category::NotFound,
        }
    }

    /// What the verdict says, for lists: `credited to dealhunter`, `not credited: cookie_expired`.
    pub fn detail(&self) -> String {
        match self {
            LeadVerdict::CreditedToReporter => "credited to the reporting partner".to_owned(),
            LeadVerdict::CreditedToOther(partner) => format!("credited to {partner}"),
            LeadVerdict::NotCredited(Some(cause)) => format!("not credited: {}", cause.key()),
            LeadVerdict::NotCredited(None) => "not credited".to_owned(),
            LeadVerdict::TakenByChannel(channel) => {
                format!("not credited: {channel} takes the credit under this model")
            }
            LeadVerdict::NotFound => "not found in our records".to_owned(),
        }
    }
}

/// One audited lead.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditedLead {
    /// The lead as reported and matched.
    pub lead: LeadMatch,
    /// The month it was reported in (programme time zone).
    pub month: String,
    /// The matched conversion's id.
    pub conversion_id: Option<String>,
    /// What became of it.
    pub verdict: LeadVerdict,
    /// The amount at stake: the lead's amount, else the conversion's revenue.
    pub amount: f64,
}

/// Audits every lead under the official settings.
pub fn audit(
    index: &JourneyIndex,
    settings: &PayoutSettings,
    leads: Vec<LeadMatch>,
    zone: ProgrammeTimeZone,
) -> Vec<AuditedLead> {
    let split = settings.sale_split(index);
    let renewals = Renewals::bind(index, settings.rules.recurring);
    let position = |seq: i64| {
        index
            .conversions
            .binary_search_by_key(&seq, |c| c.conversion_seq)
            .ok()
    };
    leads
        .into_iter()
        .map(|lead| {
            let month = zone.month_of(lead.reported_at_secs);
            let Some(c) = lead.conversion_seq.and_then(position) else {
                let amount = lead.amount.unwrap_or(0.0);
                return AuditedLead {
                    lead,
                    month,
                    conversion_id: None,
                    verdict: LeadVerdict::NotFound,
                    amount,
                };
            };
            // A bound renewal is credited as its subscription's first sale.
            let sources: Vec<&crate::journeys::Source> = split
                .shares(renewals.credited_as(c))
                .iter()
                .map(|s| &index.sources[s.source as usize])
                .collect();
            let credited: Vec<&str> = sources
                .iter()
                .filter(|s| s.is_partner)
                .map(|s| s.id.as_str())
                .collect();
            let verdict = if credited.contains(&lead.partner_id.as_str()) {
                LeadVerdict::CreditedToReporter
            } else if let Some(other) = credited.first() {
                LeadVerdict::CreditedToOther((*other).to_owned())
            } else if let Some(cause) = analyse_one(index, &settings.attribution, c) {
                LeadVerdict::NotCredited(Some(cause.cause))
            } else if let Some(channel) = sources.first() {
                LeadVerdict::TakenByChannel(channel.id.clone())
            } else {
                LeadVerdict::NotCredited(None)
            };
            let facts = &index.conversions[c];
            AuditedLead {
                amount: lead.amount.unwrap_or(facts.revenue),
                conversion_id: Some(facts.conversion_id.clone()),
                lead,
                month,
                verdict,
            }
        })
        .collect()
}

/// Leads and their amounts in one category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Leads.
    pub leads: u64,
    /// Their amounts.
    pub amount: f64,
}

/// One row of the monthly table: a month, a partner, and a tally per category.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyRow {
    /// `2026-10`.
    pub month: String,
    /// The reporting partner.
    pub partner_id: String,
    /// `tallies[category as usize]`.
    pub tallies: [Tally; 4],
}

/// The monthly table per partner, by month then partner.
pub fn monthly(audited: &[AuditedLead]) -> Vec<MonthlyRow> {
    let mut rows: std::collections::BTreeMap<(String, String), [Tally; 4]> = Default::default();
    for lead in audited {
        let key = (lead.month.clone(), lead.lead.partner_id.clone());
        let tally = &mut rows.entry(key).or_default()[lead.verdict.category() as usize];
        tally.leads += 1;
        tally.amount += lead.amount;
    }
    rows.into_iter()
        .map(|((month, partner_id), tallies)| MonthlyRow {
            month,
            partner_id,
            tallies,
        })
        .collect()
}
