//! A watcher's view of a run, built only from events: what the headless printer and the TUI both keep,
//! and from which a [`RunResult`] can be exported at any time after the first epoch.

use std::time::Instant;

use super::events::*;
use super::config::TrainConfig;

#[derive(Debug, Clone)]
pub struct Progress {
    pub config: TrainConfig,
    pub start: Option<StartInfo>,
    pub last_batch: Option<BatchReport>,
    pub history: Vec<EpochReport>,
    pub last: Option<Snapshot>,
    pub paused: bool,
    /// Set once the trainer has ended: the final result, or the failure text.
    pub outcome: Option<Result<Box<RunResult>, String>>,
    started_at: Instant,
}

impl Progress {
    pub fn new(config: TrainConfig) -> Progress {
        Progress {
            config,
            start: None,
            last_batch: None,
            history: Vec::new(),
            last: None,
            paused: false,
            outcome: None,
            started_at: Instant::now(),
        }
    }

    /// Folds one event in.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Started(info) => self.start = Some(info),
            Event::Batch(b) => self.last_batch = Some(b),
            Event::Epoch(snap) => {
                self.history.push(snap.report.clone());
                self.last = Some(*snap);
            }
            Event::Paused => self.paused = true,
            Event::Resumed => self.paused = false,
            Event::Finished(result) => {
                self.paused = false;
                self.history = result.history.clone();
                self.last = Some(result.last.clone());
                self.outcome = Some(Ok(result));
            }
            Event::Failed(message) => {
                self.paused = false;
                self.outcome = Some(Err(message));
            }
        }
    }

    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// The run as it stands: the final result once finished, else a `Running` result up to the last
    /// finished epoch. `None` before the first epoch.
    pub fn result(&self) -> Option<RunResult> {
        if let Some(Ok(r)) = &self.outcome {
            return Some((**r).clone());
        }
        let last = self.last.clone()?;
        Some(RunResult {
            config: self.config.clone(),
            status: RunStatus::Running,
            history: self.history.clone(),
            last,
            train_seconds: self.history.iter().map(|e| e.train_seconds).sum(),
            wall_seconds: self.started_at.elapsed().as_secs_f64(),
        })
    }
}
