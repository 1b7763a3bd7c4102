//! The Setup form's state: every field kept as the text the user typed, so an invalid value can be
//! shown with its reason instead of being rejected keystroke by keystroke.

use std::path::Path;

use crate::model::{Activation, Architecture, HiddenLayer, Loss, Output, MAX_HIDDEN_LAYERS, MAX_NEURONS};
use crate::train::config::{limits, training_len};
use crate::train::memory;
use crate::train::{OptimizerKind, TrainConfig};

/// What bounds the form's values beyond their own ranges: the loaded data (the batch size must fit
/// its training set) and the memory the machine has (the setup must fit it).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub train_len: usize,
    pub input: usize,
    pub classes: usize,
    pub data_bytes: u64,
    /// Bytes available; `None` when unknown (nothing is refused for memory then).
    pub memory: Option<u64>,
}

impl Bounds {
    /// MNIST's shape with `train_len` training images and no memory bound: for tests.
    #[cfg(test)]
    fn mnist(train_len: usize) -> Bounds {
        Bounds { train_len, input: 784, classes: 10, data_bytes: 0, memory: None }
    }
}

/// One hidden layer row.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRow {
    pub neurons: String,
    pub activation: Activation,
}

/// The focused row of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Layer(usize),
    Output,
    Loss,
    Optimizer,
    Lr,
    Momentum,
    Nesterov,
    BatchSize,
    Epochs,
    Seed,
    ValSplit,
    Threads,
    DataDir,
}

impl Focus {
    /// The rows after the layers, in display order.
    pub const SCALARS: [Focus; 12] = [
        Focus::Output,
        Focus::Loss,
        Focus::Optimizer,
        Focus::Lr,
        Focus::Momentum,
        Focus::Nesterov,
        Focus::BatchSize,
        Focus::Epochs,
        Focus::Seed,
        Focus::ValSplit,
        Focus::Threads,
        Focus::DataDir,
    ];

    pub fn label(self) -> String {
        match self {
            Focus::Layer(i) => format!("layer {}", i + 1),
            Focus::Output => "output".into(),
            Focus::Loss => "loss".into(),
            Focus::Optimizer => "optimizer".into(),
            Focus::Lr => "learning rate".into(),
            Focus::Momentum => "momentum".into(),
            Focus::Nesterov => "nesterov".into(),
            Focus::BatchSize => "batch size".into(),
            Focus::Epochs => "epochs".into(),
            Focus::Seed => "seed".into(),
            Focus::ValSplit => "val split".into(),
            Focus::Threads => "threads".into(),
            Focus::DataDir => "data dir".into(),
        }
    }

    /// Whether Enter edits this row as text (the others cycle with ←/→).
    pub fn is_text(self) -> bool {
        !matches!(self, Focus::Output | Focus::Loss | Focus::Optimizer | Focus::Nesterov)
    }
}

/// An edit in progress: the text before it, restored on Esc.
#[derive(Debug, Clone, PartialEq)]
pub struct Editing {
    pub before: String,
    /// A key has changed the text. Until then the old value is shown selected, and the first character
    /// typed replaces it (typing "64" over "128" gives 64, not 12864).
    pub touched: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetupForm {
    pub layers: Vec<LayerRow>,
    pub output: Output,
    pub loss: Loss,
    pub optimizer: OptimizerKind,
    pub lr: String,
    pub momentum: String,
    pub nesterov: bool,
    pub batch_size: String,
    pub epochs: String,
    pub seed: String,
    pub val_split: String,
    /// Cores for the run; empty: all.
    pub threads: String,
    pub data_dir: String,
    pub focus: Focus,
    pub editing: Option<Editing>,
}

fn parse_num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim().parse::<T>().map_err(|_| format!("'{}' is not a number", s.trim()))
}

impl SetupForm {
    pub fn from_config(cfg: &TrainConfig, data_dir: &Path) -> SetupForm {
        SetupForm {
            layers: cfg
                .hidden
                .iter()
                .map(|l| LayerRow { neurons: l.neurons.to_string(), activation: l.activation })
                .collect(),
            output: cfg.output,
            loss: cfg.loss,
            optimizer: cfg.optimizer,
            lr: cfg.lr.to_string(),
            momentum: cfg.momentum.to_string(),
            nesterov: cfg.nesterov,
            batch_size: cfg.batch_size.to_string(),
            epochs: cfg.epochs.to_string(),
            seed: cfg.seed.to_string(),
            val_split: cfg.val_split.to_string(),
            threads: String::new(),
            data_dir: data_dir.display().to_string(),
            focus: if cfg.hidden.is_empty() { Focus::Output } else { Focus::Layer(0) },
            editing: None,
        }
    }

    /// Rows in display order.
    pub fn rows(&self) -> Vec<Focus> {
        (0..self.layers.len()).map(Focus::Layer).chain(Focus::SCALARS).collect()
    }

    pub fn move_focus(&mut self, down: bool) {
        let rows = self.rows();
        let i = rows.iter().position(|&f| f == self.focus).unwrap_or(0);
        let j = if down { (i + 1).min(rows.len() - 1) } else { i.saturating_sub(1) };
        self.focus = rows[j];
    }

    /// The text of a text row.
    pub fn text(&self, f: Focus) -> Option<&str> {
        Some(match f {
            Focus::Layer(i) => &self.layers.get(i)?.neurons,
            Focus::Lr => &self.lr,
            Focus::Momentum => &self.momentum,
            Focus::BatchSize => &self.batch_size,
            Focus::Epochs => &self.epochs,
            Focus::Seed => &self.seed,
            Focus::ValSplit => &self.val_split,
            Focus::Threads => &self.threads,
            Focus::DataDir => &self.data_dir,
            Focus::Output | Focus::Loss | Focus::Optimizer | Focus::Nesterov => return None,
        })
    }

    pub fn text_mut(&mut self, f: Focus) -> Option<&mut String> {
        Some(match f {
            Focus::Layer(i) => &mut self.layers.get_mut(i)?.neurons,
            Focus::Lr => &mut self.lr,
            Focus::Momentum => &mut self.momentum,
            Focus::BatchSize => &mut self.batch_size,
            Focus::Epochs => &mut self.epochs,
            Focus::Seed => &mut self.seed,
            Focus::ValSplit => &mut self.val_split,
            Focus::Threads => &mut self.threads,
            Focus::DataDir => &mut self.data_dir,
            Focus::Output | Focus::Loss | Focus::Optimizer | Focus::Nesterov => return None,
        })
    }

    /// ←/→ on the focused row: cycles activation, output, loss, optimizer or nesterov. Switching optimizer also
    /// switches a still-default learning rate to the new optimizer's default.
    pub fn cycle(&mut self, forward: bool) {
        match self.focus {
            Focus::Layer(i) => {
                if let Some(l) = self.layers.get_mut(i) {
                    l.activation = l.activation.cycle(forward);
                }
            }
            Focus::Optimizer => {
                let old = self.optimizer;
                self.optimizer = match old {
                    OptimizerKind::Adam => OptimizerKind::Sgd,
                    OptimizerKind::Sgd => OptimizerKind::Adam,
                };
                if self.lr.trim().parse::<f64>().ok() == Some(old.default_lr()) {
                    self.lr = self.optimizer.default_lr().to_string();
                }
            }
            Focus::Nesterov => self.nesterov = !self.nesterov,
            Focus::Output => self.output = self.output.cycle(forward),
            Focus::Loss => self.loss = self.loss.cycle(forward),
            _ => {}
        }
    }

    /// Adds a layer after the focused one (or at the end), copying its neighbour's settings.
    pub fn add_layer(&mut self) -> Result<(), String> {
        if self.layers.len() >= MAX_HIDDEN_LAYERS {
            return Err(format!("at most {MAX_HIDDEN_LAYERS} hidden layers"));
        }
        let at = match self.focus {
            Focus::Layer(i) => i + 1,
            _ => self.layers.len(),
        };
        let row = self.layers.get(at.saturating_sub(1)).cloned().unwrap_or(LayerRow {
            neurons: "64".into(),
            activation: Activation::Relu,
        });
        self.layers.insert(at, row);
        self.focus = Focus::Layer(at);
        Ok(())
    }

    pub fn remove_layer(&mut self) -> Result<(), String> {
        let Focus::Layer(i) = self.focus else {
            return Err("select a layer to remove".into());
        };
        self.layers.remove(i);
        self.focus = if self.layers.is_empty() { Focus::Output } else { Focus::Layer(i.min(self.layers.len() - 1)) };
        Ok(())
    }

    pub fn move_layer(&mut self, up: bool) {
        if let Focus::Layer(i) = self.focus {
            let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|&j| j < self.layers.len()) };
            if let Some(j) = j {
                self.layers.swap(i, j);
                self.focus = Focus::Layer(j);
            }
        }
    }

    /// Why this row's value is unacceptable, if it is.
    pub fn field_error(&self, f: Focus, bounds: &Bounds) -> Option<String> {
        let train_len = bounds.train_len;
        let check = || -> Result<(), String> {
            match f {
                Focus::Layer(i) => {
                    let row = self.layers.get(i).ok_or("no such layer")?;
                    let n: usize = row.neurons.trim().parse().map_err(|_| "neurons must be a whole number".to_string())?;
                    if !(1..=MAX_NEURONS).contains(&n) {
                        return Err(format!("neurons must be 1–{MAX_NEURONS}"));
                    }
                }
                Focus::Lr => limits::lr(parse_num(&self.lr)?)?,
                Focus::Momentum => limits::momentum(parse_num(&self.momentum)?)?,
                Focus::Nesterov => {
                    if let Ok(m) = self.momentum.trim().parse::<f64>() {
                        limits::nesterov(self.nesterov, m)?;
                    }
                }
                Focus::BatchSize => {
                    let split = self.val_split.trim().parse::<f64>().ok().filter(|&v| limits::val_split(v).is_ok()).unwrap_or(0.0);
                    let batch = parse_num(&self.batch_size)?;
                    limits::batch_size(batch, training_len(train_len, split), split)?;
                    // The batch size is the last lever on memory, so a setup too large for it is said here.
                    let arch = self.architecture(bounds.input, bounds.classes);
                    let need = memory::estimate(&arch, batch, bounds.data_bytes);
                    if let Some(have) = bounds.memory.filter(|&have| need > have) {
                        return Err(format!(
                            "needs ~{} memory, only {} free: smaller layers or batch",
                            memory::human(need),
                            memory::human(have)
                        ));
                    }
                }
                Focus::Epochs => limits::epochs(parse_num(&self.epochs)?)?,
                Focus::Seed => {
                    parse_num::<u64>(&self.seed)?;
                }
                Focus::ValSplit => limits::val_split(parse_num(&self.val_split)?)?,
                Focus::Threads => {
                    if !self.threads.trim().is_empty() {
                        let n: usize = parse_num(&self.threads)?;
                        if !(1..=limits::MAX_THREADS).contains(&n) {
                            return Err(format!("1–{} cores, or empty for all", limits::MAX_THREADS));
                        }
                    }
                }
                Focus::DataDir => {
                    if !self.data_dir.trim().is_empty() && !Path::new(self.data_dir.trim()).is_dir() {
                        return Err(format!("{} is not a directory", self.data_dir.trim()));
                    }
                }
                // The shared reason, cut to fit beside the field (the status line gives it whole at start).
                Focus::Loss => crate::model::head::check(self.output, self.loss)
                    .map_err(|_| format!("needs probabilities, not {} outputs: choose mse", self.output))?,
                Focus::Output | Focus::Optimizer => {}
            }
            Ok(())
        };
        // The shared rules name their field; beside the field (and after its label) that is said once.
        let named = match f {
            Focus::Lr => "learning rate",
            Focus::ValSplit => "validation split",
            _ => "",
        };
        check().err().map(|e| {
            let own = if named.is_empty() { f.label() } else { named.to_string() };
            e.strip_prefix(&own).map_or(e.clone(), |rest| rest.trim_start().to_string())
        })
    }

    /// The first invalid row and its reason.
    pub fn first_error(&self, bounds: &Bounds) -> Option<(Focus, String)> {
        self.rows().into_iter().find_map(|f| self.field_error(f, bounds).map(|e| (f, e)))
    }

    /// The layers that parse, for the live architecture line (invalid rows are left out).
    pub fn architecture(&self, input: usize, classes: usize) -> Architecture {
        let hidden = self
            .layers
            .iter()
            .filter_map(|l| Some(HiddenLayer { neurons: l.neurons.trim().parse().ok()?, activation: l.activation }))
            .collect();
        Architecture { output: self.output, loss: self.loss, ..Architecture::new(input, hidden, classes) }
    }

    /// The cores the form asks for (`None`: all); meaningful once the form is valid.
    pub fn threads(&self) -> Option<usize> {
        self.threads.trim().parse().ok()
    }

    /// The configuration, or the first invalid row and why.
    pub fn config(&self, bounds: &Bounds) -> Result<TrainConfig, (Focus, String)> {
        if let Some(e) = self.first_error(bounds) {
            return Err(e);
        }
        let num = |s: &str| s.trim().parse::<f64>().unwrap_or_default();
        let int = |s: &str| s.trim().parse::<usize>().unwrap_or_default();
        let cfg = TrainConfig {
            hidden: self.architecture(1, 2).hidden,
            output: self.output,
            loss: self.loss,
            optimizer: self.optimizer,
            lr: num(&self.lr),
            momentum: num(&self.momentum),
            nesterov: self.nesterov,
            epochs: int(&self.epochs),
            batch_size: int(&self.batch_size),
            seed: self.seed.trim().parse().unwrap_or_default(),
            val_split: num(&self.val_split),
        };
        cfg.validate(Some(bounds.train_len)).map_err(|e| (self.focus, e))?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SetupForm {
        SetupForm::from_config(&TrainConfig::default(), Path::new("."))
    }

    #[test]
    fn reasons_name_the_field_and_range() {
        let mut f = form();
        f.layers[0].neurons = "5000".into();
        assert_eq!(f.field_error(Focus::Layer(0), &Bounds::mnist(60_000)).unwrap(), "neurons must be 1–4096");
        assert_eq!(f.config(&Bounds::mnist(60_000)).unwrap_err().0, Focus::Layer(0));
        f.layers[0].neurons = "32".into();
        f.batch_size = "200".into();
        assert_eq!(f.field_error(Focus::BatchSize, &Bounds::mnist(100)).unwrap(), "200 is larger than the 100 training examples");
        f.val_split = "0.5".into();
        assert_eq!(f.field_error(Focus::BatchSize, &Bounds::mnist(100)).unwrap(), "200 is larger than the 50 training examples");
        f.val_split = "0".into();
        f.batch_size = "64".into();
        f.lr = "abc".into();
        assert!(f.field_error(Focus::Lr, &Bounds::mnist(100)).unwrap().contains("'abc' is not a number"));
        f.lr = "0.01".into();
        assert_eq!(f.config(&Bounds::mnist(100)).unwrap().hidden[0].neurons, 32);
    }

    #[test]
    fn a_setup_larger_than_the_memory_is_a_batch_size_error_with_the_estimate() {
        let mut f = form();
        f.layers[0].neurons = "4096".into();
        f.batch_size = "60000".into();
        let small = Bounds { memory: Some(200 << 20), ..Bounds::mnist(60_000) };
        let err = f.field_error(Focus::BatchSize, &small).unwrap();
        assert!(err.starts_with("needs ~") && err.contains("only 200 MB free"), "{err}");
        assert_eq!(f.config(&small).unwrap_err().0, Focus::BatchSize);
        // Unknown memory, or enough of it: no error.
        assert!(f.field_error(Focus::BatchSize, &Bounds::mnist(60_000)).is_none());
        assert!(f.field_error(Focus::BatchSize, &Bounds { memory: Some(64 << 30), ..small }).is_none());
    }

    #[test]
    fn threads_are_empty_for_all_cores_or_a_count() {
        let mut f = form();
        assert_eq!((f.field_error(Focus::Threads, &Bounds::mnist(100)), f.threads()), (None, None));
        f.threads = "2".into();
        assert_eq!((f.field_error(Focus::Threads, &Bounds::mnist(100)), f.threads()), (None, Some(2)));
        f.threads = "0".into();
        assert_eq!(f.field_error(Focus::Threads, &Bounds::mnist(100)).unwrap(), "1–1024 cores, or empty for all");
        assert_eq!(f.config(&Bounds::mnist(100)).unwrap_err().0, Focus::Threads);
    }

    #[test]
    fn layers_add_remove_reorder_and_optimizer_switches_default_lr() {
        let mut f = form();
        f.add_layer().unwrap();
        f.layers[1].neurons = "10".into();
        f.cycle(true);
        assert_eq!(f.focus, Focus::Layer(1));
        f.move_layer(true);
        assert_eq!(f.layers[0].neurons, "10");
        assert_ne!(f.layers[0].activation, f.layers[1].activation);
        f.remove_layer().unwrap();
        assert_eq!(f.layers.len(), 1);
        f.focus = Focus::Optimizer;
        let before = f.optimizer;
        f.cycle(true);
        assert_ne!(f.optimizer, before);
        assert_eq!(f.lr, f.optimizer.default_lr().to_string());
    }
}
