//! The dashboard (ratatui + crossterm): set up, train live, read results, confusion matrix and
//! neuron weights, compare runs.
//!
//! `app` holds the state and its one `update`; `keys` maps keys to messages; `event` is the loop;
//! `views` draw a screen from `&App`; `widgets` are pieces several views share; `theme` owns styles.

pub mod app;
pub mod colors;
pub mod draw;
pub mod effects;
pub mod event;
pub mod form;
pub mod graphics;
pub mod handin_form;
pub mod keys;
pub mod msg;
pub mod note;
pub mod theme;
pub mod views;
pub mod widgets;
#[cfg(test)]
mod testing;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Result};

use crate::train::TrainConfig;
use crate::data;
use app::{App, Msg};
use keys::Action;
use theme::Theme;

/// How the dashboard starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The setup the form starts with.
    pub config: TrainConfig,
    /// `--data`, if given (else $DIGITLAB_DATA, else the bundled copy).
    pub data: Option<PathBuf>,
    /// Start training at once.
    pub autostart: bool,
    /// Plain ASCII only.
    pub ascii: bool,
    /// Leave the mouse to the terminal (its own text selection) instead of reading clicks.
    pub no_mouse: bool,
    /// `--graphics`: pictures in pixels where the terminal shows them (found out, or forced), or text.
    pub graphics: graphics::Choice,
}

/// Turns the terminal's mouse reporting on, and makes sure it goes off again however the dashboard
/// ends: a panic restores the terminal through ratatui's hook, which knows nothing of the mouse.
fn capture_mouse() {
    use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
    if crossterm::execute!(std::io::stdout(), EnableMouseCapture).is_err() {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

fn release_mouse() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
}

/// Opens the dashboard.
pub fn run(args: &Options) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!("the dashboard needs a terminal, but stdout is not one; for scripts and pipes use `digitlab train`");
    }
    // A terminal that cannot move the cursor or switch screens would show the escape codes as text.
    match std::env::var("TERM").ok().as_deref() {
        None | Some("") => bail!("the dashboard needs to know the terminal, but TERM is not set; set it (e.g. TERM=xterm-256color) or use `digitlab train`"),
        Some("dumb") => bail!("the dashboard cannot draw on TERM=dumb (no cursor movement); use `digitlab train`, or a terminal such as TERM=xterm-256color"),
        Some(_) => {}
    }
    let cfg = &args.config;
    let (dir, _) = data::resolve_data_dir(args.data.as_deref())?;
    let mnist = Arc::new(data::load_dir(&dir)?);
    let signalled = crate::signals::Interrupt::install()?;
    let mut app = App::new(cfg, mnist, dir, Theme::from_env(args.ascii), PathBuf::from("runs"));
    let mut first = app.update(Msg::Action(Action::Rescan));
    if args.autostart {
        first.extend(app.update(Msg::Action(Action::Start)));
    }
    let mut terminal = ratatui::try_init().map_err(|e| match e.raw_os_error() {
        // ENXIO: no controlling terminal (a detached job, `setsid`, some cron/ssh setups).
        Some(6) => anyhow::anyhow!("cannot set up the terminal: this process has no controlling terminal; use `digitlab train`"),
        _ => anyhow::Error::new(e).context("cannot set up the terminal"),
    })?;
    // Asked in raw mode, before the key reader starts reading the same input; bounded by QUERY_LIMIT.
    // The query reads whatever is waiting on the input: keys typed ahead come back to go first.
    let (graphics, typed_ahead) = graphics::detect(args.graphics, graphics::QUERY_LIMIT);
    app.set_graphics(graphics);
    if !args.no_mouse {
        capture_mouse();
    }
    let input = event::spawn_input_reader(typed_ahead);
    let result = event::run_loop(&mut terminal, &mut app, &input, &signalled, first);
    // The terminal may be gone (hang-up); there is nobody to tell then.
    if !args.no_mouse {
        release_mouse();
    }
    let _ = ratatui::try_restore();
    if terminal.show_cursor().is_err() {
        // Dropped, it would try again and print "Failed to show the cursor" ahead of the exit note.
        std::mem::forget(terminal);
    }
    result?;
    match app.exit_message() {
        // Like `digitlab train`: an interrupted run ends with the signal's status, naming what was kept.
        Some(note) if app.interrupting => {
            let signal = signalled.signal().unwrap_or(signal_hook::consts::SIGINT);
            Err(crate::signals::Interrupted { signal, message: format!("interrupted by {}: {note}", crate::signals::name(signal)) }.into())
        }
        Some(note) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "digitlab: {note}");
            Ok(())
        }
        None => Ok(()),
    }
}
