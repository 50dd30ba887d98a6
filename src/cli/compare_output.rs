//! `compare` output: CSV for spreadsheets and scripts, an aligned table for people.

use std::fmt::Write as _;
use std::time::Duration;

use crate::attribution::{
    AttributionSettings, CookieWindow, CreditRow, CreditTable, Model, SourceCredit, WindowSweep,
};
pub use crate::format::csv_field;
use crate::format::{conversions, csv_number, money, thousands};
use crate::journeys::JourneyIndex;

/// One credit row as CSV fields (no line end).
fn csv_row(row: &CreditRow) -> String {
    format!(
        "{},{},{},{},{}",
        csv_field(&row.source),
        row.model,
        csv_number(row.conversions),
        csv_number(row.revenue),
        csv_number(row.payout)
    )
}

/// `source,model,conversions,revenue,payout` and one row per source and model.
pub fn csv(rows: &[CreditRow]) -> String {
    let mut out = String::from("source,model,conversions,revenue,payout\n");
    for row in rows {
        let _ = writeln!(out, "{}", csv_row(row));
    }
    out
}

fn window_key(window: CookieWindow) -> String {
    match window {
        CookieWindow::Days(days) => days.to_string(),
        CookieWindow::Unlimited => "unlimited".to_owned(),
    }
}

/// `window_days,source,model,conversions,revenue,payout`, one row per window, source, model.
pub fn sweep_csv(index: &JourneyIndex, sweep: &WindowSweep, windows: &[CookieWindow]) -> String {
    let mut out = String::from("window_days,source,model,conversions,revenue,payout\n");
    for &window in windows {
        for row in sweep.table_at(window).rows(index) {
            let _ = writeln!(out, "{},{}", window_key(window), csv_row(&row));
        }
    }
    out
}

/// The same rows as [`sweep_csv`], as a JSON array of objects.
pub fn sweep_json(
    index: &JourneyIndex,
    sweep: &WindowSweep,
    windows: &[CookieWindow],
) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct SweepRow {
        window_days: serde_json::Value,
        #[serde(flatten)]
        credit: CreditRow,
    }
    let rows: Vec<SweepRow> = windows
        .iter()
        .flat_map(|&window| {
            sweep
                .table_at(window)
                .rows(index)
                .into_iter()
                .map(move |credit| SweepRow {
                    window_days: match window {
                        CookieWindow::Days(days) => days.into(),
                        CookieWindow::Unlimited => "unlimited".into(),
                    },
                    credit,
                })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&rows)? + "\n")
}

const SOURCE_WIDTH: usize = 22;
const GROUP_COLUMNS: [(&str, usize); 3] = [("Conv.", 9), ("Revenue", 15), ("Payout", 13)];

fn group_width() -> usize {
    GROUP_COLUMNS.iter().map(|(_, w)| w + 1).sum::<usize>() + 2
}

/// An aligned table with the three models as column groups, totals and the unattributed line.
pub fn table(
    index: &JourneyIndex,
    credit: &CreditTable,
    settings: &AttributionSettings,
    elapsed: Duration,
) -> String {
    let mut out = String::new();
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
    if let Some(currencies) = index.mixed_currencies() {
        let _ = writeln!(
            out,
            "Note: revenue adds up {currencies} without conversion (payouts keep them apart).\n"
        );
    }
    header(&mut out);
    let mut order: Vec<usize> = (0..index.sources.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |s: usize| credit.credit(Model::Last, s).revenue;
        key(b)
            .total_cmp(&key(a))
            .then_with(|| index.sources[a].id.cmp(&index.sources[b].id))
    });
    for source in order {
        let cells = Model::ALL.map(|m| credit.credit(m, source));
        line(&mut out, &index.sources[source].id, &cells);
    }
    let _ = writeln!(out, "{}", "─".repeat(SOURCE_WIDTH + 3 * group_width()));
    line(
        &mut out,
        "Total credited",
        &Model::ALL.map(|m| credit.model_total(m)),
    );
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
        elapsed.as_millis()
    );
    out
}

fn header(out: &mut String) {
    let _ = write!(out, "{:<SOURCE_WIDTH$}", "");
    for model in Model::ALL {
        let _ = write!(
            out,
            "  {:<width$}",
            model.label(),
            width = group_width() - 2
        );
    }
    out.push('\n');
    let _ = write!(out, "{:<SOURCE_WIDTH$}", "Source");
    for _ in Model::ALL {
        out.push_str("  ");
        for (name, width) in GROUP_COLUMNS {
            let _ = write!(out, "{name:>width$} ");
        }
    }
    out.push('\n');
}

fn line(out: &mut String, label: &str, cells: &[SourceCredit; 3]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_safe_in_spreadsheets() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("Smith, Jones"), "\"Smith, Jones\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("Paid Search"), "Paid Search");
    }
}
