//! The multi-layer perceptron: an architecture chosen at run time, stored as dfdx tensors.

pub mod activation;
pub mod backprop;
pub mod bands;
pub mod head;
pub mod inked;
pub mod io;
pub mod matmul;
pub mod reference;

use std::fmt;

use dfdx::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use activation::{Activation, Init};
pub use head::{Loss, Output};

pub const MAX_HIDDEN_LAYERS: usize = 8;
pub const MAX_NEURONS: usize = 4096;
/// Classes a model (and a run record) may have: IDX labels are bytes.
pub const MAX_CLASSES: usize = 256;

/// A 2-D runtime-shaped tensor on the CPU.
pub type Matrix = Tensor<(usize, usize), f32, Cpu>;
/// A 1-D runtime-shaped tensor on the CPU.
pub type Vector = Tensor<(usize,), f32, Cpu>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenLayer {
    pub neurons: usize,
    pub activation: Activation,
}

/// `input → hidden… → classes (output function)`, and the loss it is trained with (evaluation reports
/// the same loss, so it travels with the network).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    pub input: usize,
    pub hidden: Vec<HiddenLayer>,
    pub classes: usize,
    /// Absent from files written before the choice existed: those were softmax + cross-entropy.
    #[serde(default)]
    pub output: Output,
    #[serde(default)]
    pub loss: Loss,
    /// How pixels become inputs; measured on the training set a model is trained on. Absent from
    /// files written before it was measured: those used MNIST's figures, the default.
    #[serde(default)]
    pub input_standardization: Standardization,
}

impl Architecture {
    /// Hidden layers between `input` and `classes` with the default head (softmax, cross-entropy).
    pub fn new(input: usize, hidden: Vec<HiddenLayer>, classes: usize) -> Architecture {
        Architecture { input, hidden, classes, output: Output::default(), loss: Loss::default(), input_standardization: Standardization::default() }
    }

    /// Whether the head is the usual softmax with cross-entropy.
    pub fn has_default_head(&self) -> bool {
        (self.output, self.loss) == (Output::default(), Loss::default())
    }

    /// Checks the limits a form or flag must respect, naming the offending layer.
    pub fn validate(&self) -> Result<(), String> {
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(format!("at most {MAX_HIDDEN_LAYERS} hidden layers (got {})", self.hidden.len()));
        }
        for (i, l) in self.hidden.iter().enumerate() {
            if !(1..=MAX_NEURONS).contains(&l.neurons) {
                return Err(format!(
                    "hidden layer {}: neurons must be 1–{MAX_NEURONS} (got {})",
                    i + 1,
                    l.neurons
                ));
            }
        }
        if self.input == 0 || self.classes < 2 {
            return Err(format!("input {} and classes {} must be ≥ 1 and ≥ 2", self.input, self.classes));
        }
        head::check(self.output, self.loss)
    }

    /// `(fan_in, fan_out, activation)` of each dense layer; the output layer has no activation.
    pub fn layer_shapes(&self) -> Vec<(usize, usize, Option<Activation>)> {
        let mut out = Vec::new();
        let mut fan_in = self.input;
        for l in &self.hidden {
            out.push((fan_in, l.neurons, Some(l.activation)));
            fan_in = l.neurons;
        }
        out.push((fan_in, self.classes, None));
        out
    }

    pub fn param_count(&self) -> usize {
        self.layer_shapes().iter().map(|(i, o, _)| i * o + o).sum()
    }

    /// Short form for directory names: `128relu-64tanh`, `softmax` without hidden layers, and the head
    /// when it is not softmax + cross-entropy (`64sigmoid-sigmoid-mse`).
    pub fn slug(&self) -> String {
        let mut parts: Vec<String> = self.hidden.iter().map(|l| format!("{}{}", l.neurons, l.activation.name().replace('-', ""))).collect();
        if !self.has_default_head() {
            parts.push(format!("{}-{}", self.output, self.loss.name().replace("cross-entropy", "xent")));
        } else if parts.is_empty() {
            parts.push("softmax".into());
        }
        parts.join("-")
    }
}

impl fmt::Display for Architecture {
    /// `784 → 128 relu → 10 softmax`; the loss is named when it is not cross-entropy
    /// (`784 → 64 sigmoid → 10 sigmoid, mse`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.input)?;
        for l in &self.hidden {
            write!(f, " → {} {}", l.neurons, l.activation)?;
        }
        write!(f, " → {} {}", self.classes, self.output)?;
        if self.loss != Loss::default() {
            write!(f, ", {}", self.loss)?;
        }
        Ok(())
    }
}

/// One fully connected layer: `y = x · w + b`, `w` stored as `(fan_in, fan_out)`.
#[derive(Debug, Clone)]
pub struct Dense {
    pub w: Matrix,
    pub b: Vector,
}

impl Dense {
    pub fn fan_in(&self) -> usize {
        self.w.shape().0
    }
    pub fn fan_out(&self) -> usize {
        self.w.shape().1
    }
    /// The weights as a row-major `fan_in × fan_out` vector (one copy).
    pub fn weights(&self) -> Vec<f32> {
        let mut w = vec![0.0; self.fan_in() * self.fan_out()];
        self.w.copy_into(&mut w);
        w
    }
}

/// The network. Cloning is cheap (tensors share storage until written).
#[derive(Debug, Clone)]
pub struct Mlp {
    pub arch: Architecture,
    pub layers: Vec<Dense>,
    pub dev: Cpu,
}

impl Mlp {
    /// A freshly initialised network: weights uniform with the He or Glorot limit suited to the layer's
    /// activation (Glorot for the softmax output), biases zero. Same seed ⇒ same weights.
    pub fn new(arch: &Architecture, seed: u64) -> Mlp {
        let dev = Cpu::default();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let layers = arch
            .layer_shapes()
            .into_iter()
            .map(|(fan_in, fan_out, act)| {
                let init = act.map_or(Init::Glorot, Activation::init);
                let limit = match init {
                    Init::He => (6.0 / fan_in as f32).sqrt(),
                    Init::Glorot => (6.0 / (fan_in + fan_out) as f32).sqrt(),
                };
                let w: Vec<f32> = (0..fan_in * fan_out).map(|_| rng.gen_range(-limit..limit)).collect();
                Dense {
                    w: dev.tensor_from_vec(w, (fan_in, fan_out)),
                    b: dev.tensor_from_vec(vec![0.0; fan_out], (fan_out,)),
                }
            })
            .collect();
        Mlp { arch: arch.clone(), layers, dev }
    }

    /// The activation after layer `i` (None for the output layer).
    pub fn activation(&self, i: usize) -> Option<Activation> {
        self.arch.hidden.get(i).map(|l| l.activation)
    }

    /// The network's inputs for `pixels` (bytes of whole images), standardised as it was trained.
    pub fn inputs(&self, pixels: &[u8], out: &mut Vec<f32>) {
        self.arch.input_standardization.apply(pixels, out);
    }

    /// The outputs (after the output function: probabilities for softmax and sigmoid) for a batch.
    pub fn outputs(&self, x: Vec<f32>) -> Vec<f32> {
        let mut z = self.logits(x);
        z.chunks_exact_mut(self.arch.classes).for_each(|row| self.arch.output.apply(row));
        z
    }

    /// The last layer's values before the output function, for a batch of `x.len() / input` images
    /// given as standardised floats, row-major. No tape is built: inference needs no gradients.
    pub fn logits(&self, x: Vec<f32>) -> Vec<f32> {
        self.forward_from(0, x)
    }

    /// The last layer's values for a batch given as the inputs of layer `start` (`start` = 1: the
    /// first layer's outputs).
    pub fn forward_from(&self, start: usize, x: Vec<f32>) -> Vec<f32> {
        let fan_in = self.layers.get(start).map_or(self.arch.classes, Dense::fan_in);
        let rows = x.len() / fan_in.max(1);
        let mut a = x;
        for (i, layer) in self.layers.iter().enumerate().skip(start) {
            a = backprop::affine(&a, rows, &layer.weights(), &layer.b.as_vec());
            if let Some(act) = self.activation(i) {
                act.apply(&mut a);
            }
        }
        a
    }

    /// The incoming weights of first-layer unit `j` (one per input pixel). Without hidden layers these
    /// are the weights of output class `j`, which is just as telling a picture.
    pub fn first_layer_unit(&self, j: usize) -> Vec<f32> {
        let w = self.layers[0].weights();
        let (fan_in, fan_out) = *self.layers[0].w.shape();
        (0..fan_in).map(|i| w[i * fan_out + j]).collect()
    }

    /// Every first-layer unit's incoming weights, from one copy of the layer (`as_vec` walks a tensor
    /// index by index, and per unit that made exporting a 512-unit layer take seconds).
    pub fn first_layer_unit_weights(&self) -> Vec<Vec<f32>> {
        let w = self.layers[0].weights();
        let units = self.first_layer_units();
        (0..units).map(|j| w.iter().skip(j).step_by(units).copied().collect()).collect()
    }

    pub fn first_layer_units(&self) -> usize {
        self.layers[0].fan_out()
    }

    /// Outputs of the first hidden layer (after its activation) for a batch, `rows x units`;
    /// None without hidden layers.
    pub fn first_hidden_outputs(&self, x: Vec<f32>) -> Option<Vec<f32>> {
        self.activation(0).filter(|_| self.layers.len() > 1)?;
        Some(self.first_layer_outputs(x))
    }

    /// Outputs of the first layer for a batch, `rows x units`: after its activation for a hidden
    /// layer, before the output function for the output layer (no hidden layers).
    pub fn first_layer_outputs(&self, x: Vec<f32>) -> Vec<f32> {
        let rows = x.len() / self.arch.input;
        let mut z = backprop::affine(&x, rows, &self.layers[0].weights(), &self.layers[0].b.as_vec());
        if let Some(act) = self.activation(0) {
            act.apply(&mut z);
        }
        z
    }
}

/// How pixels (bytes) become the network's inputs: scaled to 0..1, then standardised with the mean and
/// standard deviation of the training set's pixels, which lets every optimizer converge noticeably
/// faster. Both are rounded to 4 decimals, the way MNIST's are usually quoted (0.1307, 0.3081): a
/// run on MNIST then gives exactly the numbers it gave when these were fixed constants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    pub mean: f32,
    pub std: f32,
}

impl Default for Standardization {
    /// MNIST's training set.
    fn default() -> Self {
        Standardization { mean: 0.1307, std: 0.3081 }
    }
}

impl Standardization {
    /// Measured on `pixels` (all the training images' bytes). A set whose pixels are all alike keeps
    /// a deviation of 1 (there is nothing to scale).
    pub fn of(pixels: &[u8]) -> Standardization {
        let n = pixels.len().max(1) as f64;
        // Exact integer sums: the same bytes give the same figures on every machine.
        let (sum, squares) = pixels.iter().fold((0u64, 0u64), |(s, q), &p| (s + p as u64, q + (p as u64) * (p as u64)));
        let mean = sum as f64 / n / 255.0;
        let var = (squares as f64 / n / (255.0 * 255.0) - mean * mean).max(0.0);
        let round = |x: f64| ((x * 1e4).round() / 1e4) as f32;
        let std = round(var.sqrt());
        Standardization { mean: round(mean), std: if std > 0.0 { std } else { 1.0 } }
    }

    /// Converts pixel bytes to inputs, into `out`.
    pub fn apply(&self, pixels: &[u8], out: &mut Vec<f32>) {
        let (scale, shift) = self.scale_shift();
        out.clear();
        out.extend(pixels.iter().map(|&p| p as f32 * scale - shift));
    }

    /// The input of pixel byte `p` is `p * scale - shift`.
    pub fn scale_shift(&self) -> (f32, f32) {
        (1.0 / (255.0 * self.std), self.mean / self.std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn arch(hidden: &[(usize, Activation)]) -> Architecture {
        Architecture::new(784, hidden.iter().map(|&(neurons, activation)| HiddenLayer { neurons, activation }).collect(), 10)
    }

    #[test]
    fn display_param_count_and_slug() {
        let a = arch(&[(128, Activation::Relu)]);
        assert_eq!(a.to_string(), "784 → 128 relu → 10 softmax");
        assert_eq!(a.param_count(), 784 * 128 + 128 + 128 * 10 + 10);
        assert_eq!(a.slug(), "128relu");
        assert_eq!(arch(&[]).slug(), "softmax");
        let mut sig = arch(&[(64, Activation::Sigmoid)]);
        (sig.output, sig.loss) = (Output::Sigmoid, Loss::Mse);
        assert_eq!(sig.to_string(), "784 → 64 sigmoid → 10 sigmoid, mse");
        assert_eq!(sig.slug(), "64sigmoid-sigmoid-mse");
        sig.hidden.clear();
        sig.loss = Loss::CrossEntropy;
        assert_eq!(sig.slug(), "sigmoid-xent");
    }

    #[test]
    fn files_from_before_the_head_was_a_choice_read_as_softmax_cross_entropy() {
        let old = r#"{"input":784,"hidden":[{"neurons":16,"activation":"relu"}],"classes":10}"#;
        let a: Architecture = serde_json::from_str(old).unwrap();
        assert_eq!(a, arch(&[(16, Activation::Relu)]));
        assert!(a.has_default_head());
    }

    #[test]
    fn standardization_is_measured_and_gives_mnists_figures_on_mnist() {
        let mnist = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        assert_eq!(Standardization::of(mnist.train.images()), Standardization::default());
        // Another data set gets its own figures; a blank one keeps a deviation of 1.
        let s = Standardization::of(&[0, 255, 0, 255]);
        assert_eq!((s.mean, s.std), (0.5, 0.5));
        assert_eq!(Standardization::of(&[7; 100]).std, 1.0);
        let mut x = Vec::new();
        s.apply(&[0, 255], &mut x);
        assert_eq!(x, [-1.0, 1.0]);
    }

    #[test]
    fn validation_names_the_layer() {
        let err = arch(&[(64, Activation::Relu), (0, Activation::Tanh)]).validate().unwrap_err();
        assert_eq!(err, "hidden layer 2: neurons must be 1–4096 (got 0)");
        assert!(arch(&[(5000, Activation::Relu)]).validate().is_err());
        assert!(arch(&[(4, Activation::Relu); 9]).validate().is_err());
        assert!(arch(&[]).validate().is_ok());
        let identity_xent = Architecture { output: Output::Identity, ..arch(&[]) };
        assert!(identity_xent.validate().unwrap_err().contains("cross-entropy needs outputs that are probabilities"));
    }

    #[test]
    fn init_is_seeded_and_scaled_for_the_activation() {
        let a = arch(&[(128, Activation::Relu)]);
        let (m1, m2, m3) = (Mlp::new(&a, 1), Mlp::new(&a, 1), Mlp::new(&a, 2));
        assert_eq!(m1.layers[0].w.as_vec(), m2.layers[0].w.as_vec());
        assert_ne!(m1.layers[0].w.as_vec(), m3.layers[0].w.as_vec());
        let he = (6.0f32 / 784.0).sqrt();
        let max = m1.layers[0].w.as_vec().iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(max <= he && max > 0.9 * he, "max |w| {max} vs He limit {he}");
        let glorot = (6.0f32 / 138.0).sqrt();
        let max_out = m1.layers[1].w.as_vec().iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(max_out <= glorot && max_out > 0.8 * glorot);
    }
}
