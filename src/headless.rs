//! `digitlab train` and `digitlab eval`: the same trainer and exports as the dashboard, printed as
//! plain lines (or a live progress line when stderr is a terminal).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cli::{CompareCmd, EvalCmd, PredictCmd, SweepCmd, TrainCmd};
use crate::data::{self, Mnist};
use crate::export;
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

/// Creates the run directory now, so an unwritable location fails before any training time is spent.
fn prepare_out_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create run directory", dir.display()))?;
    tempfile::tempfile_in(dir).with_context(|| format!("{}: run directory is not writable", dir.display()))?;
    Ok(())
}

/// SIGINT, SIGTERM and SIGHUP (an SSH drop) all end the run gracefully with its finished epochs saved.
pub fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        // A second signal while the first is being handled quits at once (exit 130), as users expect
        // from pressing Ctrl-C twice.
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&flag))
            .context("cannot install signal handler")?;
        signal_hook::flag::register(sig, Arc::clone(&flag)).context("cannot install signal handler")?;
    }
    Ok(flag)
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
    let mnist = Arc::new(load_data(data_flag.as_deref())?);
    let arch = cfg.architecture(mnist.train.pixels(), mnist.classes);
    let out: PathBuf = cmd.out.clone().unwrap_or_else(|| export::default_run_dir(&arch));
    let interrupted = interrupt_flag()?;
    let run = train_into(&cfg, &mnist, &out, &interrupted)?;
    print_summary(&run, &out);
    for note in eval::diagnostics(&run.last.model, &mnist.test, &run.history).notes {
        println!("note: {note}");
    }
    if run.status == RunStatus::Interrupted {
        bail!("interrupted: {} finished epoch(s) saved in {}", run.history.len(), out.display());
    }
    Ok(())
}

/// Trains `cfg` on `mnist` into the run directory `out`, printing epoch lines (and a progress line on
/// a terminal), saving each finished epoch as it comes and the whole directory at the end. When
/// `interrupted` becomes true the run stops after its current batch and is saved as interrupted.
pub fn train_into(cfg: &TrainConfig, mnist: &Arc<Mnist>, out: &Path, interrupted: &AtomicBool) -> Result<RunResult> {
    cfg.validate(Some(mnist.train.len())).map_err(anyhow::Error::msg)?;
    let arch = cfg.architecture(mnist.train.pixels(), mnist.classes);
    prepare_out_dir(out)?;
    eprintln!("network: {arch} ({} parameters); {} lr {}, batch {}, {} epoch(s), seed {}",
        arch.param_count(), cfg.optimizer, cfg.lr, cfg.batch_size, cfg.epochs, cfg.seed);

    let tty = std::io::stderr().is_terminal();
    let trainer = Trainer::spawn(cfg.clone(), Arc::clone(mnist));
    let mut progress = Progress::new(cfg.clone());
    let mut sent_interrupt = false;
    while !progress.is_finished() {
        if interrupted.load(Ordering::Relaxed) && !sent_interrupt {
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
        if epoch_done {
            // Keep finished epochs on disk as we go: a killed run still leaves them behind.
            if let Some(run) = progress.result() {
                if let Err(e) = export::write_progress(out, &run, mnist) {
                    eprintln!("warning: could not save progress: {e:#}");
                }
            }
        }
    }
    trainer.join();
    match progress.outcome.take().expect("finished") {
        Err(message) => bail!("training failed: {message}"),
        Ok(run) => {
            export::write_run_dir(out, &run, mnist).context("writing the run directory")?;
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
        let spec = sweep::read_spec(dir)?;
        return sweep::run(&spec, dir, cmd.shard);
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
    sweep::run(&sweep::SweepSpec { grid, data: cmd.data.clone() }, &dir, cmd.shard)
}

pub fn compare(cmd: &CompareCmd) -> Result<()> {
    use crate::experiments::leaderboard;
    let entries = leaderboard::find_runs(&cmd.dirs)?;
    let rows = leaderboard::rows(&entries);
    print!("{}", leaderboard::to_markdown(&rows));
    if let Some(out) = &cmd.out {
        std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
        export::write_atomic(&out.join("leaderboard.csv"), leaderboard::to_csv(&rows).as_bytes())?;
        export::write_atomic(&out.join("leaderboard.md"), format!("# Leaderboard\n\n{}", leaderboard::to_markdown(&rows)).as_bytes())?;
        eprintln!("wrote {}", out.join("leaderboard.md").display());
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
    use crate::data::png_digit::{guess_ink, read_gray_png, to_mnist_polarity, Ink};
    let mlp = model::io::load(&cmd.model)?;
    let side = (mlp.arch.input as f64).sqrt().round() as usize;
    if side * side != mlp.arch.input {
        bail!("{}: model input {} is not a square picture", cmd.model.display(), mlp.arch.input);
    }
    let pixels = read_gray_png(&cmd.image, side, side)?;
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
