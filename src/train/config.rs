//! What a training run is asked to do; shared by the CLI, config files and the TUI form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::{Activation, Architecture, HiddenLayer, Loss, Output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum OptimizerKind {
    Sgd,
    Adam,
}

impl OptimizerKind {
    /// A learning rate that works for MNIST MLPs with this optimizer.
    pub fn default_lr(self) -> f64 {
        match self {
            OptimizerKind::Sgd => 0.1,
            OptimizerKind::Adam => 0.001,
        }
    }
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OptimizerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sgd" => Ok(OptimizerKind::Sgd),
            "adam" => Ok(OptimizerKind::Adam),
            other => Err(format!("unknown optimizer '{other}' (expected sgd or adam)")),
        }
    }
}

/// A complete training recipe. The input width and class count come from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub hidden: Vec<HiddenLayer>,
    /// The output layer's function and the loss (absent from runs made before they were choices).
    #[serde(default)]
    pub output: Output,
    #[serde(default)]
    pub loss: Loss,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// SGD momentum (0 = plain SGD); ignored by Adam.
    pub momentum: f64,
    /// Nesterov momentum for SGD.
    pub nesterov: bool,
    pub epochs: usize,
    pub batch_size: usize,
    pub seed: u64,
    /// Share of the training set held out for validation (0 = none).
    pub val_split: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            hidden: vec![HiddenLayer { neurons: 128, activation: Activation::Relu }],
            output: Output::Softmax,
            loss: Loss::CrossEntropy,
            optimizer: OptimizerKind::Adam,
            lr: OptimizerKind::Adam.default_lr(),
            momentum: 0.0,
            nesterov: false,
            epochs: 5,
            batch_size: 64,
            seed: 1,
            val_split: 0.0,
        }
    }
}

impl TrainConfig {
    /// This configuration as a config file: `digitlab train --config FILE` trains it again (the
    /// command layer's reader checks the round trip in its tests).
    pub fn to_toml(&self) -> String {
        let name = |s: &'static str| format!("\"{s}\"");
        let mut t = String::new();
        if self.hidden.is_empty() {
            t.push_str("layers = \"none\"\n");
        } else {
            let sizes: Vec<String> = self.hidden.iter().map(|l| l.neurons.to_string()).collect();
            let acts: Vec<String> = self.hidden.iter().map(|l| name(l.activation.into())).collect();
            t.push_str(&format!("layers = [{}]\nactivation = [{}]\n", sizes.join(", "), acts.join(", ")));
        }
        t.push_str(&format!("output = {}\nloss = {}\n", name(self.output.into()), name(self.loss.into())));
        t.push_str(&format!("optimizer = {}\nlr = {:?}\n", name(self.optimizer.into()), self.lr));
        if self.optimizer == OptimizerKind::Sgd {
            t.push_str(&format!("momentum = {:?}\nnesterov = {}\n", self.momentum, self.nesterov));
        }
        t.push_str(&format!("epochs = {}\nbatch_size = {}\nseed = {}\nval_split = {:?}\n", self.epochs, self.batch_size, self.seed, self.val_split));
        t
    }

    pub fn architecture(&self, input: usize, classes: usize) -> Architecture {
        Architecture { output: self.output, loss: self.loss, ..Architecture::new(input, self.hidden.clone(), classes) }
    }

    /// Checks every field, naming the field and what was expected. `train_len` bounds the batch size.
    /// The one set of rules: the command line, config files, the form and sweeps all come here.
    pub fn validate(&self, train_len: Option<usize>) -> Result<(), String> {
        self.check(train_len).map_err(|e| e.message)
    }

    /// [`validate`](Self::validate), telling the caller which setting is at fault so it can say where
    /// that setting came from (a flag, a config file's key).
    pub fn check(&self, train_len: Option<usize>) -> Result<(), InvalidSetting> {
        let at = |key: &'static str| move |message: String| InvalidSetting { key, message };
        Architecture::new(1, self.hidden.clone(), 2).validate().map_err(at("layers"))?;
        crate::model::head::check(self.output, self.loss).map_err(at("loss"))?;
        limits::lr(self.lr).map_err(at("lr"))?;
        limits::momentum(self.momentum).map_err(at("momentum"))?;
        limits::nesterov(self.nesterov, self.momentum).map_err(at("nesterov"))?;
        // One rule for every way a setup is made (flags, config file, form, sweep).
        if self.optimizer == OptimizerKind::Adam {
            if self.momentum > 0.0 {
                return Err(at("momentum")("momentum is an SGD setting and does nothing with the adam optimizer: set it to 0, or choose sgd".into()));
            }
            if self.nesterov {
                return Err(at("nesterov")("nesterov is an SGD setting and does nothing with the adam optimizer: turn it off, or choose sgd".into()));
            }
        }
        limits::epochs(self.epochs).map_err(at("epochs"))?;
        limits::val_split(self.val_split).map_err(at("val_split"))?;
        match train_len {
            Some(n) if training_len(n, self.val_split) == 0 => limits::batch_size(self.batch_size, 0, self.val_split).map_err(at("val_split")),
            Some(n) => limits::batch_size(self.batch_size, training_len(n, self.val_split), self.val_split).map_err(at("batch_size")),
            None if self.batch_size == 0 => Err(at("batch_size")("batch size must be at least 1".into())),
            None => Ok(()),
        }
    }
}

/// Training images left of `n` after holding out `val_split` of them for validation: the one place
/// the split is computed (the trainer, the summary, the form's batch-size bound).
pub fn training_len(n: usize, val_split: f64) -> usize {
    n - validation_len(n, val_split)
}

/// Images held out for validation out of `n`.
pub fn validation_len(n: usize, val_split: f64) -> usize {
    ((n as f64 * val_split).round() as usize).min(n)
}

/// The accepted range of each training option, with the message that names it.
pub mod limits {
    /// Threads a run may be given (far above any lab machine's cores).
    pub const MAX_THREADS: usize = 1024;
    pub const MAX_LR: f64 = 10.0;
    pub const MAX_EPOCHS: usize = 10_000;

    /// A learning rate in (0, MAX_LR].
    pub fn lr_ok(v: f64) -> bool {
        v.is_finite() && v > 0.0 && v <= MAX_LR
    }

    /// A share in [0, 1): momentum and the validation split.
    pub fn unit_interval_ok(v: f64) -> bool {
        v.is_finite() && (0.0..1.0).contains(&v)
    }

    pub fn lr(v: f64) -> Result<(), String> {
        if lr_ok(v) {
            Ok(())
        } else {
            Err(format!("learning rate must be a number in (0, {MAX_LR}] (got {v})"))
        }
    }

    pub fn momentum(v: f64) -> Result<(), String> {
        if unit_interval_ok(v) {
            Ok(())
        } else {
            Err(format!("momentum must be in [0, 1) (got {v})"))
        }
    }

    pub fn nesterov(nesterov: bool, momentum: f64) -> Result<(), String> {
        if nesterov && momentum == 0.0 {
            Err("nesterov needs a momentum > 0".into())
        } else {
            Ok(())
        }
    }

    pub fn epochs(v: usize) -> Result<(), String> {
        if (1..=MAX_EPOCHS).contains(&v) {
            Ok(())
        } else {
            Err(format!("epochs must be 1–{MAX_EPOCHS} (got {v})"))
        }
    }

    pub fn val_split(v: f64) -> Result<(), String> {
        if unit_interval_ok(v) {
            Ok(())
        } else {
            Err(format!("validation split must be in [0, 1) (got {v})"))
        }
    }

    /// `train` is the number of training images after the validation split.
    pub fn batch_size(v: usize, train: usize, val_split: f64) -> Result<(), String> {
        if train == 0 {
            return Err(format!("validation split {val_split} leaves no training examples"));
        }
        if v == 0 {
            return Err("batch size must be at least 1".into());
        }
        if v > train {
            return Err(format!("batch size {v} is larger than the {train} training examples"));
        }
        Ok(())
    }
}

/// A setting out of its range: `key` is its name in config files (`batch_size`), `message` says
/// what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSetting {
    pub key: &'static str,
    pub message: String,
}

impl fmt::Display for InvalidSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses `128,64` (or `none` for no hidden layer) into layer sizes. An empty list is refused: it
/// is more often a shell variable that came out empty than a wish for softmax regression.
pub fn parse_layers(s: &str) -> Result<Vec<usize>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("the layer list is empty: write none for no hidden layer (softmax regression), or sizes like 128,64".into());
    }
    if s.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|part| {
            let p = part.trim();
            p.parse::<usize>().map_err(|_| {
                format!("'{p}' in layer list '{s}' is not a neuron count (write sizes like 128,64, or none)")
            })
        })
        .collect()
}

/// Layer sizes as `--layers` takes them: `128,64`, or `none` for no hidden layer.
pub fn layers_text(hidden: &[HiddenLayer]) -> String {
    if hidden.is_empty() {
        return "none".into();
    }
    hidden.iter().map(|l| l.neurons.to_string()).collect::<Vec<_>>().join(",")
}

/// Activations as `--activation` takes them: one name when every layer has it, else one per layer
/// (`relu,tanh`); empty for no hidden layer.
pub fn activations_text(hidden: &[HiddenLayer]) -> String {
    match hidden {
        [first, rest @ ..] if rest.iter().all(|l| l.activation == first.activation) => first.activation.name().into(),
        _ => hidden.iter().map(|l| l.activation.name()).collect::<Vec<_>>().join(","),
    }
}

/// Combines layer sizes with one activation for all, or one per layer.
pub fn hidden_layers(sizes: &[usize], activations: &[Activation]) -> Result<Vec<HiddenLayer>, String> {
    let acts: Vec<Activation> = match activations.len() {
        0 => vec![Activation::Relu; sizes.len()],
        1 => vec![activations[0]; sizes.len()],
        n if n == sizes.len() => activations.to_vec(),
        n => {
            return Err(format!(
                "{n} activations given for {} hidden layers (give one for all, or one per layer)",
                sizes.len()
            ))
        }
    };
    Ok(sizes.iter().zip(acts).map(|(&neurons, activation)| HiddenLayer { neurons, activation }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_activations_are_written_as_the_flags_read_them() {
        for (layers, acts, text_l, text_a) in [
            ("128,64", vec![Activation::Relu], "128,64", "relu"),
            ("64,32", vec![Activation::Relu, Activation::Tanh], "64,32", "relu,tanh"),
            ("none", vec![], "none", ""),
        ] {
            let hidden = hidden_layers(&parse_layers(layers).unwrap(), &acts).unwrap();
            assert_eq!((layers_text(&hidden).as_str(), activations_text(&hidden).as_str()), (text_l, text_a));
            assert_eq!(hidden_layers(&parse_layers(&layers_text(&hidden)).unwrap(), &acts).unwrap(), hidden, "round trip");
        }
    }

    #[test]
    fn layer_lists_parse_and_errors_name_the_bad_part() {
        assert_eq!(parse_layers("128, 64").unwrap(), vec![128, 64]);
        assert_eq!(parse_layers("none").unwrap(), Vec::<usize>::new());
        assert!(parse_layers(" ").unwrap_err().contains("empty: write none"));
        assert!(parse_layers("128,,64").unwrap_err().contains("'' in layer list"));
        assert!(parse_layers("12x").unwrap_err().contains("'12x'"));
    }

    #[test]
    fn activations_one_for_all_or_per_layer() {
        let h = hidden_layers(&[4, 5], &[Activation::Tanh]).unwrap();
        assert!(h.iter().all(|l| l.activation == Activation::Tanh));
        assert!(hidden_layers(&[4, 5], &[Activation::Tanh; 3]).unwrap_err().contains("3 activations"));
    }

    #[test]
    fn validation_rejects_nonsense_with_reasons() {
        let ok = TrainConfig::default();
        assert!(ok.validate(Some(60_000)).is_ok());
        let bad = |f: &dyn Fn(&mut TrainConfig)| {
            let mut c = TrainConfig::default();
            f(&mut c);
            c.validate(Some(100)).unwrap_err()
        };
        assert!(bad(&|c| c.lr = f64::NAN).contains("learning rate"));
        assert!(bad(&|c| c.lr = -1.0).contains("learning rate"));
        assert!(bad(&|c| c.batch_size = 101).contains("larger than the 100"));
        assert!(bad(&|c| c.val_split = 1.0).contains("validation split"));
        assert!(bad(&|c| c.hidden[0].neurons = 100_000).contains("neurons must be 1–4096"));
        let key = |f: &dyn Fn(&mut TrainConfig)| {
            let mut c = TrainConfig::default();
            f(&mut c);
            c.check(Some(100)).unwrap_err().key
        };
        assert_eq!(key(&|c| c.batch_size = 0), "batch_size");
        assert_eq!(key(&|c| c.batch_size = 101), "batch_size");
        assert_eq!(key(&|c| c.epochs = 0), "epochs");
        assert_eq!(key(&|c| c.nesterov = true), "nesterov");
        assert_eq!(key(&|c| c.momentum = 1.0), "momentum");
        assert_eq!(key(&|c| c.val_split = -0.5), "val_split");
        assert_eq!(key(&|c| c.hidden[0].neurons = 0), "layers");
    }
}
