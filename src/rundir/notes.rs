//! A run's notes: `notes.md`, the one file in a run directory that a person writes (through the
//! dashboard's note editor, or any editor). digitlab reads it, writes it only when asked to, and never
//! deletes it: `discard` leaves it, and the directory with it.

use std::path::Path;

use anyhow::{anyhow, bail, Result};

use super::{read_bounded, write_atomic};

pub const NOTES_MD: &str = "notes.md";

/// Far more than a student types about a run; a larger file is not a note and is not read into memory.
pub const NOTES_MAX_BYTES: u64 = 1 << 20;

/// The notes of the run in `dir`: empty when it has none. A file too large or not UTF-8 is an error
/// naming it, so that nobody writes over what could not be read.
pub fn read_notes(dir: &Path) -> Result<String> {
    let path = dir.join(NOTES_MD);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        _ => {}
    }
    let bytes = read_bounded(&path, NOTES_MAX_BYTES, "run's notes")?;
    String::from_utf8(bytes).map_err(|e| anyhow!("{}: not UTF-8 text (byte {} is not valid); open it in an editor that can convert it", path.display(), e.utf8_error().valid_up_to()))
}

/// The line that puts a version of `notes.md` written elsewhere under the editor's, when the two met.
pub const CHANGED_ELSEWHERE: &str = "*notes.md as it was changed outside the dashboard, kept when the dashboard saved (tidy up):*";

/// What [`save_notes`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The text, as asked.
    Text,
    /// `notes.md` had changed since the editor read it: the text, then the file's own under
    /// [`CHANGED_ELSEWHERE`]; this is what the file now holds.
    Merged(String),
}

/// Writes `text` as the notes of the run in `dir`, an editor's text over what the file held as far
/// as the editor knows (`ours`: the text it read or last saved, and a save of its own still on its
/// way): when `notes.md` holds none of them (someone edited it in another editor meanwhile), writing
/// `text` alone would lose their edit, so both go in, `text` first ([`Saved::Merged`]).
pub fn save_notes(dir: &Path, text: &str, ours: &[String]) -> Result<Saved> {
    let now = read_notes(dir)?;
    // Nothing of theirs to lose: one of ours, this very text, or emptied (or deleted).
    if ours.contains(&now) || now == text || now.trim().is_empty() {
        write_notes(dir, text)?;
        return Ok(Saved::Text);
    }
    let merged = format!("{}\n\n---\n\n{CHANGED_ELSEWHERE}\n\n{}", text.trim_end(), now.trim_end());
    write_notes(dir, &merged)?;
    Ok(Saved::Merged(merged))
}

/// Writes `text` as the notes of the run in `dir`, whole or not at all.
pub fn write_notes(dir: &Path, text: &str) -> Result<()> {
    let path = dir.join(NOTES_MD);
    if text.len() as u64 > NOTES_MAX_BYTES {
        bail!("{}: a note of {} bytes is more than digitlab keeps (at most {NOTES_MAX_BYTES} bytes)", path.display(), text.len());
    }
    write_atomic(&path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_notes_has_empty_notes_and_written_notes_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(read_notes(tmp.path()).unwrap(), "");
        write_notes(tmp.path(), "ReLU beats sigmoid here.\n\nSeed 2 diverged at lr 0.1 ✎\n").unwrap();
        assert_eq!(read_notes(tmp.path()).unwrap(), "ReLU beats sigmoid here.\n\nSeed 2 diverged at lr 0.1 ✎\n");
        write_notes(tmp.path(), "").unwrap();
        assert_eq!(std::fs::read(tmp.path().join(NOTES_MD)).unwrap(), b"");
        // Nothing but the note itself is left in the directory (no temporary file).
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    /// An editor's save over notes changed elsewhere since it read them keeps both; over unchanged
    /// notes it writes its text alone.
    #[test]
    fn saving_over_notes_changed_elsewhere_keeps_both() {
        let tmp = tempfile::tempdir().unwrap();
        write_notes(tmp.path(), "first").unwrap();
        assert_eq!(save_notes(tmp.path(), "first, then more", &["first".into()]).unwrap(), Saved::Text);
        assert_eq!(read_notes(tmp.path()).unwrap(), "first, then more");
        // Edited in vim meanwhile.
        write_notes(tmp.path(), "first, then more\nfrom vim\n").unwrap();
        let Saved::Merged(merged) = save_notes(tmp.path(), "first, then more, typed in the dashboard", &["first, then more".into()]).unwrap() else { panic!("merged") };
        assert_eq!(read_notes(tmp.path()).unwrap(), merged);
        let (ours, theirs) = merged.split_once(CHANGED_ELSEWHERE).unwrap();
        assert!(ours.starts_with("first, then more, typed in the dashboard") && theirs.contains("first, then more\nfrom vim"), "{merged}");
        // A file emptied or deleted meanwhile holds nothing to keep: the text alone.
        std::fs::remove_file(tmp.path().join(NOTES_MD)).unwrap();
        assert_eq!(save_notes(tmp.path(), "again", &["something".into()]).unwrap(), Saved::Text);
        assert_eq!(read_notes(tmp.path()).unwrap(), "again");
        // Its own earlier save, landed while this one waited, is not someone else's edit.
        assert_eq!(save_notes(tmp.path(), "again and more", &["something".into(), "again".into()]).unwrap(), Saved::Text);
    }

    #[test]
    fn oversized_or_binary_notes_are_refused_with_the_file_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(NOTES_MD);
        std::fs::write(&path, b"caf\xe9 au lait").unwrap();
        let err = format!("{:#}", read_notes(tmp.path()).unwrap_err());
        assert!(err.contains(&path.display().to_string()) && err.contains("not UTF-8") && err.contains("byte 3"), "{err}");

        std::fs::write(&path, vec![b'a'; NOTES_MAX_BYTES as usize + 1]).unwrap();
        let err = format!("{:#}", read_notes(tmp.path()).unwrap_err());
        assert!(err.contains(&path.display().to_string()) && err.contains("at most 1048576 bytes"), "{err}");

        let big = "a".repeat(NOTES_MAX_BYTES as usize + 1);
        let err = format!("{:#}", write_notes(tmp.path(), &big).unwrap_err());
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), NOTES_MAX_BYTES + 1, "the refused write left the file as it was");
    }

    #[test]
    fn a_directory_named_notes_md_is_an_error_not_an_empty_note() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join(NOTES_MD)).unwrap();
        let err = format!("{:#}", read_notes(tmp.path()).unwrap_err());
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn writing_into_a_missing_run_directory_names_it() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("gone");
        let err = format!("{:#}", write_notes(&gone, "x").unwrap_err());
        assert!(err.contains(&gone.display().to_string()), "{err}");
        assert!(!gone.exists());
    }
}
