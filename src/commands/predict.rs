//! `digitlab predict`: classify a picture with a saved model.

use anyhow::{bail, Result};

use crate::cli::PredictCmd;
use crate::headless::top_classes;
use crate::model;

pub fn run(cmd: &PredictCmd) -> Result<()> {
    use crate::data::png_digit::{guess_ink, read_digit_png, to_mnist_polarity, Ink};
    let mlp = model::io::load(&cmd.model)?;
    let side = (mlp.arch.input as f64).sqrt().round() as usize;
    if side * side != mlp.arch.input {
        bail!("{}: model input {} is not a square picture", cmd.model.display(), mlp.arch.input);
    }
    let picture = read_digit_png(&cmd.image, side, side)?;
    for doubt in &picture.doubts {
        eprintln!("warning: {}: {doubt}; the guess below means little", cmd.image.display());
    }
    let pixels = picture.pixels;
    let ink = match cmd.ink.as_str() {
        "light" => Ink::Light,
        "dark" => Ink::Dark,
        _ => guess_ink(&pixels, side, side),
    };
    let pixels = to_mnist_polarity(pixels, ink);
    let mut x = Vec::new();
    model::pixels_to_input(&pixels, &mut x);
    let logits = mlp.logits(x);
    let top = top_classes(&logits, 3);
    println!("image: {} ({side}x{side}, {})", cmd.image.display(),
        if ink == Ink::Dark { "dark ink on light paper: inverted" } else { "light ink on dark, as MNIST" });
    println!("prediction: {}", top[0].0);
    for (class, p) in &top {
        println!("  {class}  {:6.2} %", p * 100.0);
    }
    Ok(())
}
