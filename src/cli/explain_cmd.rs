//! `explain`: one conversion's candidate touches, which counted and why, and its credit per
//! model.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::SettingsArgs;
use super::db::open_existing;
use super::out::print_text;
use crate::explain::{
    Explanation, age, conversion_heading, explain, identity_words, link_words, redirect_words,
    share_words,
};
use crate::journeys::JourneyIndex;

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The conversion id to explain.
    #[arg(long, value_name = "ID")]
    pub conversion: String,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// Runs `explain`.
pub(super) fn explain_command(args: ExplainArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let index = JourneyIndex::build(&store).context("building the journey index")?;
    let settings = args.settings.settings();
    let Some(explanation) =
        explain(&store, &index, &settings, &args.conversion).context("reading the conversion")?
    else {
        anyhow::bail!(
            "no conversion `{}` in {}",
            args.conversion,
            args.db.display()
        );
    };
    print_text(&explanation_text(&explanation))
}

/// The explanation as text for people.
fn explanation_text(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Conversion {}", conversion_heading(&e.conversion));
    let _ = writeln!(out, "Identities: {}\n", identity_words(&e.conversion));
    let _ = writeln!(
        out,
        "Candidate touches ({}), oldest first:",
        e.touches.len()
    );
    for t in &e.touches {
        let d = &t.detail;
        let _ = writeln!(
            out,
            "  {}  {:<14} {:>14} before  via {:<22} {:<8} {:<24} {}",
            d.touched_at,
            d.source,
            age(t.lag_secs),
            link_words(t.links),
            d.browser.as_deref().unwrap_or("-"),
            redirect_words(d),
            d.file_line
        );
        let _ = writeln!(out, "      {}", t.reason);
    }
    if let Some((partner, what)) = &e.coupon {
        let _ = writeln!(out, "Coupon of {partner}: {what}.");
    }
    if let Some(partner) = &e.reported_by {
        let _ = writeln!(out, "Reported as a lead by {partner}.");
    }
    let _ = writeln!(out, "\nCredit:");
    for (model, shares) in &e.credit {
        let _ = writeln!(out, "  {:<12} {}", model.label(), share_words(shares));
    }
    if let Some((partner, cause, causes)) = &e.leak {
        let all: Vec<&str> = causes.iter().map(|c| c.key()).collect();
        let _ = writeln!(
            out,
            "\nLeaked: {partner} sent it, no partner is credited. Cause: {} (all: {}).",
            cause.key(),
            all.join(", ")
        );
    }
    out
}
