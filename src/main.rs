//! The `partner-attribution` binary: no arguments opens the window, subcommands run headless.

use std::process::ExitCode;

fn main() -> ExitCode {
    partner_attribution::cli::main(partner_attribution::ui::run)
}
