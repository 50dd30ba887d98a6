//! `sample`: the deterministic sample programme as CSV files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::sample::{SampleSpec, write_sample};

/// Arguments of `sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Directory to write the CSV files into (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed; the same seed gives byte-identical files.
    #[arg(long, default_value_t = SampleSpec::default().seed)]
    pub seed: u64,
    /// Number of clicks (touches) to generate.
    #[arg(long, default_value_t = SampleSpec::default().clicks)]
    pub clicks: usize,
}

/// Runs `sample`.
pub(super) fn sample_command(args: SampleArgs) -> Result<ExitCode> {
    let spec = SampleSpec {
        seed: args.seed,
        clicks: args.clicks,
    };
    let summary = write_sample(&args.out, &spec)
        .with_context(|| format!("writing the sample programme to {}", args.out.display()))?;
    println!(
        "wrote {} partners, {} clicks, {} conversions, {} leads to {}",
        summary.partners,
        summary.clicks,
        summary.conversions,
        summary.leads,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
