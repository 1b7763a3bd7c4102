//! The run directory as a student meets it from the command line: nothing is overwritten, damaged
//! records are named instead of crashing, and sweeps share or refuse a directory as they should.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{digitlab, mnist_slice, read_json, text};

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

fn train(data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--data", data.to_str().unwrap(), "--layers", "8", "--epochs", "1", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    digitlab(&args)
}

#[test]
fn train_never_writes_into_a_directory_that_holds_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 1000);
    let out = tmp.path().join("run");
    let o = train(&data, &out, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::write(out.join("notes.txt"), "my observations").unwrap();
    let before = snapshot(&out);
    assert!(before.iter().any(|(p, _)| p.ends_with("weights/neuron-007.png")));

    let o = train(&data, &out, &["--seed", "2"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("{}: already holds files", out.display())) && err.contains("never writes over"), "{err}");
    assert_eq!(snapshot(&out), before, "every file of the first run, and the note, byte for byte");

    // A file a person made is no run directory either; an empty directory is fine.
    let file = tmp.path().join("essay.txt");
    std::fs::write(&file, "draft").unwrap();
    let o = train(&data, &file, &[]);
    assert!(!o.status.success() && text(&o.stderr).contains("essay.txt"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "draft");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = train(&data, &empty, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(read_json(&empty.join("summary.json"))["status"], "completed");
}

#[test]
fn runs_without_out_get_their_own_directories_and_files_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 1000);
    // Three runs of the same network started together: same second, same name, three directories.
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_digitlab"))
                .args(["train", "--data", data.to_str().unwrap(), "--layers", "8", "--epochs", "1"])
                .current_dir(tmp.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let runs: Vec<PathBuf> = std::fs::read_dir(tmp.path().join("runs")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 3, "{runs:?}");
    for r in &runs {
        assert_eq!(read_json(&r.join("summary.json"))["status"], "completed");
        // The test process's umask decides, as for any file a program makes: compare with one we make.
        let reference = tmp.path().join(format!("reference-{}", runs.iter().position(|x| x == r).unwrap()));
        std::fs::write(&reference, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&r.join("summary.json")), mode(&reference));
        assert_eq!(mode(&r.join("weights/neuron-000.png")), mode(&reference));
    }
}

/// A real run's summary.json, then damaged in `how`.
fn damaged(root: &Path, data: &Path, name: &str, how: impl Fn(&mut serde_json::Value) -> String) -> PathBuf {
    let dir = root.join(name);
    let o = train(data, &dir, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut v = read_json(&dir.join("summary.json"));
    let text = how(&mut v);
    std::fs::write(dir.join("summary.json"), text).unwrap();
    dir
}

#[test]
fn damaged_summaries_are_named_by_report_and_skipped_by_compare() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 1000);
    let root = tmp.path().join("runs");
    let good = root.join("good");
    assert!(train(&data, &good, &[]).status.success());
    let ragged = damaged(&root, &data, "ragged", |v| {
        v["test"]["confusion_matrix"][3].as_array_mut().unwrap().pop();
        v.to_string()
    });
    let huge = damaged(&root, &data, "huge", |v| {
        v["test"]["confusion_matrix"] = serde_json::json!(vec![vec![0u8; 3000]; 3000]);
        v.to_string()
    });
    let truncated = damaged(&root, &data, "truncated", |v| {
        let s = serde_json::to_string_pretty(v).unwrap();
        s[..s.len() / 2].to_string()
    });
    let wrong_total = damaged(&root, &data, "wrong-total", |v| {
        v["test"]["confusion_matrix"][0][0] = serde_json::json!(123456);
        v.to_string()
    });
    for (dir, problem) in [
        (&ragged, "test.confusion_matrix: row 3 has 9 entries, expected 10"),
        (&huge, "more than digitlab accepts for a run summary"),
        (&truncated, "not a digitlab run summary: EOF while parsing"),
        (&wrong_total, "counts add up to"),
    ] {
        let o = digitlab(&["report", dir.to_str().unwrap(), "--data", data.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", dir.display());
        let err = text(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&dir.join("summary.json").display().to_string()) && err.contains(problem), "{err}");
    }

    // compare lists the good run and names each damaged one on stderr.
    let o = digitlab(&["compare", root.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(out.contains("| 1 | good |") && out.lines().count() == 3, "one row: {out}");
    for dir in [&ragged, &huge, &truncated, &wrong_total] {
        assert!(err.contains(&format!("skipped {}", dir.join("summary.json").display())), "{err}");
    }
}

fn sweep(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_digitlab"));
    c.arg("sweep").args(args).env_remove("DIGITLAB_DATA").stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

#[test]
fn two_sweeps_of_different_grids_cannot_share_a_directory_but_shards_of_one_grid_do() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 600);
    let d = data.to_str().unwrap();
    let out = tmp.path().join("sweep");
    let o = out.to_str().unwrap();
    // Started together: exactly one claims the directory, whichever is first.
    let a = sweep(&["--data", d, "--layers", "4", "8", "--epochs", "1", "--out", o]).spawn().unwrap();
    let b = sweep(&["--data", d, "--layers", "6", "--epochs", "1", "--out", o]).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let refused: Vec<&Output> = [&a, &b].into_iter().filter(|x| !x.status.success()).collect();
    assert_eq!(refused.len(), 1, "a: {}\nb: {}", text(&a.stderr), text(&b.stderr));
    assert!(text(&refused[0].stderr).contains("holds a different sweep"), "{}", text(&refused[0].stderr));
    let spec = read_json(&out.join("sweep.json"));
    assert!(Path::new(spec["data"].as_str().unwrap()).is_absolute(), "{spec}");
    let rows = std::fs::read_to_string(out.join("leaderboard.csv")).unwrap().lines().count() - 1;
    // The winner's grid, and only it: two runs when the first sweep won, one when the second did.
    let (winner_runs, winner_layers) = if a.status.success() { (2, vec![4, 8]) } else { (1, vec![6]) };
    assert_eq!(rows, winner_runs, "only the winner's runs");
    let recorded: Vec<u64> = spec["grid"]["layers"].as_array().unwrap().iter().map(|l| l[0].as_u64().unwrap()).collect();
    assert_eq!(recorded, winner_layers, "sweep.json holds the winner's grid");

    // Two shards of one grid, together, into one new directory: both run, and the runs merge.
    let shared = tmp.path().join("shards");
    let s = shared.to_str().unwrap();
    let grid = ["--data", d, "--layers", "4", "8", "--activation", "relu", "tanh", "--epochs", "1", "--out", s];
    let one = sweep(&[&grid[..], &["--shard", "1/2"]].concat()).spawn().unwrap();
    let two = sweep(&[&grid[..], &["--shard", "2/2"]].concat()).spawn().unwrap();
    for c in [one, two] {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let o = digitlab(&["compare", s]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 2 + 4, "{}", text(&o.stdout));
}

#[test]
fn a_failing_run_is_in_the_leaderboard_and_the_sweep_fails_at_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 600);
    let out = tmp.path().join("sweep");
    // Batches of 1000 from 600 images cannot be made: that run fails, the other trains.
    let o = sweep(&["--data", data.to_str().unwrap(), "--layers", "8", "--batch-size", "1000", "32", "--epochs", "1", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("1 of 2 run(s) failed") && err.contains("batch size 1000 is larger than the 600 training examples"), "{err}");
    let csv = std::fs::read_to_string(out.join("leaderboard.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].ends_with(",completed"), "the trained run first: {csv}");
    assert!(rows[1].contains("failed: batch size 1000 is larger than the 600 training examples"), "{csv}");
    let failed = out.join("001-8relu-adam-lr0.001-e1-b1000-s1");
    assert_eq!(read_json(&failed.join("summary.json"))["status"], "failed");

    // Resume from elsewhere: the recorded data path is absolute, so it is found; the failure is tried
    // again, and says so again.
    let o = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["sweep", "--resume", out.to_str().unwrap()])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("2 runs in the grid, 1 already done, 1 to run") && err.contains("1 of 1 run(s) failed"), "{err}");
}

#[test]
fn a_setup_that_cannot_fit_in_memory_is_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 1000);
    let out = tmp.path().join("big");
    let layers = "4096,4096,4096,4096,4096,4096,4096,4096";
    let o = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["train", "--data", data.to_str().unwrap(), "--layers", layers, "--batch-size", "1000", "--epochs", "1", "--out", out.to_str().unwrap()])
        .env("DIGITLAB_MEMORY_LIMIT", "512M")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("this setup needs about") && err.contains("but only 512 MB is available"), "{err}");
    assert!(!out.exists(), "refused before any directory is left behind");
    // The same setup with room for it would start: the refusal is the estimate's, not a fixed rule.
    let estimate = digitlab::train::memory::estimate(
        &digitlab::train::TrainConfig { hidden: digitlab::train::config::hidden_layers(&[4096; 8], &[]).unwrap(), ..Default::default() }.architecture(784, 10),
        1000,
        1000 * 785 + 10_000 * 785,
    );
    assert!(err.contains(&digitlab::train::memory::human(estimate)), "{err}");
}

#[test]
fn a_sweep_refuses_momentum_with_adam_and_an_empty_shard_before_claiming_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 600);
    let out = tmp.path().join("sweep");
    let o = sweep(&["--data", data.to_str().unwrap(), "--layers", "8", "--optimizer", "adam", "sgd", "--momentum", "0.9", "--epochs", "1", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("run 1 (001-8relu-adam-lr0.001-e1-b64-s1-m0.9): --momentum: momentum is an SGD setting"), "{err}");
    assert!(!out.exists());
    let o = sweep(&["--data", data.to_str().unwrap(), "--layers", "8", "16", "--epochs", "1", "--shard", "3/3", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("shard 3/3 has no runs: the grid has 2 run(s)"), "{err}");
    assert!(!out.exists());
}

/// A report.md a student edited is never replaced: `digitlab report` sets it aside as
/// report-edited.md before writing a new one; an unedited one is simply rewritten.
#[test]
fn an_edited_report_is_set_aside_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_slice(tmp.path(), 600);
    let out = tmp.path().join("run");
    assert!(train(&data, &out, &[]).status.success());
    let report = out.join("report.md");
    // Unedited: rewritten in place, nothing set aside.
    assert!(digitlab(&["report", out.to_str().unwrap(), "--data", data.to_str().unwrap()]).status.success());
    assert!(!out.join("report-edited.md").exists());
    let edited = format!("{}\n## My observations\nThe 4s and 9s look alike.\n", std::fs::read_to_string(&report).unwrap());
    std::fs::write(&report, &edited).unwrap();
    let o = digitlab(&["report", out.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("report-edited.md")).unwrap(), edited);
    assert!(!std::fs::read_to_string(&report).unwrap().contains("My observations"));
}
