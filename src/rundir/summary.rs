//! `summary.json`: the machine-readable record of a run (also what the Runs view and `compare` read).
//! The schema and its validation live here; reading and writing the file is `rundir`'s.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::{DataFile, Mnist};
use crate::metrics::{Averages, ClassMetrics, ConfusionMatrix, ORIENTATION};
use crate::model::Architecture;
use crate::train::{EpochReport, RunResult, RunStatus, TrainConfig};

/// Where the data came from, recorded so a run can be traced to exact files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    pub dir: PathBuf,
    pub files: Vec<DataFile>,
    pub classes: usize,
    pub image_rows: usize,
    pub image_cols: usize,
    pub train_images: usize,
    pub test_images: usize,
}

impl DataInfo {
    pub fn of(data: &Mnist) -> DataInfo {
        DataInfo {
            dir: data.dir.clone(),
            files: data.files.clone(),
            classes: data.classes,
            image_rows: data.train.rows,
            image_cols: data.train.cols,
            train_images: data.train.len(),
            test_images: data.test.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `784 → 128 relu → 10 softmax`
    pub architecture: String,
    pub parameters: usize,
    /// Weight init per layer, e.g. `he-uniform`.
    pub init: Vec<String>,
    /// The training set's pixel mean and deviation the inputs were standardised with (absent in older
    /// files, which used MNIST's).
    #[serde(default)]
    pub input_standardization: Option<crate::model::Standardization>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestMetrics {
    pub epoch: usize,
    pub accuracy: f64,
    pub loss: f64,
    pub confusion_orientation: String,
    pub confusion_matrix: Vec<Vec<u64>>,
    pub per_class: Vec<ClassMetrics>,
    pub macro_avg: Averages,
    pub weighted_avg: Averages,
    pub precision_note: String,
}

impl TestMetrics {
    /// The stored confusion matrix (rows = predicted, columns = actual) as one to compute with.
    pub fn confusion(&self) -> ConfusionMatrix {
        ConfusionMatrix { counts: self.confusion_matrix.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub train_seconds: f64,
    pub mean_epoch_seconds: f64,
    pub wall_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub name: String,
    pub version: String,
}

/// Version of the run-directory format this program writes. Files without the field are version 1
/// (the first round's), which this version reads unchanged.
pub const FORMAT_VERSION: u32 = 2;

fn format_v1() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(default = "format_v1")]
    pub format_version: u32,
    pub program: Program,
    pub created: String,
    #[serde(flatten)]
    pub status: RunStatus,
    pub config: TrainConfig,
    pub model: ModelInfo,
    pub data: DataInfo,
    pub validation_images: usize,
    /// Threads the run was given (absent in older files). The results do not depend on it.
    #[serde(default)]
    pub threads: Option<usize>,
    pub epochs: Vec<EpochReport>,
    pub best_epoch: Option<usize>,
    /// The last finished epoch's test metrics; `None` for a run that failed before its first epoch.
    pub test: Option<TestMetrics>,
    pub timings: Timings,
    /// Plain-words findings (overfitting, dead/saturated units, plateau); absent in older files.
    #[serde(default)]
    pub diagnostics: Option<crate::train::diagnostics::Diagnostics>,
}

impl Summary {
    pub fn new(run: &RunResult, data: DataInfo) -> Summary {
        let arch = &run.last.model.arch;
        let report = &run.last.test.report;
        let mut summary = Summary::without_epochs(&run.config, arch, data, run.status.clone());
        summary.model.input_standardization = Some(arch.input_standardization);
        summary.threads = Some(run.last.threads);
        summary.epochs = run.history.clone();
        summary.best_epoch = run.best_epoch().map(|e| e.epoch);
        summary.test = Some(TestMetrics {
            epoch: run.last.report.epoch,
            accuracy: report.accuracy,
            loss: run.last.test.loss,
            confusion_orientation: ORIENTATION.into(),
            confusion_matrix: report.confusion.counts.clone(),
            per_class: report.per_class.clone(),
            macro_avg: report.macro_avg,
            weighted_avg: report.weighted_avg,
            precision_note: "precision of a class that was never predicted is reported as 0".into(),
        });
        summary.diagnostics = Some(run.last.diagnostics.clone());
        summary.timings = Timings {
            train_seconds: run.train_seconds,
            mean_epoch_seconds: run.train_seconds / run.history.len().max(1) as f64,
            wall_seconds: run.wall_seconds,
        };
        summary
    }

    /// The record of a run with no finished epoch (a run that failed before its first one).
    pub fn without_epochs(config: &TrainConfig, arch: &Architecture, data: DataInfo, status: RunStatus) -> Summary {
        let init = arch
            .layer_shapes()
            .iter()
            .map(|(_, _, act)| match act.map_or(crate::model::Init::Glorot, |a| a.init()) {
                crate::model::Init::He => "he-uniform".to_string(),
                crate::model::Init::Glorot => "glorot-uniform".to_string(),
            })
            .collect();
        let val = crate::train::config::validation_len(data.train_images, config.val_split);
        Summary {
            format_version: FORMAT_VERSION,
            program: Program::this(),
            created: now(),
            status,
            config: config.clone(),
            model: ModelInfo {
                architecture: arch.to_string(),
                parameters: arch.param_count(),
                init,
                // Known once a model exists (Summary::new).
                input_standardization: None,
            },
            data,
            validation_images: val,
            threads: Some(crate::threads::get()),
            epochs: Vec::new(),
            best_epoch: None,
            test: None,
            timings: Timings { train_seconds: 0.0, mean_epoch_seconds: 0.0, wall_seconds: 0.0 },
            diagnostics: None,
        }
    }

    /// Checks what serde cannot: shapes and sizes agree with each other and with the class count, so
    /// no reader indexes out of bounds or allocates by a damaged number. The error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.format_version > FORMAT_VERSION {
            return Err(format!(
                "format_version: {} is newer than this digitlab reads (up to {FORMAT_VERSION}); update digitlab",
                self.format_version
            ));
        }
        let k = self.data.classes;
        if !(1..=MAX_CLASSES).contains(&k) {
            return Err(format!("data.classes: {k} is outside 1..={MAX_CLASSES}"));
        }
        if self.epochs.len() > self.config.epochs.max(1) {
            return Err(format!("epochs: {} entries for a run of {} epoch(s)", self.epochs.len(), self.config.epochs));
        }
        for (i, e) in self.epochs.iter().enumerate() {
            if e.epoch != i + 1 {
                return Err(format!("epochs[{i}].epoch: {} where {} was expected", e.epoch, i + 1));
            }
        }
        let Some(t) = &self.test else {
            if !self.epochs.is_empty() {
                return Err("test: missing, although epochs were recorded".into());
            }
            return Ok(());
        };
        if t.confusion_matrix.len() != k {
            return Err(format!("test.confusion_matrix: {} rows, expected {k} (one per class)", t.confusion_matrix.len()));
        }
        if let Some((p, row)) = t.confusion_matrix.iter().enumerate().find(|(_, r)| r.len() != k) {
            return Err(format!("test.confusion_matrix: row {p} has {} entries, expected {k}", row.len()));
        }
        let total = t.confusion_matrix.iter().flatten().try_fold(0u64, |s, &v| s.checked_add(v));
        if total != Some(self.data.test_images as u64) {
            return Err(format!(
                "test.confusion_matrix: counts add up to {}, but the run tested {} images",
                total.map_or("more than 2^64".to_string(), |t| t.to_string()),
                self.data.test_images
            ));
        }
        if t.per_class.len() != k {
            return Err(format!("test.per_class: {} entries, expected {k}", t.per_class.len()));
        }
        if !(0.0..=1.0).contains(&t.accuracy) {
            return Err(format!("test.accuracy: {} is not a share between 0 and 1", t.accuracy));
        }
        if t.epoch != self.epochs.len() && !self.epochs.iter().any(|e| e.epoch == t.epoch) {
            return Err(format!("test.epoch: {} is not one of the {} recorded epochs", t.epoch, self.epochs.len()));
        }
        Ok(())
    }

    /// Test accuracy of the last finished epoch, if any.
    pub fn accuracy(&self) -> Option<f64> {
        self.test.as_ref().map(|t| t.accuracy)
    }

    /// Macro-averaged F1 of the last finished epoch, if any.
    pub fn macro_f1(&self) -> Option<f64> {
        self.test.as_ref().map(|t| t.macro_avg.f1)
    }
}

pub use crate::model::MAX_CLASSES;

impl Program {
    pub fn this() -> Program {
        Program { name: "digitlab".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
