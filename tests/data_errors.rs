//! Bad input files: each kind of damage, made from a real MNIST file, must end the program with one
//! line naming the file and the problem, a failing exit code, and no panic.

use crate::common;

use std::path::{Path, PathBuf};

use common::{bundled, digitlab, raw, text};

const FILES: [&str; 4] = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// A data directory with the bundled files linked in, except `name`, which gets `content` (raw IDX,
/// or gzip when `gz`), or is left out when `content` is None.
fn data_dir_with(name: &str, content: Option<Vec<u8>>, gz: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in FILES {
        if f != name {
            std::os::unix::fs::symlink(bundled().join(format!("{f}.gz")), dir.path().join(format!("{f}.gz"))).unwrap();
        }
    }
    let path = dir.path().join(if gz { format!("{name}.gz") } else { name.to_string() });
    if let Some(bytes) = content {
        std::fs::write(&path, bytes).unwrap();
    }
    (dir, path)
}

/// Runs training on `dir` and checks the failure is one clear line naming `file` and `problem`.
fn assert_fails(dir: &Path, file: &str, problem: &str) {
    let out_dir = dir.join("out");
    let out = digitlab(&["train", "--data", dir.to_str().unwrap(), "--epochs", "1", "--out", out_dir.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "should fail: {err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("digitlab: error")).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    assert_eq!(err.lines().count(), 1, "nothing but the error line expected: {err}");
    assert!(lines[0].contains(file), "error should name {file}: {}", lines[0]);
    assert!(lines[0].contains(problem), "error should say '{problem}': {}", lines[0]);
}

fn set_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn missing_file() {
    let (dir, _) = data_dir_with("t10k-labels-idx1-ubyte", None, false);
    assert_fails(dir.path(), dir.path().to_str().unwrap(), "no t10k-labels file found");
}

#[test]
fn empty_file() {
    let (dir, p) = data_dir_with("t10k-labels-idx1-ubyte", Some(Vec::new()), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "file is empty");
}

#[test]
fn wrong_magic() {
    let mut b = raw("t10k-images-idx3-ubyte");
    set_u32(&mut b, 0, 0x0000_0801);
    let (dir, p) = data_dir_with("t10k-images-idx3-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "wrong magic number 0x00000801, expected 0x00000803");
}

#[test]
fn truncated_data() {
    let mut b = raw("t10k-images-idx3-ubyte");
    b.truncate(16 + 784 * 5000);
    let (dir, p) = data_dir_with("t10k-images-idx3-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "header claims 7840000 data bytes but the file holds 3920000");
}

#[test]
fn header_claims_more_than_the_file_holds() {
    let mut b = raw("t10k-images-idx3-ubyte");
    set_u32(&mut b, 4, u32::MAX);
    let (dir, p) = data_dir_with("t10k-images-idx3-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "but the file holds 7840000");
}

#[test]
fn zero_dimension() {
    let mut b = raw("t10k-images-idx3-ubyte");
    set_u32(&mut b, 8, 0);
    let (dir, p) = data_dir_with("t10k-images-idx3-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "zero row count in header");
}

#[test]
fn image_label_count_mismatch() {
    let mut b = raw("t10k-labels-idx1-ubyte");
    set_u32(&mut b, 4, 9_999);
    b.pop();
    let (dir, p) = data_dir_with("t10k-labels-idx1-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "holds 9999 labels but");
}

#[test]
fn test_label_outside_class_range() {
    let mut b = raw("t10k-labels-idx1-ubyte");
    b[8 + 3] = 12;
    let (dir, p) = data_dir_with("t10k-labels-idx1-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "label 12 at index 3 is outside the class range 0..=9");
}

#[test]
fn train_label_outside_class_range() {
    let mut b = raw("train-labels-idx1-ubyte");
    b[8 + 10] = 200;
    let (dir, p) = data_dir_with("train-labels-idx1-ubyte", Some(b), false);
    assert_fails(dir.path(), p.to_str().unwrap(), "label 200 at index 10 is outside the class range");
}

#[test]
fn corrupt_gzip() {
    let mut gz = std::fs::read(bundled().join("t10k-images-idx3-ubyte.gz")).unwrap();
    let mid = gz.len() / 2;
    gz[mid..mid + 64].iter_mut().for_each(|b| *b ^= 0x5a);
    let (dir, p) = data_dir_with("t10k-images-idx3-ubyte", Some(gz), true);
    assert_fails(dir.path(), p.to_str().unwrap(), "corrupt gzip data");
}

#[test]
fn raw_files_and_dotted_names_are_read() {
    // The user's own copies: uncompressed, with the dotted spelling, via DIGITLAB_DATA-free --data.
    let dir = tempfile::tempdir().unwrap();
    for f in FILES {
        let dotted = f.replacen("-idx", ".idx", 1);
        std::fs::write(dir.path().join(dotted), raw(f)).unwrap();
    }
    let m = digitlab::data::load_dir(dir.path()).unwrap();
    assert_eq!((m.train.len(), m.test.len(), m.classes), (60_000, 10_000, 10));
    assert!(m.files.iter().all(|f| f.path.to_str().unwrap().contains(".idx")));
}
