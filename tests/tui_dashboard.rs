//! The dashboard driven through its state machine on real MNIST slices, rendered with `TestBackend`.

use crate::common;

use digitlab::tui::colors::ColorDepth;
use std::path::{Path, PathBuf};

use common::tui::type_into;
use common::tui::{set_help, set_theme, set_view};
use common::tui::{act, config, press, row, send, draw, new_app, pump, screen, trained, until_first_epoch, COLOR};
use digitlab::model::Activation;
use digitlab::train::TrainConfig;
use digitlab::tui::app::{cell_examples, App, View};
use digitlab::tui::form::Focus;
use digitlab::tui::keys::{self, Action};
use digitlab::tui::theme::{Theme, DIAGONAL_BG};
use digitlab::tui::widgets::confusion;
use digitlab::viz::min_max;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn text(buf: &Buffer) -> String {
    screen(buf)
}

/// (x, y) of the first occurrence of `needle` on one line.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let t = text(buf);
    t.lines().enumerate().find_map(|(y, line)| {
        let byte = line.find(needle)?;
        Some((line[..byte].chars().count() as u16, y as u16))
    })
}

fn summary_of(run_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap()).unwrap()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn setup_shows_architecture_reasons_and_refuses_to_start_while_invalid() {
    let dir = tmp();
    let mut app = new_app(&TrainConfig::default(), dir.path(), COLOR);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("784 → 128 relu → 10 softmax"), "{screen}");
    assert!(screen.contains("101,770 parameters"));
    assert!(screen.contains("ready: s starts training"));

    // Type 5000 neurons into layer 1 and cycle its activation.
    assert_eq!(app.form().focus, Focus::Layer(0));
    act(&mut app, Action::Right);
    act(&mut app, Action::Edit);
    for key in "\u{8}\u{8}\u{8}5000".chars() {
        let code = if key == '\u{8}' { crossterm::event::KeyCode::Backspace } else { crossterm::event::KeyCode::Char(key) };
        let msg = keys::msg_for(&app, crossterm::event::KeyEvent::from(code)).unwrap();
        send(&mut app, msg);
    }
    press(&mut app, crossterm::event::KeyCode::Enter).unwrap();
    assert_eq!(app.form().layers[0].neurons, "5000");
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("neurons must be 1–4096"), "{screen}");
    assert!(screen.contains(&format!("< {:<10} >", Activation::Relu.cycle(true).name()).replace('<', "◂").replace('>', "▸")));
    act(&mut app, Action::Start);
    assert!(app.session().is_none());
    assert!(app.status().unwrap().text.contains("cannot start: layer 1: neurons must be 1–4096"));

    // Add a second layer and remove it again; the architecture line follows.
    type_into(&mut app, Focus::Layer(0), "64");
    act(&mut app, Action::AddLayer);
    type_into(&mut app, Focus::Layer(1), "10");
    let screen = text(&draw(&app, 120, 40));
    let act_name = Activation::Relu.cycle(true).name();
    assert!(screen.contains(&format!("784 → 64 {act_name} → 10 {act_name} → 10 softmax")), "{screen}");
    act(&mut app, Action::RemoveLayer);
    assert_eq!(app.form().layers.len(), 1);
}

#[test]
fn train_view_shows_progress_from_a_real_run() {
    let dir = tmp();
    let mut app = new_app(&config(2), dir.path(), COLOR);
    act(&mut app, Action::Start);
    assert_eq!(app.view(), View::Train);
    // Stop at the first finished epoch to see the view mid-run.
    until_first_epoch(&mut app);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("Train · 784 → 16 relu → 10 softmax · 12,730 parameters"), "{screen}");
    assert!(screen.contains("samples/s") && screen.contains("ETA"), "{screen}");
    assert!(screen.contains("best epoch 1: test"), "{screen}");
    assert!(screen.contains("recent batch losses"));
    assert!(screen.contains("loss per epoch") && screen.contains("accuracy per epoch"));
    let losses = app.session().unwrap().losses.len();
    assert!(losses >= 1);
    pump(&mut app);
    // Finishing moves from Train to Results.
    assert_eq!(app.view(), View::Results);
    act(&mut app, Action::Go(View::Train));
    let buf = draw(&app, 120, 40);
    // The view itself (not only the status line, the last two rows) says how the run ended.
    let view: Vec<String> = (0..38).map(|y| row(&buf, y)).collect();
    assert!(view.iter().any(|l| l.contains("completed")) && view.iter().any(|l| l.contains("2/2")), "{}", view.join("\n"));
    // ASCII mode: no box drawing, an epoch table instead of charts.
    set_theme(&mut app, Theme { color: false, ascii: true, depth: ColorDepth::TrueColor });
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.is_ascii(), "{screen}");
    assert!(screen.contains("784 -> 16 relu -> 10 softmax") && screen.contains("train loss"), "{screen}");
}

#[test]
fn results_view_colors_the_confusion_matrix_and_lists_metrics() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    assert_eq!(app.view(), View::Results);
    let shown = app.shown().unwrap();
    let report = shown.eval.report.clone();
    let predicted = shown.eval.predicted.clone();
    let m = &report.confusion;
    let buf = draw(&app, 120, 40);
    let screen = text(&buf);
    assert!(screen.contains("rows = predicted, columns = actual"), "{screen}");
    assert!(screen.contains(&format!("test accuracy {:.2}%", report.accuracy * 100.0)));
    for needle in ["precision", "recall", "f1-score", "support", "macro avg", "weighted avg"] {
        assert!(screen.contains(needle), "{needle}");
    }
    let c0 = report.per_class[0];
    assert!(screen.contains(&format!("{:>12} {:>9.4} {:>9.4} {:>9.4}", 0, c0.precision, c0.recall, c0.f1)), "{screen}");
    let top = m.top_confusions(1)[0];
    assert!(screen.contains(&format!("{} → {}: {}", top.actual, top.predicted, top.count)), "{screen}");
    // The totals row: each column's sum (images of each actual digit), then all of them.
    let totals = screen.lines().find(|l| l.trim_start_matches('│').trim_start().starts_with("total ")).expect("a totals row");
    let numbers: Vec<u64> = totals.split(|c: char| !c.is_ascii_digit()).filter(|t| !t.is_empty()).map(|t| t.parse().unwrap()).collect();
    let want: Vec<u64> = (0..m.classes()).map(|a| m.col_sum(a)).chain([m.total()]).collect();
    assert_eq!(numbers[..want.len()], want[..], "{totals}");

    // Cell styles: diagonal in its own color, errors on the heat scale, empty errors uncolored.
    let (x0, y0) = find(&buf, "pred\\act").unwrap();
    let n = m.classes();
    // The view's own rule for the cell width, inside the panel's borders.
    let (table_w, h) = confusion::size(n, digitlab::tui::views::results::matrix_cell_width(buf.area.width - 2, n));
    let table = Rect::new(x0, y0, table_w, h);
    let heat: Vec<_> = Theme::heat_colors().collect();
    for p in 0..n {
        for a in 0..n {
            let r = confusion::cell_rect(table, n, p, a);
            let cell = &buf[(r.x + r.width - 1, r.y)];
            let shown_text: String = (r.x..r.x + r.width).map(|x| buf[(x, r.y)].symbol().to_string()).collect();
            assert_eq!(shown_text.trim(), m.get(p, a).to_string(), "cell ({p},{a})");
            if p == a {
                assert_eq!(cell.bg, DIAGONAL_BG, "diagonal ({p},{a})");
            } else if m.get(p, a) > 0 {
                assert!(heat.contains(&cell.bg), "off-diagonal ({p},{a}) has {:?}", cell.bg);
            } else {
                assert!(!heat.contains(&cell.bg) && cell.bg != DIAGONAL_BG);
            }
        }
    }
    // The most frequent error gets the darkest heat.
    let r = confusion::cell_rect(table, n, top.predicted, top.actual);
    assert_eq!(buf[(r.x + r.width - 1, r.y)].bg, *heat.last().unwrap());

    // The selected cell shows its misclassified test images with labels.
    let first = cell_examples(&app.data().test.labels, &predicted, (top.predicted, top.actual), 1)[0];
    assert!(screen.contains(&format!("#{first} true {} pred {}", top.actual, top.predicted)), "{screen}");
    act(&mut app, Action::Right);
    let (p, a) = app.results_cursor();
    assert_eq!((p, a), (top.predicted, (top.actual + 1) % n));
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains(&format!("cell predicted {p}, actual {a}: {}", m.get(p, a))));

    // Normalized by column: the diagonal shows recall.
    act(&mut app, Action::ToggleNormalized);
    let buf = draw(&app, 120, 40);
    let r = confusion::cell_rect(table, n, 1, 1);
    let t: String = (r.x..r.x + r.width).map(|x| buf[(x, r.y)].symbol().to_string()).collect();
    assert_eq!(t.trim(), format!("{:.2}", report.per_class[1].recall));

    // NO_COLOR: no colors anywhere, the diagonal still bold.
    set_theme(&mut app, Theme { color: false, ascii: false, depth: ColorDepth::TrueColor });
    let buf = draw(&app, 120, 40);
    assert!(buf.content().iter().all(|c| c.bg == ratatui::style::Color::Reset && c.fg == ratatui::style::Color::Reset));
}

#[test]
fn weights_view_browses_neurons_in_both_shadings_and_a_grid() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    act(&mut app, Action::Go(View::Weights));
    let screen = text(&draw(&app, 120, 40));
    let (lo, hi) = min_max(&app.shown().unwrap().model.first_layer_unit(0));
    assert!(screen.contains("neuron 0 (0–15, first hidden layer)"), "{screen}");
    assert!(screen.contains(&format!("min {lo:.4}  max {hi:.4}")), "{screen}");
    assert!(screen.contains("▀"), "{screen}");
    // Pictures are made once per snapshot, the same as the PNG exporter's.
    let model = app.shown().unwrap().model.clone();
    for j in [0, 7, 15] {
        assert_eq!(app.pictures().images[j], digitlab::export::images::unit_image(&model, 28, 28, j));
    }
    act(&mut app, Action::Left);
    assert!(text(&draw(&app, 120, 40)).contains("neuron 15 (0–15"));
    act(&mut app, Action::PageUp);
    assert_eq!(app.weights().neuron, 5);
    // m cycles gray half blocks → diverging (blue < 0 < red) → ASCII ramp.
    act(&mut app, Action::ToggleShade);
    let buf = draw(&app, 120, 40);
    assert!(text(&buf).contains("diverging: blue < 0 < red"));
    let (mut reds, mut blues) = (0, 0);
    for c in buf.content().iter().filter(|c| c.symbol() == "▀") {
        match c.fg {
            ratatui::style::Color::Rgb(255, g, b) if g == b && g < 200 => reds += 1,
            ratatui::style::Color::Rgb(r, g, 255) if r == g && r < 200 => blues += 1,
            _ => {}
        }
    }
    assert!(reds > 50 && blues > 50, "{reds} red and {blues} blue cells");
    // w writes the grid in the shading on screen, and the next save keeps it in step.
    act(&mut app, Action::ExportImages);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    assert!(out.join("weights-grid-diverging.png").is_file(), "{:?}", app.status());
    act(&mut app, Action::ToggleShade);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("ASCII ramp") && !screen.contains("▀"));
    let ramp_chars = screen.chars().filter(|c| "@%#*+=-:.".contains(*c)).count();
    assert!(ramp_chars > 200, "{ramp_chars} ramp characters");
    act(&mut app, Action::ToggleGrid);
    let screen = text(&draw(&app, 160, 48));
    assert!(screen.contains("#000") && screen.contains("#015"), "{screen}");

    // PNGs of the current neuron and the grid, the paths in the status line.
    act(&mut app, Action::ExportImages);
    let status = app.status().cloned().unwrap().text;
    let out = app.session().unwrap().out_dir.clone().unwrap();
    assert!(out.join("weights/neuron-005.png").is_file(), "{status}");
    assert!(out.join("weights-grid.png").is_file());
    assert!(status.contains("neuron-005.png") && status.contains("weights-grid.png"));
}

/// The lab's "neurons with obvious responsibilities": c jumps to the clearest neuron of each digit in
/// turn, o orders all neurons by selectivity, and the view shows the neuron's class profile and the
/// test digits it answers most, as the run's analysis says.
#[test]
fn weights_view_finds_the_clearest_neuron_of_a_digit_and_shows_its_profile() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    act(&mut app, Action::Go(View::Weights));
    let analysis = app.shown().unwrap().neurons.clone();
    assert_eq!(analysis.units.len(), 16);
    let digit = analysis.clearest(1)[0].preferred;
    for _ in 0..=digit {
        act(&mut app, Action::NeuronClass);
    }
    assert_eq!(app.weights().class, Some(digit));
    let clearest = analysis.clearest_for(digit).unwrap();
    assert_eq!(app.weights().neuron, clearest.index);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains(&format!("neuron {} (0–15", clearest.index)), "{screen}");
    assert!(screen.contains(&format!("prefers {digit} · selectivity {:.2}", clearest.selectivity)), "{screen}");
    assert!(screen.contains("mean response to each class's test images"), "{screen}");
    let top = clearest.top_images[0];
    assert!(screen.contains(&format!("{} #{top}", app.data().test.labels[top])), "{screen}");
    // → stays among the neurons preferring that digit.
    act(&mut app, Action::Right);
    assert_eq!(analysis.units[app.weights().neuron].preferred, digit);
    // Back to all, then most selective first: → goes down the selectivity order.
    while app.weights().class.is_some() {
        act(&mut app, Action::NeuronClass);
    }
    act(&mut app, Action::NeuronOrder);
    let order = analysis.by_selectivity();
    assert_eq!(app.weights().neuron, order[0]);
    act(&mut app, Action::Right);
    assert_eq!(app.weights().neuron, order[1]);
    assert!(analysis.units[order[0]].selectivity >= analysis.units[order[1]].selectivity);
}

#[test]
fn setup_to_training_to_results_saves_the_run_directory_on_its_own() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(1), &root, COLOR);
    assert_eq!(app.view(), View::Setup);
    act(&mut app, Action::Export);
    assert!(app.status().unwrap().text.contains("nothing trained yet"));
    act(&mut app, Action::Start);
    assert_eq!(app.view(), View::Train);
    assert!(app.is_training());
    pump(&mut app);
    assert!(!app.is_training());
    assert_eq!(app.view(), View::Results);
    // Saved without asking; the status line says where.
    let out: PathBuf = app.session().unwrap().out_dir.clone().expect("saved");
    assert!(out.starts_with(&root));
    assert!(app.status().unwrap().text.contains(&out.display().to_string()), "{:?}", app.status());
    act(&mut app, Action::Export);
    assert!(app.status().unwrap().text.contains(&format!("saved automatically after every epoch in {}", out.display())));
    for f in ["summary.json", "weights-grid.png", "epochs.csv", "confusion.csv", "predictions.csv", "report.md", "model.safetensors",
        "weights/neuron-015.png", "curves.png", "confusion.png", "misclassified.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let summary = summary_of(&out);
    let acc = app.shown().unwrap().eval.report.accuracy;
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["format_version"], 2);
    assert_eq!(summary["test"]["accuracy"].as_f64().unwrap(), acc);
    assert_eq!(summary["model"]["architecture"], "784 → 16 relu → 10 softmax");
    assert!(acc > 0.7, "one epoch of 16 neurons on 2,000 images reaches > 70% ({acc})");

    // Runs lists it once (session entry and directory merged); opening it from disk re-evaluates the model.
    act(&mut app, Action::Go(View::Runs));
    act(&mut app, Action::Rescan);
    assert_eq!(app.sorted_runs().len(), 1);
    let name = out.file_name().unwrap().to_string_lossy().to_string();
    let screen = text(&draw(&app, 160, 48));
    assert!(screen.contains(&name) && screen.contains(&format!("{:.2}%", acc * 100.0)), "{screen}");
    let narrow = text(&draw(&app, 80, 24));
    assert!(narrow.contains(&name) && narrow.contains(&format!("{:.2}%", acc * 100.0)), "{narrow}");

    // A second app (a new session) sees the directory only, and opens it from disk.
    let mut other = new_app(&config(1), &root, COLOR);
    act(&mut other, Action::Rescan);
    act(&mut other, Action::Go(View::Runs));
    act(&mut other, Action::Open);
    assert_eq!(other.view(), View::Results);
    let shown = other.shown().unwrap();
    assert_eq!(shown.eval.report.accuracy, acc);
    assert!(text(&draw(&other, 120, 40)).contains(&format!("run {name}")));
}

#[test]
fn runs_sort_by_any_column() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(1), &root, COLOR);
    for neurons in ["8", "24"] {
        type_into(&mut app, Focus::Layer(0), neurons);
        act(&mut app, Action::Start);
        pump(&mut app);
    }
    act(&mut app, Action::Go(View::Runs));
    while app.runs().sort != digitlab::tui::app::RunColumn::Architecture {
        act(&mut app, Action::Right);
    }
    let order = |app: &App| app.sorted_runs().iter().map(|r| r.summary.config.hidden[0].neurons).collect::<Vec<_>>();
    // Text sort, descending by default: "8" > "24".
    assert_eq!(order(&app), vec![8, 24]);
    act(&mut app, Action::ReverseSort);
    assert_eq!(order(&app), vec![24, 8]);
    let screen = text(&draw(&app, 160, 48));
    assert!(screen.contains("hidden▲"), "{screen}");
}

/// The run ends while the quit question is open: the question stays (closed under the user, their
/// answer would go to the view: `s` in Setup starts a run) and now says the run has ended; `d`, typed
/// for the old question, quits and discards nothing; the run is kept as completed.
#[test]
fn a_run_ending_under_the_quit_question_keeps_the_question_and_the_run() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(2), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    act(&mut app, Action::Quit);
    assert!(app.confirm_quit());
    pump(&mut app);
    assert!(app.confirm_quit() && !app.should_quit() && !app.is_training());
    let screen = text(&draw(&app, 80, 24));
    assert!(!screen.contains("Training is running. Quit?"), "{screen}");
    assert!(screen.contains("The run has ended (completed after 2 epoch(s)).") && screen.contains("the run is kept"), "{screen}");
    let d = keys::msg_for(&app, crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char('d'), crossterm::event::KeyModifiers::NONE)).unwrap();
    send(&mut app, d);
    assert!(app.should_quit());
    let out = app.session().unwrap().out_dir.clone().unwrap();
    let note = app.exit_note().unwrap_or_default().to_string();
    assert!(note.contains("completed after 2 epoch(s)") && note.contains(&out.display().to_string()), "{note}");
    assert_eq!(summary_of(&out)["status"], "completed");
    assert_eq!(summary_of(&out)["epochs"].as_array().unwrap().len(), 2);
}

#[test]
fn interrupt_keeps_finished_epochs_as_an_interrupted_run() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(500), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    // q asks first while training; n keeps training.
    act(&mut app, Action::Quit);
    assert!(app.confirm_quit() && !app.should_quit());
    let question = text(&draw(&app, 80, 24));
    assert!(question.contains("Training is running. Quit?") && question.contains("discard this run"), "{question}");
    assert!(question.contains("keep the 1 finished epoch(s), quit") && question.contains("go back, keep training"), "{question}");
    act(&mut app, Action::Close);
    assert!(!app.confirm_quit());
    // What SIGTERM and Ctrl-C do.
    let ctrl_c = keys::msg_for(&app, crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('c'),
        crossterm::event::KeyModifiers::CONTROL,
    )).unwrap();
    send(&mut app, ctrl_c);
    pump(&mut app);
    assert!(app.should_quit());
    let out = app.session().unwrap().out_dir.clone().unwrap();
    let summary = summary_of(&out);
    assert_eq!(summary["status"], "interrupted");
    assert!(!summary["epochs"].as_array().unwrap().is_empty());
    assert!(app.exit_note().unwrap().contains(&out.display().to_string()));
}

#[test]
fn every_view_renders_at_every_size_without_panic() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    let sizes = [(1, 1), (2, 1), (10, 5), (40, 12), (59, 30), (60, 18), (80, 24), (100, 30), (120, 40), (160, 48), (300, 10), (20, 100)];
    for theme in [COLOR, Theme { color: false, ascii: true, depth: ColorDepth::TrueColor }] {
        set_theme(&mut app, theme);
        for view in <View as strum::IntoEnumIterator>::iter() {
            set_view(&mut app, view);
            for help in [false, true] {
                set_help(&mut app, help);
                for &(w, h) in &sizes {
                    let screen = text(&draw(&app, w, h));
                    if (w, h) == (40, 12) {
                        assert!(screen.contains("terminal too small (need 60"), "{screen}");
                    }
                    if (w, h) == (80, 24) {
                        assert!(screen.contains(view.title()), "{view:?} at 80x24: {screen}");
                    }
                }
            }
        }
    }
    set_help(&mut app, false);
    // Readable at 80x24: the whole confusion matrix, and with t the whole per-class report.
    set_theme(&mut app, COLOR);
    set_view(&mut app, View::Results);
    let screen = text(&draw(&app, 80, 24));
    assert!(screen.contains("pred\\act") && screen.contains("   total") && screen.contains("precision"), "{screen}");
    act(&mut app, Action::ToggleReport);
    let screen = text(&draw(&app, 80, 24));
    assert!(screen.contains("weighted avg") && !screen.contains("pred\\act"), "{screen}");
    // Where both fit, t changes nothing.
    assert!(text(&draw(&app, 120, 40)).contains("pred\\act"));
}

#[test]
fn without_a_terminal_the_dashboard_points_to_the_headless_command() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["--layers", "16", "--autostart"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdout is not") && err.contains("digitlab train"), "{err}");
}

/// The real event loop, on a test terminal, fed `keys`; returns when the app has quit.
fn run_loop(app: &mut App, keys: &[crossterm::event::KeyCode], signalled: &digitlab::signals::Interrupt) {
    common::tui::run_loop(app, keys.iter().map(|&k| crossterm::event::KeyEvent::from(k)), signalled);
}

#[test]
fn the_event_loop_answers_keys_while_training_and_quits_after_asking() {
    use crossterm::event::KeyCode as K;
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(500), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    // q asks; s stops the run, keeps its finished epochs, and quits once they are saved.
    run_loop(&mut app, &[K::Char('4'), K::Char('?'), K::Esc, K::Char('3'), K::Char('q'), K::Char('s')], &Default::default());
    assert!(app.should_quit() && !app.help() && !app.is_training());
    assert_eq!(app.view(), View::Results);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    let summary = summary_of(&out);
    assert_eq!(summary["status"], "stopped");
    let epochs = summary["epochs"].as_array().unwrap().len();
    assert!((1..500).contains(&epochs), "{epochs}");
    assert!(out.join("curves.png").is_file() && out.join("weights/neuron-000.png").is_file(), "the final save is whole");
    let note = app.exit_note().unwrap();
    assert!(note.contains("run stopped") && note.contains(&out.display().to_string()), "{note}");
}

#[test]
fn discarding_from_the_quit_question_deletes_the_run() {
    use crossterm::event::KeyCode as K;
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(500), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    assert!(out.join("summary.json").is_file(), "the first epoch is on disk");
    run_loop(&mut app, &[K::Char('q'), K::Char('d')], &Default::default());
    assert!(app.should_quit());
    assert!(!out.exists(), "discarded");
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    assert!(app.exit_note().unwrap().contains("discarded"), "{:?}", app.exit_note());
}

#[test]
fn q_after_a_finished_run_just_quits_and_the_run_is_on_disk() {
    use crossterm::event::KeyCode as K;
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = trained(&root, COLOR);
    run_loop(&mut app, &[K::Char('q')], &Default::default());
    assert!(app.should_quit() && !app.confirm_quit());
    let runs: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 1);
    let summary = summary_of(&runs[0]);
    assert_eq!((summary["status"].as_str(), summary["epochs"].as_array().unwrap().len()), (Some("completed"), 1));
}

#[test]
fn a_signal_in_the_event_loop_saves_the_finished_epochs_and_quits() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(500), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    let signalled = digitlab::signals::Interrupt::default();
    signalled.raise(15);
    run_loop(&mut app, &[], &signalled);
    assert!(app.should_quit() && app.interrupting());
    let out = app.session().unwrap().out_dir.clone().unwrap();
    let summary = summary_of(&out);
    assert_eq!(summary["status"], "interrupted");
    assert!(out.join("weights-grid.png").is_file());
}

#[test]
fn every_epoch_is_on_disk_as_it_finishes_and_a_mid_run_report_is_replaced() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(2), &root, COLOR);
    act(&mut app, Action::Start);
    until_first_epoch(&mut app);
    // The app has applied one epoch and its save has been carried out: the directory says exactly that,
    // whatever the trainer is doing meanwhile.
    let out = app.session().unwrap().out_dir.clone().unwrap();
    let s = summary_of(&out);
    assert_eq!((s["status"].as_str(), s["epochs"].as_array().unwrap().len()), (Some("running"), 1));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Status: **running**") && report.contains("epoch 1 of 2"), "{report}");
    assert!(!out.join("curves.png").exists() && !out.join("weights").exists());
    // b now draws the charts of epoch 1, labelled as a run in progress; from then on every save draws
    // them again, so they always show the epoch report.md describes.
    act(&mut app, Action::Report);
    assert!(out.join("curves.png").is_file());
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("![Loss and accuracy per epoch") && report.contains("its charts show the same epoch"), "{report}");
    pump(&mut app);
    let s = summary_of(&out);
    assert_eq!((s["status"].as_str(), s["epochs"].as_array().unwrap().len()), (Some("completed"), 2));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Status: **completed**") && report.contains("epoch 2 of 2"), "{report}");
    // The final save redrew every chart for epoch 2: the curves now have two points per series.
    let saved = digitlab::rundir::read_summary(&out).unwrap();
    let title = digitlab::rundir::curves_title(&saved);
    assert_eq!(title, "784 → 16 relu → 10 softmax · adam lr 0.003 · batch 20");
    let curves = digitlab::figures::charts::curves(&saved.epochs, &title);
    assert_eq!(std::fs::read(out.join("curves.png")).unwrap(), curves.png().unwrap());
    assert!(app.status().unwrap().text.contains(&out.display().to_string()), "{:?}", app.status());
    act(&mut app, Action::Rescan);
    assert_eq!(app.sorted_runs().len(), 1, "the session's run and its directory are one row");
}

#[test]
fn at_16_colors_the_confusion_colors_keep_their_meaning() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    set_theme(&mut app, Theme { color: true, ascii: false, depth: ColorDepth::Ansi16 });
    set_view(&mut app, View::Results);
    let m = app.shown().unwrap().eval.report.confusion.clone();
    let n = m.classes();
    let buf = draw(&app, 120, 40);
    let (x0, y0) = find(&buf, "pred\\act").unwrap();
    let (table_w, h) = confusion::size(n, digitlab::tui::views::results::matrix_cell_width(buf.area.width - 2, n));
    let table = Rect::new(x0, y0, table_w, h);
    let bg = |p, a| {
        let r = confusion::cell_rect(table, n, p, a);
        buf[(r.x + r.width - 1, r.y)].bg
    };
    let basic = |c: ratatui::style::Color| !matches!(c, ratatui::style::Color::Rgb(..) | ratatui::style::Color::Indexed(_));
    let diagonal = bg(0, 0);
    assert!(basic(diagonal) && diagonal != ratatui::style::Color::Reset, "{diagonal:?}");
    let top = m.top_confusions(1)[0];
    assert_eq!(bg(top.predicted, top.actual), ratatui::style::Color::Red, "the most frequent error is red");
    for p in 0..n {
        for a in 0..n {
            let c = bg(p, a);
            assert!(basic(c), "({p},{a}) {c:?} is not one of the 16 colors");
            if p == a {
                assert_eq!(c, diagonal, "every diagonal cell alike");
            } else if m.get(p, a) > 0 {
                assert!(c != diagonal && c != ratatui::style::Color::Reset, "an error ({p},{a}) looks like a hit or like nothing");
            } else {
                assert_eq!(c, ratatui::style::Color::Reset, "no error, no color ({p},{a})");
            }
        }
    }
    // The diverging weight map keeps its two signs apart.
    set_view(&mut app, View::Weights);
    act(&mut app, Action::ToggleShade);
    let buf = draw(&app, 120, 40);
    let fgs: std::collections::HashSet<_> = buf.content().iter().filter(|c| c.symbol() == "▀").map(|c| c.fg).collect();
    assert!(fgs.iter().all(|&c| basic(c)), "{fgs:?}");
    assert!(fgs.contains(&ratatui::style::Color::Blue) || fgs.contains(&ratatui::style::Color::LightBlue), "{fgs:?}");
    assert!(fgs.contains(&ratatui::style::Color::Red) || fgs.contains(&ratatui::style::Color::LightRed), "{fgs:?}");
}

#[test]
fn typing_into_a_field_replaces_its_value_and_backspace_edits_it() {
    use crossterm::event::KeyCode as K;
    let dir = tmp();
    let mut app = new_app(&config(1), dir.path(), COLOR);
    // The layer row holds "16": Enter, then 64, then Enter gives 64 (not 1664).
    assert_eq!(app.form().focus, Focus::Layer(0));
    for k in [K::Enter, K::Char('6'), K::Char('4'), K::Enter] {
        press(&mut app, k);
    }
    assert_eq!(app.form().layers[0].neurons, "64");
    // Backspace first edits the old value: 64 → 6 → 62.
    for k in [K::Enter, K::Backspace, K::Char('2'), K::Enter] {
        press(&mut app, k);
    }
    assert_eq!(app.form().layers[0].neurons, "62");
    // Esc brings the value back from before the edit.
    for k in [K::Enter, K::Char('9'), K::Esc] {
        press(&mut app, k);
    }
    assert_eq!(app.form().layers[0].neurons, "62");
    assert!(text(&draw(&app, 120, 40)).contains("784 → 62 relu → 10 softmax"));
}

/// The output layer and the loss are form rows: a pair that makes no sense is a field error and
/// cannot start; a sensible one trains and is recorded in the run's summary.
#[test]
fn the_output_and_loss_rows_choose_the_head_and_refuse_cross_entropy_on_scores() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(1), &root, COLOR);
    while app.form().focus != Focus::Output {
        act(&mut app, Action::Down);
    }
    // softmax → sigmoid → identity.
    act(&mut app, Action::Right);
    act(&mut app, Action::Right);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("784 → 16 relu → 10 identity"), "{screen}");
    assert!(screen.contains("needs probabilities, not identity outputs: choose mse"), "{screen}");
    act(&mut app, Action::Start);
    assert!(app.session().is_none());
    assert_eq!(app.form().focus, Focus::Loss, "the focus goes to the row at fault");
    act(&mut app, Action::Right);
    let screen = text(&draw(&app, 80, 24));
    assert!(screen.contains("squared error against one-hot targets") && screen.contains("10 identity, mse"), "{screen}");
    act(&mut app, Action::Start);
    assert!(app.is_training(), "{:?}", app.status());
    pump(&mut app);
    let out = app.session().unwrap().out_dir.clone().expect("saved");
    let summary = summary_of(&out);
    assert_eq!((summary["config"]["output"].as_str(), summary["config"]["loss"].as_str()), (Some("identity"), Some("mse")));
    assert_eq!(summary["model"]["architecture"], "784 → 16 relu → 10 identity, mse");
}

/// Every misclassified digit of a cell can be reached: PgDn pages through them all (and around to
/// the first), and w saves the whole cell as a PNG in the run directory.
#[test]
fn every_misclassified_digit_of_a_cell_is_reached_by_paging_and_saved_by_w() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    act(&mut app, Action::Go(View::Results));
    let (p, a) = app.results_cursor();
    assert_ne!(p, a, "the cursor starts on the most frequent confusion");
    let shown = app.shown().unwrap();
    let all = cell_examples(&app.data().test.labels, &shown.eval.predicted, (p, a), usize::MAX);
    assert!(all.len() > 3, "{} digits in the top cell", all.len());
    let mut seen = Vec::new();
    for _ in 0..all.len() {
        let screen = text(&draw(&app, 120, 40));
        for &i in &all {
            if screen.contains(&format!("#{i} true {a} pred {p}")) && !seen.contains(&i) {
                seen.push(i);
            }
        }
        if screen.contains(&format!("–{} of {}", all.len(), all.len())) {
            break;
        }
        act(&mut app, Action::PageDown);
    }
    seen.sort();
    assert_eq!(seen, all, "paging shows every digit of the cell");
    act(&mut app, Action::PageDown);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("digits 1–"), "after the last page comes the first: {screen}");
    act(&mut app, Action::ExportImages);
    let out = app.session().unwrap().out_dir.clone().unwrap();
    let png = out.join(format!("misclassified-actual{a}-pred{p}.png"));
    assert!(png.is_file(), "{:?}", app.status());
    assert!(app.status().unwrap().text.contains(&png.display().to_string()));
}

/// Lines the walk-through found cut: the parameter count of an eight-layer network and the title of the
/// normalized matrix, whole at 120×40 and 80×24.
#[test]
fn the_parameter_count_and_the_normalized_title_are_whole_on_common_terminals() {
    let dir = tmp();
    let cfg = TrainConfig { hidden: vec![digitlab::model::HiddenLayer { neurons: 128, activation: Activation::LeakyRelu }; 8], ..config(1) };
    let app = new_app(&cfg, dir.path(), COLOR);
    let params = app.form().architecture(784, 10).param_count();
    let grouped = params.to_string().as_bytes().rchunks(3).rev().map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(",");
    for (w, h) in [(120, 40), (80, 24)] {
        let screen = text(&draw(&app, w, h));
        assert!(screen.contains(&format!("{grouped} parameters")), "{w}x{h}: {screen}");
    }
    let mut app = trained(dir.path(), COLOR);
    act(&mut app, Action::Go(View::Results));
    act(&mut app, Action::ToggleNormalized);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains("rows = predicted, columns = actual (each column sums to 1)"), "{screen}");
}

/// Enter shows one digit of the cell at a time with the network's probability for every class, the
/// figures the model itself gives for that image.
#[test]
fn enter_shows_one_misclassified_digit_with_the_networks_probabilities() {
    let dir = tmp();
    let mut app = trained(dir.path(), COLOR);
    act(&mut app, Action::Go(View::Results));
    let (p, a) = app.results_cursor();
    act(&mut app, Action::Open);
    act(&mut app, Action::PageDown);
    let shown = app.shown().unwrap();
    let all = cell_examples(&app.data().test.labels, &shown.eval.predicted, (p, a), usize::MAX);
    let i = all[1];
    let mut x = Vec::new();
    shown.model.inputs(app.data().test.image(i), &mut x);
    let out = shown.model.outputs(x);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains(&format!("digit 2 of {}", all.len())), "{screen}");
    assert!(screen.contains(&format!("test image #{i}: true {a}, predicted {p}; probability per class (softmax outputs)")), "{screen}");
    assert!(screen.contains(&format!("{p:>2} {:6.2} %", out[p] * 100.0)), "{screen}");
    assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    act(&mut app, Action::Open);
    assert!(text(&draw(&app, 120, 40)).contains("digits 1–"), "Enter again shows the cell's digits");
}

/// The threads row keeps a run to the cores typed there; the Train view and summary.json say so.
#[test]
fn the_threads_row_bounds_the_run_and_is_recorded() {
    let dir = tmp();
    let root = dir.path().join("runs");
    let mut app = new_app(&config(1), &root, COLOR);
    type_into(&mut app, Focus::Threads, "1");
    act(&mut app, Action::Start);
    assert!(app.is_training(), "{:?}", app.status());
    until_first_epoch(&mut app);
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains(&format!("1 of {} cores", digitlab::threads::cores())), "{screen}");
    pump(&mut app);
    let out = app.session().unwrap().out_dir.clone().expect("saved");
    assert_eq!(summary_of(&out)["threads"], 1);
}
