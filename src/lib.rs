//! digitlab: MNIST classification experiments, trained on dfdx, driven from a terminal.

#[macro_use]
pub mod console;
pub mod data;
pub mod enums;
pub mod files;
pub mod model;
pub mod figures;
pub mod pdf;
pub mod metrics;
pub mod train;
pub mod bench;
pub mod commands;
pub mod viz;
pub mod experiments;
pub mod handin;
pub mod export;
pub mod rundir;
pub mod signals;
pub mod threads;
pub mod headless;
pub mod tui;
