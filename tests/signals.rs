//! A signal to a real training process (SSH drop, kill, Ctrl-C) ends the run with every finished epoch
//! saved and the run marked interrupted.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::read_json;

fn epochs_written(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("epochs.csv")).map_or(0, |s| s.lines().count().saturating_sub(1))
}

fn interrupt_with(signal: &str, status: i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["train", "--layers", "16", "--epochs", "500", "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (event-driven by the files the run writes, bounded) until one epoch is on disk.
    let deadline = Instant::now() + Duration::from_secs(120);
    while epochs_written(&out) < 1 {
        assert!(Instant::now() < deadline, "no epoch written");
        assert!(child.try_wait().unwrap().is_none(), "exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let ok = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The shell's status for the signal, and a plain message: the run was saved, nothing went wrong.
    assert_eq!(output.status.code(), Some(status), "{signal}: {stderr}");
    assert!(stderr.contains(&format!("digitlab: interrupted by SIG{signal}: ")) && stderr.contains("saved in"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["status"], "interrupted", "{signal}");
    let epochs = summary["epochs"].as_array().unwrap().len();
    assert!((1..500).contains(&epochs));
    assert_eq!(epochs_written(&out), epochs, "epochs.csv holds every finished epoch");
    assert!(out.join("model.safetensors").is_file() && out.join("weights-grid.png").is_file());
}

#[test]
fn sigterm_saves_finished_epochs() {
    interrupt_with("TERM", 143);
}

#[test]
fn sighup_saves_finished_epochs() {
    interrupt_with("HUP", 129);
}

#[test]
fn sigint_saves_finished_epochs() {
    interrupt_with("INT", 130);
}

/// Ctrl-C before the first epoch ends: nothing to keep, so no directory is left behind (the first epoch
/// of this network on single-image batches takes minutes; the signal comes as training starts).
#[test]
fn sigint_before_the_first_epoch_leaves_no_directory() {
    interrupt_before_the_first_epoch(false);
}

/// An empty directory a person made and named with --out is theirs: it stays, empty.
#[test]
fn sigint_before_the_first_epoch_keeps_an_empty_directory_a_person_made() {
    interrupt_before_the_first_epoch(true);
}

fn interrupt_before_the_first_epoch(made_by_a_person: bool) {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    if made_by_a_person {
        std::fs::create_dir(&out).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["train", "--layers", "2048,2048", "--batch-size", "1", "--epochs", "1", "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("run directory:") {
        assert!(stderr.read_line(&mut seen).unwrap() > 0, "exited early: {seen}");
    }
    assert!(out.is_dir(), "the directory is claimed before training starts");
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("before the first epoch finished") && rest.contains("nothing to save"), "{rest}");
    if made_by_a_person {
        assert!(out.is_dir() && std::fs::read_dir(&out).unwrap().next().is_none(), "the person's directory stays, empty");
    } else {
        assert!(!out.exists(), "no empty run directory is left");
    }
}

/// A `train` child writing its lines into a pipe, once its first epoch's line has been read from it:
/// the child, and the pipe's read end (the only one: dropping it closes the pipe).
fn train_read_to_first_epoch(out: &Path) -> (std::process::Child, std::io::BufReader<std::process::ChildStdout>) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["train", "--layers", "16", "--epochs", "500", "--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("epoch") && first.contains(" 1/500"), "{first}");
    (child, reader)
}

/// `digitlab train … | head -1`: the reader of the run's output goes away after the first epoch's
/// line. The next line raises SIGPIPE, which ends the run as the other signals do (finished epochs
/// saved, the run marked interrupted, status 141) instead of a panic in `println!` that left the run
/// marked as still running.
#[test]
fn a_closed_output_pipe_saves_finished_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (child, reader) = train_read_to_first_epoch(&out);
    drop(reader);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(stderr.contains("digitlab: interrupted by SIGPIPE") && stderr.contains("saved in"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["status"], "interrupted");
    let epochs = summary["epochs"].as_array().unwrap().len();
    assert!((1..500).contains(&epochs));
    assert_eq!(epochs_written(&out), epochs, "epochs.csv holds every finished epoch");
}

/// Ctrl-C on `digitlab train … | tee log` ends `tee` too: the SIGPIPE of the lines printed after the
/// interrupt must not replace it. The run reports SIGINT (130), the signal that ended it.
#[test]
fn the_signal_that_ended_the_run_is_reported_not_a_later_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (child, reader) = train_read_to_first_epoch(&out);
    // The interrupt first (within microseconds of the first epoch's line, the next is ~0.1 s away),
    // then the reader goes, as `tee` does: every line after it (the summary) meets a closed pipe.
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    drop(reader);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("digitlab: interrupted by SIGINT: "), "{stderr}");
    assert_eq!(read_json(&out.join("summary.json"))["status"], "interrupted");
}

/// A short command whose reader has gone ends quietly of SIGPIPE at its first line, as Unix tools do
/// (`digitlab eval … | head`), without a panic.
#[test]
fn a_short_command_ends_quietly_when_its_reader_has_gone() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let trained = common::digitlab(&["train", "--layers", "none", "--epochs", "1", "--out", run.to_str().unwrap()]);
    assert!(trained.status.success(), "{}", common::text(&trained.stderr));
    let mut child = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["eval", "--model", run.join("model.safetensors").to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.signal(), Some(13), "ended by SIGPIPE: {:?} {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
