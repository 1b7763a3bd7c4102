//! The command layer, the only code that knows clap: the command line (`Cli`), the training options
//! every training command shares (`options`), and one file per subcommand with its arguments, which
//! turns them into plain values and calls the library.

mod bench;
pub mod options;
mod compare;
mod eval;
mod handin;
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
pub use handin::HandinCmd;
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
    /// Hand in: a PDF lab report of the chosen runs, its editable source and a zip without the data sets.
    Handin(HandinCmd),
}

impl Cli {
    /// Parses the process's arguments, exiting with clap's message on a bad command line.
    pub fn from_env() -> Cli {
        Cli::parse_from(numbers_attached(std::env::args_os()))
    }
}

/// Attaches each negative number to the option it belongs to (`--lr -1e-3` becomes `--lr=-1e-3`) so
/// the option's own range check can speak. Clap takes `-1` as a number but `-1e-3` or `-inf` as an
/// unknown flag; no digitlab flag starts with a digit, `inf` or `nan`, so nothing else changes. In
/// a list (`--lr 1e-3 -1e-3`) the option is repeated, which appends to the list.
pub fn numbers_attached(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut option: Option<String> = None;
    let mut out = Vec::new();
    for arg in args {
        let text = arg.to_str().map(str::to_owned);
        match text {
            Some(t) if t.starts_with("--") => {
                option = (t.len() > 2 && !t.contains('=')).then(|| t.clone());
                out.push(arg);
            }
            Some(t) if t.starts_with('-') && t.parse::<f64>().is_ok() && option.is_some() => {
                let name = option.as_deref().unwrap_or_default();
                // Right after its option the number takes that token's place; later in a list it
                // repeats the option.
                if out.last().and_then(|a| a.to_str()) == Some(name) {
                    out.pop();
                }
                out.push(format!("{name}={t}").into());
            }
            Some(t) if t.starts_with('-') => {
                option = None;
                out.push(arg);
            }
            _ => out.push(arg),
        }
    }
    out
}

/// Runs what the command line asks for.
pub fn run(cli: &Cli) -> Result<()> {
    // The dashboard and the long jobs take a closed pipe as an interrupt (signals.rs).
    if !matches!(&cli.command, None | Some(Command::Tui(_) | Command::Train(_) | Command::Sweep(_))) {
        crate::signals::die_of_closed_pipes();
    }
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
        Some(Command::Handin(args)) => handin::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attached(args: &[&str]) -> Vec<String> {
        numbers_attached(args.iter().map(std::ffi::OsString::from)).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn negative_numbers_join_their_option() {
        assert_eq!(attached(&["digitlab", "train", "--lr", "-1e-3", "--epochs", "2"]),
            ["digitlab", "train", "--lr=-1e-3", "--epochs", "2"]);
        assert_eq!(attached(&["digitlab", "sweep", "--lr", "1e-3", "-inf", "--seed", "1"]),
            ["digitlab", "sweep", "--lr", "1e-3", "--lr=-inf", "--seed", "1"]);
        assert_eq!(attached(&["digitlab", "sweep", "--lr", "-1", "-2"]), ["digitlab", "sweep", "--lr=-1", "--lr=-2"]);
        // Flags, values after `=`, and words are left alone.
        assert_eq!(attached(&["digitlab", "train", "--lr=-1", "-h", "--out", "-x"]),
            ["digitlab", "train", "--lr=-1", "-h", "--out", "-x"]);
    }

    #[test]
    fn every_float_option_speaks_its_range() {
        for (args, expected) in [
            (&["train", "--lr", "-1e-3"][..], "learning rate"),
            (&["train", "--momentum", "-inf"][..], "at least 0"),
            (&["sweep", "--lr", "1e-3", "-1e-2"][..], "learning rate"),
        ] {
            let argv = std::iter::once("digitlab").chain(args.iter().copied()).map(std::ffi::OsString::from);
            let err = Cli::try_parse_from(numbers_attached(argv)).expect_err("a negative value must be refused");
            assert!(err.to_string().contains(expected), "{args:?}: {err}");
        }
    }
}
