//! `rules` and `links`: the partner-facing rules document and every partner's tracking link.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::payout_cmd::PayoutRulesArgs;
use super::{OutputFormat, open_existing};
use crate::audit::DEFAULT_TOLERANCE_DAYS;
use crate::format::csv_field;
use crate::links::{self, LinkRules};
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

/// Arguments of `links`.
#[derive(Debug, clap::Args)]
pub struct LinksArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The shop address links point to, e.g. https://shop.example.com/.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// The referral parameter naming the partner (the programme's first one by default).
    #[arg(long, value_name = "NAME")]
    pub param: Option<String>,
    /// The `utm_campaign` of every link.
    #[arg(long, value_name = "C", default_value = links::DEFAULT_CAMPAIGN)]
    pub campaign: String,
    /// Output format (csv or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
}

/// Runs `rules`.
pub fn rules_command(args: RulesArgs) -> Result<ExitCode> {
    let html = match args.out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm") => true,
        Some(e) if e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown") => false,
        _ => bail!(
            "cannot tell the format of {}: expected a file ending in .html or .md",
            args.out.display()
        ),
    };
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

/// The programme's partners, link rules and saved scenarios: no journey index needed.
fn programme_facts(store: &crate::store::Store) -> Result<report::ProgrammeFacts> {
    let sources = crate::journeys::sources(store).context("reading the partners")?;
    report::programme_facts(store, &sources).context("reading the programme")
}

/// Runs `links`.
pub fn links_command(args: LinksArgs) -> Result<ExitCode> {
    if !(args.base_url.starts_with("https://") || args.base_url.starts_with("http://")) {
        bail!(
            "--base-url '{}' is not a web address: expected one starting with https://",
            args.base_url
        );
    }
    let store = open_existing(&args.db)?;
    let facts = programme_facts(&store)?;
    let param = match &args.param {
        Some(p) => LinkRules::parse(p).ref_params[0].clone(),
        None => facts.link_rules.ref_params[0].clone(),
    };
    let rows: Vec<(String, String, String)> = facts
        .partners
        .iter()
        .map(|p| {
            let link = links::build_link(&args.base_url, &param, &p.partner_id, &args.campaign);
            (
                p.partner_id.clone(),
                p.name.clone().unwrap_or_default(),
                link,
            )
        })
        .collect();
    match args.format {
        OutputFormat::Json => {
            let list: Vec<_> = rows
                .iter()
                .map(|(id, name, link)| {
                    json!({"partner_id": id, "partner_name": name, "utm_source": id,
                           "utm_medium": links::PARTNER_MEDIUM, "utm_campaign": args.campaign,
                           "link": link})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        _ => {
            println!("partner_id,partner_name,utm_source,utm_medium,utm_campaign,link");
            for (id, name, link) in &rows {
                println!(
                    "{},{},{},{},{},{}",
                    csv_field(id),
                    csv_field(name),
                    csv_field(id),
                    links::PARTNER_MEDIUM,
                    csv_field(&args.campaign),
                    csv_field(link)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
