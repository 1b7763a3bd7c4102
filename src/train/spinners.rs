//! Keeps a compute pool's other threads awake between the parallel parts of a training step.
//!
//! A training step is a dozen parallel regions (each matrix product gives each thread one task) with
//! short serial stretches between them: the head's rows, the bias sums, the next batch's assembly.
//! Rayon puts a worker that finds no work to sleep after a few dozen rounds of looking, and waking
//! it costs a futex call and, on a virtual machine, tens of microseconds before it runs. Measured on
//! a 2-core lab VM (Intel, AVX-512): a task handed to a sleeping worker started 31 µs late; W1's
//! 128×784×128 product, timed after a 100 µs serial stretch, took 198 µs instead of 90 µs, slower
//! than on one thread; in real training its two big products took twice their time alone.
//!
//! So while a run trains, every other thread of its pool runs a *spinner*: a job that keeps taking
//! the pool's pending tasks (`rayon::yield_now`) and spins in between, as OpenMP runtimes do between
//! parallel regions (KMP_BLOCKTIME, GOMP_SPINCOUNT). A spinner leaves once it has found nothing for
//! [`IDLE`], so a pause, the end of a run or a long serial stretch gives the cores back at once, and
//! it yields to the OS scheduler between polls after a short spin, so a busy machine's other
//! processes still get their turn. Spinners never change which thread computes what (the products
//! split their work by thread number), so results are the same bits with or without them.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A spinner that found no task for this long leaves (a later [`Spinners::ensure`] starts another).
pub const IDLE: Duration = Duration::from_millis(2);
/// Idle time after which a spinner yields to the OS between polls instead of only spinning.
const SPIN_ONLY: Duration = Duration::from_micros(50);

thread_local! {
    /// Whether this thread is running a spinner (a spinner that picks up another just returns).
    static SPINNING: Cell<bool> = const { Cell::new(false) };
}

/// The spinners of one pool, started from inside it (a trainer's pool thread). Dropping this stops
/// them.
pub struct Spinners {
    shared: Arc<Shared>,
    /// The machine's cores, read once: `available_parallelism` reads cgroup files on every call
    /// (20 µs, as long as a W1 product).
    cores: usize,
}

#[derive(Default)]
struct Shared {
    /// Spinners started and not yet returned.
    running: AtomicUsize,
    stop: AtomicBool,
}

impl Default for Spinners {
    fn default() -> Spinners {
        Spinners { shared: Arc::default(), cores: crate::threads::cores() }
    }
}

impl Spinners {
    pub fn new() -> Spinners {
        Spinners::default()
    }

    /// Called from a thread of a rayon pool: makes sure each of the pool's other threads runs a
    /// spinner. Does nothing outside a pool, in a pool of one, or when the pool has more threads than
    /// the machine has cores (spinning threads would then take turns from the ones doing the work).
    pub fn ensure(&self) {
        let Some(owner) = rayon::current_thread_index() else { return };
        let others = rayon::current_num_threads().saturating_sub(1);
        if others == 0 || others + 1 > self.cores {
            return;
        }
        while self.shared.running.load(Ordering::Acquire) < others {
            self.shared.running.fetch_add(1, Ordering::AcqRel);
            let shared = Arc::clone(&self.shared);
            rayon::spawn(move || {
                // The owner itself may pop this job while waiting for a task of its own: then it
                // only returns, as does a thread that already spins.
                if rayon::current_thread_index() != Some(owner) && !SPINNING.get() {
                    SPINNING.set(true);
                    spin(&shared.stop);
                    SPINNING.set(false);
                }
                shared.running.fetch_sub(1, Ordering::AcqRel);
            });
        }
    }

    /// Spinners currently started and not yet returned.
    pub fn running(&self) -> usize {
        self.shared.running.load(Ordering::Acquire)
    }
}

impl Drop for Spinners {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
    }
}

/// Runs the pool's pending tasks as they come until `stop` or [`IDLE`] without one.
fn spin(stop: &AtomicBool) {
    let mut last_task = Instant::now();
    while !stop.load(Ordering::Acquire) {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            last_task = Instant::now();
            continue;
        }
        let idle = last_task.elapsed();
        if idle >= IDLE {
            return;
        }
        if idle >= SPIN_ONLY {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a pool of two, the other thread takes up a spinner, runs tasks the owner hands out while it
    /// spins, leaves on its own after `IDLE` without tasks, and leaves at once when dropped.
    #[test]
    fn spinners_run_tasks_then_leave_when_idle_or_dropped() {
        if crate::threads::cores() < 2 {
            return; // spinners are off when the pool would outnumber the cores
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            let spinners = Spinners::new();
            spinners.ensure();
            assert_eq!(spinners.running(), 1);
            spinners.ensure();
            assert_eq!(spinners.running(), 1, "one spinner for the one other thread");
            // The spinning thread takes the second half of a join while the owner runs the first.
            let me = rayon::current_thread_index();
            let (_, other) = rayon::join(|| std::thread::sleep(Duration::from_millis(20)), rayon::current_thread_index);
            assert!(other.is_some() && other != me, "the other half ran on the other thread");
            let waited = Instant::now();
            while spinners.running() > 0 {
                assert!(waited.elapsed() < Duration::from_secs(5), "an idle spinner leaves");
                std::thread::sleep(Duration::from_millis(1));
            }
            // Dropping stops spinners that are running.
            spinners.ensure();
            assert_eq!(spinners.running(), 1);
            let count = Arc::clone(&spinners.shared);
            drop(spinners);
            let dropped = Instant::now();
            while count.running.load(Ordering::Acquire) > 0 {
                assert!(dropped.elapsed() < Duration::from_secs(5), "a dropped spinner leaves");
                std::thread::yield_now();
            }
        });
    }
}
