//! `digitlab compare`: the leaderboard of any runs and sweeps.

use std::path::PathBuf;
use anyhow::{Context, Result};
use clap::Args;

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
    use crate::experiments::{leaderboard, study};
    let listing = rundir::list(&cmd.dirs)?;
    for line in listing.skipped_lines() {
        eprintln!("{line}");
    }
    let rows = leaderboard::rows(&listing.runs);
    print!("{}", leaderboard::to_markdown(&rows));
    let settings = study::of_runs(&listing.runs);
    let repeated = study::seeds_repeat(&settings);
    if repeated {
        print!("\nStudy over seeds (mean of each setting's runs):\n\n{}", study::to_markdown(&settings));
    }
    if let Some(out) = &cmd.out {
        std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
        let mut files = leaderboard::contents(&rows, "Leaderboard")?;
        if repeated {
            files.extend(study::contents(&settings, "Study over seeds")?);
        }
        // As `train --out` never writes over a run: what is replaced here is digitlab's own unchanged table.
        let advice = || format!("digitlab never replaces a file you changed or made: choose another --out, or move those out of {}", out.display());
        let written = rundir::owned::write_files(out, &files, advice)?;
        eprintln!("wrote {}", written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    Ok(())
}

