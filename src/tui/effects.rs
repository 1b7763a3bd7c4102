//! What the dashboard asks to be done outside `App::update`: everything that touches the disk or takes
//! longer than a frame. `update` returns these as values; the [`Executor`] carries them out one after
//! another on a thread of its own (so a run's saves land in order) and each result comes back as a
//! [`Done`] message; a hand-in, which takes long, is made on a thread of its own beside them. Tests can
//! carry an effect out in place with [`perform`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::data::Mnist;
use crate::model::{io as model_io, Mlp};
use crate::rundir::{self, Listing, Stage};
use crate::train::neurons::NeuronAnalysis;
use crate::train::{eval, Evaluation, RunResult};

/// Identifies one run of the session, so that its saves find the directory its first save made.
pub type RunKey = u64;

#[derive(Debug)]
pub enum Effect {
    /// Save a run into `dir` when the app knows it; else its first save makes one under `root` (named
    /// `name`, or `name-2`, …) and later saves of the same run find it by `key`.
    Save { key: RunKey, dir: Option<PathBuf>, root: PathBuf, name: String, run: Box<RunResult>, data: Arc<Mnist>, stage: Stage },
    /// Delete a run's directory, on the user's explicit choice: `dir` when the app knows it, else the one
    /// its first save made (that save may still have been on its way).
    Discard { key: RunKey, dir: Option<PathBuf> },
    /// Record that a saved run ended in failure (its trainer died): its directory keeps the saved epochs
    /// and says why there are no more.
    Fail { key: RunKey, dir: Option<PathBuf>, reason: String },
    /// Rebuild the report bundle of a run directory.
    Report { dir: PathBuf, data: Arc<Mnist> },
    /// Write one neuron's picture and the weights grid into a run directory.
    Pictures { dir: PathBuf, model: Box<Mlp>, neurons: Arc<NeuronAnalysis>, neuron: usize, shape: (usize, usize), shading: rundir::Shading },
    /// Every test digit of one confusion cell (true `actual` taken for `predicted`) as a PNG.
    PairPicture { dir: PathBuf, data: Arc<Mnist>, predictions: Vec<u8>, actual: u8, predicted: u8 },
    /// Load a data directory (another one than the loaded data, chosen in the form).
    LoadData { dir: PathBuf },
    /// List the run directories under `root`.
    Scan { root: PathBuf },
    /// Load a saved run's model and evaluate it on `data`'s test set.
    Open { dir: PathBuf, data: Arc<Mnist> },
    /// Read a run's notes, to edit them.
    ReadNote { dir: PathBuf },
    /// Write `text` as a run's notes, an editor's text over what it knows the file holds (`ours`;
    /// changed elsewhere since, both are kept: `rundir::save_notes`).
    SaveNote { dir: PathBuf, text: String, ours: Vec<String> },
    /// Make a hand-in. `request.out` is the directory asked for; the hand-in goes into it, or into
    /// `out-2`, `out-3`, … when it exists, so no earlier hand-in is ever written over.
    Handin { request: Box<crate::handin::Request> },
    /// Save a drawing's network input (28×28, 0–255) as `dir/drawing-N.png`, the first N free.
    SaveDrawing { dir: PathBuf, pixels: Vec<u8> },
}

/// The result of an effect, as the dashboard receives it.
#[derive(Debug)]
pub enum Done {
    Saved { key: RunKey, stage: Stage, result: Result<(PathBuf, usize), String> },
    Discarded { key: RunKey, result: Result<String, String> },
    Failed { result: Result<Option<PathBuf>, String> },
    Report { dir: PathBuf, result: Result<usize, String> },
    Pictures { result: Result<Vec<PathBuf>, String> },
    /// The runs under `root`, and the notes of those that have some (or why they cannot be read).
    Scanned { root: PathBuf, listing: Listing, notes: Vec<(PathBuf, Result<String, String>)> },
    DataLoaded { dir: PathBuf, result: Result<Arc<Mnist>, String> },
    Opened { dir: PathBuf, result: Result<OpenedRun, String> },
    NoteRead { dir: PathBuf, result: Result<String, String> },
    /// `text` was (or could not be) written as the notes of `dir`; Ok holds the file's path and
    /// whether the file's own changes were kept beside it.
    NoteSaved { dir: PathBuf, text: String, result: Result<(PathBuf, rundir::Saved), String> },
    Handin { result: Result<crate::handin::Outcome, String> },
    DrawingSaved { result: Result<PathBuf, String> },
}

/// The directories the session's runs were saved in; owned by whoever carries the effects out.
#[derive(Debug, Default)]
pub struct RunDirs(HashMap<RunKey, PathBuf>);

fn text(e: anyhow::Error) -> String {
    format!("{e:#}")
}

/// Carries `effect` out here and now.
pub fn perform(effect: Effect, dirs: &mut RunDirs) -> Done {
    match effect {
        Effect::Save { key, dir, root, name, run, data, stage } => {
            let dir = match dirs.0.get(&key).cloned().or(dir) {
                Some(d) => Ok(d),
                None => rundir::create_unique(&root, &name).inspect(|d| {
                    dirs.0.insert(key, d.clone());
                }),
            };
            let _beside = crate::train::spinners::Beside::new();
            let result = dir.and_then(|d| rundir::save(&d, &run, &data, stage).map(|files| (d, files.len())));
            Done::Saved { key, stage, result: result.map_err(text) }
        }
        Effect::Discard { key, dir } => {
            let result = match dirs.0.remove(&key).or(dir) {
                None => Ok("nothing was saved yet".to_string()),
                Some(d) => rundir::discard(&d).map(|kept| kept.unwrap_or_else(|| format!("{} deleted", d.display()))),
            };
            Done::Discarded { key, result: result.map_err(text) }
        }
        Effect::Fail { key, dir, reason } => {
            let result = match dirs.0.get(&key).cloned().or(dir) {
                None => Ok(None),
                Some(d) => rundir::set_status(&d, crate::train::RunStatus::Failed { reason }).map(|()| Some(d)),
            };
            Done::Failed { result: result.map_err(text) }
        }
        Effect::Report { dir, data } => {
            let result = rundir::write_bundle(&dir, &data).map(|f| f.len()).map_err(text);
            Done::Report { dir, result }
        }
        Effect::PairPicture { dir, data, predictions, actual, predicted } => {
            Done::Pictures { result: rundir::write_pair_png(&dir, &data.test, &predictions, actual, predicted).map(|p| vec![p]).map_err(text) }
        }
        Effect::Pictures { dir, model, neurons, neuron, shape, shading } => {
            Done::Pictures { result: rundir::write_pictures(&dir, &model, &neurons, neuron, shape, shading).map_err(text) }
        }
        Effect::LoadData { dir } => {
            let result = crate::data::load_dir(&dir).map(Arc::new).map_err(text);
            Done::DataLoaded { dir, result }
        }
        Effect::Scan { root } => {
            let listing = rundir::scan(&root);
            let notes = listing
                .runs
                .iter()
                .map(|r| (r.dir.clone(), rundir::read_notes(&r.dir).map_err(text)))
                .filter(|(_, note)| note.as_ref().map_or(true, |t| !t.trim().is_empty()))
                .collect();
            Done::Scanned { root, listing, notes }
        }
        Effect::Open { dir, data } => {
            let result = open(&dir, &data).map_err(text);
            Done::Opened { dir, result }
        }
        Effect::ReadNote { dir } => {
            let result = rundir::read_notes(&dir).map_err(text);
            Done::NoteRead { dir, result }
        }
        Effect::SaveNote { dir, text: note, ours } => {
            let result = rundir::save_notes(&dir, &note, &ours).map(|saved| (dir.join(rundir::NOTES_MD), saved)).map_err(text);
            Done::NoteSaved { dir, text: note, result }
        }
        Effect::Handin { request } => Done::Handin { result: handin(*request).map_err(text) },
        Effect::SaveDrawing { dir, pixels } => Done::DrawingSaved { result: save_drawing(&dir, pixels).map_err(text) },
    }
}

/// Writes the picture under the first free name `drawing-N.png`: a hard link of a complete file, which
/// fails rather than replace an earlier drawing.
fn save_drawing(dir: &Path, pixels: Vec<u8>) -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    let side = crate::data::drawing::SIDE;
    let png = crate::export::images::png_bytes(&crate::viz::GrayImage { width: side, height: side, pixels })?;
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let tmp = rundir::temp_in(dir)?;
    std::fs::write(tmp.path(), &png).with_context(|| format!("{}: cannot write", tmp.path().display()))?;
    for n in 1..10_000 {
        let path = dir.join(format!("drawing-{n}.png"));
        match std::fs::hard_link(tmp.path(), &path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("{}: cannot write", path.display())),
        }
    }
    anyhow::bail!("{}: no free drawing-N.png name left", dir.display())
}

/// Makes the hand-in in a new directory: the one asked for, or the first of `-2`, `-3`, … that is free.
/// A directory made here for a hand-in that then failed is removed again if it is still empty.
fn handin(mut request: crate::handin::Request) -> anyhow::Result<crate::handin::Outcome> {
    let asked = request.out.clone();
    let name = asked.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "handin".into());
    // A bare name has an empty parent: the directory the dashboard was started in, as typed.
    request.out = rundir::create_unique(asked.parent().unwrap_or(Path::new("")), &name)?;
    let built = crate::handin::build(&request);
    if built.is_err() {
        let _ = std::fs::remove_dir(&request.out);
    }
    built
}

/// A saved run's model, evaluated on the loaded test set, and what its first-layer units respond to.
#[derive(Debug)]
pub struct OpenedRun {
    pub model: Box<Mlp>,
    pub eval: Box<Evaluation>,
    pub neurons: std::sync::Arc<NeuronAnalysis>,
}

fn open(dir: &Path, data: &Mnist) -> anyhow::Result<OpenedRun> {
    let path = dir.join(rundir::MODEL);
    let model = model_io::load(&path)?;
    if model.arch.input != data.test.pixels() || model.arch.classes != data.classes {
        anyhow::bail!("{}: the model does not fit the loaded data", path.display());
    }
    let (evaluation, neurons) = crate::train::worker::in_compute_pool(|| eval::evaluate_with_neurons(&model, &data.test));
    Ok(OpenedRun { model: Box::new(model), eval: Box::new(evaluation), neurons: std::sync::Arc::new(neurons) })
}

/// One worker thread that carries effects out in the order they were asked for.
pub struct Executor {
    jobs: Option<Sender<Effect>>,
    done: Receiver<Done>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Executor {
    pub fn spawn() -> Executor {
        let (jobs, rx) = crossbeam_channel::unbounded::<Effect>();
        let (tx, done) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("digitlab-effects".into())
            .spawn(move || {
                let mut dirs = RunDirs::default();
                let mut handins = Vec::new();
                for effect in rx {
                    // A hand-in takes long: a run's saves must not wait behind it.
                    if matches!(effect, Effect::Handin { .. }) {
                        let to_ui = tx.clone();
                        let job = std::thread::Builder::new().name("digitlab-handin".into()).spawn(move || {
                            let _ = to_ui.send(perform(effect, &mut RunDirs::default()));
                        });
                        match job {
                            Ok(job) => handins.push(job),
                            Err(e) => {
                                let _ = tx.send(Done::Handin { result: Err(format!("cannot start the hand-in: {e}")) });
                            }
                        }
                        continue;
                    }
                    if tx.send(perform(effect, &mut dirs)).is_err() {
                        break;
                    }
                }
                // Quitting waits for a hand-in under way, as it does for saves: a half-written zip
                // would pass for a whole one.
                for job in handins {
                    let _ = job.join();
                }
            })
            .expect("spawn the effects thread");
        Executor { jobs: Some(jobs), done, thread: Some(thread) }
    }

    pub fn submit(&self, effects: Vec<Effect>) {
        if let Some(jobs) = &self.jobs {
            for e in effects {
                let _ = jobs.send(e);
            }
        }
    }

    /// Results as they come.
    pub fn done(&self) -> Receiver<Done> {
        self.done.clone()
    }

    /// Waits for every effect asked for so far (the last saves before quitting) and returns their results.
    pub fn finish(mut self) -> Vec<Done> {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.done.try_iter().collect()
    }
}
