//! Leaderboards: one row per run directory, read from its summary.json, best test accuracy first.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::export::Summary;

/// A finished (or interrupted) run found on disk.
#[derive(Debug, Clone)]
pub struct RunEntry {
    pub dir: PathBuf,
    pub summary: Summary,
}

impl RunEntry {
    pub fn read(dir: &Path) -> Result<RunEntry> {
        let path = dir.join("summary.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        let summary = serde_json::from_str(&text).with_context(|| format!("{}: not a digitlab summary", path.display()))?;
        Ok(RunEntry { dir: dir.to_path_buf(), summary })
    }

    /// The directory's last component, which names the run.
    pub fn name(&self) -> String {
        crate::export::dir_name(&self.dir)
    }
}

/// Run directories among `paths`: a path with a summary.json is a run; otherwise its immediate
/// subdirectories that have one are (a sweep directory). Sorted by path, duplicates removed.
pub fn find_runs(paths: &[PathBuf]) -> Result<Vec<RunEntry>> {
    let mut dirs = Vec::new();
    for p in paths {
        if p.join("summary.json").is_file() {
            dirs.push(p.clone());
            continue;
        }
        let rd = std::fs::read_dir(p).with_context(|| format!("{}: not a run or sweep directory", p.display()))?;
        let mut found = false;
        for e in rd.flatten() {
            if e.path().join("summary.json").is_file() {
                dirs.push(e.path());
                found = true;
            }
        }
        if !found {
            bail!("{}: no summary.json in it or in its subdirectories", p.display());
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs.iter().map(|d| RunEntry::read(d)).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub run: String,
    pub architecture: String,
    pub activation: String,
    pub optimizer: String,
    pub lr: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub params: usize,
    pub best_test_accuracy: f64,
    pub final_test_accuracy: f64,
    pub macro_f1: f64,
    pub seconds: f64,
    pub status: String,
}

impl Row {
    pub fn of(e: &RunEntry) -> Row {
        let s = &e.summary;
        let mut acts: Vec<&str> = s.config.hidden.iter().map(|l| l.activation.name()).collect();
        acts.dedup();
        Row {
            run: e.name(),
            architecture: s.model.architecture.clone(),
            activation: if acts.is_empty() { "–".into() } else { acts.join("/") },
            optimizer: s.config.optimizer.to_string(),
            lr: s.config.lr,
            epochs: s.epochs.len(),
            batch_size: s.config.batch_size,
            params: s.model.parameters,
            best_test_accuracy: s.epochs.iter().map(|e| e.test_accuracy).fold(0.0, f64::max),
            final_test_accuracy: s.test.accuracy,
            macro_f1: s.test.macro_avg.f1,
            seconds: s.timings.train_seconds,
            status: s.status.name().to_string(),
        }
    }
}

/// Rows for `entries`, best final test accuracy first (ties: by run name).
pub fn rows(entries: &[RunEntry]) -> Vec<Row> {
    let mut rows: Vec<Row> = entries.iter().map(Row::of).collect();
    rows.sort_by(|a, b| b.final_test_accuracy.total_cmp(&a.final_test_accuracy).then(a.run.cmp(&b.run)));
    rows
}

pub const CSV_HEADER: &str =
    "rank,run,architecture,activation,optimizer,lr,epochs,batch_size,params,best_test_accuracy,final_test_accuracy,macro_f1,train_seconds,status";

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn to_csv(rows: &[Row]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{:.4},{:.4},{:.4},{:.2},{}",
            i + 1,
            csv_field(&r.run),
            csv_field(&r.architecture),
            csv_field(&r.activation),
            r.optimizer,
            r.lr,
            r.epochs,
            r.batch_size,
            r.params,
            r.best_test_accuracy,
            r.final_test_accuracy,
            r.macro_f1,
            r.seconds,
            r.status
        );
    }
    s
}

pub fn to_markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| # | run | architecture | activation | optimizer | lr | epochs | batch | params | best test acc | final test acc | macro-F1 | seconds | status |\n\
         |---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} % | {:.2} % | {:.4} | {:.1} | {} |",
            i + 1,
            r.run,
            r.architecture,
            r.activation,
            r.optimizer,
            r.lr,
            r.epochs,
            r.batch_size,
            r.params,
            r.best_test_accuracy * 100.0,
            r.final_test_accuracy * 100.0,
            r.macro_f1,
            r.seconds,
            r.status
        );
    }
    s
}
