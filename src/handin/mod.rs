//! The hand-in: one lab report for the chosen runs and the zip a student sends, in a directory of its
//! own. `report.md` is the source a student edits (their observations go there); `report.pdf` is made
//! from it here, with no program outside digitlab; `handin.zip` packs the directory without data sets.
//!
//! ```text
//! H/report.md  report.pdf  handin.zip
//!   figures/comparison.png  figures/RUN/curves.png …
//!   runs/RUN/summary.json  config.toml  *.csv  notes.md  [model.safetensors]
//!   .handin.json          what digitlab wrote, each file with its SHA-256
//! ```
//!
//! A later hand-in into the same directory, or `--rebuild`, replaces or removes a file only while it
//! holds exactly what digitlab wrote there: a figure, table or PDF the student changed, or a file they
//! put there under a name digitlab writes, stops the command before it writes anything, and the error
//! names it. Files the student added under other names are never touched (and go into the zip).

mod archive;
pub mod source;

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

pub use crate::pdf::Paper;
use crate::rundir::owned::{self, Digests};
use crate::rundir::{self, RunOnDisk, Summary};
pub use archive::{is_dataset, ZIP};

pub const REPORT_MD: &str = "report.md";
pub const REPORT_PDF: &str = "report.pdf";
/// What the hand-in wrote (hidden, so it is not packed).
pub const STATE: &str = ".handin.json";
pub const FIGURES: &str = "figures";
pub const RUNS: &str = "runs";

/// Far beyond any report a student writes; a larger file is refused before it is read.
const REPORT_MAX_BYTES: u64 = 4 << 20;
const PICTURE_MAX_BYTES: u64 = 64 << 20;
const RECORD_MAX_BYTES: u64 = 64 << 20;

/// The title a report gets when none is given.
pub const DEFAULT_TITLE: &str = "Handwritten digit classification with multilayer perceptrons";

/// What to hand in, and where.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Run directories and sweep directories (their runs).
    pub sources: Vec<PathBuf>,
    /// The hand-in directory; made if missing, refused if it holds a student's edited report, or any
    /// file this hand-in would replace or remove that the student changed or made.
    pub out: PathBuf,
    pub title: Option<String>,
    /// "Name (ID), Name (ID)".
    pub authors: Option<String>,
    pub paper: Paper,
    /// Put each run's model.safetensors in the zip too.
    pub with_models: bool,
}

/// What a hand-in wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub dir: PathBuf,
    pub pdf: PathBuf,
    pub zip: PathBuf,
    pub zip_bytes: u64,
    pub pages: usize,
    pub runs: usize,
    /// A few lines for the person: what the PDF and the zip hold, what was left out.
    pub lines: Vec<String>,
}

/// `.handin.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    program: String,
    created: String,
    title: String,
    authors: Option<String>,
    paper: Paper,
    with_models: bool,
    sources: Vec<PathBuf>,
    /// SHA-256 of report.md as digitlab wrote it: a different report.md is the student's.
    report_sha256: String,
    /// Files digitlab wrote, relative, so the next hand-in removes exactly those it no longer makes.
    written: Vec<String>,
    /// The SHA-256 of each file digitlab wrote (report.pdf and handin.zip too), by its path in
    /// `written`: a file that no longer matches is the student's now.
    #[serde(default)]
    sha256: Digests,
}

impl State {
    /// The files digitlab wrote here, with their digests. A record from before the digests were kept
    /// has report.md's alone: digitlab cannot tell whether the student changed any other file it
    /// names, so each counts as theirs — a hand-in goes ahead only where such a file is absent or
    /// already holds exactly what would be written, and otherwise refuses, naming it.
    fn ours(&self) -> Digests {
        let mut ours = self.sha256.clone();
        ours.entry(REPORT_MD.into()).or_insert_with(|| self.report_sha256.clone());
        ours
    }
}

fn program() -> String {
    let p = rundir::summary::Program::this();
    format!("{} {}", p.name, p.version)
}

fn read_state(dir: &Path) -> Result<Option<State>> {
    let path = dir.join(STATE);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = crate::files::read_bounded(&path, RECORD_MAX_BYTES, "hand-in record")?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| anyhow!("{}: damaged hand-in record ({e}); remove it to use the directory again", path.display()))
}

/// What `out` holds before a new hand-in is written there: nothing, or a hand-in digitlab made whose
/// report nobody edited. Anything else is refused, naming why. (Its other files are checked once the
/// new hand-in's files are known, in `build`.)
fn check_out(out: &Path) -> Result<Option<State>> {
    if !out.exists() {
        return Ok(None);
    }
    if !out.is_dir() {
        bail!("{}: exists and is not a directory", out.display());
    }
    let Some(state) = read_state(out)? else {
        if fs::read_dir(out).with_context(|| format!("{}: cannot list", out.display()))?.next().is_some() {
            bail!("{}: already holds files and is not a hand-in digitlab made; choose a new or empty directory with --out", out.display());
        }
        return Ok(None);
    };
    let report = out.join(REPORT_MD);
    if report.exists() {
        let text = crate::files::read_bounded(&report, REPORT_MAX_BYTES, "report")?;
        if rundir::digest(&text) != state.report_sha256 {
            bail!(
                "{}: has your edits, which digitlab never overwrites. `digitlab handin --rebuild {}` makes the PDF and zip from your text; \
                 for a hand-in of other runs choose another --out",
                report.display(),
                out.display()
            );
        }
    }
    Ok(Some(state))
}

/// Folder names in the hand-in for `runs`: the run directory's name, with its parent's in front when
/// two chosen runs share a name (two sweeps' `001-…`).
fn unique_names(runs: &[RunOnDisk]) -> Vec<String> {
    let base: Vec<String> = runs.iter().map(|r| rundir::dir_name(&r.dir)).collect();
    let mut names: Vec<String> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let mut name = base[i].clone();
        if base.iter().filter(|b| **b == name).count() > 1 {
            if let Some(parent) = r.dir.parent().and_then(|p| p.file_name()) {
                name = format!("{}-{name}", parent.to_string_lossy());
            }
        }
        let stem = name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{stem}-{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// What goes into one file of the hand-in.
enum Content {
    Bytes(Vec<u8>),
    /// A run's file, copied as it is (a model is streamed).
    Copy(PathBuf),
}

/// The hand-in's files, planned in full before any is written, so that a refusal writes nothing.
#[derive(Default)]
struct Writer {
    /// Paths relative to the hand-in directory, in the order they are written.
    planned: Vec<(String, Content)>,
    /// What the person should know about what was left out.
    warnings: Vec<String>,
}

impl Writer {
    fn put(&mut self, rel: &str, bytes: Vec<u8>) {
        self.planned.push((rel.to_string(), Content::Bytes(bytes)));
    }

    /// Plans a copy of `from` as `rel` when `from` exists.
    fn copy(&mut self, from: &Path, rel: &str) -> bool {
        let there = from.is_file();
        if there {
            self.planned.push((rel.to_string(), Content::Copy(from.to_path_buf())));
        }
        there
    }

    /// The bytes planned for `rel` (a picture the PDF shows), if it is planned.
    fn bytes_of(&self, rel: &str) -> Option<Result<Vec<u8>>> {
        self.planned.iter().find(|(r, _)| r == rel).map(|(_, c)| match c {
            Content::Bytes(b) => Ok(b.clone()),
            Content::Copy(from) => crate::files::read_bounded(from, PICTURE_MAX_BYTES, "picture"),
        })
    }

    /// The SHA-256 of each planned file's content, in order.
    fn digests(&self) -> Result<Vec<String>> {
        self.planned
            .iter()
            .map(|(_, c)| match c {
                Content::Bytes(b) => Ok(rundir::digest(b)),
                Content::Copy(from) => owned::digest_file(from),
            })
            .collect()
    }

    /// Writes every planned file into `dir`, each atomically; returns the digests of what was written.
    /// `digests` are those of [`Writer::digests`], in the same order: a file made here is written as
    /// it was hashed, while a copy is hashed again as copied (the run's file may change meanwhile).
    fn write(&self, dir: &Path, digests: &[String]) -> Result<Digests> {
        let mut written = Digests::new();
        for ((rel, content), planned_sha) in self.planned.iter().zip(digests) {
            let path = dir.join(rel);
            let parent = path.parent().unwrap_or(dir);
            fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
            let sha = match content {
                Content::Bytes(bytes) => {
                    rundir::write_atomic(&path, bytes)?;
                    planned_sha.clone()
                }
                Content::Copy(from) => {
                    let tmp = rundir::temp_in(parent)?;
                    fs::copy(from, tmp.path()).with_context(|| format!("{}: cannot copy to {}", from.display(), path.display()))?;
                    // What was copied, should the run's file change meanwhile.
                    let sha = owned::digest_file(tmp.path())?;
                    tmp.persist(&path).map_err(|e| e.error).with_context(|| format!("{}: cannot write", path.display()))?;
                    sha
                }
            };
            written.insert(rel.clone(), sha);
        }
        Ok(written)
    }
}

/// The files of a run that travel with the hand-in: its records, tables and notes.
const RUN_RECORDS: [&str; 6] = [rundir::SUMMARY, rundir::EPOCHS_CSV, rundir::CONFUSION_CSV, rundir::PREDICTIONS_CSV, rundir::NEURONS_CSV, rundir::NOTES_MD];

/// One run's files and figures into the hand-in; returns its part of the report.
fn write_run<'a>(w: &mut Writer, run: &'a RunOnDisk, name: &str, with_models: bool) -> Result<source::RunPart<'a>> {
    let s: &Summary = &run.summary;
    for f in RUN_RECORDS {
        w.copy(&run.dir.join(f), &format!("{RUNS}/{name}/{f}"));
    }
    w.put(&format!("{RUNS}/{name}/config.toml"), s.config.to_toml().into_bytes());
    if with_models {
        w.copy(&run.dir.join(rundir::MODEL), &format!("{RUNS}/{name}/{}", rundir::MODEL));
    }
    let mut figures = source::RunFigures::default();
    if let Some(test) = &s.test {
        // Drawn from summary.json, so they show exactly what the report's tables say.
        let curves = format!("{FIGURES}/{name}/{}", rundir::CURVES_PNG);
        w.put(&curves, crate::figures::charts::curves(&s.epochs, &rundir::curves_title(s)).png()?);
        figures.curves = Some(curves);
        let confusion = format!("{FIGURES}/{name}/{}", rundir::CONFUSION_PNG);
        w.put(&confusion, crate::figures::confusion::confusion_chart(&test.confusion()).png()?);
        figures.confusion = Some(confusion);
        // Drawn from the test images and the model when the run ended: the run directory's own, which
        // always agree with its summary.json.
        let copy = |w: &mut Writer, file: &str| -> Option<String> {
            let rel = format!("{FIGURES}/{name}/{file}");
            w.copy(&run.dir.join(file), &rel).then_some(rel)
        };
        figures.misclassified = copy(w, rundir::MISCLASSIFIED_PNG);
        figures.neurons = copy(w, rundir::NEURONS_PNG);
        figures.weights_grid = copy(w, rundir::WEIGHTS_GRID);
    }
    // Notes that cannot be read (too long, not text) do not stop the hand-in: their place says so.
    let notes = rundir::read_notes(&run.dir).unwrap_or_else(|e| {
        w.warnings.push(format!("{name}: notes not included: {e:#}"));
        format!("> *The notes of this run could not be read ({e:#}); write your observations here instead.*")
    });
    Ok(source::RunPart { name: name.to_string(), summary: s, notes, figures })
}

/// True for a path that stays inside the directory it is joined to: relative, without `..`.
fn stays_inside(rel: &Path) -> bool {
    rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Loads a picture the report names, only from inside the hand-in directory (what is outside would not
/// be in the zip): as `planned` will write it, else as the directory holds it.
fn picture_loader<'a>(dir: &'a Path, planned: Option<&'a Writer>) -> impl Fn(&str) -> Result<Vec<u8>> + 'a {
    move |src: &str| {
        let rel = Path::new(src);
        if !stays_inside(rel) {
            bail!("outside the hand-in directory, so it would not be in the zip: copy it into {FIGURES}/ and name it from there");
        }
        if let Some(bytes) = planned.and_then(|w| w.bytes_of(src)) {
            return bytes;
        }
        crate::files::read_bounded(&dir.join(rel), PICTURE_MAX_BYTES, "picture")
    }
}

/// The PDF of a hand-in's report.md (its bytes, to be written as report.pdf), and the rendering's facts.
fn render_pdf(markdown: &str, load: &dyn Fn(&str) -> Result<Vec<u8>>, title_fallback: &str, authors: Option<&str>, paper: Paper) -> Result<crate::pdf::Rendered> {
    // The title the student left in report.md is the document's title.
    let title = crate::pdf::markdown::parse(markdown)
        .iter()
        .find_map(|b| match b {
            crate::pdf::markdown::Block::Heading { level: 1, spans } => Some(crate::pdf::markdown::plain(spans)),
            _ => None,
        })
        .unwrap_or_else(|| title_fallback.to_string());
    let authors = authors.map(|a| a.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let opts = crate::pdf::Options { paper, title, authors, creator: program() };
    crate::pdf::render(markdown, load, &opts)
}

/// The lines that tell a person what was written.
fn summary_lines(dir: &Path, rendered: &crate::pdf::Rendered, packed: &archive::Packed) -> Vec<String> {
    let mut lines = vec![format!("{}: {} pages, {} pictures", dir.join(REPORT_PDF).display(), rendered.pages, rendered.pictures)];
    let count = |prefix: &str| packed.files.iter().filter(|f| f.starts_with(prefix)).count();
    let mut runs: Vec<&str> = packed.files.iter().filter_map(|f| f.strip_prefix("runs/")).filter_map(|f| f.split('/').next()).collect();
    runs.dedup();
    let models = packed.files.iter().filter(|f| f.ends_with(rundir::MODEL)).count();
    let top: Vec<&str> = packed.files.iter().filter(|f| !f.contains('/')).map(String::as_str).collect();
    lines.push(format!(
        "{}: {}, {} files: {}; {} figures; {} (summary.json, config.toml, CSVs, notes){}",
        dir.join(ZIP).display(),
        crate::files::human_size(packed.bytes),
        packed.files.len(),
        top.join(", "),
        count("figures/"),
        crate::console::count(runs.len(), "run"),
        if models > 0 { format!(", {models} model files") } else { "; no model files (--with-models adds them)".into() }
    ));
    for m in &rendered.missing {
        lines.push(format!("picture not shown in the PDF: {m}"));
    }
    for l in &packed.left_out {
        lines.push(format!("left out of the zip: {l}"));
    }
    lines
}

/// The advice of a hand-in refused because files in `out` are the student's (or may be).
fn build_advice(out: &Path) -> String {
    format!(
        "digitlab never replaces or removes a file you changed or added: move those out of {} (or delete the ones that are \
         digitlab's own, unchanged) and hand in again, or choose another --out",
        out.display()
    )
}

/// Writes the hand-in directory for `req`.
pub fn build(req: &Request) -> Result<Outcome> {
    let listing = rundir::list(&req.sources)?;
    if listing.runs.is_empty() {
        bail!("no run to hand in: {}", listing.skipped_lines().join("; "));
    }
    let out = &req.out;
    let previous = check_out(out)?;
    let mut w = Writer::default();
    let names = unique_names(&listing.runs);
    let mut parts = Vec::new();
    for (run, name) in listing.runs.iter().zip(&names) {
        parts.push(write_run(&mut w, run, name, req.with_models)?);
    }
    let mut overview = source::Overview::default();
    let bars: Vec<crate::figures::charts::RunBar> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some(crate::figures::charts::RunBar { name: format!("run {}", i + 1), architecture: p.summary.model.architecture.clone(), accuracy: p.summary.accuracy()? }))
        .collect();
    if bars.len() > 1 {
        let file = format!("{FIGURES}/{}", rundir::COMPARISON_PNG);
        w.put(&file, crate::figures::charts::comparison(&bars).png()?);
        overview.comparison = Some(file);
    }
    let rows = crate::experiments::study::of_runs(&listing.runs);
    if crate::experiments::study::seeds_repeat(&rows) {
        let mut charts = Vec::new();
        for chart in [crate::experiments::study::neurons_chart(&rows), crate::experiments::study::layers_chart(&rows)].into_iter().flatten() {
            let file = format!("{FIGURES}/{}", chart.file);
            w.put(&file, chart.canvas.png()?);
            charts.push((file, chart.caption));
        }
        overview.study = Some((crate::experiments::study::to_markdown(&rows), charts));
    }
    let title = req.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| DEFAULT_TITLE.to_string());
    let meta = source::Meta { title: title.clone(), authors: req.authors.clone(), date: chrono::Local::now().format("%Y-%m-%d").to_string(), program: program() };
    let markdown = source::report_md(&meta, &parts, &overview, &out.display().to_string());
    w.put(REPORT_MD, markdown.clone().into_bytes());
    let rendered = render_pdf(&markdown, &picture_loader(out, Some(&w)), &title, req.authors.as_deref(), req.paper)?;
    let pdf_sha = rundir::digest(&rendered.bytes);

    // Before anything is written: each file this hand-in writes, and each an earlier one wrote that this
    // one does not (a run no longer chosen, a figure not drawn) and so removes, must be absent or
    // digitlab's unchanged. A record edited to name a path outside the hand-in (absolute, or with `..`)
    // removes nothing there.
    let mut made: Vec<&str> = w.planned.iter().map(|(rel, _)| rel.as_str()).collect();
    made.extend([REPORT_PDF, ZIP]);
    let stale: Vec<&str> = previous.iter().flat_map(|p| &p.written).map(String::as_str).filter(|r| !made.contains(r) && stays_inside(Path::new(r))).collect();
    let digests = w.digests()?;
    let ours = previous.as_ref().map(State::ours).unwrap_or_default();
    let writes = w.planned.iter().zip(&digests).map(|((rel, _), sha)| (rel.as_str(), Some(sha.as_str())));
    let outputs = [(REPORT_PDF, Some(pdf_sha.as_str())), (ZIP, None)];
    owned::check(out, &ours, writes.chain(outputs).chain(stale.iter().map(|r| (*r, None))), || build_advice(out))?;

    fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let mut sha256 = w.write(out, &digests)?;
    rundir::write_atomic(&out.join(REPORT_PDF), &rendered.bytes)?;
    sha256.insert(REPORT_PDF.into(), pdf_sha);
    for rel in stale {
        let path = out.join(rel);
        if path.is_file() {
            fs::remove_file(&path).with_context(|| format!("{}: cannot remove", path.display()))?;
            if let Some(parent) = path.parent() {
                // Only empty folders go.
                let _ = fs::remove_dir(parent);
            }
        }
    }
    let packed = archive::pack(out)?;
    sha256.insert(ZIP.into(), owned::digest_file(&out.join(ZIP))?);
    let state = State {
        program: program(),
        created: chrono::Local::now().to_rfc3339(),
        title,
        authors: req.authors.clone(),
        paper: req.paper,
        with_models: req.with_models,
        sources: req.sources.clone(),
        report_sha256: rundir::digest(markdown.as_bytes()),
        written: made.iter().map(|r| r.to_string()).collect(),
        sha256,
    };
    rundir::write_atomic(&out.join(STATE), &serde_json::to_vec_pretty(&state)?)?;
    let mut lines = listing.skipped_lines();
    lines.append(&mut w.warnings);
    lines.extend(summary_lines(out, &rendered, &packed));
    Ok(Outcome {
        dir: out.clone(),
        pdf: out.join(REPORT_PDF),
        zip: out.join(ZIP),
        zip_bytes: packed.bytes,
        pages: rendered.pages,
        runs: parts.len(),
        lines,
    })
}

/// Makes report.pdf and handin.zip again from the hand-in's report.md as the student left it (their
/// text is only read), on `paper` or the paper it was made on. Those two files are its outputs, but a
/// report.pdf or handin.zip the student made or changed (a PDF exported from another program) is
/// theirs: then nothing is written, and the error says so.
pub fn rebuild(dir: &Path, paper: Option<Paper>) -> Result<Outcome> {
    let report = dir.join(REPORT_MD);
    if !report.is_file() {
        bail!("{}: no {REPORT_MD} here to make the PDF from (make a hand-in first: digitlab handin RUN… --out {})", dir.display(), dir.display());
    }
    let bytes = crate::files::read_bounded(&report, REPORT_MAX_BYTES, "report")?;
    let markdown = String::from_utf8(bytes).map_err(|e| anyhow!("{}: not UTF-8 text (byte {} is not)", report.display(), e.utf8_error().valid_up_to()))?;
    let state = read_state(dir)?;
    let paper = paper.or(state.as_ref().map(|s| s.paper)).unwrap_or_default();
    let title = state.as_ref().map_or(DEFAULT_TITLE.to_string(), |s| s.title.clone());
    let authors = state.as_ref().and_then(|s| s.authors.clone());
    let rendered = render_pdf(&markdown, &picture_loader(dir, None), &title, authors.as_deref(), paper)?;
    let pdf_sha = rundir::digest(&rendered.bytes);
    let ours = state.as_ref().map(State::ours).unwrap_or_default();
    owned::check(dir, &ours, [(REPORT_PDF, Some(pdf_sha.as_str())), (ZIP, None)], || {
        format!(
            "--rebuild makes {REPORT_PDF} and {ZIP} anew and never writes over one you made or changed: move such a file out of {} \
             (e.g. report.pdf to my-report.pdf; delete it if it is digitlab's own, unchanged) and run --rebuild again",
            dir.display()
        )
    })?;
    rundir::write_atomic(&dir.join(REPORT_PDF), &rendered.bytes)?;
    let packed = archive::pack(dir)?;
    // A directory without a record (report.md written by hand) gets one, so the next rebuild knows the
    // PDF and zip as digitlab's; its report.md is the student's (no digest of digitlab's).
    let mut state = state.unwrap_or_else(|| State {
        program: program(),
        created: chrono::Local::now().to_rfc3339(),
        title,
        authors,
        paper,
        with_models: false,
        sources: Vec::new(),
        report_sha256: String::new(),
        written: Vec::new(),
        sha256: Digests::new(),
    });
    state.paper = paper;
    for (rel, sha) in [(REPORT_PDF, pdf_sha), (ZIP, owned::digest_file(&dir.join(ZIP))?)] {
        if !state.written.iter().any(|w| w == rel) {
            state.written.push(rel.into());
        }
        state.sha256.insert(rel.into(), sha);
    }
    rundir::write_atomic(&dir.join(STATE), &serde_json::to_vec_pretty(&state)?)?;
    let runs = packed.files.iter().filter(|f| f.starts_with("runs/") && f.ends_with(rundir::SUMMARY)).count();
    Ok(Outcome {
        dir: dir.to_path_buf(),
        pdf: dir.join(REPORT_PDF),
        zip: dir.join(ZIP),
        zip_bytes: packed.bytes,
        pages: rendered.pages,
        runs,
        lines: summary_lines(dir, &rendered, &packed),
    })
}
