use std::process::ExitCode;

use digitlab::commands::Cli;

fn main() -> ExitCode {
    let cli = Cli::from_env();
    let result = digitlab::commands::run(&cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<digitlab::signals::Interrupted>() => {
            // Not an error: the run's finished work was saved; the status tells scripts which signal.
            let status = e.downcast_ref::<digitlab::signals::Interrupted>().map_or(130, |i| i.exit_status());
            digitlab::errln!("digitlab: {e}");
            ExitCode::from(status)
        }
        Err(e) => {
            // One line: the chain of contexts, most general first; no backtrace for user errors.
            digitlab::errln!("digitlab: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
