//! Leaderboards: one row per run directory, read from its summary.json, best test accuracy first.

use std::fmt::Write as _;
use anyhow::Result;

use crate::rundir::{self, RunOnDisk};

pub use rundir::{LEADERBOARD_CSV as CSV_FILE, LEADERBOARD_MD as MD_FILE};

/// `leaderboard.csv` and `leaderboard.md` (titled `title`): names and bytes, for
/// `rundir::owned::write_files`, which writes them only where no file of a person's is in the way.
pub fn contents(rows: &[Row], title: &str) -> Result<rundir::owned::Contents> {
    Ok(vec![(CSV_FILE, to_csv(rows)?.into_bytes()), (MD_FILE, format!("# {title}\n\n{}", to_markdown(rows)).into_bytes())])
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
    /// `None` for a run that finished no epoch.
    pub best_test_accuracy: Option<f64>,
    pub final_test_accuracy: Option<f64>,
    pub macro_f1: Option<f64>,
    pub seconds: f64,
    pub status: String,
}

impl Row {
    pub fn of(e: &RunOnDisk) -> Row {
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
            best_test_accuracy: s.epochs.iter().map(|e| e.test_accuracy).reduce(f64::max),
            final_test_accuracy: s.accuracy(),
            macro_f1: s.macro_f1(),
            seconds: s.timings.train_seconds,
            status: match &s.status {
                crate::train::RunStatus::Failed { reason } => format!("failed: {reason}"),
                other => other.name().to_string(),
            },
        }
    }
}

/// Rows for `runs`, best final test accuracy first, runs without one last (ties: by run name).
pub fn rows(runs: &[RunOnDisk]) -> Vec<Row> {
    let mut rows: Vec<Row> = runs.iter().map(Row::of).collect();
    let key = |r: &Row| r.final_test_accuracy.unwrap_or(-1.0);
    rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.run.cmp(&b.run)));
    rows
}

pub const CSV_HEADER: &str =
    "rank,run,architecture,activation,optimizer,lr,epochs,batch_size,params,best_test_accuracy,final_test_accuracy,macro_f1,train_seconds,status";

fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(String::new, |x| format!("{x:.digits$}"))
}

/// The leaderboard as CSV (quoting by the csv crate); cells of runs without results are empty.
pub fn to_csv(rows: &[Row]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER.split(','))?;
    for (i, r) in rows.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            r.run.clone(),
            r.architecture.clone(),
            r.activation.clone(),
            r.optimizer.clone(),
            r.lr.to_string(),
            r.epochs.to_string(),
            r.batch_size.to_string(),
            r.params.to_string(),
            fixed(r.best_test_accuracy, 4),
            fixed(r.final_test_accuracy, 4),
            fixed(r.macro_f1, 4),
            format!("{:.2}", r.seconds),
            r.status.clone(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?)
}

pub fn to_markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| # | run | architecture | activation | optimizer | lr | epochs | batch | params | best test acc | final test acc | macro-F1 | seconds | status |\n\
         |---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {} |",
            i + 1,
            r.run,
            r.architecture,
            r.activation,
            r.optimizer,
            r.lr,
            r.epochs,
            r.batch_size,
            r.params,
            pct(r.best_test_accuracy),
            pct(r.final_test_accuracy),
            r.macro_f1.map_or_else(|| "–".to_string(), |f| format!("{f:.4}")),
            r.seconds,
            r.status.replace('|', "/")
        );
    }
    s
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{:.2} %", x * 100.0))
}
