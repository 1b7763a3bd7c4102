//! The hand-in: one lab report for the chosen runs (report.md, its figures, report.pdf made here) and
//! the zip a student sends (`handin.zip`), in a directory of its own.

use std::path::PathBuf;

use anyhow::Result;

pub use crate::pdf::Paper;

/// What to hand in, and where.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Run directories and sweep directories (their runs), in the order given.
    pub sources: Vec<PathBuf>,
    /// The hand-in directory; made if missing, refused if it holds a student's edited report.
    pub out: PathBuf,
    pub title: Option<String>,
    /// "Name (ID), Name (ID)".
    pub authors: Option<String>,
    pub paper: Paper,
    /// Put each run's model.safetensors in the zip too.
    pub with_models: bool,
}

/// What a hand-in wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub dir: PathBuf,
    pub pdf: PathBuf,
    pub zip: PathBuf,
    pub zip_bytes: u64,
    pub pages: usize,
    pub runs: usize,
    /// A few lines for the person: what the zip holds.
    pub lines: Vec<String>,
}

/// Writes the hand-in directory for `req`.
pub fn build(req: &Request) -> Result<Outcome> {
    anyhow::bail!("hand-in not built yet for {}", req.out.display())
}
