//! `digitlab report`: the report bundle of a run or sweep directory.

use anyhow::{bail, Result};

use crate::cli::ReportCmd;

pub fn run(_cmd: &ReportCmd) -> Result<()> {
    bail!("the report bundle is not built yet")
}
