//! How much memory a run will need, and how much the machine (or its cgroup) has: a setup that cannot
//! fit is refused up front, with the estimate, instead of dying on a failed allocation mid-run.

use crate::data::Mnist;
use crate::model::Architecture;

/// The program itself: code, thread stacks, channels and buffers (measured: about 20 MB).
const BASE: u64 = 21 << 20;
/// Copies of the parameters alive at once: weights, gradients, Adam's two moments, the optimizer's
/// working copy, and the model snapshots the epoch events carry (calibrated on 784-4096-4096-10).
const PARAM_COPIES: u64 = 7;

/// Bytes a run of `arch` with batches of `batch` holds at its peak: while loading, the data with the
/// decompression's buffers (a small network's peak: `digitlab eval` alone peaks there too); while
/// training, the data set, the parameter copies, one batch's inputs and activations (forward and
/// backward), and one evaluation chunk. Within 1 % of the measured peaks of 784-128-10 and
/// 784-512-256-10 (103 MiB), 2 % for 784-4096-4096-10 (674 MiB).
pub fn estimate(arch: &Architecture, batch: usize, data_bytes: u64) -> u64 {
    let loading = BASE + data_bytes * LOADING_FACTOR_PERCENT / 100;
    loading.max(training(arch, batch, data_bytes))
}

/// The data while it is decompressed and parsed, as a share of the data set's own size (measured:
/// 105.6 MB peak for the 55 MB of MNIST).
const LOADING_FACTOR_PERCENT: u64 = 155;

fn training(arch: &Architecture, batch: usize, data_bytes: u64) -> u64 {
    let f = 4u64; // f32
    let p = arch.param_count() as u64;
    let input = arch.input as u64;
    let widths = arch.hidden.iter().map(|l| l.neurons as u64).sum::<u64>() + arch.classes as u64;
    let batch = batch as u64;
    let eval = super::eval::EVAL_CHUNK as u64;
    BASE + data_bytes + PARAM_COPIES * f * p + batch * input * f * 6 / 5 + batch * widths * f * 4 + eval * (input + widths) * f
}

/// The bytes a loaded data set occupies.
pub fn data_bytes(data: &Mnist) -> u64 {
    (data.train.images().len() + data.train.labels.len() + data.test.images().len() + data.test.labels.len()) as u64
}

/// Memory this process may still use: `DIGITLAB_MEMORY_LIMIT` when set (bytes, or with K/M/G), else
/// the smaller of the kernel's MemAvailable and what the cgroup (a container, a SLURM job) allows.
/// `None` when nothing can be read (the check is then skipped).
pub fn available() -> Option<u64> {
    if let Ok(v) = std::env::var("DIGITLAB_MEMORY_LIMIT") {
        return parse_size(&v);
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines().find_map(|l| l.strip_prefix("MemAvailable:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()).map(|kb| kb * 1024)
    });
    let cgroup = (|| {
        let max: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok()?.trim().parse().ok()?;
        let current: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory.current").ok()?.trim().parse().ok()?;
        Some(max.saturating_sub(current))
    })();
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `512M`, `2G`, `1048576`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()?.to_ascii_uppercase() {
        'K' => (&s[..s.len() - 1], 1u64 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

/// `123 MB` / `1.4 GB`.
pub fn human(bytes: u64) -> String {
    let mb = bytes as f64 / (1u64 << 20) as f64;
    if mb < 1024.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{:.1} GB", mb / 1024.0)
    }
}

/// Refuses a setup whose estimate exceeds the memory available, saying both.
pub fn check(arch: &Architecture, batch: usize, data: &Mnist) -> Result<u64, String> {
    let need = estimate(arch, batch, data_bytes(data));
    match available() {
        Some(have) if need > have => Err(format!(
            "this setup needs about {} of memory ({} parameters, batches of {batch}), but only {} is available; \
             use fewer or smaller layers or a smaller batch size",
            human(need),
            arch.param_count(),
            human(have)
        )),
        _ => Ok(need),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, HiddenLayer};

    fn arch(hidden: &[usize]) -> Architecture {
        Architecture::new(784, hidden.iter().map(|&n| HiddenLayer { neurons: n, activation: Activation::Relu }).collect(), 10)
    }

    /// The bundled MNIST's images and labels.
    const MNIST_BYTES: u64 = 60_000 * 785 + 10_000 * 785;

    #[test]
    fn the_estimate_is_near_the_measured_peaks() {
        // Peak RSS of `digitlab train --epochs 1` (release build, /usr/bin/time), this machine.
        for (hidden, batch, measured_mb) in [(&[128][..], 128, 105.5), (&[512, 256][..], 64, 105.6), (&[4096, 4096][..], 64, 690.4), (&[16][..], 60_000, 300.8)] {
            let mb = estimate(&arch(hidden), batch, MNIST_BYTES) as f64 / (1u64 << 20) as f64;
            assert!((mb / measured_mb - 1.0).abs() < 0.25, "{hidden:?} batch {batch}: {mb:.0} MB estimated, {measured_mb} measured");
        }
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("2g"), Some(2 << 30));
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(human(105 << 20), "105 MB");
    }
}
