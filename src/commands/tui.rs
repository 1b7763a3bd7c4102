//! `digitlab` / `digitlab tui`: the dashboard.

use anyhow::Result;
use clap::Args;

use super::options::TrainArgs;

use crate::tui::graphics::Choice;
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
    /// Pictures (weights, digits, the drawing) in real pixels: auto asks the terminal (at most 100 ms)
    /// and uses kitty graphics or sixel when it answers for them, else text; or force one.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = graphics_arg)]
    pub graphics: Choice,
}

fn graphics_arg(s: &str) -> Result<Choice, String> {
    s.parse().map_err(|_| format!("expected one of {}", <Choice as strum::VariantNames>::VARIANTS.join(", ")))
}

pub fn run(args: &TuiArgs) -> Result<()> {
    let (config, data, threads) = args.train.resolve()?;
    crate::threads::set(threads);
    crate::tui::run(&Options { config, data, autostart: args.autostart, ascii: args.ascii, no_mouse: args.no_mouse, graphics: args.graphics })
}
