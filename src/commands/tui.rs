//! `digitlab` / `digitlab tui`: the dashboard.

use anyhow::Result;
use clap::Args;

use super::options::TrainArgs;

use crate::tui::Options;

#[derive(Debug, Args, Default, Clone)]
pub struct TuiArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    /// Start training at once instead of waiting on the setup form.
    #[arg(long)]
    pub autostart: bool,
    /// Plain ASCII only (no Unicode blocks, arrows or box lines), for limited terminals.
    #[arg(long)]
    pub ascii: bool,
    /// Do not read the mouse (clicks on tabs, drawing, the wheel), so the terminal's own text selection works.
    #[arg(long)]
    pub no_mouse: bool,
}

pub fn run(args: &TuiArgs) -> Result<()> {
    let (config, data, threads) = args.train.resolve()?;
    crate::threads::set(threads);
    crate::tui::run(&Options { config, data, autostart: args.autostart, ascii: args.ascii, no_mouse: args.no_mouse })
}
