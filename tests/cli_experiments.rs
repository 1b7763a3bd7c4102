//! Sweeps (with resume after an interruption), the leaderboard, compare, and predict on a real digit.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{digitlab, read_json, text};

fn completed(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| {
                    std::fs::read_to_string(e.path().join("summary.json"))
                        .is_ok_and(|s| s.contains("\"status\": \"completed\""))
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn sweep_interrupted_after_two_runs_resumes_the_other_two_and_ranks_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let mut child = Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(["sweep", "--layers", "16", "24", "--activation", "sigmoid", "relu", "--epochs", "2", "--out", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while completed(&dir) < 2 {
        assert!(Instant::now() < deadline, "two runs did not complete");
        assert!(child.try_wait().unwrap().is_none(), "sweep ended early");
        std::thread::sleep(Duration::from_millis(10));
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(!child.wait().unwrap().success());
    assert_eq!(completed(&dir), 2, "the third run was interrupted, not completed");
    let first_two: Vec<String> = ["001-16sigmoid-adam-lr0.001-e2-b64-s1", "002-16relu-adam-lr0.001-e2-b64-s1"]
        .iter()
        .map(|r| std::fs::read_to_string(dir.join(r).join("summary.json")).unwrap())
        .collect();

    let o = digitlab(&["sweep", "--resume", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("4 runs in the grid, 2 already done, 2 to run"), "{}", text(&o.stderr));
    for (r, before) in ["001-16sigmoid-adam-lr0.001-e2-b64-s1", "002-16relu-adam-lr0.001-e2-b64-s1"].iter().zip(&first_two) {
        assert_eq!(&std::fs::read_to_string(dir.join(r).join("summary.json")).unwrap(), before, "{r} was not redone");
    }
    assert_eq!(completed(&dir), 4);

    // The leaderboard's rows are the runs' own figures, best first.
    let csv = std::fs::read_to_string(dir.join("leaderboard.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 4);
    let mut last = f64::INFINITY;
    for row in &rows {
        let s = read_json(&dir.join(&row[1]).join("summary.json"));
        let acc: f64 = row[10].parse().unwrap();
        assert!((acc - s["test"]["accuracy"].as_f64().unwrap()).abs() < 5e-5, "{row:?}");
        let f1: f64 = row[11].parse().unwrap();
        assert!((f1 - s["test"]["macro_avg"]["f1"].as_f64().unwrap()).abs() < 5e-5);
        assert_eq!(row[8], s["model"]["parameters"].to_string());
        assert_eq!(row[2], s["model"]["architecture"].as_str().unwrap());
        assert!(acc <= last, "sorted by test accuracy");
        last = acc;
    }
    assert!(std::fs::read_to_string(dir.join("leaderboard.md")).unwrap().contains("| 1 |"));

    // compare prints the same leaderboard from the directories.
    let o = digitlab(&["compare", dir.to_str().unwrap()]);
    assert!(o.status.success());
    let md = text(&o.stdout);
    assert_eq!(md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| #")).count(), 4);
    assert!(md.find(&rows[0][1]).unwrap() < md.find(&rows[3][1]).unwrap());
}

#[test]
fn shards_split_the_grid_between_machines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    for shard in ["1/2", "2/2"] {
        let o = digitlab(&["sweep", "--layers", "8", "12", "--lr", "0.01", "--epochs", "1", "--shard", shard, "--out", dir.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains("1 in shard"), "{}", text(&o.stderr));
    }
    assert_eq!(completed(&dir), 2);
    let o = digitlab(&["sweep", "--layers", "8", "--epochs", "1", "--out", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("holds a different sweep"), "{}", text(&o.stderr));
}

#[test]
fn predict_on_a_png_cut_from_a_test_image_matches_the_runs_prediction() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = digitlab(&["train", "--layers", "32", "--epochs", "1", "--out", run.to_str().unwrap()]);
    assert!(o.status.success());
    let preds: Vec<(usize, usize)> = std::fs::read_to_string(run.join("predictions.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<usize> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (v[1], v[2])
        })
        .collect();
    let images = common::raw("t10k-images-idx3-ubyte");
    // A few correct ones and the first misclassified one.
    let wrong = preds.iter().position(|(l, p)| l != p).expect("some test digit is misclassified");
    for i in [0usize, 1, 2, 1234, wrong] {
        let pixels = images[16 + i * 784..16 + (i + 1) * 784].to_vec();
        for (name, px, ink) in [("light", pixels.clone(), "auto"), ("paper", pixels.iter().map(|p| 255 - p).collect(), "auto")] {
            let png = tmp.path().join(format!("digit-{i}-{name}.png"));
            let img = digitlab::viz::GrayImage::from_pixels(28, 28, px);
            std::fs::write(&png, digitlab::export::images::png_bytes(&img).unwrap()).unwrap();
            let o = digitlab(&["predict", "--model", run.join("model.safetensors").to_str().unwrap(), "--ink", ink, png.to_str().unwrap()]);
            assert!(o.status.success(), "{}", text(&o.stderr));
            let out = text(&o.stdout);
            assert!(out.contains(&format!("prediction: {}\n", preds[i].1)), "image {i} ({name}): {out}");
            assert_eq!(out.lines().filter(|l| l.trim_end().ends_with('%')).count(), 3, "top 3: {out}");
        }
    }
    let o = digitlab(&["predict", "--model", run.join("model.safetensors").to_str().unwrap(), run.join("weights-grid.png").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("the model needs 28x28"), "{}", text(&o.stderr));
}
