//! Many runs: sweeps over a grid of options, leaderboards, and comparison of run directories.

pub mod grid;
pub mod leaderboard;
pub mod sweep;
