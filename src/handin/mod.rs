//! The hand-in: one lab report for the chosen runs and the zip a student sends, in a directory of its
//! own. `report.md` is the source a student edits (their observations go there); `report.pdf` is made
//! from it here, with no program outside digitlab; `handin.zip` packs the directory without data sets.
//!
//! ```text
//! H/report.md  report.pdf  handin.zip
//!   figures/comparison.png  figures/RUN/curves.png …
//!   runs/RUN/summary.json  config.toml  *.csv  notes.md  [model.safetensors]
//!   .handin.json          what digitlab wrote, so a later hand-in never replaces a student's text
//! ```

mod archive;
pub mod source;

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

pub use crate::pdf::Paper;
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
    /// The hand-in directory; made if missing, refused if it holds a student's edited report.
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
/// report nobody edited. Anything else is refused, naming why.
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

/// Writes files into the hand-in directory (each atomically) and remembers them.
struct Writer<'a> {
    dir: &'a Path,
    written: Vec<String>,
    /// What the person should know about what was left out.
    warnings: Vec<String>,
}

impl Writer<'_> {
    fn put(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        rundir::write_atomic(&path, bytes)?;
        self.written.push(rel.to_string());
        Ok(())
    }

    /// Copies `from` (when it exists) as `rel`; large files (models) are streamed.
    fn copy(&mut self, from: &Path, rel: &str) -> Result<bool> {
        if !from.is_file() {
            return Ok(false);
        }
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        let tmp = rundir::temp_in(path.parent().unwrap_or(self.dir))?;
        fs::copy(from, tmp.path()).with_context(|| format!("{}: cannot copy to {}", from.display(), path.display()))?;
        tmp.persist(&path).map_err(|e| e.error).with_context(|| format!("{}: cannot write", path.display()))?;
        self.written.push(rel.to_string());
        Ok(true)
    }
}

/// The files of a run that travel with the hand-in: its records, tables and notes.
const RUN_RECORDS: [&str; 6] = [rundir::SUMMARY, rundir::EPOCHS_CSV, rundir::CONFUSION_CSV, rundir::PREDICTIONS_CSV, rundir::NEURONS_CSV, rundir::NOTES_MD];

/// One run's files and figures into the hand-in; returns its part of the report.
fn write_run<'a>(w: &mut Writer, run: &'a RunOnDisk, name: &str, with_models: bool) -> Result<source::RunPart<'a>> {
    let s: &Summary = &run.summary;
    for f in RUN_RECORDS {
        w.copy(&run.dir.join(f), &format!("{RUNS}/{name}/{f}"))?;
    }
    w.put(&format!("{RUNS}/{name}/config.toml"), s.config.to_toml().as_bytes())?;
    if with_models {
        w.copy(&run.dir.join(rundir::MODEL), &format!("{RUNS}/{name}/{}", rundir::MODEL))?;
    }
    let mut figures = source::RunFigures::default();
    if let Some(test) = &s.test {
        // Drawn from summary.json, so they show exactly what the report's tables say.
        let curves = format!("{FIGURES}/{name}/{}", rundir::CURVES_PNG);
        w.put(&curves, &crate::figures::charts::curves(&s.epochs, &rundir::curves_title(s)).png()?)?;
        figures.curves = Some(curves);
        let confusion = format!("{FIGURES}/{name}/{}", rundir::CONFUSION_PNG);
        w.put(&confusion, &crate::figures::confusion::confusion_chart(&test.confusion()).png()?)?;
        figures.confusion = Some(confusion);
        // Drawn from the test images and the model when the run ended: the run directory's own, which
        // always agree with its summary.json.
        let copy = |w: &mut Writer, file: &str| -> Result<Option<String>> {
            let rel = format!("{FIGURES}/{name}/{file}");
            Ok(w.copy(&run.dir.join(file), &rel)?.then_some(rel))
        };
        figures.misclassified = copy(w, rundir::MISCLASSIFIED_PNG)?;
        figures.neurons = copy(w, rundir::NEURONS_PNG)?;
        figures.weights_grid = copy(w, rundir::WEIGHTS_GRID)?;
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
/// be in the zip).
fn picture_loader(dir: &Path) -> impl Fn(&str) -> Result<Vec<u8>> + '_ {
    move |src: &str| {
        let rel = Path::new(src);
        if !stays_inside(rel) {
            bail!("outside the hand-in directory, so it would not be in the zip: copy it into {FIGURES}/ and name it from there");
        }
        crate::files::read_bounded(&dir.join(rel), PICTURE_MAX_BYTES, "picture")
    }
}

/// The PDF of the hand-in's report.md, written as report.pdf; returns the rendering's facts.
fn write_pdf(dir: &Path, markdown: &str, title_fallback: &str, authors: Option<&str>, paper: Paper) -> Result<crate::pdf::Rendered> {
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
    let rendered = crate::pdf::render(markdown, &picture_loader(dir), &opts)?;
    rundir::write_atomic(&dir.join(REPORT_PDF), &rendered.bytes)?;
    Ok(rendered)
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
        "{}: {}, {} files: {}; {} figures; {} runs (summary.json, config.toml, CSVs, notes){}",
        dir.join(ZIP).display(),
        crate::files::human_size(packed.bytes),
        packed.files.len(),
        top.join(", "),
        count("figures/"),
        runs.len(),
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

/// Writes the hand-in directory for `req`.
pub fn build(req: &Request) -> Result<Outcome> {
    let listing = rundir::list(&req.sources)?;
    if listing.runs.is_empty() {
        bail!("no run to hand in: {}", listing.skipped_lines().join("; "));
    }
    let out = &req.out;
    let previous = check_out(out)?;
    fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let mut w = Writer { dir: out, written: Vec::new(), warnings: Vec::new() };
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
        w.put(&file, &crate::figures::charts::comparison(&bars).png()?)?;
        overview.comparison = Some(file);
    }
    let rows = crate::experiments::study::of_runs(&listing.runs);
    if crate::experiments::study::seeds_repeat(&rows) {
        let mut charts = Vec::new();
        for chart in [crate::experiments::study::neurons_chart(&rows), crate::experiments::study::layers_chart(&rows)].into_iter().flatten() {
            let file = format!("{FIGURES}/{}", chart.file);
            w.put(&file, &chart.canvas.png()?)?;
            charts.push((file, chart.caption));
        }
        overview.study = Some((crate::experiments::study::to_markdown(&rows), charts));
    }
    let title = req.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| DEFAULT_TITLE.to_string());
    let meta = source::Meta { title: title.clone(), authors: req.authors.clone(), date: chrono::Local::now().format("%Y-%m-%d").to_string(), program: program() };
    let markdown = source::report_md(&meta, &parts, &overview, &out.display().to_string());
    w.put(REPORT_MD, markdown.as_bytes())?;
    let rendered = write_pdf(out, &markdown, &title, req.authors.as_deref(), req.paper)?;
    w.written.push(REPORT_PDF.into());
    // What an earlier hand-in here wrote and this one did not: a run no longer chosen, a figure not drawn.
    if let Some(prev) = &previous {
        // A record edited to name a path outside the hand-in (absolute, or with `..`) removes nothing there.
        for rel in prev.written.iter().filter(|r| !w.written.contains(r) && stays_inside(Path::new(r))) {
            let path = out.join(rel);
            if path.is_file() {
                fs::remove_file(&path).with_context(|| format!("{}: cannot remove", path.display()))?;
                if let Some(parent) = path.parent() {
                    // Only empty folders go.
                    let _ = fs::remove_dir(parent);
                }
            }
        }
    }
    let state = State {
        program: program(),
        created: chrono::Local::now().to_rfc3339(),
        title,
        authors: req.authors.clone(),
        paper: req.paper,
        with_models: req.with_models,
        sources: req.sources.clone(),
        report_sha256: rundir::digest(markdown.as_bytes()),
        written: w.written.clone(),
    };
    rundir::write_atomic(&out.join(STATE), &serde_json::to_vec_pretty(&state)?)?;
    let packed = archive::pack(out)?;
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
/// text is only read), on `paper` or the paper it was made on.
pub fn rebuild(dir: &Path, paper: Option<Paper>) -> Result<Outcome> {
    let report = dir.join(REPORT_MD);
    if !report.is_file() {
        bail!("{}: no {REPORT_MD} here to make the PDF from (make a hand-in first: digitlab handin RUN… --out {})", dir.display(), dir.display());
    }
    let bytes = crate::files::read_bounded(&report, REPORT_MAX_BYTES, "report")?;
    let markdown = String::from_utf8(bytes).map_err(|e| anyhow!("{}: not UTF-8 text (byte {} is not)", report.display(), e.utf8_error().valid_up_to()))?;
    let mut state = read_state(dir)?;
    let paper = paper.or(state.as_ref().map(|s| s.paper)).unwrap_or_default();
    let title = state.as_ref().map_or(DEFAULT_TITLE.to_string(), |s| s.title.clone());
    let authors = state.as_ref().and_then(|s| s.authors.clone());
    let rendered = write_pdf(dir, &markdown, &title, authors.as_deref(), paper)?;
    if let Some(s) = &mut state {
        s.paper = paper;
        rundir::write_atomic(&dir.join(STATE), &serde_json::to_vec_pretty(s)?)?;
    }
    let packed = archive::pack(dir)?;
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
