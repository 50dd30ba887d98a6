//! `compare`: credit per source under the chosen models (first-touch, last-touch and linear
//! unless `--models` names others), as CSV for spreadsheets and scripts, JSON, or an aligned
//! table for people.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::args::{ModelList, ModelParamArgs, OutputFormat, RecurringArgs, SettingsArgs};
use super::db::open_existing;
use super::out::{credit_csv, json_text, print_text};
use crate::attribution::{
    AttributionSettings, CreditModel, ModelCredit, ModelParams, Recurring, Renewals, SourceCredit,
    compute_models,
};
use crate::domain::format::{conversions, money, thousands};
use crate::journeys::JourneyIndex;

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// The models, side by side, in this order: any of first, last, linear, position,
    /// time_decay, last_non_direct, markov, shapley (comma-separated).
    #[arg(long, value_name = "LIST", default_value = "first,last,linear",
          value_parser = ModelList::parse)]
    pub models: ModelList,
    #[command(flatten)]
    pub params: ModelParamArgs,
    #[command(flatten)]
    pub recurring: RecurringArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Runs `compare`.
pub(super) fn compare_command(args: CompareArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let started = Instant::now();
    let mut index = JourneyIndex::build(&store).context("building the journey index")?;
    if args.models.0.iter().any(|m| m.is_data_driven()) {
        index
            .read_open_paths(&store)
            .context("reading the journeys that did not convert")?;
    }
    let settings = args.settings.settings();
    let params = args.params.params();
    let mut table = compute_models(&index, &settings, &params, &args.models.0);
    let recurring = args.recurring.binding();
    Renewals::bind(&index, recurring).rebind_credit(&index, &settings, &mut table);
    let rows = table.rows(&index);
    let text = match args.format {
        OutputFormat::Csv => credit_csv(&rows),
        OutputFormat::Json => json_text(&rows)?,
        OutputFormat::Table => {
            let heading = Heading {
                settings: &settings,
                params: &params,
                recurring,
                elapsed: started.elapsed(),
            };
            credit_table(&index, &table, &heading)
        }
    };
    print_text(&text)
}

const SOURCE_WIDTH: usize = 22;
const GROUP_COLUMNS: [(&str, usize); 3] = [("Conv.", 9), ("Revenue", 15), ("Payout", 13)];

fn group_width() -> usize {
    GROUP_COLUMNS.iter().map(|(_, w)| w + 1).sum::<usize>() + 2
}

/// What the table's heading and footer say besides the credit.
struct Heading<'a> {
    settings: &'a AttributionSettings,
    params: &'a ModelParams,
    recurring: Option<Recurring>,
    elapsed: Duration,
}

/// An aligned table with the models as column groups, totals and the unattributed line.
fn credit_table(index: &JourneyIndex, credit: &ModelCredit, heading: &Heading<'_>) -> String {
    let mut out = String::new();
    settings_heading(&mut out, credit, heading.settings);
    parameters_heading(&mut out, &credit.models, heading.params);
    if let Some(recurring) = heading.recurring {
        let _ = writeln!(out, "{}\n", recurring_note(recurring, &credit.models));
    }
    if let Some(currencies) = index.mixed_currencies() {
        let _ = writeln!(
            out,
            "Note: revenue adds up {currencies} without conversion (payouts keep them apart).\n"
        );
    }
    header(&mut out, &credit.models);
    // Sorted by the revenue of last-touch when shown, else of the first model shown.
    let sort_model = if credit.models.contains(&CreditModel::Last) {
        CreditModel::Last
    } else {
        credit.models[0]
    };
    let mut order: Vec<usize> = (0..index.sources.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |s: usize| credit.credit(sort_model, s).revenue;
        key(b)
            .total_cmp(&key(a))
            .then_with(|| index.sources[a].id.cmp(&index.sources[b].id))
    });
    for source in order {
        let cells: Vec<SourceCredit> = credit
            .models
            .iter()
            .map(|&m| credit.credit(m, source))
            .collect();
        line(&mut out, &index.sources[source].id, &cells);
    }
    let rule_width = SOURCE_WIDTH + credit.models.len() * group_width();
    let _ = writeln!(out, "{}", "─".repeat(rule_width));
    let totals: Vec<SourceCredit> = credit
        .models
        .iter()
        .map(|&m| credit.model_total(m))
        .collect();
    line(&mut out, "Total credited", &totals);
    let _ = writeln!(
        out,
        "\nUnattributed: {} conversions, {} revenue (no counted touch)",
        thousands(credit.unattributed.conversions as i64),
        money(credit.unattributed.revenue)
    );
    let _ = writeln!(
        out,
        "Computed over {} candidate touches in {} ms.",
        thousands(index.candidate_touches() as i64),
        heading.elapsed.as_millis()
    );
    out
}

/// The settings and totals above the table.
fn settings_heading(out: &mut String, credit: &ModelCredit, settings: &AttributionSettings) {
    let _ = writeln!(
        out,
        "Cookie window {} · {} · reset after conversion {} · {} conversions, {} revenue\n\
         Tracking: {}\n",
        settings.window.label(),
        if settings.partners_only {
            "partners only"
        } else {
            "all sources"
        },
        if settings.reset_after_conversion {
            "on"
        } else {
            "off"
        },
        thousands(credit.total.conversions as i64),
        money(credit.total.revenue),
        settings.tracking.describe()
    );
}

/// `Recurring: 12 months at 20% — renewals credited as their subscription's first sale` (and
/// which models do not, when others are shown).
pub(super) fn recurring_note(recurring: Recurring, models: &[CreditModel]) -> String {
    let mut text = format!(
        "Recurring: {} at {}: a subscription's renewals are credited as its first sale",
        recurring.term(),
        recurring.rate()
    );
    if models.iter().any(|m| m.classic().is_none()) {
        text += " (first, last and linear; the other models credit renewals by their own touches)";
    }
    text
}

/// One line per shown model that takes parameters, naming them.
fn parameters_heading(out: &mut String, models: &[CreditModel], params: &ModelParams) {
    let mut any = false;
    for model in models {
        let text = match model {
            CreditModel::Position => {
                let [f, m, l] = params.position_weights_pct;
                let two = if params.position_two_touch_proportional {
                    "two touches F : L"
                } else {
                    "two touches F+M/2, L+M/2"
                };
                format!("first {f}% · middle {m}% · last {l}% · {two}")
            }
            CreditModel::TimeDecay => format!(
                "half-life {} hours{}",
                params.half_life_hours,
                if params.time_decay_steps {
                    ", in whole steps"
                } else {
                    ""
                }
            ),
            CreditModel::LastNonDirect => {
                format!("direct channels: {}", params.direct_channels.join(", "))
            }
            CreditModel::Markov => format!(
                "order {}, removal effects solved exactly, journeys without a sale included",
                params.markov_order
            ),
            CreditModel::Shapley => format!(
                "combinations of up to {} sources (the alphabetically last kept)",
                params.shapley_sources()
            ),
            _ => continue,
        };
        let _ = writeln!(out, "{}: {text}", model.label());
        any = true;
    }
    if any {
        out.push('\n');
    }
}

fn header(out: &mut String, models: &[CreditModel]) {
    let _ = write!(out, "{:<SOURCE_WIDTH$}", "");
    for model in models {
        let _ = write!(
            out,
            "  {:<width$}",
            model.label(),
            width = group_width() - 2
        );
    }
    out.push('\n');
    let _ = write!(out, "{:<SOURCE_WIDTH$}", "Source");
    for _ in models {
        out.push_str("  ");
        for (name, width) in GROUP_COLUMNS {
            let _ = write!(out, "{name:>width$} ");
        }
    }
    out.push('\n');
}

fn line(out: &mut String, label: &str, cells: &[SourceCredit]) {
    let label: String = label.chars().take(SOURCE_WIDTH - 1).collect();
    let _ = write!(out, "{label:<SOURCE_WIDTH$}");
    for cell in cells {
        let values = [
            conversions(cell.conversions),
            money(cell.revenue),
            money(cell.payout),
        ];
        out.push_str("  ");
        for ((_, width), value) in GROUP_COLUMNS.iter().zip(values) {
            let _ = write!(out, "{value:>width$} ", width = *width);
        }
    }
    out.push('\n');
}
