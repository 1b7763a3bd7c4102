//! Studies over seeds: runs whose configurations differ only in the seed are repeats of one
//! setting. A study gives each setting the number of its completed runs and the mean, sample
//! standard deviation (n − 1), min and max of their test accuracy, and their mean macro-F1, best
//! mean first; and charts of the mean against the hidden neurons and the number of hidden layers.
//!
//! Grouping and statistics are pure functions of run summaries (the dashboard's Runs view groups
//! with them too); [`contents`] makes `study.csv`, `study.md` and the charts for a sweep directory.

use std::fmt::Write as _;

use anyhow::Result;

use crate::figures::canvas::Canvas;
use crate::figures::charts;
use crate::figures::study::{mean_chart, MeanChart, MeanPoint, MeanSeries};
use crate::rundir::{self, Summary};
use crate::train::config::{activations_text, layers_text};
use crate::train::{RunStatus, TrainConfig};

pub use rundir::{STUDY_CSV as CSV_FILE, STUDY_LAYERS_PNG as LAYERS_PNG, STUDY_MD as MD_FILE, STUDY_NEURONS_PNG as NEURONS_PNG};

/// True when `a` and `b` are one setting: every configuration field equal except the seed.
pub fn same_setting(a: &TrainConfig, b: &TrainConfig) -> bool {
    TrainConfig { seed: b.seed, ..a.clone() } == *b
}

/// `items` grouped by setting: groups in the order of their first member, members in input order.
pub fn group_by_setting<T>(items: impl IntoIterator<Item = T>, config: impl Fn(&T) -> &TrainConfig) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = Vec::new();
    for item in items {
        match groups.iter_mut().find(|g| g.first().is_some_and(|m| same_setting(config(m), config(&item)))) {
            Some(g) => g.push(item),
            None => groups.push(vec![item]),
        }
    }
    groups
}

/// Mean, sample standard deviation, min and max of some values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub mean: f64,
    /// Divides by n − 1; `None` for a single value, whose spread is unknown (not 0).
    pub sd: Option<f64>,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = (n > 1).then(|| (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Spread { mean, sd, min, max })
    }
}

/// A run counts in its setting's figures only when it completed: a stopped, interrupted, diverged or
/// failed run did not train as the setting says.
pub fn counts(s: &Summary) -> bool {
    s.status == RunStatus::Completed && s.test.is_some()
}

/// One setting of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The first member's configuration; its seed stands for none of them.
    pub setting: TrainConfig,
    pub architecture: String,
    /// Seeds of the completed runs, ascending.
    pub seeds: Vec<u64>,
    /// Completed runs, one per seed: the population the figures describe.
    pub runs: usize,
    /// Completed runs of a seed already counted: the same setting and seed give the same numbers,
    /// so a second copy adds no information and would shrink the sd (left out of the figures).
    pub repeated_seeds: usize,
    /// Runs of the setting that did not complete (left out of the figures).
    pub not_completed: usize,
    pub test_accuracy: Option<Spread>,
    pub macro_f1: Option<Spread>,
}

impl Row {
    /// The row of `members`, summaries of one setting; `None` when there are none.
    pub fn of(members: &[&Summary]) -> Option<Row> {
        let first = members.first()?;
        let completed = members.iter().filter(|s| counts(s)).count();
        let mut done: Vec<&Summary> = Vec::new();
        for s in members.iter().copied().filter(|s| counts(s)) {
            if !done.iter().any(|d| d.config.seed == s.config.seed) {
                done.push(s);
            }
        }
        let mut seeds: Vec<u64> = done.iter().map(|s| s.config.seed).collect();
        seeds.sort_unstable();
        let accuracy: Vec<f64> = done.iter().filter_map(|s| s.accuracy()).collect();
        let f1: Vec<f64> = done.iter().filter_map(|s| s.macro_f1()).collect();
        Some(Row {
            setting: first.config.clone(),
            architecture: first.model.architecture.clone(),
            seeds,
            runs: done.len(),
            repeated_seeds: completed - done.len(),
            not_completed: members.len() - completed,
            test_accuracy: Spread::of(&accuracy),
            macro_f1: Spread::of(&f1),
        })
    }

    fn mean_accuracy(&self) -> Option<f64> {
        self.test_accuracy.map(|s| s.mean)
    }
}

/// The study of `summaries`: one row per setting, best mean test accuracy first, settings without
/// a completed run last (ties keep the order of first appearance).
pub fn rows(summaries: &[&Summary]) -> Vec<Row> {
    let mut rows: Vec<Row> = group_by_setting(summaries.iter().copied(), |s| &s.config).iter().filter_map(|g| Row::of(g)).collect();
    let key = |r: &Row| r.mean_accuracy().unwrap_or(-1.0);
    rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    rows
}

/// The study of runs found on disk.
pub fn of_runs(runs: &[rundir::RunOnDisk]) -> Vec<Row> {
    rows(&runs.iter().map(|r| &r.summary).collect::<Vec<_>>())
}

/// True when some setting was run more than once: only then does a study say more than the
/// leaderboard.
pub fn seeds_repeat(rows: &[Row]) -> bool {
    rows.iter().any(|r| r.runs + r.repeated_seeds + r.not_completed > 1)
}

pub const CSV_HEADER: &str = "rank,hidden,activation,output,loss,optimizer,lr,momentum,nesterov,epochs,batch_size,val_split,architecture,\
runs,repeated_seeds,not_completed,seeds,mean_test_accuracy,sd_test_accuracy,min_test_accuracy,max_test_accuracy,mean_macro_f1,sd_macro_f1";

/// Six decimals: a mean of test accuracies over 10,000 images is exact to them for up to 100 runs.
fn fixed(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x:.6}"))
}

/// The study as CSV; empty cells where there is no figure (no completed run; an sd of one run).
pub fn to_csv(rows: &[Row]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER.split(','))?;
    for (i, r) in rows.iter().enumerate() {
        let c = &r.setting;
        let (acc, f1) = (r.test_accuracy, r.macro_f1);
        w.write_record([
            (i + 1).to_string(),
            layers_text(&c.hidden),
            activations_text(&c.hidden),
            c.output.to_string(),
            c.loss.to_string(),
            c.optimizer.to_string(),
            c.lr.to_string(),
            c.momentum.to_string(),
            c.nesterov.to_string(),
            c.epochs.to_string(),
            c.batch_size.to_string(),
            c.val_split.to_string(),
            r.architecture.clone(),
            r.runs.to_string(),
            r.repeated_seeds.to_string(),
            r.not_completed.to_string(),
            r.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
            fixed(acc.map(|s| s.mean)),
            fixed(acc.and_then(|s| s.sd)),
            fixed(acc.map(|s| s.min)),
            fixed(acc.map(|s| s.max)),
            fixed(f1.map(|s| s.mean)),
            fixed(f1.and_then(|s| s.sd)),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?)
}

/// The training settings other than the network, as short phrases in a fixed order ("" where a
/// setting is off); a chart's lines and the Markdown name a setting by those that differ.
fn training_phrases(c: &TrainConfig) -> Vec<String> {
    vec![
        format!("{}, {}", c.output, c.loss),
        c.optimizer.to_string(),
        format!("lr {}", c.lr),
        if c.momentum > 0.0 { format!("momentum {}", c.momentum) } else { String::new() },
        if c.nesterov { "nesterov".into() } else { String::new() },
        format!("{} epoch{}", c.epochs, if c.epochs == 1 { "" } else { "s" }),
        format!("batch {}", c.batch_size),
        if c.val_split > 0.0 { format!("val split {}", c.val_split) } else { String::new() },
    ]
}

/// Names for things described by phrases in the same order: each joins the phrases that differ
/// between them (and those at `always`); the note joins the non-empty phrases they all share.
fn names_and_note(phrases: &[Vec<String>], always: &[usize]) -> (Vec<String>, String) {
    let width = phrases.iter().map(Vec::len).max().unwrap_or(0);
    let varies = |k: usize| phrases.iter().any(|p| p.get(k) != phrases[0].get(k));
    let names = phrases
        .iter()
        .map(|p| {
            let parts: Vec<&str> = (0..width).filter(|&k| always.contains(&k) || varies(k)).filter_map(|k| p.get(k).map(String::as_str)).filter(|s| !s.is_empty()).collect();
            parts.join(" · ")
        })
        .collect();
    let shared: Vec<&str> = match phrases.first() {
        Some(p) => (0..width).filter(|&k| !varies(k) && !always.contains(&k)).filter_map(|k| p.get(k).map(String::as_str)).filter(|s| !s.is_empty()).collect(),
        None => Vec::new(),
    };
    (names, shared.join(" · "))
}

/// Text order with numbers (`16`, `0.01`) compared as numbers, so "16 neurons" comes before "256
/// neurons" and "lr 0.001" before "lr 0.01".
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    /// The text in runs of number and non-number characters (a number: digits and points, from a digit).
    fn chunks(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            let numeric = c.is_ascii_digit();
            let end = rest.find(|c: char| if numeric { !(c.is_ascii_digit() || c == '.') } else { c.is_ascii_digit() }).unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let o = match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(u), Ok(v)) => u.total_cmp(&v),
            _ => x.cmp(y),
        };
        if o.is_ne() {
            return o;
        }
    }
    ca.len().cmp(&cb.len())
}

fn pct(v: f64) -> String {
    format!("{:.2} %", v * 100.0)
}

/// How a study row reads in text: its network, then the training settings that differ between rows.
fn row_names(rows: &[Row]) -> Vec<String> {
    let phrases: Vec<Vec<String>> = rows.iter().map(|r| [vec![r.architecture.clone()], training_phrases(&r.setting)].concat()).collect();
    names_and_note(&phrases, &[0]).0
}

/// A plain-words reading of the top two settings: whether their mean ± sd ranges overlap.
pub fn verdict(rows: &[Row]) -> Option<String> {
    let names = row_names(rows);
    let (best, acc) = rows.first().and_then(|r| Some((r, r.test_accuracy?)))?;
    let runs = |r: &Row| format!("{} run{}", r.runs, if r.runs == 1 { "" } else { "s" });
    let with_sd = |s: Spread| s.sd.map_or_else(|| pct(s.mean), |sd| format!("{} ± {:.2}", pct(s.mean), sd * 100.0));
    let mut text = format!("Best mean test accuracy: **{}** at {} ({}).", names[0], with_sd(acc), runs(best));
    let Some((next, next_acc)) = rows.get(1).and_then(|r| Some((r, r.test_accuracy?))) else { return Some(text) };
    let _ = write!(text, " Next: {} at {} ({}).", names[1], with_sd(next_acc), runs(next));
    match (acc.sd, next_acc.sd) {
        (Some(a), Some(b)) if acc.mean - a <= next_acc.mean + b => {
            text.push_str(" Their mean ± sd ranges overlap: these seeds do not tell the two apart (more seeds would).")
        }
        (Some(_), Some(_)) => text.push_str(" Their mean ± sd ranges do not overlap: the difference is larger than the spread between seeds."),
        _ => text.push_str(" A setting with a single run has no spread to judge the difference by: run more seeds."),
    }
    Some(text)
}

/// The study as a Markdown table, with the reading of the top two above it.
pub fn to_markdown(rows: &[Row]) -> String {
    let mut s = String::new();
    if let Some(v) = verdict(rows) {
        let _ = writeln!(s, "{v}\n");
    }
    // Settings most studies leave alone get a column only when some row changes them.
    let others = |r: &Row| {
        let c = &r.setting;
        let d = TrainConfig::default();
        let mut parts = Vec::new();
        if (c.output, c.loss) != (d.output, d.loss) {
            parts.push(format!("{}, {}", c.output, c.loss));
        }
        if c.momentum > 0.0 {
            parts.push(format!("momentum {}{}", c.momentum, if c.nesterov { " nesterov" } else { "" }));
        }
        if c.val_split > 0.0 {
            parts.push(format!("val split {}", c.val_split));
        }
        parts.join(", ")
    };
    let with_others = rows.iter().any(|r| !others(r).is_empty());
    let _ = writeln!(
        s,
        "| # | hidden | activation | optimizer | lr | epochs | batch |{} runs | seeds | mean test acc | sd (points) | min | max | mean macro-F1 |",
        if with_others { " other |" } else { "" }
    );
    let _ = writeln!(s, "|---:|---|---|---|---:|---:|---:|{}---:|---|---:|---:|---:|---:|---:|", if with_others { "---|" } else { "" });
    let dash = || "–".to_string();
    for (i, r) in rows.iter().enumerate() {
        let c = &r.setting;
        let acc = r.test_accuracy;
        let acts = activations_text(&c.hidden);
        let mut runs = r.runs.to_string();
        if r.repeated_seeds > 0 {
            let _ = write!(runs, " (+{} repeating a seed)", r.repeated_seeds);
        }
        if r.not_completed > 0 {
            let _ = write!(runs, " (+{} not completed)", r.not_completed);
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |{} {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            layers_text(&c.hidden),
            if acts.is_empty() { dash() } else { acts },
            c.optimizer,
            c.lr,
            c.epochs,
            c.batch_size,
            if with_others { format!(" {} |", others(r)) } else { String::new() },
            runs,
            if r.seeds.is_empty() { dash() } else { r.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(" ") },
            acc.map_or_else(dash, |a| pct(a.mean)),
            acc.and_then(|a| a.sd).map_or_else(dash, |sd| format!("{:.2}", sd * 100.0)),
            acc.map_or_else(dash, |a| pct(a.min)),
            acc.map_or_else(dash, |a| pct(a.max)),
            r.macro_f1.map_or_else(dash, |f| format!("{:.4}", f.mean)),
        );
    }
    s
}

/// A chart of the study: its file name, picture and caption.
pub struct Chart {
    pub file: &'static str,
    pub canvas: Canvas,
    pub caption: String,
}

/// A study row as a chart point: its x, and its line's phrases (the first two say the network).
struct Placed<'a> {
    row: &'a Row,
    x: f64,
    phrases: Vec<String>,
    /// The same setting placed on several lines (where they start).
    shared: bool,
}

/// Points with equal phrases form one line; lines are named by the phrases that differ between
/// them (and always by the first, the activation) and the note says what they share.
fn chart_of(file: &'static str, title: &str, x: charts::Axis, placed: Vec<Placed>, shared: &str) -> Option<Chart> {
    let mut xs: Vec<f64> = placed.iter().map(|p| p.x).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    // One x value draws no relation.
    if xs.len() < 2 {
        return None;
    }
    let mut lines: Vec<(Vec<String>, Vec<MeanPoint>)> = Vec::new();
    for p in &placed {
        let Some(acc) = p.row.test_accuracy else { continue };
        let point = MeanPoint { x: p.x, mean: acc.mean * 100.0, sd: acc.sd.map(|sd| sd * 100.0), shared: p.shared };
        match lines.iter_mut().find(|(k, _)| *k == p.phrases) {
            Some((_, points)) => points.push(point),
            None => lines.push((p.phrases.clone(), vec![point])),
        }
    }
    let phrases: Vec<Vec<String>> = lines.iter().map(|(k, _)| k.clone()).collect();
    let (names, note) = names_and_note(&phrases, &[0]);
    let mut series: Vec<MeanSeries> = names.into_iter().zip(lines).map(|(name, (_, points))| MeanSeries { name, points }).collect();
    series.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    let lowest = series.iter().flat_map(|s| &s.points).map(|p| p.mean - p.sd.unwrap_or(0.0)).fold(f64::INFINITY, f64::min);
    let y = charts::accuracy_axis("mean test accuracy (%)", lowest);
    let runs = placed.iter().map(|p| p.row.runs).max().unwrap_or(0);
    let note = if note.is_empty() { format!("up to {runs} seeds per point") } else { format!("{note} · up to {runs} seeds per point") };
    let caption = format!("{title}: mean test accuracy over the seeds of each setting, bars ± 1 sample standard deviation; {note}");
    let chart = MeanChart { title, note: &note, x: &x, y: &y, series: &series, shared };
    Some(Chart { file, canvas: mean_chart(&chart), caption })
}

/// The network's phrases for a line of the neurons chart: activation, then depth.
fn activation_phrase(c: &TrainConfig) -> String {
    match activations_text(&c.hidden) {
        a if a.is_empty() => "no hidden layer".into(),
        a => a,
    }
}

/// Test accuracy against the hidden neurons (all layers together, log scale): one line per
/// activation (and depth, and whatever else differs). Networks without a hidden layer are left out.
pub fn neurons_chart(rows: &[Row]) -> Option<Chart> {
    let placed: Vec<Placed> = rows
        .iter()
        .filter(|r| !r.setting.hidden.is_empty() && r.test_accuracy.is_some())
        .map(|r| {
            let depth = r.setting.hidden.len();
            let depth = format!("{depth} hidden layer{}", if depth == 1 { "" } else { "s" });
            let x = r.setting.hidden.iter().map(|l| l.neurons).sum::<usize>() as f64;
            Placed { row: r, x, phrases: [vec![activation_phrase(&r.setting), depth], training_phrases(&r.setting)].concat(), shared: false }
        })
        .collect();
    let deep = placed.iter().any(|p| p.row.setting.hidden.len() > 1);
    let label = if deep { "hidden neurons, all layers together (log scale)" } else { "hidden neurons (log scale)" };
    let x = charts::log_axis(label, &placed.iter().map(|p| p.x).collect::<Vec<_>>());
    chart_of(NEURONS_PNG, "Test accuracy against hidden neurons", x, placed, "")
}

/// Test accuracy against the number of hidden layers: one line per activation and layer width (and
/// whatever else differs). A network without a hidden layer starts every line it shares the
/// training settings with.
pub fn layers_chart(rows: &[Row]) -> Option<Chart> {
    let with_acc: Vec<&Row> = rows.iter().filter(|r| r.test_accuracy.is_some()).collect();
    let width = |c: &TrainConfig| match &c.hidden[..] {
        [first, rest @ ..] if rest.iter().all(|l| l.neurons == first.neurons) => format!("{} neurons per layer", first.neurons),
        _ => format!("layers {}", layers_text(&c.hidden)),
    };
    let deep: Vec<Placed> = with_acc
        .iter()
        .filter(|r| !r.setting.hidden.is_empty())
        .map(|r| Placed { row: r, x: r.setting.hidden.len() as f64, phrases: [vec![activation_phrase(&r.setting), width(&r.setting)], training_phrases(&r.setting)].concat(), shared: false })
        .collect();
    let mut placed = Vec::new();
    for r in with_acc.iter().filter(|r| r.setting.hidden.is_empty()) {
        let training = training_phrases(&r.setting);
        let mut keys: Vec<Vec<String>> = Vec::new();
        for p in deep.iter().filter(|p| p.phrases[2..] == training[..]) {
            if !keys.contains(&p.phrases) {
                keys.push(p.phrases.clone());
            }
        }
        let shared = keys.len() > 1;
        if keys.is_empty() {
            keys.push([vec![activation_phrase(&r.setting), String::new()], training].concat());
        }
        placed.extend(keys.into_iter().map(|phrases| Placed { row: r, x: 0.0, phrases, shared }));
    }
    placed.extend(deep);
    let x = charts::count_axis("hidden layers", &placed.iter().map(|p| p.x).collect::<Vec<_>>());
    chart_of(LAYERS_PNG, "Test accuracy against the number of hidden layers", x, placed, "no hidden layer (on every line)")
}

/// `study.md`: the table, then the charts that show something.
fn study_md(title: &str, rows: &[Row], charts: &[Chart]) -> String {
    let mut s = format!(
        "# {title}\n\nRuns whose settings differ only in the seed are one setting; `runs` counts its completed runs, whose \
         test accuracy gives the mean, the sample standard deviation (n − 1; – for a single run), the min and the max. \
         Best mean first.\n\n"
    );
    s.push_str(&to_markdown(rows));
    for c in charts {
        let _ = write!(s, "\n![{}]({})\n", c.caption, c.file);
    }
    s
}

/// `study.csv`, the charts that show something and `study.md` (which shows them, so it comes last):
/// names and bytes, for `rundir::owned::write_files`.
pub fn contents(rows: &[Row], title: &str) -> Result<rundir::owned::Contents> {
    let charts: Vec<Chart> = [neurons_chart(rows), layers_chart(rows)].into_iter().flatten().collect();
    let mut files = Vec::new();
    for c in &charts {
        files.push((c.file, c.canvas.png()?));
    }
    files.push((CSV_FILE, to_csv(rows)?.into_bytes()));
    files.push((MD_FILE, study_md(title, rows, &charts).into_bytes()));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, OnceLock};

    use super::*;
    use crate::data::{self, Mnist};
    use crate::model::Activation;
    use crate::rundir::DataInfo;
    use crate::train::config::hidden_layers;
    use crate::train::{Event, Trainer};

    /// The bundled MNIST cut to 300 training and 500 test images: a run takes a moment.
    fn mnist() -> Arc<Mnist> {
        static DATA: OnceLock<Arc<Mnist>> = OnceLock::new();
        Arc::clone(DATA.get_or_init(|| {
            let mut m = data::load_dir(&data::locate::bundled_dir().unwrap()).unwrap();
            m.train = m.train.head(300);
            m.test = m.test.head(500);
            Arc::new(m)
        }))
    }

    fn config(layers: &[usize], activation: Activation, seed: u64) -> TrainConfig {
        TrainConfig { hidden: hidden_layers(layers, &[activation]).unwrap(), epochs: 1, batch_size: 30, seed, ..TrainConfig::default() }
    }

    /// The summary of a real one-epoch run of `cfg`.
    fn trained(cfg: TrainConfig) -> Summary {
        let events: Vec<Event> = Trainer::spawn(cfg, mnist()).events.iter().collect();
        let Some(Event::Finished(run)) = events.last() else { panic!("the run did not finish: {:?}", events.last()) };
        Summary::new(run, DataInfo::of(&mnist()))
    }

    fn refs(s: &[Summary]) -> Vec<&Summary> {
        s.iter().collect()
    }

    #[test]
    fn the_spread_is_the_sample_one_and_unknown_for_a_single_value() {
        assert_eq!(Spread::of(&[]), None);
        let one = Spread::of(&[0.91]).unwrap();
        assert_eq!((one.mean, one.sd, one.min, one.max), (0.91, None, 0.91, 0.91));
        // Two values: the n − 1 deviation is their distance over √2 (n would give half the distance).
        let (a, b) = (0.9123, 0.9011);
        let two = Spread::of(&[a, b]).unwrap();
        assert!((two.mean - (a + b) / 2.0).abs() < 1e-15);
        assert!((two.sd.unwrap() - (a - b).abs() / 2f64.sqrt()).abs() < 1e-15);
        assert_eq!((two.min, two.max), (b, a));
        // Shifting every value moves the mean and leaves the spread.
        let xs = [0.8, 0.85, 0.83, 0.9];
        let shifted: Vec<f64> = xs.iter().map(|x| x + 0.05).collect();
        let (s, t) = (Spread::of(&xs).unwrap(), Spread::of(&shifted).unwrap());
        assert!((t.mean - s.mean - 0.05).abs() < 1e-12 && (t.sd.unwrap() - s.sd.unwrap()).abs() < 1e-12);
        assert!(s.min <= s.mean && s.mean <= s.max);
    }

    #[test]
    fn settings_are_every_field_but_the_seed() {
        let a = config(&[16], Activation::Relu, 1);
        assert!(same_setting(&a, &config(&[16], Activation::Relu, 7)));
        assert!(!same_setting(&a, &config(&[16], Activation::Sigmoid, 1)));
        assert!(!same_setting(&a, &config(&[16, 16], Activation::Relu, 1)));
        assert!(!same_setting(&a, &TrainConfig { lr: 0.01, ..a.clone() }));
        assert!(!same_setting(&a, &TrainConfig { val_split: 0.1, ..a.clone() }));
        let configs = [a.clone(), config(&[8], Activation::Relu, 1), config(&[16], Activation::Relu, 2), config(&[8], Activation::Relu, 3)];
        let groups = group_by_setting(configs.iter(), |c| c);
        let seeds: Vec<Vec<u64>> = groups.iter().map(|g| g.iter().map(|c| c.seed).collect()).collect();
        assert_eq!(seeds, vec![vec![1, 2], vec![1, 3]], "first appearance first, members in order");
        assert!(group_by_setting(Vec::<TrainConfig>::new(), |c| c).is_empty());
        assert_eq!(Row::of(&[]), None);
    }

    #[test]
    fn a_row_describes_the_completed_runs_of_its_setting() {
        // Seed 1 of 8 twice: the copy gives the same numbers and is not counted again.
        let mut runs: Vec<Summary> = [(8, 1), (16, 1), (8, 2), (16, 2), (8, 3), (8, 1)].iter().map(|&(n, seed)| trained(config(&[n], Activation::Relu, seed))).collect();
        assert_eq!(runs[0].accuracy(), runs[5].accuracy(), "same setting and seed, same run");
        // A fourth seed of 16 that stopped early, and one that failed before its first epoch: counted, not averaged.
        let mut stopped = trained(config(&[16], Activation::Relu, 3));
        stopped.status = RunStatus::Stopped;
        let cfg = config(&[16], Activation::Relu, 4);
        let arch = cfg.architecture(784, 10);
        runs.push(stopped);
        runs.push(Summary::without_epochs(&cfg, &arch, DataInfo::of(&mnist()), RunStatus::Failed { reason: "test".into() }));
        let rows = rows(&refs(&runs));
        assert_eq!(rows.len(), 2);
        assert!(seeds_repeat(&rows));
        for r in &rows {
            let members: Vec<&Summary> = runs.iter().filter(|s| same_setting(&s.config, &r.setting)).collect();
            let completed: Vec<&&Summary> = members.iter().filter(|s| s.status == RunStatus::Completed).collect();
            let mut done: Vec<&&Summary> = Vec::new();
            for s in &completed {
                if !done.iter().any(|d| d.config.seed == s.config.seed) {
                    done.push(s);
                }
            }
            assert_eq!((r.runs, r.repeated_seeds, r.not_completed), (done.len(), completed.len() - done.len(), members.len() - completed.len()));
            assert_eq!(r.seeds, done.iter().map(|s| s.config.seed).collect::<Vec<_>>());
            let acc: Vec<f64> = done.iter().map(|s| s.accuracy().unwrap()).collect();
            let s = r.test_accuracy.unwrap();
            assert!((s.mean - acc.iter().sum::<f64>() / acc.len() as f64).abs() < 1e-12);
            assert_eq!(s.min, acc.iter().copied().fold(1.0, f64::min));
            assert_eq!(s.max, acc.iter().copied().fold(0.0, f64::max));
            let f1 = done.iter().map(|s| s.macro_f1().unwrap()).sum::<f64>() / done.len() as f64;
            assert!((r.macro_f1.unwrap().mean - f1).abs() < 1e-12);
        }
        assert_eq!(rows.iter().map(|r| r.runs + r.repeated_seeds + r.not_completed).sum::<usize>(), runs.len());
        assert_eq!(rows.iter().map(|r| r.repeated_seeds).sum::<usize>(), 1);
        assert!(rows[0].test_accuracy.unwrap().mean >= rows[1].test_accuracy.unwrap().mean, "best mean first");

        // The CSV holds the same figures, one line per setting; the Markdown table one row per setting.
        let csv = to_csv(&rows).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), rows.len());
        for (rec, r) in records.iter().zip(&rows) {
            assert_eq!(rec[col("hidden")], layers_text(&r.setting.hidden));
            assert_eq!(rec[col("runs")].parse::<usize>().unwrap(), r.runs);
            let mean: f64 = rec[col("mean_test_accuracy")].parse().unwrap();
            assert!((mean - r.test_accuracy.unwrap().mean).abs() <= 5e-7);
            let sd: f64 = rec[col("sd_test_accuracy")].parse().unwrap();
            assert!((sd - r.test_accuracy.unwrap().sd.unwrap()).abs() <= 5e-7);
        }
        let md = to_markdown(&rows);
        assert_eq!(md.lines().filter(|l| l.starts_with("| 1 |") || l.starts_with("| 2 |")).count(), 2, "{md}");
        assert!(md.contains("(+2 not completed)") && md.contains("(+1 repeating a seed)") && md.contains("Best mean test accuracy"), "{md}");
    }

    #[test]
    fn a_single_run_has_no_sd_and_no_repeat() {
        let runs = [trained(config(&[8], Activation::Relu, 1)), trained(config(&[8], Activation::Sigmoid, 1))];
        let rows = rows(&refs(&runs));
        assert_eq!(rows.len(), 2);
        assert!(!seeds_repeat(&rows));
        assert!(rows.iter().all(|r| r.runs == 1 && r.test_accuracy.unwrap().sd.is_none()));
        let csv = to_csv(&rows).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let sd = reader.headers().unwrap().iter().position(|h| h == "sd_test_accuracy").unwrap();
        for rec in reader.records().map(Result::unwrap) {
            assert_eq!(&rec[sd], "", "an unknown sd is an empty cell, not 0: {csv}");
        }
        assert!(verdict(&rows).unwrap().contains("no spread"), "{:?}", verdict(&rows));
    }

    #[test]
    fn charts_have_a_line_per_activation_and_only_when_their_x_varies() {
        let runs: Vec<Summary> = [(vec![8], Activation::Relu), (vec![16], Activation::Relu), (vec![8], Activation::Sigmoid), (vec![16], Activation::Sigmoid)]
            .into_iter()
            .flat_map(|(l, a)| [1, 2].map(|seed| trained(config(&l, a, seed))))
            .collect();
        let study = rows(&refs(&runs));
        let neurons = neurons_chart(&study).expect("two widths");
        assert!(neurons.caption.contains("1 epoch") && neurons.caption.contains("2 seeds"), "{}", neurons.caption);
        assert!(layers_chart(&study).is_none(), "one depth: nothing to draw against");
        // Two lines, one per activation, in the chart's first two colors and no third.
        let c = &neurons.canvas;
        for color in [crate::figures::study::color(0), crate::figures::study::color(1)] {
            assert!(c.pixels.chunks(3).any(|p| p == [color.0, color.1, color.2]), "a line in {color:?}");
        }
        assert!(!c.pixels.chunks(3).any(|p| p == {
            let c = crate::figures::study::color(2);
            [c.0, c.1, c.2]
        }), "two lines only");
        let deeper = [trained(config(&[8, 8], Activation::Relu, 1)), trained(config(&[8, 8], Activation::Relu, 2))];
        let all: Vec<&Summary> = runs.iter().chain(&deeper).collect();
        let layers = layers_chart(&rows(&all)).expect("one and two layers of 8");
        assert!(layers.caption.contains("up to 2 seeds"), "{}", layers.caption);
    }

    #[test]
    fn names_sort_with_their_numbers_as_numbers() {
        let mut names = vec!["relu · 64 neurons per layer", "relu · 256 neurons per layer", "relu · 16 neurons per layer", "relu", "gelu · 8"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["gelu · 8", "relu", "relu · 16 neurons per layer", "relu · 64 neurons per layer", "relu · 256 neurons per layer"]);
        assert_eq!(natural_cmp("lr 0.001", "lr 0.01"), std::cmp::Ordering::Less);
        assert_eq!(natural_cmp("lr 0.1", "lr 0.01"), std::cmp::Ordering::Greater);
        assert_eq!(natural_cmp("", "a"), std::cmp::Ordering::Less);
    }

    #[test]
    fn lines_are_named_by_what_differs() {
        let p = |a: &str, lr: &str| vec![a.to_string(), "1 hidden layer".into(), "adam".into(), lr.to_string(), String::new()];
        let (names, note) = names_and_note(&[p("relu", "lr 0.1"), p("sigmoid", "lr 0.1")], &[0]);
        assert_eq!((names, note), (vec!["relu".to_string(), "sigmoid".to_string()], "1 hidden layer · adam · lr 0.1".to_string()));
        let (names, note) = names_and_note(&[p("relu", "lr 0.1"), p("relu", "lr 0.01")], &[0]);
        assert_eq!((names, note), (vec!["relu · lr 0.1".to_string(), "relu · lr 0.01".to_string()], "1 hidden layer · adam".to_string()));
    }

    #[test]
    fn writing_puts_the_table_the_csv_and_the_charts_that_apply() {
        let runs: Vec<Summary> = [8, 16].into_iter().flat_map(|n| [1, 2].map(|seed| trained(config(&[n], Activation::Relu, seed)))).collect();
        let rows = rows(&refs(&runs));
        let dir = tempfile::tempdir().unwrap();
        let md = to_markdown(&rows);
        let written = rundir::owned::write_files(dir.path(), &contents(&rows, "Study over seeds").unwrap(), String::new).unwrap();
        let names: Vec<String> = written.iter().map(|p| rundir::dir_name(p)).collect();
        assert_eq!(names, [NEURONS_PNG, CSV_FILE, MD_FILE]);
        let file = std::fs::read_to_string(dir.path().join(MD_FILE)).unwrap();
        assert!(file.starts_with("# Study over seeds") && file.contains(&md) && file.contains(&format!("]({NEURONS_PNG})")), "{file}");
        assert!(!file.contains(LAYERS_PNG));
        let png = Canvas::from_png(&std::fs::read(dir.path().join(NEURONS_PNG)).unwrap()).unwrap();
        assert_eq!((png.width, png.height), (crate::figures::study::WIDTH, crate::figures::study::HEIGHT));
    }
}
