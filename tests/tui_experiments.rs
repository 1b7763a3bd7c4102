//! The dashboard's experiment tools on real MNIST slices: the run queue, comparing two runs, the
//! report key and the beginner diagnostics.

use crate::common;

use std::path::Path;

use common::tui::type_into;
use common::tui::{select_run, set_theme, set_view};
use common::tui::{act, carry_out, config, draw, new_app, press, pump, pump_until, run_loop, screen, trained, until_first_epoch, ASCII, COLOR};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use digitlab::tui::form::Focus;
use digitlab::model::Activation;
use digitlab::tui::app::{App, Msg, RunRow, StatusKind, View};
use digitlab::tui::effects::Effect;
use digitlab::tui::keys::Action;
use ratatui::style::Color;

fn summary_of(run_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap()).unwrap()
}

/// (column, row) where `needle` first appears on screen.
fn find(screen: &str, needle: &str) -> Option<(u16, u16)> {
    screen.lines().enumerate().find_map(|(y, line)| {
        let byte = line.find(needle)?;
        Some((line[..byte].chars().count() as u16, y as u16))
    })
}

fn status(app: &App) -> String {
    app.status().map_or(String::new(), |s| s.text.clone())
}

/// Sets the form's single hidden layer.
fn set_layer(app: &mut App, neurons: usize, activation: Activation) {
    type_into(app, Focus::Layer(0), &neurons.to_string());
    // ←/→ on a layer row cycle its activation.
    for _ in 0..16 {
        if app.form().layers[0].activation == activation {
            return;
        }
        act(app, Action::Right);
    }
    panic!("{activation:?} is not among the activations the form cycles through");
}

#[test]
fn the_queue_trains_each_setup_in_order_saves_it_and_fills_the_runs_view() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(1), &root, COLOR);
    act(&mut app, Action::RunQueue);
    assert_eq!(app.status().unwrap().kind, StatusKind::Error, "an empty queue cannot run");

    set_layer(&mut app, 16, Activation::Relu);
    act(&mut app, Action::Enqueue);
    set_layer(&mut app, 8, Activation::Sigmoid);
    act(&mut app, Action::Enqueue);
    // An invalid form is refused with the reason, and the queue stays as it was.
    type_into(&mut app, Focus::Layer(0), "0");
    act(&mut app, Action::Enqueue);
    assert!(status(&app).contains("cannot queue"), "{}", status(&app));
    assert_eq!(app.queue().len(), 2);
    let setup = screen(&draw(&app, 160, 48));
    assert!(setup.contains("queue: 2 setup(s) waiting") && setup.contains("1. 784 → 16 relu → 10 softmax"), "{setup}");

    act(&mut app, Action::RunQueue);
    assert_eq!(app.view(), View::Runs);
    assert!(app.queue_running() && app.is_training());
    let rows: Vec<String> = app.run_rows().iter().map(|r| match r {
        RunRow::Done(_) => "done".into(),
        RunRow::Group(_) => "group".into(),
        RunRow::Training(_) => "training".into(),
        RunRow::Queued(i, q) => format!("queued {i} {}", q.config.hidden[0].neurons),
    }).collect();
    assert_eq!(rows, ["training", "queued 0 8"]);
    let runs = screen(&draw(&app, 160, 48));
    assert!(runs.contains("(training)") && runs.contains("queued #1") && runs.contains("queue: 1 waiting, running"), "{runs}");

    // Both runs train one after the other without a key.
    pump(&mut app);
    assert!(!app.queue_running() && app.queue().is_empty() && !app.is_training());
    assert!(status(&app).contains("queue finished: 2 run(s)"), "{}", status(&app));
    let dirs: Vec<_> = app.session_runs().iter().map(|r| r.dir.clone().expect("a queued run is saved")).collect();
    assert_eq!(dirs.len(), 2);
    let neurons: Vec<u64> = dirs.iter().map(|d| summary_of(d)["config"]["hidden"][0]["neurons"].as_u64().unwrap()).collect();
    assert_eq!(neurons, [16, 8], "trained in queue order");
    for d in &dirs {
        let s = summary_of(d);
        assert_eq!((s["status"].as_str(), s["epochs"].as_array().unwrap().len()), (Some("completed"), 1));
    }
    // The Runs view lists both, best test accuracy first.
    act(&mut app, Action::Rescan);
    let done: Vec<f64> = app.sorted_runs().iter().map(|e| e.summary.accuracy().unwrap()).collect();
    assert_eq!(done.len(), 2, "the session's runs and their directories are one row each");
    assert!(done[0] >= done[1]);
    let runs = screen(&draw(&app, 160, 48));
    for d in &dirs {
        assert!(runs.contains(&d.file_name().unwrap().to_string_lossy().to_string()), "{runs}");
    }
}

#[test]
fn stopping_a_queued_run_pauses_the_queue_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = new_app(&config(500), &dir.path().join("runs"), COLOR);
    act(&mut app, Action::Enqueue);
    act(&mut app, Action::Enqueue);
    act(&mut app, Action::RunQueue);
    until_first_epoch(&mut app);
    act(&mut app, Action::Stop);
    assert!(status(&app).contains("the queue pauses"), "{}", status(&app));
    pump(&mut app);
    assert!(!app.queue_running() && !app.is_training());
    assert_eq!(app.queue().len(), 1, "the second setup still waits");
    assert!(status(&app).contains("queue paused"), "{}", status(&app));
    let stopped = app.session_runs()[0].dir.clone().unwrap();
    assert_eq!(summary_of(&stopped)["status"], "stopped");
    // x removes a queued setup from the Runs view.
    set_view(&mut app, View::Runs);
    let queued = app.run_rows().iter().position(|r| matches!(r, RunRow::Queued(..))).unwrap();
    select_run(&mut app, queued);
    act(&mut app, Action::RemoveQueued);
    assert!(app.queue().is_empty());
}

/// Two finished runs of different widths, both selected and marked in the Runs view.
fn two_marked_runs(root: &Path) -> App {
    let mut app = trained(root, COLOR);
    set_layer(&mut app, 8, Activation::Sigmoid);
    act(&mut app, Action::Start);
    pump(&mut app);
    set_view(&mut app, View::Runs);
    act(&mut app, Action::Compare);
    assert!(status(&app).contains("mark two runs"), "{}", status(&app));
    for i in 0..2 {
        select_run(&mut app, i);
        act(&mut app, Action::Mark);
    }
    assert_eq!(app.marked_runs().len(), 2);
    app
}

#[test]
fn two_marked_runs_compare_side_by_side_with_differences_highlighted() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = two_marked_runs(&dir.path().join("runs"));
    let table = screen(&draw(&app, 160, 48));
    assert!(table.contains("[A] ") && table.contains("[B] ") && table.contains("marked 2 of 2"), "{table}");
    act(&mut app, Action::Compare);
    assert!(app.runs().comparing);
    let buf = draw(&app, 160, 48);
    let shown = screen(&buf);
    let (a, b) = (app.marked_runs()[0].summary.test.clone().unwrap(), app.marked_runs()[1].summary.test.clone().unwrap());
    assert!(shown.contains("A: rows = predicted, columns = actual") && shown.contains("B: rows = predicted, columns = actual"), "{shown}");
    let d_acc = (b.accuracy - a.accuracy) * 100.0;
    assert!(shown.contains(&format!("test accuracy {d_acc:+.2} points")), "{shown}");
    // At 80 columns the run lines wrap instead of losing their figures.
    let narrow = screen(&draw(&app, 80, 24));
    for t in [&a, &b] {
        assert!(narrow.contains(&format!("macro F1 {:.4}", t.macro_avg.f1)), "{narrow}");
    }
    // Per-class F1 of both runs and the difference, as the summaries hold them.
    for (ca, cb) in a.per_class.iter().zip(&b.per_class) {
        let line = format!("{:>6} {:>8.4} {:>8.4} {:>+9.4}", ca.class, ca.f1, cb.f1, cb.f1 - ca.f1);
        assert!(shown.contains(&line), "missing {line:?} in {shown}");
    }
    // Cells that differ are colored; equal ones are not: count colored numbers (a colored digit that ends a
    // cell) in the two matrices and in the difference matrix, against the summaries' confusion matrices.
    let (ma, mb) = (&a.confusion_matrix, &b.confusion_matrix);
    let differing = (0..10).flat_map(|p| (0..10).map(move |c| (p, c))).filter(|&(p, c)| ma[p][c] != mb[p][c]).count();
    assert!(differing > 0, "two different networks make different mistakes");
    let colored_numbers = |ys: std::ops::Range<u16>, x0: u16| {
        ys.flat_map(|y| (x0..buf.area.width - 1).map(move |x| (x, y)))
            .filter(|&(x, y)| matches!(buf[(x, y)].bg, Color::Green | Color::Red))
            .filter(|&(x, y)| buf[(x, y)].symbol().chars().all(|c| c.is_ascii_digit()) && !buf[(x + 1, y)].symbol().chars().all(|c| c.is_ascii_digit()))
            .count()
    };
    let (_, y_ab) = find(&shown, "A: rows = predicted").unwrap();
    assert_eq!(colored_numbers(y_ab + 2..y_ab + 12, 0), 2 * differing, "{shown}");
    let (x_d, y_d) = find(&shown, "B − A: rows = predicted").unwrap();
    assert_eq!(colored_numbers(y_d + 2..y_d + 12, x_d), differing, "{shown}");
    // Narrow: the difference matrix and the F1 table only.
    let narrow = screen(&draw(&app, 120, 40));
    assert!(!narrow.contains("│A: rows =") && narrow.contains("B − A: rows = predicted") && narrow.contains("wider terminal"), "{narrow}");
    for (w, h) in [(60, 18), (80, 24), (30, 10)] {
        set_theme(&mut app, ASCII);
        draw(&app, w, h);
    }
    act(&mut app, Action::Close);
    assert!(!app.runs().comparing);
}

#[test]
fn the_report_key_writes_the_bundle_without_blocking_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = trained(&dir.path().join("runs"), COLOR);
    set_view(&mut app, View::Results);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    std::fs::remove_file(out.join("curves.png")).unwrap();
    // b only asks for the bundle: update touches no file, and the screen says the work is under way.
    let effects = app.update(Msg::Action(Action::Report));
    assert!(matches!(&effects[..], [Effect::Report { dir, .. }] if *dir == out), "{effects:?}");
    assert_eq!(app.pending(), 1);
    assert!(status(&app).contains("writing the report bundle"), "{}", status(&app));
    assert!(!out.join("curves.png").exists());
    carry_out(&mut app, effects);
    assert_eq!(app.pending(), 0);
    assert!(status(&app).contains("files written"), "{}", status(&app));
    for f in ["summary.json", "report.md", "curves.png", "confusion.png", "misclassified.png", "weights-grid.png"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("](confusion.png)") && md.contains("Diagnostics"), "{md}");
    // In Runs a queued setup has nothing to report.
    act(&mut app, Action::Enqueue);
    set_view(&mut app, View::Runs);
    let last = app.run_rows().len() - 1;
    select_run(&mut app, last);
    act(&mut app, Action::Report);
    assert_eq!(app.status().unwrap().kind, StatusKind::Error);
    assert!(status(&app).contains("needs a trained run"), "{}", status(&app));
}

#[test]
fn train_and_results_show_the_diagnostics_of_the_last_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = new_app(&config(2), &dir.path().join("runs"), COLOR);
    act(&mut app, Action::Start);
    assert!(app.diagnostics().is_none(), "nothing to diagnose before the first epoch");
    until_first_epoch(&mut app);
    let d = app.diagnostics().cloned().expect("diagnosed after the first epoch");
    let last = app.session().unwrap().progress.history.last().unwrap().clone();
    assert!((d.train_test_gap_points - (last.train_accuracy - last.test_accuracy) * 100.0).abs() < 1e-9);
    let units = d.units.clone().expect("ReLU units are probed");
    assert_eq!((units.kind.as_str(), units.total), ("dead", 16));
    let gap = format!("train - test gap {:+.2} points", d.train_test_gap_points);
    let dead = format!("dead first-layer units {} of 16", units.count);
    set_view(&mut app, View::Train);
    let train = screen(&draw(&app, 160, 48));
    assert!(train.contains(&gap) && train.contains(&dead), "{train}");
    pump(&mut app);
    set_view(&mut app, View::Results);
    let d = app.diagnostics().cloned().unwrap();
    let results = screen(&draw(&app, 160, 48));
    assert!(results.contains(&format!("train - test gap {:+.2} points", d.train_test_gap_points)), "{results}");
    for note in &d.notes {
        let start: String = note.chars().take(40).collect();
        assert!(results.contains(&start), "note {note:?} missing: {results}");
    }
}

#[test]
fn a_queue_whose_runs_cannot_be_saved_pauses_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "not a directory").unwrap();
    // Under a regular file nothing can be created, even by root.
    // 500 epochs: the run is still training when its first save fails, so that failure is what stops it.
    let mut app = new_app(&config(500), &file.join("runs"), COLOR);
    act(&mut app, Action::Enqueue);
    act(&mut app, Action::Enqueue);
    act(&mut app, Action::RunQueue);
    pump_until(&mut app, |a| a.session_runs().len() == 1);
    // The first save failed: the run stopped there (more epochs could not be kept either), and the
    // queue waits rather than train runs that cannot be saved.
    let s = app.status().cloned().unwrap();
    assert_eq!(s.kind, StatusKind::Error, "{}", s.text);
    assert!(s.text.contains("saving the run failed") && s.text.contains("Not a directory"), "{}", s.text);
    assert!(!app.is_training() && !app.queue_running());
    assert_eq!(app.queue().len(), 1, "the second setup still waits");
    assert_eq!(app.session_runs()[0].summary.status.name(), "stopped");
    assert!(app.session_runs().iter().all(|r| r.dir.is_none() && r.result.is_some()), "kept in memory, not on disk");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

/// `g` in Runs lists runs that differ only in seed as one row with their mean test accuracy ± the
/// sample sd, sorted by the mean; a run alone stays a run; `g` again lists each run.
#[test]
fn runs_that_differ_only_in_seed_group_into_one_row_with_mean_and_sd() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(1), &root, COLOR);
    for (neurons, seed) in [(16, "1"), (16, "2"), (8, "1")] {
        // Back to the first field: the helpers move down the form.
        for _ in 0..64 {
            act(&mut app, Action::Up);
        }
        set_layer(&mut app, neurons, Activation::Relu);
        type_into(&mut app, Focus::Seed, seed);
        act(&mut app, Action::Enqueue);
    }
    act(&mut app, Action::RunQueue);
    pump(&mut app);
    assert_eq!(app.session_runs().len(), 3);
    let acc = |neurons: u64, seed: u64| {
        app.session_runs()
            .iter()
            .map(|r| summary_of(r.dir.as_ref().unwrap()))
            .find(|s| s["config"]["hidden"][0]["neurons"] == neurons && s["config"]["seed"] == seed)
            .map(|s| s["test"]["accuracy"].as_f64().unwrap())
            .unwrap()
    };
    let (a, b, single) = (acc(16, 1), acc(16, 2), acc(8, 1));
    let (mean, sd) = ((a + b) / 2.0, (a - b).abs() / 2f64.sqrt());

    set_view(&mut app, View::Runs);
    assert_eq!(app.run_rows().len(), 3);
    common::tui::press(&mut app, crossterm::event::KeyCode::Char('g')).expect("g means something in Runs");
    assert!(app.runs().grouped);
    assert!(status(&app).contains("1 setting(s) with several seeds"), "{}", status(&app));
    let rows = app.run_rows();
    assert_eq!(rows.len(), 2, "16 units with seeds 1 and 2 are one row; 8 units stays a run");
    let group = rows.iter().find_map(|r| match r {
        RunRow::Group(g) => Some(g),
        _ => None,
    }).expect("a group row");
    assert_eq!((group.members.len(), group.study.runs, group.study.seeds.clone()), (2, 2, vec![1, 2]));
    assert!(rows.iter().any(|r| matches!(r, RunRow::Done(e) if e.summary.config.hidden[0].neurons == 8)));

    // Sorted by test accuracy, best first: the group by its mean, against the single run.
    while app.runs().sort != digitlab::tui::app::RunColumn::TestAccuracy {
        act(&mut app, Action::Right);
    }
    let first_is_group = matches!(app.run_rows()[0], RunRow::Group(_));
    assert_eq!(first_is_group ^ !app.runs().descending, mean >= single, "mean {mean} vs single {single}, descending {}", app.runs().descending);
    let shown = screen(&draw(&app, 160, 48));
    let line = shown.lines().find(|l| l.contains("2 runs, seeds 1 2")).unwrap_or_else(|| panic!("no group row: {shown}"));
    assert!(line.contains(&format!("{:.2}% ±{:.2}", mean * 100.0, sd * 100.0)), "{line}");
    assert!(line.contains("2 completed") && line.contains("16"), "{line}");
    assert!(shown.contains("test acc ± sd") && shown.contains("Runs · 3 in 2 rows, seeds grouped"), "{shown}");
    // Without Unicode the ± is spelt out.
    set_theme(&mut app, ASCII);
    let ascii = screen(&draw(&app, 160, 48));
    assert!(ascii.contains(&format!("{:.2}% +/-{:.2}", mean * 100.0, sd * 100.0)) && !ascii.contains('±'), "{ascii}");
    // Narrow, the mean ± sd keeps its room.
    let narrow = screen(&draw(&app, 80, 24));
    assert!(narrow.contains(&format!("{:.2}% +/-{:.2}", mean * 100.0, sd * 100.0)), "{narrow}");
    for (w, h) in [(60, 18), (30, 10)] {
        draw(&app, w, h);
    }

    // A group row cannot be opened or marked: the status line says how to reach its runs.
    let at = app.run_rows().iter().position(|r| matches!(r, RunRow::Group(_))).unwrap();
    select_run(&mut app, at);
    for a in [Action::Open, Action::Mark, Action::Report] {
        act(&mut app, a);
        assert!(status(&app).contains("differ only in seed: g lists them"), "{a:?}: {}", status(&app));
    }
    assert!(app.marked_runs().is_empty());
    act(&mut app, Action::GroupSeeds);
    assert!(!app.runs().grouped);
    assert_eq!(app.run_rows().len(), 3);
}

#[test]
fn help_lists_the_views_own_keys_and_the_global_ones_whole_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = new_app(&config(1), dir.path(), COLOR);
    set_view(&mut app, View::Runs);
    act(&mut app, Action::Help);
    let shown = screen(&draw(&app, 80, 24));
    for needle in [
        "select a run (←→: sort column, r: reverse)",
        "mark the run as A / B for comparison",
        "compare the marked runs side by side",
        "write a note for the run (kept in its notes.md)",
        "space/H  choose the run for the hand-in (✓) / make the hand-in",
        "report.md + charts of the shown run (Runs: the selected)",
        "quit now (a running run is saved)",
    ] {
        assert!(shown.contains(needle), "{needle:?} missing: {shown}");
    }
    assert!(!shown.contains("start training"), "Setup's keys are not Runs' keys: {shown}");
    // Results: n normalizes, N writes the note.
    act(&mut app, Action::Go(View::Results));
    act(&mut app, Action::Help);
    let shown = screen(&draw(&app, 80, 24));
    assert!(shown.contains("counts / normalized by column") && shown.contains("write a note for the shown run"), "{shown}");
    // A key as wide as the key column still has a space before its help.
    assert!(shown.contains("PgUp/PgDn page through"), "{shown}");
}

/// What a person types into the note editor, key by key.
fn type_keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) });
    }
}

/// A note written on a run in training (Results, N) is saved in its directory, and when the run is then
/// discarded from the quit question everything digitlab wrote goes but the note and its directory stay.
#[test]
fn a_note_written_on_a_run_outlives_discarding_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(500), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    set_view(&mut app, View::Results);
    press(&mut app, KeyCode::Char('N')).expect("N means something in Results");
    assert!(app.note().is_some(), "{}", status(&app));
    type_keys(&mut app, "lr 0.003 learns fast\nq: why does 2 beat 1?");
    assert!(app.is_training() && !app.confirm_quit() && app.view() == View::Results, "the keys typed");
    press(&mut app, KeyCode::Esc);
    assert!(app.note().is_none(), "{}", status(&app));
    let notes = out.join("notes.md");
    assert_eq!(status(&app), format!("note saved in {}", notes.display()));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "lr 0.003 learns fast\nq: why does 2 beat 1?");

    // q, then d: stop and discard the run.
    run_loop(&mut app, [KeyEvent::from(KeyCode::Char('q')), KeyEvent::from(KeyCode::Char('d'))], &Default::default());
    assert!(app.should_quit());
    let left: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["notes.md"], "everything but the note was discarded");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "lr 0.003 learns fast\nq: why does 2 beat 1?");
    let said = app.exit_message().unwrap();
    assert!(said.contains("discarded") && said.contains("kept: it holds your notes (notes.md)"), "{said}");
}

/// Ctrl-C with the note editor open, through the real event loop: the run in training is interrupted
/// as ever, and what was typed is saved before the dashboard ends.
#[test]
fn ctrl_c_in_the_note_editor_saves_the_note_then_interrupts() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = new_app(&config(500), &dir.path().join("runs"), COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    set_view(&mut app, View::Runs);
    let training = app.run_rows().iter().position(|r| matches!(r, RunRow::Training(_))).unwrap();
    select_run(&mut app, training);
    press(&mut app, KeyCode::Char('n'));
    assert!(app.note().is_some_and(|e| e.dir == out), "{}", status(&app));
    let mut keys: Vec<KeyEvent> = "not saved by hand".chars().map(|c| KeyEvent::from(KeyCode::Char(c))).collect();
    keys.push(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    run_loop(&mut app, keys, &Default::default());
    assert!(app.should_quit() && app.interrupting());
    assert_eq!(std::fs::read_to_string(out.join("notes.md")).unwrap(), "not saved by hand");
    assert_eq!(summary_of(&out)["status"], "interrupted");
    let said = app.exit_message().unwrap();
    assert!(said.contains(&format!("note saved in {}", out.join("notes.md").display())), "{said}");
}

/// Runs chosen with space, the hand-in form filled in with H, Enter: the hand-in is made off the UI
/// thread through the real event loop, and where it was written is said. (A failed hand-in is an error
/// line and leaves no directory: `tui::testing`.)
#[test]
fn the_handin_is_made_from_the_runs_view_and_its_outcome_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let mut app = two_marked_runs(&root);
    act(&mut app, Action::Rescan);
    let chosen: Vec<_> = (0..2).rev().map(|i| match &app.run_rows()[i] {
        RunRow::Done(e) => e.dir.clone().unwrap(),
        _ => panic!("a finished run"),
    }).collect();
    for i in [1, 0] {
        select_run(&mut app, i);
        press(&mut app, KeyCode::Char(' '));
    }
    assert!(screen(&draw(&app, 120, 30)).contains("hand-in: 2 chosen"));
    press(&mut app, KeyCode::Char('H'));
    type_keys(&mut app, "Lab 3");
    press(&mut app, KeyCode::Down);
    type_keys(&mut app, "Ada Lovelace (1)");
    let request = app.handin_request().unwrap();
    assert_eq!(request.sources, chosen, "in the order chosen");
    assert_eq!(request.out, dir.path().join("handin"));
    assert_eq!((request.title.as_deref(), request.authors.as_deref()), (Some("Lab 3"), Some("Ada Lovelace (1)")));

    run_loop(&mut app, [KeyEvent::from(KeyCode::Enter), KeyEvent::from(KeyCode::Char('q'))], &Default::default());
    assert!(app.should_quit() && !app.handin().building, "quitting waited for the hand-in");
    let said = app.exit_message().unwrap_or_default();
    assert!(said.contains(&format!("hand-in written: {}", dir.path().join("handin/report.pdf").display())), "{said}");
    assert!(dir.path().join("handin/handin.zip").is_file(), "{said}");
    // The title typed in the form is the report's.
    let report = std::fs::read_to_string(dir.path().join("handin/report.md")).unwrap();
    assert!(report.starts_with("# Lab 3\n") && report.contains("Ada Lovelace (1)"), "{report}");
}
