//! `digitlab predict`: classify a picture with a saved model.

use std::path::PathBuf;
use anyhow::{bail, Result};
use clap::Args;

use crate::headless::top_classes;
use crate::model;

#[derive(Debug, Args)]
pub struct PredictCmd {
    /// A model file (model.safetensors of a run directory).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// A grayscale (or color, converted) PNG of the digit, the model's input size (28x28 for MNIST).
    #[arg(value_name = "IMAGE.png")]
    pub image: PathBuf,
    /// How the picture is drawn: `auto` looks at its border, `light` = light digit on dark (as MNIST),
    /// `dark` = dark ink on light paper (inverted before classifying).
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = ["auto", "light", "dark"])]
    pub ink: String,
}

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
    mlp.inputs(&pixels, &mut x);
    let outputs = mlp.outputs(x);
    let top = top_classes(&outputs, 3);
    println!("image: {} ({side}x{side}, {})", cmd.image.display(),
        if ink == Ink::Dark { "dark ink on light paper: inverted" } else { "light ink on dark, as MNIST" });
    println!("prediction: {}", top[0].0);
    // Softmax outputs sum to 1; sigmoid outputs are one probability per class; identity outputs are scores.
    let what = match mlp.arch.output {
        crate::model::Output::Softmax => "probability",
        crate::model::Output::Sigmoid => "probability of each class on its own (sigmoid outputs)",
        crate::model::Output::Identity => "score (identity outputs)",
    };
    println!("top {} by {what}:", top.len());
    for (class, p) in &top {
        if mlp.arch.output.is_probability() {
            println!("  {class}  {:6.2} %", p * 100.0);
        } else {
            println!("  {class}  {p:8.4}");
        }
    }
    Ok(())
}
