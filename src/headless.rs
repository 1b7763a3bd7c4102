//! Training without the dashboard: the same trainer and saves, printed as plain lines (or a live
//! progress line when stderr is a terminal). Used by `digitlab train`, `eval` and `sweep`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::data::{self, Mnist};
use crate::rundir::{self, Stage};
use crate::signals::{Interrupt, Interrupted};
use crate::metrics::{ClassificationReport, ORIENTATION};
use crate::train::{Event, Progress, RunResult, RunStatus, TrainConfig, Trainer};

/// Loads the data directory chosen by flag, environment or bundled copy, telling the user which.
pub fn load_data(flag: Option<&Path>) -> Result<Mnist> {
    let (dir, source) = data::resolve_data_dir(flag)?;
    let t = Instant::now();
    let mnist = data::load_dir(&dir)?;
    crate::errln!(
        "data: {} ({}): {} train + {} test images of {}x{}, {} classes, loaded in {:.2} s",
        dir.display(),
        source.describe(),
        mnist.train.len(),
        mnist.test.len(),
        mnist.train.rows,
        mnist.train.cols,
        mnist.classes,
        t.elapsed().as_secs_f64()
    );
    Ok(mnist)
}

fn pct(x: f64) -> String {
    format!("{:6.2}%", x * 100.0)
}

fn epoch_line(e: &crate::train::EpochReport, epochs: usize) -> String {
    let mut s = format!(
        "epoch {:>w$}/{epochs}  train loss {:.4} acc {}",
        e.epoch,
        e.train_loss,
        pct(e.train_accuracy),
        w = epochs.to_string().len()
    );
    if let (Some(l), Some(a)) = (e.val_loss, e.val_accuracy) {
        let _ = write!(s, "  val loss {l:.4} acc {}", pct(a));
    }
    let _ = write!(s, "  test loss {:.4} acc {}  {:.2} s", e.test_loss, pct(e.test_accuracy), e.train_seconds);
    s
}

/// The live progress line on stderr (indicatif hides it when stderr is not a terminal, so redirected
/// output stays plain lines).
fn progress_line() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
    let style = ProgressStyle::with_template("epoch {prefix} [{bar:24}] {pos}/{len} {wide_msg}").map(|s| s.progress_chars("#>-"));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn show_batch(bar: &ProgressBar, b: &crate::train::BatchReport, epochs: usize) {
    bar.set_prefix(format!("{}/{epochs}", b.epoch));
    bar.set_length(b.batches as u64);
    bar.set_position(b.batch as u64);
    bar.set_message(format!("loss {:.4} acc {} {:.0} img/s", b.loss, pct(b.accuracy as f64), b.samples_per_sec));
}

/// The test metrics as a terminal table: confusion matrix with its axes, then the per-class report.
pub fn format_test_report(report: &ClassificationReport, loss: f64) -> String {
    let m = &report.confusion;
    let n = m.classes();
    let mut s = String::new();
    let _ = writeln!(s, "test accuracy {} ({} / {}), loss {loss:.4}", pct(report.accuracy).trim(), m.correct(), m.total());
    let _ = writeln!(s, "\nconfusion matrix ({ORIENTATION})");
    let _ = write!(s, "{:>12}", "pred \\ actual");
    for a in 0..n {
        let _ = write!(s, "{a:>6}");
    }
    let _ = writeln!(s, "{:>8}", "total");
    for p in 0..n {
        let _ = write!(s, "{p:>12}");
        for a in 0..n {
            let _ = write!(s, "{:>6}", m.get(p, a));
        }
        let _ = writeln!(s, "{:>8}", m.row_sum(p));
    }
    let _ = write!(s, "{:>12}", "total");
    for a in 0..n {
        let _ = write!(s, "{:>6}", m.col_sum(a));
    }
    let _ = writeln!(s, "{:>8}", m.total());
    let _ = writeln!(s, "\n{:>12}{:>11}{:>9}{:>9}{:>9}", "class", "precision", "recall", "f1", "support");
    for c in &report.per_class {
        let _ = writeln!(s, "{:>12}{:>11.4}{:>9.4}{:>9.4}{:>9}", c.class, c.precision, c.recall, c.f1, c.support);
    }
    for (name, a) in [("macro avg", &report.macro_avg), ("weighted avg", &report.weighted_avg)] {
        let _ = writeln!(s, "{name:>12}{:>11.4}{:>9.4}{:>9.4}{:>9}", a.precision, a.recall, a.f1, m.total());
    }
    let _ = writeln!(s, "(precision of a class never predicted is 0; recall(i) = M[i][i] / column i, precision(i) = M[i][i] / row i)");
    s
}

pub fn print_summary(run: &RunResult, dir: &Path) {
    let mut out = String::new();
    let _ = writeln!(out, "\nrun {} after {} epoch(s): {}", run.status.name(), run.history.len(), run.last.model.arch);
    if let RunStatus::Diverged { message } = &run.status {
        let _ = writeln!(out, "warning: {message}; results are from the last good epoch");
    }
    out.push_str(&format_test_report(&run.last.test.report, run.last.test.loss));
    if let Some(best) = run.best_epoch() {
        let _ = writeln!(out, "\nbest epoch {} (test accuracy {})", best.epoch, pct(best.test_accuracy).trim());
    }
    let _ = writeln!(out, "training time {:.2} s ({:.2} s/epoch)", run.train_seconds, run.train_seconds / run.history.len().max(1) as f64);
    let _ = writeln!(out, "run directory: {}", dir.display());
    crate::out!("{out}");
}

/// Trains `cfg` on `mnist` into the run directory `out` (claimed by the caller), printing epoch lines
/// (and a progress line on a terminal) and saving the run after every finished epoch and at the end.
/// When `interrupt` is raised the run stops after its current batch and is saved as interrupted.
/// A run that ends before its first epoch leaves no directory behind when `made_for_it` (the directory
/// was created for this run; an empty one a person made stays); one whose save fails stops and is
/// recorded as failed, with the reason, where that still fits on the disk.
pub fn train_into(cfg: &TrainConfig, mnist: &Arc<Mnist>, out: &Path, made_for_it: bool, interrupt: &Interrupt) -> Result<RunResult> {
    train_into_with(cfg, mnist, out, made_for_it, interrupt, &Quiet::default())
}

/// How a run beside others reports: on `threads` threads, and without its own progress lines (runs
/// in parallel would mix them); its caller prints a line when it ends.
#[derive(Debug, Clone, Default)]
pub struct Quiet {
    /// `None`: the process's budget.
    pub threads: Option<usize>,
    pub silent: bool,
}

/// [`train_into`] on a thread count of its own, optionally silent.
pub fn train_into_with(cfg: &TrainConfig, mnist: &Arc<Mnist>, out: &Path, made_for_it: bool, interrupt: &Interrupt, quiet: &Quiet) -> Result<RunResult> {
    let result = train_and_save(cfg, mnist, out, interrupt, quiet);
    if let Err(e) = &result {
        if rundir::is_run(out) {
            // The saved epochs stay; the record says why there are no more.
            let _ = rundir::set_status(out, RunStatus::Failed { reason: format!("{e:#}") });
        } else if made_for_it {
            rundir::remove_if_unsaved(out);
        }
    }
    result
}

fn train_and_save(cfg: &TrainConfig, mnist: &Arc<Mnist>, out: &Path, interrupt: &Interrupt, quiet: &Quiet) -> Result<RunResult> {
    cfg.validate(Some(mnist.train.len())).map_err(anyhow::Error::msg)?;
    let arch = cfg.architecture(mnist.train.pixels(), mnist.classes);
    let memory = crate::train::memory::check(&arch, cfg.batch_size, mnist).map_err(anyhow::Error::msg)?;
    let threads = quiet.threads.unwrap_or_else(crate::threads::get);
    if !quiet.silent {
        crate::errln!("network: {arch} ({} parameters); {} lr {}, batch {}, {} epoch(s), seed {}; about {} of memory; {} of {} cores",
            arch.param_count(), cfg.optimizer, cfg.lr, cfg.batch_size, cfg.epochs, cfg.seed, crate::train::memory::human(memory),
            threads, crate::threads::cores());
        crate::errln!("run directory: {} (saved after every epoch)", out.display());
    }

    let bar = if quiet.silent { ProgressBar::hidden() } else { progress_line() };
    let trainer = Trainer::spawn_with(cfg.clone(), Arc::clone(mnist), threads);
    let mut progress = Progress::new(cfg.clone());
    let mut sent_interrupt = false;
    let mut save_error = None;
    while !progress.is_finished() {
        if interrupt.is_set() && !sent_interrupt {
            let _ = trainer.commands.send(crate::train::Command::Interrupt);
            sent_interrupt = true;
            if !quiet.silent {
                bar.suspend(|| crate::errln!("interrupted: finishing the current batch and saving finished epochs (again to quit at once)"));
            }
        }
        let event = match trainer.events.recv_timeout(Duration::from_millis(100)) {
            Ok(e) => e,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => bail!("training thread ended unexpectedly"),
        };
        let epoch_done = matches!(event, Event::Epoch(_));
        match &event {
            Event::Batch(b) => show_batch(&bar, b, cfg.epochs),
            Event::Epoch(snap) if !quiet.silent => bar.suspend(|| crate::outln!("{}", epoch_line(&snap.report, cfg.epochs))),
            _ => {}
        }
        progress.apply(event);
        if epoch_done && save_error.is_none() {
            if let Some(run) = progress.result() {
                let _beside = crate::train::spinners::Beside::new();
                if let Err(e) = rundir::save(out, &run, mnist, Stage::Epoch) {
                    // Training on would only produce epochs that cannot be kept.
                    let _ = trainer.commands.send(crate::train::Command::Stop);
                    save_error = Some(e.context(format!("saving epoch {}", run.history.len())));
                }
            }
        }
    }
    bar.finish_and_clear();
    trainer.join();
    if let Some(e) = save_error {
        return Err(e);
    }
    match progress.outcome.take().expect("finished") {
        Err(message) if interrupt.is_set() => {
            let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
            Err(Interrupted {
                signal,
                message: format!("interrupted by {} before the first epoch finished ({message}); nothing to save", crate::signals::name(signal)),
            }
            .into())
        }
        Err(message) => bail!("training failed: {message}"),
        Ok(run) => {
            rundir::save(out, &run, mnist, Stage::Final).context("saving the finished run")?;
            Ok(*run)
        }
    }
}

/// The `k` classes with the highest outputs, highest first (ties: the lower class first).
pub fn top_classes(outputs: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut p: Vec<(usize, f32)> = outputs.iter().copied().enumerate().collect();
    p.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    p.truncate(k);
    p
}
