//! `report.md`: a human-readable lab report of one run, as its `summary.json` records it.

use std::fmt::Write;

use crate::rundir::Summary;
use crate::train::neurons::NeuronAnalysis;
use crate::metrics::ORIENTATION;

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

/// A picture report.md embeds: a path relative to the run directory and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub file: String,
    pub caption: String,
}

impl Figure {
    fn markdown(&self) -> String {
        format!("![{}]({})\n\n*{}*\n", self.caption, self.file, self.caption)
    }
}

/// The charts of the report bundle (`digitlab report`), each embedded in its section when present.
/// A plain run directory has none of them; weights-grid.png is always there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub curves: Option<Figure>,
    pub confusion: Option<Figure>,
    pub misclassified: Option<Figure>,
    pub neurons: Option<Figure>,
}

/// The report as Markdown, with the figures embedded next to the tables they draw. `top_confusions`
/// come from the confusion matrix (actual → predicted).
pub fn report_md_with(s: &Summary, top_confusions: &[crate::metrics::Confusion], figures: &Figures, neurons: Option<&NeuronAnalysis>) -> String {
    let mut r = String::new();
    let c = &s.config;
    let _ = writeln!(r, "# digitlab run: {}\n", s.model.architecture);
    match &s.test {
        Some(t) => {
            let _ = writeln!(r, "Status: **{}**. Test accuracy after epoch {} of {}: **{}** (loss {:.4}).\n",
                s.status.name(), t.epoch, c.epochs, pct(t.accuracy), t.loss);
        }
        None => {
            let _ = writeln!(r, "Status: **{}**. No epoch finished.\n", s.status.name());
        }
    }
    match &s.status {
        crate::train::RunStatus::Diverged { message } => {
            let _ = writeln!(r, "> Training diverged: {message}. The figures below are those of the last good epoch.\n");
        }
        crate::train::RunStatus::Failed { reason } => {
            let _ = writeln!(r, "> The run failed: {reason}.\n");
        }
        crate::train::RunStatus::Running => {
            let pictures = if figures.curves.is_some() {
                "its charts show the same epoch"
            } else {
                "the charts and neuron pictures are drawn when the run ends (or now, with `digitlab report` or b in the dashboard)"
            };
            let _ = writeln!(r, "> Still training: this report describes epoch {} of {} and is rewritten after every epoch; {pictures}.\n",
                s.epochs.len(), c.epochs);
        }
        _ => {}
    }
    let _ = writeln!(r, "## Configuration\n");
    let _ = writeln!(r, "| setting | value |\n|---|---|");
    let _ = writeln!(r, "| network | {} |", s.model.architecture);
    let _ = writeln!(r, "| parameters | {} |", s.model.parameters);
    let _ = writeln!(r, "| weight init | {} |", s.model.init.join(", "));
    let _ = writeln!(r, "| optimizer | {} (lr {}{}) |", c.optimizer, c.lr,
        if c.optimizer == crate::train::OptimizerKind::Sgd && c.momentum > 0.0 {
            format!(", momentum {}{}", c.momentum, if c.nesterov { ", Nesterov" } else { "" })
        } else { String::new() });
    let _ = writeln!(r, "| epochs | {} |", c.epochs);
    let _ = writeln!(r, "| batch size | {} |", c.batch_size);
    let _ = writeln!(r, "| seed | {} |", c.seed);
    let _ = writeln!(r, "| validation split | {} ({} images) |", c.val_split, s.validation_images);
    let _ = writeln!(r, "| data | {} ({} train / {} test images) |", s.data.dir.display(), s.data.train_images, s.data.test_images);
    let _ = writeln!(r, "| training time | {:.1} s ({:.2} s per epoch) |\n", s.timings.train_seconds, s.timings.mean_epoch_seconds);

    let _ = writeln!(r, "## Per-epoch results\n");
    let _ = writeln!(r, "| epoch | train loss | train acc | val loss | val acc | test loss | test acc | seconds |");
    let _ = writeln!(r, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    for e in &s.epochs {
        let o = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("–".to_string(), f);
        let _ = writeln!(r, "| {} | {:.4} | {} | {} | {} | {:.4} | {} | {:.2} |", e.epoch, e.train_loss, pct(e.train_accuracy),
            o(e.val_loss, &|v| format!("{v:.4}")), o(e.val_accuracy, &pct), e.test_loss, pct(e.test_accuracy), e.train_seconds);
    }
    if let Some(f) = &figures.curves {
        let _ = write!(r, "\n{}", f.markdown());
    }

    let Some(test) = &s.test else { return r };
    let _ = writeln!(r, "\n## Confusion matrix (test set)\n");
    let _ = writeln!(r, "Orientation: **{ORIENTATION}**. Cell (row p, column a) counts test images of digit a that the network called p.\n");
    r.push_str(&confusion_table(test));
    if let Some(f) = &figures.confusion {
        let _ = write!(r, "\n{}", f.markdown());
    }

    let _ = writeln!(r, "\n## Per-class metrics\n");
    let _ = writeln!(r, "recall(i) = M[i][i] / column sum i; precision(i) = M[i][i] / row sum i; {}.\n", test.precision_note);
    r.push_str(&per_class_table(test));

    let _ = writeln!(r, "\n## Most confused pairs\n");
    if top_confusions.is_empty() {
        let _ = writeln!(r, "No test image was misclassified.");
    }
    for t in top_confusions {
        let _ = writeln!(r, "- actual **{}** predicted as **{}**: {} images", t.actual, t.predicted, t.count);
    }
    if let Some(f) = &figures.misclassified {
        let _ = write!(r, "\n{}", f.markdown());
    }
    if let Some(d) = &s.diagnostics {
        let _ = writeln!(r, "\n## Diagnostics\n");
        let _ = writeln!(r, "Train–test accuracy gap after the last epoch: {:.1} points.", d.train_test_gap_points);
        if let Some(u) = &d.units {
            let _ = writeln!(r, "First-layer units {} on {} test images: {} of {}.", u.kind, u.probed_images, u.count, u.total);
        }
        if d.notes.is_empty() {
            let _ = writeln!(r, "\nNothing unusual: no overfitting, dead or saturated units, plateau or divergence found.");
        }
        for n in &d.notes {
            let _ = writeln!(r, "\n- {n}");
        }
    }
    if let Some(a) = neurons {
        neurons_section(&mut r, a, figures.neurons.as_ref());
    }
    let _ = writeln!(r, "\n## First-layer weights\n");
    let _ = writeln!(r, "Each tile is one first-layer unit's {}×{} incoming weights, rescaled so its own minimum is black and maximum white. Single units: `weights/neuron-NNN.png`.\n",
        s.data.image_rows, s.data.image_cols);
    let _ = writeln!(r, "![first-layer weights](weights-grid.png)");
    r
}

/// The confusion matrix as a Markdown table in the lab's orientation (rows predicted, columns actual),
/// the diagonal in bold, with row and column totals.
pub fn confusion_table(test: &crate::rundir::TestMetrics) -> String {
    let mut r = String::new();
    let n = test.confusion_matrix.len();
    let _ = write!(r, "| predicted ↓ / actual → |");
    for a in 0..n {
        let _ = write!(r, " {a} |");
    }
    let _ = writeln!(r, " total |\n|---:|{}---:|", "---:|".repeat(n));
    for (p, row) in test.confusion_matrix.iter().enumerate() {
        let _ = write!(r, "| **{p}** |");
        for (a, v) in row.iter().enumerate() {
            let _ = if a == p { write!(r, " **{v}** |") } else { write!(r, " {v} |") };
        }
        let _ = writeln!(r, " {} |", row.iter().sum::<u64>());
    }
    let _ = write!(r, "| total |");
    for a in 0..n {
        let _ = write!(r, " {} |", test.confusion_matrix.iter().map(|row| row[a]).sum::<u64>());
    }
    let _ = writeln!(r, " {} |", test.confusion_matrix.iter().flatten().sum::<u64>());
    r
}

/// Precision, recall, F1 and support per class, then the macro and weighted averages, as a Markdown table.
pub fn per_class_table(test: &crate::rundir::TestMetrics) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "| class | precision | recall | F1 | support |\n|---:|---:|---:|---:|---:|");
    for m in &test.per_class {
        let _ = writeln!(r, "| {} | {:.4} | {:.4} | {:.4} | {} |", m.class, m.precision, m.recall, m.f1, m.support);
    }
    let total: u64 = test.per_class.iter().map(|m| m.support).sum();
    for (name, a) in [("macro avg", &test.macro_avg), ("weighted avg", &test.weighted_avg)] {
        let _ = writeln!(r, "| {name} | {:.4} | {:.4} | {:.4} | {total} |", a.precision, a.recall, a.f1);
    }
    r
}

/// The lab's "can you find neurons with obvious responsibilities?": the clearest units, as
/// `neurons.csv` lists every one.
fn neurons_section(r: &mut String, a: &NeuronAnalysis, figure: Option<&Figure>) {
    let _ = writeln!(r, "\n## Neurons with clear responsibilities\n");
    let _ = writeln!(
        r,
        "For each of the {} first-layer units, `neurons.csv` lists its mean response to the test images of every class, the class it prefers, \
         and its **selectivity**: (mean for the preferred class − mean for the runner-up) / (mean for the preferred class − lowest class mean), \
         1 when one class alone excites the unit, 0 when two classes tie. Neurons are numbered from 0, as their pictures `weights/neuron-NNN.png`. \
         The clearest (at most one per class while other classes have one):\n",
        a.units.len()
    );
    let shown = a.clearest(crate::figures::neurons::SHOWN);
    if shown.is_empty() {
        let _ = writeln!(r, "No unit prefers one class over the others: every unit answers all classes alike.");
        return;
    }
    let _ = writeln!(r, "| neuron | prefers | selectivity | runner-up | feeds output | test images it answers most |\n|---:|---:|---:|---:|---:|---|");
    for n in shown {
        let top: Vec<String> = n.top_images.iter().map(|i| format!("#{i}")).collect();
        let _ = writeln!(r, "| {} | **{}** | {:.2} | {} | {} | {} |", n.index, n.preferred, n.selectivity, n.runner_up, n.feeds, top.join(" "));
    }
    if let Some(f) = figure {
        let _ = write!(r, "\n{}", f.markdown());
    }
}
