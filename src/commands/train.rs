//! `digitlab train`: one run without the dashboard.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::options::TrainArgs;

use crate::headless::{load_data, print_summary, train_into};
use crate::rundir;
use crate::signals::{Interrupt, Interrupted};
use crate::train::RunStatus;

#[derive(Debug, Args)]
pub struct TrainCmd {
    #[command(flatten)]
    pub train: TrainArgs,
    /// Run directory to write (default: runs/<timestamp>-<architecture>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(cmd: &TrainCmd) -> Result<()> {
    let (cfg, data_flag, threads) = cmd.train.resolve()?;
    crate::threads::set(threads);
    // A given --out is checked before the data is loaded, so a refusal costs nothing.
    let created = match &cmd.out {
        Some(dir) => rundir::claim(dir, "run")?,
        None => false,
    };
    let prepared = (|| {
        let mnist = Arc::new(load_data(data_flag.as_deref())?);
        cfg.validate(Some(mnist.train.len())).map_err(anyhow::Error::msg)?;
        let arch = cfg.architecture(mnist.train.pixels(), mnist.classes);
        let out = match &cmd.out {
            Some(dir) => dir.clone(),
            None => rundir::create_unique(Path::new("runs"), &rundir::default_name(&arch))?,
        };
        anyhow::Ok((mnist, out))
    })();
    let (mnist, out) = match prepared {
        Ok(p) => p,
        Err(e) => {
            if let Some(dir) = cmd.out.as_ref().filter(|_| created) {
                rundir::remove_if_unsaved(dir);
            }
            return Err(e);
        }
    };
    let interrupt = Interrupt::install()?;
    // A directory made here (by claim, or the default name) goes again if the run saves nothing.
    let made_for_it = created || cmd.out.is_none();
    let run = train_into(&cfg, &mnist, &out, made_for_it, &interrupt)?;
    print_summary(&run, &out);
    for note in &run.last.diagnostics.notes {
        crate::outln!("note: {note}");
    }
    if run.status == RunStatus::Interrupted {
        let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
        return Err(Interrupted {
            signal,
            message: format!("interrupted by {}: {} finished epoch(s) saved in {}", crate::signals::name(signal), run.history.len(), out.display()),
        }
        .into());
    }
    Ok(())
}

