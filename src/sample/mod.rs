//! A deterministic, realistic sample partner programme written as CSV files.
//!
//! [`write_sample`] writes `partners.csv`, `clicks.csv`, `conversions.csv`, `leads.csv`
//! (partner-reported leads) and `truth.csv` (which partner really sent each conversion and, when
//! first-party-cookie tracking would lose it, the designed leakage cause).
//!
//! The programme launches on 2026-07-01 (UTC), so July has fewer conversions while the first
//! journeys mature, and the export ends with the last requested click, in the evening of
//! 2026-10-31, cutting the journeys still in flight. Every user is one *journey*: a few touches
//! on one or two devices, usually ending in nothing, sometimes in one or two conversions.
//! Journeys start in time order and their rows pass through a time-ordered queue, so every file
//! comes out sorted by time while memory holds only the journeys in flight.
//!
//! Every non-empty `cookie_id` of a conversion appears in `clicks.csv`; about 1 % of the
//! conversions are phone orders with no touch and no cookie. A kept `click_id` is always the
//! latest partner click of the converting cookie or user.
//!
//! `truth.csv` names a `loss_cause` when tracking by first-party cookie alone, with a 30-day
//! window and a 7-day Safari cap, credits no partner although a partner sent the sale:
//! - `cookie_expired`: the only partner click is 31–90 days old (non-Safari, same cookie).
//! - `browser_cap`: the only partner click is a Safari click 7 days + 1 hour to 29 days old.
//! - `device_switch`: the partner click is on the user's phone cookie, the sale on the laptop
//!   cookie; both rows carry the same `user_id`.
//! - `broken_redirect`: the click took 2–3 hops and/or failed landing and has no cookie; the
//!   user (logged in) came back directly on the same device and bought.
//! - `cookie_missing`: the click landed but carries no cookie; the sale is linked by `user_id`
//!   and/or the kept `click_id`.
//! - `direct_after_click`: the click is on another, anonymous device; only the partner's report
//!   (always present) links the sale.
//! - `coupon_only`: no partner click at all, only the partner's coupon on the sale.
//!
//! Every partner-sourced conversion without a cause is credited to its true partner by that
//! cookie rule. No user's device or cookie is shared with another user.

mod calendar;
mod csv;
mod format;
mod planner;
mod rng;
mod rows;
mod stream;
#[cfg(test)]
mod tests;
mod vocabulary;
mod writer;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use csv::write_partners;
use stream::stream_journeys;
use vocabulary::PARTNERS;
use writer::Sink;

/// How big a sample programme to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSpec {
    /// Seed of the random generator: the same seed and size give byte-identical files.
    pub seed: u64,
    /// Rows in `clicks.csv`: partner clicks and non-partner visits together.
    pub clicks: usize,
}

impl Default for SampleSpec {
    /// Seed 42 and 20 000 clicks: the sample that ships with the application.
    fn default() -> Self {
        Self {
            seed: 42,
            clicks: 20_000,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSummary {
    /// Rows in `partners.csv`.
    pub partners: usize,
    /// Rows in `clicks.csv`.
    pub clicks: usize,
    /// Rows in `conversions.csv` (and in `truth.csv`).
    pub conversions: usize,
    /// Rows in `leads.csv`.
    pub leads: usize,
    /// The files written: partners, clicks, conversions, leads and truth, in that order.
    pub files: Vec<PathBuf>,
}

/// Why a sample could not be written.
#[derive(Debug)]
pub enum SampleError {
    /// The output directory could not be created.
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A sample file could not be created or written.
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateDir { path, source } => {
                write!(f, "cannot create directory {}: {source}", path.display())
            }
            Self::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for SampleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CreateDir { source, .. } | Self::Write { source, .. } => Some(source),
        }
    }
}

/// Writes a sample programme of `spec`'s size into `out_dir` (created when missing).
pub fn write_sample(out_dir: &Path, spec: &SampleSpec) -> Result<SampleSummary, SampleError> {
    fs::create_dir_all(out_dir).map_err(|source| SampleError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let partners = write_partners(out_dir)?;
    let mut sink = Sink::create(out_dir, spec)?;
    stream_journeys(spec, &mut sink)?;
    let written = sink.finish()?;
    let mut files = vec![partners];
    files.extend(written.files);
    Ok(SampleSummary {
        partners: PARTNERS.len(),
        clicks: written.clicks,
        conversions: written.conversions,
        leads: written.leads,
        files,
    })
}
