//! The dashboard where things go wrong: output that cannot be written, keys before there is anything
//! to act on, and every terminal size — driven through `App` on a real MNIST slice, read back from
//! ratatui's `TestBackend`.

use crate::common;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use common::tui::{set_help, set_theme, set_view, type_into};
use common::tui::{act, config, draw, new_app, press, pump, pump_until, row, screen, trained, until_first_epoch, ASCII, COLOR};
use digitlab::tui::form::Focus;
use digitlab::tui::app::{App, QuitChoice, StatusKind, View};
use digitlab::tui::keys::{Action, BINDINGS};
use digitlab::tui::theme::Theme;
use digitlab::tui::views::{MIN_HEIGHT, MIN_WIDTH};
use proptest::test_runner::{Config, TestRunner};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The status line's kind and text, after checking that the screen shows all of it in its style.
fn shown_status(app: &App) -> (StatusKind, String) {
    let status = app.status().cloned().expect("a status line");
    let text = app.theme().text(&status.text);
    let (w, h) = ((text.chars().count() as u16 + 4).max(MIN_WIDTH), 24);
    let buf = draw(app, w, h);
    assert_eq!(row(&buf, h - 2).trim_end(), text, "the status line shows the whole message");
    let style = match status.kind {
        StatusKind::Error => app.theme().error(),
        StatusKind::Info => app.theme().good(),
    };
    let cell = &buf[(0, h - 2)];
    assert_eq!(cell.fg, style.fg.unwrap_or(Color::Reset), "{status:?}");
    assert!(cell.modifier.contains(style.add_modifier), "{status:?}");
    (status.kind, status.text)
}

/// Every path under `dir`, recursively.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.file_type().unwrap().is_dir() {
            out.extend(tree(&e.path()));
        }
    }
    out.sort();
    out
}

/// Temporary files `write_atomic` would leave if it failed to clean up.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".digitlab-") || n.to_string_lossy().ends_with(".tmp")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Output that cannot be written

/// Where the current run was saved; the first save makes the directory.
fn saved_dir(app: &App) -> PathBuf {
    app.session().unwrap().out_dir.clone().expect("the run has been saved")
}

/// Trains a run whose saves cannot be written under `root`: the first save fails on screen naming
/// `expect`, the run is stopped (training on would only make epochs that cannot be kept), and the
/// dashboard goes on.
fn unsaveable(root: &Path, expect: &str) -> App {
    // 500 epochs: the run is still training when its first save fails, so that failure is what stops it
    // (50 could all be trained while this thread waited for a core, as it may among the other tests).
    let mut app = new_app(&config(500), root, COLOR);
    act(&mut app, Action::Start);
    pump(&mut app);
    let (kind, text) = shown_status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.starts_with("saving the run failed: ") && text.contains(expect), "{text}");
    let s = app.session().unwrap();
    let run = s.progress.result().unwrap();
    assert_eq!(run.status.name(), "stopped", "{text}");
    assert!(run.history.len() < 500, "the run was stopped, not trained to the end");
    assert!(s.out_dir.is_none());
    // Without a directory there is nothing to write pictures or a report into, and the keys say so.
    act(&mut app, Action::Go(View::Weights));
    act(&mut app, Action::ExportImages);
    let (kind, text) = shown_status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.contains("no directory yet"), "{text}");
    act(&mut app, Action::Report);
    assert!(app.status().unwrap().text.contains("no directory yet"));
    for view in <View as strum::IntoEnumIterator>::iter() {
        set_view(&mut app, view);
        assert_renders(&app, &format!("{view:?} after a failed save"));
    }
    app
}

#[test]
fn a_runs_root_under_a_regular_file_fails_on_screen_and_stops_the_run() {
    // A runs root whose parent is a regular file: ENOTDIR even for root, who ignores permission bits.
    let dir = tmp();
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "not a directory").unwrap();
    let root = file.join("runs");
    unsaveable(&root, &format!("{}: cannot create the runs directory", root.display()));
    // Nothing partial anywhere: the file is untouched and alone.
    assert_eq!(tree(dir.path()), vec![file.clone()]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

#[test]
fn a_runs_root_nobody_can_create_fails_on_screen() {
    // /proc takes no new directories, whoever asks: this fails for root as it fails for a student.
    let root = Path::new("/proc/self/digitlab-runs");
    unsaveable(root, "cannot create the runs directory");
    assert!(!root.exists());
}

#[test]
fn a_save_that_cannot_be_moved_into_place_keeps_the_previous_save_whole() {
    let dir = tmp();
    let root = dir.path().join("runs");
    // 500 epochs: the run is still going when its second save fails, so that failure is what stops it.
    let mut app = new_app(&config(500), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    let out = saved_dir(&app);
    let before = std::fs::read(out.join("summary.json")).unwrap();
    let epochs_before = std::fs::read(out.join("epochs.csv")).unwrap();
    // summary.json (moved into place last) becomes a directory: the next save cannot put it there,
    // also as root.
    std::fs::remove_file(out.join("summary.json")).unwrap();
    std::fs::create_dir(out.join("summary.json")).unwrap();
    pump(&mut app);
    let (kind, text) = shown_status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.contains(&format!("{}: cannot move into place", out.join("summary.json").display())), "{text}");
    let run = app.session().unwrap().progress.result().unwrap();
    assert_eq!(run.status.name(), "stopped");
    assert!(run.history.len() < 500);
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    // The data files of the failed save went in before the summary, which is the order that keeps a
    // reader safe: nothing else can claim more than summary.json, and that is unreadable here.
    assert!(out.join("summary.json").is_dir());
    assert_ne!(std::fs::read(out.join("epochs.csv")).unwrap(), epochs_before);
    // The Runs view lists the directory as unreadable, naming it, instead of hiding it.
    act(&mut app, Action::Rescan);
    assert_eq!(app.runs().disk.len(), 0);
    assert_eq!(app.runs().unreadable.len(), 1);
    assert!(app.runs().unreadable[0].1.contains("summary.json: not a regular file"), "{:?}", app.runs().unreadable);
    let (kind, text) = shown_status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.starts_with("skipped an unreadable run: ") && text.contains(&out.display().to_string()), "{text}");
    // Put back, the first save reads as it was.
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    std::fs::write(out.join("summary.json"), &before).unwrap();
    act(&mut app, Action::Rescan);
    assert_eq!((app.runs().disk.len(), app.runs().unreadable.len()), (1, 0));
}

// ---------------------------------------------------------------------------------------------
// Keys before there is anything to act on

/// Every distinct action in the key table.
fn all_actions() -> Vec<Action> {
    let mut out: Vec<Action> = Vec::new();
    for b in BINDINGS {
        if !out.contains(&b.action) {
            out.push(b.action);
        }
    }
    out
}

/// Every key code in the key table.
fn all_codes() -> Vec<crossterm::event::KeyCode> {
    let mut out = Vec::new();
    for b in BINDINGS {
        for &c in b.codes {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// The app draws at 80x24 with its view's tab and the key hints.
fn assert_renders(app: &App, context: &str) {
    let buf = draw(app, 80, 24);
    let tabs = row(&buf, 0);
    let i = <View as strum::IntoEnumIterator>::iter().position(|v| v == app.view()).unwrap();
    assert!(tabs.contains(&format!(" {} {} ", i + 1, app.view().title())), "{context}: {}", screen(&buf));
    // While a field is edited the footer lists the editing keys instead.
    let hint = if app.form().editing.is_some() && app.view() == View::Setup { "revert" } else { "quit" };
    assert!(row(&buf, 23).contains(hint), "{context}: {}", screen(&buf));
}

/// Sends every action (and then every key of the table) in every view, except those `skip` names and
/// quitting (which has tests of its own).
fn mash(app: &mut App, skip: &[Action]) {
    for view in <View as strum::IntoEnumIterator>::iter() {
        for a in all_actions().into_iter().filter(|a| !skip.contains(a) && *a != Action::Quit) {
            set_view(app, view);
            act(app, a);
            assert_renders(app, &format!("{a:?} in {view:?}"));
        }
        for code in all_codes() {
            set_view(app, view);
            let msg = digitlab::tui::keys::msg_for(app, crossterm::event::KeyEvent::from(code));
            if let Some(msg) = msg {
                if matches!(msg, digitlab::tui::app::Msg::Action(a) if skip.contains(&a) || a == Action::Quit) {
                    continue;
                }
                common::tui::send(app, msg);
            }
            assert_renders(app, &format!("{code:?} in {view:?}"));
        }
    }
    // Leave no modal state behind for what follows: close the question or help, then Esc ends an edit.
    act(app, Action::Close);
    set_view(app, View::Setup);
    press(app, crossterm::event::KeyCode::Esc);
    assert!(app.form().editing.is_none() && !app.confirm_quit() && !app.help());
}

/// A data directory that does not exist: no key can start (or queue) a run while the form names it,
/// whatever else the keys typed into the form.
fn unstartable(app: &mut App, dir: &Path) {
    type_into(app, Focus::DataDir, &dir.join("no-such-data").display().to_string());
}

#[test]
fn every_key_without_a_session_leaves_a_usable_app() {
    let dir = tmp();
    let mut app = new_app(&config(1), &dir.path().join("runs"), COLOR);
    unstartable(&mut app, dir.path());
    mash(&mut app, &[]);
    assert!(app.session().is_none() && app.shown().is_none() && !app.is_training());
    assert!(app.pictures().images.is_empty());
    // Keys typed into the form may have made it invalid; with a fresh form, training works.
    let mut app = new_app(&config(1), &dir.path().join("runs"), COLOR);
    act(&mut app, Action::Start);
    assert!(app.is_training(), "{:?}", app.status());
    pump(&mut app);
    let s = app.session().unwrap();
    assert_eq!((s.progress.history.len(), s.progress.result().unwrap().status.name()), (1, "completed"));
    assert_eq!(app.view(), View::Results);
    assert_renders(&app, "after the run");
}

#[test]
fn every_key_right_after_start_leaves_the_run_going() {
    let dir = tmp();
    let mut app = new_app(&config(1), &dir.path().join("runs"), COLOR);
    act(&mut app, Action::Start);
    assert!(app.is_training());
    // No trainer event applied yet: no batch, no epoch, no pictures. Stop and pause/resume have tests
    // of their own; everything else must leave the trainer alone.
    assert!(app.session().unwrap().progress.last.is_none());
    unstartable(&mut app, dir.path());
    mash(&mut app, &[Action::Stop, Action::PauseResume, Action::ConfirmQuit(QuitChoice::Keep), Action::ConfirmQuit(QuitChoice::Discard)]);
    assert!(app.is_training(), "{:?}", app.status());
    assert!(app.session().unwrap().progress.history.is_empty());
    pump(&mut app);
    let s = app.session().unwrap();
    assert_eq!((s.progress.history.len(), s.progress.result().unwrap().status.name()), (1, "completed"));
    assert_renders(&app, "after the run");
}

#[test]
fn pause_and_stop_before_the_first_trainer_event() {
    let dir = tmp();
    // The pause reaches the trainer at its next batch; with the usual test setup a whole epoch takes
    // ~10 ms, which a loaded CI machine can spend between two lines of this test (seen once: the run
    // had finished before the pause arrived). One image a batch on 256 units makes the first epoch
    // 2,000 optimizer steps (~0.5 s), so the pause lands inside it.
    let slow = |epochs| digitlab::train::TrainConfig {
        batch_size: 1,
        hidden: vec![digitlab::model::HiddenLayer { neurons: 256, activation: digitlab::model::Activation::Relu }],
        ..config(epochs)
    };
    // Pause at once: the trainer pauses, the screen says so, resume finishes the run.
    let mut app = new_app(&slow(1), &dir.path().join("runs"), COLOR);
    act(&mut app, Action::Start);
    act(&mut app, Action::PauseResume);
    // Twice before any event: both ask to pause (the app has not heard it paused yet).
    act(&mut app, Action::PauseResume);
    pump_until(&mut app, |a| a.session().unwrap().progress.paused);
    assert!(app.is_training());
    assert!(row(&draw(&app, 80, 24), 0).contains("paused"));
    assert!(shown_status(&app).1.starts_with("paused: p resumes"), "{:?}", shown_status(&app));
    act(&mut app, Action::PauseResume);
    pump_until(&mut app, |a| !a.session().unwrap().progress.paused);
    assert_eq!(shown_status(&app).1, "training again");
    pump(&mut app);
    let s = app.session().unwrap();
    assert_eq!((s.progress.history.len(), s.progress.result().unwrap().status.name()), (1, "completed"));

    // Stop before the first epoch: pause at once (the trainer honours it at its next batch, long before
    // the 2,000-batch epoch ends), then stop while paused. Nothing finished, so nothing is saved.
    let root = dir.path().join("runs-stopped");
    let mut app = new_app(&slow(500), &root, COLOR);
    act(&mut app, Action::Start);
    act(&mut app, Action::PauseResume);
    pump_until(&mut app, |a| a.session().unwrap().progress.paused);
    assert!(app.session().unwrap().progress.history.is_empty(), "paused within the first epoch");
    act(&mut app, Action::Stop);
    pump(&mut app);
    assert!(!app.is_training());
    let s = app.session().unwrap();
    let Some(Err(message)) = &s.progress.outcome else { panic!("expected no result, got {:?}", s.progress.outcome.as_ref().map(|o| o.is_ok())) };
    assert!(message.contains("stopped before the first epoch finished"), "{message}");
    let (kind, text) = shown_status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.contains("training failed: "), "{text}");
    act(&mut app, Action::Export);
    assert!(app.status().unwrap().text.contains("saved when its first epoch finishes"), "{:?}", app.status());
    assert!(!root.exists(), "no directory for a run without a finished epoch");
    for view in <View as strum::IntoEnumIterator>::iter() {
        set_view(&mut app, view);
        assert_renders(&app, &format!("{view:?} after an immediate stop"));
    }
}

// ---------------------------------------------------------------------------------------------
// Every terminal size

/// What a too-small screen says (the text views::render draws).
fn too_small(theme: Theme) -> String {
    format!("terminal too small (need {MIN_WIDTH}{}{MIN_HEIGHT})", if theme.ascii { "x" } else { "×" })
}

/// Checks one frame: below the minimum the too-small message, as much of it as fits, in order; at or
/// above it the tab bar with this view selected, the status line and the key hints.
fn check_frame(app: &App, w: u16, h: u16) -> Result<(), String> {
    let buf: Buffer = draw(app, w, h);
    let context = || format!("{:?} {:?} help={} at {w}x{h}:\n{}", app.view(), app.theme(), app.help(), screen(&buf));
    if w < MIN_WIDTH || h < MIN_HEIGHT {
        let want: String = too_small(app.theme()).chars().filter(|c| !c.is_whitespace()).collect();
        let got: String = screen(&buf).chars().filter(|c| !c.is_whitespace()).collect();
        if got.is_empty() || !want.starts_with(&got) {
            return Err(format!("not (a prefix of) the too-small message: {}", context()));
        }
        // The longest word is 8 wide, and it takes 5 lines at that width.
        let fits = w as usize >= too_small(app.theme()).chars().count() || (w >= 8 && h >= 5);
        if fits && got != want {
            return Err(format!("the too-small message is cut although it fits: {}", context()));
        }
        return Ok(());
    }
    let tabs = row(&buf, 0);
    let i = <View as strum::IntoEnumIterator>::iter().position(|v| v == app.view()).unwrap();
    let label = format!(" {} {} ", i + 1, app.view().title());
    let Some(byte) = tabs.find(&label) else { return Err(format!("no tab {label:?}: {}", context())) };
    let x = tabs[..byte].chars().count() as u16;
    if !buf[(x + 1, 0)].modifier.contains(app.theme().selected().add_modifier) {
        return Err(format!("tab {label:?} not shown as selected: {}", context()));
    }
    // The status line: on one row, or on two when it is wider than the screen; whole when two rows
    // hold it (words wrap, so compare without spaces).
    let status = app.theme().text(&app.status().unwrap().text);
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let shown = if status.chars().count() > w as usize { row(&buf, h - 3) + &row(&buf, h - 2) } else { row(&buf, h - 2) };
    let whole = status.chars().count() <= w as usize || status.chars().count() + 20 <= 2 * w as usize;
    if !squeeze(&status).starts_with(&squeeze(&shown)) || squeeze(&shown).is_empty() || (whole && squeeze(&shown) != squeeze(&status)) {
        return Err(format!("status line is not {status:?}: {}", context()));
    }
    if !row(&buf, h - 1).starts_with("? help  q quit") {
        return Err(format!("no key hints: {}", context()));
    }
    Ok(())
}

/// Every view in both themes, with and without the help overlay.
fn every_variant(app: &mut App, mut f: impl FnMut(&App) -> Result<(), String>) -> Result<(), String> {
    for theme in [COLOR, ASCII] {
        for view in <View as strum::IntoEnumIterator>::iter() {
            for help in [false, true] {
                set_theme(app, theme);
                set_view(app, view);
                set_help(app, help);
                f(app)?;
            }
        }
    }
    Ok(())
}

#[test]
fn any_terminal_size_renders_every_view() {
    let dir = tmp();
    let app = RefCell::new(trained(&dir.path().join("runs"), COLOR));
    assert!(app.borrow().shown().is_some() && app.borrow().status().is_some());
    // 48 sizes (x 20 variants) in about 2 s; DIGITLAB_SIZE_CASES=10000 for a long run.
    let cases = std::env::var("DIGITLAB_SIZE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let started = std::time::Instant::now();
    runner
        .run(&(1u16..=400, 1u16..=150), |(w, h)| {
            every_variant(&mut app.borrow_mut(), |a| check_frame(a, w, h)).map_err(proptest::test_runner::TestCaseError::fail)
        })
        .unwrap();
    eprintln!("{cases} random sizes x 20 variants in {:.2?}", started.elapsed());
}

#[test]
fn every_size_up_to_70x25_renders_every_view() {
    let dir = tmp();
    let mut app = trained(&dir.path().join("runs"), COLOR);
    let started = std::time::Instant::now();
    every_variant(&mut app, |a| {
        for w in 1..=70 {
            for h in 1..=25 {
                check_frame(a, w, h)?;
            }
        }
        Ok(())
    })
    .unwrap();
    eprintln!("70x25 sizes x 20 variants in {:.2?}", started.elapsed());
}
