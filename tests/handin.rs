//! The hand-in as a student makes it: a sweep on the bundled MNIST, `digitlab handin`, the PDF read
//! back with lopdf (its text and pictures), the zip's contents, notes under their run, and a report the
//! student edited never replaced.

use crate::common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{digitlab, text};

/// One sweep of two architectures, 1 epoch each, shared by the tests (each hands it in elsewhere).
fn sweep() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap().keep();
        let dir = tmp.join("S");
        let o = digitlab(&["sweep", "--layers", "16", "32", "--epochs", "1", "--out", dir.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        dir
    })
}

/// A copy of the sweep, so a test can write notes into its runs.
fn sweep_copy(to: &Path) -> PathBuf {
    let dst = to.join("S");
    copy_dir(sweep(), &dst);
    dst
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The text of every page of a PDF, and how many pictures it embeds.
fn read_pdf(path: &Path) -> (String, usize, usize) {
    let doc = lopdf::Document::load(path).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    let images = doc
        .objects
        .values()
        .filter(|o| {
            o.as_stream().is_ok_and(|s| s.dict.get(b"Subtype").and_then(|t| t.as_name()).is_ok_and(|n| n == b"Image"))
        })
        .count();
    (text, pages.len(), images)
}

fn zip_names(path: &Path) -> BTreeSet<String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len()).map(|i| z.by_index(i).unwrap().name().unwrap().to_string()).collect()
}

#[test]
fn a_sweep_hands_in_as_a_pdf_with_its_tables_and_pictures_and_a_zip_without_data() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("H");
    let o = digitlab(&["handin", sweep().to_str().unwrap(), "--out", h.to_str().unwrap(), "--authors", "Ada Lovelace (123456)"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("report.pdf:") && out.contains("handin.zip:"), "{out}");

    let (pdf, pages, images) = read_pdf(&h.join("report.pdf"));
    // lopdf puts each drawn text on its own line; words may be split across lines only at spaces.
    let flat = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    for word in ["precision", "recall", "predicted", "actual", "Ada Lovelace (123456)", "Your observations", "Conclusions"] {
        assert!(flat.contains(word), "{word:?} not in the PDF's text");
    }
    for arch in ["784 → 16 relu → 10 softmax", "784 → 32 relu → 10 softmax"] {
        assert!(flat.contains(arch), "{arch} not in the PDF's text");
    }
    // The per-class table of the runs: the precision of each class, as summary.json records it.
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(sweep().join("001-16relu-adam-lr0.001-e1-b64-s1/summary.json")).unwrap()).unwrap();
    let p0 = summary["test"]["per_class"][0]["precision"].as_f64().unwrap();
    assert!(flat.contains(&format!("{p0:.4}")), "class 0's precision {p0:.4} is not in the PDF");
    assert!(pages >= 4, "{pages} pages");
    // Comparison, and per run curves, confusion, misclassified digits, neurons, weights.
    assert!(images >= 4, "{images} pictures");

    let names = zip_names(&h.join("handin.zip"));
    for must in ["report.pdf", "report.md", "figures/comparison.png", "runs/001-16relu-adam-lr0.001-e1-b64-s1/summary.json", "runs/002-32relu-adam-lr0.001-e1-b64-s1/config.toml"] {
        assert!(names.contains(must), "{must} not in the zip: {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains("ubyte") || n.ends_with(".safetensors") || n.starts_with('.')), "{names:?}");
    // Every file in the zip is one of the hand-in's, and none is an IDX file.
    let mut z = zip::ZipArchive::new(std::fs::File::open(h.join("handin.zip")).unwrap()).unwrap();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut head = [0u8; 4];
        let n = f.read(&mut head).unwrap();
        assert!(!(n == 4 && head[0] == 0 && head[1] == 0 && head[2] == 8), "{:?} is IDX data", f.name());
    }
}

/// Runs given one by one are reported in the order given (as the dashboard passes the runs chosen),
/// not in name order; one given twice is reported once, where it first came.
#[test]
fn the_report_follows_the_order_the_runs_were_given_in() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("H");
    let (wide, narrow) = (sweep().join("002-32relu-adam-lr0.001-e1-b64-s1"), sweep().join("001-16relu-adam-lr0.001-e1-b64-s1"));
    let o = digitlab(&["handin", wide.to_str().unwrap(), narrow.to_str().unwrap(), wide.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (pdf, _, _) = read_pdf(&h.join("report.pdf"));
    let flat = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = flat.find("Run 1: 784 → 32 relu").expect("the run given first is run 1");
    let second = flat.find("Run 2: 784 → 16 relu").expect("the run given second is run 2");
    assert!(first < second);
    assert!(!flat.contains("Run 3:"), "a run given twice is reported once");
}

#[test]
fn notes_appear_under_their_run_and_an_edited_report_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sweep_copy(tmp.path());
    std::fs::write(s.join("002-32relu-adam-lr0.001-e1-b64-s1/notes.md"), "The wider network confuses 4 and 9 less often.\n").unwrap();
    let h = tmp.path().join("H");
    let o = digitlab(&["handin", s.to_str().unwrap(), "--out", h.to_str().unwrap(), "--paper", "letter", "--with-models"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (pdf, _, _) = read_pdf(&h.join("report.pdf"));
    let flat = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    let note = flat.find("The wider network confuses 4 and 9 less often.").expect("the note is in the PDF");
    let run2 = flat.find("Run 2: 784 → 32 relu").unwrap();
    let run1 = flat.find("Run 1: 784 → 16 relu").unwrap();
    assert!(run1 < run2 && run2 < note, "the note is not under run 2");
    // Run 1 has no note: its place for observations is visible.
    assert!(flat[run1..run2].contains("Nothing written yet"));
    let doc = lopdf::Document::load(h.join("report.pdf")).unwrap();
    let page = doc.get_pages()[&1];
    let media = doc.get_object(page).unwrap().as_dict().unwrap().get(b"MediaBox").unwrap().as_array().unwrap().clone();
    assert_eq!(media[2].as_float().unwrap().round(), 612.0, "letter is 612 pt wide");
    let names = zip_names(&h.join("handin.zip"));
    assert_eq!(names.iter().filter(|n| n.ends_with("model.safetensors")).count(), 2, "--with-models: {names:?}");

    // The student writes in report.md; a second hand-in into H is refused and changes nothing.
    let report = h.join("report.md");
    let edited = std::fs::read_to_string(&report).unwrap().replace("## Conclusions", "## Conclusions\n\nReLU with 32 neurons was best in our runs.");
    std::fs::write(&report, &edited).unwrap();
    let before = std::fs::read(h.join("report.pdf")).unwrap();
    let o = digitlab(&["handin", s.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("has your edits") && text(&o.stderr).contains("--rebuild"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), edited);
    assert_eq!(std::fs::read(h.join("report.pdf")).unwrap(), before);

    // --rebuild makes the PDF from the student's text and keeps it; a data file dropped in stays out of the zip.
    std::fs::copy(common_labels(), h.join("labels-copy.gz")).unwrap();
    let o = digitlab(&["handin", "--rebuild", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("left out of the zip: labels-copy.gz (a data set file"), "{}", text(&o.stdout));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), edited);
    let (pdf, _, _) = read_pdf(&h.join("report.pdf"));
    assert!(pdf.split_whitespace().collect::<Vec<_>>().join(" ").contains("ReLU with 32 neurons was best in our runs."));
    assert!(!zip_names(&h.join("handin.zip")).contains("labels-copy.gz"));
}

#[test]
fn notes_that_cannot_be_read_leave_a_visible_place_and_do_not_stop_the_hand_in() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sweep_copy(tmp.path());
    std::fs::write(s.join("001-16relu-adam-lr0.001-e1-b64-s1/notes.md"), [0xffu8, 0xfe, b'x']).unwrap();
    let h = tmp.path().join("H");
    let o = digitlab(&["handin", s.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("001-16relu-adam-lr0.001-e1-b64-s1: notes not included"), "{}", text(&o.stdout));
    let (pdf, _, _) = read_pdf(&h.join("report.pdf"));
    assert!(pdf.split_whitespace().collect::<Vec<_>>().join(" ").contains("could not be read"));
}

/// A second hand-in into an unedited one removes what the first wrote and the second does not, and
/// nothing else: not a file the record was edited to name outside the directory.
#[test]
fn a_new_hand_in_over_an_unedited_one_removes_only_its_own_old_files() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("H");
    let o = digitlab(&["handin", sweep().to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let outside = tmp.path().join("precious.txt");
    std::fs::write(&outside, "mine").unwrap();
    std::fs::write(h.join("figures/kept.png"), "mine too").unwrap();
    let record = h.join(".handin.json");
    let mut state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let written = state["written"].as_array_mut().unwrap();
    written.push(outside.to_str().unwrap().into());
    written.push("../precious.txt".into());
    std::fs::write(&record, serde_json::to_vec(&state).unwrap()).unwrap();
    // The second hand-in has one run: the other run's files go.
    let run = sweep().join("001-16relu-adam-lr0.001-e1-b64-s1");
    let o = digitlab(&["handin", run.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!h.join("runs/002-32relu-adam-lr0.001-e1-b64-s1").exists() && !h.join("figures/comparison.png").exists());
    assert!(h.join("runs/001-16relu-adam-lr0.001-e1-b64-s1/summary.json").is_file());
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
    assert_eq!(std::fs::read_to_string(h.join("figures/kept.png")).unwrap(), "mine too");
}

/// Every file under `dir` (relative, `/`-separated) with its bytes.
fn files_in(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

const RUN1: &str = "001-16relu-adam-lr0.001-e1-b64-s1";
const RUN2: &str = "002-32relu-adam-lr0.001-e1-b64-s1";

/// A figure or table the student changed inside the hand-in, under a name digitlab wrote, is never
/// written over nor removed by a second hand-in: it is refused, naming the files, and changes nothing.
/// Files the student added under other names stay through every hand-in and go into the zip.
#[test]
fn a_second_hand_in_never_replaces_or_removes_a_file_the_student_changed_or_added() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("H");
    let handin = |sources: &[&Path]| {
        let mut args: Vec<&str> = vec!["handin"];
        args.extend(sources.iter().map(|p| p.to_str().unwrap()));
        args.extend(["--out", h.to_str().unwrap()]);
        digitlab(&args)
    };
    let o = handin(&[sweep()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The student redraws a figure, corrects a table and adds files of their own.
    let curves = h.join(format!("figures/{RUN1}/curves.png"));
    std::fs::copy(h.join(format!("figures/{RUN1}/confusion.png")), &curves).unwrap();
    let epochs = h.join(format!("runs/{RUN1}/epochs.csv"));
    let mut table = std::fs::read_to_string(&epochs).unwrap();
    table.push_str("# epoch 1 looked odd to us\n");
    std::fs::write(&epochs, &table).unwrap();
    std::fs::write(h.join("figures/our-drawing.png"), "a picture of ours").unwrap();
    std::fs::write(h.join(format!("runs/{RUN2}/extra.md")), "what we tried next").unwrap();
    let before = files_in(&h);

    let o = handin(&[sweep()]);
    assert!(!o.status.success(), "a changed figure and table were written over");
    let err = text(&o.stderr);
    for named in [curves.display().to_string(), epochs.display().to_string()] {
        assert!(err.contains(&format!("{named} (changed since digitlab wrote it)")), "{named} not named: {err}");
    }
    assert!(err.contains("choose another --out") && !err.contains("our-drawing"), "{err}");
    assert_eq!(files_in(&h), before, "a refused hand-in changes nothing");

    // With fewer runs the second run's files would go: a changed one among them is not removed either.
    std::fs::copy(sweep().join(RUN1).join("epochs.csv"), &epochs).unwrap();
    std::fs::remove_file(&curves).unwrap();
    let config2 = h.join(format!("runs/{RUN2}/config.toml"));
    std::fs::write(&config2, "epochs = 5 # what we ran next\n").unwrap();
    let before = files_in(&h);
    let o = handin(&[&sweep().join(RUN1)]);
    assert!(!o.status.success(), "a changed file of a run no longer handed in was removed");
    assert!(text(&o.stderr).contains(&format!("{} (changed since digitlab wrote it)", config2.display())), "{}", text(&o.stderr));
    assert_eq!(files_in(&h), before);

    // Moved away, the hand-in goes ahead: digitlab's unchanged files are replaced or removed, and the
    // student's own files stay, in the zip too.
    std::fs::rename(&config2, tmp.path().join("config-we-ran.toml")).unwrap();
    let o = handin(&[&sweep().join(RUN1)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(curves.is_file() && !h.join(format!("runs/{RUN2}/summary.json")).exists());
    assert_eq!(std::fs::read_to_string(h.join("figures/our-drawing.png")).unwrap(), "a picture of ours");
    assert_eq!(std::fs::read_to_string(h.join(format!("runs/{RUN2}/extra.md"))).unwrap(), "what we tried next");
    let names = zip_names(&h.join("handin.zip"));
    assert!(names.contains("figures/our-drawing.png") && names.contains(&format!("runs/{RUN2}/extra.md")), "{names:?}");
}

/// `--rebuild` makes report.pdf and handin.zip anew, but a PDF the student put in their place (made
/// with another program) is theirs: refused, untouched, until they move it.
#[test]
fn rebuild_never_writes_over_a_pdf_the_student_made() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("H");
    let o = digitlab(&["handin", sweep().join(RUN1).to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Unchanged, it is made again.
    let o = digitlab(&["handin", "--rebuild", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let pdf = h.join("report.pdf");
    std::fs::write(&pdf, "%PDF-1.7 our report, typeset elsewhere").unwrap();
    let zip_before = std::fs::read(h.join("handin.zip")).unwrap();
    let o = digitlab(&["handin", "--rebuild", h.to_str().unwrap()]);
    assert!(!o.status.success(), "the student's PDF was written over");
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{} (changed since digitlab wrote it)", pdf.display())) && err.contains("--rebuild again"), "{err}");
    assert_eq!(std::fs::read_to_string(&pdf).unwrap(), "%PDF-1.7 our report, typeset elsewhere");
    assert_eq!(std::fs::read(h.join("handin.zip")).unwrap(), zip_before);

    std::fs::rename(&pdf, h.join("our-report.pdf")).unwrap();
    let o = digitlab(&["handin", "--rebuild", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(read_pdf(&pdf).1 >= 1);
    assert!(zip_names(&h.join("handin.zip")).contains("our-report.pdf"));
}

/// A hand-in made before files had digests (its `.handin.json` records only report.md's) is still
/// read: files that already hold what would be written are fine, and a file digitlab cannot vouch for
/// is named rather than replaced.
#[test]
fn a_record_without_digests_is_read_and_nothing_unknown_is_written_over() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("H");
    let run = sweep().join(RUN1);
    let o = digitlab(&["handin", run.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let record = h.join(".handin.json");
    let mut state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert!(state.as_object_mut().unwrap().remove("sha256").is_some(), "the record keeps digests");
    std::fs::write(&record, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    std::fs::write(h.join(format!("figures/{RUN1}/curves.png")), "edited, or not: no record says").unwrap();
    let before = files_in(&h);
    let o = digitlab(&["handin", run.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("curves.png (no record that digitlab wrote it)") && err.contains("handin.zip (no record that digitlab wrote it)"), "{err}");
    // The copies of the run's files hold what would be written, so they are not named.
    assert!(!err.contains("summary.json") && !err.contains("epochs.csv"), "{err}");
    assert_eq!(files_in(&h), before);
    // The files named moved away (the zip and the PDF, which a new date would change, are digitlab's
    // own), the hand-in goes ahead and keeps digests.
    for f in [format!("figures/{RUN1}/curves.png"), "handin.zip".into(), "report.pdf".into()] {
        std::fs::remove_file(h.join(f)).unwrap();
    }
    let o = digitlab(&["handin", run.to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert!(state["sha256"]["report.pdf"].is_string() && state["sha256"]["handin.zip"].is_string(), "{state}");
}

#[test]
fn a_directory_that_is_not_a_hand_in_is_not_written_into() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("mine");
    std::fs::create_dir_all(&h).unwrap();
    std::fs::write(h.join("essay.md"), "my own text").unwrap();
    let o = digitlab(&["handin", sweep().to_str().unwrap(), "--out", h.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("is not a hand-in digitlab made"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_dir(&h).unwrap().count(), 1);
    let o = digitlab(&["handin", "--rebuild", tmp.path().join("nothing").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("no report.md here"), "{}", text(&o.stderr));
}

/// The bundled test labels (gzip IDX).
fn common_labels() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().contains("t10k-labels")).unwrap()
}
