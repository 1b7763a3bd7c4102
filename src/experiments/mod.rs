//! Many runs: sweeps over a grid of options, leaderboards, studies over seeds, and comparison of run
//! directories.

pub mod grid;
pub mod leaderboard;
pub mod study;
pub mod sweep;
