//! The report bundle of a run directory: `report.md` and the figures it embeds (curves, confusion
//! heatmap, misclassified digits). Made from memory when a run ends, or rebuilt from what a run
//! directory holds (`digitlab report`, the dashboard's `b`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{commit, read_bounded, read_summary, Summary, CONFUSION_PNG, CURVES_PNG, MISCLASSIFIED_PNG, MODEL, NEURONS_CSV, NEURONS_PNG, PREDICTIONS_CSV, REPORT_MD};
use crate::train::neurons::NeuronAnalysis;
use crate::data::Mnist;
use super::report_md::{report_md_with, Figure, Figures};
use crate::figures::{charts, confusion, misclassified};

/// report.md for `summary`, embedding the figures when they are written beside it.
pub(super) fn report_md(summary: &Summary, figures: Option<&Figures>, neurons: Option<&NeuronAnalysis>) -> String {
    let top = summary.test.as_ref().map(|t| t.confusion().top_confusions(10)).unwrap_or_default();
    report_md_with(summary, &top, figures.unwrap_or(&Figures::default()), neurons)
}

/// The title of a run's curves: the network and the training choices a reader compares runs by, and
/// how the run ended when it did not complete (an interrupted run's curves stop early for a reason).
pub fn curves_title(summary: &Summary) -> String {
    let c = &summary.config;
    let ended = match &summary.status {
        crate::train::RunStatus::Completed => String::new(),
        s => format!(" · {} after {} of {}", s.name(), summary.epochs.len(), crate::console::count(c.epochs, "epoch")),
    };
    format!("{} · {} lr {} · batch {}{ended}", summary.model.architecture, c.optimizer, c.lr, c.batch_size)
}

/// The figure files of a run and their captions, from its summary and test predictions, and its
/// neurons' picture when the analysis and the model are at hand.
pub(super) fn figure_files(summary: &Summary, predicted: &[u8], data: &Mnist, neurons: Option<(&NeuronAnalysis, &[Vec<f32>])>) -> Result<(Vec<super::File>, Figures)> {
    let Some(test) = &summary.test else { bail!("the run has no finished epoch to draw") };
    let misses = misclassified::misses(&data.test.labels, predicted);
    let shown = misclassified::grouped_tiles(&misses).iter().flatten().count();
    let pairs = misclassified::by_pair(&misses).len();
    let mut files = vec![
        (CURVES_PNG.into(), charts::curves(&summary.epochs, &curves_title(summary)).png()?),
        (CONFUSION_PNG.into(), confusion::confusion_chart(&test.confusion()).png()?),
        (MISCLASSIFIED_PNG.into(), misclassified::misclassified_chart(&data.test, &misses).png()?),
    ];
    let figures = Figures {
        curves: Some(Figure { file: CURVES_PNG.into(), caption: "Loss and accuracy per epoch (train, validation when held out, test)".into() }),
        confusion: Some(Figure { file: CONFUSION_PNG.into(), caption: format!("Confusion matrix heatmap ({})", crate::metrics::ORIENTATION) }),
        misclassified: Some(Figure {
            file: MISCLASSIFIED_PNG.into(),
            caption: format!(
                "{shown} of {} misclassified test digits, a row for each of the {} most-confused pairs (of {pairs}), captioned true → predicted",
                misses.len(),
                pairs.min(misclassified::MAX_SHOWN / 10)
            ),
        }),
        neurons: None,
    };
    let mut figures = figures;
    if let Some((analysis, unit_weights)) = neurons {
        files.push((NEURONS_PNG.into(), crate::figures::neurons::neurons_chart(analysis, unit_weights, &data.test).png()?));
        figures.neurons = Some(Figure {
            file: NEURONS_PNG.into(),
            caption: "The clearest neurons: weights (blue < 0 < red), mean response per class, and the test digits that excite them most".into(),
        });
    }
    Ok((files, figures))
}

/// Rebuilds the report bundle of the run directory `dir` from what it holds, against the test set
/// of `data`, and returns the files written. The figures describe the run as its `summary.json`
/// does (a running run's report says so; its next save replaces them).
pub fn write_bundle(dir: &Path, data: &Mnist) -> Result<Vec<PathBuf>> {
    let summary = read_summary(dir)?;
    if summary.test.is_none() {
        bail!("{}: the run finished no epoch ({}), so there is nothing to draw", dir.display(), summary.status.name());
    }
    if (summary.data.image_rows, summary.data.image_cols) != (data.test.rows, data.test.cols) {
        bail!("{}: the run used {}x{} images but {} holds {}x{}", dir.display(), summary.data.image_rows,
            summary.data.image_cols, data.dir.display(), data.test.rows, data.test.cols);
    }
    let mlp = crate::model::io::load(&dir.join(MODEL))?;
    let neurons = NeuronAnalysis::of(&mlp, &data.test);
    let weights = mlp.first_layer_unit_weights();
    let (mut files, figures) = figure_files(&summary, &read_predictions(dir, data)?, data, Some((&neurons, &weights)))?;
    // Derived from the saved model, like the figures: what an older run directory lacks, or the same again.
    files.push((NEURONS_CSV.into(), crate::export::tables::neurons_csv(&neurons).into_bytes()));
    // The run's own grid is kept; a directory without one (an older format) gets it drawn.
    let shape = (data.test.rows, data.test.cols);
    let gray = || super::tiles_of(&weights, shape, super::Shading::Gray).into();
    files.extend(super::grid_files(weights.len(), gray, &neurons, super::Shading::Gray, png::Compression::Balanced, |p| !dir.join(p).is_file())?);
    files.push((REPORT_MD.into(), report_md(&summary, Some(&figures), Some(&neurons)).into_bytes()));
    commit(dir, files, &[])
}

/// Each test image's predicted class, from `predictions.csv`, checked against the data's labels so a
/// report never pairs a run with another test set. A run directory without `predictions.csv` (an
/// older format) has its saved model evaluated instead.
pub fn read_predictions(dir: &Path, data: &Mnist) -> Result<Vec<u8>> {
    let path = dir.join(PREDICTIONS_CSV);
    if !path.is_file() {
        let mlp = crate::model::io::load(&dir.join(MODEL))?;
        return Ok(crate::train::eval::evaluate(&mlp, &data.test).predicted);
    }
    // "index,label,predicted\n" is at most 20 bytes a line.
    let limit = 64 + 20 * data.test.len() as u64;
    let bytes = read_bounded(&path, limit, "predictions file")?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[..]);
    let mut predicted = Vec::with_capacity(data.test.len());
    for (n, row) in reader.deserialize::<(usize, usize, usize)>().enumerate() {
        let line = n + 2;
        let (index, label, pred) = row.with_context(|| format!("{}: line {line}: expected index,label,predicted", path.display()))?;
        if index != predicted.len() || index >= data.test.len() || pred >= data.classes {
            bail!("{}: line {line}: index {index} or class {pred} does not fit the test set of {}", path.display(), data.dir.display());
        }
        if data.test.labels[index] as usize != label {
            bail!("{}: test image {index} is labelled {label} here but {} in {}: pass --data with the run's data directory",
                path.display(), data.test.labels[index], data.dir.display());
        }
        predicted.push(pred as u8);
    }
    if predicted.len() != data.test.len() {
        bail!("{}: {} predictions for {} test images in {}", path.display(), predicted.len(), data.test.len(), data.dir.display());
    }
    Ok(predicted)
}
