//! The process's thread budget: every pool the program runs model work in (training, evaluation),
//! and the data loader's second thread, keep to it. Lab machines are shared over SSH, so a student
//! can keep a long run to one or two cores (`--threads N`); by default every core is used.

use std::sync::atomic::{AtomicUsize, Ordering};

/// 0: not set, every core.
static BUDGET: AtomicUsize = AtomicUsize::new(0);

/// Sets the budget for the rest of the process (`None`: every core).
pub fn set(threads: Option<usize>) {
    BUDGET.store(threads.unwrap_or(0), Ordering::Relaxed);
}

/// The budget set with [`set`], if any.
pub fn budget() -> Option<usize> {
    match BUDGET.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    }
}

/// Cores of the machine (or the cgroup's share of them).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Threads model work may use: the budget when set, else every core.
pub fn get() -> usize {
    match BUDGET.load(Ordering::Relaxed) {
        0 => cores(),
        n => n,
    }
}
