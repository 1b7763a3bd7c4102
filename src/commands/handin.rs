//! `digitlab handin`: the lab report of chosen runs as a PDF, its editable source and the zip to send.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::handin::{self, Paper};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  digitlab handin runs/sweep-1 runs/20261203-101500-128relu --out handin --title \"Lab 2: MNIST\" --authors \"Ada Lovelace (123456), Alan Turing (654321)\"\n  digitlab handin --rebuild handin        # after writing your observations in handin/report.md")]
pub struct HandinCmd {
    /// Run directories or sweep directories (all their runs) to report on.
    #[arg(value_name = "RUN_OR_SWEEP", required_unless_present = "rebuild", conflicts_with = "rebuild")]
    pub dirs: Vec<PathBuf>,
    /// The hand-in directory to write (new, empty, or an earlier hand-in whose report.md and files you did not change;
    /// files you added there are kept).
    #[arg(long, value_name = "DIR", required_unless_present = "rebuild", conflicts_with = "rebuild")]
    pub out: Option<PathBuf>,
    /// Make report.pdf and handin.zip again from DIR/report.md as you edited it (your text is kept; a report.pdf or
    /// handin.zip you made yourself is never written over).
    #[arg(long, value_name = "DIR")]
    pub rebuild: Option<PathBuf>,
    /// The report's title.
    #[arg(long, conflicts_with = "rebuild")]
    pub title: Option<String>,
    /// Who hands it in, with the IDs the course asks for: "Name (ID), Name (ID)".
    #[arg(long, conflicts_with = "rebuild")]
    pub authors: Option<String>,
    /// Page size: a4 or letter.
    #[arg(long, value_name = "SIZE")]
    pub paper: Option<Paper>,
    /// Also put each run's model.safetensors in the zip.
    #[arg(long, conflicts_with = "rebuild")]
    pub with_models: bool,
}

pub fn run(cmd: &HandinCmd) -> Result<()> {
    let outcome = match (&cmd.rebuild, &cmd.out) {
        (Some(dir), _) => handin::rebuild(dir, cmd.paper)?,
        (None, Some(out)) => handin::build(&handin::Request {
            sources: cmd.dirs.clone(),
            out: out.clone(),
            title: cmd.title.clone(),
            authors: cmd.authors.clone(),
            paper: cmd.paper.unwrap_or_default(),
            with_models: cmd.with_models,
        })?,
        (None, None) => anyhow::bail!("--out DIR is needed (or --rebuild DIR)"),
    };
    for line in &outcome.lines {
        println!("{line}");
    }
    if cmd.rebuild.is_none() {
        println!(
            "Write your observations in {} (each run has a place for them), then: digitlab handin --rebuild {}",
            outcome.dir.join(handin::REPORT_MD).display(),
            outcome.dir.display()
        );
    }
    Ok(())
}
