//! The network's head: the output layer's function, which turns the last layer's values `z` into the
//! network's answer, and the loss training minimises against one-hot targets. The lab asks for softmax
//! outputs "but experiment with different options"; each choice here is one such option.
//!
//! Losses are per example, summed over classes and averaged over the batch:
//! - softmax + cross-entropy: `-ln p_label` (p = softmax z);
//! - sigmoid + cross-entropy: per-class binary cross-entropy `-Σ_j [y_j ln s_j + (1 - y_j) ln (1 - s_j)]`;
//! - any output + mse: `Σ_j (o_j - y_j)²` (o the outputs, y one-hot).
//!
//! Identity outputs with cross-entropy are refused: unbounded scores are not probabilities.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Output {
    /// Probabilities that sum to 1.
    #[default]
    Softmax,
    /// One independent probability per class.
    Sigmoid,
    /// The raw scores.
    Identity,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Loss {
    /// Categorical cross-entropy with softmax, per-class binary cross-entropy with sigmoid.
    #[default]
    CrossEntropy,
    /// Squared error against one-hot targets.
    Mse,
}

impl Output {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn cycle(self, forward: bool) -> Output {
        crate::enums::cycle(self, forward)
    }

    /// Whether the outputs are probabilities (shown as per cent).
    pub fn is_probability(self) -> bool {
        self != Output::Identity
    }

    /// Turns one row of last-layer values into the outputs, in place.
    pub fn apply(self, row: &mut [f32]) {
        match self {
            Output::Softmax => {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0;
                for v in row.iter_mut() {
                    *v = (*v - max).exp();
                    sum += *v;
                }
                row.iter_mut().for_each(|v| *v /= sum);
            }
            Output::Sigmoid => row.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Output::Identity => {}
        }
    }
}

impl Loss {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn cycle(self, forward: bool) -> Loss {
        crate::enums::cycle(self, forward)
    }
}

/// Refuses a head that makes no sense, saying why.
pub fn check(output: Output, loss: Loss) -> Result<(), String> {
    match (output, loss) {
        (Output::Identity, Loss::CrossEntropy) => Err(
            "cross-entropy needs outputs that are probabilities, and identity outputs are unbounded scores: use the mse loss, or softmax or sigmoid outputs"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// Logistic function, without overflow for large |z|.
fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The loss of one row of last-layer values `row` against `label`; `row` becomes dL/dz × `scale`
/// (`scale` = 1 / batch size for the gradient of a mean loss).
pub fn loss_grad(output: Output, loss: Loss, row: &mut [f32], label: usize, scale: f32) -> f32 {
    let target = |j: usize| if j == label { 1.0 } else { 0.0 };
    match (output, loss) {
        (Output::Softmax, Loss::CrossEntropy) => {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let shifted = row[label] - max;
            let mut sum = 0.0;
            for v in row.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            // log-sum-exp form: finite for any finite values, even when the target's probability underflows.
            let value = sum.ln() - shifted;
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v / sum - target(j)) * scale;
            }
            value
        }
        (Output::Sigmoid, Loss::CrossEntropy) => {
            let mut value = 0.0;
            for (j, v) in row.iter_mut().enumerate() {
                let (z, y) = (*v, target(j));
                // softplus(z) - y·z, written to stay finite for large |z|.
                value += z.max(0.0) - y * z + (-z.abs()).exp().ln_1p();
                *v = (sigmoid(z) - y) * scale;
            }
            value
        }
        (Output::Softmax, Loss::Mse) => {
            output.apply(row);
            let mut value = 0.0;
            // dL/dp = 2 (p - y); through softmax's Jacobian: dL/dz_j = p_j (g_j - Σ_k p_k g_k).
            let dot: f32 = row.iter().enumerate().map(|(j, &p)| p * 2.0 * (p - target(j))).sum();
            for (j, v) in row.iter_mut().enumerate() {
                let (p, e) = (*v, *v - target(j));
                value += e * e;
                *v = p * (2.0 * e - dot) * scale;
            }
            value
        }
        (Output::Sigmoid, Loss::Mse) => {
            let mut value = 0.0;
            for (j, v) in row.iter_mut().enumerate() {
                let s = sigmoid(*v);
                let e = s - target(j);
                value += e * e;
                *v = 2.0 * e * s * (1.0 - s) * scale;
            }
            value
        }
        (Output::Identity, Loss::Mse) => {
            let mut value = 0.0;
            for (j, v) in row.iter_mut().enumerate() {
                let e = *v - target(j);
                value += e * e;
                *v = 2.0 * e * scale;
            }
            value
        }
        // Refused by `check` before any training; as a value, the squared error keeps evaluation defined.
        (Output::Identity, Loss::CrossEntropy) => loss_grad(output, Loss::Mse, row, label, scale),
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Output {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "linear" | "none" => return Ok(Output::Identity),
            "logistic" => return Ok(Output::Sigmoid),
            _ => {}
        }
        Output::iter().find(|o| o.name() == s).ok_or_else(|| {
            format!("unknown output '{s}' (expected one of: {})", Output::iter().map(Output::name).collect::<Vec<_>>().join(", "))
        })
    }
}

impl FromStr for Loss {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        match s.as_str() {
            "cross-entropy" | "crossentropy" | "xent" | "ce" => Ok(Loss::CrossEntropy),
            "mse" | "squared-error" | "l2" => Ok(Loss::Mse),
            _ => Err(format!("unknown loss '{s}' (expected one of: {})", Loss::iter().map(Loss::name).collect::<Vec<_>>().join(", "))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every accepted head's gradient against central differences of its own loss, on a row of values
    /// spread on both sides of zero.
    #[test]
    fn gradients_match_finite_differences_for_every_head() {
        let z0: Vec<f32> = (0..10).map(|j| (j as f32 - 4.5) * 0.37).collect();
        for output in Output::iter() {
            for loss in Loss::iter().filter(|&l| check(output, l).is_ok()) {
                let mut g = z0.clone();
                loss_grad(output, loss, &mut g, 3, 1.0);
                for j in 0..10 {
                    let h = 1e-2;
                    let at = |d: f32| {
                        let mut r = z0.clone();
                        r[j] += d;
                        loss_grad(output, loss, &mut r, 3, 1.0) as f64
                    };
                    let numeric = (at(h) - at(-h)) / (2.0 * h as f64);
                    assert!((g[j] as f64 - numeric).abs() < 2e-3, "{output}+{loss} at {j}: {} vs {numeric}", g[j]);
                }
            }
        }
    }

    #[test]
    fn losses_of_known_rows() {
        // Equal values: softmax cross-entropy is ln 10; squared error of softmax is 0.9² + 9 × 0.1².
        let mut row = vec![0.5f32; 10];
        assert!((loss_grad(Output::Softmax, Loss::CrossEntropy, &mut row, 3, 1.0) - 10f32.ln()).abs() < 1e-6);
        let mut row = vec![0.5f32; 10];
        assert!((loss_grad(Output::Softmax, Loss::Mse, &mut row, 3, 1.0) - 0.9).abs() < 1e-6);
        // Zeros through a sigmoid are 0.5 everywhere: binary cross-entropy 10 ln 2, squared error 2.5.
        let mut row = vec![0.0f32; 10];
        assert!((loss_grad(Output::Sigmoid, Loss::CrossEntropy, &mut row, 0, 1.0) - 10.0 * 2f32.ln()).abs() < 1e-5);
        let mut row = vec![0.0f32; 10];
        assert!((loss_grad(Output::Sigmoid, Loss::Mse, &mut row, 0, 1.0) - 2.5).abs() < 1e-6);
        // Huge values stay finite.
        let mut row = vec![-200.0f32; 10];
        row[1] = 200.0;
        assert!(loss_grad(Output::Sigmoid, Loss::CrossEntropy, &mut row, 0, 1.0).is_finite());
    }

    #[test]
    fn cross_entropy_on_identity_outputs_is_refused_with_the_reason() {
        let err = check(Output::Identity, Loss::CrossEntropy).unwrap_err();
        assert!(err.contains("not probabilities") || err.contains("unbounded"), "{err}");
        assert_eq!(Output::iter().flat_map(|o| Loss::iter().map(move |l| (o, l))).filter(|&(o, l)| check(o, l).is_ok()).count(), 5);
    }

    #[test]
    fn names_round_trip() {
        for o in Output::iter() {
            assert_eq!(o.name().parse::<Output>().unwrap(), o);
        }
        for l in Loss::iter() {
            assert_eq!(l.name().parse::<Loss>().unwrap(), l);
        }
        assert!("hinge".parse::<Loss>().unwrap_err().contains("cross-entropy, mse"));
    }
}
