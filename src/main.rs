use std::process::ExitCode;

use clap::Parser;
use digitlab::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        None => digitlab::tui::run(&cli.tui),
        Some(Command::Tui(args)) => digitlab::tui::run(args),
        Some(Command::Train(args)) => digitlab::headless::train(args),
        Some(Command::Eval(args)) => digitlab::headless::eval(args),
        Some(Command::Bench(args)) => digitlab::bench::run(args),
        Some(Command::Report(args)) => digitlab::report::run(args),
        Some(Command::Sweep(args)) => digitlab::headless::sweep(args),
        Some(Command::Compare(args)) => digitlab::headless::compare(args),
        Some(Command::Predict(args)) => digitlab::headless::predict(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<digitlab::signals::Interrupted>() => {
            // Not an error: the run's finished work was saved; the status tells scripts which signal.
            let status = e.downcast_ref::<digitlab::signals::Interrupted>().map_or(130, |i| i.exit_status());
            eprintln!("digitlab: {e}");
            ExitCode::from(status)
        }
        Err(e) => {
            // One line: the chain of contexts, most general first; no backtrace for user errors.
            eprintln!("digitlab: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
