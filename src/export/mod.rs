//! Run directories: every file a lab report needs, written atomically from a finished (or
//! in-progress) run. Pure formatting lives in the submodules; this module only writes.

pub mod atomic;
pub mod images;
pub mod report;
pub mod summary;
pub mod tables;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use atomic::write_atomic;
pub use summary::{DataInfo, Summary};

use crate::data::Mnist;
use crate::model::{io as model_io, Architecture};
use crate::train::RunResult;

/// File name of the saved model inside a run directory.
pub const MODEL_FILE: &str = "model.safetensors";

/// `runs/<YYYYmmdd-HHMMSS>-<architecture>` under the current directory.
/// A directory's last component (which names a run or a sweep), or the whole path when it has none.
pub fn dir_name(dir: &Path) -> String {
    dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned())
}

pub fn default_run_dir(arch: &Architecture) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    PathBuf::from("runs").join(format!("{stamp}-{}", arch.slug()))
}

/// Writes what a run has so far (summary.json and epochs.csv), cheap enough to do after every epoch so
/// that a killed run still leaves its finished epochs behind.
pub fn write_progress(dir: &Path, run: &RunResult, data: &Mnist) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create run directory", dir.display()))?;
    write_atomic(&dir.join("epochs.csv"), tables::epochs_csv(&run.history).as_bytes())?;
    write_atomic(&dir.join(MODEL_FILE), &model_io::to_bytes(&run.last.model)?)?;
    write_atomic(&dir.join("summary.json"), &serde_json::to_vec_pretty(&Summary::new(run, DataInfo::of(data)))?)
}

/// Writes the whole run directory and returns the files written. The directory is created if needed;
/// each file appears complete or not at all.
pub fn write_run_dir(dir: &Path, run: &RunResult, data: &Mnist) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir.join("weights")).with_context(|| format!("{}: cannot create run directory", dir.display()))?;
    let mut summary = Summary::new(run, DataInfo::of(data));
    summary.diagnostics = Some(crate::train::eval::diagnostics(&run.last.model, &data.test, &run.history));
    let eval = &run.last.test;
    let model = &run.last.model;
    let (rows, cols) = (data.train.rows, data.train.cols);
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("epochs.csv".into(), tables::epochs_csv(&run.history).into_bytes()),
        ("predictions.csv".into(), tables::predictions_csv(&data.test.labels, &eval.predicted).into_bytes()),
        ("confusion.csv".into(), tables::confusion_csv(&eval.report.confusion).into_bytes()),
        ("report.md".into(), report::report_md(&summary, &eval.report.confusion.top_confusions(10)).into_bytes()),
        ("weights-grid.png".into(), images::png_bytes(&images::weights_grid(model, rows, cols))?),
        (MODEL_FILE.into(), model_io::to_bytes(model)?),
    ];
    for (j, unit) in images::unit_images(model, rows, cols).iter().enumerate() {
        let img = unit.upscale(images::UNIT_SCALE);
        files.push((PathBuf::from("weights").join(format!("neuron-{j:03}.png")), images::png_bytes(&img)?));
    }
    // Last, so a directory with a summary.json is a complete one.
    files.push(("summary.json".into(), serde_json::to_vec_pretty(&summary)?));
    let mut written = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}
