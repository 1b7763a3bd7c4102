//! A digit drawn by hand, as the Draw view draws it, classified by a W1 network trained here on the
//! bundled MNIST (3 epochs): a vertical stroke is a 1, a ring a 0, and the drawing saved as a PNG gets
//! the same answer from `digitlab predict`.

mod common;

use common::{digitlab, text};
use digitlab::data::drawing::{Drawing, SIDE};

fn predicted(model: &digitlab::model::Mlp, pixels: &[u8]) -> usize {
    let mut x = Vec::new();
    model.inputs(pixels, &mut x);
    let out = model.outputs(x);
    (0..out.len()).max_by(|&a, &b| out[a].total_cmp(&out[b])).unwrap()
}

#[test]
fn a_stroke_is_a_one_a_ring_a_zero_and_the_saved_png_is_classified_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("w1");
    let o = digitlab(&["train", "--layers", "128", "--epochs", "3", "--batch-size", "128", "--out", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let model_path = run.join("model.safetensors");
    let model = digitlab::model::io::load(&model_path).unwrap();

    // A vertical stroke, drawn as a drag from top to bottom (the brush the view starts with).
    let mut one = Drawing::default();
    let path: Vec<(f32, f32)> = (0..=12).map(|i| (14.2, 5.0 + i as f32 * 1.5)).collect();
    for w in path.windows(2) {
        one.stroke(w[0], w[1], 1.0, false);
    }
    // A ring: an ellipse a little taller than wide, as people draw a zero.
    let mut zero = Drawing::default();
    let ring: Vec<(f32, f32)> = (0..=40).map(|i| {
        let a = i as f32 / 40.0 * std::f32::consts::TAU;
        (14.0 + 6.5 * a.cos(), 14.0 + 9.0 * a.sin())
    }).collect();
    for w in ring.windows(2) {
        zero.stroke(w[0], w[1], 1.0, false);
    }

    for (drawing, want, name) in [(&one, 1, "one"), (&zero, 0, "zero")] {
        let pixels = drawing.mnist_input().unwrap();
        assert_eq!(predicted(&model, &pixels), want, "the {name} is read as another digit");
        // Saved as the Draw view saves it, and classified by the command line.
        let png = tmp.path().join(format!("{name}.png"));
        let image = digitlab::viz::GrayImage { width: SIDE, height: SIDE, pixels };
        std::fs::write(&png, digitlab::export::images::png_bytes(&image).unwrap()).unwrap();
        let o = digitlab(&["predict", "--model", model_path.to_str().unwrap(), png.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains(&format!("prediction: {want}\n")), "{name}: {}", text(&o.stdout));
    }
}
