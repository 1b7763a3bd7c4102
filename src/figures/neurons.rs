//! `neurons.png`: the first-layer units with the clearest responsibilities, one row each: the unit's
//! weights as a picture (blue < 0 < red), its mean response to each class (the preferred class
//! highlighted), and the test digits that excite it most.

use super::canvas::{Align, Canvas, Rect, Rgb};
use super::misclassified::ink_on_paper;
use super::style::{self, INK, MUTED, PAPER};
use crate::data::Dataset;
use crate::train::neurons::{Neuron, NeuronAnalysis};
use crate::viz::{diverging_rgb, signed_gray, GrayImage};

/// Units shown: one row each.
pub const SHOWN: usize = 10;
const MARGIN: usize = 24;
const HEADER: usize = 100;
const WEIGHT_SCALE: usize = 4;
const DIGIT_SCALE: usize = 2;
const BAR_W: usize = 22;
const GAP: usize = 28;
/// The row's caption line above its pictures.
const CAPTION: usize = 26;

fn row_height(test: &Dataset) -> usize {
    CAPTION + test.rows * WEIGHT_SCALE + 30
}

fn width(test: &Dataset, classes: usize) -> usize {
    let digits = crate::train::neurons::TOP_IMAGES * (test.cols * DIGIT_SCALE + 8);
    2 * MARGIN + test.cols * WEIGHT_SCALE + GAP + classes * BAR_W + GAP + digits
}

/// The row of `n`, its weights `weights` (one per pixel), at height `y`.
fn draw_row(c: &mut Canvas, y: usize, n: &Neuron, weights: &[f32], test: &Dataset) {
    let caption = format!(
        "neuron {} · prefers {} (selectivity {:.2}) · runner-up {} · feeds output {}",
        n.index, n.preferred, n.selectivity, n.runner_up, n.feeds
    );
    c.text(&caption, style::LABEL_PX, (MARGIN, y), (Align::Start, Align::Start), INK);
    let top = y + CAPTION;
    // Weights, symmetric around zero so the colors show each weight's sign.
    let picture = GrayImage::from_pixels(test.cols, test.rows, signed_gray(weights)).upscale(WEIGHT_SCALE);
    c.blit_gray(&picture, MARGIN, top, |v| {
        let (r, g, b) = diverging_rgb(v);
        Rgb(r, g, b)
    });
    c.stroke_rect(Rect::new(MARGIN - 1, top - 1, picture.width + 2, picture.height + 2), 1, style::GRID);

    // Class profile: bars from the lowest class mean up to each class's mean.
    let x0 = MARGIN + picture.width + GAP;
    let h = picture.height - 20;
    let (lo, hi) = crate::viz::min_max(&n.class_means);
    let span = (hi - lo).max(1e-6);
    c.fill_rect(Rect::new(x0, top + h, n.class_means.len() * BAR_W, 1), style::AXIS);
    for (class, &m) in n.class_means.iter().enumerate() {
        let bar = (((m - lo) / span) * h as f32).round() as usize;
        let color = if class == n.preferred { style::TEST } else { Rgb(170, 170, 170) };
        c.fill_rect(Rect::new(x0 + class * BAR_W + 3, top + h - bar, BAR_W - 6, bar), color);
        c.text(&class.to_string(), style::TICK_PX, (x0 + class * BAR_W + BAR_W / 2, top + h + 3), (Align::Center, Align::Start), MUTED);
    }

    // The test digits it answers most, with their index in the test set.
    let mut x = x0 + n.class_means.len() * BAR_W + GAP;
    for &i in &n.top_images {
        let digit = GrayImage::from_pixels(test.cols, test.rows, test.image(i).to_vec()).upscale(DIGIT_SCALE);
        c.blit_gray(&digit, x, top, ink_on_paper);
        c.stroke_rect(Rect::new(x - 1, top - 1, digit.width + 2, digit.height + 2), 1, style::GRID);
        c.text(&format!("{} #{i}", test.labels[i]), style::TICK_PX - 2.0, (x + digit.width / 2, top + digit.height + 4), (Align::Center, Align::Start), MUTED);
        x += digit.width + 8;
    }
}

/// The [`SHOWN`] clearest units of `analysis` (at most one per preferred class while others remain);
/// `unit_weights` holds every first-layer unit's incoming weights, `test` the digits it indexes.
pub fn neurons_chart(analysis: &NeuronAnalysis, unit_weights: &[Vec<f32>], test: &Dataset) -> Canvas {
    let shown = analysis.clearest(SHOWN);
    let rh = row_height(test);
    let (w, h) = (width(test, analysis.classes), HEADER + shown.len().max(1) * rh + MARGIN);
    let mut c = Canvas::new(w, h, PAPER);
    let title = format!("First-layer neurons with the clearest responsibilities ({} of {})", shown.len(), analysis.units.len());
    c.text(&title, style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    let pixels = test.rows * test.cols;
    let lines = [
        format!("Left: the neuron's {pixels} incoming weights (blue < 0 < red). Middle: its mean response to each class's test images."),
        "Right: the test digits that excite it most, each captioned with its label and #index in the test set.".to_string(),
    ];
    for (k, line) in lines.iter().enumerate() {
        c.text(line, style::TICK_PX, (w / 2, 44 + k * 20), (Align::Center, Align::Start), MUTED);
    }
    if shown.is_empty() {
        c.text("No neuron prefers one class over the others (every unit answers all classes alike).", style::LABEL_PX, (w / 2, HEADER + 20), (Align::Center, Align::Start), MUTED);
    }
    for (k, n) in shown.iter().enumerate() {
        if let Some(weights) = unit_weights.get(n.index) {
            draw_row(&mut c, HEADER + k * rh, n, weights, test);
        }
    }
    c
}
