//! Driving the dashboard's state machine on a real MNIST slice and reading what it draws with
//! ratatui's `TestBackend`.

use digitlab::tui::colors::ColorDepth;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use digitlab::data::{self, locate, Mnist};
use digitlab::model::{Activation, HiddenLayer};
use digitlab::train::TrainConfig;
use digitlab::tui::app::{App, Msg};
use digitlab::tui::effects::{perform, Effect, RunDirs};
use digitlab::tui::keys::{self, Action};
use digitlab::tui::theme::Theme;
use digitlab::tui::views;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

pub const COLOR: Theme = Theme { color: true, ascii: false, depth: ColorDepth::TrueColor };
pub const ASCII: Theme = Theme { color: false, ascii: true, depth: ColorDepth::TrueColor };

/// Longest a trainer may stay silent before a test gives up (a hang, not a slow machine).
const TRAINER_SILENCE: Duration = Duration::from_secs(120);

/// The bundled MNIST with its first 2,000 training images (all 10,000 test images).
pub fn mnist() -> Arc<Mnist> {
    static DATA: OnceLock<Arc<Mnist>> = OnceLock::new();
    Arc::clone(DATA.get_or_init(|| {
        let mut m = data::load_dir(&locate::bundled_dir().unwrap()).unwrap();
        m.train = m.train.head(2000);
        Arc::new(m)
    }))
}

/// 16 ReLU units, 100 steps an epoch on the slice.
pub fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        hidden: vec![HiddenLayer { neurons: 16, activation: Activation::Relu }],
        epochs,
        batch_size: 20,
        lr: 0.003,
        ..TrainConfig::default()
    }
}

pub fn new_app(cfg: &TrainConfig, runs_root: &Path, theme: Theme) -> App {
    App::new(cfg, mnist(), locate::bundled_dir().unwrap(), theme, runs_root.to_path_buf())
}

/// Carries out `effects` here and now, as the dashboard's effects thread would, feeding each result
/// back (and whatever that asks for in turn). One carrier serves every test of the binary (run keys are
/// unique in the process); a test that panicked while holding it does not fail the others.
pub fn carry_out(app: &mut App, effects: Vec<Effect>) {
    static DIRS: OnceLock<Mutex<RunDirs>> = OnceLock::new();
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        let done = perform(effect, &mut DIRS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner()));
        queue.extend(app.update(Msg::Done(done)));
    }
}

/// `app.update(msg)` with its effects carried out.
pub fn send(app: &mut App, msg: Msg) {
    let effects = app.update(msg);
    carry_out(app, effects);
}

pub fn act(app: &mut App, a: Action) {
    send(app, Msg::Action(a));
}

/// A key press as the event loop hands it over (`None`: the key means nothing here).
pub fn press(app: &mut App, code: KeyCode) -> Option<()> {
    let msg = keys::msg_for(app, KeyEvent::from(code))?;
    send(app, msg);
    Some(())
}

/// Switches to view `v`, as the number keys do.
pub fn set_view(app: &mut App, v: digitlab::tui::app::View) {
    act(app, Action::Go(v));
    assert_eq!(app.view(), v);
}

/// Opens or closes the help overlay, as `?` does.
pub fn set_help(app: &mut App, on: bool) {
    if app.help() != on {
        act(app, Action::Help);
    }
}

pub fn set_theme(app: &mut App, theme: Theme) {
    send(app, Msg::Theme(theme));
}

/// Selects row `i` of the Runs view with the arrow keys.
pub fn select_run(app: &mut App, i: usize) {
    set_view(app, digitlab::tui::app::View::Runs);
    for _ in 0..app.run_rows().len() {
        act(app, Action::Up);
    }
    for _ in 0..i {
        act(app, Action::Down);
    }
    assert_eq!(app.runs().selected, i);
}

/// Types `text` into a text field of the setup form, as a person would: move to it, Enter, erase,
/// type, Enter.
pub fn type_into(app: &mut App, field: digitlab::tui::form::Focus, text: &str) {
    set_view(app, digitlab::tui::app::View::Setup);
    for _ in 0..64 {
        if app.form().focus == field {
            break;
        }
        act(app, Action::Down);
    }
    assert_eq!(app.form().focus, field, "the field can be reached");
    act(app, Action::Edit);
    let old = app.form().text(field).unwrap_or_default().chars().count();
    for _ in 0..old {
        press(app, KeyCode::Backspace);
    }
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
    press(app, KeyCode::Enter);
    assert_eq!(app.form().text(field), Some(text));
}

/// Applies the trainer's next event, or notes that its channel closed.
pub fn step(app: &mut App) {
    let rx = app.trainer_events().expect("a trainer is attached");
    match rx.recv_timeout(TRAINER_SILENCE) {
        Ok(ev) => send(app, Msg::Trainer(ev)),
        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => send(app, Msg::TrainerGone),
        Err(e) => panic!("trainer silent for {TRAINER_SILENCE:?}: {e}"),
    }
}

/// Feeds trainer events to the app until the trainer has said its last word.
pub fn pump(app: &mut App) {
    while app.trainer_events().is_some() {
        step(app);
    }
}

/// Feeds trainer events until `done` holds (the run goes on).
pub fn pump_until(app: &mut App, done: impl Fn(&App) -> bool) {
    while !done(app) {
        step(app);
    }
}

pub fn until_first_epoch(app: &mut App) {
    pump_until(app, |a| a.session().is_some_and(|s| !s.progress.history.is_empty()));
}

/// A finished one-epoch run of 16 neurons on the 2,000-image slice.
pub fn trained(runs_root: &Path, theme: Theme) -> App {
    let mut app = new_app(&config(1), runs_root, theme);
    act(&mut app, Action::Start);
    assert!(app.session().is_some(), "{:?}", app.status());
    pump(&mut app);
    app
}

/// The real event loop (effects on their own thread), on a test terminal, fed `keys`; returns when
/// the app has quit.
pub fn run_loop(app: &mut App, keys: impl IntoIterator<Item = KeyEvent>, signalled: &digitlab::signals::Interrupt) {
    let (tx, rx) = crossbeam_channel::unbounded();
    for k in keys {
        tx.send(digitlab::tui::event::Input::Key(k)).unwrap();
    }
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    digitlab::tui::event::run_loop(&mut term, app, &rx, signalled, Vec::new()).unwrap();
}

pub fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| views::render(f, app)).unwrap();
    term.backend().buffer().clone()
}

/// Row `y` of the buffer as text.
pub fn row(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// The whole buffer as text, one line a row.
pub fn screen(buf: &Buffer) -> String {
    (0..buf.area.height).map(|y| row(buf, y)).collect::<Vec<_>>().join("\n")
}
