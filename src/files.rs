//! Reading files within a bound that fits their format.

use std::fs;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// A file size as a person reads it: 512 B, 28.6 KB, 2.0 MB, 1.2 GB.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KB", b as f64 / 1024.0),
        b if b < 1 << 30 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b => format!("{:.1} GB", b as f64 / (1 << 30) as f64),
    }
}

/// The length of `path`, when it is a regular file of at most `limit` bytes (what `read_bounded`
/// checks before reading).
pub fn check_bounded(path: &Path, limit: u64, what: &str) -> Result<u64> {
    let meta = fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    if meta.len() > limit {
        bail!("{}: {} bytes, more than digitlab accepts for a {what} (at most {} bytes)", path.display(), meta.len(), limit);
    }
    Ok(meta.len())
}

/// Reads a whole file of at most `limit` bytes, refusing anything that is not a regular file (a
/// device, a directory, a FIFO) or is larger, before reading a byte: every reader of a file format
/// goes through here, so a damaged or hostile file costs no time or memory.
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let len = check_bounded(path, limit, what)?;
    let mut bytes = Vec::with_capacity(len as usize);
    fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!("{}: grew past {limit} bytes while being read", path.display());
    }
    Ok(bytes)
}
