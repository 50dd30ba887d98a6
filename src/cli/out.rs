//! Output helpers several commands share: a credit row as CSV, pretty JSON, exit codes.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::attribution::CreditRow;
use crate::domain::format::{csv_field, csv_number};

/// One credit row as CSV fields (no line end): source, model, conversions, revenue, payout.
pub(super) fn credit_csv_row(row: &CreditRow) -> String {
    format!(
        "{},{},{},{},{}",
        csv_field(&row.source),
        row.model,
        csv_number(row.conversions),
        csv_number(row.revenue),
        csv_number(row.payout)
    )
}

/// `source,model,conversions,revenue,payout` and one row per source and model: what `compare`
/// and `warehouse run` print.
pub(super) fn credit_csv(rows: &[CreditRow]) -> String {
    let mut out = String::from("source,model,conversions,revenue,payout\n");
    for row in rows {
        out += &credit_csv_row(row);
        out.push('\n');
    }
    out
}

/// `value` as indented JSON ending in a line break.
pub(super) fn json_text(value: &impl Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Prints a command's whole output as it is and reports success.
pub(super) fn print_text(text: &str) -> Result<ExitCode> {
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Failure when anything `failed`, success otherwise.
pub(super) fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
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
