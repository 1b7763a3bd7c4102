//! The command layer, the only code that knows clap: the command line (`Cli`), the training options
//! every training command shares (`options`), and one file per subcommand with its arguments, which
//! turns them into plain values and calls the library.

mod bench;
pub mod options;
mod compare;
mod eval;
mod predict;
mod report;
mod sweep;
mod train;
mod tui;

use anyhow::Result;

use clap::{Parser, Subcommand};

pub use bench::BenchCmd;
pub use compare::CompareCmd;
pub use eval::EvalCmd;
pub use options::TrainArgs;
pub use predict::PredictCmd;
pub use report::ReportCmd;
pub use sweep::SweepCmd;
pub use train::TrainCmd;
pub use tui::TuiArgs;

#[derive(Debug, Parser)]
#[command(name = "digitlab", version, about = "Train and inspect MNIST classifiers from the terminal",
    long_about = "Train and inspect MNIST classifiers from the terminal.\n\nWithout a subcommand, opens the dashboard (same as `digitlab tui`).",
    args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the dashboard (the default).
    Tui(TuiArgs),
    /// Train without the dashboard and write a run directory.
    Train(TrainCmd),
    /// Evaluate a saved model on the test set.
    Eval(EvalCmd),
    /// Measure training speed (and PyTorch's, when available) on standard workloads.
    Bench(BenchCmd),
    /// Write the report bundle (charts, pictures, report.md) of a run or sweep directory.
    Report(ReportCmd),
    /// Train every combination of the given options, one run after another, and rank them.
    Sweep(SweepCmd),
    /// Print the leaderboard of run or sweep directories.
    Compare(CompareCmd),
    /// Classify a 28x28 grayscale PNG with a saved model (top 3 with probabilities).
    Predict(PredictCmd),
}

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
