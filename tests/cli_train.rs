//! `digitlab train` and `digitlab eval` end to end, on the bundled MNIST.

use crate::common;

use std::collections::HashMap;
use std::path::Path;

use common::{digitlab, read_json, text};
use serde_json::Value;

fn train(args: &[&str], out: &Path) -> Value {
    let mut all = vec!["train"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let o = digitlab(&all);
    assert!(o.status.success(), "train failed: {}", text(&o.stderr));
    read_json(&out.join("summary.json"))
}

/// `neurons.csv` as one map per row, column name → text.
fn neuron_rows(run: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(run.join("neurons.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect()).collect()
}

fn accuracy(summary: &Value) -> f64 {
    summary["test"]["accuracy"].as_f64().unwrap()
}

/// The reference run: 784-128 relu, Adam 1e-3, 3 epochs, batch 128, seed 1 reaches ≥ 97 %.
/// Everything a student hands in is checked on its output.
#[test]
fn relu_adam_reaches_97_percent_and_the_run_directory_is_complete_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = train(&["--layers", "128", "--activation", "relu", "--optimizer", "adam", "--lr", "0.001",
        "--epochs", "3", "--batch-size", "128", "--seed", "1"], &out);
    assert!(accuracy(&s) >= 0.97, "test accuracy {}", accuracy(&s));
    assert_eq!(s["status"], "completed");
    assert_eq!(s["test"]["confusion_orientation"], "rows = predicted class, columns = actual class");
    assert_eq!(s["model"]["architecture"], "784 → 128 relu → 10 softmax");
    assert_eq!(s["epochs"].as_array().unwrap().len(), 3);
    assert_eq!(s["data"]["files"].as_array().unwrap().len(), 4);

    // The confusion matrix covers the whole test set.
    let m: Vec<Vec<u64>> = serde_json::from_value(s["test"]["confusion_matrix"].clone()).unwrap();
    assert_eq!(m.iter().flatten().sum::<u64>(), 10_000);

    // Recompute everything from predictions.csv, independently of the program's metrics code.
    let preds = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    let mut lines = preds.lines();
    assert_eq!(lines.next(), Some("index,label,predicted"));
    let rows: Vec<(usize, usize, usize)> = lines
        .map(|l| {
            let v: Vec<usize> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (v[0], v[1], v[2])
        })
        .collect();
    assert_eq!(rows.len(), 10_000);
    assert!(rows.iter().enumerate().all(|(i, r)| r.0 == i), "rows in file order");
    let test_labels = common::raw("t10k-labels-idx1-ubyte");
    assert!(rows.iter().all(|r| r.1 == test_labels[8 + r.0] as usize), "labels match the test file");
    let mut counts = [[0u64; 10]; 10];
    for &(_, label, pred) in &rows {
        counts[pred][label] += 1;
    }
    assert_eq!(m, counts.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), "rows = predicted, columns = actual");
    let correct = rows.iter().filter(|r| r.1 == r.2).count() as f64;
    assert_eq!(accuracy(&s), correct / 10_000.0);
    for (c, pc) in s["test"]["per_class"].as_array().unwrap().iter().enumerate() {
        let tp = rows.iter().filter(|r| r.1 == c && r.2 == c).count() as f64;
        let predicted = rows.iter().filter(|r| r.2 == c).count() as f64;
        let actual = rows.iter().filter(|r| r.1 == c).count() as f64;
        let (p, r) = (tp / predicted, tp / actual);
        let f1 = 2.0 * p * r / (p + r);
        for (key, want) in [("precision", p), ("recall", r), ("f1", f1)] {
            let got = pc[key].as_f64().unwrap();
            assert!((got - want).abs() < 1e-12, "class {c} {key}: {got} vs {want}");
        }
        assert_eq!(pc["support"].as_u64().unwrap(), actual as u64);
    }

    // The other files.
    let epochs = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    assert_eq!(epochs.lines().next().unwrap(),
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,train_seconds");
    assert_eq!(epochs.lines().count(), 4);
    assert!(epochs.lines().nth(1).unwrap().contains(",,"), "empty validation cells");
    let confusion = std::fs::read_to_string(out.join("confusion.csv")).unwrap();
    assert!(confusion.starts_with("predicted \\ actual,actual_0,"));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("rows = predicted class, columns = actual class"));
    assert!(report.contains("![first-layer weights](weights-grid.png)"));
    assert!(report.contains("## Diagnostics") && report.contains("First-layer units dead on 1000 test images"));
    // The clearest neurons, each with a preferred class, in the report and its figure.
    let section = report.split("## Neurons with clear responsibilities").nth(1).expect("neurons section");
    let rows = neuron_rows(&out);
    let clearest = section.lines().find(|l| l.starts_with("| ") && !l.starts_with("| neuron")).expect("a table row");
    let index = clearest.trim_start_matches("| ").split(' ').next().unwrap();
    let row = rows.iter().find(|r| r["neuron"] == index).unwrap();
    assert!(clearest.contains(&format!("| **{}** |", row["preferred_class"])), "{clearest} vs neurons.csv {row:?}");
    assert!(section.contains("![The clearest neurons"));
    assert!(s["diagnostics"]["units"]["total"] == 128);
    let neurons = std::fs::read_dir(out.join("weights")).unwrap().count();
    assert_eq!(neurons, 128);
    let png = std::fs::read(out.join("weights/neuron-000.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(out.join("weights-grid.png").is_file());
    // Every file of a finished run, and nothing else: what discarding a run removes.
    let mut names: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let mut expected: Vec<String> =
        digitlab::rundir::RUN_FILES.iter().map(|s| s.to_string()).chain(["weights".to_string(), digitlab::rundir::REPORT_DIGEST.to_string()]).collect();
    expected.sort();
    assert_eq!(names, expected);

    // eval reproduces the test accuracy exactly.
    let o = digitlab(&["eval", "--model", out.join("model.safetensors").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let want = format!("({} / 10000)", correct as u64);
    assert!(stdout.contains(&want), "eval output lacks {want}: {stdout}");
    assert!(stdout.contains("rows = predicted class, columns = actual class"));
}

/// Same command twice with one seed: identical metrics (timings aside).
#[test]
fn same_seed_gives_identical_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--layers", "32,16", "--activation", "tanh,relu", "--epochs", "1", "--seed", "7", "--val-split", "0.1"];
    let a = train(&args, &dir.path().join("a"));
    let b = train(&args, &dir.path().join("b"));
    assert_eq!(a["test"], b["test"]);
    let strip = |v: &Value| -> Vec<HashMap<String, Value>> {
        v["epochs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let mut m: HashMap<String, Value> = serde_json::from_value(e.clone()).unwrap();
                m.retain(|k, _| !k.ends_with("seconds"));
                m
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    assert!(a["epochs"][0]["val_accuracy"].as_f64().unwrap() > 0.8, "validation split is evaluated");
    assert_eq!(a["validation_images"], 6000);
    let c = train(&["--layers", "32,16", "--activation", "tanh,relu", "--epochs", "1", "--seed", "8"], &dir.path().join("c"));
    assert_ne!(a["test"]["confusion_matrix"], c["test"]["confusion_matrix"], "another seed differs");
}

#[test]
fn sigmoid_sgd_reaches_90_percent() {
    let dir = tempfile::tempdir().unwrap();
    let s = train(&["--layers", "64", "--activation", "sigmoid", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "5"], dir.path());
    assert!(accuracy(&s) >= 0.90, "{}", accuracy(&s));
}

/// The lab's "experiment with different options" at the output: the classic sigmoid outputs with a
/// squared error (PyTorch reaches 94.3 % on this setup) are recorded everywhere, and eval and predict
/// use the same head.
#[test]
fn sigmoid_outputs_with_squared_error_reach_93_percent_and_travel_with_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = train(&["--layers", "64", "--activation", "sigmoid", "--output", "sigmoid", "--loss", "mse", "--optimizer", "adam",
        "--lr", "0.001", "--epochs", "3", "--batch-size", "64"], &out);
    assert!(accuracy(&s) >= 0.93, "{}", accuracy(&s));
    assert_eq!((s["config"]["output"].as_str(), s["config"]["loss"].as_str()), (Some("sigmoid"), Some("mse")));
    assert_eq!(s["model"]["architecture"], "784 → 64 sigmoid → 10 sigmoid, mse");
    let rows = neuron_rows(&out);
    assert_eq!(rows.len(), 64);
    assert!(rows.iter().enumerate().all(|(i, r)| r["neuron"] == i.to_string() && r["top_test_images"].split(' ').count() == 8));
    let model = out.join("model.safetensors");
    let o = digitlab(&["eval", "--model", model.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The same loss as training measured on the test set: the figure eval prints is the summary's.
    let loss = format!("{:.4}", s["test"]["loss"].as_f64().unwrap());
    assert!(text(&o.stdout).contains(&loss), "eval should report the mse loss {loss}: {}", text(&o.stdout));
}

#[test]
fn a_head_that_makes_no_sense_is_refused_naming_where_it_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = digitlab(&["train", "--output", "identity", "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("--output: cross-entropy needs outputs that are probabilities"), "{}", text(&o.stderr));
    let config = dir.path().join("exp.toml");
    std::fs::write(&config, "output = \"identity\"\nloss = \"cross-entropy\"\n").unwrap();
    let o = digitlab(&["train", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(text(&o.stderr).contains(&format!("{}: loss: cross-entropy needs", config.display())), "{}", text(&o.stderr));
    let o = digitlab(&["train", "--loss", "hinge"]);
    assert!(text(&o.stderr).contains("unknown loss 'hinge' (expected one of: cross-entropy, mse)"), "{}", text(&o.stderr));
    assert!(!out.exists());
}

#[test]
fn softmax_regression_reaches_90_percent() {
    let dir = tempfile::tempdir().unwrap();
    let s = train(&["--layers", "none"], dir.path());
    assert!(accuracy(&s) >= 0.90, "{}", accuracy(&s));
    assert_eq!(s["model"]["architecture"], "784 → 10 softmax");
    // Without hidden layers, the weight pictures are the ten class templates.
    assert_eq!(std::fs::read_dir(dir.path().join("weights")).unwrap().count(), 10);
    // …and the first-layer units are the output units: unit i answers class i most.
    let rows = neuron_rows(dir.path());
    assert_eq!(rows.len(), 10);
    let own = rows.iter().filter(|r| r["neuron"] == r["preferred_class"]).count();
    assert!(own >= 9, "{own} of 10 output units prefer their own class");
}

/// Redirected output is plain lines: no escape codes, no carriage returns.
#[test]
fn output_to_a_file_is_clean_lines() {
    let dir = tempfile::tempdir().unwrap();
    let o = digitlab(&["train", "--layers", "8", "--epochs", "2", "--out", dir.path().to_str().unwrap()]);
    assert!(o.status.success());
    let all = text(&o.stdout) + &text(&o.stderr);
    assert!(!all.contains('\r') && !all.contains('\x1b'), "{all:?}");
    assert_eq!(text(&o.stdout).lines().filter(|l| l.starts_with("epoch ")).count(), 2);
}

/// An unwritable output directory is refused before any training time is spent.
#[test]
fn unwritable_output_directory_is_reported() {
    let o = digitlab(&["train", "--layers", "8", "--epochs", "1", "--out", "/proc/digitlab-cannot-write"]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("/proc/digitlab-cannot-write") && err.contains("cannot create run directory"), "{err}");
}

/// A learning rate that blows up in the second epoch: the run stops at the bad batch, says to lower the
/// learning rate, and keeps the first epoch's results on disk, where `eval` reproduces them.
#[test]
fn divergence_after_a_good_epoch_keeps_it_and_it_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    // SGD with momentum on a linear hidden layer: lr 0.1 turns the loss into NaN in epoch 2 here. Where
    // exactly it breaks depends on floating-point rounding, so try neighbours until one breaks after a
    // finished epoch (the property under test) rather than in the first.
    let found = ["0.1", "0.09", "0.11", "0.08", "0.12", "0.07"].iter().find_map(|lr| {
        let out = dir.path().join(format!("lr{lr}"));
        let o = digitlab(&["train", "--layers", "64", "--activation", "identity", "--optimizer", "sgd", "--momentum", "0.9",
            "--lr", lr, "--epochs", "4", "--out", out.to_str().unwrap()]);
        let s = out.join("summary.json").is_file().then(|| read_json(&out.join("summary.json")))?;
        (s["status"] == "diverged").then_some((lr, out, o, s))
    });
    let (lr, out, o, s) = found.expect("one of the learning rates diverges after its first epoch");
    assert!(o.status.success(), "results were kept, so the command succeeds: {}", text(&o.stderr));
    let report = text(&o.stdout);
    assert!(report.contains("warning: loss became") && report.contains(&format!("the learning rate {lr} is too high"))
        && report.contains("try 0.0") && report.contains("results are from the last good epoch"), "{report}");
    let message = s["message"].as_str().unwrap();
    assert!(message.starts_with("loss became") && message.contains("epoch "), "{message}");
    let good = s["epochs"].as_array().unwrap().len();
    assert!((1..4).contains(&good), "{good} good epochs");
    let failed_epoch: usize = message.split("epoch ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    assert_eq!(failed_epoch, good + 1, "stopped in the epoch after the last good one: {message}");
    let csv = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + good);
    // The saved model is the last good epoch's: eval on it gives the summary's accuracy exactly.
    let e = digitlab(&["eval", "--model", out.join("model.safetensors").to_str().unwrap()]);
    assert!(e.status.success(), "{}", text(&e.stderr));
    let correct = (accuracy(&s) * 10000.0).round() as u64;
    assert!(text(&e.stdout).contains(&format!("({correct} / 10000)")), "{}", text(&e.stdout));
}

/// Another IDX data set is standardised with its own training pixels: MNIST with inverted ink (every
/// byte 255 - p) has mean 1 - 0.1307 and the same deviation. The model file carries the figures, so
/// `eval` on that data gives the run's own accuracy.
#[test]
fn another_data_set_is_standardised_with_its_own_mean_and_deviation() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("inverted");
    std::fs::create_dir_all(&data).unwrap();
    for name in ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"] {
        let mut bytes = common::raw(name);
        bytes[16..].iter_mut().for_each(|p| *p = 255 - *p);
        std::fs::write(data.join(name), bytes).unwrap();
    }
    for name in ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"] {
        std::fs::write(data.join(name), common::raw(name)).unwrap();
    }
    let out = tmp.path().join("run");
    let s = train(&["--data", data.to_str().unwrap(), "--layers", "32", "--epochs", "1"], &out);
    let st = &s["model"]["input_standardization"];
    assert_eq!((st["mean"].as_f64().unwrap() as f32, st["std"].as_f64().unwrap() as f32), (0.8693, 0.3081));
    assert!(accuracy(&s) > 0.9, "{}", accuracy(&s));
    let o = digitlab(&["eval", "--data", data.to_str().unwrap(), "--model", out.join("model.safetensors").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let acc = format!("test accuracy {:.2}%", accuracy(&s) * 100.0);
    assert!(text(&o.stdout).contains(&acc), "{acc}: {}", text(&o.stdout));
}

/// `--threads 1` keeps a run to one core and changes nothing in its results; the summary records it.
#[test]
fn one_thread_gives_the_same_results_and_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let data = common::mnist_slice(tmp.path(), 3000);
    let data = data.to_str().unwrap();
    // 128 units in batches of 128 with Adam: on two or more cores the first layer trains in bands
    // (model/bands.rs), and 3000 images end each epoch on a short batch of 56.
    let args = ["--data", data, "--layers", "128", "--batch-size", "128", "--epochs", "2"];
    let one = train(&[&args[..], &["--threads", "1"]].concat(), &tmp.path().join("one"));
    let all = train(&args, &tmp.path().join("all"));
    assert_eq!(one["threads"], 1);
    assert!(all["threads"].as_u64().unwrap() >= 1);
    let figures = |s: &Value| -> Vec<(f64, f64, f64)> {
        s["epochs"].as_array().unwrap().iter().map(|e| (e["train_loss"].as_f64().unwrap(), e["test_loss"].as_f64().unwrap(), e["test_accuracy"].as_f64().unwrap())).collect()
    };
    assert_eq!(figures(&one), figures(&all));
    let weights = |dir: &str| -> Vec<Vec<u32>> {
        let mlp = digitlab::model::io::load(&tmp.path().join(dir).join("model.safetensors")).unwrap();
        mlp.layers.iter().flat_map(|l| [l.weights(), l.b.as_vec()]).map(|t| t.iter().map(|v| v.to_bits()).collect()).collect()
    };
    assert!(weights("one") == weights("all"), "the same weights, bit for bit");
    let config = tmp.path().join("exp.toml");
    std::fs::write(&config, "threads = 0\n").unwrap();
    let o = digitlab(&["train", "--config", config.to_str().unwrap(), "--out", tmp.path().join("x").to_str().unwrap()]);
    assert!(text(&o.stderr).contains(&format!("{}: threads: 0 threads: must be 1–1024", config.display())), "{}", text(&o.stderr));
}
