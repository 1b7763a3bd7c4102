//! The command layer: with `cli` (the clap types), the only code that knows clap. Each subcommand's
//! file turns its arguments into plain values and calls the library.

mod bench;
mod compare;
mod eval;
mod predict;
mod report;
mod sweep;
mod train;
mod tui;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Runs what the command line asks for.
pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        None => tui::run(&cli.tui),
        Some(Command::Tui(args)) => tui::run(args),
        Some(Command::Train(args)) => train::run(args),
        Some(Command::Eval(args)) => eval::run(args),
        Some(Command::Bench(args)) => bench::run(args),
        Some(Command::Report(args)) => report::run(args),
        Some(Command::Sweep(args)) => sweep::run(args),
        Some(Command::Compare(args)) => compare::run(args),
        Some(Command::Predict(args)) => predict::run(args),
    }
}
