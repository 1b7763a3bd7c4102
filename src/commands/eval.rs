//! `digitlab eval`: a saved model's test metrics.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::Args;

use crate::headless::{format_test_report, load_data};
use crate::model;
use crate::train::eval;

#[derive(Debug, Args)]
pub struct EvalCmd {
    /// A model file written by `digitlab train` (model.safetensors in a run directory).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// MNIST directory (default: $DIGITLAB_DATA, else the bundled copy).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Cores to use (default: all); 1 keeps the work to one core on a shared machine.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=crate::train::config::limits::MAX_THREADS as i64))]
    pub threads: Option<u32>,
}

pub fn run(cmd: &EvalCmd) -> Result<()> {
    crate::threads::set(cmd.threads.map(|t| t as usize));
    let mlp = model::io::load(&cmd.model)?;
    let mnist = load_data(cmd.data.as_deref())?;
    if mlp.arch.input != mnist.test.pixels() || mlp.arch.classes != mnist.classes {
        bail!(
            "{}: model expects {} inputs and {} classes, but the data has {}x{} images and {} classes",
            cmd.model.display(),
            mlp.arch.input,
            mlp.arch.classes,
            mnist.test.rows,
            mnist.test.cols,
            mnist.classes
        );
    }
    eprintln!("model: {} ({})", mlp.arch, cmd.model.display());
    let t = Instant::now();
    let ev = crate::train::worker::in_compute_pool(|| eval::evaluate(&mlp, &mnist.test));
    eprintln!("evaluated {} test images in {:.3} s", mnist.test.len(), t.elapsed().as_secs_f64());
    print!("{}", format_test_report(&ev.report, ev.loss));
    Ok(())
}

