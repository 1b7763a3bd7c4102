//! Running a model over a whole dataset without gradients.

use super::events::Evaluation;
use crate::data::Dataset;
use crate::metrics::ClassificationReport;
use crate::model::backprop::loss_and_correct;
use crate::model::inked::FirstLayer;
use crate::model::Mlp;
use super::neurons::{Accumulator, NeuronAnalysis};

/// Images per forward pass: large enough for efficient matmuls, small enough to bound memory.
pub const EVAL_CHUNK: usize = 2000;

/// Mean loss, accuracy and predictions over `indices` of `data` (all of it when `None`).
pub fn loss_accuracy(mlp: &Mlp, data: &Dataset, indices: Option<&[usize]>) -> (f64, f64, Vec<u8>) {
    pass(mlp, data, indices, None)
}

/// [`loss_accuracy`], also feeding the first layer's outputs to `neurons` when given (computed once
/// for both: the first layer is most of a small network's work).
fn pass(mlp: &Mlp, data: &Dataset, indices: Option<&[usize]>, mut neurons: Option<&mut Accumulator>) -> (f64, f64, Vec<u8>) {
    let n = indices.map_or(data.len(), |i| i.len());
    let mut labels = Vec::with_capacity(EVAL_CHUNK);
    let mut total_loss = 0.0;
    let mut correct = 0;
    let mut predicted = Vec::with_capacity(n);
    let mut gathered = Vec::new();
    // Prepared once for the pass: a whole set from its ink index (found once per set, and kept);
    // a selection (validation images) judged on the first chunk's worth of the set's images.
    let first_layer = match indices {
        None => FirstLayer::for_set(mlp, data),
        Some(_) => FirstLayer::new(mlp, &data.images()[..(EVAL_CHUNK * data.pixels()).min(data.images().len())]),
    };
    for start in (0..n).step_by(EVAL_CHUNK) {
        let end = (start + EVAL_CHUNK).min(n);
        labels.clear();
        let first = match indices {
            None => {
                labels.extend_from_slice(&data.labels[start..end]);
                first_layer.outputs_of_set(data, start..end)
            }
            Some(ix) => {
                gathered.clear();
                for &i in &ix[start..end] {
                    gathered.extend_from_slice(data.image(i));
                    labels.push(data.labels[i]);
                }
                first_layer.outputs(&gathered)
            }
        };
        if let Some(acc) = neurons.as_deref_mut() {
            acc.add(&first, &labels, start);
        }
        let logits = mlp.forward_from(1, first);
        let (loss, c, p) = loss_and_correct(&mlp.arch, &logits, &labels);
        total_loss += loss;
        correct += c;
        predicted.extend(p);
    }
    (total_loss / n.max(1) as f64, correct as f64 / n.max(1) as f64, predicted)
}

/// The full test-set evaluation: loss, predictions, confusion matrix and per-class metrics.
pub fn evaluate(mlp: &Mlp, test: &Dataset) -> Evaluation {
    let (loss, _, predicted) = loss_accuracy(mlp, test, None);
    let report = ClassificationReport::new(mlp.arch.classes, &test.labels, &predicted);
    Evaluation { loss, predicted, report }
}

/// [`evaluate`] and the analysis of the first layer's units, in one pass over the test set.
pub fn evaluate_with_neurons(mlp: &Mlp, test: &Dataset) -> (Evaluation, NeuronAnalysis) {
    let mut acc = Accumulator::new(mlp.first_layer_units(), mlp.arch.classes);
    let (loss, _, predicted) = pass(mlp, test, None, Some(&mut acc));
    let report = ClassificationReport::new(mlp.arch.classes, &test.labels, &predicted);
    (Evaluation { loss, predicted, report }, acc.finish(mlp))
}

/// Test images probed for dead or saturated units.
pub const PROBE_IMAGES: usize = 1000;

/// Beginner diagnostics of a model after `history`, probing its first layer on the first test images.
pub fn diagnostics(mlp: &Mlp, test: &Dataset, history: &[super::EpochReport]) -> crate::train::diagnostics::Diagnostics {
    use crate::train::diagnostics::{diagnose, unit_health};
    let n = PROBE_IMAGES.min(test.len());
    let mut x = Vec::new();
    mlp.inputs(&test.images()[..n * test.pixels()], &mut x);
    let units = mlp.first_hidden_outputs(x).and_then(|out| {
        let act = mlp.activation(0)?;
        unit_health(act, &out, mlp.first_layer_units())
    });
    diagnose(history, mlp.arch.classes, units)
}
