//! A signal to a real training process (SSH drop, kill, Ctrl-C) ends the run with every finished epoch
//! saved and the run marked interrupted.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::read_json;

fn epochs_written(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("epochs.csv")).map_or(0, |s| s.lines().count().saturating_sub(1))
}

fn interrupt_with(signal: &str) {
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
    assert_eq!(output.status.code(), Some(1), "{signal}: {stderr}");
    assert!(stderr.contains("interrupted:"), "{stderr}");
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["status"], "interrupted", "{signal}");
    let epochs = summary["epochs"].as_array().unwrap().len();
    assert!((1..500).contains(&epochs));
    assert_eq!(epochs_written(&out), epochs, "epochs.csv holds every finished epoch");
    assert!(out.join("model.safetensors").is_file() && out.join("weights-grid.png").is_file());
}

#[test]
fn sigterm_saves_finished_epochs() {
    interrupt_with("TERM");
}

#[test]
fn sighup_saves_finished_epochs() {
    interrupt_with("HUP");
}

#[test]
fn sigint_saves_finished_epochs() {
    interrupt_with("INT");
}
