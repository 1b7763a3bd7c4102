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
//! processes still get their turn. While the pools of the trainers alive together outnumber the
//! cores (runs trained side by side), nobody spins. Spinners never change which thread computes
//! what (the products split their work by thread number), so results are the same bits with or
//! without them.

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

/// Threads of the pools of every [`Spinners`] alive in the process (trainers training at once: a
/// sweep's parallel runs, the dashboard's runs).
static TRAINING_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The spinners of one pool, made and started from inside it (a trainer's pool thread). Dropping
/// this stops them.
pub struct Spinners {
    shared: Arc<Shared>,
    /// This pool's threads (0 outside a pool), counted with the other trainers'.
    counted: Counted,
}

/// Threads counted in a registry for as long as this lives.
struct Counted {
    registry: &'static AtomicUsize,
    threads: usize,
}

impl Counted {
    fn new(registry: &'static AtomicUsize, threads: usize) -> Counted {
        registry.fetch_add(threads, Ordering::AcqRel);
        Counted { registry, threads }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.registry.fetch_sub(self.threads, Ordering::AcqRel);
    }
}

/// What a pool's spinners and their owner share.
struct Shared {
    /// Spinners started and not yet returned.
    running: AtomicUsize,
    /// Spinners spinning now (started on another thread than the owner's, not yet returned).
    spinning: AtomicUsize,
    stop: AtomicBool,
    /// The machine's cores, read once: `available_parallelism` reads cgroup files on every call
    /// (20 µs, as long as a W1 product).
    cores: usize,
    /// Where this pool's threads are counted with those of the other trainers alive.
    registry: &'static AtomicUsize,
}

impl Shared {
    /// Whether the trainers alive have more threads than the machine has cores.
    fn crowded(&self) -> bool {
        self.registry.load(Ordering::Acquire) > self.cores
    }
}

impl Default for Spinners {
    fn default() -> Spinners {
        Spinners::counted_in(&TRAINING_THREADS)
    }
}

impl Spinners {
    pub fn new() -> Spinners {
        Spinners::default()
    }

    fn counted_in(registry: &'static AtomicUsize) -> Spinners {
        let threads = if rayon::current_thread_index().is_some() { rayon::current_num_threads() } else { 0 };
        let shared = Shared { running: AtomicUsize::new(0), spinning: AtomicUsize::new(0), stop: AtomicBool::new(false), cores: crate::threads::cores(), registry };
        Spinners { shared: Arc::new(shared), counted: Counted::new(registry, threads) }
    }

    /// Called from a thread of a rayon pool: makes sure each of the pool's other threads runs a
    /// spinner. Does nothing outside a pool, in a pool of one, or when the pools of all the trainers
    /// alive have more threads than the machine has cores (spinning threads would then take turns
    /// from the ones doing the work).
    pub fn ensure(&self) {
        let Some(owner) = rayon::current_thread_index() else { return };
        let others = rayon::current_num_threads().saturating_sub(1);
        if others == 0 || self.shared.crowded() {
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
                    shared.spinning.fetch_add(1, Ordering::AcqRel);
                    spin(&shared);
                    shared.spinning.fetch_sub(1, Ordering::AcqRel);
                    SPINNING.set(false);
                }
                shared.running.fetch_sub(1, Ordering::AcqRel);
            });
        }
    }

    /// Runs `f` (a wait: a paused run) with this pool no longer counted among the trainers' threads.
    pub fn while_idle<T>(&self, f: impl FnOnce() -> T) -> T {
        /// Counts the pool again when `f` returns or unwinds.
        struct Recount<'a>(&'a Counted);
        impl Drop for Recount<'_> {
            fn drop(&mut self) {
                self.0.registry.fetch_add(self.0.threads, Ordering::AcqRel);
            }
        }
        self.counted.registry.fetch_sub(self.counted.threads, Ordering::AcqRel);
        let _recount = Recount(&self.counted);
        f()
    }

    /// Spinners currently started and not yet returned.
    pub fn running(&self) -> usize {
        self.shared.running.load(Ordering::Acquire)
    }

    /// Spinners spinning now.
    pub fn spinning(&self) -> usize {
        self.shared.spinning.load(Ordering::Acquire)
    }
}

/// Counts the calling thread with the trainers' threads while it does heavy work beside them (writing a
/// run directory after an epoch): if that crowds the cores, spinners stand down meanwhile, so the
/// trainers' other threads sleep between tasks and the OS runs this work in those gaps, instead of
/// taking turns with a spinner at random points of a product (whose other half then waits).
pub struct Beside {
    _counted: Counted,
}

impl Beside {
    pub fn new() -> Beside {
        Beside::counted_in(&TRAINING_THREADS)
    }

    fn counted_in(registry: &'static AtomicUsize) -> Beside {
        Beside { _counted: Counted::new(registry, 1) }
    }
}

impl Default for Beside {
    fn default() -> Beside {
        Beside::new()
    }
}

/// Stops the spinners; the pool's threads leave the count as `counted` drops.
impl Drop for Spinners {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
    }
}

/// Runs the pool's pending tasks as they come until stopped, [`IDLE`] without one, or another
/// trainer starting crowds the cores.
fn spin(shared: &Shared) {
    let mut last_task = Instant::now();
    while !shared.stop.load(Ordering::Acquire) && !shared.crowded() {
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
        static REGISTRY: AtomicUsize = AtomicUsize::new(0);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            let spinners = Spinners::counted_in(&REGISTRY);
            spinners.ensure();
            assert_eq!(spinners.running(), 1);
            spinners.ensure();
            assert_eq!(spinners.running(), 1, "one spinner for the one other thread");
            // The spinning thread takes the second half of a join while the owner runs the first.
            let me = rayon::current_thread_index();
            let (_, (other, in_spinner)) = rayon::join(|| std::thread::sleep(Duration::from_millis(20)), || (rayon::current_thread_index(), SPINNING.get()));
            assert!(other.is_some() && other != me, "the other half ran on the other thread");
            assert!(in_spinner, "inside the spinner");
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
            assert_eq!(REGISTRY.load(Ordering::Acquire), 0, "a dropped trainer's threads are no longer counted");
            let dropped = Instant::now();
            while count.running.load(Ordering::Acquire) > 0 {
                assert!(dropped.elapsed() < Duration::from_secs(5), "a dropped spinner leaves");
                std::thread::yield_now();
            }
        });
    }

    /// Two trainers whose pools together outnumber the cores start no spinners; once one is gone,
    /// the other does.
    #[test]
    fn no_spinners_while_trainers_outnumber_the_cores() {
        static REGISTRY: AtomicUsize = AtomicUsize::new(0);
        let cores = crate::threads::cores();
        if cores < 2 {
            return;
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(cores).build().unwrap();
        let other = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let elsewhere = other.install(|| Spinners::counted_in(&REGISTRY));
        pool.install(|| {
            let spinners = Spinners::counted_in(&REGISTRY);
            spinners.ensure();
            assert_eq!(spinners.running(), 0, "{} threads on {cores} cores", cores + 2);
            // A paused trainer does not count meanwhile.
            elsewhere.while_idle(|| {
                spinners.ensure();
                assert_eq!(spinners.running(), cores - 1, "the other trainer is paused");
            });
            assert_eq!(REGISTRY.load(Ordering::Acquire), cores + 2, "counted again after the pause");
            drop(elsewhere);
            spinners.ensure();
            assert_eq!(spinners.running(), cores - 1);
        });
    }

    /// Work beside a trainer that fills every core (a save) stands its spinners down while it lasts.
    #[test]
    fn work_beside_a_trainer_stands_its_spinners_down() {
        static REGISTRY: AtomicUsize = AtomicUsize::new(0);
        let cores = crate::threads::cores();
        if cores < 2 {
            return;
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(cores).build().unwrap();
        pool.install(|| {
            let spinners = Spinners::counted_in(&REGISTRY);
            let beside = Beside::counted_in(&REGISTRY);
            spinners.ensure();
            assert_eq!(spinners.running(), 0, "no spinner while the save runs");
            drop(beside);
            assert_eq!(REGISTRY.load(Ordering::Acquire), cores);
            spinners.ensure();
            assert_eq!(spinners.running(), cores - 1);
        });
    }

    /// A spinner that keeps getting tasks leaves when another trainer starts and crowds the cores.
    #[test]
    fn running_spinners_leave_when_another_trainer_crowds_the_cores() {
        static REGISTRY: AtomicUsize = AtomicUsize::new(0);
        let cores = crate::threads::cores();
        if cores != 2 {
            return; // the scene below is set for two cores
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let other = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            let spinners = Spinners::counted_in(&REGISTRY);
            spinners.ensure();
            // Tasks every 100 µs: far under IDLE, so only the crowding can make it leave.
            let busy = |until: &dyn Fn() -> bool| {
                let started = Instant::now();
                while !until() {
                    assert!(started.elapsed() < Duration::from_secs(5), "the spinner stays");
                    rayon::join(|| std::thread::sleep(Duration::from_micros(100)), || ());
                }
            };
            busy(&|| {
                spinners.ensure();
                spinners.spinning() == 1
            });
            let elsewhere = other.install(|| Spinners::counted_in(&REGISTRY));
            busy(&|| spinners.spinning() == 0);
            drop(elsewhere);
        });
    }
}
