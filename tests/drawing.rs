//! A digit drawn by hand, as the Draw view draws it, classified by a W1 network trained here on the
//! bundled MNIST (3 epochs): a vertical stroke is a 1, a ring a 0, and the drawing saved as a PNG gets
//! the same answer from `digitlab predict`.

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

fn mouse(app: &mut digitlab::tui::app::App, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    let event = crossterm::event::MouseEvent { kind, column, row, modifiers: crossterm::event::KeyModifiers::NONE };
    common::tui::send(app, digitlab::tui::app::Msg::Mouse { event, screen: ratatui::layout::Rect::new(0, 0, 120, 40) });
}

/// A drag along `points` (pixel coordinates) with `button`, through the cells the canvas shows them in.
fn drag(app: &mut digitlab::tui::app::App, button: crossterm::event::MouseButton, points: &[(f32, f32)]) {
    use crossterm::event::MouseEventKind as K;
    let screen = ratatui::layout::Rect::new(0, 0, 120, 40);
    let (canvas, k) = digitlab::tui::draw::canvas_in(digitlab::tui::draw::body_of(screen));
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
