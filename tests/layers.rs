//! The crate's modules in layer order: a module may use only modules before it in its list, so data
//! flows one way and no two modules import each other. A `use` that points up a layer fails here,
//! naming the file and the line.

use std::path::{Path, PathBuf};

/// Top-level modules, lowest first: the training core, then what saves and shows results, then the
/// programs (dashboard, benchmark), then the command layer, the only code that knows clap.
const CRATE: &[&str] = &[
    "console", "files", "enums", "threads", "viz", "data", "signals", "metrics", "model", "train", // the core: knows nothing of files or screens
    "export", "figures", "pdf", // pure: tables, PNG bytes, charts, PDF bytes
    "rundir",  // the one owner of the run directory
    "headless", "experiments", // training without a screen: one run, sweeps and leaderboards
    "handin", // the lab report and zip of chosen runs
    "tui", "bench", // the dashboard, and the benchmark that measures it
    "commands", // clap
];

/// The dashboard's modules, lowest first: state changes only in `app`; `keys` maps keys to messages;
/// views draw `&App`; `event` is the loop; `testing` (tests only) drives them all.
const TUI: &[&str] = &["colors", "theme", "graphics", "form", "draw", "handin_form", "note", "effects", "msg", "app", "widgets", "keys", "views", "event", "testing"];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The modules `line` names after `prefix` (`crate::` or `crate::tui::`), also inside `prefix{a, b}`.
fn referenced(line: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != "self" {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

/// Lines of code (comments dropped) with their numbers.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.split(" // ").next().unwrap_or(l).to_string()))
        .collect()
}

/// Every reference from a module of `order` to one at or above it (other than itself).
fn violations(order: &[&str], module_of: impl Fn(&Path) -> Option<String>, files: &[PathBuf], prefixes: &[&str]) -> Vec<String> {
    let rank = |m: &str| order.iter().position(|&o| o == m);
    let mut bad = Vec::new();
    for f in files {
        let Some(me) = module_of(f) else { continue };
        let Some(my_rank) = rank(&me) else {
            bad.push(format!("{}: module {me} is not in the layer list", f.display()));
            continue;
        };
        for (n, line) in code_lines(f) {
            for prefix in prefixes {
                for used in referenced(&line, prefix) {
                    match rank(&used) {
                        Some(r) if r > my_rank => bad.push(format!("{}:{n}: {me} uses {used}, a layer above it: {}", f.display(), line.trim())),
                        _ => {}
                    }
                }
            }
        }
    }
    bad
}

#[test]
fn modules_only_use_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let top = |f: &Path| -> Option<String> {
        let rel = f.strip_prefix(&src).ok()?;
        let first = rel.components().next()?.as_os_str().to_string_lossy().to_string();
        let name = first.trim_end_matches(".rs").to_string();
        (!matches!(name.as_str(), "lib" | "main")).then_some(name)
    };
    let mut bad = violations(CRATE, top, &files, &["crate::"]);

    let tui = src.join("tui");
    let tui_module = |f: &Path| -> Option<String> {
        let rel = f.strip_prefix(&tui).ok()?;
        let first = rel.components().next()?.as_os_str().to_string_lossy().to_string();
        let name = first.trim_end_matches(".rs").to_string();
        (name != "mod").then_some(name)
    };
    // `super::` means the tui module only in its own files and in views/ and widgets/'s mod.rs.
    let direct: Vec<PathBuf> =
        files.iter().filter(|f| f.parent() == Some(&tui) || f.ends_with("views/mod.rs") || f.ends_with("widgets/mod.rs")).cloned().collect();
    let nested: Vec<PathBuf> = files.iter().filter(|f| f.starts_with(&tui) && !direct.contains(f)).cloned().collect();
    bad.extend(violations(TUI, tui_module, &direct, &["crate::tui::", "super::"]));
    bad.extend(violations(TUI, tui_module, &nested, &["crate::tui::"]));
    assert!(bad.is_empty(), "{} upward use(s):\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_use() {
    // The same check on a made-up tree, so a checker that saw nothing could not pass the test above.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.rs"), "use crate::{data, tui::app::App};\n").unwrap();
    let files = vec![dir.path().join("model.rs")];
    let bad = violations(CRATE, |_| Some("model".into()), &files, &["crate::"]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].contains("model uses tui"), "{bad:?}");
}
