//! A sweep directory's report: every run's bundle, `comparison.png` and a `report.md` with the
//! leaderboard, the study over seeds (when the directory holds one) and a link to each run's report;
//! and telling a run directory from a sweep directory. The sweep's own files are written again only
//! while they are as digitlab wrote them ([`super::owned`]): a `report.md` the student edited stays,
//! and the command refuses before writing anything.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{dir_name, owned, Summary, COMPARISON_PNG as COMPARISON, LEADERBOARD_CSV, LEADERBOARD_MD, REPORT_MD as REPORT, STUDY_CSV, STUDY_MD, SUMMARY};
use crate::data::Mnist;
use crate::figures::charts;
use crate::rundir;


/// What `digitlab report` was pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Run,
    /// The run directories inside, sorted by name.
    Sweep(Vec<PathBuf>),
}

impl Target {
    /// A run directory holds summary.json; a sweep directory holds run directories.
    pub fn of(dir: &Path) -> Result<Target> {
        if rundir::is_run(dir) {
            return Ok(Target::Run);
        }
        if !dir.is_dir() {
            bail!("{}: no such directory", dir.display());
        }
        let runs = rundir::run_dirs_in(dir)?;
        if runs.is_empty() {
            bail!("{}: not a run directory (no {SUMMARY}) nor a sweep directory (no subdirectory with {SUMMARY})", dir.display());
        }
        Ok(Target::Sweep(runs))
    }
}

/// One run of a sweep, as its report lists it.
struct SweepRun {
    name: String,
    summary: Summary,
}

/// Writes every run's bundle, then the sweep's `study` files (names and bytes: the study over seeds,
/// when there is one), `comparison.png` and `report.md`, which shows the directory's `leaderboard.md`
/// and the study as they will be. When one of the sweep's files is a person's (changed since digitlab
/// wrote it, or made by them), nothing is written and the error names it.
pub fn write_sweep_bundle(sweep_dir: &Path, data: &Mnist, study: owned::Contents) -> Result<Vec<PathBuf>> {
    let listing = rundir::list(&[sweep_dir.to_path_buf()])?;
    for line in listing.skipped_lines() {
        eprintln!("{line}");
    }
    let mut runs: Vec<SweepRun> = listing.runs.iter().map(|r| SweepRun { name: r.name(), summary: r.summary.clone() }).collect();
    if runs.is_empty() {
        bail!("{}: no run directory (subdirectory with {SUMMARY}) inside", sweep_dir.display());
    }
    let key = |r: &SweepRun| r.summary.accuracy().unwrap_or(-1.0);
    runs.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.name.cmp(&b.name)));
    let bars: Vec<charts::RunBar> = runs
        .iter()
        .filter_map(|r| Some(charts::RunBar { name: r.name.clone(), architecture: r.summary.model.architecture.clone(), accuracy: r.summary.accuracy()? }))
        .collect();
    let leaderboard = std::fs::read_to_string(sweep_dir.join(LEADERBOARD_MD)).ok();
    let new_study = |name: &str| study.iter().find(|(n, _)| *n == name).map(|(_, bytes)| bytes);
    let study_md = match new_study(STUDY_MD) {
        Some(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        None => std::fs::read_to_string(sweep_dir.join(STUDY_MD)).ok(),
    };
    let tables = Tables {
        leaderboard: leaderboard.as_deref(),
        leaderboard_csv: sweep_dir.join(LEADERBOARD_CSV).is_file(),
        study: study_md.as_deref(),
        study_csv: new_study(STUDY_CSV).is_some() || sweep_dir.join(STUDY_CSV).is_file(),
    };
    let mut files = study;
    files.push((COMPARISON, charts::comparison(&bars).png()?));
    files.push((REPORT, sweep_md(sweep_dir, &runs, &tables).into_bytes()));
    let advice = || {
        format!(
            "digitlab never replaces a file you changed or made: move those out of {} (or rename them) and run `digitlab report {}` again",
            sweep_dir.display(),
            sweep_dir.display()
        )
    };
    // Checked before the runs' bundles are drawn, so that a refusal writes nothing.
    let ours = owned::read_record(sweep_dir)?;
    let digests: Vec<String> = files.iter().map(|(_, bytes)| rundir::digest(bytes)).collect();
    owned::check(sweep_dir, &ours, files.iter().zip(&digests).map(|((name, _), d)| (*name, Some(d.as_str()))), advice)?;
    let mut written = Vec::new();
    for run in &listing.runs {
        if run.summary.test.is_some() {
            written.extend(rundir::write_bundle(&run.dir, data).with_context(|| format!("{}: report", run.dir.display()))?);
        }
    }
    written.extend(owned::write_files(sweep_dir, &files, advice)?);
    Ok(written)
}

/// The Markdown files of a sweep directory that its report.md shows, and whether their CSVs are there.
struct Tables<'a> {
    leaderboard: Option<&'a str>,
    leaderboard_csv: bool,
    study: Option<&'a str>,
    study_csv: bool,
}

/// `text` with its headings moved `levels` down, so its own title sits under a section of report.md.
fn demoted(text: &str, levels: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with('#') {
            out.push_str(&"#".repeat(levels));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The sweep's report.md: the comparison chart, the leaderboard (the sweep's own leaderboard.md when
/// there is one, else a table from the runs' summaries), the study over seeds when there is one, and
/// a link to each run's report. `runs` come best first.
fn sweep_md(sweep_dir: &Path, runs: &[SweepRun], tables: &Tables) -> String {
    let pct = |x: f64| format!("{:.2} %", x * 100.0);
    let opct = |x: Option<f64>| x.map_or_else(|| "–".to_string(), pct);
    let name = dir_name(sweep_dir);
    let mut r = String::new();
    let _ = writeln!(r, "# digitlab sweep: {name}\n");
    let best = &runs[0];
    let _ = writeln!(r, "{} runs. Best test accuracy: **{}** by [{}]({}/{REPORT}) ({}).\n", runs.len(), opct(best.summary.accuracy()),
        best.name, link_target(&best.name), best.summary.model.architecture);
    let _ = writeln!(r, "## Test accuracy per run\n");
    let _ = writeln!(r, "![test accuracy per run]({COMPARISON})\n");
    let _ = writeln!(r, "## Leaderboard\n");
    match tables.leaderboard {
        Some(text) => {
            // The file's own title (`#`) sits under this `##` section.
            let _ = writeln!(r, "{}", demoted(text, 2));
        }
        None => {
            let _ = writeln!(r, "| run | network | optimizer | lr | epochs | parameters | best test acc | final test acc | macro F1 | seconds |");
            let _ = writeln!(r, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
            for run in runs {
                let s = &run.summary;
                let best_acc = s.epochs.iter().map(|e| e.test_accuracy).fold(f64::NEG_INFINITY, f64::max);
                let _ = writeln!(r, "| [{}]({}/{REPORT}) | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |", run.name, link_target(&run.name),
                    s.model.architecture, s.config.optimizer, s.config.lr, s.epochs.len(), s.model.parameters,
                    if best_acc.is_finite() { pct(best_acc) } else { "–".into() }, opct(s.accuracy()), s.macro_f1().map_or_else(|| "–".into(), |f| format!("{f:.4}")),
                    s.timings.train_seconds);
            }
            r.push('\n');
        }
    }
    if tables.leaderboard_csv {
        let _ = writeln!(r, "Machine-readable: [{LEADERBOARD_CSV}]({LEADERBOARD_CSV}).\n");
    }
    if let Some(text) = tables.study {
        // A section of its own: the file's title (`#`) becomes `##`.
        let _ = writeln!(r, "{}", demoted(text, 1));
        if tables.study_csv {
            let _ = writeln!(r, "Machine-readable: [{STUDY_CSV}]({STUDY_CSV}).\n");
        }
    }
    let _ = writeln!(r, "## Runs\n");
    for run in runs {
        let _ = writeln!(r, "- [{}]({}/{REPORT}): {}, test accuracy {}", run.name, link_target(&run.name), run.summary.model.architecture,
            opct(run.summary.accuracy()));
    }
    r
}

/// A relative path as a Markdown link target: the characters that would end or break the link are
/// percent-encoded (a run directory may be called `lr 0.1 (sgd)`).
fn link_target(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets_survive_spaces_and_parentheses() {
        assert_eq!(link_target("lr 0.1 (sgd)"), "lr%200.1%20%28sgd%29");
        assert_eq!(link_target("784-128-relu"), "784-128-relu");
    }

    #[test]
    fn a_directory_without_runs_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = Target::of(dir.path()).unwrap_err().to_string();
        assert!(err.contains(&dir.path().display().to_string()) && err.contains("not a run directory"), "{err}");
        std::fs::create_dir(dir.path().join("run-a")).unwrap();
        std::fs::write(dir.path().join("run-a").join(SUMMARY), "{}").unwrap();
        assert_eq!(Target::of(dir.path()).unwrap(), Target::Sweep(vec![dir.path().join("run-a")]));
        assert_eq!(Target::of(&dir.path().join("run-a")).unwrap(), Target::Run);
    }
}
