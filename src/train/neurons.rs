//! What each first-layer unit responds to, over the test set: the lab's "can you find neurons with
//! obvious responsibilities?". For every unit: its mean response to the images of each class, the
//! class it prefers, how clearly (its selectivity), the output class it feeds most strongly, and the
//! test images that excite it most.
//!
//! A unit's response is its output after the layer's activation; without hidden layers the
//! first-layer units are the output units and their response is the value before the output function
//! (so unit i should prefer class i).

use crate::data::Dataset;
use crate::model::inked::FirstLayer;
use crate::model::Mlp;

use super::eval::EVAL_CHUNK;

/// Test images kept per unit, strongest response first.
pub const TOP_IMAGES: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub struct Neuron {
    /// Its index in the layer, from 0, as in `weights/neuron-NNN.png`.
    pub index: usize,
    /// Mean response to the test images of each class.
    pub class_means: Vec<f32>,
    /// The class with the highest mean response.
    pub preferred: usize,
    /// The class with the next highest.
    pub runner_up: usize,
    /// (mean of the preferred class − mean of the runner-up) / (mean of the preferred class − lowest
    /// class mean), in 0..1: 1 when one class alone excites the unit, 0 when two classes tie (or the
    /// unit answers every class alike, e.g. a dead ReLU).
    pub selectivity: f32,
    /// The output class the unit pushes up most, along the weights to the output (the activations of
    /// deeper layers left out); itself without hidden layers.
    pub feeds: usize,
    /// Test images with the strongest response, strongest first.
    pub top_images: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct NeuronAnalysis {
    pub units: Vec<Neuron>,
    pub classes: usize,
}

/// Sums and strongest images per unit, fed a chunk of first-layer outputs at a time (by the test
/// evaluation, which computes them anyway: the first layer is most of a small network's work).
pub struct Accumulator {
    units: usize,
    classes: usize,
    sums: Vec<f64>,
    counts: Vec<usize>,
    /// Per unit, the best (response, image) pairs so far, strongest first.
    tops: Vec<Vec<(f32, usize)>>,
}

impl Accumulator {
    pub fn new(units: usize, classes: usize) -> Accumulator {
        Accumulator {
            units,
            classes,
            sums: vec![0.0; units * classes],
            counts: vec![0; classes],
            tops: vec![Vec::with_capacity(TOP_IMAGES + 1); units],
        }
    }

    /// Adds the first-layer outputs `out` (`labels.len()` rows of `units`) of the test images
    /// `first, first + 1, …`.
    pub fn add(&mut self, out: &[f32], labels: &[u8], first: usize) {
        for ((row, &label), i) in out.chunks_exact(self.units).zip(labels).zip(first..) {
            let class = label as usize;
            if class >= self.classes {
                continue;
            }
            self.counts[class] += 1;
            for (j, &v) in row.iter().enumerate() {
                self.sums[j * self.classes + class] += v as f64;
                let top = &mut self.tops[j];
                if top.len() < TOP_IMAGES || v > top[top.len() - 1].0 {
                    // Later images go after earlier ones of the same response: a stable order.
                    let at = top.partition_point(|&(t, _)| t >= v);
                    top.insert(at, (v, i));
                    top.truncate(TOP_IMAGES);
                }
            }
        }
    }

    pub fn finish(self, mlp: &Mlp) -> NeuronAnalysis {
        let feeds = feeds(mlp);
        let Accumulator { units, classes, sums, counts, tops } = self;
        let units = (0..units)
            .map(|j| {
                let class_means: Vec<f32> =
                    (0..classes).map(|c| if counts[c] == 0 { 0.0 } else { (sums[j * classes + c] / counts[c] as f64) as f32 }).collect();
                let (preferred, runner_up, selectivity) = preference(&class_means);
                let top_images = tops[j].iter().map(|&(_, i)| i).collect();
                Neuron { index: j, class_means, preferred, runner_up, selectivity, feeds: feeds[j], top_images }
            })
            .collect();
        NeuronAnalysis { units, classes }
    }
}

impl NeuronAnalysis {
    /// Analyses `mlp`'s first layer on `test` (the test evaluation does the same on its way).
    pub fn of(mlp: &Mlp, test: &Dataset) -> NeuronAnalysis {
        let mut acc = Accumulator::new(mlp.first_layer_units(), mlp.arch.classes);
        // The evaluation's way to the first layer (see eval.rs), so both give the same analysis.
        let first_layer = FirstLayer::for_set(mlp, test);
        for start in (0..test.len()).step_by(EVAL_CHUNK) {
            let end = (start + EVAL_CHUNK).min(test.len());
            acc.add(&first_layer.outputs_of_set(test, start..end), &test.labels[start..end], start);
        }
        acc.finish(mlp)
    }

    /// Unit indices, most selective first (ties: the lower index first).
    pub fn by_selectivity(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by(|&a, &b| self.units[b].selectivity.total_cmp(&self.units[a].selectivity).then(a.cmp(&b)));
        order
    }

    /// The most selective unit that prefers `class`, if any does.
    pub fn clearest_for(&self, class: usize) -> Option<&Neuron> {
        self.by_selectivity().into_iter().map(|j| &self.units[j]).find(|n| n.preferred == class)
    }

    /// The `k` clearest units, at most one per preferred class while other classes have some (a report
    /// shows ten different digits rather than ten detectors of the same one), then the next clearest.
    pub fn clearest(&self, k: usize) -> Vec<&Neuron> {
        let order = self.by_selectivity();
        let mut picked: Vec<usize> = Vec::new();
        let mut seen = vec![false; self.classes];
        for &j in &order {
            let c = self.units[j].preferred;
            if picked.len() < k && !seen[c] && self.units[j].selectivity > 0.0 {
                seen[c] = true;
                picked.push(j);
            }
        }
        for &j in &order {
            if picked.len() >= k {
                break;
            }
            if !picked.contains(&j) && self.units[j].selectivity > 0.0 {
                picked.push(j);
            }
        }
        picked.sort_by(|&a, &b| self.units[b].selectivity.total_cmp(&self.units[a].selectivity).then(a.cmp(&b)));
        picked.into_iter().map(|j| &self.units[j]).collect()
    }
}

/// Preferred class, runner-up and selectivity of a unit's class means.
fn preference(means: &[f32]) -> (usize, usize, f32) {
    let mut order: Vec<usize> = (0..means.len()).collect();
    order.sort_by(|&a, &b| means[b].total_cmp(&means[a]).then(a.cmp(&b)));
    let (first, second) = (order[0], order.get(1).copied().unwrap_or(order[0]));
    let lowest = means[*order.last().unwrap_or(&first)];
    let range = means[first] - lowest;
    let selectivity = if range > 1e-6 && range.is_finite() { ((means[first] - means[second]) / range).clamp(0.0, 1.0) } else { 0.0 };
    (first, second, selectivity)
}

/// For each first-layer unit, the output class with the largest weight along the linear path from it
/// to the output: the product of the later layers' weight matrices, taken from the output back so
/// that each step is a product with a matrix only `classes` wide.
fn feeds(mlp: &Mlp) -> Vec<usize> {
    let units = mlp.first_layer_units();
    if mlp.layers.len() == 1 {
        return (0..units).collect();
    }
    let classes = mlp.arch.classes;
    let last = mlp.layers.len() - 1;
    let mut path = mlp.layers[last].weights(); // fan_in(last) × classes
    for l in (1..last).rev() {
        let layer = &mlp.layers[l];
        let (fan_in, fan_out) = (layer.fan_in(), layer.fan_out());
        let w = layer.weights();
        let mut next = vec![0.0f32; fan_in * classes];
        for i in 0..fan_in {
            for k in 0..fan_out {
                let wik = w[i * fan_out + k];
                for c in 0..classes {
                    next[i * classes + c] += wik * path[k * classes + c];
                }
            }
        }
        path = next;
    }
    path.chunks_exact(classes).map(crate::model::backprop::argmax).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evaluation's one pass gives the same analysis as the analysis alone, and the same
    /// predictions as the evaluation alone; responses are means of what the first layer outputs.
    #[test]
    fn the_evaluation_pass_analyses_the_units_as_the_analysis_alone_does() {
        use crate::model::{Activation, Architecture, HiddenLayer, Mlp};
        let mut m = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        m.test = m.test.head(2500); // two chunks, the second short
        let mlp = Mlp::new(&Architecture::new(784, vec![HiddenLayer { neurons: 12, activation: Activation::Relu }; 2], 10), 4);
        let (eval, both) = crate::train::eval::evaluate_with_neurons(&mlp, &m.test);
        assert_eq!(eval.predicted, crate::train::eval::evaluate(&mlp, &m.test).predicted);
        let alone = NeuronAnalysis::of(&mlp, &m.test);
        assert_eq!(both, alone);
        assert_eq!(alone.units.len(), 12);
        // Unit 5's mean response to the 7s, recomputed by hand.
        let mut x = Vec::new();
        mlp.inputs(m.test.images(), &mut x);
        let out = mlp.first_layer_outputs(x);
        let sevens: Vec<usize> = (0..m.test.len()).filter(|&i| m.test.labels[i] == 7).collect();
        let mean = sevens.iter().map(|&i| out[i * 12 + 5] as f64).sum::<f64>() / sevens.len() as f64;
        assert!((alone.units[5].class_means[7] as f64 - mean).abs() < 1e-4);
        let top = alone.units[5].top_images[0];
        assert!(out.chunks_exact(12).all(|r| r[5] <= out[top * 12 + 5]));
    }

    #[test]
    fn preference_and_selectivity() {
        // One class alone: 1. Two tied: 0. All alike (a dead unit): 0.
        assert_eq!(preference(&[0.0, 0.0, 2.0, 0.0]), (2, 0, 1.0));
        assert_eq!(preference(&[1.0, 3.0, 3.0, 0.0]).2, 0.0);
        assert_eq!(preference(&[0.5; 4]).2, 0.0);
        let (p, r, s) = preference(&[0.1, 1.0, 0.6, 0.1]);
        assert_eq!((p, r), (1, 2));
        assert!((s - 0.4 / 0.9).abs() < 1e-6, "{s}");
    }
}
