//! `links`: one tracking link per partner (utm_source, utm_medium=partner, utm_campaign).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;

use super::args::OutputFormat;
use super::db::{open_existing, programme_facts};
use crate::domain::format::csv_field;
use crate::domain::links::{self, LinkRules};

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

/// Runs `links`.
pub(super) fn links_command(args: LinksArgs) -> Result<ExitCode> {
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
    let rows: Vec<LinkRow> = facts
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
        OutputFormat::Json => print_json(&rows, &args.campaign)?,
        _ => print_csv(&rows, &args.campaign),
    }
    Ok(ExitCode::SUCCESS)
}

/// Partner id, name and link, one per partner.
type LinkRow = (String, String, String);

/// The links as a JSON array of objects.
fn print_json(rows: &[LinkRow], campaign: &str) -> Result<()> {
    let list: Vec<_> = rows
        .iter()
        .map(|(id, name, link)| {
            json!({"partner_id": id, "partner_name": name, "utm_source": id,
                   "utm_medium": links::PARTNER_MEDIUM, "utm_campaign": campaign,
                   "link": link})
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&list)?);
    Ok(())
}

/// The links as CSV with a header row.
fn print_csv(rows: &[LinkRow], campaign: &str) {
    println!("partner_id,partner_name,utm_source,utm_medium,utm_campaign,link");
    for (id, name, link) in rows {
        println!(
            "{},{},{},{},{},{}",
            csv_field(id),
            csv_field(name),
            csv_field(id),
            links::PARTNER_MEDIUM,
            csv_field(campaign),
            csv_field(link)
        );
    }
}
