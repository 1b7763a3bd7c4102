//! Dashboard figures: each view's frame render time at 160×48, and training speed with the dashboard on.
//!
//! "Dashboard on" is the dashboard's own loop minus key input: trainer events applied to the app as they
//! arrive and a frame drawn every [`TICK`], onto ratatui's `TestBackend` (so the escape-sequence output
//! to a real terminal is not counted).

use crate::tui::colors::ColorDepth;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use crossbeam_channel::{select, tick};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::measure::median;
use super::Workload;
use crate::data::Mnist;
use crate::tui::app::{App, Msg, View};
use crate::tui::event::TICK;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;
use crate::tui::views;

/// The terminal size the issue asks about.
pub const SIZE: (u16, u16) = (160, 48);
/// Frames timed per view (median reported).
const FRAMES: usize = 30;

pub struct TuiFigures {
    /// Seconds per training epoch while the dashboard draws (timed epochs only).
    pub epoch_seconds: Vec<f64>,
    /// Median seconds to render one frame of each view, after the run.
    pub frame_seconds: Vec<(View, f64)>,
}

pub fn measure(w: &Workload, mnist: &Arc<Mnist>, data_dir: &Path, timed: usize) -> Result<TuiFigures> {
    let runs_root = tempfile::tempdir()?;
    let cfg = w.config(timed + 1);
    let theme = Theme { color: true, ascii: false, depth: ColorDepth::TrueColor };
    let mut app = App::new(&cfg, Arc::clone(mnist), data_dir.to_path_buf(), theme, runs_root.path().to_path_buf());
    // Saves and the rest happen as in the dashboard, on the effects thread.
    let executor = crate::tui::effects::Executor::spawn();
    executor.submit(app.update(Msg::Action(Action::Start)));
    if app.session().is_none() {
        bail!("the dashboard did not start training: {:?}", app.status());
    }
    let _ = app.update(Msg::Action(Action::Go(View::Train)));
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1))?;
    let ticker = tick(TICK);
    while let Some(events) = app.trainer_events() {
        select! {
            recv(events) -> ev => executor.submit(match ev {
                Ok(ev) => app.update(Msg::Trainer(ev)),
                Err(_) => app.update(Msg::TrainerGone),
            }),
            recv(ticker) -> _ => {
                term.draw(|f| views::render(f, &app))?;
            }
        }
    }
    executor.finish();
    let Some(session) = &app.session() else { bail!("the dashboard dropped its training session") };
    let epoch_seconds =
        session.progress.history.iter().filter(|r| (2..=timed + 1).contains(&r.epoch)).map(|r| r.train_seconds).collect();

    let mut frame_seconds = Vec::new();
    for view in <View as strum::IntoEnumIterator>::iter() {
        let _ = app.update(Msg::Action(Action::Go(view)));
        term.draw(|f| views::render(f, &app))?;
        let mut times = Vec::with_capacity(FRAMES);
        for _ in 0..FRAMES {
            let t = Instant::now();
            term.draw(|f| views::render(f, &app))?;
            times.push(t.elapsed().as_secs_f64());
        }
        frame_seconds.push((view, median(&times)));
    }
    Ok(TuiFigures { epoch_seconds, frame_seconds })
}
