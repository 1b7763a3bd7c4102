//! Lines for a person on stdout and stderr that never panic. `println!` panics when the reader has gone
//! (`digitlab train … | head -1`): for the long jobs, which own run directories, a closed pipe is
//! instead a SIGPIPE that ends the run as an interrupt does, its finished epochs saved (`signals.rs`);
//! the short commands die of it quietly, as Unix tools do ([`crate::signals::die_of_closed_pipes`]).

/// `n` and the noun, plural unless `n` is 1: "1 run", "12 runs".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `println!` that never panics: a line for whoever reads stdout, if anyone still does.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that never panics.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout();
        let _ = write!(stdout, $($arg)*).and_then(|()| stdout.flush());
    }};
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!((super::count(0, "run"), super::count(1, "run"), super::count(12, "epoch")), ("0 runs".into(), "1 run".into(), "12 epochs".into()));
    }
}
