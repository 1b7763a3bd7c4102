//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

pub mod tui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")
}

/// Runs the real binary with `args`, with no DIGITLAB_DATA from the caller's environment.
pub fn digitlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digitlab"))
        .args(args)
        .env_remove("DIGITLAB_DATA")
        .output()
        .expect("run digitlab")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decompressed bytes of a bundled MNIST file (`t10k-labels-idx1-ubyte`, …).
pub fn raw(name: &str) -> Vec<u8> {
    use std::io::Read;
    let gz = std::fs::read(bundled().join(format!("{name}.gz"))).unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out).unwrap();
    out
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A data directory holding the bundled MNIST with only its first `train` training images (raw IDX,
/// headers rewritten), for end-to-end runs that should take a moment, not minutes.
pub fn mnist_slice(dir: &Path, train: usize) -> PathBuf {
    let out = dir.join("mnist-slice");
    std::fs::create_dir_all(&out).unwrap();
    let images = raw("train-images-idx3-ubyte");
    let labels = raw("train-labels-idx1-ubyte");
    let mut head = images[..16].to_vec();
    head[4..8].copy_from_slice(&(train as u32).to_be_bytes());
    head.extend_from_slice(&images[16..16 + train * 784]);
    std::fs::write(out.join("train-images-idx3-ubyte"), head).unwrap();
    let mut head = labels[..8].to_vec();
    head[4..8].copy_from_slice(&(train as u32).to_be_bytes());
    head.extend_from_slice(&labels[8..8 + train]);
    std::fs::write(out.join("train-labels-idx1-ubyte"), head).unwrap();
    for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
        std::fs::write(out.join(name), raw(name)).unwrap();
    }
    out
}
