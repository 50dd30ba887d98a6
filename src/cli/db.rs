//! The programme database a command's `--db` names: opened (with a hint when there is
//! none), and what several commands read from it first.

use std::path::Path;

use anyhow::{Context, Result};

use crate::domain::ProgrammeTimeZone;
use crate::journeys::JourneyIndex;
use crate::programme::import_settings;
use crate::report::{self, ProgrammeFacts};
use crate::store::Store;

/// Opens (or creates) the database at `db`.
pub(super) fn open(db: &Path) -> Result<Store> {
    Store::open(db).with_context(|| format!("opening {}", db.display()))
}

/// Opens an existing database, with a hint when there is none.
pub(crate) fn open_existing(db: &Path) -> Result<Store> {
    if !db.exists() {
        anyhow::bail!(
            "no database at {}: import files first with `partner-attribution import --db {} FILE...`",
            db.display(),
            db.display()
        );
    }
    open(db)
}

/// The journey index and the programme time zone months are cut in.
pub(super) fn index_and_zone(store: &Store) -> Result<(JourneyIndex, ProgrammeTimeZone)> {
    let index = JourneyIndex::build(store).context("building the journey index")?;
    let zone = import_settings(store)
        .context("reading the programme time zone")?
        .time_zone;
    Ok((index, zone))
}

/// The journey index and time zone for payouts under `settings`: when the official model
/// learns from every journey (Markov, Shapley), with the journeys that did not convert.
pub(super) fn payout_index_and_zone(
    store: &Store,
    settings: &crate::payouts::PayoutSettings,
) -> Result<(JourneyIndex, ProgrammeTimeZone)> {
    let (mut index, zone) = index_and_zone(store)?;
    if settings.model.is_data_driven() {
        index
            .read_open_paths(store)
            .context("reading the journeys that did not convert")?;
    }
    Ok((index, zone))
}

/// The programme's partners, link rules and saved scenarios: no journey index needed.
pub(super) fn programme_facts(store: &Store) -> Result<ProgrammeFacts> {
    let sources = crate::journeys::sources(store).context("reading the partners")?;
    report::programme_facts(store, &sources).context("reading the programme")
}
