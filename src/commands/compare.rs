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
    /// Also write leaderboard.csv and leaderboard.md into this directory.
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
        leaderboard::write(out, &rows, "Leaderboard")?;
        eprintln!("wrote {}", leaderboard::files(out).map(|p| p.display().to_string()).join(" and "));
        if repeated {
            let (_, written) = study::write(out, &settings, "Study over seeds")?;
            eprintln!("wrote {}", written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
        }
    }
    Ok(())
}

