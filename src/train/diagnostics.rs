//! Plain-words diagnostics for beginners: overfitting, dead or saturated first-layer units, a loss
//! that plateaus early or diverges. Pure functions of the history and of first-layer outputs.

use serde::{Deserialize, Serialize};

use crate::model::Activation;
use crate::train::EpochReport;

/// Train–test accuracy gap (points) above which we speak of overfitting.
pub const OVERFIT_GAP_POINTS: f64 = 2.0;
/// Training accuracy a network must reach before a gap to test accuracy is called overfitting.
pub const OVERFIT_MIN_TRAIN_ACCURACY: f64 = 0.9;
/// A mean cross-entropy above this (a random guess over 10 classes is 2.3) means the weights blew up.
pub const EXPLODED_LOSS: f64 = 100.0;
/// A unit is saturated when at least this share of inputs drives it to within 0.05 of a bound.
pub const SATURATED_SHARE: f64 = 0.95;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitHealth {
    /// "dead" (ReLU never active) or "saturated" (sigmoid/tanh pinned at its bounds).
    pub kind: String,
    pub count: usize,
    pub total: usize,
    /// How many test images the units were probed with.
    pub probed_images: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Last epoch's train accuracy minus test accuracy, in points.
    pub train_test_gap_points: f64,
    pub units: Option<UnitHealth>,
    /// One plain sentence per finding.
    pub notes: Vec<String>,
}

/// Counts first-layer units that are dead (ReLU: output never > 0) or saturated (sigmoid/tanh: near
/// a bound on ≥ 95 % of inputs). `outputs` is `images x units`, row-major. Other activations: None.
pub fn unit_health(activation: Activation, outputs: &[f32], units: usize) -> Option<UnitHealth> {
    let images = outputs.len() / units.max(1);
    let (kind, bad): (&str, Box<dyn Fn(f32) -> bool>) = match activation {
        Activation::Relu => ("dead", Box::new(|a| a <= 0.0)),
        Activation::Sigmoid => ("saturated", Box::new(|a| !(0.05..=0.95).contains(&a))),
        Activation::Tanh => ("saturated", Box::new(|a: f32| a.abs() >= 0.95)),
        _ => return None,
    };
    let need = if kind == "dead" { images } else { (images as f64 * SATURATED_SHARE).ceil() as usize };
    let count = (0..units)
        .filter(|&u| (0..images).filter(|&i| bad(outputs[i * units + u])).count() >= need.max(1))
        .count();
    Some(UnitHealth { kind: kind.into(), count, total: units, probed_images: images })
}

/// Findings from the history (and unit health, when measured).
pub fn diagnose(history: &[EpochReport], classes: usize, units: Option<UnitHealth>) -> Diagnostics {
    let mut notes = Vec::new();
    let Some(last) = history.last() else { return Diagnostics::default() };
    let gap = (last.train_accuracy - last.test_accuracy) * 100.0;
    // Memorising needs a network that fits its training set; a gap at low training accuracy is noise
    // (or divergence, said below).
    if gap > OVERFIT_GAP_POINTS && last.train_accuracy >= OVERFIT_MIN_TRAIN_ACCURACY {
        notes.push(format!(
            "Training accuracy is {gap:.1} points above test accuracy: the network is starting to memorise the training set (overfitting). Fewer neurons or epochs, or a validation split to pick the best epoch, will generalise better."
        ));
    }
    let chance = 1.0 / classes.max(1) as f64;
    if last.train_loss.is_nan() || last.train_loss >= EXPLODED_LOSS {
        notes.push(format!(
            "The training loss reached {:.3e}, far above the {:.2} of a random guess: the weights are blowing up (diverging). Lower the learning rate about 10×.",
            last.train_loss,
            (classes.max(2) as f64).ln()
        ));
    } else if last.test_accuracy < chance + 0.05 {
        notes.push(format!(
            "Test accuracy {:.1} % is near chance ({:.0} %): the network is not learning. The learning rate is probably too high (try 10× lower) — or, with SGD and sigmoid, far too low.",
            last.test_accuracy * 100.0,
            chance * 100.0
        ));
    } else if history.len() >= 2 && last.train_loss > history[0].train_loss * 1.05 {
        notes.push("The training loss rose over the epochs instead of falling: training is diverging; lower the learning rate.".into());
    } else if history.len() >= 3 {
        let n = history.len();
        let rel = |a: f64, b: f64| (a - b) / a.max(1e-12);
        let stalled = rel(history[n - 3].train_loss, history[n - 2].train_loss) < 0.01
            && rel(history[n - 2].train_loss, history[n - 1].train_loss) < 0.01;
        if stalled && last.test_accuracy < 0.97 {
            notes.push(format!(
                "The training loss stopped improving (under 1 % per epoch for the last two epochs) at {:.1} % test accuracy: try a larger learning rate, Adam, or more neurons.",
                last.test_accuracy * 100.0
            ));
        }
    }
    if let Some(u) = &units {
        let share = u.count as f64 / u.total.max(1) as f64;
        if share >= 0.10 {
            notes.push(if u.kind == "dead" {
                format!("{} of {} first-layer ReLU units ({:.0} %) never fire on {} test images: they are dead and learn nothing. A lower learning rate or leaky-relu avoids this.", u.count, u.total, share * 100.0, u.probed_images)
            } else {
                format!("{} of {} first-layer units ({:.0} %) are saturated (stuck near their bounds) on {} test images, so their gradients vanish. A lower learning rate or ReLU helps.", u.count, u.total, share * 100.0, u.probed_images)
            });
        }
    }
    Diagnostics { train_test_gap_points: gap, units, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(n: usize, train_loss: f64, train_acc: f64, test_acc: f64) -> EpochReport {
        EpochReport {
            epoch: n,
            train_loss,
            train_accuracy: train_acc,
            val_loss: None,
            val_accuracy: None,
            test_loss: 0.1,
            test_accuracy: test_acc,
            train_seconds: 1.0,
            eval_seconds: 0.1,
        }
    }

    #[test]
    fn overfitting_gap_is_explained() {
        let d = diagnose(&[epoch(1, 0.3, 0.99, 0.95)], 10, None);
        assert!((d.train_test_gap_points - 4.0).abs() < 1e-9);
        assert!(d.notes[0].contains("overfitting"));
        assert!(diagnose(&[epoch(1, 0.3, 0.96, 0.955)], 10, None).notes.is_empty());
        // A weak network's gap is not memorisation.
        assert!(diagnose(&[epoch(1, 0.9, 0.80, 0.75)], 10, None).notes.is_empty());
    }

    #[test]
    fn an_exploded_loss_is_called_divergence_not_overfitting() {
        // As measured: SGD lr 0.1 momentum 0.9 on a linear hidden layer, the epoch before it turned NaN.
        let d = diagnose(&[epoch(1, 4.2e19, 0.6501, 0.5709)], 10, None);
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert!(d.notes[0].contains("diverging") && d.notes[0].contains("Lower the learning rate"), "{:?}", d.notes);
        assert!(diagnose(&[epoch(1, f64::NAN, 0.1, 0.1)], 10, None).notes[0].contains("diverging"));
    }

    #[test]
    fn chance_level_and_plateau_are_noted() {
        assert!(diagnose(&[epoch(1, 2.3, 0.1, 0.11)], 10, None).notes[0].contains("near chance"));
        let h = [epoch(1, 0.5, 0.9, 0.9), epoch(2, 0.499, 0.9, 0.9), epoch(3, 0.498, 0.9, 0.9)];
        assert!(diagnose(&h, 10, None).notes[0].contains("stopped improving"));
    }

    #[test]
    fn dead_and_saturated_units_are_counted() {
        // 3 images x 2 units: unit 0 never fires, unit 1 fires once.
        let h = unit_health(Activation::Relu, &[0.0, 0.0, -0.0, 0.5, 0.0, 0.0], 2).unwrap();
        assert_eq!((h.kind.as_str(), h.count, h.total), ("dead", 1, 2));
        let s = unit_health(Activation::Sigmoid, &[0.99, 0.5, 0.01, 0.5], 2).unwrap();
        assert_eq!((s.kind.as_str(), s.count), ("saturated", 1));
        assert!(unit_health(Activation::Gelu, &[0.0; 4], 2).is_none());
        let d = diagnose(&[epoch(1, 0.3, 0.95, 0.95)], 10, Some(h));
        assert!(d.notes.iter().any(|n| n.contains("never fire")));
    }
}
