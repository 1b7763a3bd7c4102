//! The report bundle on real runs: a short real training on the bundled MNIST (3000 training images,
//! 16 hidden units, 2 epochs), its run directory, then `write_bundle` and `digitlab report`.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use digitlab::data::{self, Mnist};
use digitlab::rundir::{self, Stage};
use digitlab::model::{Activation, HiddenLayer};
use digitlab::figures::canvas::{Canvas, Rect};
use digitlab::figures::{charts, confusion, misclassified};
use digitlab::train::{Event, RunResult, TrainConfig, Trainer};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    data: Arc<Mnist>,
    run: RunResult,
}

fn train(data: &Arc<Mnist>, neurons: usize, epochs: usize) -> RunResult {
    let cfg = TrainConfig {
        hidden: vec![HiddenLayer { neurons, activation: Activation::Relu }],
        epochs,
        val_split: 0.1,
        ..TrainConfig::default()
    };
    let last = Trainer::spawn(cfg, Arc::clone(data)).events.iter().last();
    match last {
        Some(Event::Finished(run)) => *run,
        other => panic!("training did not finish: {other:?}"),
    }
}

/// One trained run shared by the tests (training is the slow part).
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut mnist = data::load_dir(&common::bundled()).unwrap();
        mnist.train = mnist.train.head(3000);
        let data = Arc::new(mnist);
        let run = train(&data, 16, 2);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        Fixture { _dir: dir, root, data, run }
    })
}

/// A fresh run directory of the fixture's run under `name`.
fn run_dir(name: &str) -> PathBuf {
    let f = fixture();
    let dir = f.root.join(name);
    save(&dir, &f.run, &f.data, Stage::Final);
    dir
}

fn save(dir: &Path, run: &RunResult, data: &Mnist, stage: Stage) {
    std::fs::create_dir_all(dir).unwrap();
    rundir::save(dir, run, data, stage).unwrap();
}


fn decode(path: &Path) -> Canvas {
    Canvas::from_png(&std::fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
}

/// `confusion.csv` as numbers: rows predicted 0..n then the totals row, each with its total column.
fn read_confusion_csv(path: &Path) -> Vec<Vec<u64>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect()).collect()
}

/// Targets of every `[..](target)` and `![..](target)` link in a Markdown text.
fn link_targets(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let end = after.find(')').expect("closed link");
        out.push(after[..end].replace("%20", " ").replace("%28", "(").replace("%29", ")"));
        rest = &after[end..];
    }
    out
}

fn predictions(dir: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(dir.join("predictions.csv")).unwrap();
    text.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect()
}

#[test]
fn the_bundle_of_a_real_run_has_every_picture_at_its_size_and_a_report_linking_them() {
    let f = fixture();
    let dir = run_dir("bundle");
    let written = rundir::write_bundle(&dir, &f.data).unwrap();
    for name in [rundir::CURVES_PNG, rundir::CONFUSION_PNG, rundir::MISCLASSIFIED_PNG, rundir::REPORT_MD] {
        assert!(written.contains(&dir.join(name)), "{name} not reported as written: {written:?}");
    }
    assert!(!written.contains(&dir.join(rundir::WEIGHTS_GRID)), "the run's own weights-grid.png is kept");

    assert_eq!((decode(&dir.join(rundir::CURVES_PNG)).width, decode(&dir.join(rundir::CURVES_PNG)).height), (1200, 540));
    let c = decode(&dir.join(rundir::CONFUSION_PNG));
    assert_eq!((c.width, c.height), confusion::Layout::new(10).size());
    let misses = misclassified::misses(&f.data.test.labels, &predictions(&dir));
    assert!(!misses.is_empty() && misses.len() < 5000, "{} misses", misses.len());
    let m = decode(&dir.join(rundir::MISCLASSIFIED_PNG));
    assert_eq!((m.width, m.height), misclassified::size(&f.data.test, misclassified::grouped_tiles(&misses).len()));
    // 16 labelled tiles of 28x28 in a 4x4 grid, as the grid figure lays them out.
    let g = decode(&dir.join(rundir::WEIGHTS_GRID));
    let layout = digitlab::figures::weights_grid::grid_page(&vec![digitlab::viz::GrayImage::new(28, 28, 0); 16], &[], rundir::Shading::Gray, 0);
    assert_eq!((g.width, g.height), (layout.width, layout.height));

    let md = std::fs::read_to_string(dir.join(rundir::REPORT_MD)).unwrap();
    let links = link_targets(&md);
    for name in [rundir::CURVES_PNG, rundir::CONFUSION_PNG, rundir::WEIGHTS_GRID, rundir::MISCLASSIFIED_PNG] {
        assert!(links.iter().any(|l| l == name), "report.md does not embed {name}: {links:?}");
    }
    for l in &links {
        assert!(dir.join(l).is_file(), "report.md links to missing {l}");
    }
    for section in ["## Configuration", "## Per-epoch results", "## Confusion matrix (test set)", "## Per-class metrics"] {
        assert!(md.contains(section), "report.md lacks {section}");
    }
    // Running it again replaces the files and leaves no temporary ones behind.
    rundir::write_bundle(&dir, &f.data).unwrap();
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
}

/// Every cell of confusion.png is compared, pixel for pixel, with the same cell drawn from the number in
/// confusion.csv; drawing a different number must not match, so the comparison really reads the digits.
#[test]
fn confusion_png_numbers_equal_confusion_csv() {
    let f = fixture();
    let dir = run_dir("confusion");
    rundir::write_bundle(&dir, &f.data).unwrap();
    let csv = read_confusion_csv(&dir.join("confusion.csv"));
    let n = csv.len() - 1;
    assert_eq!((n, csv[n][n]), (10, 10_000));
    let counts = digitlab::metrics::ConfusionMatrix { counts: csv[..n].iter().map(|r| r[..n].to_vec()).collect() };
    let png = decode(&dir.join(rundir::CONFUSION_PNG));
    let layout = confusion::Layout::new(n);
    for (row, values) in csv.iter().enumerate() {
        for (col, &value) in values.iter().enumerate() {
            let r = layout.cell(row, col);
            let fill = confusion::cell_fill(&counts, row, col);
            assert_eq!(png.get(r.x, r.y), fill, "cell ({row}, {col}) fill");
            let draw = |v: u64| {
                let mut reference = Canvas::new(r.w, r.h, fill);
                confusion::draw_cell(&mut reference, Rect::new(0, 0, r.w, r.h), v, fill);
                reference
            };
            let cell = png.crop(r);
            assert!(cell == draw(value), "cell ({row}, {col}) does not show {value}");
            assert!(cell != draw(value + 1), "cell ({row}, {col}) would also pass as {}", value + 1);
        }
    }
}

/// The digits shown are the test images predictions.csv says were misclassified, grouped a row per
/// most-confused pair, and every tile (digit, caption true → predicted, index) is the one drawn from
/// predictions.csv.
#[test]
fn misclassified_png_shows_the_misclassified_test_images_captioned() {
    let f = fixture();
    let dir = run_dir("misclassified");
    rundir::write_bundle(&dir, &f.data).unwrap();
    let png = decode(&dir.join(rundir::MISCLASSIFIED_PNG));
    let test = &f.data.test;
    let misses = misclassified::misses(&test.labels, &predictions(&dir));
    // Each most-confused pair starts a row with its own digits, most frequent pair first.
    let tiles = misclassified::grouped_tiles(&misses);
    let pairs = misclassified::by_pair(&misses);
    assert_eq!(tiles[0], Some(pairs[0][0]));
    assert_eq!(tiles[10].map(|m| (m.actual, m.predicted)), Some((pairs[1][0].actual, pairs[1][0].predicted)));
    let placed: Vec<(usize, misclassified::Miss)> = tiles.iter().enumerate().filter_map(|(k, m)| m.map(|m| (k, m))).collect();
    for &(k, miss) in [placed[0], placed[placed.len() - 1]].iter() {
        let r = misclassified::digit_rect(test, k);
        let img = test.image(miss.index);
        let scale = r.w / test.cols;
        for y in 0..r.h {
            for x in 0..r.w {
                let want = misclassified::ink_on_paper(img[(y / scale) * test.cols + x / scale]);
                assert_eq!(png.get(r.x + x, r.y + y), want, "tile {k} (test image {}) pixel ({x}, {y})", miss.index);
            }
        }
    }
    for &(k, miss) in &placed {
        let r = misclassified::tile_rect(test, k);
        let draw = |m: &misclassified::Miss| {
            let mut reference = Canvas::new(r.w, r.h, digitlab::figures::style::PAPER);
            misclassified::draw_tile(&mut reference, Rect::new(0, 0, r.w, r.h), test, m);
            reference
        };
        let tile = png.crop(r);
        assert!(tile == draw(&miss), "tile {k} is not test image {} captioned {}", miss.index, miss.caption());
        let other = misclassified::Miss { predicted: (miss.predicted + 1) % 10, ..miss };
        assert!(tile != draw(&other), "tile {k} would also pass captioned {}", other.caption());
    }
}

/// A run directory of the first format, saved mid-run, has only summary.json, epochs.csv and the model:
/// the bundle evaluates the model for the misclassified digits and draws the missing weights grid.
#[test]
fn an_older_killed_runs_directory_still_gets_a_bundle() {
    let f = fixture();
    let dir = f.root.join("killed");
    save(&dir, &f.run, &f.data, Stage::Epoch);
    for old in ["predictions.csv", "weights-grid.png", "confusion.csv", "report.md"] {
        std::fs::remove_file(dir.join(old)).unwrap();
    }
    let written = rundir::write_bundle(&dir, &f.data).unwrap();
    assert!(written.contains(&dir.join(rundir::WEIGHTS_GRID)));
    let misses = misclassified::misses(&f.data.test.labels, &f.run.last.test.predicted);
    let m = decode(&dir.join(rundir::MISCLASSIFIED_PNG));
    assert_eq!((m.width, m.height), misclassified::size(&f.data.test, misclassified::grouped_tiles(&misses).len()));
}

#[test]
fn predictions_of_another_test_set_are_refused() {
    let f = fixture();
    let dir = run_dir("other-data");
    let mut other = (*f.data).clone();
    other.test.labels.swap(0, 1); // test images 0 and 1 are a 7 and a 2
    let err = format!("{:#}", rundir::write_bundle(&dir, &other).unwrap_err());
    assert!(err.contains("predictions.csv") && err.contains("--data"), "{err}");
}

/// `digitlab report SWEEP`: each run's bundle, then comparison.png and a report.md that embeds the
/// sweep's leaderboard.md and links every run's report.
#[test]
fn a_sweep_directory_gets_a_comparison_chart_and_the_leaderboard() {
    let f = fixture();
    let sweep = f.root.join("sweep");
    let small = train(&f.data, 4, 1);
    for (name, run) in [("relu 16 (2 epochs)", &f.run), ("relu-4", &small)] {
        save(&sweep.join(name), run, &f.data, Stage::Final);
    }
    std::fs::write(sweep.join("leaderboard.md"), "# Leaderboard\n\n| rank | run |\n|---|---|\n| 1 | relu 16 (2 epochs) |\n").unwrap();
    std::fs::write(sweep.join("leaderboard.csv"), "rank,run\n1,relu 16 (2 epochs)\n").unwrap();

    let o = common::digitlab(&["report", sweep.to_str().unwrap()]);
    assert!(o.status.success(), "report failed: {}", common::text(&o.stderr));
    for run in ["relu 16 (2 epochs)", "relu-4"] {
        for name in [rundir::CURVES_PNG, rundir::CONFUSION_PNG, rundir::MISCLASSIFIED_PNG, rundir::REPORT_MD] {
            assert!(sweep.join(run).join(name).is_file(), "{run}/{name} missing");
        }
    }
    let bars: Vec<charts::RunBar> = [("relu 16 (2 epochs)", &f.run), ("relu-4", &small)]
        .iter()
        .map(|(n, r)| charts::RunBar { name: n.to_string(), architecture: r.last.model.arch.to_string(), accuracy: r.last.test.report.accuracy })
        .collect();
    let c = decode(&sweep.join(rundir::COMPARISON_PNG));
    assert_eq!((c.width, c.height), charts::comparison_size(&bars));

    let md = std::fs::read_to_string(sweep.join(rundir::REPORT_MD)).unwrap();
    assert!(md.contains("### Leaderboard\n\n| rank | run |"), "leaderboard.md embedded one level down:\n{md}");
    let links = link_targets(&md);
    for want in [rundir::COMPARISON_PNG, "leaderboard.csv", "relu 16 (2 epochs)/report.md", "relu-4/report.md"] {
        assert!(links.iter().any(|l| l == want), "no link to {want}: {links:?}");
    }
    for l in &links {
        assert!(sweep.join(l).is_file(), "sweep report.md links to missing {l}");
    }
}

#[test]
fn report_on_a_directory_without_runs_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::digitlab(&["report", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = common::text(&o.stderr);
    assert!(err.contains(&dir.path().display().to_string()) && err.contains("not a run directory"), "{err}");
}

/// `report --pair A,P` (and `w` in Results) draw every test image of true class A called P, and
/// nothing else, in test-file order.
#[test]
fn a_pair_picture_holds_exactly_that_pairs_digits() {
    let f = fixture();
    let dir = run_dir("pair");
    let predictions = predictions(&dir);
    let misses = misclassified::misses(&f.data.test.labels, &predictions);
    let top = &misclassified::by_pair(&misses)[0];
    let (a, p) = (top[0].actual, top[0].predicted);
    let path = rundir::write_pair_png(&dir, &f.data.test, &predictions, a, p).unwrap();
    assert_eq!(path, dir.join(format!("misclassified-actual{a}-pred{p}.png")));
    let png = decode(&path);
    assert_eq!((png.width, png.height), misclassified::size(&f.data.test, top.len().min(misclassified::MAX_SHOWN)));
    for (k, miss) in top.iter().enumerate().take(misclassified::MAX_SHOWN) {
        let r = misclassified::tile_rect(&f.data.test, k);
        let mut reference = Canvas::new(r.w, r.h, digitlab::figures::style::PAPER);
        misclassified::draw_tile(&mut reference, Rect::new(0, 0, r.w, r.h), &f.data.test, miss);
        assert!(png.crop(r) == reference, "tile {k} is not test image {}", miss.index);
    }
    // Discarding the run removes it with the rest.
    assert_eq!(rundir::discard(&dir).unwrap(), None);
    assert!(!dir.exists());
}
