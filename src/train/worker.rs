//! The training thread: owns the model, runs epochs, and reports over a crossbeam channel.
//!
//! The event channel is unbounded but batch events are coalesced to at most one per
//! [`BATCH_EVENT_INTERVAL`] (plus the last batch of each epoch), so sending never blocks the trainer
//! and a slow watcher sees at most a few dozen messages a second.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::batch;
use super::config::TrainConfig;
use super::eval::{evaluate_with_neurons, loss_accuracy};
use super::events::*;
use super::optimizer::Optimizer;
use super::spinners::Spinners;
use crate::data::Mnist;
use crate::model::backprop::{loss_and_grads, Gradients};
use crate::model::{Mlp, Standardization};

/// Batch events are sent at most this often.
pub const BATCH_EVENT_INTERVAL: Duration = Duration::from_millis(50);

/// A running (or finished) training thread and its two channels.
pub struct Trainer {
    pub events: Receiver<Event>,
    pub commands: Sender<Command>,
    handle: Option<JoinHandle<()>>,
}

impl Trainer {
    /// Starts training `config` on `data` in a new thread, with the process's thread budget.
    pub fn spawn(config: TrainConfig, data: Arc<Mnist>) -> Trainer {
        Trainer::spawn_with(config, data, crate::threads::get())
    }

    /// Starts training `config` on `data` in a new thread whose pool has `threads` threads.
    pub fn spawn_with(config: TrainConfig, data: Arc<Mnist>, threads: usize) -> Trainer {
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded();
        let handle = std::thread::Builder::new()
            .name("digitlab-trainer".into())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    in_pool_of(threads, || run(&config, &data, &ev_tx, &cmd_rx))
                }));
                let last = match outcome {
                    Ok(Ok(result)) => Event::Finished(Box::new(result)),
                    Ok(Err(message)) => Event::Failed(message),
                    Err(panic) => Event::Failed(format!(
                        "training thread crashed: {}",
                        panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("unknown panic")
                    )),
                };
                let _ = ev_tx.send(last);
            })
            .expect("spawn training thread");
        Trainer { events: ev_rx, commands: cmd_tx, handle: Some(handle) }
    }

    /// A trainer that is only its two channels: whoever holds the other ends sends the events and reads
    /// the commands (the dashboard's tests script a run this way, without training for real).
    pub fn from_channels(events: Receiver<Event>, commands: Sender<Command>) -> Trainer {
        Trainer { events, commands, handle: None }
    }

    /// Asks the trainer to stop after its current batch.
    pub fn stop(&self) {
        let _ = self.commands.send(Command::Stop);
    }

    /// Waits for the thread to end.
    pub fn join(mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }

    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }
}

/// Runs `f` on a thread of a rayon pool of its own, one thread per core. The matrix products split over
/// the current pool and, outside any pool, stay on the calling thread (see `model::matmul`), so model
/// work uses every core only in here. From a pool thread the caller takes part in the work instead of
/// waking the pool and sleeping until it is done, which for a training step's small products would cost
/// about as much as the products. The pool is per trainer so that concurrent or paused trainers never
/// run inside each other's waits.
pub fn in_compute_pool<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    in_pool_of(crate::threads::get(), f)
}

/// [`in_compute_pool`] with a pool of `threads` threads.
pub fn in_pool_of<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    match compute_pool(threads) {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// A rayon pool of the process's thread budget (one per core by default), for model work to run
/// *inside* (see [`in_compute_pool`]). With a budget of 1 the products and the optimizer run on its
/// one thread, so a run keeps to one core.
pub fn compute_pool(threads: usize) -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("digitlab-compute-{i}"))
        .build()
        .ok()
}

/// Why the batch loop ended early.
enum Halt {
    Stop,
    Interrupt,
    Diverged(String),
}

/// Applies pending commands; blocks while paused (its pool then no longer counted among the trainers'
/// threads, so other runs' spinners may spin). Returns the pause time to exclude from timings.
fn poll_commands(cmds: &Receiver<Command>, events: &Sender<Event>, spinners: &Spinners) -> Result<Duration, Halt> {
    let mut paused_for = Duration::ZERO;
    loop {
        match cmds.try_recv() {
            Ok(Command::Pause) => {
                let _ = events.send(Event::Paused);
                let since = Instant::now();
                spinners.while_idle(|| loop {
                    match cmds.recv() {
                        Ok(Command::Resume) => return Ok(()),
                        Ok(Command::Pause) => {}
                        Ok(Command::Stop) => return Err(Halt::Stop),
                        Ok(Command::Interrupt) | Err(_) => return Err(Halt::Interrupt),
                    }
                })?;
                paused_for += since.elapsed();
                let _ = events.send(Event::Resumed);
            }
            Ok(Command::Resume) => {}
            Ok(Command::Stop) => return Err(Halt::Stop),
            Ok(Command::Interrupt) | Err(TryRecvError::Disconnected) => return Err(Halt::Interrupt),
            Err(TryRecvError::Empty) => return Ok(paused_for),
        }
    }
}

/// Splits the training indices into (train, validation) with a seeded shuffle.
fn split_indices(n: usize, val_split: f64, rng: &mut ChaCha8Rng) -> (Vec<usize>, Vec<usize>) {
    let mut all: Vec<usize> = (0..n).collect();
    let val_len = super::config::validation_len(n, val_split);
    if val_len == 0 {
        return (all, Vec::new());
    }
    all.shuffle(rng);
    let val = all.split_off(n - val_len);
    (all, val)
}

fn run(cfg: &TrainConfig, data: &Mnist, events: &Sender<Event>, cmds: &Receiver<Command>) -> Result<RunResult, String> {
    cfg.validate(Some(data.train.len()))?;
    let mut arch = cfg.architecture(data.train.pixels(), data.classes);
    arch.validate()?;
    arch.input_standardization = Standardization::of(data.train.images());
    let started = Instant::now();
    let mut mlp = Mlp::new(&arch, cfg.seed);
    // A separate stream from the weight init, so changing the architecture leaves the data order alone.
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(1);
    let (mut order, val_idx) = split_indices(data.train.len(), cfg.val_split, &mut rng);
    let batches = order.len().div_ceil(cfg.batch_size);
    let info = StartInfo {
        arch: arch.clone(),
        params: arch.param_count(),
        train_len: order.len(),
        val_len: val_idx.len(),
        test_len: data.test.len(),
        batches_per_epoch: batches,
        epochs: cfg.epochs,
        threads: rayon::current_num_threads(),
    };
    if events.send(Event::Started(info)).is_err() {
        return Err("nobody is listening".into());
    }

    let mut opt = Optimizer::for_backprop(cfg, &mlp);
    let mut grads = Gradients::zeros(&mlp);
    let mut history: Vec<EpochReport> = Vec::new();
    let mut last: Option<Snapshot> = None;
    let mut train_total = 0.0;
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    let mut halt = None;
    let spinners = Spinners::new();

    'epochs: for epoch in 1..=cfg.epochs {
        order.shuffle(&mut rng);
        let epoch_start = Instant::now();
        let mut paused = Duration::ZERO;
        let (mut loss_sum, mut seen, mut correct) = (0.0f64, 0usize, 0usize);
        let (mut since_loss, mut since_batches, mut since_samples) = (0.0f64, 0usize, 0usize);
        let mut last_event = Instant::now();
        for (b, chunk) in order.chunks(cfg.batch_size).enumerate() {
            match poll_commands(cmds, events, &spinners) {
                Ok(p) => paused += p,
                Err(h) => {
                    halt = Some(h);
                    break 'epochs;
                }
            }
            spinners.ensure();
            batch::assemble(&data.train, chunk, &mlp.arch.input_standardization, &mut x, &mut labels);
            let stats = loss_and_grads(&mlp, opt.params(), std::mem::take(&mut x), &labels, &mut grads);
            if !stats.loss.is_finite() {
                halt = Some(Halt::Diverged(format!(
                    "loss became {} at epoch {epoch}, batch {}: the learning rate {} is too high for this network; try {}",
                    stats.loss,
                    b + 1,
                    cfg.lr,
                    cfg.lr / 10.0
                )));
                break 'epochs;
            }
            opt.step(&mut mlp, &grads);
            let n = chunk.len();
            loss_sum += stats.loss as f64 * n as f64;
            seen += n;
            correct += stats.correct;
            since_loss += stats.loss as f64;
            since_batches += 1;
            since_samples += n;
            if last_event.elapsed() >= BATCH_EVENT_INTERVAL || b + 1 == batches {
                let dt = last_event.elapsed().as_secs_f64().max(1e-9);
                let report = BatchReport {
                    epoch,
                    batch: b + 1,
                    batches,
                    loss: (since_loss / since_batches as f64) as f32,
                    accuracy: correct as f32 / seen as f32,
                    samples_per_sec: (since_samples as f64 / dt) as f32,
                    elapsed: train_total + (epoch_start.elapsed() - paused).as_secs_f64(),
                };
                if events.send(Event::Batch(report)).is_err() {
                    halt = Some(Halt::Interrupt);
                    break 'epochs;
                }
                (since_loss, since_batches, since_samples) = (0.0, 0, 0);
                last_event = Instant::now();
            }
        }
        opt.store_into(&mut mlp);
        let train_seconds = (epoch_start.elapsed() - paused).as_secs_f64();
        train_total += train_seconds;

        let eval_start = Instant::now();
        let (val_loss, val_accuracy) = if val_idx.is_empty() {
            (None, None)
        } else {
            let (l, a, _) = loss_accuracy(&mlp, &data.train, Some(&val_idx));
            (Some(l), Some(a))
        };
        let (test, neurons) = evaluate_with_neurons(&mlp, &data.test);
        let report = EpochReport {
            epoch,
            train_loss: loss_sum / seen as f64,
            train_accuracy: correct as f64 / seen as f64,
            val_loss,
            val_accuracy,
            test_loss: test.loss,
            test_accuracy: test.report.accuracy,
            train_seconds,
            eval_seconds: eval_start.elapsed().as_secs_f64(),
        };
        history.push(report.clone());
        // Once per epoch, here, so that every watcher (dashboard, saves) shows the same findings.
        let diagnostics = super::eval::diagnostics(&mlp, &data.test, &history);
        let snap = Snapshot { report, model: mlp.clone(), test, diagnostics, neurons: std::sync::Arc::new(neurons), threads: rayon::current_num_threads() };
        if events.send(Event::Epoch(Box::new(snap.clone()))).is_err() {
            halt = Some(Halt::Interrupt);
        }
        last = Some(snap);
        if halt.is_some() {
            break;
        }
    }

    conclude(cfg, halt, history, last, train_total, started.elapsed().as_secs_f64())
}

/// Turns how the loop ended into the run's result: any finished epoch is kept, whatever ended the run.
fn conclude(
    cfg: &TrainConfig,
    halt: Option<Halt>,
    history: Vec<EpochReport>,
    last: Option<Snapshot>,
    train_seconds: f64,
    wall_seconds: f64,
) -> Result<RunResult, String> {
    let status = match halt {
        None => RunStatus::Completed,
        Some(Halt::Stop) => RunStatus::Stopped,
        Some(Halt::Interrupt) => RunStatus::Interrupted,
        Some(Halt::Diverged(message)) => RunStatus::Diverged { message },
    };
    let Some(last) = last else {
        return Err(match status {
            RunStatus::Diverged { message } => message,
            other => format!("training {} before the first epoch finished: no results to keep", other.name()),
        });
    };
    Ok(RunResult { config: cfg.clone(), status, history, last, train_seconds, wall_seconds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;
    use crate::model::{Activation, HiddenLayer};

    fn small_mnist(train: usize) -> Arc<Mnist> {
        let mut m = data::load_dir(&data::locate::bundled_dir().unwrap()).unwrap();
        m.train = m.train.head(train);
        m.test = m.test.head(1000);
        Arc::new(m)
    }

    fn config(hidden: Vec<HiddenLayer>, lr: f64, epochs: usize) -> TrainConfig {
        TrainConfig { hidden, lr, epochs, optimizer: super::super::OptimizerKind::Sgd, ..TrainConfig::default() }
    }

    fn drain(t: Trainer) -> (Vec<Event>, Event) {
        let events: Vec<Event> = t.events.iter().collect();
        let last = events.last().cloned().expect("a final event");
        (events, last)
    }

    #[test]
    fn events_arrive_in_order_with_every_epoch_and_a_final_result() {
        let cfg = config(vec![HiddenLayer { neurons: 16, activation: Activation::Relu }], 0.1, 2);
        let (events, last) = drain(Trainer::spawn(cfg, small_mnist(2000)));
        assert!(matches!(events[0], Event::Started(StartInfo { batches_per_epoch: 32, train_len: 2000, .. })));
        let epochs: Vec<usize> = events.iter().filter_map(|e| match e {
            Event::Epoch(s) => Some(s.report.epoch),
            _ => None,
        }).collect();
        assert_eq!(epochs, vec![1, 2]);
        // The last batch of each epoch is always reported.
        let ends = events.iter().filter(|e| matches!(e, Event::Batch(b) if b.batch == b.batches)).count();
        assert_eq!(ends, 2);
        let Event::Finished(r) = last else { panic!("not finished") };
        assert_eq!((r.status.clone(), r.history.len()), (RunStatus::Completed, 2));
        assert!(r.last.test.report.accuracy > 0.7, "{}", r.last.test.report.accuracy);
        assert_eq!(r.last.test.predicted.len(), 1000);
    }

    #[test]
    fn pause_then_stop_runs_no_further_batch_and_keeps_finished_epochs() {
        let cfg = config(vec![HiddenLayer { neurons: 8, activation: Activation::Tanh }], 0.1, 1000);
        let t = Trainer::spawn(cfg, small_mnist(640));
        // Pause after the first epoch; the trainer may have run ahead, so count what arrives until
        // it confirms the pause, then stop it while paused: nothing may follow.
        let mut epochs_before_pause = 0;
        let mut paused = false;
        let mut after_pause = 0;
        let mut last = None;
        for e in t.events.iter() {
            match &e {
                Event::Epoch(_) if !paused => {
                    if epochs_before_pause == 0 {
                        t.commands.send(Command::Pause).unwrap();
                    }
                    epochs_before_pause += 1;
                }
                Event::Paused => {
                    paused = true;
                    t.stop();
                }
                Event::Batch(_) | Event::Epoch(_) if paused => after_pause += 1,
                _ => {}
            }
            last = Some(e);
        }
        assert!(paused, "the trainer confirmed the pause");
        assert_eq!(after_pause, 0, "no batch ran after the pause");
        let Some(Event::Finished(r)) = last else { panic!("not finished") };
        assert_eq!(r.status, RunStatus::Stopped);
        assert_eq!(r.history.len(), epochs_before_pause, "every finished epoch is kept");
        assert!(r.history.len() < 1000);
    }

    #[test]
    fn divergence_in_the_first_epoch_says_to_lower_the_learning_rate() {
        let cfg = config(vec![HiddenLayer { neurons: 128, activation: Activation::Identity }], 10.0, 3);
        let (_, last) = drain(Trainer::spawn(cfg, small_mnist(6400)));
        let Event::Failed(msg) = last else { panic!("expected failure, got {last:?}") };
        assert!(msg.contains("loss became") && msg.contains("learning rate 10 is too high") && msg.contains("try 1"), "{msg}");
    }

    #[test]
    fn divergence_after_an_epoch_keeps_the_last_good_epoch() {
        let cfg = config(vec![HiddenLayer { neurons: 16, activation: Activation::Relu }], 0.1, 1);
        let (_, last) = drain(Trainer::spawn(cfg.clone(), small_mnist(1000)));
        let Event::Finished(good) = last else { panic!() };
        let halt = Some(Halt::Diverged("loss became NaN at epoch 2, batch 5".into()));
        let r = conclude(&cfg, halt, good.history.clone(), Some(good.last.clone()), 1.0, 1.0).unwrap();
        assert_eq!(r.status, RunStatus::Diverged { message: "loss became NaN at epoch 2, batch 5".into() });
        assert_eq!(r.last.report, good.last.report);
        assert_eq!(r.last.test.predicted, good.last.test.predicted);
    }
}
