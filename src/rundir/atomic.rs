//! A single file written on its own goes to a temporary file in the same directory and is renamed
//! into place, so a crash, a full disk or a kill never leaves a half-written file under the final name.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// A hidden temporary file in `dir`, to be renamed or linked into place once whole. It is opened like
/// any new file, so its mode follows the umask (tempfile's own default, 0600, would make a saved
/// picture or zip unreadable to anyone else).
pub fn temp_in(dir: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".digitlab-")
        .suffix(".tmp")
        .make_in(dir, |p| std::fs::OpenOptions::new().write(true).create_new(true).open(p))
        .with_context(|| format!("{}: cannot create a file in this directory", dir.display()))
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = temp_in(dir)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("{}: write failed", path.display()))?;
    // On failure the temporary file is deleted when `tmp` drops.
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("{}: cannot move into place", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn mode_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        // A plain new file made by the same process gets the mode the umask leaves.
        let reference = dir.path().join("b.txt");
        std::fs::write(&reference, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&reference));
        assert_ne!(mode(&p), 0o600, "the umask of this process would have to be 0177 for this to be right");
    }

    #[test]
    fn missing_directory_is_named() {
        let err = write_atomic(Path::new("/nonexistent-dir-xyz/a.txt"), b"x").unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent-dir-xyz"), "{err:#}");
    }
}
