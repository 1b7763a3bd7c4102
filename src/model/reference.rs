//! The plain dfdx autodiff path (tape on the input batch, as a naive dfdx loop would do): the yardstick
//! that `backprop.rs` is tested against, and the "naive dfdx" baseline of `digitlab bench`.

use dfdx::prelude::*;

use super::activation::LEAKY_SLOPE;
use super::{Activation, Loss, Mlp, Output};

/// The model's mean loss and gradients `(w, b)` per layer, computed by dfdx's tape with dfdx's own
/// loss functions (which average over classes too, hence the factor: our losses sum over classes).
pub fn loss_and_grads(mlp: &Mlp, x: Vec<f32>, labels: &[u8]) -> (f32, Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let dev = &mlp.dev;
    let rows = labels.len();
    let mut a = dev.tensor_from_vec(x, (rows, mlp.arch.input)).leaky_traced();
    for (i, layer) in mlp.layers.iter().enumerate() {
        let shape = (rows, layer.fan_out());
        let z = a.matmul(layer.w.clone()) + layer.b.clone().broadcast_like::<_, Axis<0>>(&shape);
        a = match mlp.activation(i) {
            Some(Activation::Sigmoid) => z.sigmoid(),
            Some(Activation::Relu) => z.relu(),
            Some(Activation::Tanh) => z.tanh(),
            Some(Activation::LeakyRelu) => z.prelu(LEAKY_SLOPE),
            Some(Activation::Gelu) => z.fast_gelu(),
            Some(Activation::Identity) | None => z,
        };
    }
    let classes = mlp.arch.classes;
    let mut onehot = vec![0.0f32; rows * classes];
    for (r, &l) in labels.iter().enumerate() {
        onehot[r * classes + l as usize] = 1.0;
    }
    let targets = dev.tensor_from_vec(onehot, (rows, classes));
    let per_class = classes as f32;
    let loss = match (mlp.arch.output, mlp.arch.loss) {
        (Output::Softmax, Loss::CrossEntropy) => cross_entropy_with_logits_loss(a, targets),
        (Output::Sigmoid, Loss::CrossEntropy) => binary_cross_entropy_with_logits_loss(a, targets) * per_class,
        (Output::Softmax, Loss::Mse) => mse_loss(a.softmax::<Axis<1>>(), targets) * per_class,
        (Output::Sigmoid, Loss::Mse) => mse_loss(a.sigmoid(), targets) * per_class,
        (Output::Identity, _) => mse_loss(a, targets) * per_class,
    };
    let value = loss.array();
    let grads = loss.backward();
    let w = mlp.layers.iter().map(|l| grads.get(&l.w).as_vec()).collect();
    let b = mlp.layers.iter().map(|l| grads.get(&l.b).as_vec()).collect();
    (value, w, b)
}

#[cfg(test)]
mod tests {
    use crate::data;
    use crate::model::backprop::{self, Gradients};
    use crate::model::{head, Activation, Architecture, HiddenLayer, Loss, Mlp, Output, Standardization};
    use dfdx::prelude::*;

    /// Largest |a - b| relative to the largest |b| of the tensor (gradients span orders of magnitude).
    fn rel_err(a: &[f32], b: &[f32]) -> f32 {
        let scale = b.iter().fold(1e-12f32, |m, v| m.max(v.abs()));
        a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
    }

    /// Runs both paths on the first 32 training images and compares loss and every gradient.
    /// Tolerance: 1e-4 relative to the tensor's largest gradient (f32 sums in a different order).
    fn assert_paths_agree(hidden: &[usize], act: Activation) {
        assert_head_agrees(hidden, act, Output::Softmax, Loss::CrossEntropy);
    }

    fn assert_head_agrees(hidden: &[usize], act: Activation, output: Output, loss: Loss) {
        let mnist = data::load_dir(&data::locate::bundled_dir().unwrap()).unwrap();
        let batch = mnist.train.head(32);
        let mut x = Vec::new();
        Standardization::default().apply(batch.images(), &mut x);
        let arch = Architecture {
            output,
            loss,
            ..Architecture::new(784, hidden.iter().map(|&neurons| HiddenLayer { neurons, activation: act }).collect(), 10)
        };
        let mut mlp = Mlp::new(&arch, 3);
        // Non-zero biases so that bias gradients flow through every path.
        for l in &mut mlp.layers {
            let n = l.fan_out();
            l.b = mlp.dev.tensor_from_vec((0..n).map(|i| (i as f32 - 5.0) * 0.03).collect(), (n,));
        }
        let (ref_loss, ref_w, ref_b) = super::loss_and_grads(&mlp, x.clone(), &batch.labels);
        let mut grads = Gradients::zeros(&mlp);
        let stats = backprop::loss_and_grads(&mlp, &backprop::Params::of(&mlp), x, &batch.labels, &mut grads);
        assert!((stats.loss - ref_loss).abs() < 1e-5 * ref_loss.max(1.0), "{act} {output}+{loss}: loss {} vs {ref_loss}", stats.loss);
        for l in 0..mlp.layers.len() {
            let (ew, eb) = (rel_err(&grads.w[l], &ref_w[l]), rel_err(&grads.b[l], &ref_b[l]));
            assert!(ew < 1e-4 && eb < 1e-4, "{hidden:?} {act} {output}+{loss} layer {l}: w err {ew}, b err {eb}");
        }
    }

    /// The fast path must give dfdx autodiff's gradients, on a real MNIST batch, for every activation.
    #[test]
    fn fast_backprop_matches_dfdx_autodiff_for_every_activation() {
        for act in <Activation as strum::IntoEnumIterator>::iter() {
            assert_paths_agree(&[24, 12], act);
        }
    }

    /// Every accepted output and loss, through two hidden layers and without any (the head then sits
    /// right on the input).
    #[test]
    fn fast_backprop_matches_dfdx_autodiff_for_every_output_and_loss() {
        use strum::IntoEnumIterator;
        for output in Output::iter() {
            for loss in Loss::iter().filter(|&l| head::check(output, l).is_ok()) {
                assert_head_agrees(&[24, 12], Activation::Sigmoid, output, loss);
                assert_head_agrees(&[], Activation::Relu, output, loss);
            }
        }
    }

    /// Large layers (W2's 784×512 first layer, 512-wide hidden layers) and odd sizes (513×600) take other
    /// kernels and thread splits inside the matrix products than the small network above.
    #[test]
    fn large_and_odd_layer_gradients_match_dfdx_autodiff() {
        assert_paths_agree(&[512, 512, 10], Activation::Relu);
        assert_paths_agree(&[513, 600], Activation::Tanh);
    }
}
