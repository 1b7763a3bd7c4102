//! SIGINT, SIGTERM and SIGHUP (a dropped SSH connection) end a run gracefully: the finished epochs
//! are saved, a plain message says where, and the process exits with the shell's status for the
//! signal (128 + its number: 130, 143, 129). So does SIGPIPE, the reader of the run's output gone
//! (`digitlab train … | head -1`: 141), which Rust otherwise ignores, making every later print fail.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

/// Which signal arrived, if any; shared with the signal handlers.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicUsize>);

const SIGNALS: [i32; 3] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP];
const SIGPIPE: i32 = signal_hook::consts::SIGPIPE;

/// For the short commands (eval, predict, compare, report, hand-in, bench): a closed pipe ends the
/// process quietly at its next write, as it does any Unix tool's (`digitlab eval … | head`), instead
/// of a panic in `println!` (Rust starts with SIGPIPE ignored). Their files are written atomically, so
/// none is left half-written.
pub fn die_of_closed_pipes() {
    // SAFETY: restoring a signal's default action, before any other thread could rely on it.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

impl Interrupt {
    /// Installs the handlers. A second signal while the first is being handled quits at once with
    /// the same status, as users expect from pressing Ctrl-C twice.
    pub fn install() -> Result<Interrupt> {
        let flag = Interrupt::default();
        // A closed pipe raises SIGPIPE at every write after it: each one only records itself (if
        // first), never the quit-at-once of a second signal, so the run still saves.
        flag.record_first(SIGPIPE)?;
        for sig in SIGNALS {
            let exit = 128 + sig;
            let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
            signal_hook::flag::register_conditional_shutdown(sig, exit, Arc::clone(&armed)).context("cannot install signal handler")?;
            signal_hook::flag::register(sig, armed).context("cannot install signal handler")?;
            flag.record_first(sig)?;
        }
        Ok(flag)
    }

    /// Records `sig` when it arrives, unless a signal came before it: the one that ended the run is
    /// the one reported (Ctrl-C on `digitlab train | tee log` also ends `tee`, and the SIGPIPE of the
    /// summary printed after it must not turn 130 into 141). signal-hook's own `register_usize`
    /// stores every time.
    fn record_first(&self, sig: i32) -> Result<()> {
        let flag = self.clone();
        // SAFETY: the handler only raises the flag, an atomic compare-and-swap: async-signal-safe.
        unsafe { signal_hook::low_level::register(sig, move || flag.raise(sig)) }.context("cannot install signal handler")?;
        Ok(())
    }

    /// The signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }

    pub fn is_set(&self) -> bool {
        self.signal().is_some()
    }

    /// Records `signal` as if it had arrived (a lost terminal counts as a hang-up).
    pub fn raise(&self, signal: i32) {
        let _ = self.0.compare_exchange(0, signal as usize, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// A run ended by a signal, its finished work saved: not an error, but the process exits with the
/// signal's status so that scripts and job schedulers see what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub signal: i32,
    /// What was kept and where, in plain words.
    pub message: String,
}

impl Interrupted {
    pub fn exit_status(&self) -> u8 {
        (128 + self.signal).clamp(0, 255) as u8
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Interrupted {}

/// The signal's usual name, for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        signal_hook::consts::SIGHUP => "SIGHUP",
        SIGPIPE => "SIGPIPE (its output was closed)",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_is_128_plus_the_signal() {
        let i = |signal| Interrupted { signal, message: String::new() };
        assert_eq!(i(signal_hook::consts::SIGINT).exit_status(), 130);
        assert_eq!(i(signal_hook::consts::SIGTERM).exit_status(), 143);
        assert_eq!(i(signal_hook::consts::SIGHUP).exit_status(), 129);
    }

    #[test]
    fn the_first_signal_is_kept() {
        let flag = Interrupt::default();
        assert!(!flag.is_set());
        flag.raise(signal_hook::consts::SIGHUP);
        flag.raise(signal_hook::consts::SIGINT);
        assert_eq!(flag.signal(), Some(signal_hook::consts::SIGHUP));
    }
}
