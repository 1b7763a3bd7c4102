//! MNIST-style datasets: finding the files, reading them, and the in-memory dataset type.

pub mod drawing;
pub mod idx;
pub mod ink;
pub mod locate;
pub mod png_digit;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use locate::{resolve_data_dir, DataDirSource};

/// One split (train or test): images kept as bytes (4x smaller than f32; batches convert on the fly).
#[derive(Debug, Clone)]
pub struct Dataset {
    pub rows: usize,
    pub cols: usize,
    /// Not public: [`Dataset::ink`] is found from them once, so they never change after reading.
    images: Vec<u8>,
    pub labels: Vec<u8>,
    ink: std::sync::OnceLock<ink::Ink>,
}

impl Dataset {
    /// `labels.len()` images of `rows × cols` bytes, one after another in `images`.
    pub fn new(rows: usize, cols: usize, images: Vec<u8>, labels: Vec<u8>) -> Dataset {
        Dataset { rows, cols, images, labels, ink: std::sync::OnceLock::new() }
    }
    /// Every image's bytes, one image after another.
    pub fn images(&self) -> &[u8] {
        &self.images
    }
    /// Where each image has ink, found on first use.
    pub fn ink(&self) -> &ink::Ink {
        self.ink.get_or_init(|| ink::Ink::of(&self.images, self.pixels()))
    }
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Pixels per image, which is the model's input width.
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }
    pub fn image(&self, i: usize) -> &[u8] {
        let p = self.pixels();
        &self.images[i * p..(i + 1) * p]
    }
    /// A copy of the images and labels at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut images = Vec::with_capacity(indices.len() * self.pixels());
        for &i in indices {
            images.extend_from_slice(self.image(i));
        }
        Dataset::new(self.rows, self.cols, images, indices.iter().map(|&i| self.labels[i]).collect())
    }
    /// The first `n` examples (or all when there are fewer): tests and quick runs use real slices.
    pub fn head(&self, n: usize) -> Dataset {
        let idx: Vec<usize> = (0..n.min(self.len())).collect();
        self.subset(&idx)
    }
}

/// A file that was read, with its checksum, so a run records exactly which data it saw.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DataFile {
    pub path: PathBuf,
    pub sha256: String,
}

/// Train and test splits of one dataset plus where they came from.
#[derive(Debug, Clone)]
pub struct Mnist {
    pub train: Dataset,
    pub test: Dataset,
    pub classes: usize,
    pub dir: PathBuf,
    pub files: Vec<DataFile>,
}

/// Which of the four files; used for lookup and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    TrainImages,
    TrainLabels,
    TestImages,
    TestLabels,
}

impl FileKind {
    pub const ALL: [FileKind; 4] = [
        FileKind::TrainImages,
        FileKind::TrainLabels,
        FileKind::TestImages,
        FileKind::TestLabels,
    ];

    /// Stem and IDX dimension count: `train-images` + `3` gives `train-images-idx3-ubyte`.
    fn parts(self) -> (&'static str, u8) {
        match self {
            FileKind::TrainImages => ("train-images", 3),
            FileKind::TrainLabels => ("train-labels", 1),
            FileKind::TestImages => ("t10k-images", 3),
            FileKind::TestLabels => ("t10k-labels", 1),
        }
    }

    /// The names this file goes by in the wild, in the order we look for them.
    pub fn candidate_names(self) -> Vec<String> {
        let (stem, n) = self.parts();
        let mut names = Vec::new();
        for base in [format!("{stem}-idx{n}-ubyte"), format!("{stem}.idx{n}-ubyte")] {
            names.push(format!("{base}.gz"));
            names.push(base);
        }
        names
    }

    /// Finds this file in `dir`, naming every accepted spelling when it is missing.
    pub fn find_in(self, dir: &Path) -> Result<PathBuf> {
        let names = self.candidate_names();
        names
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .with_context(|| {
                format!(
                    "{}: no {} file found (looked for {})",
                    dir.display(),
                    self.parts().0,
                    names.join(", ")
                )
            })
    }
}

/// Reads a file fully and returns its decompressed content and the checksum of the bytes on disk.
fn read_idx_bytes(path: &Path) -> Result<(Vec<u8>, String)> {
    let raw = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let sha = format!("{:x}", Sha256::digest(&raw));
    let bytes = idx::maybe_gunzip(raw).with_context(|| format!("{}", path.display()))?;
    Ok((bytes, sha))
}

fn read_split(images_path: &Path, labels_path: &Path) -> Result<(Dataset, [DataFile; 2])> {
    let (img_bytes, img_sha) = read_idx_bytes(images_path)?;
    let images = idx::parse_images(&img_bytes).with_context(|| images_path.display().to_string())?;
    drop(img_bytes);
    let (lab_bytes, lab_sha) = read_idx_bytes(labels_path)?;
    let labels = idx::parse_labels(&lab_bytes).with_context(|| labels_path.display().to_string())?;
    if labels.len() != images.count {
        bail!(
            "{}: holds {} labels but {} holds {} images",
            labels_path.display(),
            labels.len(),
            images_path.display(),
            images.count
        );
    }
    let files = [
        DataFile { path: images_path.to_path_buf(), sha256: img_sha },
        DataFile { path: labels_path.to_path_buf(), sha256: lab_sha },
    ];
    Ok((Dataset::new(images.rows, images.cols, images.pixels, labels), files))
}

/// Number of classes implied by the training labels: max + 1, every class in between must occur.
/// A label far outside the others (a corrupted byte) is reported instead of silently widening the model.
fn class_count(train: &Dataset, train_labels: &Path) -> Result<usize> {
    let mut seen = [0usize; 256];
    for &l in &train.labels {
        seen[l as usize] += 1;
    }
    let max = train.labels.iter().copied().max().unwrap_or(0) as usize;
    if let Some(gap) = (0..max).find(|&c| seen[c] == 0) {
        let at = train.labels.iter().position(|&l| l as usize == max).unwrap_or(0);
        bail!(
            "{}: label {max} at index {at} is outside the class range 0..={} (class {gap} never occurs, so the labels are not a contiguous class range)",
            train_labels.display(),
            gap.saturating_sub(1)
        );
    }
    Ok(max + 1)
}

/// The four IDX files in `dir` (train images, train labels, test images, test labels), without
/// reading them: what a command checks before it creates anything.
pub fn find_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        if dir.exists() {
            bail!("{}: not a directory (the data directory is the one holding the four MNIST files)", dir.display());
        }
        bail!("{}: data directory does not exist", dir.display());
    }
    FileKind::ALL.iter().map(|k| k.find_in(dir)).collect()
}

/// Loads train and test splits from `dir` (raw or gzip IDX, usual or dotted names). The two splits are
/// decoded on two threads: decompression dominates loading and the machines have at least two cores.
pub fn load_dir(dir: &Path) -> Result<Mnist> {
    let paths = find_files(dir)?;
    let (train_res, test_res) = if crate::threads::get() > 1 {
        std::thread::scope(|s| {
            let test = s.spawn(|| read_split(&paths[2], &paths[3]));
            let train = read_split(&paths[0], &paths[1]);
            (train, test.join().expect("test split reader panicked"))
        })
    } else {
        (read_split(&paths[0], &paths[1]), read_split(&paths[2], &paths[3]))
    };
    let (train, train_files) = train_res?;
    let (test, test_files) = test_res?;
    if (test.rows, test.cols) != (train.rows, train.cols) {
        bail!(
            "{}: images are {}x{} but training images are {}x{}",
            paths[2].display(),
            test.rows,
            test.cols,
            train.rows,
            train.cols
        );
    }
    let classes = class_count(&train, &paths[1])?;
    if let Some((i, &l)) = test.labels.iter().enumerate().find(|(_, &l)| l as usize >= classes) {
        bail!(
            "{}: label {l} at index {i} is outside the class range 0..={} of the training labels",
            paths[3].display(),
            classes - 1
        );
    }
    let files = train_files.into_iter().chain(test_files).collect();
    Ok(Mnist { train, test, classes, dir: dir.to_path_buf(), files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_names_cover_usual_and_dotted_spellings() {
        let names = FileKind::TestLabels.candidate_names();
        assert!(names.contains(&"t10k-labels-idx1-ubyte.gz".to_string()));
        assert!(names.contains(&"t10k-labels-idx1-ubyte".to_string()));
        assert!(names.contains(&"t10k-labels.idx1-ubyte".to_string()));
    }

    #[test]
    fn a_data_directory_must_be_a_directory() {
        let file = locate::bundled_dir().unwrap().join("t10k-labels-idx1-ubyte.gz");
        let err = load_dir(&file).unwrap_err().to_string();
        assert!(err.ends_with("t10k-labels-idx1-ubyte.gz: not a directory (the data directory is the one holding the four MNIST files)"), "{err}");
        let err = load_dir(&file.with_extension("missing")).unwrap_err().to_string();
        assert!(err.ends_with("data directory does not exist"), "{err}");
    }

    #[test]
    fn loads_the_bundled_mnist() {
        let m = load_dir(&locate::bundled_dir().unwrap()).unwrap();
        assert_eq!((m.train.len(), m.test.len(), m.classes), (60_000, 10_000, 10));
        assert_eq!((m.train.rows, m.train.cols), (28, 28));
        // First training digit of MNIST is a 5, first test digit a 7.
        assert_eq!((m.train.labels[0], m.test.labels[0]), (5, 7));
        let sums = std::fs::read_to_string(m.dir.join("SHA256SUMS")).unwrap();
        for f in &m.files {
            assert!(sums.contains(&f.sha256), "{} checksum not in SHA256SUMS", f.path.display());
        }
    }
}
