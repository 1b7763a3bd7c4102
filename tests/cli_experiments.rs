//! Sweeps (with resume after an interruption), the leaderboard, compare, and predict on a real digit.

use crate::common;

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
        .args(["sweep", "--layers", "16", "24", "--activation", "sigmoid", "relu", "--epochs", "2", "--jobs", "1", "--out", dir.to_str().unwrap()])
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

/// What a run's results are, without its timings and thread count.
fn results(run: &Path) -> (serde_json::Value, Vec<serde_json::Value>, Vec<u8>) {
    let s = read_json(&run.join("summary.json"));
    let epochs = s["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::Value::Object(e.as_object().unwrap().iter().filter(|(k, _)| !k.contains("seconds")).map(|(k, v)| (k.clone(), v.clone())).collect()))
        .collect();
    // The model's tensors (after the JSON header, whose key order is not fixed).
    let bytes = std::fs::read(run.join("model.safetensors")).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    (s["test"].clone(), epochs, bytes[8 + header..].to_vec())
}

#[test]
fn runs_trained_side_by_side_give_the_results_of_runs_one_after_another() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = ["sweep", "--layers", "8", "16", "--activation", "relu", "sigmoid", "--epochs", "1"];
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let o = digitlab(&[&grid[..], &["--jobs", "1", "--out", one.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stdout).contains("at a time"));
    let o = digitlab(&[&grid[..], &["--jobs", "2", "--out", two.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("2 runs at a time"), "{}", text(&o.stdout));
    assert_eq!(completed(&two), 4);
    for e in std::fs::read_dir(&one).unwrap().flatten().filter(|e| e.path().join("summary.json").is_file()) {
        let name = e.file_name();
        assert_eq!(results(&e.path()), results(&two.join(&name)), "{name:?} differs");
    }
    // The leaderboards rank the same runs the same way.
    let rows = |d: &Path| std::fs::read_to_string(d.join("leaderboard.csv")).unwrap().lines().map(|l| l.split(',').take(2).collect::<Vec<_>>().join(",")).collect::<Vec<_>>();
    assert_eq!(rows(&one), rows(&two));
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

/// The acceptance line of the study over seeds: `sweep --layers 8 16 --seed 1 2 --epochs 1` writes
/// `study.csv` with one row per width, each made of its two seeds, whose figures are those of the
/// runs' own summaries; `report` shows the study in the sweep's report.md and `compare` prints it.
#[test]
fn a_sweep_over_two_seeds_writes_a_study_with_the_runs_own_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let data = common::mnist_slice(tmp.path(), 600);
    let dir = tmp.path().join("sweep");
    let o = digitlab(&["sweep", "--layers", "8", "16", "--seed", "1", "2", "--epochs", "1", "--data", data.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("Study over seeds"), "{}", text(&o.stdout));

    let mut reader = csv::Reader::from_path(dir.join("study.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "one row per setting, the seed left out");
    let mut hidden: Vec<&str> = rows.iter().map(|r| &r[col("hidden")]).collect();
    hidden.sort();
    assert_eq!(hidden, ["16", "8"]);
    let num = |r: &csv::StringRecord, c: &str| -> f64 { r[col(c)].parse().unwrap_or_else(|e| panic!("{c} = {:?}: {e}", &r[col(c)])) };
    for row in &rows {
        assert_eq!(&row[col("runs")], "2");
        assert_eq!(&row[col("seeds")], "1 2");
        // The runs of this width, read from their own summary.json.
        let summaries: Vec<serde_json::Value> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().join("summary.json").is_file())
            .map(|e| read_json(&e.path().join("summary.json")))
            .filter(|s| s["config"]["hidden"][0]["neurons"].as_u64().map(|n| n.to_string()).as_deref() == Some(&row[col("hidden")]))
            .collect();
        assert_eq!(summaries.len(), 2, "two seeds of {}", &row[col("hidden")]);
        let acc: Vec<f64> = summaries.iter().map(|s| s["test"]["accuracy"].as_f64().unwrap()).collect();
        let f1: Vec<f64> = summaries.iter().map(|s| s["test"]["macro_avg"]["f1"].as_f64().unwrap()).collect();
        let mut seeds: Vec<u64> = summaries.iter().map(|s| s["config"]["seed"].as_u64().unwrap()).collect();
        seeds.sort();
        assert_eq!(seeds, [1, 2]);
        assert!((num(row, "mean_test_accuracy") - (acc[0] + acc[1]) / 2.0).abs() < 1e-6, "{row:?} vs {acc:?}");
        // The sample deviation of two values is their distance over √2.
        assert!((num(row, "sd_test_accuracy") - (acc[0] - acc[1]).abs() / 2f64.sqrt()).abs() < 1e-6, "{row:?} vs {acc:?}");
        assert!((num(row, "min_test_accuracy") - acc[0].min(acc[1])).abs() < 1e-6);
        assert!((num(row, "max_test_accuracy") - acc[0].max(acc[1])).abs() < 1e-6);
        assert!((num(row, "mean_macro_f1") - (f1[0] + f1[1]) / 2.0).abs() < 1e-6);
    }
    assert!(num(&rows[0], "mean_test_accuracy") >= num(&rows[1], "mean_test_accuracy"), "best mean first");
    let study_md = std::fs::read_to_string(dir.join("study.md")).unwrap();
    assert_eq!(study_md.lines().filter(|l| l.starts_with("| 1 |") || l.starts_with("| 2 |")).count(), 2, "{study_md}");
    // Two widths: a chart against the neurons; one depth: none against the layers.
    assert!(dir.join("study-neurons.png").is_file() && study_md.contains("](study-neurons.png)"), "{study_md}");
    assert!(!dir.join("study-layers.png").exists());

    // The sweep's report shows the study and its chart.
    let o = digitlab(&["report", dir.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("## Study over seeds") && report.contains("](study-neurons.png)") && report.contains("](study.csv)"), "{report}");
    let table: Vec<&str> = study_md.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(table.iter().all(|l| report.contains(l)), "the study's table in report.md:\n{report}");

    // compare prints it beside the leaderboard.
    let o = digitlab(&["compare", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let printed = text(&o.stdout);
    assert!(table.iter().all(|l| printed.contains(l)), "{printed}");
}

/// Without a repeated setting the study says nothing the leaderboard does not, so none is written.
#[test]
fn a_sweep_with_one_seed_writes_no_study() {
    let tmp = tempfile::tempdir().unwrap();
    let data = common::mnist_slice(tmp.path(), 600);
    let dir = tmp.path().join("sweep");
    let o = digitlab(&["sweep", "--layers", "8", "16", "--epochs", "1", "--data", data.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(dir.join("leaderboard.csv").is_file());
    assert!(!dir.join("study.csv").exists() && !dir.join("study.md").exists());
    assert!(!text(&o.stdout).contains("Study over seeds"));
}

/// A finished one-run sweep (8 units, one epoch, 600 training images) in `tmp`: its data and directory.
fn one_run_sweep(tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = common::mnist_slice(tmp, 600);
    let dir = tmp.join("sweep");
    let o = digitlab(&["sweep", "--layers", "8", "--epochs", "1", "--data", data.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    (data, dir)
}

/// A sweep directory's own files (leaderboard, report) are written again by a resume or `report` only
/// while they are as digitlab wrote them: a student's edit stays, and is named.
#[test]
fn a_sweep_never_writes_over_its_leaderboard_or_report_once_the_student_edited_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, dir) = one_run_sweep(tmp.path());
    let report = |dir: &Path| digitlab(&["report", dir.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    // digitlab's own files, unchanged, are written again.
    for _ in 0..2 {
        let o = report(&dir);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let o = digitlab(&["sweep", "--resume", dir.to_str().unwrap()]);
    assert!(o.status.success() && !text(&o.stderr).contains("never replaces"), "{}", text(&o.stderr));

    // The student writes in the sweep's report.md: `report` refuses and changes nothing.
    let md = dir.join("report.md");
    let edited = format!("{}\nWidth 8 is enough for a first look.\n", std::fs::read_to_string(&md).unwrap());
    std::fs::write(&md, &edited).unwrap();
    let chart = std::fs::read(dir.join("comparison.png")).unwrap();
    let o = report(&dir);
    assert!(!o.status.success(), "an edited report.md was written over");
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{} (changed since digitlab wrote it)", md.display())) && err.contains("digitlab report"), "{err}");
    assert_eq!(std::fs::read_to_string(&md).unwrap(), edited);
    assert_eq!(std::fs::read(dir.join("comparison.png")).unwrap(), chart);

    // An edited leaderboard: the resume finishes (the runs are saved), keeps the file and says so.
    let board = dir.join("leaderboard.md");
    std::fs::write(&board, "# Our leaderboard\n\nwidth 8 first\n").unwrap();
    let csv = std::fs::read(dir.join("leaderboard.csv")).unwrap();
    let o = digitlab(&["sweep", "--resume", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{} (changed since digitlab wrote it)", board.display())) && err.contains("digitlab compare"), "{err}");
    assert!(text(&o.stdout).contains("leaderboard: not written"), "{}", text(&o.stdout));
    assert_eq!(std::fs::read_to_string(&board).unwrap(), "# Our leaderboard\n\nwidth 8 first\n");
    assert_eq!(std::fs::read(dir.join("leaderboard.csv")).unwrap(), csv, "nothing written while a file is in the way");
}

/// `compare --out DIR` writes its tables again over its own, but never over a leaderboard a person
/// made or edited there, as `train --out` never writes over a run.
#[test]
fn compare_out_never_writes_over_a_persons_leaderboard() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, sweep) = one_run_sweep(tmp.path());
    let compare = |out: &Path| digitlab(&["compare", sweep.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let out = tmp.path().join("cmp");
    for _ in 0..2 {
        let o = compare(&out);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert!(std::fs::read_to_string(out.join("leaderboard.md")).unwrap().starts_with("# Leaderboard"));
    std::fs::write(out.join("leaderboard.csv"), "our,own\n").unwrap();
    let o = compare(&out);
    assert!(!o.status.success(), "an edited leaderboard.csv was written over");
    let err = text(&o.stderr);
    assert!(err.contains("leaderboard.csv (changed since digitlab wrote it)") && err.contains("choose another --out"), "{err}");
    assert_eq!(std::fs::read_to_string(out.join("leaderboard.csv")).unwrap(), "our,own\n");

    // A directory where the person keeps a leaderboard of their own.
    let mine = tmp.path().join("notes");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("leaderboard.md"), "my ranking").unwrap();
    let o = compare(&mine);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("leaderboard.md (no record that digitlab wrote it)"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(mine.join("leaderboard.md")).unwrap(), "my ranking");
    assert!(!mine.join("leaderboard.csv").exists(), "nothing written while a file is in the way");
}
