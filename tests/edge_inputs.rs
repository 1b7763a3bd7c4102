//! Bad input at every edge (model files, pictures, config files, flags) ends the program with one
//! clear line naming the file and what is wrong, a failing exit code, and no panic.

use crate::common;

use std::path::{Path, PathBuf};

use common::{digitlab, raw, text};
use dfdx::prelude::TensorFromVec;
use digitlab::model::{io as model_io, Activation, Architecture, HiddenLayer, Mlp};

/// Checks `args` fail with exactly one error line, which holds every one of `needles`.
fn assert_refused(args: &[&str], needles: &[&str]) -> String {
    let out = digitlab(args);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("digitlab: error")).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{args:?}: error should say '{needle}': {}", lines[0]);
    }
    lines[0].to_string()
}

/// A freshly initialised 784 → 16 → 10 model, with `damage` applied, written to `dir`.
fn model_file(dir: &Path, damage: impl FnOnce(&mut Mlp)) -> PathBuf {
    let arch = Architecture::new(784, vec![HiddenLayer { neurons: 16, activation: Activation::Relu }], 10);
    let mut mlp = Mlp::new(&arch, 3);
    damage(&mut mlp);
    let path = dir.join("model.safetensors");
    std::fs::write(&path, model_io::to_bytes(&mlp).unwrap()).unwrap();
    path
}

/// Test image `i` of the bundled MNIST as a 28x28 PNG in `dir`.
fn digit_png(dir: &Path, i: usize) -> PathBuf {
    let images = raw("t10k-images-idx3-ubyte");
    let img = digitlab::viz::GrayImage::from_pixels(28, 28, images[16 + i * 784..16 + (i + 1) * 784].to_vec());
    let path = dir.join(format!("digit-{i}.png"));
    std::fs::write(&path, digitlab::export::images::png_bytes(&img).unwrap()).unwrap();
    path
}

#[test]
fn a_model_with_a_nan_weight_is_refused_by_eval_and_predict_naming_the_tensor() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_file(tmp.path(), |m| {
        let mut b = m.layers[1].b.as_vec();
        b[7] = f32::NAN;
        m.layers[1].b = m.dev.tensor_from_vec(b, (10,));
    });
    let model = model.to_str().unwrap();
    let png = digit_png(tmp.path(), 0);
    let needles = [model, "not a digitlab model", "tensor 'layers.1.bias' holds NaN at index 7"];
    assert_refused(&["eval", "--model", model], &needles);
    assert_refused(&["predict", "--model", model, png.to_str().unwrap()], &needles);
}

#[test]
fn a_model_that_is_not_a_regular_file_or_too_large_is_refused_before_reading() {
    assert_refused(&["eval", "--model", "/dev/zero"], &["/dev/zero: not a regular file"]);
    let tmp = tempfile::tempdir().unwrap();
    assert_refused(&["eval", "--model", tmp.path().to_str().unwrap()], &["not a regular file"]);
    // 2 GB of zeros that take no disk space.
    let big = tmp.path().join("big.safetensors");
    std::fs::File::create(&big).unwrap().set_len(2 << 30).unwrap();
    assert_refused(
        &["eval", "--model", big.to_str().unwrap()],
        &[big.to_str().unwrap(), "2147483648 bytes, more than digitlab accepts for a model file"],
    );
}

#[test]
fn a_truncated_model_is_refused_in_words() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_file(tmp.path(), |_| {});
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
    let line = assert_refused(&["eval", "--model", model.to_str().unwrap()], &["not a digitlab model", "truncated"]);
    assert!(!line.contains("MetadataIncompleteBuffer"), "{line}");
}

/// A `side x side` 8-bit gray PNG of the MNIST digit `digit` in its top-left corner, on black:
/// real compressed pixel data, written row by row so the test never holds the picture.
fn huge_png(dir: &Path, side: u32, digit: &[u8]) -> PathBuf {
    use std::io::Write;
    let path = dir.join(format!("huge-{side}.png"));
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut e = png::Encoder::new(file, side, side);
    e.set_color(png::ColorType::Grayscale);
    e.set_depth(png::BitDepth::Eight);
    e.set_compression(png::Compression::Fastest);
    e.set_filter(png::Filter::NoFilter);
    let mut w = e.write_header().unwrap();
    let mut s = w.stream_writer().unwrap();
    let mut row = vec![0u8; side as usize];
    for y in 0..side as usize {
        if y < 28 {
            row[..28].copy_from_slice(&digit[y * 28..(y + 1) * 28]);
        } else if y == 28 {
            row[..28].fill(0);
        }
        s.write_all(&row).unwrap();
    }
    s.finish().unwrap();
    path
}

#[test]
fn a_picture_of_the_wrong_size_is_refused_from_its_header_before_decoding() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_file(tmp.path(), |_| {});
    let digit = &raw("t10k-images-idx3-ubyte")[16..16 + 784];
    for side in [20_000u32, 40_000] {
        let png = huge_png(tmp.path(), side, digit);
        let png = png.to_str().unwrap();
        assert_refused(
            &["predict", "--model", model.to_str().unwrap(), png],
            &[png, &format!("picture is {side}x{side} (8-bit grayscale), the model needs 28x28")],
        );
        std::fs::remove_file(png).unwrap();
    }
}

#[test]
fn predict_warns_about_a_picture_that_cannot_be_a_digit_and_still_guesses() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_file(tmp.path(), |_| {});
    let model = model.to_str().unwrap();
    let digit = digit_png(tmp.path(), 0);
    let o = digitlab(&["predict", "--model", model, digit.to_str().unwrap()]);
    assert!(o.status.success() && !text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
    // The same digit with every pixel cleared.
    let blank = tmp.path().join("blank.png");
    let img = digitlab::viz::GrayImage::from_pixels(28, 28, vec![0; 784]);
    std::fs::write(&blank, digitlab::export::images::png_bytes(&img).unwrap()).unwrap();
    let o = digitlab(&["predict", "--model", model, blank.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.starts_with(&format!("warning: {}: every pixel is gray level 0", blank.display())), "{err}");
    assert!(text(&o.stdout).contains("prediction: "), "{}", text(&o.stdout));
}

#[test]
fn train_refuses_bad_config_files_data_directories_and_options_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    assert_refused(&["train", "--config", "/dev/zero", "--out", out], &["/dev/zero: not a regular file"]);
    let config = tmp.path().join("exp.toml");
    std::fs::write(&config, "layers = [32]\nbatch_size = 0\n").unwrap();
    assert_refused(&["train", "--config", config.to_str().unwrap(), "--out", out], &[&format!("{}: batch_size: batch size must be at least 1", config.display())]);
    let file = common::bundled().join("t10k-labels-idx1-ubyte.gz");
    assert_refused(&["train", "--data", file.to_str().unwrap(), "--epochs", "1", "--out", out], &[&format!("{}: not a directory", file.display())]);
    // Refused by the flag parser, which has its own layout ("error: invalid value … for '--lr'").
    for (args, needle) in [
        (&["train", "--lr", "-1"][..], "-1: the learning rate must be in (0, 10]"),
        (&["train", "--lr", "-1e-3"][..], "-1e-3: the learning rate must be in (0, 10]"),
        (&["train", "--momentum", "-inf"][..], "-inf: must be at least 0"),
        (&["sweep", "--lr", "1e-3", "-1e-2"][..], "-1e-2: the learning rate must be in (0, 10]"),
        (&["train", "--layers", ""][..], "write none"),
    ] {
        let o = digitlab(args);
        assert!(!o.status.success() && text(&o.stderr).contains(needle), "{args:?}: {}", text(&o.stderr));
    }
    assert_refused(&["train", "--optimizer", "adam", "--momentum", "0.9", "--out", out], &["--momentum: momentum is an SGD setting"]);
    assert!(!Path::new(out).exists(), "nothing is created for a refused run");
}

#[test]
fn a_sweep_over_a_missing_data_directory_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let missing = tmp.path().join("no-such-data");
    assert_refused(
        &["sweep", "--layers", "8", "--epochs", "1", "--data", missing.to_str().unwrap(), "--out", out.to_str().unwrap()],
        &[&format!("{}: data directory does not exist", missing.display())],
    );
    assert!(!out.exists(), "a sweep that cannot start leaves no directory");
}
