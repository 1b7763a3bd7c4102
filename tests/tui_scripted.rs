//! The dashboard driven by a scripted trainer: the test sends the trainer's events itself (real models
//! and evaluations on the bundled test set, no training), so what the dashboard does with each ending
//! of a run is checked without racing a real trainer.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::tui::{type_into};
use common::tui::{act, carry_out, config, draw, mnist, new_app, screen, send, COLOR};
use crossbeam_channel::{Receiver, Sender};
use digitlab::tui::form::Focus;
use digitlab::model::Mlp;
use digitlab::train::diagnostics::Diagnostics;
use digitlab::train::{eval, Command, EpochReport, Event, RunResult, RunStatus, Snapshot, TrainConfig, Trainer};
use digitlab::tui::app::{App, Msg, StatusKind, View};
use digitlab::tui::keys::Action;

/// The test's ends of a scripted trainer's channels.
struct Script {
    events: Sender<Event>,
    commands: Receiver<Command>,
}

/// An app whose runs are scripted: each start hands the test a `Script`.
fn scripted(root: &Path) -> (App, Arc<Mutex<Vec<Script>>>) {
    let scripts = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&scripts);
    let app = new_app(&config(3), root, COLOR).with_trainer(Box::new(move |_cfg: TrainConfig, _data, _threads| {
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded();
        shared.lock().unwrap().push(Script { events: ev_tx, commands: cmd_rx });
        Trainer::from_channels(ev_rx, cmd_tx)
    }));
    (app, scripts)
}

/// The snapshot after `epoch` of a network that was never trained (a real model, really evaluated).
fn snapshot(epoch: usize, seed: u64) -> Snapshot {
    let data = mnist();
    let model = Mlp::new(&config(3).architecture(data.train.pixels(), data.classes), seed);
    let test = eval::evaluate(&model, &data.test);
    let report = EpochReport {
        epoch,
        train_loss: 2.0,
        train_accuracy: 0.2,
        val_loss: None,
        val_accuracy: None,
        test_loss: test.loss,
        test_accuracy: test.report.accuracy,
        train_seconds: 0.5,
        eval_seconds: 0.1,
    };
    let neurons = std::sync::Arc::new(digitlab::train::neurons::NeuronAnalysis::of(&model, &common::tui::mnist().test));
    Snapshot { report, model, test, diagnostics: Diagnostics::default(), neurons, threads: 1 }
}

fn result(status: RunStatus, snaps: &[Snapshot]) -> RunResult {
    RunResult {
        config: config(3),
        status,
        history: snaps.iter().map(|s| s.report.clone()).collect(),
        last: snaps.last().unwrap().clone(),
        train_seconds: 1.0,
        wall_seconds: 1.5,
    }
}

/// Applies every event the script has sent so far (and their effects).
fn deliver(app: &mut App) {
    while let Some(rx) = app.trainer_events() {
        match rx.try_recv() {
            Ok(ev) => send(app, Msg::Trainer(ev)),
            Err(crossbeam_channel::TryRecvError::Empty) => break,
            Err(crossbeam_channel::TryRecvError::Disconnected) => send(app, Msg::TrainerGone),
        }
    }
}

fn saved(app: &App) -> PathBuf {
    app.session().unwrap().out_dir.clone().expect("saved")
}

fn summary(dir: &Path) -> serde_json::Value {
    common::read_json(&dir.join("summary.json"))
}

#[test]
fn a_run_that_diverges_after_a_good_epoch_is_kept_as_diverged() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut app, scripts) = scripted(&tmp.path().join("runs"));
    act(&mut app, Action::Start);
    let first = snapshot(1, 1);
    {
        let s = &scripts.lock().unwrap()[0];
        s.events.send(Event::Epoch(Box::new(first.clone()))).unwrap();
        let message = "loss became NaN at epoch 2, batch 17".to_string();
        s.events.send(Event::Finished(Box::new(result(RunStatus::Diverged { message }, &[first])))).unwrap();
    }
    deliver(&mut app);
    assert!(!app.is_training());
    let status = app.status().cloned().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("diverged: loss became NaN at epoch 2, batch 17; showing the last good epoch"), "{}", status.text);
    let out = saved(&app);
    let s = summary(&out);
    assert_eq!((s["status"].as_str(), s["message"].as_str()), (Some("diverged"), Some("loss became NaN at epoch 2, batch 17")));
    assert_eq!(s["epochs"].as_array().unwrap().len(), 1);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Training diverged: loss became NaN"), "{report}");
}

#[test]
fn a_trainer_that_dies_after_an_epoch_leaves_that_epoch_recorded_as_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut app, scripts) = scripted(&tmp.path().join("runs"));
    act(&mut app, Action::Start);
    scripts.lock().unwrap()[0].events.send(Event::Epoch(Box::new(snapshot(1, 1)))).unwrap();
    deliver(&mut app);
    let out = saved(&app);
    assert_eq!(summary(&out)["status"], "running");
    // The trainer's end of the channel goes away without a last word.
    scripts.lock().unwrap().clear();
    deliver(&mut app);
    assert!(!app.is_training());
    assert!(app.status().unwrap().text.contains("training failed: the training thread ended without a word"), "{:?}", app.status());
    let s = summary(&out);
    assert_eq!((s["status"].as_str(), s["reason"].as_str()), (Some("failed"), Some("the training thread ended without a word")));
    assert_eq!(s["epochs"].as_array().unwrap().len(), 1, "the saved epoch is kept");
    assert!(std::fs::read_to_string(out.join("report.md")).unwrap().contains("Status: **failed**"));
}

#[test]
fn the_quit_question_sends_stop_or_interrupt_and_the_app_waits_for_the_trainer() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("runs");
    let (mut app, scripts) = scripted(&root);
    act(&mut app, Action::Start);
    let first = snapshot(1, 1);
    scripts.lock().unwrap()[0].events.send(Event::Epoch(Box::new(first.clone()))).unwrap();
    deliver(&mut app);

    // q, then s: the trainer is asked to stop; nothing quits until it has answered.
    act(&mut app, Action::Quit);
    assert!(screen(&draw(&app, 100, 30)).contains("keep the 1 finished epoch(s)"));
    common::tui::press(&mut app, crossterm::event::KeyCode::Char('s')).unwrap();
    assert_eq!(scripts.lock().unwrap()[0].commands.try_recv().unwrap(), Command::Stop);
    assert!(!app.should_quit() && app.is_training());
    scripts.lock().unwrap()[0].events.send(Event::Finished(Box::new(result(RunStatus::Stopped, &[first])))).unwrap();
    deliver(&mut app);
    assert!(app.should_quit());
    let out = saved(&app);
    assert_eq!(summary(&out)["status"], "stopped");
    assert!(app.exit_note().unwrap().contains(&format!("run stopped after 1 epoch(s), saved in {}", out.display())));

    // A second app: q, then d: the trainer is interrupted, then the directory goes.
    let (mut app, scripts) = scripted(&root);
    act(&mut app, Action::Start);
    let first = snapshot(1, 2);
    scripts.lock().unwrap()[0].events.send(Event::Epoch(Box::new(first.clone()))).unwrap();
    deliver(&mut app);
    let out = saved(&app);
    act(&mut app, Action::Quit);
    let effects = app.update(Msg::Action(Action::ConfirmQuit(digitlab::tui::app::QuitChoice::Discard)));
    assert!(effects.is_empty(), "nothing is deleted before the trainer has stopped: {effects:?}");
    assert_eq!(scripts.lock().unwrap()[0].commands.try_recv().unwrap(), Command::Interrupt);
    // An epoch that was already on its way is not saved any more.
    let second = snapshot(2, 2);
    scripts.lock().unwrap()[0].events.send(Event::Epoch(Box::new(second.clone()))).unwrap();
    scripts.lock().unwrap()[0].events.send(Event::Finished(Box::new(result(RunStatus::Interrupted, &[first, second])))).unwrap();
    let rx = app.trainer_events().unwrap();
    let epoch = app.update(Msg::Trainer(rx.recv().unwrap()));
    assert!(epoch.is_empty(), "{epoch:?}");
    let last = app.update(Msg::Trainer(rx.recv().unwrap()));
    assert!(matches!(&last[..], [digitlab::tui::effects::Effect::Discard { .. }]), "{last:?}");
    carry_out(&mut app, last);
    assert!(app.should_quit() && !out.exists());
    assert_eq!(app.view(), View::Train);
}

#[test]
fn another_data_directory_is_loaded_off_the_ui_thread_before_the_run_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let slice = common::mnist_slice(tmp.path(), 700);
    let (mut app, scripts) = scripted(&tmp.path().join("runs"));
    type_into(&mut app, Focus::DataDir, &slice.display().to_string());
    let effects = app.update(Msg::Action(Action::Start));
    // Asked for, not done: the old data is still loaded and nothing trains yet.
    assert!(matches!(&effects[..], [digitlab::tui::effects::Effect::LoadData { dir }] if *dir == slice), "{effects:?}");
    assert!(app.session().is_none() && app.data().train.len() == 2000);
    assert!(app.status().unwrap().text.contains("loading the data in"), "{:?}", app.status());
    carry_out(&mut app, effects);
    assert_eq!((app.data().train.len(), app.data_dir()), (700, slice.as_path()));
    assert!(app.is_training() && app.view() == View::Train);
    assert_eq!(scripts.lock().unwrap().len(), 1);

    // A directory that cannot be read: the reason on the status line, nothing starts.
    let mut app = new_app(&config(1), &tmp.path().join("runs"), COLOR);
    type_into(&mut app, Focus::DataDir, &tmp.path().join("no-such-data").display().to_string());
    act(&mut app, Action::Start);
    assert!(app.session().is_none());
    let status = app.status().cloned().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.starts_with("cannot start: data dir: ") && status.text.contains("no-such-data"), "{}", status.text);
}

#[test]
fn a_save_that_fails_mid_run_stops_the_run_and_the_directory_says_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut app, scripts) = scripted(&tmp.path().join("runs"));
    act(&mut app, Action::Start);
    let first = snapshot(1, 1);
    scripts.lock().unwrap()[0].events.send(Event::Epoch(Box::new(first.clone()))).unwrap();
    deliver(&mut app);
    let out = saved(&app);
    // The model file's place is taken by a directory: the next save cannot move its model in.
    std::fs::remove_file(out.join("model.safetensors")).unwrap();
    std::fs::create_dir(out.join("model.safetensors")).unwrap();
    let second = snapshot(2, 1);
    scripts.lock().unwrap()[0].events.send(Event::Epoch(Box::new(second.clone()))).unwrap();
    deliver(&mut app);
    assert_eq!(scripts.lock().unwrap()[0].commands.try_recv().unwrap(), Command::Stop, "the run is stopped");
    let status = app.status().cloned().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("saving the run failed") && status.text.contains("cannot move into place"), "{}", status.text);
    scripts.lock().unwrap()[0].events.send(Event::Finished(Box::new(result(RunStatus::Stopped, &[first, second])))).unwrap();
    deliver(&mut app);
    // The directory keeps what it had; its record says why there is no more.
    let s = summary(&out);
    assert_eq!(s["status"], "failed");
    assert!(s["reason"].as_str().unwrap().contains("cannot move into place"), "{s}");
    assert!(std::fs::read_to_string(out.join("report.md")).unwrap().contains("Status: **failed**"));
    assert!(!out.join("curves.png").exists(), "no final save was attempted");
}
