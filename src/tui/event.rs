//! The one loop: key input (from a reader thread), trainer events and a redraw tick, selected over
//! together. Trainer events only change state; the screen is redrawn on the tick and after each key,
//! so a burst of events never delays a key and a slow frame never slows the trainer.

use std::time::{Duration, Instant};

use anyhow::Result;
use crossbeam_channel::{never, select, tick, Receiver};
use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};
use ratatui::backend::Backend;
use ratatui::Terminal;

use super::app::{App, Msg};
use super::effects::{Effect, Executor};
use crate::signals::Interrupt;
use super::{keys, views};

/// Redraw period: 5 frames a second. Keys redraw at once, so this only paces the progress display; on
/// two cores every frame (rendering, and the terminal or tmux parsing it) is taken from training, and at
/// 12.5 frames a second a W1 run in tmux was 3-7 % slower than headless.
pub const TICK: Duration = Duration::from_millis(200);
/// After an interrupt, how long to wait for the trainer to hand back its finished epochs.
const INTERRUPT_GRACE: Duration = Duration::from_secs(5);

/// What the terminal reader passes on.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    Key(KeyEvent),
    Resize,
    Mouse(crossterm::event::MouseEvent),
}

/// Reads terminal events on a thread of its own; only key *presses*, resizes and mouse buttons, drags
/// and wheel turns are passed on, after the keys `typed_ahead` (read before the reader started). The
/// channel closes when the terminal cannot be read any more.
pub fn spawn_input_reader(typed_ahead: Vec<KeyEvent>) -> Receiver<Input> {
    let (tx, rx) = crossbeam_channel::unbounded();
    for k in typed_ahead {
        let _ = tx.send(Input::Key(k));
    }
    let mut late = super::graphics::LateReplies::default();
    std::thread::Builder::new()
        .name("digitlab-keys".into())
        .spawn(move || loop {
            let input = match crossterm::event::read() {
                Ok(TermEvent::Key(k)) if k.kind == KeyEventKind::Press => {
                    // A terminal's late answer to the graphics query is not keys.
                    for k in late.sift(k) {
                        if tx.send(Input::Key(k)).is_err() {
                            return;
                        }
                    }
                    continue;
                }
                Ok(TermEvent::Resize(..)) => Input::Resize,
                // Moves without a button held would only wake the loop.
                Ok(TermEvent::Mouse(m)) if !matches!(m.kind, crossterm::event::MouseEventKind::Moved) => Input::Mouse(m),
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(input).is_err() {
                break;
            }
        })
        .expect("spawn key reader");
    rx
}

/// Runs until the app wants to quit, carrying out the effects `update` asks for (`first`: those asked
/// before the loop) on the effects thread, then waits for the last of them (the final saves).
/// `signalled` is raised by the SIGTERM/SIGHUP/SIGINT handlers; a lost terminal raises SIGHUP on it.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: &Receiver<Input>,
    signalled: &Interrupt,
    first: Vec<Effect>,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let executor = Executor::spawn();
    executor.submit(first);
    let result = drive(terminal, app, input, signalled, &executor);
    app.closing();
    if app.pending > 0 {
        let _ = terminal.draw(|f| views::render(f, app));
    }
    for done in executor.finish() {
        // Effects asked for now are not carried out: the dashboard is closing.
        let _ = app.update(Msg::Done(done));
    }
    result
}

fn drive<B: Backend>(terminal: &mut Terminal<B>, app: &mut App, input: &Receiver<Input>, signalled: &Interrupt, executor: &Executor) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let ticker = tick(TICK);
    let done = executor.done();
    // A signal that came before the loop (while the data loaded) counts too.
    let mut handled = None;
    let mut interrupted_at: Option<Instant> = None;
    let mut terminal_gone = false;
    terminal.draw(|f| views::render(f, app))?;
    while !app.should_quit {
        let events = app.trainer_events().unwrap_or_else(never);
        let mut redraw = false;
        let scene = app.scene();
        select! {
            recv(input) -> msg => match msg {
                Ok(Input::Key(k)) => {
                    if let Some(m) = keys::msg_for(app, k) {
                        executor.submit(app.update(m));
                    }
                    redraw = true;
                }
                Ok(Input::Resize) => redraw = true,
                Ok(Input::Mouse(event)) => {
                    let size = terminal.size()?;
                    let screen = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                    executor.submit(app.update(views::mouse_msg(app, event, screen)));
                    redraw = true;
                }
                // The terminal is gone (SSH dropped): keep what was trained, then leave.
                Err(_) => {
                    if interrupted_at.is_none() {
                        signalled.raise(signal_hook::consts::SIGHUP);
                        executor.submit(app.update(Msg::Interrupt));
                        interrupted_at = Some(Instant::now());
                    }
                    std::thread::sleep(TICK);
                }
            },
            recv(events) -> ev => executor.submit(match ev {
                Ok(ev) => app.update(Msg::Trainer(ev)),
                Err(_) => app.update(Msg::TrainerGone),
            }),
            recv(done) -> d => {
                if let Ok(d) = d {
                    executor.submit(app.update(Msg::Done(d)));
                }
                redraw = true;
            }
            recv(ticker) -> _ => redraw = true,
        }
        if signalled.signal() != handled && interrupted_at.is_none() {
            handled = signalled.signal();
            executor.submit(app.update(Msg::Interrupt));
            interrupted_at = Some(Instant::now());
        }
        if app.interrupting && interrupted_at.is_none() {
            interrupted_at = Some(Instant::now());
        }
        if interrupted_at.is_some_and(|t| t.elapsed() > INTERRUPT_GRACE) {
            app.exit_note.get_or_insert_with(|| "interrupted: the trainer did not answer in time; nothing saved".into());
            break;
        }
        if redraw && app.graphics.needs_full_redraws() && app.scene() != scene {
            // Sixel and iTerm2 pictures are part of the cells: what an overlay drew over them, or the
            // last view's pictures, would stay behind on a partial redraw. `resize` to the same size
            // clears and forgets the last frame; `clear` would first ask the terminal where its cursor
            // is and wait for the answer (up to 2 s on a terminal that does not give one).
            if let Ok(size) = terminal.size() {
                let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height));
            }
        }
        if redraw && !app.should_quit && !terminal_gone {
            // A terminal that cannot be drawn on is gone (SSH dropped): save what was trained, then leave.
            if terminal.draw(|f| views::render(f, app)).is_err() {
                terminal_gone = true;
                if interrupted_at.is_none() {
                    signalled.raise(signal_hook::consts::SIGHUP);
                    executor.submit(app.update(Msg::Interrupt));
                    interrupted_at = Some(Instant::now());
                }
            }
        }
    }
    Ok(())
}
