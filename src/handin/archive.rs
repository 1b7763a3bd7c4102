//! `handin.zip`: everything in the hand-in directory a student sends — the report (PDF and source),
//! its figures, the runs' records and anything the student put there — and never a data set file,
//! build output, a hidden file, a link or the zip itself.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

pub const ZIP: &str = "handin.zip";

/// Folders never packed: build output of Rust and Python work, and version control.
const SKIPPED_DIRS: [&str; 4] = ["target", "__pycache__", ".git", "node_modules"];

/// What went into the zip and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Packed {
    pub bytes: u64,
    /// Paths inside the zip, `/`-separated, in the order written.
    pub files: Vec<String>,
    /// Files left out, with why (data sets, links).
    pub left_out: Vec<String>,
}

/// True when the first bytes are an IDX file's header (two zero bytes, a type code, a dimension count).
fn idx_magic(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] == 0 && head[1] == 0 && matches!(head[2], 0x08 | 0x09 | 0x0B | 0x0C | 0x0D | 0x0E) && (1..=4).contains(&head[3])
}

/// True for a data set file: IDX (raw or gzip-compressed) by its content, or named like MNIST's files.
pub fn is_dataset(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if name.contains("-ubyte") || name.ends_with(".idx") || name.contains(".idx.") {
        return true;
    }
    let Ok(mut f) = fs::File::open(path) else { return false };
    let mut head = [0u8; 4];
    if f.read_exact(&mut head).is_err() {
        return false;
    }
    if idx_magic(&head) {
        return true;
    }
    if head[..2] == [0x1f, 0x8b] {
        let Ok(f) = fs::File::open(path) else { return false };
        let mut inner = [0u8; 4];
        return flate2::read::GzDecoder::new(f).read_exact(&mut inner).is_ok() && idx_magic(&inner);
    }
    false
}

/// Files under `dir` to pack, relative, sorted; what is left out and why goes to `left_out`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>, left_out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let kind = e.file_type()?;
        if name.starts_with('.') || (dir == root && name == ZIP) {
            continue;
        }
        if kind.is_symlink() {
            left_out.push(format!("{} (a link: its target may be anywhere)", rel.display()));
        } else if kind.is_dir() {
            if SKIPPED_DIRS.contains(&name.as_str()) {
                left_out.push(format!("{}/ (build output or version control)", rel.display()));
            } else {
                walk(root, &path, out, left_out)?;
            }
        } else if kind.is_file() {
            if is_dataset(&path) {
                left_out.push(format!("{} (a data set file: the lab asks for the work without the data sets)", rel.display()));
            } else {
                out.push(rel);
            }
        }
    }
    Ok(())
}

/// Packs `dir` into `dir/handin.zip` (written beside and renamed over, so a zip is always whole).
/// PNG, PDF and compressed files are stored as they are; text is deflated.
pub fn pack(dir: &Path) -> Result<Packed> {
    let mut files = Vec::new();
    let mut left_out = Vec::new();
    walk(dir, dir, &mut files, &mut left_out)?;
    let target = dir.join(ZIP);
    let mut tmp = crate::rundir::temp_in(dir)?;
    let now = chrono::Local::now().naive_local();
    use chrono::{Datelike, Timelike};
    let stamp = zip::DateTime::from_date_and_time(now.year() as u16, now.month() as u8, now.day() as u8, now.hour() as u8, now.minute() as u8, now.second() as u8)
        .unwrap_or_default();
    let mut names = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(tmp.as_file_mut());
        for rel in &files {
            let name: String = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
            let stored = matches!(rel.extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase).as_deref(), Some("png" | "pdf" | "zip" | "gz" | "jpg" | "jpeg"));
            let options = SimpleFileOptions::default()
                .compression_method(if stored { CompressionMethod::Stored } else { CompressionMethod::Deflated })
                .last_modified_time(stamp)
                .unix_permissions(0o644)
                .large_file(fs::metadata(dir.join(rel)).map(|m| m.len() >= u32::MAX as u64).unwrap_or(false));
            zip.start_file(name.as_str(), options).with_context(|| format!("{}: cannot add {name}", target.display()))?;
            let mut f = fs::File::open(dir.join(rel)).with_context(|| format!("{}: cannot read", dir.join(rel).display()))?;
            std::io::copy(&mut f, &mut zip).with_context(|| format!("{}: cannot add {name}", target.display()))?;
            names.push(name);
        }
        zip.finish().with_context(|| format!("{}: cannot finish", target.display()))?;
    }
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all().ok();
    tmp.persist(&target).map_err(|e| e.error).with_context(|| format!("{}: cannot write", target.display()))?;
    let bytes = fs::metadata(&target)?.len();
    Ok(Packed { bytes, files: names, left_out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_sets_links_hidden_files_and_build_output_stay_out() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("report.md"), "# r\n").unwrap();
        fs::create_dir_all(d.join("runs/a")).unwrap();
        fs::write(d.join("runs/a/summary.json"), "{}").unwrap();
        // The bundled test labels under another name, gzip-compressed as shipped, and one raw header.
        let bundled = crate::data::locate::bundled_dir().unwrap();
        let labels = fs::read_dir(&bundled).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().contains("t10k-labels")).unwrap();
        fs::copy(&labels, d.join("copy-of-labels.bin.gz")).unwrap();
        fs::write(d.join("raw.bin"), [0u8, 0, 8, 1, 0, 0, 0, 0]).unwrap();
        fs::create_dir_all(d.join("target/release")).unwrap();
        fs::write(d.join("target/release/digitlab"), "x").unwrap();
        fs::write(d.join(".handin.json"), "{}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&labels, d.join("link.gz")).unwrap();
        let packed = pack(d).unwrap();
        assert_eq!(packed.files, vec!["report.md".to_string(), "runs/a/summary.json".to_string()]);
        let out = packed.left_out.join("\n");
        for name in ["copy-of-labels.bin.gz (a data set", "raw.bin (a data set", "target/ (build output"] {
            assert!(out.contains(name), "{name} not named in {out}");
        }
        // The zip reads back with the same names.
        let mut z = zip::ZipArchive::new(fs::File::open(d.join(ZIP)).unwrap()).unwrap();
        assert_eq!(z.len(), 2);
        let mut text = String::new();
        z.by_name("report.md").unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "# r\n");
        // The zip's mode is that of any new file there (temporary files are private).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&d.join(ZIP)), mode(&d.join("report.md")));
        }
        // Packing again replaces the zip and does not pack the old one.
        assert_eq!(pack(d).unwrap().files.len(), 2);
    }
}
