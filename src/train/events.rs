//! The messages between the training thread and whoever watches it (headless printer or TUI).

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use crate::metrics::ClassificationReport;
use crate::model::{Architecture, Mlp};

/// Sent once, before the first batch.
#[derive(Debug, Clone)]
pub struct StartInfo {
    pub arch: Architecture,
    pub params: usize,
    pub train_len: usize,
    pub val_len: usize,
    pub test_len: usize,
    pub batches_per_epoch: usize,
    pub epochs: usize,
    /// Threads of the pool the run trains in.
    pub threads: usize,
}

/// Progress inside an epoch. Batch events are coalesced (see [`super::BATCH_EVENT_INTERVAL`]): `loss`
/// is the mean over the batches since the previous event, so no batch is lost from the curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchReport {
    /// 1-based.
    pub epoch: usize,
    /// Batches finished in this epoch.
    pub batch: usize,
    pub batches: usize,
    pub loss: f32,
    /// Training accuracy over this epoch so far.
    pub accuracy: f32,
    pub samples_per_sec: f32,
    /// Seconds since training started (pauses excluded).
    pub elapsed: f64,
}

/// One finished epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    pub test_loss: f64,
    pub test_accuracy: f64,
    /// Seconds spent on this epoch's training batches (evaluation excluded).
    pub train_seconds: f64,
    /// Seconds spent evaluating validation and test sets after the epoch.
    pub eval_seconds: f64,
}

/// A model's results on the test set.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub loss: f64,
    /// Predicted class of every test image, in file order.
    pub predicted: Vec<u8>,
    pub report: ClassificationReport,
}

/// Everything after an epoch: enough to show results and export a run at any time.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub report: EpochReport,
    pub model: Mlp,
    pub test: Evaluation,
    /// Findings after this epoch (overfitting, dead or saturated units, plateau, divergence).
    pub diagnostics: super::diagnostics::Diagnostics,
    /// What each first-layer unit responds to after this epoch (shared: snapshots are cloned).
    pub neurons: std::sync::Arc<super::neurons::NeuronAnalysis>,
    /// Threads of the pool the run trains in (recorded in summary.json).
    pub threads: usize,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum RunStatus {
    /// Still training: an export taken between epochs.
    Running,
    Completed,
    /// Stopped on request; results are those of the last finished epoch.
    Stopped,
    /// Ended by a signal (terminal closed, SIGTERM, Ctrl-C).
    Interrupted,
    /// The loss became NaN/inf; results are those of the last good epoch.
    Diverged { message: String },
    /// Ended by an error (the run could not start, or its directory could not be written).
    Failed { reason: String },
}

impl RunStatus {
    pub fn name(&self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Stopped => "stopped",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Diverged { .. } => "diverged",
            RunStatus::Failed { .. } => "failed",
        }
    }
}

/// The final product of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub config: TrainConfig,
    pub status: RunStatus,
    pub history: Vec<EpochReport>,
    /// The last finished epoch (model and test evaluation).
    pub last: Snapshot,
    /// Training seconds summed over epochs.
    pub train_seconds: f64,
    /// Wall-clock seconds from start to end, pauses included.
    pub wall_seconds: f64,
}

impl RunResult {
    /// The epoch with the best validation accuracy (test accuracy without a validation split).
    pub fn best_epoch(&self) -> Option<&EpochReport> {
        best_epoch(&self.history)
    }
}

/// Best epoch by validation accuracy, or by test accuracy when there is no validation split.
pub fn best_epoch(history: &[EpochReport]) -> Option<&EpochReport> {
    history.iter().max_by(|a, b| {
        let key = |e: &EpochReport| e.val_accuracy.unwrap_or(e.test_accuracy);
        key(a).total_cmp(&key(b)).then(b.epoch.cmp(&a.epoch))
    })
}

/// Trainer → watcher.
#[derive(Debug, Clone)]
pub enum Event {
    Started(StartInfo),
    Batch(BatchReport),
    Epoch(Box<Snapshot>),
    Paused,
    Resumed,
    /// The run ended with results (completed, stopped, interrupted, or diverged after ≥ 1 epoch).
    Finished(Box<RunResult>),
    /// The run ended without results; the text says why.
    Failed(String),
}

/// Watcher → trainer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    /// Stop after the current batch, keeping finished epochs.
    Stop,
    /// Like `Stop`, but the run is recorded as interrupted (signal, lost terminal).
    Interrupt,
}
