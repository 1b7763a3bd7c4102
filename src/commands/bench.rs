//! `digitlab bench`: epoch times, evaluation, loading and the dashboard's cost, beside PyTorch.

use anyhow::Result;

use crate::bench::Options;
use crate::cli::BenchCmd;

pub fn run(cmd: &BenchCmd) -> Result<()> {
    crate::bench::run(&Options { epochs: cmd.epochs, only: cmd.only.clone(), no_pytorch: cmd.no_pytorch, data: cmd.data.clone() })
}
