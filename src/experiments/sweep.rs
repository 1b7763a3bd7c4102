//! `digitlab sweep`: runs a grid one run after another into one sweep directory, resumable and
//! shardable, then writes the leaderboard from every run directory present (and the study over
//! seeds when a setting ran with several). Those files are written again by a later shard or a
//! resume only while they are as digitlab wrote them (`rundir::owned`): a leaderboard the student
//! edited stays, and the sweep says so.
//!
//! `sweep.json` is the sweep directory's claim: it is created only where none exists (a hard link of
//! a complete file, which fails rather than replace one), so of two sweeps started into one directory
//! with different grids the second refuses, while shards of the same grid share it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::grid::{Grid, GridPoint, Shard, Source};
use super::{leaderboard, study};
use crate::headless;
use crate::rundir::{self, DataInfo, Summary};
use crate::signals::{Interrupt, Interrupted};
use crate::train::RunStatus;

/// What `sweep.json` records: the grid and the data it ran on (an absolute path), so `--resume DIR`
/// needs no flags and works from any directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    pub grid: Grid,
    pub data: Option<PathBuf>,
}

pub const SPEC_FILE: &str = "sweep.json";
/// Partial runs that a resume trains again are moved here rather than deleted.
pub const SET_ASIDE_DIR: &str = ".interrupted";

/// A run is done when its summary says it completed; anything else (absent, interrupted, running,
/// failed) is run again on resume.
pub fn is_completed(run_dir: &Path) -> bool {
    rundir::read_summary(run_dir).is_ok_and(|s| s.status == RunStatus::Completed)
}

/// Reads `sweep.json` from an existing sweep directory.
pub fn read_spec(dir: &Path) -> Result<SweepSpec> {
    let path = dir.join(SPEC_FILE);
    if !path.is_file() {
        bail!("{}: not found (is {} a sweep directory?)", path.display(), dir.display());
    }
    let bytes = rundir::read_bounded(&path, 1 << 20, "sweep file")?;
    serde_json::from_slice(&bytes).map_err(|e| anyhow!("{}: not a digitlab sweep: {e}", path.display()))
}

/// Makes `dir` this sweep's directory: a new or empty directory gets `sweep.json`; a directory with
/// the same sweep is shared (another shard, or a resume); anything else is refused.
fn claim(spec: &SweepSpec, dir: &Path) -> Result<()> {
    let spec_path = dir.join(SPEC_FILE);
    if !spec_path.exists() {
        // Another process's sweep.json, on its way (a hidden temporary file) or just made, is compared below.
        let holds_work = |d: &Path| {
            let ours = |name: &str| name.starts_with(".sweep-") || name == SPEC_FILE;
            fs::read_dir(d).map(|mut es| es.any(|e| e.is_ok_and(|e| !ours(&e.file_name().to_string_lossy())))).unwrap_or(false)
        };
        if dir.is_dir() && holds_work(dir) {
            bail!("{}: already holds files but no {SPEC_FILE}; digitlab never writes over earlier work: choose another --out", dir.display());
        }
        fs::create_dir_all(dir).with_context(|| format!("{}: cannot create sweep directory", dir.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(".sweep-")
            .make_in(dir, |p| fs::OpenOptions::new().write(true).create_new(true).open(p))
            .with_context(|| format!("{}: cannot write", dir.display()))?;
        fs::write(tmp.path(), serde_json::to_vec_pretty(spec)?).with_context(|| format!("{}: cannot write", tmp.path().display()))?;
        match fs::hard_link(tmp.path(), &spec_path) {
            Ok(()) => return Ok(()),
            // Another process claimed it first: fall through and compare.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("{}: cannot create", spec_path.display())),
        }
    }
    let existing = read_spec(dir)?;
    if existing != *spec {
        bail!(
            "{}: holds a different sweep; resume it with `digitlab sweep --resume {}` or choose another --out",
            spec_path.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Starts a new sweep of `grid` in `dir` (or joins it, for another shard of the same grid).
pub fn start(grid: Grid, data: Option<&Path>, dir: &Path, shard: Option<Shard>, jobs: Option<usize>) -> Result<()> {
    // Recorded as an absolute path so that --resume works from anywhere.
    let (data_dir, _) = crate::data::resolve_data_dir(data)?;
    // Before the claim: a sweep that cannot start leaves no directory behind.
    crate::data::find_files(&data_dir)?;
    let data_dir = std::path::absolute(&data_dir).with_context(|| format!("{}: cannot resolve", data_dir.display()))?;
    let spec = SweepSpec { grid, data: Some(data_dir) };
    let points = spec.grid.points(Source::Flags).map_err(anyhow::Error::msg)?;
    if let Some(s) = shard.filter(|s| s.index > points.len()) {
        bail!("shard {}/{} has no runs: the grid has {} run(s), so only shards 1 to {} have any", s.index, s.count, points.len(), points.len().min(s.count));
    }
    claim(&spec, dir)?;
    run(&spec, dir, shard, jobs)
}

/// Resumes the sweep recorded in `dir`.
pub fn resume(dir: &Path, shard: Option<Shard>, jobs: Option<usize>) -> Result<()> {
    let spec = read_spec(dir)?;
    run(&spec, dir, shard, jobs).with_context(|| format!("resuming the sweep of {}", dir.join(SPEC_FILE).display()))
}

/// Moves an unfinished run of an earlier attempt out of the way, so a resume trains it again
/// without destroying it.
fn set_aside(dir: &Path, p: &GridPoint) -> Result<()> {
    let from = dir.join(&p.name);
    if !from.exists() {
        return Ok(());
    }
    let aside = dir.join(SET_ASIDE_DIR);
    fs::create_dir_all(&aside).with_context(|| format!("{}: cannot create", aside.display()))?;
    let mut k = 1;
    let mut to = aside.join(&p.name);
    while to.exists() {
        k += 1;
        to = aside.join(format!("{}-{k}", p.name));
    }
    fs::rename(&from, &to).with_context(|| format!("{}: cannot move aside", from.display()))?;
    crate::errln!("{}: unfinished; trained again (the partial run is kept in {})", p.name, to.display());
    Ok(())
}

/// Runs the points of `spec` not yet completed in `dir` (only `shard`'s, when given), then writes the
/// leaderboard. A run that fails is recorded as failed with its reason and the others still train;
/// the sweep then ends with an error naming the failures.
fn run(spec: &SweepSpec, dir: &Path, shard: Option<Shard>, jobs: Option<usize>) -> Result<()> {
    // Checked from the flags at start; a value wrong here was edited into sweep.json.
    let points = spec.grid.points(Source::SpecFile).map_err(anyhow::Error::msg)?;
    let mine: Vec<_> = points.iter().filter(|p| shard.is_none_or(|s| s.contains(p.number))).collect();
    let todo: Vec<&GridPoint> = mine.iter().copied().filter(|p| !is_completed(&dir.join(&p.name))).collect();
    crate::errln!(
        "sweep: {} in the grid{}, {} already done, {} to run, in {}",
        crate::console::count(points.len(), "run"),
        shard.map_or(String::new(), |s| format!(", {} in shard {}/{}", mine.len(), s.index, s.count)),
        mine.len() - todo.len(),
        todo.len(),
        dir.display()
    );
    let mut failed = Vec::new();
    if !todo.is_empty() {
        let mnist = Arc::new(headless::load_data(spec.data.as_deref())?);
        let interrupt = Interrupt::install()?;
        let jobs = plan_jobs(jobs, &todo, &mnist);
        let interrupted = || -> anyhow::Error {
            let _ = write_leaderboard(dir);
            let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
            Interrupted {
                signal,
                message: format!("sweep interrupted by {}; finish it with `digitlab sweep --resume {}`", crate::signals::name(signal), dir.display()),
            }
            .into()
        };
        let settle = |p: &GridPoint, outcome: Result<crate::train::RunResult>, failed: &mut Vec<String>| -> Result<()> {
            match outcome {
                Ok(run) => crate::outln!("{}: test accuracy {:.2} % ({})", p.name, run.last.test.report.accuracy * 100.0, run.status.name()),
                Err(e) if e.is::<Interrupted>() || interrupt.is_set() => return Err(interrupted()),
                Err(e) => {
                    let reason = format!("{e:#}");
                    crate::errln!("{}: failed: {reason}", p.name);
                    record_failure(&dir.join(&p.name), p, &mnist, &reason);
                    failed.push(format!("{} ({reason})", p.name));
                }
            }
            Ok(())
        };
        if jobs.runs == 1 {
            for (k, p) in todo.iter().enumerate() {
                crate::outln!("\n[{}/{}] run {} of {}: {}", k + 1, todo.len(), p.number, points.len(), p.name);
                let outcome = train_point(dir, p, &mnist, &interrupt, &headless::Quiet::default());
                settle(p, outcome, &mut failed)?;
            }
        } else {
            crate::outln!("\n{} runs at a time, {} thread(s) each", jobs.runs, jobs.threads);
            let quiet = headless::Quiet { threads: Some(jobs.threads), silent: true };
            let next = std::sync::atomic::AtomicUsize::new(0);
            let (tx, rx) = crossbeam_channel::unbounded();
            let mut stop = None;
            std::thread::scope(|scope| {
                for _ in 0..jobs.runs {
                    let (tx, next, todo, mnist, interrupt, quiet) = (tx.clone(), &next, &todo, &mnist, &interrupt, &quiet);
                    scope.spawn(move || loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if k >= todo.len() || interrupt.is_set() {
                            break;
                        }
                        let p: &GridPoint = todo[k];
                        let outcome = train_point(dir, p, mnist, interrupt, quiet);
                        if tx.send((p, outcome)).is_err() {
                            break;
                        }
                    });
                }
                drop(tx);
                for (done, (p, outcome)) in rx.iter().enumerate() {
                    crate::out!("[{}/{}] ", done + 1, todo.len());
                    if let Err(e) = settle(p, outcome, &mut failed) {
                        // The other runs see the interrupt too and save what they finished.
                        stop.get_or_insert(e);
                    }
                }
            });
            if let Some(e) = stop {
                return Err(e);
            }
        }
    }
    let tables = write_leaderboard(dir)?;
    let place = |file: &str| if tables.written { dir.join(file).display().to_string() } else { "not written (see above)".into() };
    crate::outln!("\n{}\nleaderboard: {}", tables.leaderboard, place(leaderboard::MD_FILE));
    if let Some(md) = &tables.study {
        crate::outln!("\nStudy over seeds (mean of each setting's runs):\n\n{md}\nstudy: {}", place(study::MD_FILE));
    }
    if !failed.is_empty() {
        bail!("{} of {} run(s) failed: {}", failed.len(), todo.len(), failed.join("; "));
    }
    Ok(())
}

/// Sets aside an unfinished earlier attempt of `p` and trains it into its directory.
fn train_point(dir: &Path, p: &GridPoint, mnist: &Arc<crate::data::Mnist>, interrupt: &Interrupt, quiet: &headless::Quiet) -> Result<crate::train::RunResult> {
    set_aside(dir, p)?;
    let run_dir = dir.join(&p.name);
    fs::create_dir(&run_dir)
        .with_context(|| format!("{}: cannot create run directory", run_dir.display()))
        .and_then(|()| headless::train_into_with(&p.config, mnist, &run_dir, true, interrupt, quiet))
}

/// How many runs train at once, and on how many threads each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jobs {
    pub runs: usize,
    pub threads: usize,
}

/// Networks up to this size train faster side by side than one after another: their matrix products
/// are too small to keep every core busy (W1, 784-128-10, is 101,770 parameters).
pub const SMALL_NETWORK: usize = 300_000;
/// The default never runs more than this many at once.
const MAX_DEFAULT_JOBS: usize = 4;

/// Runs at once: as asked (`--jobs`), else one per core (up to 4) when every network is small and one
/// at a time otherwise; never more than the runs to do, the threads allowed, or memory holds. The
/// threads are split evenly between them. The results do not depend on it.
fn plan_jobs(asked: Option<usize>, todo: &[&GridPoint], mnist: &crate::data::Mnist) -> Jobs {
    use crate::train::memory;
    let budget = crate::threads::get();
    let arch = |p: &GridPoint| p.config.architecture(mnist.train.pixels(), mnist.classes);
    let small = todo.iter().all(|p| arch(p).param_count() <= SMALL_NETWORK);
    let mut runs = asked.unwrap_or(if small { budget.min(MAX_DEFAULT_JOBS) } else { 1 }).clamp(1, todo.len().max(1)).min(budget.max(1));
    if let Some(free) = memory::available() {
        // The data is shared; each run adds its network, batches and gradients.
        let mut each: Vec<u64> = todo.iter().map(|p| memory::estimate(&arch(p), p.config.batch_size, 0)).collect();
        each.sort_unstable_by(|a, b| b.cmp(a));
        while runs > 1 && memory::data_bytes(mnist) + each.iter().take(runs).sum::<u64>() > free {
            runs -= 1;
        }
    }
    Jobs { runs, threads: (budget / runs).max(1) }
}

/// A run that failed before its first epoch gets a directory saying so, for the leaderboard; one that
/// failed later already records it.
fn record_failure(run_dir: &Path, p: &GridPoint, mnist: &crate::data::Mnist, reason: &str) {
    if rundir::is_run(run_dir) {
        return;
    }
    let arch = p.config.architecture(mnist.train.pixels(), mnist.classes);
    let summary = Summary::without_epochs(&p.config, &arch, DataInfo::of(mnist), RunStatus::Failed { reason: reason.to_string() });
    let saved = fs::create_dir_all(run_dir).map_err(anyhow::Error::from).and_then(|()| rundir::save_failure(run_dir, &summary));
    if let Err(e) = saved {
        crate::errln!("{}: cannot record the failure: {e:#}", run_dir.display());
    }
}

/// The Markdown tables of a sweep directory's files.
pub struct Tables {
    pub leaderboard: String,
    /// Only when some setting ran with more than one seed.
    pub study: Option<String>,
    /// False when a file of the student's was in the way, and nothing was written (said on stderr).
    pub written: bool,
}

/// Writes the leaderboard of every run in `dir`, and the study over seeds when some setting ran
/// more than once; returns their Markdown tables. Where a file the student changed or made is in
/// the way, neither is written and stderr says which file and what to do: the runs are saved, and
/// the sweep's work is not lost for a table.
pub fn write_leaderboard(dir: &Path) -> Result<Tables> {
    let listing = rundir::list(&[dir.to_path_buf()])?;
    for line in listing.skipped_lines() {
        crate::errln!("{line}");
    }
    let rows = leaderboard::rows(&listing.runs);
    let mut files = leaderboard::contents(&rows, "Sweep leaderboard")?;
    let study = study_files(&listing.runs)?;
    if let Some((_, more)) = &study {
        files.extend(more.iter().cloned());
    }
    let advice = || {
        format!(
            "digitlab never replaces a file you changed or made, so the sweep's new {} not written; move those out of {} \
             and `digitlab compare {} --out {}` writes them",
            if study.is_some() { "leaderboard and study were" } else { "leaderboard was" },
            dir.display(),
            dir.display(),
            dir.display()
        )
    };
    let written = match rundir::owned::write_files(dir, &files, advice) {
        Ok(_) => true,
        Err(e) if e.is::<rundir::owned::Kept>() => {
            crate::errln!("{e}");
            false
        }
        Err(e) => return Err(e),
    };
    Ok(Tables { leaderboard: leaderboard::to_markdown(&rows), study: study.map(|(md, _)| md), written })
}

/// The study of `runs` when some setting ran more than once: its Markdown table, and its files
/// (names and bytes) for a sweep directory.
pub fn study_files(runs: &[rundir::RunOnDisk]) -> Result<Option<(String, rundir::owned::Contents)>> {
    let rows = study::of_runs(runs);
    if !study::seeds_repeat(&rows) {
        return Ok(None);
    }
    Ok(Some((study::to_markdown(&rows), study::contents(&rows, "Study over seeds")?)))
}
