//! The dashboard's state and `App::update`, the only place it changes. Rendering reads `&App`.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::Receiver;

use super::effects::{Done, Effect, RunKey};
pub use super::msg::{Action, EditKey, FormKey, Msg, NoteKey, Pick, QuitChoice, View};
use super::form::{Editing, SetupForm};
use super::handin_form::{Field, HandinForm};
use super::note::NoteEditor;
use super::theme::Theme;
use crate::data::Mnist;
use crate::experiments::study;
use crate::train::diagnostics::Diagnostics;
use crate::train::neurons::NeuronAnalysis;
use crate::model::Mlp;
use crate::rundir::{self, DataInfo, Stage, Summary};
use crate::viz::{min_max, rescale_to_gray, signed_gray, GrayImage};
use crate::train::{Command, EpochReport, Evaluation, Event, Progress, RunResult, RunStatus, TrainConfig, Trainer};

/// Why a run has no directory yet: the first save comes with its first epoch.
const NOT_SAVED: &str = "this run has no directory yet: it is saved when its first epoch finishes";

/// Batch losses kept for the sparkline.
pub const LOSS_HISTORY: usize = 600;
/// Neurons skipped by PgUp/PgDn.
pub const NEURON_PAGE: usize = 10;

/// What asking for a run to start led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Launch {
    Started,
    /// The setup's data is loading; it starts when `Done::DataLoaded` comes.
    Loading,
    Refused,
}

/// A setup waiting in the run queue: the form as it was when added.
#[derive(Debug, Clone)]
pub struct Queued {
    pub config: TrainConfig,
    pub data_dir: PathBuf,
    /// Cores the run may use (`None`: all).
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// The run being trained (or last trained) in this session.
pub struct Session {
    pub progress: Progress,
    trainer: Option<Trainer>,
    /// Recent (coalesced) batch losses, oldest first.
    pub losses: VecDeque<f32>,
    /// Names the run's saves; the directory is made by the first one.
    key: RunKey,
    /// The directory name asked for (`runs/<time>-<network>`; a taken name gets `-2`, …).
    name: String,
    /// Where the run is saved, once its first save has landed.
    pub out_dir: Option<PathBuf>,
    /// Index in `App::session_runs` once finished.
    entry: Option<usize>,
    /// Started from the queue: the next queued setup follows when it ends.
    pub queued: bool,
    /// A save failed: the run was stopped, and the error stays on the status line.
    save_error: Option<String>,
}

impl Session {
    /// True while the training thread is working (or paused).
    pub fn is_running(&self) -> bool {
        self.trainer.is_some() && !self.progress.is_finished()
    }
}

/// A run from this session or from a run directory, as the Runs view lists it.
#[derive(Debug, Clone)]
pub struct RunEntry {
    /// Stable for the session (a directory keeps its id across rescans); marks refer to it.
    pub id: u64,
    pub summary: Summary,
    pub dir: Option<PathBuf>,
    /// Kept for this session's runs, so opening one needs no disk.
    pub result: Option<Box<RunResult>>,
    /// This session's run key, which its directory is learnt by.
    key: Option<RunKey>,
}

/// A finished run opened from the Runs view; Results and Weights show it instead of the current run.
#[derive(Debug, Clone)]
pub struct Opened {
    pub title: String,
    pub model: Mlp,
    pub eval: Evaluation,
    pub dir: Option<PathBuf>,
    pub history: Vec<EpochReport>,
    pub diagnostics: Option<Diagnostics>,
    pub neurons: Arc<NeuronAnalysis>,
}

/// What Results and Weights show.
pub struct Shown<'a> {
    pub title: String,
    pub model: &'a Mlp,
    pub eval: &'a Evaluation,
    pub dir: Option<&'a Path>,
    pub history: &'a [EpochReport],
    pub diagnostics: Option<&'a Diagnostics>,
    pub neurons: &'a NeuronAnalysis,
}

#[derive(Debug, Clone, Default)]
pub struct ResultsState {
    /// Selected confusion cell (predicted, actual); `None` follows the most frequent confusion.
    pub cursor: Option<(usize, usize)>,
    pub normalized: bool,
    /// On terminals too short for both, the per-class report replaces the matrix.
    pub report_only: bool,
    /// One digit at a time, enlarged, with the network's output for each class (Enter).
    pub inspect: bool,
    /// Page of the selected cell's digits, counted around: the view takes it modulo the pages its
    /// size gives, so PgDn after the last page shows the first and PgUp on the first the last.
    pub page: isize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    Ramp,
    /// Gray half blocks, each picture's min → black, max → white.
    HalfBlock,
    /// Half blocks on a blue–white–red map centred on 0, so the sign of each weight shows.
    Diverging,
}

#[derive(Debug, Clone)]
pub struct WeightsState {
    pub neuron: usize,
    pub shade: Shade,
    pub grid: bool,
    /// ←/→ step through neurons most selective first instead of in layer order.
    pub by_selectivity: bool,
    /// Only neurons preferring this class (most selective first).
    pub class: Option<usize>,
}

/// Runs view columns, also the sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum RunColumn {
    Name,
    Architecture,
    Activations,
    Optimizer,
    Lr,
    Epochs,
    TestAccuracy,
    MacroF1,
    Time,
    Status,
}

impl RunColumn {
    pub fn title(self) -> &'static str {
        match self {
            RunColumn::Name => "run",
            RunColumn::Architecture => "hidden",
            RunColumn::Activations => "activations",
            RunColumn::Optimizer => "opt",
            RunColumn::Lr => "lr",
            RunColumn::Epochs => "epochs",
            RunColumn::TestAccuracy => "test acc",
            RunColumn::MacroF1 => "macro F1",
            RunColumn::Time => "time s",
            RunColumn::Status => "status",
        }
    }
}

/// A cell of the Runs table, typed so numbers sort as numbers.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Cell {
    Num(f64),
    Text(String),
}

impl RunEntry {
    pub fn name(&self) -> String {
        self.dir.as_deref().map_or_else(|| "(this session, not saved)".into(), rundir::dir_name)
    }

    pub fn cell(&self, col: RunColumn) -> Cell {
        let s = &self.summary;
        match col {
            RunColumn::Name => Cell::Text(self.name()),
            RunColumn::Epochs => Cell::Num(s.epochs.len() as f64),
            RunColumn::TestAccuracy => s.accuracy().map_or(Cell::Text("-".into()), Cell::Num),
            RunColumn::MacroF1 => s.macro_f1().map_or(Cell::Text("-".into()), Cell::Num),
            RunColumn::Time => Cell::Num(s.timings.train_seconds),
            RunColumn::Status => Cell::Text(s.status.name().into()),
            c => config_cell(&s.config, c),
        }
    }
}

/// The columns a setup alone decides (architecture, activations, optimizer, learning rate, planned epochs).
fn config_cell(cfg: &TrainConfig, col: RunColumn) -> Cell {
    match col {
        RunColumn::Architecture => Cell::Text(if cfg.hidden.is_empty() {
            "none".into()
        } else {
            cfg.hidden.iter().map(|l| l.neurons.to_string()).collect::<Vec<_>>().join("-")
        }),
        RunColumn::Activations => {
            let mut names: Vec<&str> = cfg.hidden.iter().map(|l| l.activation.name()).collect();
            names.dedup();
            Cell::Text(if names.is_empty() { "-".into() } else { names.join(",") })
        }
        RunColumn::Optimizer => Cell::Text(cfg.optimizer.name().into()),
        RunColumn::Lr => Cell::Num(cfg.lr),
        RunColumn::Epochs => Cell::Num(cfg.epochs as f64),
        _ => Cell::Text("-".into()),
    }
}

/// What the Runs selection points at, without borrowing the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selected {
    Done(u64),
    /// A group of runs that differ only in seed, of this many runs.
    Group(usize),
    Training,
    Queued(usize),
    Nothing,
}

/// Finished runs that differ only in their seed (one setting), as the grouped Runs view lists them:
/// the runs, and the study's figures over those that completed.
#[derive(Debug, Clone)]
pub struct SeedGroup<'a> {
    pub members: Vec<&'a RunEntry>,
    pub study: study::Row,
}

impl SeedGroup<'_> {
    pub fn cell(&self, col: RunColumn) -> Cell {
        let r = &self.study;
        let none = || Cell::Text("-".into());
        match col {
            RunColumn::Name => {
                let seeds: Vec<String> = r.seeds.iter().map(u64::to_string).collect();
                Cell::Text(format!("{} runs, seeds {}", self.members.len(), if seeds.is_empty() { "-".into() } else { seeds.join(" ") }))
            }
            RunColumn::TestAccuracy => r.test_accuracy.map_or_else(none, |a| Cell::Num(a.mean)),
            RunColumn::MacroF1 => r.macro_f1.map_or_else(none, |f| Cell::Num(f.mean)),
            RunColumn::Time => Cell::Num(self.members.iter().fold(0.0, |t, e| t + e.summary.timings.train_seconds) / self.members.len().max(1) as f64),
            // Runs left out of the figures (unfinished, or a seed already counted) show as fewer counted.
            RunColumn::Status => Cell::Text(match r.repeated_seeds + r.not_completed {
                0 => format!("{} completed", r.runs),
                left_out => format!("{} of {} counted", r.runs, r.runs + left_out),
            }),
            c => config_cell(&r.setting, c),
        }
    }
}

/// A row of the Runs view: finished runs (sorted; runs that differ only in seed as one row when
/// grouped), then the run in training, then the queue in order.
#[derive(Clone)]
pub enum RunRow<'a> {
    Done(&'a RunEntry),
    Group(Box<SeedGroup<'a>>),
    Training(&'a Session),
    Queued(usize, &'a Queued),
}

impl RunRow<'_> {
    pub fn cell(&self, col: RunColumn) -> Cell {
        match self {
            RunRow::Done(e) => e.cell(col),
            RunRow::Group(g) => g.cell(col),
            RunRow::Training(s) => {
                let p = &s.progress;
                match col {
                    RunColumn::Name => Cell::Text(format!("{} (training)", s.out_dir.as_deref().map_or_else(|| s.name.clone(), rundir::dir_name))),
                    RunColumn::Epochs => Cell::Text(format!("{}/{}", p.history.len(), p.config.epochs)),
                    RunColumn::TestAccuracy => p.history.last().map_or(Cell::Text("-".into()), |e| Cell::Num(e.test_accuracy)),
                    RunColumn::MacroF1 => p.last.as_ref().map_or(Cell::Text("-".into()), |l| Cell::Num(l.test.report.macro_avg.f1)),
                    // fold, not sum: an empty f64 sum is -0.0, which would print as "-0.0".
                    RunColumn::Time => Cell::Num(p.history.iter().fold(0.0, |t, e| t + e.train_seconds)),
                    RunColumn::Status => Cell::Text(if p.paused { "paused" } else { "training" }.into()),
                    c => config_cell(&p.config, c),
                }
            }
            RunRow::Queued(i, q) => match col {
                RunColumn::Name => Cell::Text(format!("queued #{}", i + 1)),
                RunColumn::Epochs => Cell::Text(format!("0/{}", q.config.epochs)),
                RunColumn::Status => Cell::Text("queued".into()),
                c => config_cell(&q.config, c),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunsState {
    pub selected: usize,
    /// The first row the table showed when a row was clicked: it stays the first while the selection
    /// is in sight, so that a click does not scroll the table under the mouse.
    pub top: usize,
    pub sort: RunColumn,
    pub descending: bool,
    /// Run directories found under the runs root.
    pub disk: Vec<RunEntry>,
    /// Directories that had a summary.json which could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Ids of the runs marked for comparison, in marking order (A, then B).
    pub marked: Vec<u64>,
    /// The two marked runs are shown side by side instead of the table.
    pub comparing: bool,
    /// Runs that differ only in seed are listed as one row with their mean ± sd.
    pub grouped: bool,
    /// Ids of the runs chosen for the hand-in, in the order chosen (the report's order).
    pub chosen: Vec<u64>,
    /// The notes of run directories that have some, or why they cannot be read.
    pub notes: HashMap<PathBuf, Result<String, String>>,
}

/// The hand-in: the form (kept between openings), and whether one is being made.
#[derive(Debug, Clone, Default)]
pub struct HandinState {
    pub form: HandinForm,
    pub open: bool,
    pub building: bool,
}

/// The shown model's first-layer neurons as pictures, made once per snapshot rather than per frame
/// (reading a neuron's weights copies the whole layer).
#[derive(Debug, Clone, Default)]
pub struct NeuronPictures {
    pub images: Vec<GrayImage>,
    /// The same weights with 0 → 128 and the largest magnitude → 0 or 255, for the diverging map.
    pub signed: Vec<GrayImage>,
    /// (min, max) of each neuron's raw weights.
    pub ranges: Vec<(f32, f32)>,
}

impl NeuronPictures {
    pub fn of(model: &Mlp, rows: usize, cols: usize) -> NeuronPictures {
        let mut out = NeuronPictures::default();
        for unit in model.first_layer_unit_weights() {
            out.images.push(GrayImage::from_pixels(cols, rows, rescale_to_gray(&unit)));
            out.signed.push(GrayImage::from_pixels(cols, rows, signed_gray(&unit)));
            out.ranges.push(min_max(&unit));
        }
        out
    }
}

/// Starts the trainer of a run on a setup, its data and the threads it may use:
/// `Trainer::spawn_with`, or a scripted one in tests.
pub type SpawnTrainer = Box<dyn Fn(TrainConfig, Arc<Mnist>, usize) -> Trainer + Send>;

/// The dashboard's state. Its fields are the tui module's own: outside it, state is read through the
/// methods below and changed only by `update`.
pub struct App {
    pub(in crate::tui) view: View,
    pub(in crate::tui) theme: Theme,
    /// How pictures reach the terminal: real pixels, or text (the default, and always in tests).
    pub(in crate::tui) graphics: super::graphics::Graphics,
    pub(in crate::tui) form: SetupForm,
    pub(in crate::tui) data: Arc<Mnist>,
    /// Where `data` was loaded from (the form's data dir is compared against it at start).
    pub(in crate::tui) data_dir: PathBuf,
    /// Parent of new run directories (`runs` in the working directory).
    pub(in crate::tui) runs_root: PathBuf,
    /// Memory this process may use, read once at start (each start checks again).
    memory: Option<u64>,
    pub(in crate::tui) session: Option<Session>,
    pub(in crate::tui) session_runs: Vec<RunEntry>,
    pub(in crate::tui) opened: Option<Opened>,
    /// The Draw view's drawing.
    pub draw: super::draw::DrawState,
    pub(in crate::tui) results: ResultsState,
    pub(in crate::tui) weights: WeightsState,
    /// Pictures of what `shown()` returns; kept in step by `refresh_pictures`.
    pub(in crate::tui) pictures: NeuronPictures,
    pub(in crate::tui) runs: RunsState,
    /// The note being written, while the editor is open.
    pub(in crate::tui) note: Option<NoteEditor>,
    /// The run directory whose notes are being read to open the editor; keys typed meanwhile wait in
    /// `early_note_keys` and go to the editor when it opens, so nothing typed after `n` goes astray.
    pub(in crate::tui) awaiting_note: Option<PathBuf>,
    early_note_keys: Vec<NoteKey>,
    pub(in crate::tui) handin: HandinState,
    /// Setups waiting to be trained, first first.
    pub(in crate::tui) queue: Vec<Queued>,
    /// The queue advances on its own when a run ends.
    pub(in crate::tui) queue_running: bool,
    /// Runs finished since the queue was last started.
    pub(in crate::tui) queue_done: usize,
    /// Beginner diagnostics of what `shown()` returns; kept in step with `pictures`.
    pub(in crate::tui) diagnostics: Option<Diagnostics>,
    /// Effects asked for and not yet done (saves, reports, scans): the header shows that work is going on.
    pub(in crate::tui) pending: usize,
    /// Effects the current `update` asks for; handed out when it returns.
    outbox: Vec<Effect>,
    /// A setup (and whether it came from the queue) waiting for its data to load.
    waiting_for_data: Option<(Queued, bool)>,
    spawn_trainer: SpawnTrainer,
    next_id: u64,
    dir_ids: HashMap<PathBuf, u64>,
    pub(in crate::tui) status: Option<Status>,
    pub(in crate::tui) help: bool,
    pub(in crate::tui) confirm_quit: bool,
    pub(in crate::tui) should_quit: bool,
    /// Quitting once the run in training has ended and been saved (or discarded).
    quit_after_run: Option<QuitChoice>,
    /// Quitting after an interrupt, once the trainer has handed back its finished epochs.
    pub(in crate::tui) interrupting: bool,
    /// A line to print after the terminal is restored (e.g. where an interrupted run was saved).
    pub(in crate::tui) exit_note: Option<String>,
    /// What became of a note or a hand-in that was still being written when the dashboard quit.
    exit_extra: Vec<String>,
}

impl App {
    /// Pictures in pixels from now on. The kitty protocol tells its pictures apart by 24-bit colors, and
    /// every terminal that speaks it shows them, so the frames keep their full colors then.
    pub fn set_graphics(&mut self, graphics: super::graphics::Graphics) {
        if graphics.kind() == Some(super::graphics::Kind::Kitty) {
            self.theme.depth = super::theme::ColorDepth::TrueColor;
        }
        self.graphics = graphics;
    }

    /// What is on screen, coarsely: when it changes, pictures that are part of the terminal's cells
    /// (sixel, iTerm2) need the screen drawn anew (see [`super::graphics::Graphics::needs_full_redraws`]).
    pub fn scene(&self) -> (View, bool, [bool; 5]) {
        (self.view, self.weights.grid, self.overlays())
    }

    /// Which overlays are open: help, the note editor, the hand-in form, the quit question, a field
    /// being edited. They take no clicks, and opening or closing one changes the scene.
    fn overlays(&self) -> [bool; 5] {
        [self.help, self.note.is_some(), self.handin.open, self.confirm_quit, self.form.editing.is_some()]
    }

    pub fn new(config: &TrainConfig, data: Arc<Mnist>, data_dir: PathBuf, theme: Theme, runs_root: PathBuf) -> App {
        App {
            view: View::Setup,
            theme,
            graphics: super::graphics::Graphics::text(),
            form: SetupForm { threads: crate::threads::budget().map_or(String::new(), |n| n.to_string()), ..SetupForm::from_config(config, &data_dir) },
            data,
            data_dir,
            runs_root,
            memory: crate::train::memory::available(),
            session: None,
            session_runs: Vec::new(),
            opened: None,
            draw: Default::default(),
            results: ResultsState::default(),
            weights: WeightsState {
                neuron: 0,
                shade: if theme.color && !theme.ascii { Shade::HalfBlock } else { Shade::Ramp },
                grid: false,
                by_selectivity: false,
                class: None,
            },
            pictures: NeuronPictures::default(),
            runs: RunsState {
                selected: 0,
                top: 0,
                sort: RunColumn::Name,
                descending: true,
                disk: Vec::new(),
                unreadable: Vec::new(),
                marked: Vec::new(),
                comparing: false,
                grouped: false,
                chosen: Vec::new(),
                notes: HashMap::new(),
            },
            note: None,
            awaiting_note: None,
            early_note_keys: Vec::new(),
            handin: HandinState::default(),
            queue: Vec::new(),
            queue_running: false,
            queue_done: 0,
            diagnostics: None,
            pending: 0,
            outbox: Vec::new(),
            waiting_for_data: None,
            spawn_trainer: Box::new(Trainer::spawn_with),
            next_id: 0,
            dir_ids: HashMap::new(),
            status: None,
            help: false,
            confirm_quit: false,
            should_quit: false,
            quit_after_run: None,
            interrupting: false,
            exit_note: None,
            exit_extra: Vec::new(),
        }
    }

    /// What bounds the form beyond its own ranges: the loaded data and the memory.
    pub(in crate::tui) fn bounds(&self) -> crate::tui::form::Bounds {
        crate::tui::form::Bounds {
            train_len: self.data.train.len(),
            input: self.data.train.pixels(),
            classes: self.data.classes,
            data_bytes: crate::train::memory::data_bytes(&self.data),
            memory: self.memory,
        }
    }

    // Reading the state, for the event loop, the benchmark and tests: every change goes through
    // `update`.
    pub fn view(&self) -> View {
        self.view
    }
    pub fn theme(&self) -> Theme {
        self.theme
    }
    pub fn form(&self) -> &SetupForm {
        &self.form
    }
    pub fn data(&self) -> &Arc<Mnist> {
        &self.data
    }
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    pub fn runs_root(&self) -> &Path {
        &self.runs_root
    }
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }
    pub fn session_runs(&self) -> &[RunEntry] {
        &self.session_runs
    }
    pub fn opened(&self) -> Option<&Opened> {
        self.opened.as_ref()
    }
    pub fn results(&self) -> &ResultsState {
        &self.results
    }
    pub fn weights(&self) -> &WeightsState {
        &self.weights
    }
    pub fn pictures(&self) -> &NeuronPictures {
        &self.pictures
    }
    pub fn runs(&self) -> &RunsState {
        &self.runs
    }
    pub fn queue(&self) -> &[Queued] {
        &self.queue
    }
    pub fn queue_running(&self) -> bool {
        self.queue_running
    }
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        self.diagnostics.as_ref()
    }
    pub fn pending(&self) -> usize {
        self.pending
    }
    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }
    /// The status line's text as it is shown (ASCII under `--ascii`).
    pub fn status_line(&self) -> Option<String> {
        self.status.as_ref().map(|s| self.theme.text(&s.text))
    }
    pub fn help(&self) -> bool {
        self.help
    }
    pub fn confirm_quit(&self) -> bool {
        self.confirm_quit
    }
    pub fn should_quit(&self) -> bool {
        self.should_quit
    }
    pub fn interrupting(&self) -> bool {
        self.interrupting
    }
    pub fn exit_note(&self) -> Option<&str> {
        self.exit_note.as_deref()
    }
    /// Everything to say on the way out: the exit note, then what became of a note or hand-in that
    /// was being written.
    pub fn exit_message(&self) -> Option<String> {
        let all: Vec<&str> = self.exit_note.as_deref().into_iter().chain(self.exit_extra.iter().map(String::as_str)).collect();
        (!all.is_empty()).then(|| all.join("; "))
    }
    pub fn note(&self) -> Option<&NoteEditor> {
        self.note.as_ref()
    }
    pub fn handin(&self) -> &HandinState {
        &self.handin
    }

    /// Trains with `spawn` instead of the real trainer: the seam through which tests script a run.
    pub fn with_trainer(mut self, spawn: SpawnTrainer) -> App {
        self.spawn_trainer = spawn;
        self
    }

    /// The trainer's event channel while one is attached.
    pub fn trainer_events(&self) -> Option<Receiver<Event>> {
        self.session.as_ref()?.trainer.as_ref().map(|t| t.events.clone())
    }

    pub fn is_training(&self) -> bool {
        self.session.as_ref().is_some_and(Session::is_running)
    }

    /// The run Results and Weights show: an opened one, else the current run's last finished epoch.
    pub fn shown(&self) -> Option<Shown<'_>> {
        if let Some(o) = &self.opened {
            return Some(Shown {
                title: o.title.clone(),
                model: &o.model,
                eval: &o.eval,
                dir: o.dir.as_deref(),
                history: &o.history,
                diagnostics: o.diagnostics.as_ref(),
                neurons: &o.neurons,
            });
        }
        let s = self.session.as_ref()?;
        let snap = s.progress.last.as_ref()?;
        let state = match &s.progress.outcome {
            Some(Ok(r)) => r.status.name(),
            _ => "running",
        };
        Some(Shown {
            title: format!("current run, epoch {} ({state})", snap.report.epoch),
            model: &snap.model,
            eval: &snap.test,
            dir: s.out_dir.as_deref(),
            history: &s.progress.history,
            diagnostics: Some(&snap.diagnostics),
            neurons: &snap.neurons,
        })
    }

    /// The neurons ←/→ step through: all in layer order, or most selective first, or only those that
    /// prefer the chosen class (most selective first).
    pub fn neuron_sequence(&self) -> Vec<usize> {
        let Some(s) = self.shown() else { return Vec::new() };
        let n = s.model.first_layer_units();
        let a = s.neurons;
        if a.units.len() != n {
            return (0..n).collect();
        }
        let mut seq = if self.weights.by_selectivity || self.weights.class.is_some() { a.by_selectivity() } else { (0..n).collect() };
        if let Some(c) = self.weights.class {
            seq.retain(|&j| a.units[j].preferred == c);
        }
        seq
    }

    /// Remakes what is derived from the shown model: neuron pictures and diagnostics.
    fn refresh_pictures(&mut self) {
        let (rows, cols) = (self.data.train.rows, self.data.train.cols);
        let (pictures, diagnostics) = match self.shown() {
            Some(s) => (NeuronPictures::of(s.model, rows, cols), s.diagnostics.cloned()),
            None => (NeuronPictures::default(), None),
        };
        (self.pictures, self.diagnostics) = (pictures, diagnostics);
    }

    /// The confusion cell Results shows examples of.
    pub fn results_cursor(&self) -> (usize, usize) {
        let Some(m) = self.shown().map(|s| &s.eval.report.confusion) else { return (0, 0) };
        let n = m.classes();
        self.results
            .cursor
            .filter(|&(p, a)| p < n && a < n)
            .or_else(|| m.top_confusions(1).first().map(|c| (c.predicted, c.actual)))
            .unwrap_or((0, 0))
    }

    /// All runs in display order (this session's first when sorted by name), sorted by the chosen column.
    pub fn sorted_runs(&self) -> Vec<&RunEntry> {
        // This session's runs, and the run in training, are listed from memory, not again from disk.
        let training = self.session.as_ref().filter(|s| s.is_running()).and_then(|s| s.out_dir.as_deref());
        let session_dirs: Vec<&Path> = self.session_runs.iter().filter_map(|r| r.dir.as_deref()).chain(training).collect();
        let mut rows: Vec<&RunEntry> = self
            .session_runs
            .iter()
            .chain(self.runs.disk.iter().filter(|r| !r.dir.as_deref().is_some_and(|d| session_dirs.contains(&d))))
            .collect();
        let col = self.runs.sort;
        rows.sort_by(|a, b| self.sort_order(&a.cell(col), &b.cell(col)));
        rows
    }

    /// The order of two cells of the sort column in the Runs view.
    fn sort_order(&self, a: &Cell, b: &Cell) -> std::cmp::Ordering {
        let o = a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
        if self.runs.descending {
            o.reverse()
        } else {
            o
        }
    }

    /// Every row of the Runs view, in display order.
    pub fn run_rows(&self) -> Vec<RunRow<'_>> {
        let mut rows: Vec<RunRow> = if self.runs.grouped {
            self.seed_groups()
        } else {
            self.sorted_runs().into_iter().map(RunRow::Done).collect()
        };
        if let Some(s) = self.session.as_ref().filter(|s| s.is_running()) {
            rows.push(RunRow::Training(s));
        }
        rows.extend(self.queue.iter().enumerate().map(|(i, q)| RunRow::Queued(i, q)));
        rows
    }

    /// The finished runs with those that differ only in seed as one row, sorted by the chosen column
    /// (a group by its mean); a run alone stays a run, so it can be opened and marked.
    fn seed_groups(&self) -> Vec<RunRow<'_>> {
        let groups = study::group_by_setting(self.sorted_runs(), |e| &e.summary.config);
        let mut rows: Vec<RunRow> = groups
            .into_iter()
            .filter_map(|members| match members[..] {
                [one] => Some(RunRow::Done(one)),
                _ => {
                    let summaries: Vec<&Summary> = members.iter().map(|e| &e.summary).collect();
                    Some(RunRow::Group(Box::new(SeedGroup { study: study::Row::of(&summaries)?, members })))
                }
            })
            .collect();
        let col = self.runs.sort;
        rows.sort_by(|a, b| self.sort_order(&a.cell(col), &b.cell(col)));
        rows
    }

    /// What the Runs view's selection points at.
    fn selected_row(&self) -> Selected {
        match self.run_rows().get(self.runs.selected) {
            Some(RunRow::Done(e)) => Selected::Done(e.id),
            Some(RunRow::Group(g)) => Selected::Group(g.members.len()),
            Some(RunRow::Training(_)) => Selected::Training,
            Some(RunRow::Queued(i, _)) => Selected::Queued(*i),
            None => Selected::Nothing,
        }
    }

    fn entry(&self, id: u64) -> Option<&RunEntry> {
        self.sorted_runs().into_iter().find(|e| e.id == id)
    }

    /// The marked runs that still exist, A first.
    pub fn marked_runs(&self) -> Vec<&RunEntry> {
        self.runs.marked.iter().filter_map(|&id| self.entry(id)).collect()
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status { kind: StatusKind::Info, text: text.into() });
    }
    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status { kind: StatusKind::Error, text: text.into() });
    }

    /// Applies `msg` to the state and returns what must be done outside it (saves, reports, scans),
    /// in the order asked; each comes back as `Msg::Done`.
    #[must_use = "the effects must be carried out: a run's saves are among them"]
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Action(a) => self.action(a),
            Msg::Edit(k) => self.edit(k),
            Msg::Note(k) => self.note_key(k),
            Msg::Form(k) => self.form_key(k),
            Msg::Trainer(ev) => self.trainer_event(ev),
            Msg::TrainerGone => {
                if let Some(s) = &mut self.session {
                    s.trainer = None;
                    if !s.progress.is_finished() {
                        s.progress.apply(Event::Failed("the training thread ended without a word".into()));
                        self.finish();
                    }
                }
                if self.interrupting {
                    self.should_quit = true;
                }
            }
            Msg::Done(done) => {
                self.pending = self.pending.saturating_sub(1);
                self.done(done);
            }
            Msg::Mouse { event, screen } => return self.mouse(event, screen),
            Msg::Pick(p) => self.pick(p),
            Msg::Theme(theme) => {
                self.theme = theme;
                if let Some(editor) = &mut self.note {
                    editor.restyle(&theme);
                }
            }
            Msg::Interrupt => {
                self.confirm_quit = false;
                // What was typed is saved on the way out; the exit message says where (or, if the
                // save fails, holds the text itself).
                self.save_note(true);
                self.interrupting = true;
                match &self.session {
                    Some(s) if s.is_running() => {
                        if let Some(t) = &s.trainer {
                            let _ = t.commands.send(Command::Interrupt);
                        }
                        self.queue_running = false;
                        self.info("interrupted: saving the finished epochs…");
                    }
                    _ => {
                        self.should_quit = true;
                        self.exit_note = Some(self.quit_note().unwrap_or_else(|| "nothing was training".into()));
                    }
                }
            }
        }
        let effects = std::mem::take(&mut self.outbox);
        self.pending += effects.len();
        effects
    }

    /// The loop is about to wait for the effects still under way (a final save of 512 neuron pictures
    /// takes seconds): say so on the screen rather than freeze.
    pub fn closing(&mut self) {
        if self.pending > 0 {
            self.info(format!("finishing before quitting: {} save(s) or report(s) under way…", self.pending));
        }
    }

    /// The effect `update` hands out when it returns.
    fn ask(&mut self, effect: Effect) {
        self.outbox.push(effect);
    }

    /// Asks for the current run to be saved as it stands.
    fn save_session(&mut self, stage: Stage) {
        let Some(s) = &self.session else { return };
        let Some(run) = s.progress.result() else { return };
        let effect = Effect::Save {
            key: s.key,
            dir: s.out_dir.clone(),
            root: self.runs_root.clone(),
            name: s.name.clone(),
            run: Box::new(run),
            data: Arc::clone(&self.data),
            stage,
        };
        self.ask(effect);
    }

    /// What to say on the way out about the session's last run: where it is saved (the note of a save
    /// still in flight is set when it lands).
    fn quit_note(&self) -> Option<String> {
        let s = self.session.as_ref()?;
        let dir = s.out_dir.as_ref()?;
        Some(self.saved_note(dir))
    }

    /// Where a finished run was saved, for the status line and the note printed on exit.
    fn saved_note(&self, dir: &Path) -> String {
        let Some(run) = self.session.as_ref().and_then(|s| s.progress.result()) else { return format!("saved in {}", dir.display()) };
        format!("run {} after {} epoch(s), saved in {}", run.status.name(), run.history.len(), dir.display())
    }

    /// The result of an effect.
    fn done(&mut self, done: Done) {
        match done {
            Done::Saved { key, stage, result } => {
                let current = self.session.as_ref().is_some_and(|s| s.key == key);
                match result {
                    Ok((dir, _)) => {
                        if let Some(e) = self.session_runs.iter_mut().find(|e| e.key == Some(key)) {
                            e.dir = Some(dir.clone());
                        }
                        if current {
                            if let Some(s) = &mut self.session {
                                s.out_dir = Some(dir.clone());
                            }
                        }
                        if current && stage == Stage::Final {
                            let note = self.saved_note(&dir);
                            if self.should_quit {
                                self.exit_note = Some(note);
                            } else if self.status.as_ref().is_none_or(|s| s.kind == StatusKind::Info) && !self.queue_running {
                                let done = self.status.as_ref().map_or(String::new(), |s| s.text.clone());
                                self.info(if done.is_empty() { note } else { format!("{done} — {}", dir.display()) });
                            }
                        }
                    }
                    Err(e) => {
                        let text = format!("saving the run failed: {e}");
                        let mut record = None;
                        if current {
                            if let Some(s) = &mut self.session {
                                s.save_error = Some(text.clone());
                                match s.trainer.as_ref().filter(|_| !s.progress.is_finished()) {
                                    // Training on would only make epochs that cannot be kept; the failure
                                    // is recorded when the trainer has stopped.
                                    Some(t) => {
                                        let _ = t.commands.send(Command::Stop);
                                    }
                                    // The run had already ended: record now that its last save is missing.
                                    None => record = Some(Effect::Fail { key, dir: s.out_dir.clone(), reason: text.clone() }),
                                }
                            }
                        }
                        if let Some(effect) = record {
                            self.ask(effect);
                        }
                        if self.should_quit {
                            self.exit_note = Some(text.clone());
                        }
                        self.error(text);
                    }
                }
            }
            Done::Discarded { result, .. } => {
                let text = match result {
                    Ok(t) => format!("run discarded: {t}"),
                    Err(e) => format!("discarding the run failed: {e}"),
                };
                self.exit_note = Some(text.clone());
                self.info(text);
            }
            Done::DataLoaded { dir, result } => {
                let Some((setup, queued)) = self.waiting_for_data.take() else { return };
                match result {
                    Ok(data) if setup.data_dir == dir => {
                        self.data = data;
                        self.data_dir = dir;
                        match self.launch(setup, queued) {
                            Launch::Started if !queued => self.view = View::Train,
                            Launch::Refused if queued => self.next_queued(),
                            _ => {}
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        self.error(format!("cannot start: data dir: {e}"));
                        if queued {
                            self.next_queued();
                        }
                    }
                }
            }
            Done::Failed { result } => {
                if let Err(e) = result {
                    // The failure that is being recorded stays in view.
                    let before = self.status.as_ref().map_or(String::new(), |s| format!("{} · ", s.text));
                    self.error(format!("{before}could not record the failure in the run directory either: {e}"));
                }
            }
            Done::Report { dir, result } => match result {
                Ok(n) => self.info(format!("report: {n} files written; open {}", dir.join(rundir::REPORT_MD).display())),
                Err(e) => self.error(format!("report failed: {e}")),
            },
            Done::Pictures { result } => match result {
                Ok(files) => self.info(format!("wrote {}", files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and "))),
                Err(e) => self.error(format!("writing PNGs failed: {e}")),
            },
            Done::Scanned { root, listing, notes } => {
                if root != self.runs_root {
                    return;
                }
                self.runs.notes = notes.into_iter().collect();
                let mut disk = Vec::new();
                for run in listing.runs {
                    let next_id = &mut self.next_id;
                    let id = *self.dir_ids.entry(run.dir.clone()).or_insert_with(|| {
                        *next_id += 1;
                        *next_id
                    });
                    disk.push(RunEntry { id, summary: run.summary, dir: Some(run.dir), result: None, key: None });
                }
                self.runs.disk = disk;
                match listing.skipped.len() {
                    0 => {}
                    1 => self.error(format!("skipped an unreadable run: {}", listing.skipped[0].1)),
                    n => self.error(format!("skipped {n} unreadable runs (listed under the table in Runs); first: {}", listing.skipped[0].1)),
                }
                self.runs.unreadable = listing.skipped;
                self.runs.selected = self.runs.selected.min(self.run_rows().len().saturating_sub(1));
            }
            Done::Opened { dir, result } => match result {
                Ok(run) => {
                    let Some(entry) = self.runs.disk.iter().find(|e| e.dir.as_deref() == Some(dir.as_path())) else { return };
                    let opened = Opened {
                        title: format!("run {}", entry.name()),
                        model: *run.model,
                        eval: *run.eval,
                        dir: Some(dir),
                        history: entry.summary.epochs.clone(),
                        diagnostics: entry.summary.diagnostics.clone(),
                        neurons: run.neurons,
                    };
                    self.show_opened(opened);
                }
                Err(e) => self.error(format!("cannot open: {e}")),
            },
            Done::NoteRead { dir, result } => {
                if self.awaiting_note.as_ref() != Some(&dir) || self.note.is_some() {
                    return;
                }
                self.awaiting_note = None;
                let early = std::mem::take(&mut self.early_note_keys);
                let run = rundir::dir_name(&dir);
                match result {
                    Ok(text) => {
                        self.note = Some(NoteEditor::new(dir, run.clone(), &text, &self.theme));
                        self.info(format!("writing the note for {run}: Esc saves and closes, Ctrl-S saves"));
                        for k in early {
                            self.note_key(k);
                        }
                        // Ctrl-C came while the note was being read: what was typed is saved, and said
                        // on the way out in case the dashboard closes before the save is carried out.
                        if let Some(e) = self.note.as_ref().filter(|e| e.unsaved() && (self.should_quit || self.interrupting)) {
                            self.exit_extra.push(format!("the note for {run} was still opening when the dashboard quit; what was typed:\n{}", e.text()));
                            self.save_note(true);
                        }
                    }
                    // Not opened: saving would write over a file that could not be read.
                    Err(e) => {
                        let typed = early.iter().filter(|k| matches!(k, NoteKey::Input(_))).count();
                        let lost = if typed > 0 { format!(" ({typed} key(s) typed meanwhile went nowhere)") } else { String::new() };
                        self.error(format!("cannot open the note: {e}{lost}"));
                    }
                }
            }
            Done::NoteSaved { dir, text, result } => self.note_saved(dir, text, result),
            Done::DrawingSaved { result } => match result {
                Ok(path) => {
                    let model = self.shown().and_then(|s| s.dir.map(|d| d.join(rundir::MODEL).display().to_string())).unwrap_or_else(|| "RUN/model.safetensors".into());
                    self.info(format!("saved {}: digitlab predict --model {model} {} reads it the same way", path.display(), path.display()))
                }
                Err(e) => self.error(format!("cannot save the drawing: {e}")),
            },
            Done::Handin { result } => {
                self.handin.building = false;
                let text = match &result {
                    Ok(o) => format!(
                        "hand-in written: {} ({} page{}), {} ({})",
                        o.pdf.display(),
                        o.pages,
                        if o.pages == 1 { "" } else { "s" },
                        o.zip.display(),
                        crate::files::human_size(o.zip_bytes)
                    ),
                    Err(e) => format!("hand-in failed: {e}"),
                };
                if self.should_quit {
                    self.exit_extra.push(text.clone());
                }
                match result {
                    Ok(_) => self.info(text),
                    Err(_) => self.error(text),
                }
            }
        }
    }

    /// A save of the notes of `dir` has landed (or failed). The editor closes only when the text on
    /// screen is on disk and Esc asked for it; a failure keeps it open with the text.
    fn note_saved(&mut self, dir: PathBuf, text: String, result: Result<(PathBuf, rundir::Saved), String>) {
        let run = rundir::dir_name(&dir);
        let quitting = self.should_quit || self.interrupting;
        let theme = self.theme;
        let editor = self.note.as_mut().filter(|e| e.dir == dir);
        match result {
            Ok((path, saved)) => {
                let written = match &saved {
                    rundir::Saved::Text => text.clone(),
                    rundir::Saved::Merged(merged) => merged.clone(),
                };
                if written.trim().is_empty() {
                    self.runs.notes.remove(&dir);
                } else {
                    self.runs.notes.insert(dir, Ok(written.clone()));
                }
                if let Some(e) = editor {
                    if e.saving.as_ref() == Some(&text) {
                        e.saving = None;
                    }
                    match &saved {
                        rundir::Saved::Text => e.on_disk = text.clone(),
                        // The editor shows what the file holds now, both versions, unless keys came
                        // since; then it keeps them, and its next save keeps the file's text again.
                        rundir::Saved::Merged(merged) if e.text() == text => {
                            e.reload(merged, &theme);
                            e.close_when_saved = false;
                        }
                        rundir::Saved::Merged(_) => e.close_when_saved = false,
                    }
                    if e.close_when_saved && !e.unsaved() && e.saving.is_none() {
                        self.note = None;
                    }
                }
                let said = match saved {
                    rundir::Saved::Text => format!("note saved in {}", path.display()),
                    rundir::Saved::Merged(_) => format!(
                        "{} had been changed outside the dashboard: both versions are in it now, yours first (tidy it up here, Esc saves)",
                        path.display()
                    ),
                };
                if quitting {
                    self.exit_extra.push(said.clone());
                }
                self.info(said);
            }
            Err(e) => {
                if let Some(editor) = editor {
                    editor.saving = None;
                    editor.close_when_saved = false;
                }
                if quitting {
                    // The last place the text can go.
                    self.exit_extra.push(format!("the note for {run} could not be saved ({e}); here it is:\n{text}"));
                }
                self.error(format!("note not saved: {e} (the editor keeps your text: Ctrl-S or Esc tries again)"));
            }
        }
    }

    fn action(&mut self, a: Action) {
        if self.help && !matches!(a, Action::Help | Action::Close | Action::Quit) {
            self.help = false;
        }
        match a {
            Action::Quit => {
                if self.is_training() {
                    self.confirm_quit = true;
                } else {
                    self.should_quit = true;
                    self.exit_note = self.quit_note();
                }
            }
            Action::ConfirmQuit(choice) => {
                self.confirm_quit = false;
                match self.session.as_ref().filter(|s| s.is_running()).and_then(|s| s.trainer.as_ref()) {
                    Some(t) => {
                        let _ = t.commands.send(match choice {
                            QuitChoice::Keep => Command::Stop,
                            QuitChoice::Discard => Command::Interrupt,
                        });
                        self.quit_after_run = Some(choice);
                        self.queue_running = false;
                        self.info(match choice {
                            QuitChoice::Keep => "stopping: saving the finished epochs, then quitting…",
                            QuitChoice::Discard => "stopping: discarding the run, then quitting…",
                        });
                    }
                    // The run ended in the meantime: a plain quit, which says where the run is.
                    None => {
                        self.should_quit = true;
                        self.exit_note = self.quit_note();
                    }
                }
            }
            Action::Help => self.help = !self.help,
            Action::Close => {
                if !self.help && !self.confirm_quit && self.view == View::Runs {
                    self.runs.comparing = false;
                }
                self.help = false;
                self.confirm_quit = false;
            }
            Action::NextView => self.view = self.view.step(true),
            Action::PrevView => self.view = self.view.step(false),
            Action::Go(v) => self.view = v,
            Action::Export => self.where_saved(),
            Action::Start => self.start(),
            Action::PauseResume => self.pause_resume(),
            Action::Stop => match self.session.as_ref().filter(|s| s.is_running()).and_then(|s| s.trainer.as_ref()) {
                Some(t) => {
                    let _ = t.commands.send(Command::Stop);
                    let queue = if self.queue_running { "; the queue pauses (S resumes it)" } else { "" };
                    self.info(format!("stopping after the current batch; finished epochs are kept{queue}"));
                }
                None => self.error("nothing is training"),
            },
            Action::Edit => {
                if self.form.focus.is_text() {
                    let before = self.form.text(self.form.focus).unwrap_or_default().to_string();
                    self.form.editing = Some(Editing { before, touched: false });
                }
            }
            Action::AddLayer => {
                if let Err(e) = self.form.add_layer() {
                    self.error(e);
                }
            }
            Action::RemoveLayer => {
                if let Err(e) = self.form.remove_layer() {
                    self.error(e);
                }
            }
            Action::MoveLayerUp => self.form.move_layer(true),
            Action::MoveLayerDown => self.form.move_layer(false),
            Action::ToggleNormalized => self.results.normalized = !self.results.normalized,
            Action::ToggleReport => self.results.report_only = !self.results.report_only,
            Action::ToggleShade => {
                self.weights.shade = match self.weights.shade {
                    Shade::Ramp if self.theme.color && !self.theme.ascii => Shade::HalfBlock,
                    Shade::Ramp => {
                        self.error("half blocks need color and Unicode (NO_COLOR or --ascii is set)");
                        Shade::Ramp
                    }
                    Shade::HalfBlock => Shade::Diverging,
                    Shade::Diverging => Shade::Ramp,
                }
            }
            Action::ToggleGrid => self.weights.grid = !self.weights.grid,
            Action::NeuronOrder => {
                self.weights.by_selectivity = !self.weights.by_selectivity;
                self.weights.neuron = self.neuron_sequence().first().copied().unwrap_or(0);
            }
            Action::NeuronClass => {
                let classes = self.shown().map_or(0, |s| s.neurons.classes);
                self.weights.class = match self.weights.class {
                    None if classes > 0 => Some(0),
                    Some(c) if c + 1 < classes => Some(c + 1),
                    _ => None,
                };
                // The clearest neuron of that digit, or a word when none prefers it.
                match (self.weights.class, self.neuron_sequence().first().copied()) {
                    (Some(c), None) => self.info(format!("no neuron prefers class {c}; c shows the next class")),
                    (_, Some(j)) => self.weights.neuron = j,
                    (None, None) => {}
                }
            }
            Action::ExportImages if self.view == View::Results => self.export_cell(),
            Action::ExportImages if self.view == View::Draw => self.save_drawing(),
            Action::ExportImages => self.export_images(),
            Action::Pen => self.draw.toggle_pen(),
            Action::Eraser => {
                self.draw.toggle_erase();
                self.info(if self.draw.erase { "eraser: moving with the pen down takes ink away" } else { "pen: moving with the pen down draws" });
            }
            Action::ClearDrawing => self.draw.clear(),
            Action::Brush(bigger) => self.draw.brush_size(bigger),
            Action::ReverseSort => self.runs.descending = !self.runs.descending,
            Action::GroupSeeds => self.toggle_grouped(),
            Action::Rescan => self.rescan_runs(),
            Action::Open if self.view == View::Results => {
                // The digit that opens is the first of the page on screen: the view counts pages
                // of one digit from there on.
                self.results.inspect = !self.results.inspect;
                self.results.page = 0;
            }
            Action::Open => self.open_selected_run(),
            Action::Enqueue => self.enqueue(),
            Action::RunQueue => self.run_queue(),
            Action::ClearQueue => {
                let n = self.queue.len();
                self.queue.clear();
                self.info(format!("queue cleared ({n} setup(s) removed)"));
            }
            Action::RemoveQueued => match self.selected_row() {
                Selected::Queued(i) => {
                    self.queue.remove(i);
                    self.runs.selected = self.runs.selected.min(self.run_rows().len().saturating_sub(1));
                    self.info(format!("removed queued #{} ({} left)", i + 1, self.queue.len()));
                }
                _ => self.error("only a queued setup can be removed (x on a \"queued\" row)"),
            },
            Action::Mark => self.toggle_mark(),
            Action::Compare => self.toggle_compare(),
            Action::Report => self.write_report(),
            Action::Note => self.open_note(),
            Action::ChooseForHandin => self.choose_for_handin(),
            Action::Handin => self.open_handin(),
            Action::Up | Action::Down | Action::Left | Action::Right | Action::PageUp | Action::PageDown => self.navigate(a),
        }
    }

    /// Arrow keys and pages, as each view means them.
    fn navigate(&mut self, a: Action) {
        match self.view {
            View::Setup => match a {
                Action::Up => self.form.move_focus(false),
                Action::Down => self.form.move_focus(true),
                Action::Left => self.form.cycle(false),
                Action::Right => self.form.cycle(true),
                _ => {}
            },
            View::Results => {
                let n = self.shown().map_or(0, |s| s.eval.report.confusion.classes());
                if n == 0 {
                    return;
                }
                let (mut p, mut c) = self.results_cursor();
                match a {
                    Action::Up => p = (p + n - 1) % n,
                    Action::Down => p = (p + 1) % n,
                    Action::Left => c = (c + n - 1) % n,
                    Action::Right => c = (c + 1) % n,
                    Action::PageUp => self.results.page -= 1,
                    Action::PageDown => self.results.page += 1,
                    _ => {}
                }
                if matches!(a, Action::PageUp | Action::PageDown) {
                    self.results.cursor = Some((p, c));
                } else {
                    self.select_cell(p, c);
                }
            }
            View::Weights => {
                let n = self.shown().map_or(0, |s| s.model.first_layer_units());
                if n == 0 {
                    return;
                }
                // Steps go along the chosen order and class; a neuron outside it steps to its start.
                let seq = self.neuron_sequence();
                let Some(at) = seq.iter().position(|&j| j == self.weights.neuron) else {
                    self.weights.neuron = seq.first().copied().unwrap_or(0);
                    return;
                };
                let m = seq.len();
                let k = match a {
                    Action::Left => (at + m - 1) % m,
                    Action::Right => (at + 1) % m,
                    Action::PageUp => at.saturating_sub(NEURON_PAGE),
                    Action::PageDown => (at + NEURON_PAGE).min(m - 1),
                    _ => at,
                };
                self.weights.neuron = seq[k];
            }
            View::Runs => {
                let n = self.run_rows().len();

                match a {
                    Action::Up => self.runs.selected = self.runs.selected.saturating_sub(1),
                    Action::Down => self.runs.selected = (self.runs.selected + 1).min(n.saturating_sub(1)),
                    Action::Left => self.runs.sort = crate::enums::cycle(self.runs.sort, false),
                    Action::Right => self.runs.sort = crate::enums::cycle(self.runs.sort, true),
                    _ => {}
                }
                // Above the first row shown, the table follows the selection up.
                self.runs.top = self.runs.top.min(self.runs.selected);
            }
            View::Draw => match a {
                Action::Up => self.draw.step(0, -1),
                Action::Down => self.draw.step(0, 1),
                Action::Left => self.draw.step(-1, 0),
                Action::Right => self.draw.step(1, 0),
                _ => {}
            },
            View::Train => {}
        }
    }

    /// The confusion cell (predicted, actual) becomes the selected one; its digits start again at
    /// their first page when it is another cell.
    fn select_cell(&mut self, predicted: usize, actual: usize) {
        if Some((predicted, actual)) != self.results.cursor {
            self.results.page = 0;
        }
        self.results.cursor = Some((predicted, actual));
    }

    /// Whether the mouse is listened to: no overlay is open, so nothing changes behind one.
    fn takes_clicks(&self) -> bool {
        !self.overlays().contains(&true)
    }

    /// A click on a cell, a neuron or a run selects it, as the keys would. What was clicked is checked
    /// against the state again: a pick is only as good as the screen it was found on.
    fn pick(&mut self, p: Pick) {
        if !self.takes_clicks() {
            return;
        }
        let classes = self.shown().map_or(0, |s| s.eval.report.confusion.classes());
        let units = self.shown().map_or(0, |s| s.model.first_layer_units());
        match (self.view, p) {
            (View::Results, Pick::Cell(predicted, actual)) if predicted < classes && actual < classes => self.select_cell(predicted, actual),
            (View::Weights, Pick::Neuron(j)) if j < units => self.weights.neuron = j,
            (View::Runs, Pick::Run { row, top }) if row < self.run_rows().len() => (self.runs.selected, self.runs.top) = (row, top),
            _ => {}
        }
    }

    /// A click on a tab switches to it; in Draw the buttons draw (left) and erase (right); the wheel
    /// moves through lists and pages. A click on what a view lists comes as `Msg::Pick` instead.
    fn mouse(&mut self, e: crossterm::event::MouseEvent, screen: ratatui::layout::Rect) -> Vec<Effect> {
        use crossterm::event::{MouseButton, MouseEventKind as K};
        if !self.takes_clicks() {
            return Vec::new();
        }
        if let (K::Down(MouseButton::Left), 0) = (e.kind, e.row) {
            if let Some(v) = View::tab_at(e.column, screen.width) {
                return self.update(Msg::Action(Action::Go(v)));
            }
        }
        match (self.view, e.kind) {
            (View::Draw, K::Down(b) | K::Drag(b)) => {
                let (canvas, k) = super::draw::canvas_in(super::draw::body_of(screen, self.status_line().as_deref()));
                let at = super::draw::pixel_at(canvas, k, e.column, e.row);
                let press = matches!(e.kind, K::Down(_)).then_some(b == MouseButton::Right);
                self.draw.mouse(at, press);
            }
            (View::Draw, K::Up(_)) => self.draw.mouse(None, None),
            (View::Runs, K::ScrollUp) => return self.update(Msg::Action(Action::Up)),
            (View::Runs, K::ScrollDown) => return self.update(Msg::Action(Action::Down)),
            (View::Results | View::Weights, K::ScrollUp) => return self.update(Msg::Action(Action::PageUp)),
            (View::Results | View::Weights, K::ScrollDown) => return self.update(Msg::Action(Action::PageDown)),
            _ => {}
        }
        Vec::new()
    }

    /// `w` in Draw: the network's input for the drawing, as a PNG beside runs/ (`drawings/`).
    fn save_drawing(&mut self) {
        let Some(pixels) = self.draw.drawing.mnist_input() else {
            return self.error("nothing drawn yet: put the pen down with space and move it with the arrows");
        };
        let dir = self.runs_root.parent().unwrap_or(Path::new(".")).join("drawings");
        self.ask(Effect::SaveDrawing { dir, pixels });
    }

    fn edit(&mut self, k: EditKey) {
        let focus = self.form.focus;
        let Some(editing) = self.form.editing.clone() else { return };
        let Some(text) = self.form.text_mut(focus) else {
            self.form.editing = None;
            return;
        };
        match k {
            EditKey::Char(c) => {
                if !editing.touched {
                    text.clear();
                }
                text.push(c);
            }
            EditKey::Backspace => {
                text.pop();
            }
            EditKey::Done => self.form.editing = None,
            EditKey::Cancel => {
                *text = editing.before;
                self.form.editing = None;
            }
        }
        if let (EditKey::Char(_) | EditKey::Backspace, Some(e)) = (k, self.form.editing.as_mut()) {
            e.touched = true;
        }
    }

    /// Validates the form, (re)loads the data if its directory changed, and spawns the trainer.
    fn start(&mut self) {
        if self.is_training() {
            return self.error("training is running: stop it (s in Train) before starting another");
        }
        if self.waiting_for_data.is_some() {
            return self.error("the data for the next run is still loading");
        }
        let Some(q) = self.form_setup("start") else { return };
        if self.launch(q, false) == Launch::Started {
            self.view = View::Train;
        }
    }

    /// The form as a setup to train, or `None` with the reason on the status line (and the focus on the
    /// offending field).
    fn form_setup(&mut self, verb: &str) -> Option<Queued> {
        let dir_text = self.form.data_dir.trim();
        let data_dir = if dir_text.is_empty() { self.data_dir.clone() } else { PathBuf::from(dir_text) };
        // Whether another data dir can be read is found out by loading it, off the UI thread.
        match self.form.config(&self.bounds()) {
            Ok(config) => Some(Queued { config, data_dir, threads: self.form.threads() }),
            Err((focus, reason)) => {
                self.form.focus = focus;
                self.error(format!("cannot {verb}: {}: {reason}", focus.label()));
                None
            }
        }
    }

    /// Spawns the trainer on a setup, loading its data first if that is not the loaded data. False (with
    /// the reason on the status line) when it cannot start.
    fn launch(&mut self, setup: Queued, queued: bool) -> Launch {
        if setup.data_dir != self.data_dir {
            // Loading takes a while: off the UI thread, and the run starts when the data is here.
            let dir = setup.data_dir.clone();
            self.info(format!("loading the data in {}…", dir.display()));
            self.waiting_for_data = Some((setup, queued));
            self.ask(Effect::LoadData { dir });
            return Launch::Loading;
        }
        let Queued { config: cfg, threads, .. } = setup;
        // A queued setup was checked against the data loaded when it was queued.
        if let Err(reason) = cfg.validate(Some(self.data.train.len())) {
            self.error(format!("cannot start: {reason}"));
            return Launch::Refused;
        }
        let arch = cfg.architecture(self.data.train.pixels(), self.data.classes);
        if let Err(reason) = crate::train::memory::check(&arch, cfg.batch_size, &self.data) {
            self.error(format!("cannot start: {reason}"));
            return Launch::Refused;
        }
        let trainer = (self.spawn_trainer)(cfg.clone(), Arc::clone(&self.data), threads.unwrap_or_else(crate::threads::cores));
        let key = next_run_key();
        self.session = Some(Session {
            progress: Progress::new(cfg),
            trainer: Some(trainer),
            losses: VecDeque::with_capacity(LOSS_HISTORY),
            key,
            name: rundir::default_name(&arch),
            out_dir: None,
            entry: None,
            queued,
            save_error: None,
        });
        self.opened = None;
        self.refresh_pictures();
        self.results.cursor = None;
        self.weights.neuron = 0;
        let waiting = if queued { format!(" (queue: {} more waiting)", self.queue.len()) } else { String::new() };
        self.info(format!("training {}{waiting}", self.theme.text(&arch.to_string())));
        Launch::Started
    }

    /// Adds the form's setup to the end of the queue.
    fn enqueue(&mut self) {
        let Some(q) = self.form_setup("queue") else { return };
        let arch = q.config.architecture(self.data.train.pixels(), self.data.classes);
        self.queue.push(q);
        let hint = if self.queue_running { "it runs after the others" } else { "S runs the queue" };
        self.info(format!("queued #{}: {}, {} epoch(s) — {hint}", self.queue.len(), self.theme.text(&arch.to_string()), self.queue.last().map_or(0, |q| q.config.epochs)));
    }

    /// Trains the queued setups one after another, each saved in its own run directory; the Runs view
    /// shows them fill in.
    fn run_queue(&mut self) {
        if self.queue.is_empty() {
            return self.error("the queue is empty: change the setup in Setup (1) and press Q to add it");
        }
        if !self.queue_running {
            self.queue_done = 0;
        }
        self.queue_running = true;
        self.runs.sort = RunColumn::TestAccuracy;
        self.runs.descending = true;
        self.runs.comparing = false;
        self.view = View::Runs;
        if self.is_training() {
            self.info(format!("the queue ({} setup(s)) starts when the current run ends", self.queue.len()));
        } else {
            self.next_queued();
        }
    }

    /// Starts the next queued setup that can start; ends the queue when none is left.
    fn next_queued(&mut self) {
        while !self.queue.is_empty() {
            let q = self.queue.remove(0);
            if self.launch(q, true) != Launch::Refused {
                return;
            }
        }
        self.queue_running = false;
        let best = self.sorted_runs().into_iter().filter_map(|e| Some((e, e.summary.accuracy()?))).max_by(|a, b| a.1.total_cmp(&b.1));
        let best = best.map_or(String::new(), |(e, acc)| format!("; best so far: {} at {:.2}%", e.name(), acc * 100.0));
        let done = format!("queue finished: {} run(s) trained{best}", self.queue_done);
        // An error (a run that could not start or be saved) stays in view, with the queue's end after it.
        match self.status.clone() {
            Some(s) if s.kind == StatusKind::Error => self.error(format!("{} · {done}", s.text)),
            _ => self.info(done),
        }
    }

    /// Lists runs that differ only in seed as one row with their mean ± sd, or each run again.
    fn toggle_grouped(&mut self) {
        self.runs.grouped = !self.runs.grouped;
        self.runs.comparing = false;
        self.runs.selected = self.runs.selected.min(self.run_rows().len().saturating_sub(1));
        if !self.runs.grouped {
            return self.info("each run on its own row");
        }
        let groups = self.run_rows().iter().filter(|r| matches!(r, RunRow::Group(_))).count();
        match groups {
            0 => self.info("no two finished runs differ only in seed; g lists each run again"),
            n => self.info(format!("seeds grouped: {n} setting(s) with several seeds, each one row with the mean ± sd of its completed runs (g: each run)")),
        }
    }

    /// Marks (or unmarks) the selected finished run for comparison; a third mark replaces the oldest.
    fn toggle_mark(&mut self) {
        let id = match self.selected_row() {
            Selected::Done(id) => id,
            Selected::Group(n) => return self.error(group_note(n, "mark one")),
            _ => return self.error("only finished runs can be marked for comparison"),
        };
        let name = self.entry(id).map(RunEntry::name).unwrap_or_default();
        if let Some(i) = self.runs.marked.iter().position(|&m| m == id) {
            self.runs.marked.remove(i);
            return self.info(format!("unmarked {name}"));
        }
        self.runs.marked.push(id);
        if self.runs.marked.len() > 2 {
            self.runs.marked.remove(0);
        }
        match self.marked_runs().len() {
            2 => self.info(format!("marked {name} as B: c compares A and B")),
            _ => self.info(format!("marked {name} as A: mark one more run (m), then c compares")),
        }
    }

    fn toggle_compare(&mut self) {
        if self.runs.comparing {
            self.runs.comparing = false;
            return;
        }
        let marked = self.marked_runs();
        if marked.len() < 2 {
            return self.error(format!("mark two runs with m first ({} marked)", marked.len()));
        }
        let classes = |e: &RunEntry| e.summary.test.as_ref().map(|t| t.confusion_matrix.len());
        if classes(marked[0]).is_none() || classes(marked[1]).is_none() {
            return self.error("a run that finished no epoch has nothing to compare");
        }
        if classes(marked[0]) != classes(marked[1]) {
            return self.error("the two runs have different numbers of classes");
        }
        self.runs.comparing = true;
    }

    /// Rebuilds the report bundle (report.md with charts) of the selected run (Runs) or of the shown
    /// run, off the UI thread; `Msg::Done` reports back.
    fn write_report(&mut self) {
        let dir = if self.view == View::Runs {
            let id = match self.selected_row() {
                Selected::Done(id) => id,
                Selected::Group(n) => return self.error(group_note(n, "write the report of one")),
                Selected::Nothing => return self.error("no run selected"),
                Selected::Training => self.session.as_ref().and_then(|s| s.out_dir.clone()).map_or(0, |_| u64::MAX),
                Selected::Queued(_) => return self.error("a report needs a trained run: select one"),
            };
            if id == u64::MAX {
                self.session.as_ref().and_then(|s| s.out_dir.clone())
            } else if id == 0 {
                return self.error(NOT_SAVED);
            } else {
                self.entry(id).and_then(|e| e.dir.clone())
            }
        } else if self.shown().is_none() {
            return self.error("no results yet: a report needs a finished epoch");
        } else {
            self.shown().and_then(|s| s.dir.map(Path::to_path_buf))
        };
        let Some(dir) = dir else { return self.error(NOT_SAVED) };
        let running = self.is_training() && self.session.as_ref().and_then(|s| s.out_dir.as_deref()) == Some(dir.as_path());
        self.ask(Effect::Report { dir: dir.clone(), data: Arc::clone(&self.data) });
        let note = if running { " (of the epochs so far; the run's next save replaces it)" } else { "" };
        self.info(format!("writing the report bundle in {}{note}…", dir.display()));
    }

    fn pause_resume(&mut self) {
        let Some(s) = self.session.as_ref().filter(|s| s.is_running()) else {
            return self.error("nothing is training");
        };
        let cmd = if s.progress.paused { Command::Resume } else { Command::Pause };
        if let Some(t) = &s.trainer {
            let _ = t.commands.send(cmd);
        }
    }

    fn trainer_event(&mut self, ev: Event) {
        let Some(s) = &mut self.session else { return };
        let mut note = None;
        match &ev {
            Event::Batch(b) => {
                if s.losses.len() == LOSS_HISTORY {
                    s.losses.pop_front();
                }
                s.losses.push_back(b.loss);
            }
            Event::Epoch(snap) => {
                note = Some(format!(
                    "epoch {} done: test accuracy {:.2}%",
                    snap.report.epoch,
                    snap.report.test_accuracy * 100.0
                ))
            }
            // The status line said "training …" through a pause.
            Event::Paused => note = Some("paused: p resumes, s stops and keeps the finished epochs".into()),
            Event::Resumed => note = Some("training again".into()),
            _ => {}
        }
        let epoch = matches!(ev, Event::Epoch(_));
        let ended = matches!(ev, Event::Finished(_) | Event::Failed(_));
        let new_snapshot = matches!(ev, Event::Epoch(_) | Event::Finished(_));
        s.progress.apply(ev);
        if epoch && s.save_error.is_none() && self.quit_after_run != Some(QuitChoice::Discard) {
            // Every finished epoch is on disk before the next one ends.
            self.save_session(Stage::Epoch);
        }
        if new_snapshot {
            self.refresh_pictures();
        }
        if let Some(n) = note {
            if self.session.as_ref().is_none_or(|s| s.save_error.is_none()) {
                self.info(n);
            }
        }
        if ended {
            self.finish();
        }
    }

    /// The trainer has sent its last event: the run is saved (or discarded) and the session goes on —
    /// or ends, when the user asked to quit. A quit question still open stays open (closing it under
    /// the user would send their answer to the view: `s` in Setup starts a run); it now asks about a
    /// run that has ended, and any answer but Esc quits, keeping the run.
    fn finish(&mut self) {
        let Some(s) = &mut self.session else { return };
        if let Some(t) = s.trainer.take() {
            t.join();
        }
        let key = s.key;
        let queued = s.queued;
        let save_error = s.save_error.clone();
        let save_failed = save_error.is_some();
        let outcome = s.progress.outcome.clone();
        let quitting = self.interrupting || self.quit_after_run.is_some();
        if quitting {
            self.should_quit = true;
        }
        if self.quit_after_run == Some(QuitChoice::Discard) {
            let dir = self.session.as_ref().and_then(|s| s.out_dir.clone());
            self.ask(Effect::Discard { key, dir });
            self.exit_note = Some("run discarded".into());
            return;
        }
        match outcome {
            Some(Ok(run)) => {
                let entry = RunEntry {
                    id: self.new_id(),
                    summary: Summary::new(&run, DataInfo::of(&self.data)),
                    dir: self.session.as_ref().and_then(|s| s.out_dir.clone()),
                    result: Some(run.clone()),
                    key: Some(key),
                };
                self.session_runs.push(entry);
                if let Some(s) = &mut self.session {
                    s.entry = Some(self.session_runs.len() - 1);
                }
                match save_error {
                    None => self.save_session(Stage::Final),
                    // The directory keeps its last good save; it says why there is no more.
                    Some(reason) => {
                        let dir = self.session.as_ref().and_then(|s| s.out_dir.clone());
                        self.ask(Effect::Fail { key, dir, reason });
                    }
                }
                if quitting {
                    // The note is completed with the directory when the save lands.
                    self.exit_note = Some(format!("run {} after {} epoch(s); saving…", run.status.name(), run.history.len()));
                    return;
                }
                if save_failed {
                    // The error that stopped the run stays in view.
                } else if let RunStatus::Diverged { message } = &run.status {
                    self.error(format!("diverged: {message}; showing the last good epoch"));
                } else {
                    let acc = run.last.test.report.accuracy * 100.0;
                    self.info(format!("training {} after {} epoch(s): test accuracy {acc:.2}%", run.status.name(), run.history.len()));
                }
                if queued {
                    self.queue_done += 1;
                    return self.advance_queue(matches!(run.status, RunStatus::Stopped));
                }
                if self.view == View::Train {
                    self.view = View::Results;
                }
            }
            Some(Err(message)) => {
                // Epochs saved before the trainer died stay; the record says why there are no more.
                if !self.session.as_ref().is_some_and(|s| s.progress.history.is_empty()) {
                    let dir = self.session.as_ref().and_then(|s| s.out_dir.clone());
                    self.ask(Effect::Fail { key, dir, reason: message.clone() });
                }
                if quitting {
                    let _ = message;
                    self.exit_note = Some("no epoch had finished, so there was nothing to save".into());
                    return;
                }
                self.error(format!("training failed: {message}"));
                if queued {
                    self.advance_queue(false);
                }
            }
            None => {}
        }
    }

    /// After a queued run ended: start the next setup, unless the user stopped the run (that pauses the
    /// queue) or the queue was emptied.
    fn advance_queue(&mut self, stopped: bool) {
        if !self.queue_running {
            return;
        }
        if stopped {
            self.queue_running = false;
            let paused = format!("queue paused after the stop: {} setup(s) wait; S resumes", self.queue.len());
            // A stop forced by a failed save keeps its error in view.
            return match self.status.clone() {
                Some(s) if s.kind == StatusKind::Error => self.error(format!("{} · {paused}", s.text)),
                _ => self.info(paused),
            };
        }
        let before = self.status.clone();
        self.next_queued();
        // Say how the previous run ended next to what started.
        if let (Some(prev), Some(now)) = (before, self.status.clone()) {
            if now.kind == StatusKind::Info && self.queue_running {
                // A failed save of the previous run stays an error, even with the next run started.
                let text = format!("{} · next: {}", prev.text, now.text);
                self.status = Some(Status { kind: prev.kind, text });
            }
        }
    }

    /// Runs are saved on their own; `e` says where.
    fn where_saved(&mut self) {
        if let Some(o) = &self.opened {
            let text = match &o.dir {
                Some(dir) => format!("{} is saved in {}", o.title, dir.display()),
                None => NOT_SAVED.to_string(),
            };
            return self.info(text);
        }
        match self.session.as_ref().map(|s| &s.out_dir) {
            None => self.error("nothing trained yet: runs are saved on their own after every epoch"),
            Some(None) => self.info("the run is saved when its first epoch finishes"),
            Some(Some(dir)) => {
                let text = format!("saved automatically after every epoch in {}", dir.display());
                self.info(text)
            }
        }
    }

    /// Writes every test digit of the selected confusion cell as one PNG into the shown run's directory.
    fn export_cell(&mut self) {
        let Some(shown) = self.shown() else {
            return self.error("nothing trained yet");
        };
        let Some(dir) = shown.dir.map(Path::to_path_buf) else {
            return self.error(NOT_SAVED);
        };
        let (predicted, actual) = self.results_cursor();
        if predicted == actual {
            return self.error("the diagonal holds the correct answers: select a cell off it (arrows) to save its misclassified digits");
        }
        let predictions = shown.eval.predicted.clone();
        self.ask(Effect::PairPicture { dir, data: Arc::clone(&self.data), predictions, actual: actual as u8, predicted: predicted as u8 });
    }

    /// Writes the shown neuron's PNG and the weights grid PNG into the shown run's directory.
    fn export_images(&mut self) {
        let (rows, cols) = (self.data.train.rows, self.data.train.cols);
        let Some(shown) = self.shown() else {
            return self.error("no weights yet: they appear after the first epoch");
        };
        let Some(dir) = shown.dir.map(Path::to_path_buf) else {
            return self.error(NOT_SAVED);
        };
        let neuron = self.weights.neuron.min(shown.model.first_layer_units().saturating_sub(1));
        let model = Box::new(shown.model.clone());
        let neurons = Arc::new(shown.neurons.clone());
        // The grid in the shading on screen; the single neuron as the lab asks (gray, 0..255).
        let shading = if self.weights.shade == Shade::Diverging { rundir::Shading::Diverging } else { rundir::Shading::Gray };
        self.ask(Effect::Pictures { dir, model, neurons, neuron, shape: (rows, cols), shading });
    }

    /// Lists the run directories under the runs root, off the UI thread.
    pub fn rescan_runs(&mut self) {
        let root = self.runs_root.clone();
        self.ask(Effect::Scan { root });
    }

    /// Opens the selected run in Results: this session's from memory, others by loading their model
    /// and evaluating it on the loaded test set, off the UI thread.
    fn open_selected_run(&mut self) {
        let entry = match self.selected_row() {
            Selected::Done(id) => match self.entry(id) {
                Some(e) => e.clone(),
                None => return,
            },
            Selected::Group(n) => return self.error(group_note(n, "open one")),
            Selected::Training => return self.error("this run is still training: Results (3) shows its last epoch"),
            Selected::Queued(_) => return self.error("this setup is queued, not trained yet"),
            Selected::Nothing => return self.error("no run selected"),
        };
        if let Some(r) = &entry.result {
            let opened = Opened {
                title: format!("run {}", entry.name()),
                model: r.last.model.clone(),
                eval: r.last.test.clone(),
                dir: entry.dir.clone(),
                history: entry.summary.epochs.clone(),
                diagnostics: Some(r.last.diagnostics.clone()),
                neurons: Arc::clone(&r.last.neurons),
            };
            return self.show_opened(opened);
        }
        let Some(dir) = entry.dir.clone() else { return };
        if entry.summary.test.is_none() {
            return self.error(format!("{}: the run finished no epoch ({})", dir.display(), entry.summary.status.name()));
        }
        self.ask(Effect::Open { dir, data: Arc::clone(&self.data) });
        self.info(format!("opening {}…", entry.name()));
    }

    fn show_opened(&mut self, opened: Opened) {
        self.opened = Some(opened);
        self.refresh_pictures();
        self.results.cursor = None;
        self.weights.neuron = 0;
        self.view = View::Results;
        self.info("opened; Results and Weights show this run until the next training starts");
    }

    /// The run directory a note is for: the selected run (Runs) or the shown one (Results).
    fn note_target(&self) -> Result<PathBuf, String> {
        if self.view == View::Results {
            let shown = self.shown().ok_or("nothing to write a note on yet: train a run or open one (Runs, Enter)")?;
            return shown.dir.map(Path::to_path_buf).ok_or_else(|| NOT_SAVED.to_string());
        }
        match self.selected_row() {
            Selected::Done(id) => self.entry(id).and_then(|e| e.dir.clone()).ok_or_else(|| NOT_SAVED.to_string()),
            Selected::Group(n) => Err(group_note(n, "write a note for one")),
            Selected::Training => self.session.as_ref().and_then(|s| s.out_dir.clone()).ok_or_else(|| NOT_SAVED.to_string()),
            Selected::Queued(_) => Err("a queued setup has no run directory yet: its note can be written once it trains".into()),
            Selected::Nothing => Err("no run selected".into()),
        }
    }

    /// Opens the note editor on a run's notes, once they are read (off the UI thread).
    fn open_note(&mut self) {
        match self.note_target() {
            Ok(dir) => {
                self.info(format!("opening the note of {}…", rundir::dir_name(&dir)));
                self.awaiting_note = Some(dir.clone());
                self.early_note_keys.clear();
                self.ask(Effect::ReadNote { dir });
            }
            Err(e) => self.error(e),
        }
    }

    /// A key in the open note editor.
    fn note_key(&mut self, k: NoteKey) {
        let Some(editor) = &mut self.note else {
            if self.awaiting_note.is_some() {
                self.early_note_keys.push(k);
            }
            return;
        };
        match k {
            NoteKey::Input(input) => {
                editor.area.input(input);
            }
            NoteKey::Save => self.save_note(false),
            NoteKey::SaveAndClose => self.save_note(true),
        }
    }

    /// Saves what the editor shows, if anything changed; `close`: close the editor once it is saved
    /// (at once when nothing changed).
    fn save_note(&mut self, close: bool) {
        let Some(editor) = &mut self.note else { return };
        editor.close_when_saved |= close;
        if !editor.unsaved() {
            if editor.saving.is_none() && close {
                self.note = None;
                self.info("note closed (nothing changed)");
            } else if editor.saving.is_none() {
                self.info("nothing new to save in the note");
            }
            return;
        }
        let text = editor.text();
        if editor.saving.as_ref() == Some(&text) {
            return;
        }
        // The file holds what was read or last saved, or (once it lands) the save still on its way.
        let ours = [Some(editor.on_disk.clone()), editor.saving.take()].into_iter().flatten().collect();
        editor.saving = Some(text.clone());
        let dir = editor.dir.clone();
        self.ask(Effect::SaveNote { dir, text, ours });
        self.info("saving the note…");
    }

    /// The finished runs chosen for the hand-in that still exist, in the order chosen.
    pub fn chosen_runs(&self) -> Vec<&RunEntry> {
        self.runs.chosen.iter().filter_map(|&id| self.entry(id)).collect()
    }

    /// Space in Runs: the selected finished run goes into the hand-in, or out of it.
    fn choose_for_handin(&mut self) {
        let id = match self.selected_row() {
            Selected::Done(id) => id,
            Selected::Group(n) => return self.error(group_note(n, "choose one")),
            Selected::Training => return self.error("this run is still training: choose it for the hand-in when it has ended"),
            Selected::Queued(_) => return self.error("a queued setup has no results to hand in"),
            Selected::Nothing => return self.error("no run selected"),
        };
        let Some(name) = self.entry(id).filter(|e| e.dir.is_some()).map(RunEntry::name) else { return self.error(NOT_SAVED) };
        if let Some(i) = self.runs.chosen.iter().position(|&c| c == id) {
            self.runs.chosen.remove(i);
            let n = self.chosen_runs().len();
            return self.info(format!("{name} taken out of the hand-in ({n} chosen)"));
        }
        self.runs.chosen.push(id);
        let n = self.chosen_runs().len();
        self.info(format!("{name} is in the hand-in as run {n}: H makes the hand-in"));
    }

    /// The run directories to hand in, in order: the chosen runs, or else the selected one (`true`).
    pub fn handin_sources(&self) -> Result<(Vec<PathBuf>, bool), String> {
        let chosen: Vec<PathBuf> = self.chosen_runs().iter().filter_map(|e| e.dir.clone()).collect();
        if !chosen.is_empty() {
            return Ok((chosen, false));
        }
        let none = "no run chosen for the hand-in: space chooses runs in Runs";
        match self.selected_row() {
            Selected::Done(id) => self.entry(id).and_then(|e| e.dir.clone()).map(|d| (vec![d], true)).ok_or_else(|| NOT_SAVED.to_string()),
            Selected::Group(n) => Err(group_note(n, "hand in one")),
            _ => Err(none.into()),
        }
    }

    /// Where a hand-in directory named in the form goes: beside the runs root, in the directory the
    /// dashboard was started from.
    fn handin_base(&self) -> &Path {
        self.runs_root.parent().unwrap_or(Path::new(""))
    }

    /// The hand-in the form asks for, of the chosen runs (or the selected one); or the form's field at
    /// fault (if it is the form's) and why.
    pub fn handin_request(&self) -> Result<crate::handin::Request, (Option<Field>, String)> {
        let (sources, _) = self.handin_sources().map_err(|e| (None, e))?;
        self.handin.form.request(sources, self.handin_base()).map_err(|(f, why)| (Some(f), why))
    }

    /// H in Runs: the hand-in form, for the chosen runs (or the selected one, said so).
    fn open_handin(&mut self) {
        if self.handin.building {
            return self.error("a hand-in is being made: wait for it (the header says while it works)");
        }
        match self.handin_sources() {
            Ok((sources, from_selection)) => {
                self.handin.open = true;
                let what = if from_selection {
                    format!("no run chosen (space), so the hand-in is of the selected run, {}", sources.first().map(|d| rundir::dir_name(d)).unwrap_or_default())
                } else {
                    format!("hand-in of the {} chosen run(s)", sources.len())
                };
                self.info(format!("{what}: Enter makes it, Esc closes the form"));
            }
            Err(e) => self.error(e),
        }
    }

    /// A key in the open hand-in form.
    fn form_key(&mut self, k: FormKey) {
        if !self.handin.open {
            return;
        }
        match k {
            FormKey::Submit => self.submit_handin(),
            FormKey::Cancel => {
                self.handin.open = false;
                self.info("hand-in form closed (what you typed stays for the next H)");
            }
            k => self.handin.form.key(k),
        }
    }

    /// Enter in the hand-in form: the hand-in is made off the UI thread; `Done::Handin` reports.
    fn submit_handin(&mut self) {
        match self.handin_request() {
            Ok(request) => {
                let (n, out) = (request.sources.len(), request.out.clone());
                self.ask(Effect::Handin { request: Box::new(request) });
                self.handin.open = false;
                self.handin.building = true;
                self.info(format!("making the hand-in of {n} run(s) in {} (a new directory; -2, -3, … if taken)…", out.display()));
            }
            Err((field, why)) => {
                if let Some(f) = field {
                    self.handin.form.focus = f;
                }
                let at = field.map_or(String::new(), |f| format!("{}: ", f.label()));
                self.error(format!("cannot make the hand-in: {at}{why}"));
            }
        }
    }
}

/// What to do on a row of `n` runs grouped by seed to `act` on one of them.
fn group_note(n: usize, act: &str) -> String {
    format!("this row is {n} runs that differ only in seed: g lists them one by one to {act}")
}

/// Keys are unique in the process, not only in one `App`, so one carrier of effects can serve several.
fn next_run_key() -> RunKey {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Test images of `actual` class that were predicted as `predicted`, first `max` in file order.
pub fn cell_examples(labels: &[u8], predicted: &[u8], cell: (usize, usize), max: usize) -> Vec<usize> {
    let (p, a) = cell;
    labels
        .iter()
        .zip(predicted)
        .enumerate()
        .filter(|(_, (&l, &q))| l as usize == a && q as usize == p)
        .map(|(i, _)| i)
        .take(max)
        .collect()
}
