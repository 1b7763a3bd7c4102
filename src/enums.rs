//! Stepping through an enum's variants in their declared order, wrapping around: form fields cycle
//! their choices with ←/→, the tabs with Tab, the Runs view its sort column.

use strum::IntoEnumIterator;

/// The variant after `current` (or before it, when `forward` is false), wrapping around.
pub fn cycle<T: IntoEnumIterator + PartialEq + Copy>(current: T, forward: bool) -> T {
    let all: Vec<T> = T::iter().collect();
    let n = all.len();
    let i = all.iter().position(|&v| v == current).unwrap_or(0);
    all[if forward { (i + 1) % n } else { (i + n - 1) % n }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, strum::EnumIter)]
    enum Abc {
        A,
        B,
        C,
    }

    #[test]
    fn wraps_both_ways() {
        assert_eq!(cycle(Abc::A, true), Abc::B);
        assert_eq!(cycle(Abc::C, true), Abc::A);
        assert_eq!(cycle(Abc::A, false), Abc::C);
    }
}
