//! Figures of a run, drawn by hand on an RGB canvas with a bundled font: training curves, the
//! confusion heatmap, misclassified digits and the sweep comparison chart. Pure functions of results;
//! `rundir` writes them.

pub mod canvas;
pub mod charts;
pub mod confusion;
pub mod font;
pub mod misclassified;
pub mod neurons;
pub mod style;
pub mod weights_grid;
