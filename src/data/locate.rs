//! Which data directory to use: `--data DIR`, else `$DIGITLAB_DATA`, else the bundled copy.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// Environment variable naming a data directory when `--data` is not given.
pub const DATA_ENV: &str = "DIGITLAB_DATA";

/// Where the data directory came from (shown to the user and recorded in summaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDirSource {
    Flag,
    Env,
    Bundled,
}

impl DataDirSource {
    /// How the user chose it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            DataDirSource::Flag => "from --data",
            DataDirSource::Env => "from $DIGITLAB_DATA",
            DataDirSource::Bundled => "the bundled copy",
        }
    }
}

/// Places the bundled `data/mnist` may be: next to the working directory, next to the executable (or
/// its `target/<profile>` ancestors), and the source tree this binary was built from (which is what
/// `cargo install --path .` leaves behind).
fn bundled_candidates() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("data/mnist")];
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(4) {
            out.push(dir.join("data/mnist"));
        }
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist"));
    out
}

fn looks_like_mnist(dir: &Path) -> bool {
    super::FileKind::ALL.iter().all(|k| k.find_in(dir).is_ok())
}

/// The bundled MNIST directory, wherever the binary runs from.
pub fn bundled_dir() -> Result<PathBuf> {
    let candidates = bundled_candidates();
    match candidates.iter().find(|d| looks_like_mnist(d)) {
        Some(d) => Ok(d.clone()),
        None => bail!(
            "bundled MNIST not found (looked in {}); pass --data DIR or set {DATA_ENV}",
            candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Resolves the data directory from the flag, the environment, or the bundled copy, in that order.
pub fn resolve_data_dir(flag: Option<&Path>) -> Result<(PathBuf, DataDirSource)> {
    if let Some(dir) = flag {
        return Ok((dir.to_path_buf(), DataDirSource::Flag));
    }
    if let Some(dir) = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(dir), DataDirSource::Env));
    }
    Ok((bundled_dir()?, DataDirSource::Bundled))
}
