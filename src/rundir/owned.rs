//! Files digitlab writes where a person works too — a hand-in, a sweep directory, `compare --out` —
//! each recorded with the SHA-256 of what was written. A later command replaces or removes such a
//! file only while it still holds exactly what digitlab wrote there (or already what it is about to
//! write); a file a person changed, or made under a name digitlab writes, stays as it is, and the
//! command refuses before writing anything, naming it.
//!
//! (A run directory's `report.md` has its own `.report.md.sha256`: a run's saves cannot stop to ask,
//! so an edited report is set aside there instead.)

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};

use super::{digest, read_bounded, write_atomic};

/// Path relative to the directory (`/`-separated) → SHA-256 (hex) of the bytes digitlab wrote there.
pub type Digests = BTreeMap<String, String>;

/// Files to write into a directory: each one's name there and its bytes, in the order to write them.
pub type Contents = Vec<(&'static str, Vec<u8>)>;

/// Why a file cannot be replaced or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    /// digitlab wrote it, and it has changed since.
    Changed,
    /// No record says digitlab wrote it: a person's file, or one from a digitlab that kept no digests.
    Unknown,
    /// A folder or a link where digitlab writes a file.
    NotAFile,
}

/// A file in the way of a command.
#[derive(Debug, Clone)]
pub struct InTheWay {
    pub path: PathBuf,
    pub why: Foreign,
}

/// The error of a command that refused because files it would replace or remove are a person's (or
/// cannot be told from one): nothing was written. Callers that can go on without writing (a sweep
/// whose runs are saved) look for it with `downcast_ref`.
#[derive(Debug, Clone)]
pub struct Kept {
    pub files: Vec<InTheWay>,
    /// What to do about it, said after the files.
    pub advice: String,
}

impl std::error::Error for Kept {}

impl fmt::Display for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        let named: Vec<String> = self
            .files
            .iter()
            .take(SHOWN)
            .map(|k| {
                let why = match k.why {
                    Foreign::Changed => "changed since digitlab wrote it",
                    Foreign::Unknown => "no record that digitlab wrote it",
                    Foreign::NotAFile => "not a file",
                };
                format!("{} ({why})", k.path.display())
            })
            .collect();
        let more = self.files.len().saturating_sub(SHOWN);
        write!(f, "{}{}: {}", named.join(", "), if more > 0 { format!(" and {more} more") } else { String::new() }, self.advice)
    }
}

/// SHA-256 of the file at `path`, read in pieces (a model file can be large).
pub fn digest_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).with_context(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// What stands at `dir/rel` in the way of writing content with digest `new` there (`None`: of removing
/// it): nothing when it is absent, or holds what `ours` records digitlab wrote, or already holds `new`.
pub fn in_the_way(dir: &Path, ours: &Digests, rel: &str, new: Option<&str>) -> Result<Option<InTheWay>> {
    let path = dir.join(rel);
    let meta = match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
        Ok(m) => m,
    };
    if !meta.is_file() {
        return Ok(Some(InTheWay { path, why: Foreign::NotAFile }));
    }
    let current = digest_file(&path)?;
    if new == Some(current.as_str()) || ours.get(rel) == Some(&current) {
        return Ok(None);
    }
    let why = if ours.contains_key(rel) { Foreign::Changed } else { Foreign::Unknown };
    Ok(Some(InTheWay { path, why }))
}

/// Checks every `(rel, new digest or None for a removal)` of `planned` with [`in_the_way`]; when any
/// file is in the way, the error is a [`Kept`] naming them all, with `advice`.
pub fn check<'a>(dir: &Path, ours: &Digests, planned: impl IntoIterator<Item = (&'a str, Option<&'a str>)>, advice: impl FnOnce() -> String) -> Result<()> {
    let mut files = Vec::new();
    for (rel, new) in planned {
        files.extend(in_the_way(dir, ours, rel, new)?);
    }
    if files.is_empty() {
        return Ok(());
    }
    Err(Kept { files, advice: advice() }.into())
}

/// The record of what digitlab wrote into a directory it shares with a person (a sweep directory, a
/// `compare --out` directory); hidden, so a hand-in's zip leaves it out.
pub const RECORD: &str = ".digitlab-files.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    files: Digests,
}

/// The digests recorded in `dir` (none when it has no record).
pub fn read_record(dir: &Path) -> Result<Digests> {
    let path = dir.join(RECORD);
    if fs::symlink_metadata(&path).is_err() {
        return Ok(Digests::new());
    }
    let bytes = read_bounded(&path, 8 << 20, "record of digitlab's files")?;
    let record: Record = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow!("{}: damaged record of the files digitlab wrote here ({e}); remove it, and digitlab will treat every file here as yours", path.display()))?;
    Ok(record.files)
}

/// Writes `files` (names relative to `dir`) into `dir`, each atomically and in the order given, and
/// records their digests — unless one of them would replace a file that is not digitlab's unchanged:
/// then nothing is written, and the error, a [`Kept`], names them with `advice()`.
pub fn write_files(dir: &Path, files: &[(&str, Vec<u8>)], advice: impl FnOnce() -> String) -> Result<Vec<PathBuf>> {
    // Shards of one sweep may finish at once: the check, the writes and the record go together. (Where
    // a directory cannot be locked, they go as they are.)
    let lock = fs::File::open(dir).ok();
    let _locked = lock.as_ref().filter(|f| f.lock().is_ok());
    let mut ours = read_record(dir)?;
    let digests: Vec<String> = files.iter().map(|(_, bytes)| digest(bytes)).collect();
    check(dir, &ours, files.iter().zip(&digests).map(|((rel, _), d)| (*rel, Some(d.as_str()))), advice)?;
    let mut written = Vec::with_capacity(files.len());
    for ((rel, bytes), d) in files.iter().zip(digests) {
        let path = dir.join(rel);
        write_atomic(&path, bytes)?;
        ours.insert(rel.to_string(), d);
        written.push(path);
    }
    write_atomic(&dir.join(RECORD), &serde_json::to_vec_pretty(&Record { files: ours })?)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(e: &anyhow::Error) -> &Kept {
        e.downcast_ref::<Kept>().unwrap_or_else(|| panic!("not a refusal: {e:#}"))
    }

    /// digitlab's own unchanged files are written again; a file it wrote and a person changed, and a
    /// file a person made under a name digitlab writes, stop the whole write and are left as they were.
    #[test]
    fn only_files_still_as_digitlab_wrote_them_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let advice = || "move it".to_string();
        write_files(d, &[("a.md", b"one".to_vec()), ("b.csv", b"x,y".to_vec())], advice).unwrap();
        write_files(d, &[("a.md", b"two".to_vec()), ("b.csv", b"x,y,z".to_vec())], advice).unwrap();
        assert_eq!(fs::read(d.join("a.md")).unwrap(), b"two");

        fs::write(d.join("a.md"), b"two, and my own line").unwrap();
        fs::write(d.join("c.png"), b"my picture").unwrap();
        let e = write_files(d, &[("a.md", b"three".to_vec()), ("b.csv", b"1".to_vec()), ("c.png", b"chart".to_vec())], advice).unwrap_err();
        let k = kept(&e);
        assert_eq!(k.files.iter().map(|f| (f.path.clone(), f.why)).collect::<Vec<_>>(), [(d.join("a.md"), Foreign::Changed), (d.join("c.png"), Foreign::Unknown)]);
        let text = e.to_string();
        assert!(text.contains("a.md (changed since digitlab wrote it)") && text.contains("c.png (no record that digitlab wrote it)") && text.ends_with(": move it"), "{text}");
        assert_eq!(fs::read(d.join("a.md")).unwrap(), b"two, and my own line");
        assert_eq!(fs::read(d.join("b.csv")).unwrap(), b"x,y,z", "nothing is written when anything is refused");
        assert_eq!(fs::read(d.join("c.png")).unwrap(), b"my picture");

        // A file that already holds what would be written is no obstacle, whoever wrote it.
        fs::write(d.join("c.png"), b"chart").unwrap();
        fs::remove_file(d.join("a.md")).unwrap();
        write_files(d, &[("a.md", b"three".to_vec()), ("c.png", b"chart".to_vec())], advice).unwrap();
        // A folder where a file goes is in the way too.
        fs::create_dir(d.join("e.md")).unwrap();
        assert_eq!(kept(&write_files(d, &[("e.md", b"x".to_vec())], advice).unwrap_err()).files[0].why, Foreign::NotAFile);
    }

    #[test]
    fn a_damaged_record_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(RECORD), b"{ not json").unwrap();
        let e = format!("{:#}", write_files(tmp.path(), &[("a.md", b"x".to_vec())], String::new).unwrap_err());
        assert!(e.contains(RECORD) && e.contains("damaged record"), "{e}");
    }
}
