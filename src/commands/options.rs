//! The training options every training command takes (flags and a TOML config file), turned into a
//! [`TrainConfig`], and the parsers of their values.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use clap::Args;
use serde::Deserialize;

use crate::model::{Activation, Loss, Output, MAX_NEURONS};
use crate::train::config::{hidden_layers, limits, parse_layers};
use crate::train::{OptimizerKind, TrainConfig};

/// Every training choice; each is optional so a config file can supply it and a flag override it.
#[derive(Debug, Args, Default, Clone)]
pub struct TrainArgs {
    /// Hidden layer sizes, comma separated (`128,64`), or `none` for softmax regression [default: 128]
    #[arg(long, value_name = "LIST", value_parser = layers_arg)]
    pub layers: Option<LayerSizes>,
    /// Hidden activation: one for all layers or a comma list, one per layer
    /// (sigmoid, relu, tanh, leaky-relu, gelu, identity).
    #[arg(long, value_name = "LIST", value_parser = activations_arg)]
    pub activation: Option<Activations>,
    /// Output layer function: softmax (default), sigmoid or identity.
    #[arg(long, value_name = "NAME", value_parser = output_arg)]
    pub output: Option<Output>,
    /// Loss: cross-entropy (default; binary cross-entropy per class with sigmoid outputs) or mse
    /// (squared error against one-hot targets).
    #[arg(long, value_name = "NAME", value_parser = loss_arg)]
    pub loss: Option<Loss>,
    /// Optimizer: adam or sgd (default adam).
    #[arg(long, value_name = "NAME", value_parser = optimizer_arg)]
    pub optimizer: Option<OptimizerKind>,
    /// Learning rate (default: 0.001 for adam, 0.1 for sgd).
    #[arg(long, value_name = "RATE", allow_negative_numbers = true, value_parser = lr_arg)]
    pub lr: Option<f64>,
    /// SGD momentum, 0 ≤ m < 1 (default 0).
    #[arg(long, value_name = "M", allow_negative_numbers = true, value_parser = unit_interval_arg)]
    pub momentum: Option<f64>,
    /// Use Nesterov momentum with SGD.
    #[arg(long)]
    pub nesterov: bool,
    /// Passes over the training set (default 5).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=limits::MAX_EPOCHS as i64))]
    pub epochs: Option<u32>,
    /// Images per optimizer step (default 64).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: Option<u32>,
    /// Random seed for init and shuffling (default 1); same seed + same machine ⇒ same numbers.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = seed_arg)]
    pub seed: Option<u64>,
    /// Share of the training set held out for validation, 0 ≤ s < 1 (default 0).
    #[arg(long, value_name = "S", allow_negative_numbers = true, value_parser = unit_interval_arg)]
    pub val_split: Option<f64>,
    /// MNIST directory (default: $DIGITLAB_DATA, else the bundled copy).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Cores to use for training and evaluation (default: all); 1 keeps a run to one core on a
    /// shared machine. Results do not depend on it.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=limits::MAX_THREADS as i64))]
    pub threads: Option<u32>,
    /// TOML file with the same keys (layers, activation, output, loss, optimizer, lr, momentum,
    /// nesterov, epochs, batch_size, seed, val_split, data, threads); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `--layers` value (a newtype: clap would read a bare `Vec` as a repeated flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSizes(pub Vec<usize>);

/// `--activation` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activations(pub Vec<Activation>);

pub(super) fn layers_arg(s: &str) -> Result<LayerSizes, String> {
    let sizes = parse_layers(s)?;
    if let Some(bad) = sizes.iter().find(|&&n| n == 0 || n > MAX_NEURONS) {
        return Err(format!("{bad} neurons: each layer needs 1–{MAX_NEURONS}"));
    }
    if sizes.len() > crate::model::MAX_HIDDEN_LAYERS {
        return Err(format!("{} hidden layers: at most {}", sizes.len(), crate::model::MAX_HIDDEN_LAYERS));
    }
    Ok(LayerSizes(sizes))
}

pub(super) fn activations_arg(s: &str) -> Result<Activations, String> {
    s.split(',').map(str::parse).collect::<Result<_, _>>().map(Activations)
}

pub(super) fn optimizer_arg(s: &str) -> Result<OptimizerKind, String> {
    s.parse()
}

pub(super) fn output_arg(s: &str) -> Result<Output, String> {
    s.parse()
}

pub(super) fn loss_arg(s: &str) -> Result<Loss, String> {
    s.parse()
}

pub(super) fn lr_arg(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
    if limits::lr_ok(v) {
        Ok(v)
    } else {
        Err(format!("{s}: the learning rate must be in (0, {}]", limits::MAX_LR))
    }
}

pub(super) fn seed_arg(s: &str) -> Result<u64, String> {
    s.trim().parse().map_err(|_| format!("{s}: a seed is a whole number from 0 to {}", u64::MAX))
}

pub(super) fn unit_interval_arg(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
    if limits::unit_interval_ok(v) {
        Ok(v)
    } else {
        Err(format!("{s}: must be at least 0 and below 1"))
    }
}

/// A list written either as a TOML array or as one comma-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ListOr<T> {
    List(Vec<T>),
    Text(String),
}

/// The TOML config file's keys (the flags' names with `_`).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    layers: Option<ListOr<usize>>,
    activation: Option<ListOr<String>>,
    output: Option<String>,
    loss: Option<String>,
    optimizer: Option<String>,
    lr: Option<f64>,
    momentum: Option<f64>,
    nesterov: Option<bool>,
    epochs: Option<usize>,
    batch_size: Option<usize>,
    seed: Option<u64>,
    val_split: Option<f64>,
    data: Option<PathBuf>,
    threads: Option<usize>,
}

/// Far above any hand-written config (a few hundred bytes); a larger file is refused before reading.
pub const CONFIG_MAX_BYTES: u64 = 1 << 20;

/// The config-file keys, in the order `keys_set` reads its flags.
const KEYS: [&str; 14] = ["layers", "activation", "output", "loss", "optimizer", "lr", "momentum", "nesterov", "epochs", "batch_size", "seed", "val_split", "data", "threads"];

fn keys_set(set: [bool; 14]) -> Vec<&'static str> {
    KEYS.into_iter().zip(set).filter(|&(_, on)| on).map(|(k, _)| k).collect()
}

impl FileConfig {
    fn read(path: &Path) -> Result<FileConfig> {
        let bytes = crate::files::read_bounded(path, CONFIG_MAX_BYTES, "config file")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow!("{}: invalid config: not UTF-8 text (byte {} is not)", path.display(), e.utf8_error().valid_up_to())
        })?;
        toml::from_str(&text).map_err(|e| {
            // toml's own Display draws the line with a caret under it, over several lines; one line
            // naming the line and its text says the same.
            let at = e.span().map_or(String::new(), |span| {
                let line_no = text[..span.start.min(text.len())].lines().count().max(1);
                let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
                format!("line {line_no} (`{line}`): ")
            });
            anyhow!("{}: invalid config: {at}{}", path.display(), e.message().trim())
        })
    }

    /// The keys this file sets.
    fn keys(&self) -> Vec<&'static str> {
        let set = [
            self.layers.is_some(),
            self.activation.is_some(),
            self.output.is_some(),
            self.loss.is_some(),
            self.optimizer.is_some(),
            self.lr.is_some(),
            self.momentum.is_some(),
            self.nesterov.is_some(),
            self.epochs.is_some(),
            self.batch_size.is_some(),
            self.seed.is_some(),
            self.val_split.is_some(),
            self.data.is_some(),
            self.threads.is_some(),
        ];
        keys_set(set)
    }
}

impl TrainArgs {
    /// The settings given as flags, by their config-file names.
    fn flag_keys(&self) -> Vec<&'static str> {
        let set = [
            self.layers.is_some(),
            self.activation.is_some(),
            self.output.is_some(),
            self.loss.is_some(),
            self.optimizer.is_some(),
            self.lr.is_some(),
            self.momentum.is_some(),
            self.nesterov,
            self.epochs.is_some(),
            self.batch_size.is_some(),
            self.seed.is_some(),
            self.val_split.is_some(),
            self.data.is_some(),
            self.threads.is_some(),
        ];
        keys_set(set)
    }

    /// The effective configuration, data directory flag and thread budget: defaults, then the config
    /// file, then flags. An error about a setting says where it came from: `--batch-size`, or
    /// `FILE: batch_size`.
    pub fn resolve(&self) -> Result<(TrainConfig, Option<PathBuf>, Option<usize>)> {
        let file = match &self.config {
            Some(p) => FileConfig::read(p)?,
            None => FileConfig::default(),
        };
        let (flag_keys, file_keys) = (self.flag_keys(), file.keys());
        let named = |key: &str, message: &str| match &self.config {
            _ if flag_keys.contains(&key) => anyhow!("--{}: {message}", key.replace('_', "-")),
            Some(p) if file_keys.contains(&key) => anyhow!("{}: {key}: {message}", p.display()),
            _ => anyhow!("{message}"),
        };
        let sizes = match (&self.layers, file.layers) {
            (Some(l), _) => l.0.clone(),
            (None, Some(ListOr::List(l))) => l,
            (None, Some(ListOr::Text(t))) => parse_layers(&t).map_err(|e| named("layers", &e))?,
            (None, None) => TrainConfig::default().hidden.iter().map(|l| l.neurons).collect(),
        };
        let acts = match (&self.activation, file.activation) {
            (Some(a), _) => a.0.clone(),
            (None, Some(list)) => {
                let items = match list {
                    ListOr::List(l) => l,
                    ListOr::Text(t) => t.split(',').map(str::to_string).collect(),
                };
                items
                    .iter()
                    .map(|s| s.parse::<Activation>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| named("activation", &e))?
            }
            (None, None) => vec![Activation::Relu],
        };
        let hidden = hidden_layers(&sizes, &acts).map_err(|e| named("activation", &e))?;
        let output = match (self.output, file.output) {
            (Some(o), _) => o,
            (None, Some(s)) => s.parse().map_err(|e: String| named("output", &e))?,
            (None, None) => Output::default(),
        };
        let loss = match (self.loss, file.loss) {
            (Some(l), _) => l,
            (None, Some(s)) => s.parse().map_err(|e: String| named("loss", &e))?,
            (None, None) => Loss::default(),
        };
        // A head that makes no sense is blamed on the loss when it was chosen, else on the output.
        let chosen = |k: &str| flag_keys.contains(&k) || file_keys.contains(&k);
        crate::model::head::check(output, loss).map_err(|e| named(if chosen("loss") || !chosen("output") { "loss" } else { "output" }, &e))?;
        let optimizer = match (self.optimizer, file.optimizer) {
            (Some(o), _) => o,
            (None, Some(s)) => s.parse().map_err(|e: String| named("optimizer", &e))?,
            (None, None) => TrainConfig::default().optimizer,
        };
        if optimizer == OptimizerKind::Adam {
            if let Some(key) = ["momentum", "nesterov"].into_iter().find(|k| flag_keys.contains(k) || file_keys.contains(k)) {
                return Err(named(
                    key,
                    &format!("{key} is an SGD setting and does nothing with the adam optimizer: drop it, or choose sgd"),
                ));
            }
        }
        let d = TrainConfig::default();
        let cfg = TrainConfig {
            hidden,
            output,
            loss,
            optimizer,
            lr: self.lr.or(file.lr).unwrap_or(optimizer.default_lr()),
            momentum: self.momentum.or(file.momentum).unwrap_or(d.momentum),
            nesterov: self.nesterov || file.nesterov.unwrap_or(false),
            epochs: self.epochs.map(|e| e as usize).or(file.epochs).unwrap_or(d.epochs),
            batch_size: self.batch_size.map(|b| b as usize).or(file.batch_size).unwrap_or(d.batch_size),
            seed: self.seed.or(file.seed).unwrap_or(d.seed),
            val_split: self.val_split.or(file.val_split).unwrap_or(d.val_split),
        };
        cfg.check(None).map_err(|e| named(e.key, &e.message))?;
        let threads = self.threads.map(|t| t as usize).or(file.threads);
        if let Some(t) = threads.filter(|&t| !(1..=limits::MAX_THREADS).contains(&t)) {
            return Err(named("threads", &format!("{t} threads: must be 1–{}", limits::MAX_THREADS)));
        }
        Ok((cfg, self.data.clone().or(file.data), threads))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default `--layers` the help names (written out there: clap cannot show a value it does not
    /// set itself) is the one a run takes.
    #[test]
    fn the_help_names_the_default_layers() {
        use clap::CommandFactory;
        let help = crate::commands::Cli::command().find_subcommand_mut("train").unwrap().render_help().to_string();
        let layers = crate::train::config::layers_text(&TrainConfig::default().hidden);
        assert!(help.contains(&format!("softmax regression [default: {layers}]")), "{layers}: {help}");
    }

    #[test]
    fn a_config_written_by_digitlab_reads_back_as_the_same_configuration() {
        use crate::model::{Activation, HiddenLayer};
        use crate::train::OptimizerKind;
        let dir = tempfile::tempdir().unwrap();
        let configs = [
            TrainConfig::default(),
            TrainConfig { hidden: vec![], ..TrainConfig::default() },
            TrainConfig {
                hidden: vec![HiddenLayer { neurons: 512, activation: Activation::Relu }, HiddenLayer { neurons: 64, activation: Activation::Sigmoid }],
                output: crate::model::Output::Sigmoid,
                loss: crate::model::Loss::Mse,
                optimizer: OptimizerKind::Sgd,
                lr: 1.0,
                momentum: 0.9,
                nesterov: true,
                epochs: 3,
                batch_size: 128,
                seed: 7,
                val_split: 0.1,
            },
        ];
        for c in configs {
            let path = dir.path().join("config.toml");
            std::fs::write(&path, c.to_toml()).unwrap();
            let cli = parse(&["train", "--config", path.to_str().unwrap()]).unwrap();
            let Some(Command::Train(t)) = cli.command else { panic!("not train") };
            assert_eq!(t.train.resolve().unwrap().0, c, "{}", c.to_toml());
        }
    }
    use crate::commands::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("digitlab").chain(args.iter().copied()))
    }

    #[test]
    fn flags_override_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, "layers = [64, 32]\nactivation = \"tanh\"\noptimizer = \"sgd\"\nepochs = 2\n").unwrap();
        let cli = parse(&["train", "--config", path.to_str().unwrap(), "--epochs", "3"]).unwrap();
        let Some(Command::Train(t)) = cli.command else { panic!("not train") };
        let (cfg, _, _) = t.train.resolve().unwrap();
        assert_eq!(cfg.hidden.iter().map(|l| l.neurons).collect::<Vec<_>>(), vec![64, 32]);
        assert!(cfg.hidden.iter().all(|l| l.activation == Activation::Tanh));
        assert_eq!((cfg.optimizer, cfg.lr, cfg.epochs), (OptimizerKind::Sgd, 0.1, 3));
    }

    #[test]
    fn bad_values_are_named_by_clap() {
        for (args, needle) in [
            (vec!["train", "--layers", "0"], "0 neurons"),
            (vec!["train", "--layers", "100000"], "100000 neurons"),
            (vec!["train", "--lr", "-1"], "-1: the learning rate must be in (0, 10]"),
            (vec!["train", "--momentum", "-0.5"], "-0.5: must be at least 0 and below 1"),
            (vec!["train", "--val-split", "-0.25"], "-0.25: must be at least 0 and below 1"),
            (vec!["train", "--epochs", "-3"], "-3 is not in 1..=10000"),
            (vec!["train", "--batch-size", "-1"], "-1 is not in 1.."),
            (vec!["train", "--seed", "-1"], "-1: a seed is a whole number"),
            (vec!["sweep", "--lr", "0.1", "-1"], "-1: the learning rate must be in (0, 10]"),
            (vec!["train", "--layers", ""], "the layer list is empty: write none"),
            (vec!["train", "--lr", "NaN"], "NaN"),
            (vec!["train", "--activation", "swish"], "swish"),
            (vec!["train", "--val-split", "1"], "must be at least 0 and below 1"),
            (vec!["train", "--layers", "12,,3"], "'' in layer list"),
        ] {
            let err = parse(&args).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    #[test]
    fn unknown_config_key_is_reported_with_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "learning_rate = 0.1\n").unwrap();
        let args = TrainArgs { config: Some(path), ..Default::default() };
        let err = format!("{:#}", args.resolve().unwrap_err());
        assert!(err.contains("bad.toml: invalid config") && err.contains("learning_rate"), "{err}");
    }

    /// `resolve`'s error for a config file holding `text`, with `flags` after it on the command line.
    fn config_error(text: &str, flags: &[&str]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, text).unwrap();
        let mut args = vec!["train", "--config", path.to_str().unwrap()];
        args.extend_from_slice(flags);
        let Some(Command::Train(t)) = parse(&args).unwrap().command else { panic!("not train") };
        let err = format!("{:#}", t.train.resolve().unwrap_err());
        assert!(!err.contains('\n'), "one line: {err}");
        err.replace(&path.display().to_string(), "exp.toml")
    }

    #[test]
    fn range_errors_name_the_config_file_and_key_or_the_flag() {
        assert_eq!(config_error("batch_size = 0\n", &[]), "exp.toml: batch_size: batch size must be at least 1");
        assert_eq!(config_error("epochs = 0\n", &[]), "exp.toml: epochs: epochs must be 1–10000 (got 0)");
        assert_eq!(config_error("optimizer = \"sgd\"\nlr = -1.0\n", &[]), "exp.toml: lr: learning rate must be a number in (0, 10] (got -1)");
        assert_eq!(config_error("layers = \"\"\n", &[]), "exp.toml: layers: the layer list is empty: write none for no hidden layer (softmax regression), or sizes like 128,64");
        assert_eq!(config_error("layers = [8, 9000]\n", &[]), "exp.toml: layers: hidden layer 2: neurons must be 1–4096 (got 9000)");
        assert_eq!(config_error("optimizer = \"sgd\"\nnesterov = true\n", &[]), "exp.toml: nesterov: nesterov needs a momentum > 0");
        assert_eq!(config_error("optimizer = \"sgd\"\n", &["--nesterov"]), "--nesterov: nesterov needs a momentum > 0");
        // A type error is toml's, put on one line with the line it is on.
        assert_eq!(
            config_error("epochs = 2\nbatch_size = -1\n", &[]),
            "exp.toml: invalid config: line 2 (`batch_size = -1`): invalid value: integer `-1`, expected usize"
        );
        // A flag overrides a bad value in the file, which then does not matter.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, "batch_size = 0\n").unwrap();
        let args = TrainArgs { config: Some(path), batch_size: Some(32), ..Default::default() };
        assert_eq!(args.resolve().unwrap().0.batch_size, 32);
    }

    #[test]
    fn momentum_and_nesterov_are_refused_with_adam() {
        assert_eq!(
            config_error("optimizer = \"adam\"\n", &["--momentum", "0.9"]),
            "--momentum: momentum is an SGD setting and does nothing with the adam optimizer: drop it, or choose sgd"
        );
        // Adam is the default optimizer.
        assert!(config_error("nesterov = true\nmomentum = 0.9\n", &[]).starts_with("exp.toml: momentum: momentum is an SGD setting"));
        assert!(config_error("epochs = 1\n", &["--nesterov"]).starts_with("--nesterov: nesterov is an SGD setting"));
        let Some(Command::Train(t)) = parse(&["train", "--optimizer", "sgd", "--momentum", "0.9", "--nesterov"]).unwrap().command else {
            panic!("not train")
        };
        assert!(t.train.resolve().unwrap().0.nesterov);
    }

    #[test]
    fn config_files_are_bounded_regular_utf8_files() {
        let dir = tempfile::tempdir().unwrap();
        let read = |p: &Path| format!("{:#}", FileConfig::read(p).unwrap_err());
        assert_eq!(read(Path::new("/dev/zero")), "/dev/zero: not a regular file");
        let big = dir.path().join("big.toml");
        std::fs::File::create(&big).unwrap().set_len(CONFIG_MAX_BYTES + 1).unwrap();
        assert!(read(&big).contains("big.toml: 1048577 bytes, more than digitlab accepts for a config file"), "{}", read(&big));
        let latin1 = dir.path().join("latin1.toml");
        std::fs::write(&latin1, b"# caf\xe9\nepochs = 2\n").unwrap();
        assert!(read(&latin1).ends_with("latin1.toml: invalid config: not UTF-8 text (byte 5 is not)"), "{}", read(&latin1));
    }
}
