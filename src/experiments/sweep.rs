//! `digitlab sweep`: runs a grid one run after another into one sweep directory, resumable and
//! shardable, then writes the leaderboard from every run directory present.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::grid::{Grid, Shard};
use super::leaderboard;
use crate::export::write_atomic;
use crate::headless;

/// What `sweep.json` records: the grid and the data it ran on, so `--resume DIR` needs no flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    pub grid: Grid,
    pub data: Option<PathBuf>,
}

pub const SPEC_FILE: &str = "sweep.json";

/// A run is done when its summary says it completed; anything else (absent, interrupted, running)
/// is run again on resume.
pub fn is_completed(run_dir: &Path) -> bool {
    leaderboard::RunEntry::read(run_dir).is_ok_and(|e| e.summary.status == crate::train::RunStatus::Completed)
}

/// Writes `leaderboard.csv` and `leaderboard.md` for every run in `dir`; returns the Markdown.
pub fn write_leaderboard(dir: &Path) -> Result<String> {
    let entries = leaderboard::find_runs(&[dir.to_path_buf()])?;
    let rows = leaderboard::rows(&entries);
    let md = leaderboard::to_markdown(&rows);
    write_atomic(&dir.join("leaderboard.csv"), leaderboard::to_csv(&rows).as_bytes())?;
    write_atomic(&dir.join("leaderboard.md"), format!("# Sweep leaderboard\n\n{md}").as_bytes())?;
    Ok(md)
}

/// Reads `sweep.json` from an existing sweep directory.
pub fn read_spec(dir: &Path) -> Result<SweepSpec> {
    let path = dir.join(SPEC_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read (is this a sweep directory?)", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a digitlab sweep", path.display()))
}

/// Runs the sweep `spec` in `dir` (created if needed). Runs already completed there are skipped, so
/// calling this again resumes an interrupted sweep; with `shard`, only that slice runs.
pub fn run(spec: &SweepSpec, dir: &Path, shard: Option<Shard>) -> Result<()> {
    let points = spec.grid.points().map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create sweep directory", dir.display()))?;
    match read_spec(dir) {
        Ok(existing) if existing != *spec => bail!(
            "{}: holds a different sweep; resume it with `digitlab sweep --resume {}` or choose another --out",
            dir.join(SPEC_FILE).display(),
            dir.display()
        ),
        Ok(_) => {}
        Err(_) => write_atomic(&dir.join(SPEC_FILE), &serde_json::to_vec_pretty(spec)?)?,
    }
    let mine: Vec<_> = points.iter().filter(|p| shard.is_none_or(|s| s.contains(p.number))).collect();
    let todo: Vec<_> = mine.iter().filter(|p| !is_completed(&dir.join(&p.name))).collect();
    eprintln!(
        "sweep: {} runs in the grid{}, {} already done, {} to run, in {}",
        points.len(),
        shard.map_or(String::new(), |s| format!(", {} in shard {}/{}", mine.len(), s.index, s.count)),
        mine.len() - todo.len(),
        todo.len(),
        dir.display()
    );
    if todo.is_empty() {
        let md = write_leaderboard(dir)?;
        println!("{md}\nleaderboard: {}", dir.join("leaderboard.md").display());
        return Ok(());
    }
    let mnist = Arc::new(headless::load_data(spec.data.as_deref())?);
    let interrupted = headless::interrupt_flag()?;
    for (k, p) in todo.iter().enumerate() {
        println!("\n[{}/{}] run {} of {}: {}", k + 1, todo.len(), p.number, points.len(), p.name);
        match headless::train_into(&p.config, &mnist, &dir.join(&p.name), &interrupted) {
            Ok(run) => println!("{}: test accuracy {:.2} % ({})", p.name, run.last.test.report.accuracy * 100.0, run.status.name()),
            Err(e) => eprintln!("{}: failed: {e:#}", p.name),
        }
        if interrupted.load(Ordering::Relaxed) {
            write_leaderboard(dir).ok();
            bail!("sweep interrupted; finish it with `digitlab sweep --resume {}`", dir.display());
        }
    }
    let md = write_leaderboard(dir)?;
    println!("\n{md}\nleaderboard: {}", dir.join("leaderboard.md").display());
    Ok(())
}
