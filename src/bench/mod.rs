//! `digitlab bench`: speed figures for the standard workloads of issue 4, beside PyTorch's.
//!
//! Per workload: seconds per training epoch (the real training thread, [`Trainer::spawn`], whose
//! `train_seconds` exclude data loading and evaluation; median of `--epochs` epochs after one warm-up
//! epoch), the naive dfdx autodiff loop (one epoch, from a plain thread as a naive loop would run),
//! test-set evaluation time (in a compute pool, as the trainer evaluates), peak RSS, and the same
//! workload in PyTorch via `bench/pytorch_mlp.py` when a Python with torch is found.

mod ceiling;
mod measure;
mod naive;
mod pytorch;
mod table;
mod tui;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Result};

use crate::data::{self, Mnist};
use crate::model::{Activation, HiddenLayer, Mlp};
use crate::train::eval::evaluate;
use crate::train::worker::compute_pool;
use crate::tui::app::View;
use crate::train::{Event, OptimizerKind, TrainConfig, Trainer};
use measure::{median, time_median};
use pytorch::TorchResult;
use table::Table;

/// One standard workload: ReLU hidden layers, Adam, softmax output.
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: &'static str,
    pub hidden: Vec<usize>,
    pub batch_size: usize,
    pub lr: f64,
    /// Issue 4's target for digitlab's epoch time as a share of PyTorch's.
    pub target_ratio: f64,
}

impl Workload {
    pub fn standard() -> Vec<Workload> {
        vec![
            Workload { name: "W1", hidden: vec![128], batch_size: 128, lr: 1e-3, target_ratio: 0.65 },
            Workload { name: "W2", hidden: vec![512, 256], batch_size: 64, lr: 1e-3, target_ratio: 0.8 },
        ]
    }

    /// `784-128 relu-10, Adam 1e-3, batch 128`
    pub fn describe(&self) -> String {
        let hidden: String = self.hidden.iter().map(|h| format!("{h} relu-")).collect();
        format!("784-{hidden}10, Adam {:e}, batch {}", self.lr, self.batch_size)
    }

    /// The training recipe, running `epochs` epochs in all.
    pub fn config(&self, epochs: usize) -> TrainConfig {
        TrainConfig {
            hidden: self.hidden.iter().map(|&neurons| HiddenLayer { neurons, activation: Activation::Relu }).collect(),
            optimizer: OptimizerKind::Adam,
            lr: self.lr,
            epochs,
            batch_size: self.batch_size,
            seed: 1,
            ..TrainConfig::default()
        }
    }
}

/// Accuracy is compared after this epoch (counting the warm-up epoch), as the issue asks.
const ACCURACY_EPOCH: usize = 3;
/// Test-set evaluations timed per workload (median reported).
const EVAL_REPEATS: usize = 7;
/// Loads of the data directory timed (median reported).
const LOAD_REPEATS: usize = 3;
/// Untimed batches before the naive loop's timed epoch.
const NAIVE_WARMUP_BATCHES: usize = 50;

/// digitlab's figures for one workload.
struct Measured {
    epoch_seconds: Vec<f64>,
    accuracy_after_3: f64,
    eval_seconds: f64,
    peak_rss: Option<u64>,
    naive_epoch_seconds: f64,
    /// Epoch times with the dashboard drawing, and frame render times; `Err` says why not measured.
    tui: Result<tui::TuiFigures, String>,
    /// Epoch times of headless `train`, which saves the run after every epoch as the dashboard does:
    /// what the dashboard's figure is compared with. `Err` says why not measured.
    headless_train: Result<Vec<f64>, String>,
}

/// What `digitlab bench` measures.
#[derive(Debug, Clone)]
pub struct Options {
    /// Timed epochs per workload (the median is reported), after one warm-up epoch.
    pub epochs: u32,
    /// Only these workloads (comma list of W1, W2).
    pub only: Option<String>,
    pub no_pytorch: bool,
    /// MNIST directory (default: $DIGITLAB_DATA, else the bundled copy).
    pub data: Option<std::path::PathBuf>,
}

pub fn run(cmd: &Options) -> Result<()> {
    let workloads = selected(cmd.only.as_deref())?;
    let (dir, _) = data::resolve_data_dir(cmd.data.as_deref())?;
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run `cargo run --release -- bench` for representative figures");
    }
    let threads = measure::cores();
    let python = if cmd.no_pytorch { Err("skipped (--no-pytorch)".to_string()) } else { pytorch::find_python() };

    let (load_seconds, mnist) = {
        let mut loads = Vec::new();
        let mut last = None;
        for _ in 0..LOAD_REPEATS {
            let t = std::time::Instant::now();
            last = Some(data::load_dir(&dir)?);
            loads.push(t.elapsed().as_secs_f64());
        }
        (median(&loads), Arc::new(last.expect("loaded at least once")))
    };
    eprintln!("loaded {} in {:.3} s (median of {LOAD_REPEATS})", dir.display(), load_seconds);
    let peak_reset = measure::reset_peak_rss();

    eprintln!("matmul ceiling: {}³ sgemm on {} threads…", ceiling::N, crate::threads::get());
    let ceiling_gflops = ceiling::gflops(crate::threads::get());
    let mut results = Vec::new();
    for w in &workloads {
        let mut ours = measure_digitlab(w, &mnist, cmd.epochs as usize)?;
        eprintln!("digitlab {} headless `train`, saving every epoch…", w.name);
        ours.headless_train = headless_train(w, &mnist, cmd.epochs as usize).map_err(|e| format!("{e:#}"));
        eprintln!("digitlab {} with the dashboard drawing…", w.name);
        ours.tui = tui::measure(w, &mnist, &dir, cmd.epochs as usize).map_err(|e| format!("{e:#}"));
        let theirs = match &python {
            Ok(py) => Some(pytorch::run(py, w, &dir, cmd.epochs, threads)),
            Err(_) => None,
        };
        results.push((w, ours, theirs));
    }

    print_report(&results, cmd.epochs, load_seconds, peak_reset, &python, threads, Ceiling { gflops: ceiling_gflops, train_images: mnist.train.len() });
    Ok(())
}

fn selected(only: Option<&str>) -> Result<Vec<Workload>> {
    let all = Workload::standard();
    let Some(list) = only else { return Ok(all) };
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        match all.iter().find(|w| w.name.eq_ignore_ascii_case(name)) {
            Some(w) => out.push(w.clone()),
            None => bail!("--only: unknown workload '{name}' (expected {})", names(&all)),
        }
    }
    Ok(out)
}

fn names(ws: &[Workload]) -> String {
    ws.iter().map(|w| w.name).collect::<Vec<_>>().join(", ")
}

fn measure_digitlab(w: &Workload, mnist: &Arc<Mnist>, timed: usize) -> Result<Measured> {
    measure::reset_peak_rss();
    let total = (timed + 1).max(ACCURACY_EPOCH);
    let cfg = w.config(total);
    let trainer = Trainer::spawn(cfg.clone(), Arc::clone(mnist));
    let mut epoch_seconds = Vec::new();
    let mut accuracy_after_3 = f64::NAN;
    let mut model: Option<Mlp> = None;
    for event in trainer.events.iter() {
        match event {
            Event::Epoch(snap) => {
                let r = &snap.report;
                eprintln!("digitlab {} epoch {}: {:.3} s", w.name, r.epoch, r.train_seconds);
                if (2..=timed + 1).contains(&r.epoch) {
                    epoch_seconds.push(r.train_seconds);
                }
                if r.epoch == ACCURACY_EPOCH {
                    accuracy_after_3 = r.test_accuracy;
                }
            }
            Event::Finished(result) => {
                model = Some(result.last.model);
                break;
            }
            Event::Failed(message) => bail!("{}: training failed: {message}", w.name),
            _ => {}
        }
    }
    trainer.join();
    let peak_rss = measure::peak_rss_bytes();
    let Some(model) = model else { bail!("{}: the trainer ended without a result", w.name) };
    // Inside a compute pool, as the training thread evaluates.
    let eval = || time_median(EVAL_REPEATS, || evaluate(&model, &mnist.test));
    let (eval_seconds, _) = match compute_pool(crate::threads::get()) {
        Some(pool) => pool.install(eval),
        None => eval(),
    };
    eprintln!("digitlab {} naive dfdx autodiff epoch…", w.name);
    let naive_epoch_seconds = naive::epoch_seconds(&cfg, mnist, NAIVE_WARMUP_BATCHES);
    let (tui, headless_train) = (Err("not run".into()), Err("not run".into()));
    Ok(Measured { epoch_seconds, accuracy_after_3, eval_seconds, peak_rss, naive_epoch_seconds, tui, headless_train })
}

/// The timed epochs' seconds of `w` trained as `digitlab train` trains (saving the run directory, here a
/// temporary one, after every epoch beside the next), after one warm-up epoch.
fn headless_train(w: &Workload, mnist: &Arc<Mnist>, timed: usize) -> Result<Vec<f64>> {
    headless_train_in(tempfile::tempdir()?.path(), w, mnist, timed)
}

/// [`headless_train`] saving into a new directory under `root`.
fn headless_train_in(root: &std::path::Path, w: &Workload, mnist: &Arc<Mnist>, timed: usize) -> Result<Vec<f64>> {
    let quiet = crate::headless::Quiet { threads: None, silent: true };
    let interrupt = crate::signals::Interrupt::default();
    let out = crate::rundir::create_unique(root, "run")?;
    let run = crate::headless::train_into_with(&w.config(timed + 1), mnist, &out, true, &interrupt, &quiet)?;
    Ok(run.history.iter().filter(|r| (2..=timed + 1).contains(&r.epoch)).map(|r| r.train_seconds).collect())
}

/// The measured matmul rate and the epoch size the workloads' ratios to it are computed from.
struct Ceiling {
    gflops: f64,
    train_images: usize,
}

fn print_report(
    results: &[(&Workload, Measured, Option<Result<TorchResult>>)],
    epochs: u32,
    load_seconds: f64,
    peak_reset: bool,
    python: &Result<PathBuf, String>,
    threads: usize,
    ceiling: Ceiling,
) {
    let Ceiling { gflops: ceiling_gflops, train_images } = ceiling;
    let torch = results.iter().find_map(|(_, _, t)| t.as_ref()?.as_ref().ok());
    println!("digitlab bench — {}", measure::machine());
    println!(
        "build: {}; dfdx 0.13 CPU, rayon threads {}",
        if cfg!(debug_assertions) { "DEBUG (not representative)" } else { "release" },
        threads
    );
    match (python, torch) {
        (Ok(py), Some(t)) => println!("PyTorch {} CPU via {}, torch threads {} (set to the core count)", t.torch, py.display(), t.threads),
        (Ok(py), None) => println!("PyTorch: {} found but the script failed (see below)", py.display()),
        (Err(why), _) => println!("PyTorch: not run: {why}"),
    }
    println!();

    let mut t = Table::new(["", "target"].into_iter().chain(results.iter().map(|(w, _, _)| w.name)));
    let cols = |f: &dyn Fn(&Workload, &Measured, Option<&TorchResult>) -> String| -> Vec<String> {
        results.iter().map(|(w, m, r)| f(w, m, r.as_ref().and_then(|r| r.as_ref().ok()))).collect()
    };
    let row = |t: &mut Table, label: &str, target: &str, cells: Vec<String>| {
        t.row([label.to_string(), target.to_string()].into_iter().chain(cells));
    };
    let secs = |s: f64| if s.is_finite() { format!("{s:.3} s") } else { "–".into() };
    let pct = |a: f64| if a.is_finite() { format!("{:.2} %", 100.0 * a) } else { "–".into() };
    let mb = |b: u64| format!("{:.0} MB", b as f64 / 1e6);
    let none = || "–".to_string();

    row(&mut t, "workload", "", cols(&|w, _, _| w.describe()));
    row(&mut t, &format!("digitlab s/epoch (median of {epochs})"), "", cols(&|_, m, _| secs(median(&m.epoch_seconds))));
    row(&mut t, "  each timed epoch", "", cols(&|_, m, _| join_secs(&m.epoch_seconds)));
    row(&mut t, &format!("PyTorch s/epoch (median of {epochs})"), "", cols(&|_, _, p| p.map_or_else(none, |p| secs(p.median_epoch_seconds))));
    row(&mut t, "  each timed epoch", "", cols(&|_, _, p| p.map_or_else(none, |p| join_secs(&p.epoch_seconds))));
    row(&mut t, "digitlab / PyTorch", "W1 ≤ 0.65, W2 ≤ 0.80", cols(&|w, m, p| {
        p.map_or_else(none, |p| {
            let r = median(&m.epoch_seconds) / p.median_epoch_seconds;
            format!("{r:.2}× {}", if r <= w.target_ratio { "(met)" } else { "(not met)" })
        })
    }));
    let flops = |w: &Workload| ceiling::epoch_flops(&[&[784][..], &w.hidden[..], &[10][..]].concat(), train_images);
    row(&mut t, "work per epoch (forward, weight and input gradients)", "", cols(&|w, _, _| format!("{:.1} GFLOP", flops(w) / 1e9)));
    row(&mut t, &format!("  at the measured ceiling, {ceiling_gflops:.0} GFLOP/s"), "", cols(&|w, _, _| secs(flops(w) / (ceiling_gflops * 1e9))));
    row(&mut t, "digitlab / ceiling", "≤ 1.4×", cols(&|w, m, _| {
        let r = median(&m.epoch_seconds) / (flops(w) / (ceiling_gflops * 1e9));
        format!("{r:.2}× {}", if r <= 1.4 { "(met)" } else { "(not met)" })
    }));
    row(&mut t, &format!("with the dashboard drawing, s/epoch (median of {epochs})"), "", cols(&|_, m, _| {
        m.tui.as_ref().map_or_else(|e| e.clone(), |f| secs(median(&f.epoch_seconds)))
    }));
    row(&mut t, &format!("headless `train`, saving every epoch, s/epoch (median of {epochs})"), "", cols(&|_, m, _| {
        m.headless_train.as_ref().map_or_else(|e| e.clone(), |s| secs(median(s)))
    }));
    row(&mut t, "  dashboard / headless `train`", "≤ 1.03", cols(&|_, m, _| match (&m.tui, &m.headless_train) {
        (Ok(f), Ok(h)) => format!("{:.3}", median(&f.epoch_seconds) / median(h)),
        _ => none(),
    }));
    row(&mut t, "naive dfdx autodiff s/epoch (1 epoch)", "", cols(&|_, m, _| secs(m.naive_epoch_seconds)));
    row(&mut t, &format!("test accuracy after epoch {ACCURACY_EPOCH}: digitlab"), "", cols(&|_, m, _| pct(m.accuracy_after_3)));
    row(&mut t, &format!("test accuracy after epoch {ACCURACY_EPOCH}: PyTorch"), "W1 within 0.5 pt", cols(&|_, _, p| p.map_or_else(none, |p| pct(p.test_accuracy_after_3))));
    row(&mut t, &format!("10k test evaluation (median of {EVAL_REPEATS})"), "W1 ≤ 10 ms", cols(&|_, m, _| format!("{:.1} ms", m.eval_seconds * 1e3)));
    row(&mut t, "  PyTorch, same", "", cols(&|_, _, p| p.map_or_else(none, |p| format!("{:.1} ms", p.eval_seconds * 1e3))));
    row(&mut t, if peak_reset { "peak RSS while training" } else { "peak RSS (process so far)" }, "W2 ≤ 350 MB", cols(&|_, m, _| m.peak_rss.map_or_else(none, mb)));
    row(&mut t, "  PyTorch process peak RSS", "", cols(&|_, _, p| p.map_or_else(none, |p| mb(p.peak_rss_bytes))));
    print!("{}", t.render());
    println!();
    let mut frames = Table::new(
        [format!("frame render at {}×{} (median of 30), model of", tui::SIZE.0, tui::SIZE.1)]
            .into_iter()
            .chain(results.iter().map(|(w, _, _)| w.name.to_string())),
    );
    for view in <View as strum::IntoEnumIterator>::iter() {
        frames.row([format!("{} view", view.title())].into_iter().chain(results.iter().map(|(_, m, _)| {
            let f = m.tui.as_ref().ok().and_then(|f| f.frame_seconds.iter().find(|(v, _)| *v == view));
            f.map_or_else(none, |(_, s)| format!("{:.2} ms", s * 1e3))
        })));
    }
    print!("{}", frames.render());
    println!();
    println!("matmul ceiling: {ceiling_gflops:.1} GFLOP/s, best of 5 products of two {n}×{n} matrices through gemm on {threads} threads", n = ceiling::N, threads = crate::threads::get());
    println!("bundled MNIST load (gzip, median of {LOAD_REPEATS}): {:.3} s   target ≤ 0.4 s", load_seconds);
    println!(
        "notes: epoch times exclude data loading and evaluation; one warm-up epoch is not timed; the naive \
         dfdx loop is timed over one epoch after {NAIVE_WARMUP_BATCHES} warm-up batches; peak RSS includes the \
         loaded dataset; \
         \"dashboard drawing\" is the dashboard's loop (trainer events applied as they come, a frame every tick) \
         without key input, drawn to ratatui's TestBackend, so terminal output is not counted; it saves the run \
         after every epoch, as headless `train` does, so the two are compared (the first row is the trainer \
         alone, without saves)."
    );
    for (w, _, r) in results {
        if let Some(Err(e)) = r {
            println!("PyTorch {} failed: {e:#}", w.name);
        }
    }
}

fn join_secs(xs: &[f64]) -> String {
    xs.iter().map(|s| format!("{s:.3}")).collect::<Vec<_>>().join(" ")
}


#[cfg(test)]
mod tests {
    use super::*;

    /// The headless `train` figure is its timed epochs only (the warm-up one left out), from a run
    /// that saved every epoch as `digitlab train` does.
    #[test]
    fn headless_train_times_the_epochs_after_the_warm_up_of_a_saved_run() {
        let mut m = data::load_dir(&data::locate::bundled_dir().unwrap()).unwrap();
        m.train = m.train.head(1024);
        m.test = m.test.head(200);
        let w = Workload::standard().into_iter().find(|w| w.name == "W1").unwrap();
        let root = tempfile::tempdir().unwrap();
        let seconds = headless_train_in(root.path(), &w, &Arc::new(m), 2).unwrap();
        assert_eq!(seconds.len(), 2, "{seconds:?}");
        assert!(seconds.iter().all(|&s| s > 0.0 && s.is_finite()), "{seconds:?}");
        let run = std::fs::read_dir(root.path()).unwrap().next().unwrap().unwrap().path();
        assert!(crate::rundir::is_run(&run), "{} is a saved run", run.display());
        let summary = std::fs::read_to_string(run.join("summary.json")).unwrap();
        assert!(summary.contains("\"epoch\": 3"), "all three epochs saved: {summary}");
    }
}
