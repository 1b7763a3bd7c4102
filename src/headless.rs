//! `digitlab train` and `digitlab eval`: the same trainer and exports as the dashboard, printed as
//! plain lines (or a live progress line when stderr is a terminal).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cli::{CompareCmd, EvalCmd, PredictCmd, SweepCmd, TrainCmd};
use crate::data::{self, Mnist};
use crate::rundir::{self, Stage};
use crate::signals::{Interrupt, Interrupted};
use crate::metrics::{ClassificationReport, ORIENTATION};
use crate::model;
use crate::train::{eval, Event, Progress, RunResult, RunStatus, TrainConfig, Trainer};

/// Loads the data directory chosen by flag, environment or bundled copy, telling the user which.
pub fn load_data(flag: Option<&Path>) -> Result<Mnist> {
    let (dir, source) = data::resolve_data_dir(flag)?;
    let t = Instant::now();
    let mnist = data::load_dir(&dir)?;
    eprintln!(
        "data: {} ({:?}): {} train + {} test images of {}x{}, {} classes, loaded in {:.2} s",
        dir.display(),
        source,
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

fn progress_bar(b: &crate::train::BatchReport, epochs: usize) -> String {
    const WIDTH: usize = 24;
    let filled = b.batch * WIDTH / b.batches.max(1);
    format!(
        "\r\x1b[2Kepoch {}/{epochs} [{}{}] {}/{} loss {:.4} acc {} {:.0} img/s",
        b.epoch,
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        b.batch,
        b.batches,
        b.loss,
        pct(b.accuracy as f64),
        b.samples_per_sec
    )
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

fn print_summary(run: &RunResult, dir: &Path) {
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
    print!("{out}");
}

pub fn train(cmd: &TrainCmd) -> Result<()> {
    let (cfg, data_flag) = cmd.train.resolve()?;
    // A given --out is checked before the data is loaded, so a refusal costs nothing.
    let created = match &cmd.out {
        Some(dir) => rundir::claim(dir, "run")?,
        None => false,
    };
    let prepared = (|| {
        let mnist = Arc::new(load_data(data_flag.as_deref())?);
        cfg.validate(Some(mnist.train.len())).map_err(anyhow::Error::msg)?;
        let arch = cfg.architecture(mnist.train.pixels(), mnist.classes);
        let out = match &cmd.out {
            Some(dir) => dir.clone(),
            None => rundir::create_unique(Path::new("runs"), &rundir::default_name(&arch))?,
        };
        anyhow::Ok((mnist, out))
    })();
    let (mnist, out) = match prepared {
        Ok(p) => p,
        Err(e) => {
            if let Some(dir) = cmd.out.as_ref().filter(|_| created) {
                rundir::remove_if_unsaved(dir);
            }
            return Err(e);
        }
    };
    let interrupt = Interrupt::install()?;
    let run = train_into(&cfg, &mnist, &out, &interrupt)?;
    print_summary(&run, &out);
    if let Some(d) = rundir::read_summary(&out).ok().and_then(|s| s.diagnostics) {
        for note in d.notes {
            println!("note: {note}");
        }
    }
    if run.status == RunStatus::Interrupted {
        let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
        return Err(Interrupted {
            signal,
            message: format!("interrupted by {}: {} finished epoch(s) saved in {}", crate::signals::name(signal), run.history.len(), out.display()),
        }
        .into());
    }
    Ok(())
}

/// Trains `cfg` on `mnist` into the run directory `out` (claimed by the caller), printing epoch lines
/// (and a progress line on a terminal) and saving the run after every finished epoch and at the end.
/// When `interrupt` is raised the run stops after its current batch and is saved as interrupted.
/// A run that ends before its first epoch leaves no directory behind; one whose save fails stops and
/// is recorded as failed, with the reason, where that still fits on the disk.
pub fn train_into(cfg: &TrainConfig, mnist: &Arc<Mnist>, out: &Path, interrupt: &Interrupt) -> Result<RunResult> {
    let result = train_and_save(cfg, mnist, out, interrupt);
    if let Err(e) = &result {
        if rundir::is_run(out) {
            // The saved epochs stay; the record says why there are no more.
            let _ = rundir::set_status(out, RunStatus::Failed { reason: format!("{e:#}") });
        } else {
            rundir::remove_if_unsaved(out);
        }
    }
    result
}

fn train_and_save(cfg: &TrainConfig, mnist: &Arc<Mnist>, out: &Path, interrupt: &Interrupt) -> Result<RunResult> {
    cfg.validate(Some(mnist.train.len())).map_err(anyhow::Error::msg)?;
    let arch = cfg.architecture(mnist.train.pixels(), mnist.classes);
    eprintln!("network: {arch} ({} parameters); {} lr {}, batch {}, {} epoch(s), seed {}",
        arch.param_count(), cfg.optimizer, cfg.lr, cfg.batch_size, cfg.epochs, cfg.seed);
    eprintln!("run directory: {} (saved after every epoch)", out.display());

    let tty = std::io::stderr().is_terminal();
    let trainer = Trainer::spawn(cfg.clone(), Arc::clone(mnist));
    let mut progress = Progress::new(cfg.clone());
    let mut sent_interrupt = false;
    let mut save_error = None;
    while !progress.is_finished() {
        if interrupt.is_set() && !sent_interrupt {
            let _ = trainer.commands.send(crate::train::Command::Interrupt);
            sent_interrupt = true;
            if tty {
                eprint!("\r\x1b[2K");
            }
            eprintln!("interrupted: finishing the current batch and saving finished epochs (again to quit at once)");
        }
        let event = match trainer.events.recv_timeout(Duration::from_millis(100)) {
            Ok(e) => e,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => bail!("training thread ended unexpectedly"),
        };
        let epoch_done = matches!(event, Event::Epoch(_));
        match &event {
            Event::Batch(b) if tty => {
                eprint!("{}", progress_bar(b, cfg.epochs));
                let _ = std::io::stderr().flush();
            }
            Event::Epoch(snap) => {
                if tty {
                    eprint!("\r\x1b[2K");
                }
                println!("{}", epoch_line(&snap.report, cfg.epochs));
            }
            _ => {}
        }
        progress.apply(event);
        if epoch_done && save_error.is_none() {
            if let Some(run) = progress.result() {
                if let Err(e) = rundir::save(out, &run, mnist, Stage::Epoch) {
                    // Training on would only produce epochs that cannot be kept.
                    let _ = trainer.commands.send(crate::train::Command::Stop);
                    save_error = Some(e.context(format!("saving epoch {}", run.history.len())));
                }
            }
        }
    }
    trainer.join();
    if let Some(e) = save_error {
        return Err(e);
    }
    match progress.outcome.take().expect("finished") {
        Err(message) if interrupt.is_set() => {
            rundir::remove_if_unsaved(out);
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

pub fn eval(cmd: &EvalCmd) -> Result<()> {
    let mlp = model::io::load(&cmd.model)?;
    let mnist = load_data(cmd.data.as_deref())?;
    if mlp.arch.input != mnist.test.pixels() || mlp.arch.classes != mnist.classes {
        bail!(
            "{}: model expects {} inputs and {} classes, but the data has {}x{} images and {} classes",
            cmd.model.display(),
            mlp.arch.input,
            mlp.arch.classes,
            mnist.test.rows,
            mnist.test.cols,
            mnist.classes
        );
    }
    eprintln!("model: {} ({})", mlp.arch, cmd.model.display());
    let t = Instant::now();
    let ev = crate::train::worker::in_compute_pool(|| eval::evaluate(&mlp, &mnist.test));
    eprintln!("evaluated {} test images in {:.3} s", mnist.test.len(), t.elapsed().as_secs_f64());
    print!("{}", format_test_report(&ev.report, ev.loss));
    Ok(())
}

pub fn sweep(cmd: &SweepCmd) -> Result<()> {
    use crate::experiments::{grid::Grid, sweep};
    if let Some(dir) = &cmd.resume {
        return sweep::resume(dir, cmd.shard);
    }
    let grid = Grid {
        layers: cmd.layers.iter().map(|l| l.0.clone()).collect(),
        activations: cmd.activation.iter().map(|a| a.0.clone()).collect(),
        optimizers: cmd.optimizer.clone(),
        lrs: cmd.lr.clone(),
        momentums: cmd.momentum.clone(),
        nesterov: cmd.nesterov,
        epochs: cmd.epochs.iter().map(|&e| e as usize).collect(),
        batch_sizes: cmd.batch_size.iter().map(|&b| b as usize).collect(),
        seeds: cmd.seed.clone(),
        val_splits: cmd.val_split.clone(),
    };
    let dir = cmd.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!("sweep-{}", chrono::Local::now().format("%Y%m%d-%H%M%S")))
    });
    sweep::start(grid, cmd.data.as_deref(), &dir, cmd.shard)
}

pub fn compare(cmd: &CompareCmd) -> Result<()> {
    use crate::experiments::leaderboard;
    let listing = rundir::list(&cmd.dirs)?;
    for line in listing.skipped_lines() {
        eprintln!("{line}");
    }
    let rows = leaderboard::rows(&listing.runs);
    print!("{}", leaderboard::to_markdown(&rows));
    if let Some(out) = &cmd.out {
        std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
        leaderboard::write(out, &rows, "Leaderboard")?;
        eprintln!("wrote {}", leaderboard::files(out).map(|p| p.display().to_string()).join(" and "));
    }
    Ok(())
}

/// Probabilities of each class, highest first.
pub fn top_classes(logits: &[f32], k: usize) -> Vec<(usize, f64)> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f64> = logits.iter().map(|&z| ((z - max) as f64).exp()).collect();
    let sum: f64 = exp.iter().sum();
    let mut p: Vec<(usize, f64)> = exp.iter().map(|e| e / sum).enumerate().collect();
    p.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    p.truncate(k);
    p
}

pub fn predict(cmd: &PredictCmd) -> Result<()> {
    use crate::data::png_digit::{guess_ink, read_digit_png, to_mnist_polarity, Ink};
    let mlp = model::io::load(&cmd.model)?;
    let side = (mlp.arch.input as f64).sqrt().round() as usize;
    if side * side != mlp.arch.input {
        bail!("{}: model input {} is not a square picture", cmd.model.display(), mlp.arch.input);
    }
    let picture = read_digit_png(&cmd.image, side, side)?;
    for doubt in &picture.doubts {
        eprintln!("warning: {}: {doubt}; the guess below means little", cmd.image.display());
    }
    let pixels = picture.pixels;
    let ink = match cmd.ink.as_str() {
        "light" => Ink::Light,
        "dark" => Ink::Dark,
        _ => guess_ink(&pixels, side, side),
    };
    let pixels = to_mnist_polarity(pixels, ink);
    let mut x = Vec::new();
    model::pixels_to_input(&pixels, &mut x);
    let logits = mlp.logits(x);
    let top = top_classes(&logits, 3);
    println!("image: {} ({side}x{side}, {})", cmd.image.display(),
        if ink == Ink::Dark { "dark ink on light paper: inverted" } else { "light ink on dark, as MNIST" });
    println!("prediction: {}", top[0].0);
    for (class, p) in &top {
        println!("  {class}  {:6.2} %", p * 100.0);
    }
    Ok(())
}
