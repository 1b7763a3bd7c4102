//! `summary.json`: the machine-readable record of a run (also what the Runs view and `compare` read).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::{DataFile, Mnist};
use crate::metrics::{Averages, ClassMetrics, ConfusionMatrix, ORIENTATION};
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub program: Program,
    pub created: String,
    #[serde(flatten)]
    pub status: RunStatus,
    pub config: TrainConfig,
    pub model: ModelInfo,
    pub data: DataInfo,
    pub validation_images: usize,
    pub epochs: Vec<EpochReport>,
    pub best_epoch: Option<usize>,
    pub test: TestMetrics,
    pub timings: Timings,
    /// Plain-words findings (overfitting, dead/saturated units, plateau); absent in older files.
    #[serde(default)]
    pub diagnostics: Option<crate::metrics::diagnostics::Diagnostics>,
}

impl Summary {
    pub fn new(run: &RunResult, data: DataInfo) -> Summary {
        let arch = &run.last.model.arch;
        let report = &run.last.test.report;
        let init = arch
            .layer_shapes()
            .iter()
            .map(|(_, _, act)| match act.map_or(crate::model::Init::Glorot, |a| a.init()) {
                crate::model::Init::He => "he-uniform".to_string(),
                crate::model::Init::Glorot => "glorot-uniform".to_string(),
            })
            .collect();
        let val = (data.train_images as f64 * run.config.val_split).round() as usize;
        Summary {
            program: Program { name: "digitlab".into(), version: env!("CARGO_PKG_VERSION").into() },
            created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            status: run.status.clone(),
            config: run.config.clone(),
            model: ModelInfo { architecture: arch.to_string(), parameters: arch.param_count(), init },
            data,
            validation_images: val,
            epochs: run.history.clone(),
            best_epoch: run.best_epoch().map(|e| e.epoch),
            test: TestMetrics {
                epoch: run.last.report.epoch,
                accuracy: report.accuracy,
                loss: run.last.test.loss,
                confusion_orientation: ORIENTATION.into(),
                confusion_matrix: report.confusion.counts.clone(),
                per_class: report.per_class.clone(),
                macro_avg: report.macro_avg,
                weighted_avg: report.weighted_avg,
                precision_note: "precision of a class that was never predicted is reported as 0".into(),
            },
            timings: Timings {
                train_seconds: run.train_seconds,
                mean_epoch_seconds: run.train_seconds / run.history.len().max(1) as f64,
                wall_seconds: run.wall_seconds,
            },
            diagnostics: None,
        }
    }
}
