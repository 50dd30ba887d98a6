//! Documents written from the programme's settings: the partner-facing rules document.

mod render;
mod rules;

pub use render::{html_escape, markdown_escape, to_html, to_markdown};
pub use rules::{
    PartnerInfo, RulesDocument, RulesInput, Section, WorkedExample, known_partners, rules_document,
};

use crate::domain::ProgrammeTimeZone;
use crate::domain::links::LinkRules;
use crate::journeys::Source;
use crate::programme::import_settings;
use crate::scenario::Scenario;
use crate::store::{Store, StoreError};

/// The shop address used when the clicks carry no URLs.
pub const FALLBACK_BASE_URL: &str = "https://shop.example.com/";

/// What the programme's data says that the rules document and the links need.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeFacts {
    /// Registered partners (and partner sources seen in clicks).
    pub partners: Vec<PartnerInfo>,
    /// The address partner links most often point to.
    pub base_url: String,
    /// The referral parameters the programme reads.
    pub link_rules: LinkRules,
    /// The programme time zone.
    pub time_zone: ProgrammeTimeZone,
    /// Scenarios saved in the database (those that no longer read are left out).
    pub saved: Vec<Scenario>,
    /// The partners' payout details, for the payment file.
    pub payout_details: Vec<crate::store::PayoutDetails>,
}

/// Reads the partners, link address, referral parameters and time zone of a programme.
pub fn programme_facts(store: &Store, sources: &[Source]) -> Result<ProgrammeFacts, StoreError> {
    let settings = import_settings(store)?;
    let partners = sources
        .iter()
        .filter(|s| s.is_partner)
        .map(|s| PartnerInfo {
            partner_id: s.id.clone(),
            name: s.name.clone(),
            commission: s.commission,
        })
        .collect();
    Ok(ProgrammeFacts {
        partners,
        base_url: store
            .partner_link_base()?
            .unwrap_or_else(|| FALLBACK_BASE_URL.to_owned()),
        link_rules: settings.links,
        time_zone: settings.time_zone,
        saved: crate::scenario::from_saved(&store.saved_scenarios()?),
        payout_details: store.payout_details()?,
    })
}
