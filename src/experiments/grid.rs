//! A sweep's grid: lists of alternatives per training option, expanded in a fixed order so that
//! `--resume` and `--shard K/N` always see the same numbered runs.

use serde::{Deserialize, Serialize};

use crate::model::{head, Activation, Loss, Output};
use crate::train::config::hidden_layers;
use crate::train::{OptimizerKind, TrainConfig};

/// Alternatives per option; an empty list means "the default".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub layers: Vec<Vec<usize>>,
    pub activations: Vec<Vec<Activation>>,
    /// Absent from sweeps made before the head was a choice.
    #[serde(default)]
    pub outputs: Vec<Output>,
    #[serde(default)]
    pub losses: Vec<Loss>,
    pub optimizers: Vec<OptimizerKind>,
    pub lrs: Vec<f64>,
    pub momentums: Vec<f64>,
    pub nesterov: bool,
    pub epochs: Vec<usize>,
    pub batch_sizes: Vec<usize>,
    pub seeds: Vec<u64>,
    pub val_splits: Vec<f64>,
}

/// One point of the grid: its 1-based number, a directory name, and the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct GridPoint {
    pub number: usize,
    pub name: String,
    pub config: TrainConfig,
}

fn or_default<T: Clone>(list: &[T], default: T) -> Vec<T> {
    if list.is_empty() {
        vec![default]
    } else {
        list.to_vec()
    }
}

/// A `K/N` shard (1 ≤ K ≤ N): runs whose number is K modulo N, so shards interleave and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}' is not K/N (for example 2/4)"))?;
        let (k, n): (usize, usize) = (
            k.trim()
                .parse()
                .map_err(|_| format!("'{k}' in '{s}' is not a number"))?,
            n.trim()
                .parse()
                .map_err(|_| format!("'{n}' in '{s}' is not a number"))?,
        );
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard {s}: need 1 ≤ K ≤ N"));
        }
        Ok(Shard { index: k, count: n })
    }
}

impl Shard {
    pub fn contains(&self, number: usize) -> bool {
        (number - 1) % self.count == self.index - 1
    }
}

fn short(x: f64) -> String {
    format!("{x}")
}

/// Where a grid came from, so an error names the value as the user wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The command line: `--momentum`.
    Flags,
    /// `sweep.json`: its list `momentums`.
    SpecFile,
}

/// How `source` names the list of values of a configuration's setting.
fn list_name(setting: &str, source: Source) -> String {
    match source {
        Source::Flags => format!("--{}", setting.replace('_', "-")),
        Source::SpecFile => list_key(setting).to_string(),
    }
}

/// The grid's list (its key in `sweep.json`) that holds values of a configuration's setting.
fn list_key(setting: &str) -> &str {
    match setting {
        "lr" => "lrs",
        "momentum" => "momentums",
        "batch_size" => "batch_sizes",
        "val_split" => "val_splits",
        "optimizer" => "optimizers",
        "output" => "outputs",
        "loss" => "losses",
        "seed" => "seeds",
        other => other,
    }
}

impl Grid {
    /// Every configuration, layers outermost and seed innermost. Invalid combinations (more
    /// per-layer activations than layers) are reported, naming both.
    pub fn points(&self, source: Source) -> Result<Vec<GridPoint>, String> {
        let d = TrainConfig::default();
        let default_layers: Vec<usize> = d.hidden.iter().map(|l| l.neurons).collect();
        let mut out = Vec::new();
        for layers in or_default(&self.layers, default_layers) {
            for acts in or_default(&self.activations, vec![Activation::Relu]) {
                let hidden = hidden_layers(&layers, &acts)
                    .map_err(|e| format!("layers {layers:?} with activations {acts:?}: {e}"))?;
                for (output, loss) in self.heads(source)? {
                    for &opt in &or_default(&self.optimizers, d.optimizer) {
                        for &lr in &or_default(&self.lrs, opt.default_lr()) {
                            for &momentum in &or_default(&self.momentums, d.momentum) {
                                for &epochs in &or_default(&self.epochs, d.epochs) {
                                    for &batch_size in &or_default(&self.batch_sizes, d.batch_size)
                                    {
                                        for &seed in &or_default(&self.seeds, d.seed) {
                                            for &val_split in
                                                &or_default(&self.val_splits, d.val_split)
                                            {
                                                let config = TrainConfig {
                                                    hidden: hidden.clone(),
                                                    output,
                                                    loss,
                                                    optimizer: opt,
                                                    lr,
                                                    momentum,
                                                    nesterov: self.nesterov && momentum > 0.0,
                                                    epochs,
                                                    batch_size,
                                                    seed,
                                                    val_split,
                                                };
                                                let number = out.len() + 1;
                                                let arch = config.architecture(1, 2).slug();
                                                let mut name = format!("{number:03}-{arch}-{opt}-lr{}-e{epochs}-b{batch_size}-s{seed}", short(lr));
                                                if momentum > 0.0 {
                                                    let _ = std::fmt::Write::write_fmt(
                                                        &mut name,
                                                        format_args!("-m{}", short(momentum)),
                                                    );
                                                }
                                                if val_split > 0.0 {
                                                    let _ = std::fmt::Write::write_fmt(
                                                        &mut name,
                                                        format_args!("-v{}", short(val_split)),
                                                    );
                                                }
                                                // Which run of the grid is at fault, by the name its directory would have.
                                                // and which list of sweep.json holds the value.
                                                config.check(None).map_err(|e| {
                                                    format!(
                                                        "run {number} ({name}): {}: {}",
                                                        list_name(e.key, source),
                                                        e.message
                                                    )
                                                })?;
                                                out.push(GridPoint {
                                                    number,
                                                    name,
                                                    config,
                                                });
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The output and loss pairs to try. Pairs that make no sense (cross-entropy on identity outputs)
    /// are left out when other pairs remain — `--output softmax identity --loss cross-entropy mse`
    /// means the four sensible ones — and refused when none would.
    fn heads(&self, source: Source) -> Result<Vec<(Output, Loss)>, String> {
        let pairs: Vec<(Output, Loss)> = or_default(&self.outputs, Output::default())
            .into_iter()
            .flat_map(|o| {
                or_default(&self.losses, Loss::default())
                    .into_iter()
                    .map(move |l| (o, l))
            })
            .collect();
        let sensible: Vec<_> = pairs
            .iter()
            .copied()
            .filter(|&(o, l)| head::check(o, l).is_ok())
            .collect();
        match (sensible.is_empty(), pairs.first()) {
            (true, Some(&(o, l))) => Err(format!(
                "{}: {}",
                list_name("loss", source),
                head::check(o, l).unwrap_err()
            )),
            _ => Ok(sensible),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_the_cartesian_product_in_a_fixed_order() {
        let g = Grid {
            layers: vec![vec![32], vec![128, 64]],
            activations: vec![vec![Activation::Sigmoid], vec![Activation::Relu]],
            lrs: vec![0.1, 0.01],
            optimizers: vec![OptimizerKind::Sgd],
            ..Grid::default()
        };
        let p = g.points(Source::Flags).unwrap();
        assert_eq!(p.len(), 8);
        assert_eq!(p[0].name, "001-32sigmoid-sgd-lr0.1-e5-b64-s1");
        assert_eq!(p[7].name, "008-128relu-64relu-sgd-lr0.01-e5-b64-s1");
        assert_eq!(p[1].config.lr, 0.01);
        assert!(p.iter().enumerate().all(|(i, q)| q.number == i + 1));
    }

    #[test]
    fn defaults_fill_empty_lists_and_lr_follows_the_optimizer() {
        let g = Grid {
            optimizers: vec![OptimizerKind::Adam, OptimizerKind::Sgd],
            ..Grid::default()
        };
        let p = g.points(Source::Flags).unwrap();
        assert_eq!((p[0].config.lr, p[1].config.lr), (0.001, 0.1));
    }

    #[test]
    fn an_out_of_range_value_names_the_run_and_the_list_holding_it() {
        let g = Grid {
            lrs: vec![0.1, 50.0],
            batch_sizes: vec![64],
            ..Grid::default()
        };
        let err = g.points(Source::SpecFile).unwrap_err();
        assert!(
            err.starts_with("run 2 (002-128relu-adam-lr50-e5-b64-s1): lrs: learning rate must be"),
            "{err}"
        );
        let g = Grid {
            batch_sizes: vec![0],
            val_splits: vec![0.1],
            ..Grid::default()
        };
        assert!(g
            .points(Source::SpecFile)
            .unwrap_err()
            .contains("): batch_sizes: batch size must be at least 1"));
        assert!(g
            .points(Source::Flags)
            .unwrap_err()
            .contains("): --batch-size: batch size must be at least 1"));
    }

    #[test]
    fn heads_combine_outputs_and_losses_leaving_out_cross_entropy_on_scores() {
        let g = Grid {
            outputs: vec![Output::Softmax, Output::Identity],
            losses: vec![Loss::CrossEntropy, Loss::Mse],
            ..Grid::default()
        };
        let names: Vec<String> = g.points(Source::Flags).unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["001-128relu-adam-lr0.001-e5-b64-s1", "002-128relu-softmax-mse-adam-lr0.001-e5-b64-s1", "003-128relu-identity-mse-adam-lr0.001-e5-b64-s1"]);
        let only_bad = Grid { outputs: vec![Output::Identity], ..Grid::default() };
        assert!(only_bad.points(Source::SpecFile).unwrap_err().starts_with("losses: cross-entropy needs"));
    }

    #[test]
    fn shards_partition_the_grid() {
        let s: Shard = "2/3".parse().unwrap();
        let mine: Vec<usize> = (1..=7).filter(|&n| s.contains(n)).collect();
        assert_eq!(mine, vec![2, 5]);
        let all: usize = (1..=3)
            .map(|k| {
                (1..=7)
                    .filter(|&n| Shard { index: k, count: 3 }.contains(n))
                    .count()
            })
            .sum();
        assert_eq!(all, 7);
        assert!(
            "0/3".parse::<Shard>().is_err()
                && "4/3".parse::<Shard>().is_err()
                && "x".parse::<Shard>().is_err()
        );
    }

    #[test]
    fn mismatched_activation_list_is_explained() {
        let g = Grid {
            layers: vec![vec![8]],
            activations: vec![vec![Activation::Relu, Activation::Tanh]],
            ..Grid::default()
        };
        assert!(g
            .points(Source::Flags)
            .unwrap_err()
            .contains("2 activations given for 1 hidden layers"));
    }
}
