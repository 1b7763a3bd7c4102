//! The hand-in's `report.md`: the lab report of the chosen runs as Markdown, the source the PDF is made
//! from and the file a student edits. Pure: the runs' records and notes in, text out.

use std::fmt::Write as _;

use crate::metrics::ORIENTATION;
use crate::rundir::Summary;

/// The title block.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub title: String,
    /// "Name (ID), Name (ID)"; `None` leaves a visible place for them.
    pub authors: Option<String>,
    /// The day the hand-in was made, e.g. 2026-12-03.
    pub date: String,
    /// "digitlab 0.1.0", the program making the hand-in.
    pub program: String,
}

/// Pictures of one run, as paths relative to the hand-in directory.
#[derive(Debug, Clone, Default)]
pub struct RunFigures {
    pub curves: Option<String>,
    pub confusion: Option<String>,
    pub misclassified: Option<String>,
    pub neurons: Option<String>,
    pub weights_grid: Option<String>,
}

/// One chosen run.
#[derive(Debug, Clone)]
pub struct RunPart<'a> {
    /// Its folder in the hand-in (`runs/NAME`), unique among the chosen runs.
    pub name: String,
    pub summary: &'a Summary,
    /// The student's notes (`notes.md` of the run), possibly empty.
    pub notes: String,
    pub figures: RunFigures,
}

/// What spans all runs.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub comparison: Option<String>,
    /// The study over seeds (Markdown table) and its charts (file, caption), when runs differ only in seed.
    pub study: Option<(String, Vec<(String, String)>)>,
}

pub const OBSERVATIONS: &str = "Your observations";

/// A percentage with a no-break space, so "94.37 %" never breaks over two lines.
fn pct(x: f64) -> String {
    format!("{:.2}\u{a0}%", x * 100.0)
}

/// Numbered figures: `![alt](file)` and an italic caption under it.
struct Figures(usize);

impl Figures {
    fn put(&mut self, r: &mut String, file: &str, caption: &str) {
        self.0 += 1;
        let _ = writeln!(r, "![{caption}]({file})\n\n*Figure {}: {caption}.*\n", self.0);
    }
}

/// Hidden layer sizes, "none" for softmax regression.
fn hidden(s: &Summary) -> String {
    if s.config.hidden.is_empty() {
        "none".into()
    } else {
        s.config.hidden.iter().map(|l| l.neurons.to_string()).collect::<Vec<_>>().join(", ")
    }
}

fn activations(s: &Summary) -> String {
    let mut a: Vec<&str> = s.config.hidden.iter().map(|l| l.activation.name()).collect();
    a.dedup();
    if a.is_empty() {
        "–".into()
    } else {
        a.join(", ")
    }
}

fn optimizer(s: &Summary) -> String {
    let c = &s.config;
    match c.optimizer {
        crate::train::OptimizerKind::Sgd if c.momentum > 0.0 => format!("SGD, momentum {}{}", c.momentum, if c.nesterov { " (Nesterov)" } else { "" }),
        crate::train::OptimizerKind::Sgd => "SGD".into(),
        crate::train::OptimizerKind::Adam => "Adam".into(),
    }
}

fn seconds(s: f64) -> String {
    if s < 100.0 {
        format!("{s:.1} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

/// Markdown table cells may not hold `|`.
fn cell(s: &str) -> String {
    s.replace('|', "/")
}

fn title_block(r: &mut String, meta: &Meta, runs: &[RunPart]) {
    let _ = writeln!(r, "# {}\n", meta.title);
    match &meta.authors {
        Some(a) if !a.trim().is_empty() => {
            let _ = writeln!(r, "**Authors:** {}  ", a.trim());
        }
        _ => {
            let _ = writeln!(r, "**Authors:** *write your names and student IDs here*  ");
        }
    }
    let _ = writeln!(r, "**Date:** {}  ", meta.date);
    let _ = writeln!(r, "**Made with:** {}, from {} run{}\n", meta.program, runs.len(), if runs.len() == 1 { "" } else { "s" });
    let _ = writeln!(
        r,
        "Each run trained a fully connected network on the MNIST digits: 784 inputs (28×28 pixels), the hidden layers listed, \
         and 10 outputs, one per digit. The sections below compare the runs, then show each run: its training curves, its \
         confusion matrix and per-class precision, recall and F1 on the test set, the digits it confuses, and what its \
         first-layer neurons learned.\n"
    );
}

fn how_made(r: &mut String, meta: &Meta, runs: &[RunPart]) {
    let _ = writeln!(r, "## How the runs were made\n");
    let mut programs: Vec<String> = runs.iter().map(|p| format!("{} {}", p.summary.program.name, p.summary.program.version)).collect();
    programs.sort();
    programs.dedup();
    let _ = writeln!(r, "Trained with {}; this report was made with {}.\n", programs.join(", "), meta.program);
    // Each data set once, with the checksums that identify its files.
    let mut seen: Vec<&crate::rundir::DataInfo> = Vec::new();
    for p in runs {
        let d = &p.summary.data;
        if seen.iter().any(|s| s.files == d.files) {
            continue;
        }
        seen.push(d);
        let _ = writeln!(
            r,
            "Data: `{}`, {} training and {} test images of {}×{} pixels, {} classes. Files and their SHA-256:\n",
            d.dir.display(),
            d.train_images,
            d.test_images,
            d.image_rows,
            d.image_cols,
            d.classes
        );
        let _ = writeln!(r, "| file | SHA-256 |\n|---|---|");
        for f in &d.files {
            let name = f.path.file_name().map_or_else(|| f.path.display().to_string(), |n| n.to_string_lossy().into_owned());
            let _ = writeln!(r, "| {} | `{}` |", cell(&name), f.sha256);
        }
        let _ = writeln!(r);
    }
    let _ = writeln!(
        r,
        "Every run's settings are in `runs/NAME/summary.json` and `runs/NAME/config.toml`; `digitlab train --config runs/NAME/config.toml` trains it again \
         (the same seed gives the same numbers on the same data).\n"
    );
}

fn comparison(r: &mut String, runs: &[RunPart], overview: &Overview, figs: &mut Figures) {
    let _ = writeln!(r, "## Comparison of the runs\n");
    let _ = writeln!(r, "Test accuracy and macro-F1 are those of each run's last epoch; \"time\" is training time.\n");
    let _ = writeln!(r, "| run | hidden layers | activation | output, loss | optimizer | lr | epochs | batch | parameters | test accuracy | macro-F1 | time | status |");
    let _ = writeln!(r, "|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (i, p) in runs.iter().enumerate() {
        let s = p.summary;
        let c = &s.config;
        let _ = writeln!(
            r,
            "| {} | {} | {} | {}, {} | {} | {} | {} of {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            hidden(s),
            activations(s),
            c.output,
            c.loss,
            cell(&optimizer(s)),
            c.lr,
            s.epochs.len(),
            c.epochs,
            c.batch_size,
            s.model.parameters,
            s.accuracy().map_or("–".into(), pct),
            s.macro_f1().map_or("–".into(), |f| format!("{f:.4}")),
            seconds(s.timings.train_seconds),
            s.status.name()
        );
    }
    let _ = writeln!(r);
    if let Some(best) = runs.iter().enumerate().filter_map(|(i, p)| Some((i, p.summary.accuracy()?))).max_by(|a, b| a.1.total_cmp(&b.1)) {
        let reached = runs.iter().filter(|p| p.summary.accuracy().is_some_and(|a| a >= 0.9)).count();
        let _ = writeln!(
            r,
            "Best: run {} ({}), {} test accuracy. {} of {} runs reach the lab's 90\u{a0}%.\n",
            best.0 + 1,
            runs[best.0].summary.model.architecture,
            pct(best.1),
            reached,
            runs.len()
        );
    }
    if let Some(file) = &overview.comparison {
        figs.put(r, file, "Test accuracy of each run, best first");
    }
    if let Some((table, charts)) = &overview.study {
        let _ = writeln!(r, "### Over seeds: mean ± sd\n");
        let _ = writeln!(r, "Runs that differ only in their seed are one setting; its figures are the mean ± standard deviation over the seeds.\n");
        let _ = writeln!(r, "{table}");
        for (file, caption) in charts {
            figs.put(r, file, caption.trim_end_matches('.'));
        }
    }
}

/// A note as typed: each line break stays one (Markdown would join the lines of a paragraph).
fn keep_lines(notes: &str) -> String {
    let lines: Vec<&str> = notes.lines().collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line.trim_end());
        let next_is_text = lines.get(i + 1).is_some_and(|l| !l.trim().is_empty());
        if !line.trim().is_empty() && next_is_text {
            out.push('\\');
        }
        out.push('\n');
    }
    out
}

fn observations(r: &mut String, notes: &str, handin_dir_hint: &str) {
    let _ = writeln!(r, "### {OBSERVATIONS}\n");
    if notes.trim().is_empty() {
        let _ = writeln!(
            r,
            "> *Nothing written yet. Type a note for this run in the dashboard (Runs, `n`) before the hand-in, or write here in \
             report.md and run `digitlab handin --rebuild {handin_dir_hint}`.*\n"
        );
    } else {
        let _ = writeln!(r, "{}\n", keep_lines(notes.trim_end()));
    }
}

fn run_section(r: &mut String, n: usize, p: &RunPart, figs: &mut Figures, dir_hint: &str) {
    let s = p.summary;
    let c = &s.config;
    let _ = writeln!(r, "<!-- new page -->\n");
    let _ = writeln!(r, "## Run {n}: {}\n", s.model.architecture);
    let status = match &s.status {
        crate::train::RunStatus::Completed => String::new(),
        other => format!(" It ended **{}** after {} of {}.", other.name(), s.epochs.len(), crate::console::count(c.epochs, "epoch")),
    };
    let result = match (&s.test, s.macro_f1()) {
        (Some(t), Some(f1)) => format!("Test accuracy **{}**, macro-F1 {f1:.4}, test loss {:.4}.", pct(t.accuracy), t.loss),
        _ => "No epoch finished, so there are no results.".into(),
    };
    let _ = writeln!(
        r,
        "Folder `runs/{}`. {} parameters; {} output with {} loss; {} with learning rate {}; {} epochs of batches of {}; seed {}; \
         trained in {} ({:.2} s per epoch).{status} {result}\n",
        p.name,
        s.model.parameters,
        c.output,
        c.loss,
        optimizer(s),
        c.lr,
        c.epochs,
        c.batch_size,
        c.seed,
        seconds(s.timings.train_seconds),
        s.timings.mean_epoch_seconds
    );
    observations(r, &p.notes, dir_hint);

    let _ = writeln!(r, "### Training\n");
    if let Some(f) = &p.figures.curves {
        figs.put(r, f, "Loss and accuracy per epoch (train, validation when held out, test)");
    }
    if !s.epochs.is_empty() && s.epochs.len() <= 30 {
        let _ = writeln!(r, "| epoch | train loss | train accuracy | test loss | test accuracy | seconds |\n|---:|---:|---:|---:|---:|---:|");
        for e in &s.epochs {
            let _ = writeln!(r, "| {} | {:.4} | {} | {:.4} | {} | {:.2} |", e.epoch, e.train_loss, pct(e.train_accuracy), e.test_loss, pct(e.test_accuracy), e.train_seconds);
        }
        let _ = writeln!(r);
    }
    let Some(test) = &s.test else { return };

    let _ = writeln!(r, "### Confusion matrix\n");
    let _ = writeln!(
        r,
        "Orientation: {ORIENTATION}. The cell in row p and column a counts the test images of digit a (actual) that the network \
         classified as p (predicted); the diagonal holds the correct answers.\n"
    );
    if let Some(f) = &p.figures.confusion {
        figs.put(r, f, &format!("Confusion matrix of run {n} on the {} test images: rows predicted, columns actual", s.data.test_images));
    }
    let _ = writeln!(r, "{}", crate::rundir::confusion_table(test));

    let _ = writeln!(r, "### Precision, recall and F1 per class\n");
    let _ = writeln!(r, "recall(i) = M\\[i\\]\\[i\\] / sum of column i; precision(i) = M\\[i\\]\\[i\\] / sum of row i; F1 = 2 · precision · recall / (precision + recall). {}.\n", test.precision_note);
    r.push_str(&crate::rundir::per_class_table(test));
    let _ = writeln!(r);

    let _ = writeln!(r, "### Most confused digits\n");
    let top = test.confusion().top_confusions(5);
    if top.is_empty() {
        let _ = writeln!(r, "No test image was misclassified.\n");
    }
    for t in &top {
        let _ = writeln!(r, "- actual **{}** classified as **{}**: {} images", t.actual, t.predicted, t.count);
    }
    let _ = writeln!(r);
    if let Some(f) = &p.figures.misclassified {
        figs.put(r, f, "Misclassified test digits, a row per most-confused pair, captioned actual → predicted");
    }

    let _ = writeln!(r, "### Neurons with clear responsibilities\n");
    match &p.figures.neurons {
        Some(f) => {
            let _ = writeln!(
                r,
                "For every first-layer neuron, `runs/{}/neurons.csv` lists its mean response to each digit, the digit it prefers and its \
                 selectivity (1: only that digit excites it; 0: two digits tie). The clearest ones, with their weights drawn as 28×28 \
                 pictures (blue negative, red positive), their mean response per digit and the test digits that excite them most:\n",
                p.name
            );
            figs.put(r, f, "The first-layer neurons with the clearest responsibilities");
        }
        None => {
            let _ = writeln!(r, "Not analysed for this run (its folder has no neurons.png; `digitlab report` on the run draws it).\n");
        }
    }
    if let Some(f) = &p.figures.weights_grid {
        let _ = writeln!(r, "Every first-layer neuron's 784 incoming weights as a 28×28 picture, each rescaled to 0–255 (its own smallest weight black, largest white), labelled #neuron (preferred digit):\n");
        figs.put(r, f, &format!("First-layer weights of run {n}"));
    }

    if let Some(d) = &s.diagnostics {
        let _ = writeln!(r, "### Diagnostics\n");
        let _ = writeln!(r, "Train–test accuracy gap after the last epoch: {:.1} points.", d.train_test_gap_points);
        if let Some(u) = &d.units {
            let _ = writeln!(r, "First-layer units {} on {} test images: {} of {}.", u.kind, u.probed_images, u.count, u.total);
        }
        let _ = writeln!(r);
        if d.notes.is_empty() {
            let _ = writeln!(r, "Nothing unusual found: no overfitting, dead or saturated units, plateau or divergence.\n");
        }
        for note in &d.notes {
            let _ = writeln!(r, "- {note}");
        }
        let _ = writeln!(r);
    }
}

/// The report of `runs`. `dir_hint` is the hand-in directory as the student would type it.
pub fn report_md(meta: &Meta, runs: &[RunPart], overview: &Overview, dir_hint: &str) -> String {
    let mut r = String::new();
    let mut figs = Figures(0);
    title_block(&mut r, meta, runs);
    comparison(&mut r, runs, overview, &mut figs);
    how_made(&mut r, meta, runs);
    for (i, p) in runs.iter().enumerate() {
        run_section(&mut r, i + 1, p, &mut figs, dir_hint);
    }
    let _ = writeln!(r, "<!-- new page -->\n");
    let _ = writeln!(r, "## Conclusions\n");
    let _ = writeln!(
        r,
        "> *Write here which setting performed best and why you think so, what the confusion matrices and the neurons' pictures show, \
         and anything else you observed. Then run `digitlab handin --rebuild {dir_hint}`.*"
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_keeps_its_line_breaks_and_paragraphs() {
        let md = keep_lines("first line\nsecond line\n\nnew paragraph");
        assert_eq!(md, "first line\\\nsecond line\n\nnew paragraph\n");
        let blocks = crate::pdf::markdown::parse(&md);
        assert_eq!(blocks.len(), 2);
        let crate::pdf::markdown::Block::Paragraph(spans) = &blocks[0] else { panic!("{blocks:?}") };
        assert_eq!(crate::pdf::markdown::plain(spans), "first line\nsecond line");
    }
}
