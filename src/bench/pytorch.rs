//! The PyTorch comparison: runs `bench/pytorch_mlp.py` on the same workload and reads its JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::Workload;

/// Environment variable naming the Python interpreter to use.
pub const PYTHON_ENV: &str = "DIGITLAB_PYTHON";

/// What the script prints for one workload.
#[derive(Debug, Clone, Deserialize)]
pub struct TorchResult {
    pub torch: String,
    pub threads: usize,
    pub epoch_seconds: Vec<f64>,
    pub median_epoch_seconds: f64,
    pub test_accuracy_after_3: f64,
    pub eval_seconds: f64,
    pub peak_rss_bytes: u64,
}

/// A Python that can `import torch`: `$DIGITLAB_PYTHON`, else `bench/.venv/bin/python3`, else
/// `python3`. `Err` says why there is none (shown in the table instead of PyTorch's figures).
pub fn find_python() -> Result<PathBuf, String> {
    let python = match std::env::var_os(PYTHON_ENV).filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => {
            let venv = repo_root().join("bench/.venv/bin/python3");
            if venv.is_file() { venv } else { PathBuf::from("python3") }
        }
    };
    let ok = Command::new(&python)
        .args(["-c", "import torch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(python)
    } else {
        Err(format!("`{} -c \"import torch\"` failed", python.display()))
    }
}

/// The source tree holding `bench/` (the working directory when it has one, else the build's).
fn repo_root() -> PathBuf {
    if Path::new("bench/pytorch_mlp.py").is_file() {
        PathBuf::from(".")
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }
}

/// Runs the script for one workload (in its own process, so its peak RSS is the workload's own).
pub fn run(python: &Path, w: &Workload, data: &Path, epochs: u32, threads: usize) -> Result<TorchResult> {
    let script = repo_root().join("bench/pytorch_mlp.py");
    let hidden = w.hidden.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(",");
    let out = Command::new(python)
        .arg(&script)
        .arg("--data")
        .arg(data)
        .args(["--name", w.name, "--hidden", &hidden])
        .args(["--batch-size", &w.batch_size.to_string(), "--lr", &w.lr.to_string()])
        .args(["--epochs", &epochs.to_string(), "--threads", &threads.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("{}: cannot run {}", python.display(), script.display()))?;
    if !out.status.success() {
        bail!("{} failed ({})", script.display(), out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("{}: unexpected output {stdout:?}", script.display()))
}
