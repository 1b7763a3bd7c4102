//! A digit drawn by hand, as the Draw view draws it, classified by a W1 network trained here on the
//! bundled MNIST (3 epochs): a vertical stroke is a 1, a ring a 0, and the drawing saved as a PNG gets
//! the same answer from `digitlab predict`. And the mouse elsewhere: a click on a confusion cell, a
//! neuron of the grid or a run selects it, found where the view drew it.

use crate::common;

use common::tui::{carry_out, draw, new_app, press, select_run, set_view, COLOR};
use common::{digitlab, text};
use crossterm::event::KeyCode;
use digitlab::tui::app::{Action, View};
use digitlab::data::drawing::{Drawing, SIDE};

fn predicted(model: &digitlab::model::Mlp, pixels: &[u8]) -> usize {
    let mut x = Vec::new();
    model.inputs(pixels, &mut x);
    let out = model.outputs(x);
    (0..out.len()).max_by(|&a, &b| out[a].total_cmp(&out[b])).unwrap()
}

/// A W1 network (784-128 relu-10, batch 128, 3 epochs) trained on the bundled MNIST into `dir/w1`.
fn train_w1(dir: &std::path::Path) -> std::path::PathBuf {
    let run = dir.join("runs").join("w1");
    let o = digitlab(&["train", "--layers", "128", "--epochs", "3", "--batch-size", "128", "--out", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    run
}

fn screen(app: &digitlab::tui::app::App) -> String {
    let buf = draw(app, 120, 40);
    (0..40).map(|y| common::tui::row(&buf, y)).collect::<Vec<_>>().join("\n")
}

fn keys(app: &mut digitlab::tui::app::App, code: KeyCode, n: usize) {
    for _ in 0..n {
        press(app, code).expect("a Draw key");
    }
}

/// The Draw view driven by keys alone, on the W1 network opened from the Runs view: a stroke reads 1,
/// a loop 0, and `w` saves a PNG that `digitlab predict` reads the same way.
#[test]
fn keys_draw_a_one_and_a_zero_in_the_dashboard_and_w_saves_what_the_network_saw() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_w1(tmp.path());
    let mut app = new_app(&common::tui::config(1), &tmp.path().join("runs"), COLOR);
    carry_out(&mut app, vec![digitlab::tui::effects::Effect::Scan { root: tmp.path().join("runs") }]);
    select_run(&mut app, 0);
    common::tui::act(&mut app, Action::Open);
    set_view(&mut app, View::Draw);
    assert!(screen(&app).contains("Nothing drawn yet"));

    // Pen down at the top, 16 pixels down, pen up.
    keys(&mut app, KeyCode::Up, 8);
    keys(&mut app, KeyCode::Char(' '), 1);
    keys(&mut app, KeyCode::Down, 16);
    keys(&mut app, KeyCode::Char(' '), 1);
    let shown = screen(&app);
    assert!(shown.contains("reads it as 1"), "{shown}");

    // c clears; a loop, 10 wide and 16 tall, drawn as four strokes.
    keys(&mut app, KeyCode::Char('c'), 1);
    assert!(screen(&app).contains("Nothing drawn yet"));
    keys(&mut app, KeyCode::Left, 5);
    keys(&mut app, KeyCode::Char(' '), 1);
    keys(&mut app, KeyCode::Up, 16);
    keys(&mut app, KeyCode::Right, 10);
    keys(&mut app, KeyCode::Down, 16);
    keys(&mut app, KeyCode::Left, 10);
    keys(&mut app, KeyCode::Char(' '), 1);
    let shown = screen(&app);
    assert!(shown.contains("reads it as 0"), "{shown}");

    press(&mut app, KeyCode::Char('w'));
    let png = tmp.path().join("drawings/drawing-1.png");
    assert!(png.is_file(), "{:?}", app.status());
    let o = digitlab(&["predict", "--model", run.join("model.safetensors").to_str().unwrap(), png.to_str().unwrap()]);
    assert!(text(&o.stdout).contains("prediction: 0\n"), "{}", text(&o.stdout));
    // The status line's command to copy is longer than the screen is wide: it takes two rows, whole.
    let said = app.status_line().unwrap();
    assert!(said.contains("digitlab predict --model") && said.chars().count() > 120, "{said}");
    let buf = draw(&app, 120, 40);
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(squeeze(&(common::tui::row(&buf, 37) + &common::tui::row(&buf, 38))), squeeze(&said));
    // Readable like any file the student makes there (not a temporary file's private mode).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let made = tmp.path().join("drawings/made-by-hand.txt");
        std::fs::write(&made, "x").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&png), mode(&made));
        std::fs::remove_file(made).unwrap();
    }
    // A second save never replaces the first.
    press(&mut app, KeyCode::Char('w'));
    assert!(tmp.path().join("drawings/drawing-2.png").is_file());
    // The smallest usual terminal in plain ASCII: half-block scale, every character ASCII, the answer there.
    common::tui::set_theme(&mut app, common::tui::ASCII);
    let buf = draw(&app, 80, 24);
    let small: String = (0..24).map(|y| common::tui::row(&buf, y)).collect::<Vec<_>>().join("\n");
    // The answer wraps in the narrow panel; class 0 has the 9x % bar.
    assert!(small.is_ascii() && small.contains("reads it") && small.contains(" 0  9") && small.contains("20x20"), "{small}");
}

/// A mouse event on a `w`x`h` screen, turned into a message as the event loop does.
fn mouse_on(app: &mut digitlab::tui::app::App, (w, h): (u16, u16), kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    let event = crossterm::event::MouseEvent { kind, column, row, modifiers: crossterm::event::KeyModifiers::NONE };
    let msg = digitlab::tui::views::mouse_msg(app, event, ratatui::layout::Rect::new(0, 0, w, h));
    common::tui::send(app, msg);
}

fn mouse(app: &mut digitlab::tui::app::App, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    mouse_on(app, (120, 40), kind, column, row);
}

/// A drag along `points` (pixel coordinates) with `button`, through the cells the canvas shows them in.
fn drag(app: &mut digitlab::tui::app::App, button: crossterm::event::MouseButton, points: &[(f32, f32)]) {
    use crossterm::event::MouseEventKind as K;
    let screen = ratatui::layout::Rect::new(0, 0, 120, 40);
    let (canvas, k) = digitlab::tui::draw::canvas_in(digitlab::tui::draw::body_of(screen, app.status_line().as_deref()));
    assert_eq!(k, 2, "at 120×40 a pixel is two cells wide");
    let cell = |(x, y): (f32, f32)| (canvas.x + (x * 2.0) as u16, canvas.y + y as u16);
    let (c, r) = cell(points[0]);
    mouse(app, K::Down(button), c, r);
    for &p in &points[1..] {
        let (c, r) = cell(p);
        mouse(app, K::Drag(button), c, r);
    }
    mouse(app, K::Up(button), c, r);
}

/// The same with the mouse: a click on the Draw tab, a vertical drag reads 1, a right-button drag
/// over it erases it, a drawn loop reads 0.
#[test]
fn the_mouse_draws_a_one_and_a_zero_and_erases_with_the_right_button() {
    use crossterm::event::{MouseButton, MouseEventKind as K};
    let tmp = tempfile::tempdir().unwrap();
    train_w1(tmp.path());
    let mut app = new_app(&common::tui::config(1), &tmp.path().join("runs"), COLOR);
    carry_out(&mut app, vec![digitlab::tui::effects::Effect::Scan { root: tmp.path().join("runs") }]);
    select_run(&mut app, 0);
    common::tui::act(&mut app, Action::Open);
    // The Draw tab, where the tab row shows it at 120 columns.
    let column = (0..120).find(|&c| View::tab_at(c, 120) == Some(View::Draw)).unwrap();
    assert!(common::tui::row(&draw(&app, 120, 40), 0)[column as usize..].starts_with(" 6 Draw"));
    mouse(&mut app, K::Down(MouseButton::Left), column + 2, 0);
    assert_eq!(app.view(), View::Draw);

    let stroke: Vec<(f32, f32)> = (0..=18).map(|i| (14.2, 5.0 + i as f32)).collect();
    drag(&mut app, MouseButton::Left, &stroke);
    assert!(screen(&app).contains("reads it as 1"), "{}", screen(&app));
    keys(&mut app, KeyCode::Char('+'), 2);
    drag(&mut app, MouseButton::Right, &stroke);
    assert!(screen(&app).contains("Nothing drawn yet"), "the right button erased the stroke");
    keys(&mut app, KeyCode::Char('-'), 2);

    let ring: Vec<(f32, f32)> = (0..=48).map(|i| {
        let a = i as f32 / 48.0 * std::f32::consts::TAU;
        (14.0 + 6.5 * a.cos(), 14.0 + 9.0 * a.sin())
    }).collect();
    drag(&mut app, MouseButton::Left, &ring);
    assert!(screen(&app).contains("reads it as 0"), "{}", screen(&app));
}

#[test]
fn a_stroke_is_a_one_a_ring_a_zero_and_the_saved_png_is_classified_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("w1");
    let o = digitlab(&["train", "--layers", "128", "--epochs", "3", "--batch-size", "128", "--out", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let model_path = run.join("model.safetensors");
    let model = digitlab::model::io::load(&model_path).unwrap();

    // A vertical stroke, drawn as a drag from top to bottom (the brush the view starts with).
    let mut one = Drawing::default();
    let path: Vec<(f32, f32)> = (0..=12).map(|i| (14.2, 5.0 + i as f32 * 1.5)).collect();
    for w in path.windows(2) {
        one.stroke(w[0], w[1], 1.0, false);
    }
    // A ring: an ellipse a little taller than wide, as people draw a zero.
    let mut zero = Drawing::default();
    let ring: Vec<(f32, f32)> = (0..=40).map(|i| {
        let a = i as f32 / 40.0 * std::f32::consts::TAU;
        (14.0 + 6.5 * a.cos(), 14.0 + 9.0 * a.sin())
    }).collect();
    for w in ring.windows(2) {
        zero.stroke(w[0], w[1], 1.0, false);
    }

    for (drawing, want, name) in [(&one, 1, "one"), (&zero, 0, "zero")] {
        let pixels = drawing.mnist_input().unwrap();
        assert_eq!(predicted(&model, &pixels), want, "the {name} is read as another digit");
        // Saved as the Draw view saves it, and classified by the command line.
        let png = tmp.path().join(format!("{name}.png"));
        let image = digitlab::viz::GrayImage { width: SIDE, height: SIDE, pixels };
        std::fs::write(&png, digitlab::export::images::png_bytes(&image).unwrap()).unwrap();
        let o = digitlab(&["predict", "--model", model_path.to_str().unwrap(), png.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains(&format!("prediction: {want}\n")), "{name}: {}", text(&o.stdout));
    }
}

/// A left click (press and release) at (`column`, `row`) of a `w`x`h` screen.
fn click(app: &mut digitlab::tui::app::App, size: (u16, u16), column: u16, row: u16) {
    use crossterm::event::{MouseButton, MouseEventKind as K};
    mouse_on(app, size, K::Down(MouseButton::Left), column, row);
    mouse_on(app, size, K::Up(MouseButton::Left), column, row);
}

/// Where `text` is drawn on the screen (column, row), reading one character a cell.
fn find(buf: &ratatui::buffer::Buffer, text: &str) -> Option<(u16, u16)> {
    let n = text.chars().count() as u16;
    (0..buf.area.height).find_map(|y| {
        (0..buf.area.width.saturating_sub(n - 1)).find(|&x| (0..n).map(|i| buf[(x + i, y)].symbol()).collect::<String>() == text).map(|x| (x, y))
    })
}

fn reversed(buf: &ratatui::buffer::Buffer, x: u16, y: u16) -> bool {
    buf[(x, y)].modifier.contains(ratatui::style::Modifier::REVERSED)
}

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

/// In Results a click on a cell of the confusion matrix selects that cell, found on screen by its
/// row label (predicted) and column header (actual), at 120×40 and 80×24, in color and in ASCII;
/// clicks on the headers and totals change nothing.
#[test]
fn a_click_on_a_confusion_cell_selects_it_and_the_labels_take_no_click() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = common::tui::trained(&tmp.path().join("runs"), COLOR);
    set_view(&mut app, View::Results);
    for (size, theme) in [(SIZES[0], COLOR), (SIZES[1], COLOR), (SIZES[1], common::tui::ASCII)] {
        common::tui::set_theme(&mut app, theme);
        for (p, a) in [(7, 2), (0, 9), (9, 0), (3, 3), (4, 9)] {
            let buf = draw(&app, size.0, size.1);
            let (x0, y0) = find(&buf, "pred\\act").expect("the matrix is drawn");
            // Actual classes head the columns, right-aligned: the cell is under its label.
            let x = (x0 + 8..buf.area.width - 1).find(|&x| buf[(x, y0)].symbol() == a.to_string() && buf[(x + 1, y0)].symbol() == " ").unwrap();
            let label = |y: u16| (x0..x0 + 8).map(|x| buf[(x, y)].symbol()).collect::<String>().trim().to_string();
            let y = (y0 + 1..y0 + 11).find(|&y| label(y) == p.to_string()).expect("the row of the predicted class");
            assert_ne!(app.results_cursor(), (p, a), "{size:?}: the cell is not selected yet");
            common::tui::act(&mut app, Action::PageDown);
            click(&mut app, size, x, y);
            assert_eq!(app.results().cursor, Some((p, a)), "{size:?}: clicked ({x}, {y})");
            assert_eq!(app.results().page, 0, "another cell's digits start at their first page");
            let after = draw(&app, size.0, size.1);
            let shown = common::tui::screen(&after);
            // At 80×24 the cell's digits are out of sight, under the report.
            assert!(size.1 < 40 || shown.contains(&format!("cell predicted {p}, actual {a}:")), "{shown}");
            // That cell alone is shown selected.
            let selected: Vec<(u16, u16)> = (y0 + 1..y0 + 11).flat_map(|y| (x0 + 9..x0 + 9 + 60).map(move |x| (x, y))).filter(|&(x, y)| reversed(&after, x, y)).collect();
            assert!(!selected.is_empty() && selected.iter().all(|&(cx, cy)| cy == y && cx.abs_diff(x) < 6), "{size:?}: {selected:?}");
        }
        // The headers, the totals and the axis line select nothing.
        let before = app.results().clone();
        let buf = draw(&app, size.0, size.1);
        let (x0, y0) = find(&buf, "pred\\act").unwrap();
        let total = find(&buf, "total").unwrap();
        for (x, y) in [(x0 + 2, y0), (x0 + 12, y0), (x0 + 3, y0 + 5), (total.0 + 2, total.1), (total.0 + 2, total.1 + 3), (x0 + 12, y0 + 11), (x0 + 12, y0 - 1)] {
            click(&mut app, size, x, y);
            assert_eq!((app.results().cursor, app.view()), (before.cursor, View::Results), "({x}, {y})");
        }
    }
    // Overlays take no clicks: with help open the matrix behind it keeps its cell.
    let buf = draw(&app, 120, 40);
    let (x0, y0) = find(&buf, "pred\\act").unwrap();
    let cursor = app.results().cursor;
    common::tui::set_help(&mut app, true);
    click(&mut app, (120, 40), x0 + 14, y0 + 2);
    assert_eq!(app.results().cursor, cursor);
    common::tui::set_help(&mut app, false);
    click(&mut app, (120, 40), x0 + 14, y0 + 2);
    assert_ne!(app.results().cursor, cursor, "without the overlay the same click selects");
}

/// In Weights a click on a neuron of the grid (its label or its picture) selects it, on the page the
/// grid shows: at 120×40 every neuron fits one page, at 80×24 a page holds a few and the click reads
/// the page that holds the selected neuron.
#[test]
fn a_click_on_a_neuron_of_the_grid_selects_it_on_the_page_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = common::tui::trained(&tmp.path().join("runs"), COLOR);
    set_view(&mut app, View::Weights);
    press(&mut app, KeyCode::Char('g')).unwrap();
    assert!(app.weights().grid);
    for (size, theme) in [(SIZES[0], COLOR), (SIZES[1], COLOR), (SIZES[1], common::tui::ASCII)] {
        common::tui::set_theme(&mut app, theme);
        // From neuron 7 (on the second page at 80×24) to each neuron shown but it.
        while app.weights().neuron != 7 {
            press(&mut app, KeyCode::Right).unwrap();
        }
        let buf = draw(&app, size.0, size.1);
        let shown: Vec<usize> = (0..16).filter(|j| find(&buf, &format!("#{j:03}")).is_some()).collect();
        assert!(shown.len() > 1 && shown.contains(&7), "{size:?}: {shown:?}\n{}", common::tui::screen(&buf));
        for (k, &j) in shown.iter().filter(|&&j| j != 7).enumerate() {
            let buf = draw(&app, size.0, size.1);
            let (x, y) = find(&buf, &format!("#{j:03}")).unwrap();
            // Every other click on the picture under the label.
            let (cx, cy) = if k % 2 == 0 { (x + 1, y) } else { (x + 6, y + 4) };
            let before = app.weights().neuron;
            click(&mut app, size, cx, cy);
            assert_eq!(app.weights().neuron, j, "{size:?}: clicked ({cx}, {cy}) from neuron {before}");
            let after = draw(&app, size.0, size.1);
            assert!(common::tui::screen(&after).contains(&format!("neuron {j} (")), "the view shows neuron {j}");
            // Its label alone is shown selected, where it was: the page did not move.
            assert_eq!(find(&after, &format!("#{j:03}")), Some((x, y)));
            for &other in &shown {
                let (ox, oy) = find(&after, &format!("#{other:03}")).unwrap();
                assert_eq!(reversed(&after, ox, oy), other == j, "{size:?}: #{other:03}");
            }
        }
        // The gap between two thumbnails and the line above the grid select nothing.
        let buf = draw(&app, size.0, size.1);
        let (x, y) = find(&buf, &format!("#{:03}", shown[0])).unwrap();
        let neuron = app.weights().neuron;
        for (cx, cy) in [(x + 14, y + 2), (x + 3, y - 1)] {
            click(&mut app, size, cx, cy);
            assert_eq!(app.weights().neuron, neuron, "({cx}, {cy})");
        }
    }
}

/// Copies run directory `from` to `to`, files and folders.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The name of the run on row `i` of the Runs view.
fn run_name(app: &digitlab::tui::app::App, i: usize) -> String {
    match &app.run_rows()[i] {
        digitlab::tui::app::RunRow::Done(e) => e.name(),
        _ => panic!("row {i} is not a finished run"),
    }
}

/// In Runs a click on a row selects that run, also in a list scrolled to its end, and the list does
/// not move under the mouse; the header and the note line take no click.
#[test]
fn a_click_on_a_run_selects_it_and_the_list_stays_where_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("runs");
    let mut app = common::tui::trained(&root, COLOR);
    let run = app.session_runs()[0].dir.clone().expect("the run was saved");
    // More than 120×40 shows at once.
    for i in 0..40 {
        copy_dir(&run, &root.join(format!("copy-{i:02}")));
    }
    common::tui::act(&mut app, Action::Rescan);
    let n = app.run_rows().len();
    assert_eq!(n, 41);
    for size in SIZES {
        // The last run selected: the list is scrolled to its end.
        select_run(&mut app, n - 1);
        let buf = draw(&app, size.0, size.1);
        let last = find(&buf, &run_name(&app, n - 1)).expect("the selected run is in sight");
        assert!(find(&buf, &run_name(&app, 0)).is_none(), "{size:?}: the list is scrolled");
        for up in [3, 1, 8] {
            let buf = draw(&app, size.0, size.1);
            let y = last.1 - up;
            // The name is the first word of the row.
            let line = common::tui::row(&buf, y);
            let name = line.trim_start_matches(['│', '|', ' ']).split(' ').next().unwrap().to_string();
            let (x, _) = find(&buf, &name).unwrap();
            let before = app.runs().selected;
            click(&mut app, size, x + 2, y);
            assert_ne!(app.runs().selected, before);
            assert_eq!(run_name(&app, app.runs().selected), name, "{size:?}: clicked row {y}");
            // Drawn again, the run is where it was clicked, and it is the one shown selected.
            let after = draw(&app, size.0, size.1);
            assert_eq!(find(&after, &name), Some((x, y)), "{size:?}: the list did not scroll");
            assert!(reversed(&after, x, y) && !reversed(&after, x, last.1), "{size:?}");
        }
        // The header, the panel's border and the note line under the table select nothing.
        let buf = draw(&app, size.0, size.1);
        let selected = app.runs().selected;
        let (hx, hy) = find(&buf, "run").expect("the header");
        for (cx, cy) in [(hx, hy), (hx, hy - 1), (hx, last.1 + 1)] {
            click(&mut app, size, cx, cy);
            assert_eq!((app.runs().selected, app.view()), (selected, View::Runs), "({cx}, {cy})");
        }
        // The keys go on from the clicked run.
        press(&mut app, KeyCode::Up).unwrap();
        assert_eq!(app.runs().selected, selected - 1);
    }
}
