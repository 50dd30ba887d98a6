//! `rules`: the partner-facing rules document (HTML or Markdown) from the current settings,
//! each rule with a worked example computed by the engine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::args::PayoutRulesArgs;
use super::db::{open_existing, programme_facts};
use crate::audit::DEFAULT_TOLERANCE_DAYS;
use crate::report::{self, RulesInput};

/// Arguments of `rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// Where to write the document: `.html` (one self-contained page) or `.md`.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The programme's name, as partners know it.
    #[arg(long, value_name = "NAME", default_value = "Partner programme")]
    pub programme: String,
    /// The shop address links point to (the address in the clicks data by default).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Days between a reported lead and the sale it names, at most.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE_DAYS)]
    pub tolerance_days: u32,
    #[command(flatten)]
    pub rules: PayoutRulesArgs,
}

/// Runs `rules`.
pub(super) fn rules_command(args: RulesArgs) -> Result<ExitCode> {
    let html = is_html(&args.out)?;
    let store = open_existing(&args.db)?;
    let facts = programme_facts(&store)?;
    let input = RulesInput {
        programme: args.programme.clone(),
        payout: args.rules.payout_settings(),
        tolerance_days: args.tolerance_days,
        link_rules: facts.link_rules,
        base_url: args.base_url.clone().unwrap_or(facts.base_url),
        partners: facts.partners,
        time_zone: facts.time_zone,
        date: chrono::Local::now().date_naive(),
        saved: facts.saved,
    };
    let document = report::rules_document(&input).context("computing the worked examples")?;
    let text = if html {
        report::to_html(&document)
    } else {
        report::to_markdown(&document)
    };
    std::fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {} ({} rules, {} worked examples, settings fingerprint {})",
        args.out.display(),
        document.sections.len(),
        document
            .sections
            .iter()
            .map(|s| s.examples.len())
            .sum::<usize>(),
        document.fingerprint
    );
    Ok(ExitCode::SUCCESS)
}

/// Whether `out` names an HTML document (`.html`, `.htm`) rather than Markdown (`.md`,
/// `.markdown`); any other name is refused.
fn is_html(out: &Path) -> Result<bool> {
    match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm") => Ok(true),
        Some(e) if e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown") => Ok(false),
        _ => bail!(
            "cannot tell the format of {}: expected a file ending in .html or .md",
            out.display()
        ),
    }
}
