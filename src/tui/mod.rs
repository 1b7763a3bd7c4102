//! The dashboard (ratatui + crossterm).

use anyhow::{bail, Result};

use crate::cli::TuiArgs;

/// Opens the dashboard.
pub fn run(_args: &TuiArgs) -> Result<()> {
    bail!("the dashboard is not built yet; use `digitlab train`")
}
