//! The run directory, and the only module that knows its layout: file names, the `summary.json`
//! schema, writing, reading with validation, and listing.
//!
//! A run directory is claimed when the run starts and saved after every finished epoch, then once
//! more when the run ends. Every save is staged: all new files are written into a hidden directory
//! inside the run directory first, and only when every byte is on disk are they renamed into place,
//! `summary.json` last. A full disk or a kill therefore leaves the previous save whole, and no file
//! ever claims more than `summary.json` does (its status and epoch count).
//!
//! Nothing here overwrites what a person made: a run is only ever written into a directory that was
//! empty or absent when it was claimed, and new names are made with `create_dir`, which fails rather
//! than reuse a directory.

mod atomic;
mod bundle;
mod notes;
pub mod owned;
mod report_md;
pub mod summary;
mod sweep_report;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

pub use atomic::{temp_in, write_atomic};
pub use crate::files::read_bounded;
pub use bundle::{curves_title, read_predictions, write_bundle};
pub use notes::{read_notes, save_notes, write_notes, Saved, NOTES_MAX_BYTES, NOTES_MD};
pub use sweep_report::{write_sweep_bundle, Target};
pub use report_md::{confusion_table, per_class_table};
pub use summary::{DataInfo, Summary, TestMetrics, FORMAT_VERSION};

use crate::data::Mnist;
use crate::model::{io as model_io, Architecture};
use crate::train::RunResult;
use crate::train::neurons::NeuronAnalysis;
pub use crate::figures::weights_grid::Shading;

pub const SUMMARY: &str = "summary.json";
pub const EPOCHS_CSV: &str = "epochs.csv";
pub const PREDICTIONS_CSV: &str = "predictions.csv";
pub const CONFUSION_CSV: &str = "confusion.csv";
pub const REPORT_MD: &str = "report.md";
pub const MODEL: &str = "model.safetensors";
/// Every first-layer neuron as a labelled tile (gray, the lab's rescaling); `WEIGHTS_GRID_DIVERGING`
/// the same in the dashboard's diverging colors, written when asked for (`w` with that shading on
/// screen). Pages beyond the first (over 512 neurons) go in `weights/`, see [`grid_page_path`].
pub const WEIGHTS_GRID: &str = "weights-grid.png";
pub const WEIGHTS_GRID_DIVERGING: &str = "weights-grid-diverging.png";
/// One PNG per first-layer neuron, `neuron-NNN.png`, written when the run ends.
pub const WEIGHTS_DIR: &str = "weights";
pub const CURVES_PNG: &str = "curves.png";
pub const CONFUSION_PNG: &str = "confusion.png";
pub const MISCLASSIFIED_PNG: &str = "misclassified.png";
/// What each first-layer unit responds to (see `train::neurons`), and the clearest units drawn.
pub const NEURONS_CSV: &str = "neurons.csv";
pub const NEURONS_PNG: &str = "neurons.png";
/// Every file a run's saves write at the top of its directory (besides `weights/`): what `discard`
/// removes, and nothing else (`notes.md`, a person's, is never among them).
pub const RUN_FILES: &[&str] =
    &[SUMMARY, EPOCHS_CSV, PREDICTIONS_CSV, CONFUSION_CSV, NEURONS_CSV, REPORT_MD, MODEL, WEIGHTS_GRID, CURVES_PNG, CONFUSION_PNG, MISCLASSIFIED_PNG, NEURONS_PNG];
/// The report bundle's figures: drawn when a run ends or on request, removed when they would describe
/// another epoch than `report.md`.
const FIGURES: [&str; 4] = [CURVES_PNG, CONFUSION_PNG, MISCLASSIFIED_PNG, NEURONS_PNG];
/// A sweep directory's (or `compare --out`'s) leaderboard.
pub const LEADERBOARD_MD: &str = "leaderboard.md";
pub const LEADERBOARD_CSV: &str = "leaderboard.csv";
/// A sweep directory's bar chart of every run's test accuracy.
pub const COMPARISON_PNG: &str = "comparison.png";
/// A sweep directory's study over seeds (when a setting ran with several seeds): one row per
/// setting, as CSV and Markdown, and its charts of mean test accuracy against hidden neurons and
/// against hidden layers.
pub const STUDY_CSV: &str = "study.csv";
pub const STUDY_MD: &str = "study.md";
pub const STUDY_NEURONS_PNG: &str = "study-neurons.png";
pub const STUDY_LAYERS_PNG: &str = "study-layers.png";

/// The SHA-256 of the `report.md` digitlab last wrote: a `report.md` that no longer matches it was
/// edited by a person, and is set aside (`report-edited.md`) before a new one takes its place.
pub const REPORT_DIGEST: &str = ".report.md.sha256";

/// Prefix of the hidden directories a save is staged in; listing and clean-up know them by it.
const STAGING_PREFIX: &str = ".staging-";
/// Far above any summary this program writes (256 classes and thousands of epochs fit in ~2 MB), so
/// a damaged or foreign file is refused before it is read into memory.
pub const SUMMARY_MAX_BYTES: u64 = 8 << 20;

/// Where page `page` (from 0) of the weights grid goes, relative to the run directory.
pub fn grid_page_path(page: usize, shading: Shading) -> PathBuf {
    let stem = match shading {
        Shading::Gray => "weights-grid",
        Shading::Diverging => "weights-grid-diverging",
    };
    if page == 0 {
        PathBuf::from(format!("{stem}.png"))
    } else {
        Path::new(WEIGHTS_DIR).join(format!("{stem}-{}.png", page + 1))
    }
}

/// Every first-layer neuron's weights (one `Vec` per neuron) as a `rows x cols` picture in the levels
/// of `shading`: its own min → 0 and max → 255, or symmetric around 0 for the diverging map.
fn tiles_of(weights: &[Vec<f32>], (rows, cols): (usize, usize), shading: Shading) -> Vec<crate::viz::GrayImage> {
    let levels = match shading {
        Shading::Gray => crate::viz::rescale_to_gray,
        Shading::Diverging => crate::viz::signed_gray,
    };
    weights.iter().map(|w| crate::viz::GrayImage::from_pixels(cols, rows, levels(w))).collect()
}

/// The pages of the weights grid in `shading` for which `wanted(path)` holds, each tile labelled
/// with its neuron's number and preferred class. `tiles` (made only when a page is wanted) are the
/// `units` neurons' pictures in that shading.
fn grid_files<'a>(
    units: usize,
    tiles: impl FnOnce() -> std::borrow::Cow<'a, [crate::viz::GrayImage]>,
    neurons: &NeuronAnalysis,
    shading: Shading,
    compression: png::Compression,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Vec<File>> {
    use crate::figures::weights_grid::{grid_page, pages};
    let pages_needed: Vec<usize> = (0..pages(units)).filter(|&p| wanted(&grid_page_path(p, shading))).collect();
    if pages_needed.is_empty() {
        return Ok(Vec::new());
    }
    let tiles = tiles();
    let labels: Vec<String> = (0..units)
        .map(|j| match neurons.units.get(j) {
            Some(n) if n.selectivity > 0.0 => format!("#{j} ({})", n.preferred),
            _ => format!("#{j}"),
        })
        .collect();
    pages_needed.into_iter().map(|p| Ok((grid_page_path(p, shading), grid_page(&tiles, &labels, shading, p).png_with(compression)?))).collect()
}

/// The picture of one confusion pair's digits, `misclassified-actualA-predP.png`.
pub fn pair_png(actual: u8, predicted: u8) -> PathBuf {
    PathBuf::from(format!("misclassified-actual{actual}-pred{predicted}.png"))
}

/// Writes every test image of true class `actual` that `predictions` call `predicted` as one PNG in
/// `dir` (the dashboard's `w` in Results, `digitlab report --pair`), and returns its path.
pub fn write_pair_png(dir: &Path, test: &crate::data::Dataset, predictions: &[u8], actual: u8, predicted: u8) -> Result<PathBuf> {
    use crate::figures::misclassified::{misses, pair_chart};
    let path = dir.join(pair_png(actual, predicted));
    write_atomic(&path, &pair_chart(test, &misses(&test.labels, predictions), actual, predicted).png()?)?;
    Ok(path)
}

/// Writes, outside a save, neuron `neuron`'s picture and the weights grid in `shading` (what the
/// dashboard's `w` asks for), and returns their paths.
pub fn write_pictures(dir: &Path, model: &crate::model::Mlp, neurons: &NeuronAnalysis, neuron: usize, (rows, cols): (usize, usize), shading: Shading) -> Result<Vec<PathBuf>> {
    use crate::export::images;
    let img = images::unit_image(model, rows, cols, neuron).upscale(images::UNIT_SCALE);
    let mut files = vec![(neuron_png(neuron), images::png_bytes(&img)?)];
    let weights = model.first_layer_unit_weights();
    files.extend(grid_files(weights.len(), || tiles_of(&weights, (rows, cols), shading).into(), neurons, shading, png::Compression::Balanced, |_| true)?);
    // Staged and renamed into place like a save, so a full disk leaves the earlier pictures whole.
    commit(dir, files, &[])
}

/// The path of neuron `j`'s picture, relative to the run directory.
pub fn neuron_png(j: usize) -> PathBuf {
    Path::new(WEIGHTS_DIR).join(format!("neuron-{j:03}.png"))
}

/// A directory's last component (which names a run or a sweep), or the whole path when it has none.
pub fn dir_name(dir: &Path) -> String {
    dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The name a run gets when none is given: `<YYYYmmdd-HHMMSS>-<architecture>`.
pub fn default_name(arch: &Architecture) -> String {
    format!("{}-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"), arch.slug())
}

/// Creates a new directory `root/name`, or `name-2`, `name-3`, … when that is taken. `create_dir`
/// either makes the directory or fails, so two runs started in the same second, in one process or
/// two, never share a directory.
pub fn create_unique(root: &Path, name: &str) -> Result<PathBuf> {
    fs::create_dir_all(root).with_context(|| format!("{}: cannot create the runs directory", root.display()))?;
    for k in 1.. {
        let dir = if k == 1 { root.join(name) } else { root.join(format!("{name}-{k}")) };
        match fs::create_dir(&dir) {
            Ok(()) => return check_writable(&dir).map(|()| dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && k < 10_000 => continue,
            Err(e) => return Err(e).with_context(|| format!("{}: cannot create run directory", dir.display())),
        }
    }
    unreachable!("the loop returns")
}

/// Claims `dir` (given by the user) for a new run or sweep: created when absent, accepted when empty.
/// A directory that holds anything is refused, so no earlier run and no file a person put there is
/// ever written over. Returns whether the directory was created here.
pub fn claim(dir: &Path, what: &str) -> Result<bool> {
    let created = match fs::read_dir(dir) {
        Ok(mut entries) => {
            if let Some(first) = entries.next() {
                let first = first.map(|e| e.file_name().to_string_lossy().into_owned()).unwrap_or_default();
                bail!(
                    "{}: already holds files ({first}{}); digitlab never writes over earlier work: name a new directory \
                     (e.g. {}-2), or leave --out out for a fresh one under runs/",
                    dir.display(),
                    if entries.next().is_some() { ", …" } else { "" },
                    dir.display()
                );
            }
            false
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).with_context(|| format!("{}: cannot create {what} directory", dir.display()))?;
            true
        }
        Err(e) if dir.exists() && !dir.is_dir() => {
            return Err(e).with_context(|| format!("{}: exists and is not a directory", dir.display()));
        }
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", dir.display())),
    };
    check_writable(dir)?;
    Ok(created)
}

/// Fails early, before any training time is spent, when files cannot be created in `dir`.
fn check_writable(dir: &Path) -> Result<()> {
    tempfile::tempfile_in(dir).with_context(|| format!("{}: run directory is not writable", dir.display()))?;
    Ok(())
}

/// Removes a run directory that never got a save (the run ended before its first epoch), so no
/// unexplained empty directory is left. Anything else in it (a file a person added) keeps it.
pub fn remove_if_unsaved(dir: &Path) {
    if dir.join(SUMMARY).exists() {
        return;
    }
    remove_staging(dir);
    let _ = fs::remove_dir(dir);
}

/// Deletes a run directory on the user's explicit request: the files this program writes, then the
/// directory itself if nothing else is in it. Returns what was left behind, if anything. The run's
/// notes (`notes.md`) are a person's work: they stay, and so does the directory that holds them.
pub fn discard(dir: &Path) -> Result<Option<String>> {
    remove_staging(dir);
    for name in RUN_FILES.iter().chain(&[WEIGHTS_GRID_DIVERGING, REPORT_DIGEST]) {
        remove_file_if_present(&dir.join(name))?;
    }
    // The numbered pictures: neurons and grid pages in weights/, and the confusion pairs asked for.
    let weights = dir.join(WEIGHTS_DIR);
    remove_pngs(&weights, |n| numbered(n, "neuron-") || numbered(n, "weights-grid-") || numbered(n, "weights-grid-diverging-"))?;
    let _ = fs::remove_dir(&weights);
    let pair = |n: &str| n.strip_prefix("misclassified-actual").and_then(|r| r.split_once("-pred")).is_some_and(|(a, p)| numbered(a, "") && numbered(p, ""));
    remove_pngs(dir, pair)?;
    match fs::remove_dir(dir) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) if dir.join(NOTES_MD).exists() => Ok(Some(format!("{} kept: it holds your notes ({NOTES_MD})", dir.display()))),
        Err(_) => Ok(Some(format!("{} kept: it holds files digitlab did not write", dir.display()))),
    }
}

fn remove_staging(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

fn remove_file_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).with_context(|| format!("{}: cannot remove", path.display())),
        _ => Ok(()),
    }
}

/// Whether `name` is `prefix` then digits (the extension left off), as digitlab numbers files.
fn numbered(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes the `.png` files in `dir` whose names (without `.png`) `ours` recognises; anything else,
/// a picture a person put there included, stays.
fn remove_pngs(dir: &Path, ours: impl Fn(&str) -> bool) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.strip_suffix(".png").is_some_and(&ours) {
            remove_file_if_present(&e.path())?;
        }
    }
    Ok(())
}

/// A file of a save: its path relative to the run directory, and its bytes.
type File = (PathBuf, Vec<u8>);

/// Which save of a run this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// After a finished epoch: the records, the model, the tables, `report.md` and the weights grid;
    /// figures and neuron pictures only where they were asked for mid-run (`b`, `w`), drawn again for
    /// this epoch so that no picture describes another epoch than `report.md`.
    Epoch,
    /// The run has ended: everything, with the figures (curves, confusion heatmap, misclassified
    /// digits) and one picture per first-layer neuron.
    Final,
}

/// Saves `run` into its directory `dir` (already claimed) and returns the files now there. On error
/// the directory keeps its previous save, whole.
pub fn save(dir: &Path, run: &RunResult, data: &Mnist, stage: Stage) -> Result<Vec<PathBuf>> {
    use crate::export::{images, tables};
    let summary = Summary::new(run, DataInfo::of(data));
    let eval = &run.last.test;
    let model = &run.last.model;
    // Each first-layer unit's weights and picture, made once for the grids, the single-neuron files
    // and the neurons figure.
    let shape = (data.train.rows, data.train.cols);
    let weights = model.first_layer_unit_weights();
    let pictures = tiles_of(&weights, shape, Shading::Gray);
    let mut files: Vec<File> = vec![
        (EPOCHS_CSV.into(), tables::epochs_csv(&run.history).into_bytes()),
        (PREDICTIONS_CSV.into(), tables::predictions_csv(&data.test.labels, &eval.predicted).into_bytes()),
        (CONFUSION_CSV.into(), tables::confusion_csv(&eval.report.confusion).into_bytes()),
        (NEURONS_CSV.into(), tables::neurons_csv(&run.last.neurons).into_bytes()),
        (MODEL.into(), model_io::to_bytes(model)?),
    ];
    // The gray grid's first page always; its other pages and the diverging grid at the end, or
    // again when they were asked for mid-run.
    let asked = |p: &Path| stage == Stage::Final || dir.join(p).is_file();
    // Mid-run the grids are drawn again every epoch beside the training: fast compression there.
    let compression = if stage == Stage::Final { png::Compression::Balanced } else { png::Compression::Fast };
    let units = weights.len();
    files.extend(grid_files(units, || pictures.as_slice().into(), &run.last.neurons, Shading::Gray, compression, |p| p == Path::new(WEIGHTS_GRID) || asked(p))?);
    let diverging = || tiles_of(&weights, shape, Shading::Diverging).into();
    files.extend(grid_files(units, diverging, &run.last.neurons, Shading::Diverging, compression, |p| dir.join(p).is_file() || dir.join(WEIGHTS_GRID_DIVERGING).is_file())?);
    // Mid-run, only what was asked for (`b`, `w`) is drawn again, so that it shows this epoch too;
    // at the end, everything.
    for (j, picture) in pictures.iter().enumerate() {
        if stage == Stage::Final || dir.join(neuron_png(j)).is_file() {
            files.push((neuron_png(j), images::png_bytes(&picture.upscale(images::UNIT_SCALE))?));
        }
    }
    let with_figures = stage == Stage::Final || dir.join(CURVES_PNG).is_file();
    let captions = if with_figures {
        let (figures, captions) = bundle::figure_files(&summary, &eval.predicted, data, Some((&run.last.neurons, &weights)))?;
        files.extend(figures);
        Some(captions)
    } else {
        None
    };
    files.push((REPORT_MD.into(), bundle::report_md(&summary, captions.as_ref(), Some(&run.last.neurons)).into_bytes()));
    // Figures not drawn again would describe another epoch than report.md.
    let stale: &[&str] = if with_figures { &[] } else { &FIGURES };
    files.push((SUMMARY.into(), serde_json::to_vec_pretty(&summary)?));
    commit(dir, files, stale)
}

/// Records that a run failed before its first epoch: a run directory whose `summary.json` says
/// `failed` with the reason, so a sweep's leaderboard can list it.
pub fn save_failure(dir: &Path, summary: &Summary) -> Result<Vec<PathBuf>> {
    commit(dir, vec![(SUMMARY.into(), serde_json::to_vec_pretty(summary)?)], &[])
}

/// Changes the recorded status of a saved run (e.g. to `failed` when its next save could not be
/// written): `summary.json` and `report.md` are rewritten, small enough to fit where the whole save
/// did not, and figures of the old status are removed.
pub fn set_status(dir: &Path, status: crate::train::RunStatus) -> Result<()> {
    let mut summary = read_summary(dir)?;
    summary.status = status;
    let files = vec![
        (REPORT_MD.into(), bundle::report_md(&summary, None, None).into_bytes()),
        (SUMMARY.into(), serde_json::to_vec_pretty(&summary)?),
    ];
    commit(dir, files, &FIGURES)?;
    Ok(())
}

/// Writes `files` (paths relative to `dir`) into a staging directory inside `dir`, then renames them
/// into place, `summary.json` last; `stale` files are removed before the renames. The staging
/// directory is deleted whatever happens.
fn commit(dir: &Path, mut files: Vec<File>, stale: &[&str]) -> Result<Vec<PathBuf>> {
    // The report's digest travels with it, so the next save can tell a person's edits from its own.
    if let Some(report) = files.iter().find(|(name, _)| name == Path::new(REPORT_MD)).map(|(_, b)| digest(b)) {
        files.push((REPORT_DIGEST.into(), report.into_bytes()));
    }
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(dir)
        .with_context(|| format!("{}: cannot write into the run directory", dir.display()))?;
    for (name, bytes) in &files {
        let path = staging.path().join(name);
        let written = path.parent().map_or(Ok(()), fs::create_dir_all).and_then(|()| write_new(&path, bytes));
        written.with_context(|| format!("{}: cannot write (the directory keeps its previous save)", dir.join(name).display()))?;
    }
    for name in stale {
        remove_file_if_present(&dir.join(name))?;
    }
    if files.iter().any(|(name, _)| name == Path::new(REPORT_MD)) {
        set_aside_edited_report(dir)?;
    }
    // The summary refers to the rest, so it goes in last.
    files.sort_by_key(|(name, _)| name == Path::new(SUMMARY));
    let mut written = Vec::with_capacity(files.len());
    for (name, _) in &files {
        let to = dir.join(name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        fs::rename(staging.path().join(name), &to).with_context(|| format!("{}: cannot move into place", to.display()))?;
        written.push(to);
    }
    Ok(written)
}

/// SHA-256 of `bytes` in hex: how digitlab recognises a file it wrote that a person has since changed.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// Moves `report.md` to `report-edited.md` (or `-2`, `-3`, …) when a person changed it since digitlab
/// wrote it (or when digitlab cannot tell, for a directory from before the digest was kept).
fn set_aside_edited_report(dir: &Path) -> Result<()> {
    let report = dir.join(REPORT_MD);
    let Ok(current) = read_bounded(&report, 64 << 20, "report") else { return Ok(()) };
    let ours = fs::read_to_string(dir.join(REPORT_DIGEST)).ok();
    if ours.as_deref().map(str::trim) == Some(digest(&current).as_str()) {
        return Ok(());
    }
    let mut k = 1;
    let mut to = dir.join("report-edited.md");
    while to.exists() {
        k += 1;
        to = dir.join(format!("report-edited-{k}.md"));
    }
    // Said nowhere but in the file name: the dashboard's saves must not write on the terminal.
    fs::rename(&report, &to).with_context(|| format!("{}: edited by hand, cannot be set aside to {}", report.display(), to.display()))

}

/// Creates `path` with the process's umask (a lab partner can read what the umask allows), writes
/// and syncs it.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Reads and validates a run's `summary.json`; a damaged or foreign file is an error naming the file
/// and what is wrong with it.
pub fn read_summary(dir: &Path) -> Result<Summary> {
    let path = dir.join(SUMMARY);
    let bytes = read_bounded(&path, SUMMARY_MAX_BYTES, "run summary")?;
    let summary: Summary =
        serde_json::from_slice(&bytes).map_err(|e| anyhow!("{}: not a digitlab run summary: {e}", path.display()))?;
    summary.validate().map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(summary)
}

/// A run found on disk.
#[derive(Debug, Clone)]
pub struct RunOnDisk {
    pub dir: PathBuf,
    pub summary: Summary,
}

impl RunOnDisk {
    pub fn name(&self) -> String {
        dir_name(&self.dir)
    }
}

/// Runs found on disk, and the directories that looked like runs but could not be read (with why).
#[derive(Debug, Default)]
pub struct Listing {
    pub runs: Vec<RunOnDisk>,
    pub skipped: Vec<(PathBuf, String)>,
}

impl Listing {
    /// One line per skipped run, for stderr or a status line.
    pub fn skipped_lines(&self) -> Vec<String> {
        self.skipped.iter().map(|(_, why)| format!("skipped {why}")).collect()
    }
}

/// True for a directory that holds a run record.
pub fn is_run(dir: &Path) -> bool {
    dir.join(SUMMARY).exists()
}

/// Runs among `paths`, in the order given (the order a hand-in's report and a comparison follow): a
/// path holding `summary.json` is a run; any other directory is searched one level down (a sweep, or
/// a runs folder), its runs in name order. A run given twice is listed once, where it first came.
/// Runs whose summary cannot be read are skipped and named in the listing; a path that is neither, or
/// holds no run at all, is an error naming it.
pub fn list(paths: &[PathBuf]) -> Result<Listing> {
    let mut dirs = Vec::new();
    for p in paths {
        if is_run(p) {
            dirs.push(p.clone());
            continue;
        }
        if !p.is_dir() {
            bail!("{}: no such directory", p.display());
        }
        let found = run_dirs_in(p)?;
        if found.is_empty() {
            bail!("{}: not a run directory (no {SUMMARY}) and no run directory inside", p.display());
        }
        dirs.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    Ok(read_all(dirs))
}

/// Every run directly under `root` (the dashboard's `runs/`); an absent root is an empty listing.
pub fn scan(root: &Path) -> Listing {
    read_all(run_dirs_in(root).unwrap_or_default())
}

fn read_all(dirs: Vec<PathBuf>) -> Listing {
    let mut listing = Listing::default();
    for dir in dirs {
        match read_summary(&dir) {
            Ok(summary) => listing.runs.push(RunOnDisk { dir, summary }),
            Err(e) => listing.skipped.push((dir, format!("{e:#}"))),
        }
    }
    listing
}

/// Subdirectories of `dir` holding a run record, sorted; hidden ones (staging, set-aside runs) are not runs.
pub fn run_dirs_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut runs = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))? {
        let entry = entry.with_context(|| format!("{}: cannot list", dir.display()))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if is_run(&path) {
            runs.push(path);
        }
    }
    runs.sort();
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Discarding removes the numbered pictures digitlab writes and nothing a person put beside them.
    #[test]
    fn discard_removes_only_the_pictures_digitlab_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        fs::create_dir_all(dir.join(WEIGHTS_DIR)).unwrap();
        let ours = [SUMMARY, "weights/neuron-007.png", "weights/weights-grid-2.png", "weights/weights-grid-diverging-3.png", "misclassified-actual9-pred4.png"];
        let theirs = ["weights/neuron-favourite.png", "weights/weights-grid-copy.png", "misclassified-actual9-pred4-circled.png"];
        for name in ours.iter().chain(&theirs) {
            fs::write(dir.join(name), b"x").unwrap();
        }
        assert!(discard(&dir).unwrap().unwrap().contains("holds files digitlab did not write"));
        for name in ours {
            assert!(!dir.join(name).exists(), "{name} should be gone");
        }
        for name in theirs {
            assert!(dir.join(name).exists(), "{name} is a person's and stays");
        }
    }

    /// A discarded run's notes stay, and the directory with them; everything digitlab wrote goes.
    #[test]
    fn discard_keeps_the_notes_and_their_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        fs::create_dir_all(dir.join(WEIGHTS_DIR)).unwrap();
        for name in RUN_FILES.iter().chain(&[WEIGHTS_GRID_DIVERGING, REPORT_DIGEST, "weights/neuron-000.png"]) {
            fs::write(dir.join(name), b"x").unwrap();
        }
        write_notes(&dir, "why this run matters\n").unwrap();
        let kept = discard(&dir).unwrap().expect("the directory is kept");
        assert!(kept.contains("your notes (notes.md)"), "{kept}");
        assert_eq!(read_notes(&dir).unwrap(), "why this run matters\n");
        let left: Vec<String> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(left, [NOTES_MD], "only the notes are left");
        // A run directory that never had a save keeps its notes too.
        remove_if_unsaved(&dir);
        assert!(dir.join(NOTES_MD).is_file());
    }
}
