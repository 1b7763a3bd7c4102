//! `digitlab compare`: the leaderboard of any runs and sweeps.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::experiments::{leaderboard, study};
use crate::rundir;

#[derive(Debug, Args)]
pub struct CompareCmd {
    /// Run directories or sweep directories (whose subdirectories are runs).
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Also write leaderboard.csv and leaderboard.md (and the study over seeds) into this directory; a file
    /// there that digitlab did not write, or that was changed since, is never replaced.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(cmd: &CompareCmd) -> Result<()> {
    let listing = rundir::list(&cmd.dirs)?;
    for line in listing.skipped_lines() {
        eprintln!("{line}");
    }
    let rows = leaderboard::rows(&listing.runs);
    let settings = study::of_runs(&listing.runs);
    let repeated = study::seeds_repeat(&settings);
    // The files first: with its output piped into `head`, the command ends at its first line printed
    // after the reader has gone (signals.rs), and the tables asked for must be written by then.
    let written = match &cmd.out {
        Some(out) => Some(write_tables(out, &rows, repeated.then_some(&settings[..]))?),
        None => None,
    };
    print!("{}", leaderboard::to_markdown(&rows));
    if repeated {
        print!("\nStudy over seeds (mean of each setting's runs):\n\n{}", study::to_markdown(&settings));
    }
    if let Some(written) = written {
        eprintln!("wrote {}", written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    Ok(())
}

/// The leaderboard (and the study over seeds, when given: runs repeat a setting) as files in `out`.
fn write_tables(out: &Path, rows: &[leaderboard::Row], seeds: Option<&[study::Row]>) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let mut files = leaderboard::contents(rows, "Leaderboard")?;
    if let Some(seeds) = seeds {
        files.extend(study::contents(seeds, "Study over seeds")?);
    }
    // As `train --out` never writes over a run: what is replaced here is digitlab's own unchanged table.
    let advice = || format!("digitlab never replaces a file you changed or made: choose another --out, or move those out of {}", out.display());
    rundir::owned::write_files(out, &files, advice)
}
