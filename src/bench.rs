//! `digitlab bench`: speed figures for the standard workloads.

use anyhow::{bail, Result};

use crate::cli::BenchCmd;

pub fn run(_cmd: &BenchCmd) -> Result<()> {
    bail!("the benchmark is not built yet")
}
