//! The dashboard's own tests of the note editor and the hand-in, and what they share: an app on a
//! made-up four-pixel data set whose runs are directories made here (no training, no bundled data),
//! driven key by key through `keys::msg_for` → `App::update` → effects carried out in place, and drawn
//! with `TestBackend`. They use every layer of the dashboard, so they sit above all of them.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Action, App, Msg, RunRow, StatusKind, View};
use super::effects::{perform, Done, Effect, RunDirs};
use super::handin_form::Field;
use super::keys;
use super::theme::Theme;
use crate::data::{Dataset, Mnist};
use crate::rundir::{self, DataInfo, Summary};
use crate::train::{RunStatus, TrainConfig};

pub const PLAIN: Theme = Theme { color: false, ascii: false, depth: super::colors::ColorDepth::TrueColor };
pub const COLOR: Theme = Theme { color: true, ascii: false, depth: super::colors::ColorDepth::TrueColor };

fn data(dir: &Path) -> Mnist {
    let set = Dataset::new(2, 2, vec![0; 16], vec![0, 1, 0, 1]);
    Mnist { train: set.clone(), test: set, classes: 2, dir: dir.to_path_buf(), files: Vec::new() }
}

/// An app whose runs root `root/runs` holds one stopped run directory per name (made here, in
/// that order), listed in the Runs view.
pub fn app_with_runs(root: &Path, names: &[&str], theme: Theme) -> App {
    let runs = root.join("runs");
    let data = data(root);
    let cfg = TrainConfig::default();
    for name in names {
        let dir = runs.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let arch = cfg.architecture(4, 2);
        let summary = Summary::without_epochs(&cfg, &arch, DataInfo::of(&data), RunStatus::Stopped);
        rundir::save_failure(&dir, &summary).unwrap();
    }
    let mut app = App::new(&cfg, Arc::new(data), root.to_path_buf(), theme, runs);
    let scan = app.update(Msg::Action(Action::Rescan));
    carry_out(&mut app, scan);
    app
}

/// Carries `effects` out here and now, feeding each result back (and what that asks for in turn).
pub fn carry_out(app: &mut App, effects: Vec<Effect>) {
    let mut dirs = RunDirs::default();
    let mut queue: VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        let done = perform(effect, &mut dirs);
        queue.extend(app.update(Msg::Done(done)));
    }
}

/// The effects a key press asks for (not carried out), as the event loop would get them.
pub fn press_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    match keys::msg_for(app, KeyEvent::new(code, modifiers)) {
        Some(msg) => app.update(msg),
        None => Vec::new(),
    }
}

/// A key press with its effects carried out.
pub fn press(app: &mut App, code: KeyCode) {
    let effects = press_with(app, code, KeyModifiers::NONE);
    carry_out(app, effects);
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) });
    }
}

/// The Runs view with row `i` selected.
pub fn select(app: &mut App, i: usize) {
    press(app, KeyCode::Char('5'));
    for _ in 0..app.run_rows().len() {
        press(app, KeyCode::Up);
    }
    for _ in 0..i {
        press(app, KeyCode::Down);
    }
    assert_eq!((app.view, app.runs.selected), (View::Runs, i));
}

pub fn status(app: &App) -> String {
    app.status.as_ref().map_or(String::new(), |s| s.text.clone())
}

pub fn is_error(app: &App) -> bool {
    app.status.as_ref().is_some_and(|s| s.kind == StatusKind::Error)
}

pub fn screen(app: &App, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::views::render(f, app)).unwrap();
    term.backend().buffer().clone()
}

pub fn text(buf: &ratatui::buffer::Buffer) -> String {
    (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect::<Vec<_>>().join("\n")
}

/// No cell carries a color (NO_COLOR).
pub fn colorless(buf: &ratatui::buffer::Buffer) -> bool {
    use ratatui::style::Color;
    buf.content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
}

mod tests {
    use super::*;

    fn run_dir(app: &App, name: &str) -> PathBuf {
        app.runs_root.join(name)
    }

    /// An app whose one run, "a", has the notes `text`, open in the note editor; and the run's directory.
    fn note_open(root: &Path, text: &str) -> (App, PathBuf) {
        let mut app = app_with_runs(root, &["a"], PLAIN);
        let dir = run_dir(&app, "a");
        rundir::write_notes(&dir, text).unwrap();
        select(&mut app, 0);
        let effects = press_with(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
        carry_out(&mut app, effects);
        assert!(app.note.is_some());
        (app, dir)
    }

    /// The note changed in another editor while it was open here: Esc's save keeps both versions in
    /// the file, shows them in the editor (which stays open to tidy up) and says so; nothing is lost.
    #[test]
    fn a_note_changed_elsewhere_while_open_keeps_both_versions() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut app, dir) = note_open(tmp.path(), "first thoughts");
        typed(&mut app, " and more");
        // Meanwhile, in vim:
        rundir::write_notes(&dir, "first thoughts\nwritten in vim").unwrap();
        let effects = press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        carry_out(&mut app, effects);
        let on_disk = rundir::read_notes(&dir).unwrap();
        assert!(on_disk.starts_with("first thoughts and more") && on_disk.ends_with("first thoughts\nwritten in vim"), "{on_disk}");
        let e = app.note.as_ref().expect("still open, to tidy up");
        assert_eq!(e.text(), on_disk);
        assert!(!e.unsaved());
        assert!(status(&app).contains("changed outside the dashboard: both versions are in it now"), "{}", status(&app));
        // Esc now closes: nothing new to save.
        press(&mut app, KeyCode::Esc);
        assert!(app.note.is_none());
        assert_eq!(rundir::read_notes(&dir).unwrap(), on_disk);
    }

    /// Ctrl-S, more keys, then Esc before the first save has landed (saves queue behind a run's own):
    /// the second save finds the first one's text, its own, not an edit made elsewhere.
    #[test]
    fn a_second_save_sent_before_the_first_landed_is_no_outside_edit() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut app, dir) = note_open(tmp.path(), "first");
        typed(&mut app, " one");
        let first = press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        typed(&mut app, " two");
        let second = press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        carry_out(&mut app, first);
        carry_out(&mut app, second);
        assert_eq!(rundir::read_notes(&dir).unwrap(), "first one two");
        assert!(app.note.is_none(), "closed once saved");
        assert!(!status(&app).contains("outside"), "{}", status(&app));
    }

    /// `n` on a run opens its notes in the editor; every key then types (q, Tab, digits too), and Esc
    /// saves off the UI thread and closes once saved.
    #[test]
    fn n_opens_the_note_prefilled_keys_type_and_esc_saves_and_closes() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
        let dir = run_dir(&app, "a");
        rundir::write_notes(&dir, "first thoughts").unwrap();
        select(&mut app, 0);
        let effects = press_with(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
        assert!(matches!(&effects[..], [Effect::ReadNote { dir: d }] if *d == dir), "{effects:?}");
        assert!(app.note.is_none(), "opens once the notes are read");
        carry_out(&mut app, effects);
        let e = app.note.as_ref().expect("the editor is open");
        assert_eq!((e.text().as_str(), e.run.as_str()), ("first thoughts", "a"));

        // Down to the end, a new line, then keys that elsewhere quit, switch views or open help.
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::End);
        typed(&mut app, "\nq1?x");
        press(&mut app, KeyCode::Backspace);
        press(&mut app, KeyCode::Left);
        typed(&mut app, "Z");
        press(&mut app, KeyCode::Tab);
        assert!(!app.should_quit && !app.help && app.view == View::Runs, "the keys went to the editor");
        let typed_text = app.note.as_ref().unwrap().text();
        // Tab indents to the next stop: one space after "q1Z".
        assert_eq!(typed_text, "first thoughts\nq1Z ?");

        let effects = press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert!(matches!(&effects[..], [Effect::SaveNote { dir: d, text, ours }] if *d == dir && *text == typed_text && *ours == ["first thoughts"]), "{effects:?}");
        assert!(app.note.is_some(), "open until the save has landed");
        assert_eq!(rundir::read_notes(&dir).unwrap(), "first thoughts", "update touched no file");
        carry_out(&mut app, effects);
        assert!(app.note.is_none());
        assert_eq!(rundir::read_notes(&dir).unwrap(), typed_text);
        assert_eq!(status(&app), format!("note saved in {}", dir.join(rundir::NOTES_MD).display()));
        // Esc again on an unchanged note closes it without writing.
        press(&mut app, KeyCode::Char('n'));
        let effects = press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert!(effects.is_empty() && app.note.is_none(), "{effects:?}");
    }

    /// Keys typed after `n` before the notes are read are the editor's, not the dashboard's.
    #[test]
    fn keys_typed_while_the_note_is_read_go_into_the_editor() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
        let dir = run_dir(&app, "a");
        rundir::write_notes(&dir, "so far").unwrap();
        select(&mut app, 0);
        let read = press_with(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
        let mut later = Vec::new();
        for code in [KeyCode::Char('q'), KeyCode::Char('2'), KeyCode::Esc] {
            later.extend(press_with(&mut app, code, KeyModifiers::NONE));
        }
        assert!(later.is_empty() && !app.should_quit && app.view == View::Runs && app.note.is_none());
        carry_out(&mut app, read);
        // q and 2 were typed at the end (the cursor starts there), and Esc saved and closed.
        assert!(app.note.is_none(), "closed once saved");
        assert_eq!(rundir::read_notes(&dir).unwrap(), "so farq2");
    }

    #[test]
    fn a_failed_save_keeps_the_editor_open_with_the_text_and_ctrl_s_saves_without_closing() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
        let dir = run_dir(&app, "a");
        select(&mut app, 0);
        press(&mut app, KeyCode::Char('n'));
        typed(&mut app, "keep me");
        // The directory is gone: no file can be written in it, whoever runs the test.
        std::fs::remove_dir_all(&dir).unwrap();
        press(&mut app, KeyCode::Esc);
        assert!(is_error(&app) && status(&app).contains("note not saved"), "{}", status(&app));
        let e = app.note.as_ref().expect("still open");
        assert_eq!(e.text(), "keep me");
        assert!(e.unsaved() && !e.close_when_saved && e.saving.is_none());

        std::fs::create_dir_all(&dir).unwrap();
        let effects = press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(matches!(&effects[..], [Effect::SaveNote { .. }]), "{effects:?}");
        carry_out(&mut app, effects);
        assert!(app.note.as_ref().is_some_and(|e| !e.unsaved()), "Ctrl-S saves and goes on");
        assert_eq!(rundir::read_notes(&dir).unwrap(), "keep me");
        assert!(!is_error(&app), "{}", status(&app));
    }

    #[test]
    fn ctrl_c_in_the_editor_saves_the_note_then_quits_and_a_failed_save_prints_the_text() {
        for fails in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
            let dir = run_dir(&app, "a");
            select(&mut app, 0);
            press(&mut app, KeyCode::Char('n'));
            typed(&mut app, "half a thought");
            if fails {
                std::fs::remove_dir_all(&dir).unwrap();
            }
            let effects = press_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
            assert!(app.should_quit, "Ctrl-C still quits");
            assert!(matches!(&effects[..], [Effect::SaveNote { text, .. }] if text == "half a thought"), "{effects:?}");
            carry_out(&mut app, effects);
            let said = app.exit_message().unwrap();
            if fails {
                assert!(said.contains("could not be saved") && said.ends_with("here it is:\nhalf a thought"), "{said}");
            } else {
                assert!(said.contains(&format!("note saved in {}", dir.join(rundir::NOTES_MD).display())), "{said}");
                assert_eq!(rundir::read_notes(&dir).unwrap(), "half a thought");
            }
        }
    }

    #[test]
    fn notes_that_cannot_be_read_are_not_opened_and_stay_as_they_are() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
        let path = run_dir(&app, "a").join(rundir::NOTES_MD);
        std::fs::write(&path, b"\xff\xfe notes from another program").unwrap();
        select(&mut app, 0);
        press(&mut app, KeyCode::Char('n'));
        assert!(app.note.is_none());
        assert!(is_error(&app) && status(&app).contains("cannot open the note") && status(&app).contains("not UTF-8"), "{}", status(&app));
        assert_eq!(std::fs::read(&path).unwrap(), b"\xff\xfe notes from another program");
        // The Runs view says so on the run's line.
        press(&mut app, KeyCode::Char('R'));
        let shown = text(&screen(&app, 100, 24));
        assert!(shown.contains("✎ note unreadable:"), "{shown}");
    }

    #[test]
    fn results_keeps_n_for_normalizing_and_takes_capital_n_for_the_note() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
        press(&mut app, KeyCode::Char('3'));
        press(&mut app, KeyCode::Char('n'));
        assert!(app.results.normalized && app.note.is_none());
        press(&mut app, KeyCode::Char('N'));
        assert!(is_error(&app) && status(&app).contains("nothing to write a note on yet"), "{}", status(&app));
    }

    /// Space chooses runs in order; H opens the form, whose keys type (q does not quit); Enter asks for
    /// the hand-in with the request the form says; a failure shows as an error and the app goes on.
    #[test]
    fn the_handin_form_makes_the_request_of_the_chosen_runs_and_a_failure_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a", "b", "c"], PLAIN);
        let names = |app: &App| app.run_rows().iter().map(|r| match r {
            RunRow::Done(e) => e.name(),
            _ => String::new(),
        }).collect::<Vec<_>>();
        let rows = names(&app);
        let at = |name: &str| rows.iter().position(|n| n == name).unwrap();
        // Chosen c, then a, then b, and b taken out again.
        for name in ["c", "a", "b", "b"] {
            select(&mut app, at(name));
            press(&mut app, KeyCode::Char(' '));
        }
        assert!(status(&app).contains("b taken out of the hand-in (2 chosen)"), "{}", status(&app));
        let (sources, from_selection) = app.handin_sources().unwrap();
        assert_eq!(sources, [run_dir(&app, "c"), run_dir(&app, "a")]);
        assert!(!from_selection);

        press(&mut app, KeyCode::Char('H'));
        assert!(app.handin.open);
        typed(&mut app, "Lab 3 q1");
        press(&mut app, KeyCode::Down);
        typed(&mut app, "Ada (1), Alan (2)");
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Right);
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Char(' '));
        assert!(!app.should_quit && app.view == View::Runs, "q and 1 typed into the title");
        let shown = text(&screen(&app, 80, 24));
        assert!(shown.contains("  title   Lab 3 q1") && shown.contains("◂ Letter ▸") && shown.contains("> models  ◂ yes ▸"), "{shown}");
        assert!(shown.contains("  runs    c, a") && shown.contains("Enter makes report.pdf and handin.zip"), "{shown}");
        assert!(colorless(&screen(&app, 80, 24)), "NO_COLOR: the form has no color of its own");
        // The smallest terminal the dashboard draws on, in plain ASCII: every field still there.
        let _ = app.update(Msg::Theme(Theme { ascii: true, ..PLAIN }));
        let small = text(&screen(&app, 60, 18));
        assert!(small.is_ascii() && small.contains("< Letter >") && small.contains("> models  < yes >") && small.contains("  out     handin"), "{small}");
        let _ = app.update(Msg::Theme(PLAIN));

        let effects = press_with(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let [Effect::Handin { request }] = &effects[..] else { panic!("{effects:?}") };
        assert_eq!(request.sources, [run_dir(&app, "c"), run_dir(&app, "a")]);
        assert_eq!(request.out, tmp.path().join("handin"), "beside runs/, where the dashboard was started");
        assert_eq!((request.title.as_deref(), request.authors.as_deref()), (Some("Lab 3 q1"), Some("Ada (1), Alan (2)")));
        assert_eq!((request.paper, request.with_models), (crate::handin::Paper::Letter, true));
        assert!(app.handin.building && !app.handin.open);
        assert!(status(&app).starts_with("making the hand-in of 2 run(s) in"), "{}", status(&app));
        assert!(text(&screen(&app, 80, 24)).lines().next().unwrap().contains("making the hand-in…"));
        // One at a time.
        press(&mut app, KeyCode::Char('H'));
        assert!(is_error(&app) && status(&app).contains("a hand-in is being made") && !app.handin.open);

        carry_out(&mut app, effects);
        assert!(!app.handin.building && !app.should_quit);
        let pdf = tmp.path().join("handin/report.pdf");
        assert!(!is_error(&app) && status(&app).starts_with(&format!("hand-in written: {}", pdf.display())), "{}", status(&app));
        assert!(pdf.is_file());

        // A chosen run gone from disk: the next hand-in fails, says why, and leaves no directory.
        std::fs::remove_dir_all(run_dir(&app, "a")).unwrap();
        press(&mut app, KeyCode::Char('H'));
        // The form keeps what was typed for the next try.
        assert_eq!(app.handin.form.title, "Lab 3 q1");
        let effects = press_with(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        carry_out(&mut app, effects);
        assert!(is_error(&app) && status(&app).starts_with("hand-in failed: "), "{}", status(&app));
        assert!(!tmp.path().join("handin-2").exists(), "the empty directory of a failed hand-in is removed");
        press(&mut app, KeyCode::Char('H'));
        press(&mut app, KeyCode::Esc);
        assert!(!app.handin.open && !app.should_quit);
    }

    #[test]
    fn with_no_run_chosen_h_hands_in_the_selected_run_and_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a", "b"], PLAIN);
        select(&mut app, 1);
        let selected = match &app.run_rows()[1] {
            RunRow::Done(e) => e.dir.clone().unwrap(),
            _ => unreachable!(),
        };
        press(&mut app, KeyCode::Char('H'));
        assert!(status(&app).contains(&format!("no run chosen (space), so the hand-in is of the selected run, {}", rundir::dir_name(&selected))), "{}", status(&app));
        assert_eq!(app.handin_request().unwrap().sources, [selected]);
        // An out directory left empty is refused on its field, and the form stays open.
        press(&mut app, KeyCode::Up);
        for _ in 0.."handin".len() {
            press(&mut app, KeyCode::Backspace);
        }
        let effects = press_with(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert!(effects.is_empty() && app.handin.open && app.handin.form.focus == Field::Out);
        assert!(is_error(&app) && status(&app).starts_with("cannot make the hand-in: out: name the directory"), "{}", status(&app));
    }

    #[test]
    fn a_handin_never_goes_into_an_existing_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a"], PLAIN);
        std::fs::create_dir(tmp.path().join("handin")).unwrap();
        std::fs::write(tmp.path().join("handin/report.md"), "last week's").unwrap();
        select(&mut app, 0);
        press(&mut app, KeyCode::Char('H'));
        let effects = press_with(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let [Effect::Handin { request }] = &effects[..] else { panic!("{effects:?}") };
        let mut dirs = RunDirs::default();
        let Done::Handin { result } = perform(Effect::Handin { request: request.clone() }, &mut dirs) else { panic!() };
        assert_eq!(result.unwrap().dir, tmp.path().join("handin-2"));
        assert_eq!(std::fs::read_to_string(tmp.path().join("handin/report.md")).unwrap(), "last week's");
    }

    /// The Runs table marks chosen runs and runs with notes, and shows the selected run's note.
    #[test]
    fn runs_view_marks_chosen_and_noted_runs_in_any_terminal() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = app_with_runs(tmp.path(), &["a", "b"], PLAIN);
        rundir::write_notes(&run_dir(&app, "a"), "\n  ReLU beats sigmoid here\nsecond line").unwrap();
        select(&mut app, 0);
        press(&mut app, KeyCode::Char('R'));
        let row_of = |app: &App, name: &str| app.run_rows().iter().position(|r| matches!(r, RunRow::Done(e) if e.name() == name)).unwrap();
        let b = row_of(&app, "b");
        select(&mut app, b);
        press(&mut app, KeyCode::Char(' '));
        let buf = screen(&app, 80, 24);
        let shown = text(&buf);
        let line = |needle: &str| shown.lines().find(|l| l.contains(needle)).map(str::to_string).unwrap_or_default();
        assert!(line(" a ").contains("│✎ a "), "{shown}");
        assert!(line(" b ").contains("│✓ b "), "{shown}");
        assert!(shown.contains("hand-in: 1 chosen") && shown.contains("1 run(s) chosen for the hand-in: H makes it"), "{shown}");
        assert!(colorless(&buf), "NO_COLOR: the marks are glyphs, not colors");
        // With no run chosen, the line says what the keys do, whole at 80 columns.
        press(&mut app, KeyCode::Char(' '));
        assert!(text(&screen(&app, 80, 24)).contains("space chooses runs for the hand-in (✓), H makes it · n writes a note (✎)"));
        press(&mut app, KeyCode::Char(' '));
        let a = row_of(&app, "a");
        select(&mut app, a);
        let shown = text(&screen(&app, 80, 24));
        assert!(shown.contains("✎ note: ReLU beats sigmoid here") && !shown.contains("second line"), "{shown}");
        // Plain ASCII.
        let _ = app.update(Msg::Theme(Theme { ascii: true, ..PLAIN }));
        let shown = text(&screen(&app, 80, 24));
        assert!(shown.is_ascii() && shown.contains("* note: ReLU beats sigmoid here"), "{shown}");
        assert!(shown.lines().any(|l| l.contains("|+ b ")) && shown.lines().any(|l| l.contains("|* a ")), "{shown}");
        for (w, h) in [(60, 18), (30, 10)] {
            screen(&app, w, h);
        }
    }

    #[test]
    fn the_editor_overlay_says_esc_saves_and_fits_small_terminals() {
        let tmp = tempfile::tempdir().unwrap();
        let long = "20260101-120000-784-4096relu-4096relu-4096relu";
        let mut app = app_with_runs(tmp.path(), &[long], COLOR);
        select(&mut app, 0);
        press(&mut app, KeyCode::Char('n'));
        typed(&mut app, "line one\nline two");
        for (w, h) in [(80, 24), (60, 18)] {
            let shown = text(&screen(&app, w, h));
            assert!(shown.contains("Esc saves and closes"), "{w}x{h}: {shown}");
            assert!(shown.contains("line one") && shown.contains("line two") && shown.contains("not saved yet"), "{shown}");
            assert!(shown.lines().last().unwrap().contains("Esc save and close"), "the footer says the editor's keys: {shown}");
        }
        assert!(text(&screen(&app, 120, 30)).contains(&format!("note for {long} · Esc saves and closes")));
        let _ = app.update(Msg::Theme(PLAIN));
        assert!(colorless(&screen(&app, 80, 24)));
        let _ = app.update(Msg::Theme(Theme { ascii: true, ..PLAIN }));
        let shown = text(&screen(&app, 80, 24));
        assert!(shown.contains("| Esc saves and closes") && shown.contains("not saved yet | Ctrl-S saves"), "{shown}");
    }
}
