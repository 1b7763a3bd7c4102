//! Colors and text sizes of every report picture, in one place. Colors carry the same meaning as in the
//! dashboard: one color per data split, the confusion diagonal apart from the error heat.

use super::canvas::Rgb;

pub const PAPER: Rgb = Rgb::WHITE;
pub const INK: Rgb = Rgb(25, 25, 25);
pub const MUTED: Rgb = Rgb(90, 90, 90);
pub const GRID: Rgb = Rgb(228, 228, 228);
pub const AXIS: Rgb = Rgb(70, 70, 70);

pub const TRAIN: Rgb = Rgb(31, 119, 180);
pub const VALIDATION: Rgb = Rgb(230, 120, 10);
pub const TEST: Rgb = Rgb(44, 150, 44);

/// One color per line of a study chart, in order (after matplotlib's tab10, which stays apart for
/// most color-blind readers); more lines than colors reuse them.
pub const SERIES: [Rgb; 8] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
];

/// Correct predictions: pale to full green by the share of the class recognised.
pub const DIAGONAL_LOW: Rgb = Rgb(225, 243, 225);
pub const DIAGONAL_HIGH: Rgb = Rgb(30, 130, 60);
/// Errors: white (none) to dark red (the most frequent error).
pub const HEAT_LOW: Rgb = Rgb(255, 240, 235);
pub const HEAT_HIGH: Rgb = Rgb(190, 30, 30);
/// Totals row and column.
pub const TOTAL: Rgb = Rgb(236, 236, 242);

pub const TITLE_PX: f32 = 22.0;
pub const LABEL_PX: f32 = 16.0;
pub const TICK_PX: f32 = 14.0;
pub const CELL_PX: f32 = 17.0;

/// Dark text on light fills, white on dark ones.
pub fn text_on(fill: Rgb) -> Rgb {
    if fill.luma() < 140.0 {
        Rgb::WHITE
    } else {
        INK
    }
}
