//! `digitlab` / `digitlab tui`: the dashboard.

use anyhow::Result;

use crate::cli::TuiArgs;
use crate::tui::Options;

pub fn run(args: &TuiArgs) -> Result<()> {
    let (config, data) = args.train.resolve()?;
    crate::tui::run(&Options { config, data, autostart: args.autostart, ascii: args.ascii })
}
