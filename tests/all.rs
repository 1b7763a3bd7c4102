//! Every end-to-end test in one test binary: each file in tests/ is a module here. As 16 binaries they
//! each compiled tests/common and the generic code of the dependencies they use (serde_json, ratatui,
//! proptest ...) again and linked again: 58 s of CPU to build them all after the library, against 31 s
//! for this one. `autotests = false` in Cargo.toml: a file added to tests/ runs once it is declared
//! below (and uses `crate::common`), which `every_file_in_tests_is_a_module_here` checks.
//!
//! The tests of all files run in one process, one per core at a time: nothing here may change what
//! the process shares (environment, working directory, umask, signal handlers, thread budget); a test
//! that needs another environment gives it to the `digitlab` child it starts.
//!
//! One file's tests: `cargo test --release --test all handin::`.

mod common;

mod cli_experiments;
mod cli_train;
mod data_errors;
mod drawing;
mod edge_inputs;
mod handin;
mod idx_fuzz;
mod layers;
mod report_bundle;
mod run_dirs;
mod signals;
mod tui_dashboard;
mod tui_experiments;
mod tui_hardening;
mod tui_process;
mod tui_scripted;

#[test]
fn every_file_in_tests_is_a_module_here() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let root = include_str!("all.rs");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(&tests).unwrap().flatten() {
        let p = e.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let module = if p.is_dir() {
            p.join("mod.rs").is_file() || p.join("main.rs").is_file()
        } else {
            p.extension().is_some_and(|x| x == "rs")
        };
        if module && name != "all" && !root.lines().any(|l| l == format!("mod {name};")) {
            missing.push(p.display().to_string());
        }
    }
    assert!(missing.is_empty(), "not run: declare these as modules in tests/all.rs: {missing:?}");
}
