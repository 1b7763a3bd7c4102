//! Figures of a run, drawn by hand on an RGB canvas with a bundled font: training curves, the
//! confusion heatmap, misclassified digits, the sweep comparison chart and the study charts (mean ±
//! sd over seeds). Pure functions of results; `rundir` and `experiments` write them.

pub mod canvas;
pub mod charts;
pub mod confusion;
pub mod font;
pub mod misclassified;
pub mod neurons;
pub mod study;
pub mod style;
pub mod weights_grid;
