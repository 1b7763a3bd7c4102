//! The real dashboard binary on a pseudo-terminal, as a person in a terminal (or an SSH session) runs
//! it: SIGHUP, SIGTERM, Ctrl-C or a dropped connection mid-run keep the finished epochs (and, where
//! the terminal is still there, give it back as it was), and resizing down to a few cells and back
//! does not disturb training.
//!
//! What the dashboard writes is replayed into a vt100 screen, so the tests read the screen a person
//! would see (ratatui only redraws the cells that changed, so the raw bytes alone do not say it).

use crate::common;

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::num::NonZeroU16;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::read_json;
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::{Mode, OFlags};
use rustix::process::{Pid, Signal};
use rustix::pty::OpenptFlags;
use rustix::termios::{self, LocalModes, Termios, Winsize};

/// Longest any awaited screen may take; only reached when something hangs.
const DEADLINE: Duration = Duration::from_secs(180);
const ARGS: [&str; 5] = ["--layers", "16", "--epochs", "500", "--autostart"];

/// Everything the dashboard has written to the terminal.
struct Output {
    screen: vt100::Parser,
    raw: Vec<u8>,
    /// The child's side of the terminal is closed: every byte it wrote is in `raw`.
    closed: bool,
}

/// A dashboard child on a pseudo-terminal, its output drained and replayed on a thread of its own
/// (a child whose terminal nobody reads blocks on its next frame).
struct Dashboard {
    child: Child,
    /// Our end of the terminal; `None` once hung up.
    master: Option<File>,
    output: Arc<(Mutex<Output>, Condvar)>,
    /// Tells the reader to let go of its copy of the master (to hang up).
    stop_reading: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    /// The working directory: run directories go to `runs/` here.
    dir: tempfile::TempDir,
    /// The terminal's modes before the dashboard started.
    before: Termios,
}

fn winsize(cols: u16, rows: u16) -> Winsize {
    Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 }
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

/// The largest N of an "epoch N done" on the screen.
fn epoch_done(out: &Output) -> Option<usize> {
    let text = out.screen.screen().contents();
    text.match_indices("epoch ")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            rest[digits..].starts_with(" done").then(|| rest[..digits].parse().ok()).flatten()
        })
        .max()
}

fn screen_rows(out: &Output) -> Vec<String> {
    let (_, cols) = out.screen.screen().size();
    out.screen.screen().rows(0, cols.get()).collect()
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

impl Dashboard {
    fn start(cols: u16, rows: u16) -> Dashboard {
        Dashboard::start_on(cols, rows, "xterm-256color")
    }

    /// The dashboard on a terminal that calls itself `term` (no COLORTERM).
    fn start_on(cols: u16, rows: u16, term: &str) -> Dashboard {
        Dashboard::start_with(cols, rows, term, &ARGS)
    }

    fn start_with(cols: u16, rows: u16, term: &str, args: &[&str]) -> Dashboard {
        Dashboard::start_answering(cols, rows, term, args, b"")
    }

    /// As `start_with`, with `typed` already waiting on the terminal's input when the dashboard starts
    /// (a terminal's answer to its graphics query, there in time whatever the machine's load).
    fn start_answering(cols: u16, rows: u16, term: &str, args: &[&str], typed: &[u8]) -> Dashboard {
        let master = rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
        rustix::pty::grantpt(&master).unwrap();
        rustix::pty::unlockpt(&master).unwrap();
        let name = rustix::pty::ptsname(&master, Vec::new()).unwrap();
        let slave: OwnedFd = rustix::fs::open(name.as_c_str(), OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC, Mode::empty()).unwrap();
        termios::tcsetwinsize(&master, winsize(cols, rows)).unwrap();
        let before = termios::tcgetattr(&slave).unwrap();
        assert!(before.local_modes.contains(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG));
        // Echoed on the shell's screen, read by the dashboard once it is in raw mode.
        rustix::io::write(&master, typed).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_digitlab"));
        cmd.args(args)
            .current_dir(dir.path())
            .env("DIGITLAB_DATA", Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist"))
            .env("TERM", term)
            .env_remove("COLORTERM")
            .env_remove("NO_COLOR")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave))
            // Apart, so the line printed after the terminal is restored can be read as it is.
            .stderr(Stdio::piped());
        // Like a login shell's job: a session of its own with the pty as controlling terminal, so a
        // resize reaches it as SIGWINCH. Only raw system calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::setsid()?;
                rustix::process::ioctl_tiocsctty(BorrowedFd::borrow_raw(0))?;
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        // Our copies of the slave go with `cmd`: reading the master then fails (EIO) once the child
        // is gone, after every byte it wrote has been read.
        drop(cmd);

        let output = Arc::new((Mutex::new(Output { screen: vt100::Parser::new(nz(rows), nz(cols), 0), raw: Vec::new(), closed: false }), Condvar::new()));
        let mut reader = File::from(master.try_clone().unwrap());
        let shared = Arc::clone(&output);
        let stop_reading = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stop_reading);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            // Waits in short polls rather than one blocking read, so a hang-up can take this end away.
            let tick = Timespec { tv_sec: 0, tv_nsec: 20_000_000 };
            while !stop.load(Ordering::Relaxed) {
                match rustix::event::poll(&mut [PollFd::new(&reader, PollFlags::IN)], Some(&tick)) {
                    Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                    Ok(_) => {}
                    Err(_) => break,
                }
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut out = shared.0.lock().unwrap();
                        out.raw.extend_from_slice(&buf[..n]);
                        out.screen.process(&buf[..n]);
                        shared.1.notify_all();
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            shared.0.lock().unwrap().closed = true;
            shared.1.notify_all();
        });
        Dashboard { child, master: Some(File::from(master)), output, stop_reading, reader: Some(reader), dir, before }
    }

    /// Waits (woken by each chunk of output, bounded by `DEADLINE`) until `f` finds what it looks for.
    fn wait_for<T>(&self, what: &str, f: impl Fn(&Output) -> Option<T>) -> T {
        let deadline = Instant::now() + DEADLINE;
        let (lock, cv) = &*self.output;
        let mut out = lock.lock().unwrap();
        loop {
            if let Some(v) = f(&out) {
                return v;
            }
            let now = Instant::now();
            assert!(!out.closed && now < deadline, "{what}: not seen before {}; screen:\n{}", if out.closed { "the terminal closed" } else { "the deadline" }, out.screen.screen().contents());
            out = cv.wait_timeout(out, deadline - now).unwrap().0;
        }
    }

    fn wait_for_epoch(&self, after: usize) -> usize {
        self.wait_for(&format!("an epoch after {after} done"), |o| epoch_done(o).filter(|&n| n > after))
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.as_ref().unwrap().write_all(bytes).unwrap();
    }

    fn signal(&self, sig: Signal) {
        rustix::process::kill_process(Pid::from_child(&self.child), sig).unwrap();
    }

    /// Resizes the terminal and waits until the dashboard has cleared and drawn it anew at that size.
    fn resize(&self, cols: u16, rows: u16) {
        let from = {
            let mut out = self.output.0.lock().unwrap();
            out.screen.set_size(nz(rows), nz(cols));
            termios::tcsetwinsize(self.master.as_ref().unwrap(), winsize(cols, rows)).unwrap();
            out.raw.len()
        };
        // ratatui clears the whole screen when it notices a new size, then draws every cell.
        self.wait_for(&format!("a clear after resizing to {cols}x{rows}"), |o| rfind(&o.raw[from..], b"\x1b[2J").map(|_| ()));
        if cols < 60 || rows < 18 {
            let start: String = "terminal".chars().take(cols as usize * rows as usize).collect();
            self.wait_for(&format!("too small at {cols}x{rows}"), |o| {
                let text: String = screen_rows(o).concat().split_whitespace().collect();
                text.starts_with(&start).then_some(())
            });
        } else {
            self.wait_for(&format!("the dashboard at {cols}x{rows}"), |o| {
                let r = screen_rows(o);
                (r[0].starts_with("digitlab") && r[0].contains(" 2 Train ") && r[rows as usize - 1].contains("q quit")).then_some(())
            });
        }
    }

    /// The terminal's modes now.
    fn modes(&self) -> Termios {
        termios::tcgetattr(self.master.as_ref().unwrap()).unwrap()
    }

    /// Closes our end of the terminal, as sshd does when the connection drops: the kernel hangs up
    /// the child's side (SIGHUP, then reads and writes fail).
    fn hang_up(&mut self) {
        self.stop_reading.store(true, Ordering::Relaxed);
        self.reader.take().unwrap().join().unwrap();
        self.master = None;
    }

    /// Waits for the child to end and returns how it ended and its stderr.
    fn finish(&mut self) -> (ExitStatus, String) {
        let status = if self.master.is_some() {
            // Its side of the terminal closes as it exits, after every byte it wrote.
            self.wait_for("the terminal closed", |o| o.closed.then_some(()));
            self.child.wait().unwrap()
        } else {
            // Hung up: nothing to read any more, so poll (bounded) for the exit.
            let deadline = Instant::now() + DEADLINE;
            loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    break status;
                }
                assert!(Instant::now() < deadline, "still running {DEADLINE:?} after the hang-up");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        let mut err = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        (status, err)
    }

    /// After the child ended: the screen a person sees is theirs again.
    fn assert_restored(&self) {
        let out = self.output.0.lock().unwrap();
        assert!(out.closed);
        let screen = out.screen.screen();
        assert!(!screen.alternate_screen(), "left on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor left hidden");
        let raw = &out.raw;
        let entered = rfind(raw, b"\x1b[?1049h").expect("entered the alternate screen");
        let left = rfind(raw, b"\x1b[?1049l").expect("left the alternate screen");
        assert!(entered < left);
        // Every frame hides the cursor; none may come after leaving, and the cursor is shown again.
        let hidden = rfind(raw, b"\x1b[?25l").expect("frames drawn");
        assert!(hidden < left, "a frame was drawn after leaving the alternate screen");
        assert!(rfind(raw, b"\x1b[?25h").is_some_and(|shown| shown > hidden), "cursor not shown again");
        // The mouse reports were turned on (SGR, any motion) and off again before the screen was left.
        let mouse_on = rfind(raw, b"\x1b[?1006h").expect("mouse reporting turned on");
        let mouse_off = rfind(raw, b"\x1b[?1006l").expect("mouse reporting turned off");
        assert!(mouse_on < mouse_off && mouse_off < left, "mouse reporting left on");
        let tail = String::from_utf8_lossy(&raw[left..]).replace("\x1b[?1049l", "").replace("\x1b[?25h", "");
        assert!(tail.trim().is_empty(), "written after leaving: {tail:?}");
        // Raw mode ended: the line discipline has the modes it had before the dashboard started.
        let now = self.modes();
        assert_eq!(now.local_modes, self.before.local_modes);
        assert_eq!(now.input_modes, self.before.input_modes);
        assert_eq!(now.output_modes, self.before.output_modes);
        assert_eq!(now.control_modes, self.before.control_modes);
    }

    /// Run directories under `runs/`.
    fn run_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("runs")).map_or(Vec::new(), |d| d.flatten().map(|e| e.path()).collect());
        dirs.sort();
        dirs
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        // A failed test must not leave a dashboard training in the background.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn epochs_csv_rows(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("epochs.csv")).unwrap().lines().count() - 1
}

/// Starts a long run and waits for its first finished epoch on screen.
fn training() -> Dashboard {
    let d = Dashboard::start(100, 30);
    d.wait_for_epoch(0);
    let raw = d.modes();
    assert!(!raw.local_modes.intersects(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG), "the dashboard runs in raw mode");
    d
}

/// Interrupts a run with `how` and checks what was kept and that the terminal is restored.
fn interrupt_with(signal: &str, how: impl FnOnce(&mut Dashboard)) {
    let mut d = training();
    how(&mut d);
    assert_kept_as_interrupted(&mut d, signal);
    d.assert_restored();
}

/// The child ended with the shell's status for `signal` and a plain line naming what it kept: every
/// finished epoch, marked interrupted.
fn assert_kept_as_interrupted(d: &mut Dashboard, signal: &str) {
    let (status, err) = d.finish();
    let code = match signal {
        "SIGHUP" => 129,
        "SIGINT" => 130,
        "SIGTERM" => 143,
        other => panic!("{other}"),
    };
    assert_eq!((status.code(), status.signal()), (Some(code), None), "{err}");
    // "digitlab: interrupted by SIGHUP: run interrupted after N epoch(s), saved in runs/…"
    let note = err.trim().strip_prefix(&format!("digitlab: interrupted by {signal}: run interrupted after ")).unwrap_or_else(|| panic!("{err}"));
    let (n, dir) = note.split_once(" epoch(s), saved in ").unwrap_or_else(|| panic!("{err}"));
    let n: usize = n.parse().unwrap();
    let run = d.dir.path().join(dir);
    assert_eq!(d.run_dirs(), vec![run.clone()], "one run directory, the one named");
    let summary = read_json(&run.join("summary.json"));
    assert_eq!(summary["status"], "interrupted");
    let epochs = summary["epochs"].as_array().unwrap().len();
    assert!((1..500).contains(&epochs) && epochs == n, "{epochs} epochs, note says {n}");
    assert_eq!(epochs_csv_rows(&run), epochs, "epochs.csv holds every finished epoch");
    assert!(run.join("model.safetensors").is_file() && run.join("weights-grid.png").is_file());
}

#[test]
fn sighup_keeps_finished_epochs_and_restores_the_terminal() {
    interrupt_with("SIGHUP", |d| d.signal(Signal::HUP));
}

#[test]
fn sigterm_keeps_finished_epochs_and_restores_the_terminal() {
    interrupt_with("SIGTERM", |d| d.signal(Signal::TERM));
}

#[test]
fn ctrl_c_keeps_finished_epochs_and_restores_the_terminal() {
    // In raw mode Ctrl-C is a byte the dashboard reads, not a SIGINT from the line discipline.
    interrupt_with("SIGINT", |d| d.send(b"\x03"));
}

#[test]
fn a_dropped_connection_keeps_finished_epochs() {
    // Not a signal we send: the kernel's hang-up of a terminal whose other end is gone.
    let mut d = training();
    d.hang_up();
    assert_kept_as_interrupted(&mut d, "SIGHUP");
}

#[test]
fn resizing_down_to_a_few_cells_does_not_disturb_training() {
    let mut d = Dashboard::start(100, 30);
    let first = d.wait_for_epoch(0);
    for (cols, rows) in [(60, 18), (200, 50), (10, 5), (1, 1), (59, 17), (80, 24)] {
        d.resize(cols, rows);
    }
    let before = d.wait_for("an epoch on screen", epoch_done);
    assert!(before >= first);
    d.resize(10, 5);
    d.resize(100, 30);
    let later = d.wait_for_epoch(before);
    assert!(later > before);
    // q asks while training; d discards the run, as the question says, and quits.
    assert_eq!(d.run_dirs().len(), 1, "the run is on disk from its first epoch");
    d.send(b"q");
    d.wait_for("the quit question", |o| o.screen.screen().contents().contains("stop and discard this run").then_some(()));
    d.send(b"d");
    let (status, err) = d.finish();
    assert!(status.success(), "{status:?}: {err}");
    assert!(err.starts_with("digitlab: run discarded: ") && err.contains("deleted"), "{err}");
    assert!(d.run_dirs().is_empty(), "{:?}", d.run_dirs());
    d.assert_restored();
}

/// Whether `raw` holds a 24-bit color code (`ESC [ 38;2;r;g;b m` or `48;2;…`), possibly among others.
fn has_truecolor(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    text.split('\x1b').any(|seq| seq.starts_with('[') && (seq.contains("38;2;") || seq.contains("48;2;")))
}

#[test]
fn a_16_color_terminal_gets_no_24_bit_color_codes() {
    let mut d = Dashboard::start_on(120, 40, "xterm");
    d.wait_for_epoch(0);
    // The Weights view draws each neuron in RGB half blocks; Results, the confusion heat.
    for key in [b"4", b"3", b"4"] {
        d.send(key);
        let from = d.output.0.lock().unwrap().raw.len();
        d.wait_for("a redraw", |o| (o.raw.len() > from).then_some(()));
    }
    d.wait_for("the Weights view", |o| o.screen.screen().contents().contains("neuron 0 (0–15").then_some(()));
    let raw = d.output.0.lock().unwrap().raw.clone();
    assert!(raw.windows(2).any(|w| w == b"\x1b["), "the dashboard drew");
    assert!(!has_truecolor(&raw), "24-bit color sent to TERM=xterm");
    d.send(b"q");
    d.wait_for("the quit question", |o| o.screen.screen().contents().contains("discard this run").then_some(()));
    d.send(b"s");
    let (status, err) = d.finish();
    assert!(status.success(), "{err}");
    d.assert_restored();
    // The checker itself sees such a code.
    assert!(has_truecolor(b"\x1b[1;38;2;255;0;0mX"));
}

#[test]
fn a_dumb_terminal_is_refused_in_words() {
    let mut d = Dashboard::start_on(80, 24, "dumb");
    let (status, err) = d.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("TERM=dumb") && err.contains("digitlab train"), "{err}");
    assert!(d.output.0.lock().unwrap().raw.is_empty(), "nothing was drawn");
}

/// Every picture protocol's opening: kitty's transmission, sixel's device control string, iTerm2's file.
const PICTURES: [&[u8]; 3] = [b"\x1b_Gq=2", b"\x1bP", b"1337;File="];
/// The last thing the graphics query asks: the status report every terminal answers.
const QUERY_END: &[u8] = b"\x1b[5n";
/// What a kitty terminal answers (graphics, compressed graphics, attributes, 10x20 px cells, status).
const KITTY_ANSWER: &[u8] = b"\x1b_Gi=31;OK\x1b\\\x1b_Gi=32;OK\x1b\\\x1b[?62;22c\x1b[6;20;10t\x1b[0n";

/// The screen's text with every cell's colors and attributes, row by row.
fn formatted(screen: &vt100::Screen) -> String {
    let (rows, cols) = screen.size();
    let mut s = String::new();
    for r in 0..rows.get() {
        for c in 0..cols.get() {
            if let Some(cell) = screen.cell(r, c) {
                s.push_str(&format!("{}{:?}{:?}{}{}|", cell.contents(), cell.fgcolor(), cell.bgcolor(), cell.bold(), cell.inverse()));
            }
        }
        s.push('\n');
    }
    s
}

fn pictures_in(raw: &[u8]) -> Vec<String> {
    PICTURES.iter().filter(|p| rfind(raw, p).is_some()).map(|p| String::from_utf8_lossy(p).escape_debug().to_string()).collect()
}

/// Draw view, pen down, a stroke of six pixels, pen up: the network's input picture is shown.
fn draw_a_stroke(d: &mut Dashboard) {
    d.wait_for("the first frame", |o| screen_rows(o)[0].starts_with("digitlab").then_some(()));
    d.send(b"6");
    d.wait_for("the Draw view", |o| o.screen.screen().contents().contains("pen up").then_some(()));
    d.send(b" jjjjjj ");
    d.wait_for("the drawing read, the pen up again", |o| {
        let text = o.screen.screen().contents();
        (text.contains("No network yet") && text.contains("pen up")).then_some(())
    });
}

fn quit(d: &mut Dashboard) {
    d.send(b"q");
    let (status, err) = d.finish();
    assert!(status.success(), "{err}");
    d.assert_restored();
}

#[test]
fn a_terminal_that_does_not_answer_gets_exactly_the_text_pictures() {
    let mut none = Dashboard::start_with(120, 40, "xterm-256color", &["--graphics", "none"]);
    let mut auto = Dashboard::start_with(120, 40, "xterm-256color", &[]);
    for d in [&mut none, &mut auto] {
        draw_a_stroke(d);
    }
    let seen = |d: &Dashboard| {
        let out = d.output.0.lock().unwrap();
        (formatted(out.screen.screen()), out.raw.clone())
    };
    let ((none_screen, none_raw), (auto_screen, auto_raw)) = (seen(&none), seen(&auto));
    assert!(rfind(&auto_raw, QUERY_END).is_some(), "auto asks the terminal");
    assert!(rfind(&none_raw, QUERY_END).is_none() && rfind(&none_raw, b"\x1b_G").is_none(), "--graphics none asks nothing");
    assert!(none.output.0.lock().unwrap().screen.screen().contents().contains("No network yet"));
    let differing: Vec<(usize, &str, &str)> = auto_screen.lines().zip(none_screen.lines()).enumerate().filter(|(_, (a, b))| a != b).map(|(i, (a, b))| (i, a, b)).collect();
    assert!(differing.is_empty(), "rows differ (cell|colors): {:?}", differing.iter().map(|(i, a, b)| (i, &a[..a.len().min(300)], &b[..b.len().min(300)])).collect::<Vec<_>>());
    assert_eq!(auto_screen, none_screen, "same cells, same colors");
    for raw in [&none_raw, &auto_raw] {
        assert!(pictures_in(raw).is_empty(), "pictures sent: {:?}", pictures_in(raw));
    }
    quit(&mut none);
    quit(&mut auto);
}

#[test]
fn a_kitty_terminal_gets_the_drawing_in_pixels() {
    let mut d = Dashboard::start_answering(120, 40, "xterm-256color", &[], KITTY_ANSWER);
    draw_a_stroke(&mut d);
    // The network's input (28x28) as kitty's unicode placeholders over 28x14 cells of 10x20 px.
    let raw = d.wait_for("a kitty picture", |o| rfind(&o.raw, b"\x1b_Gq=2").map(|_| o.raw.clone()));
    // The first chunk of the transmission carries its header.
    let from = raw.windows(6).position(|w| w == b"\x1b_Gq=2").unwrap();
    let header = String::from_utf8_lossy(&raw[from..from + 80]).to_string();
    assert!(header.contains("a=T") && header.contains("U=1") && header.contains("s=280,v=280"), "{header:?}");
    assert!(header.contains("o=z"), "compressed, as the terminal said it inflates: {header:?}");
    assert!(rfind(&raw, "\u{10EEEE}".as_bytes()).is_some(), "placeholder cells drawn");
    // The placeholders name their picture by a 24-bit color, so a kitty terminal gets full colors
    // even without COLORTERM.
    assert!(has_truecolor(&raw));
    assert_eq!(pictures_in(&raw), vec!["\\u{1b}_Gq=2"], "one protocol only");
    quit(&mut d);
}

#[test]
fn a_sixel_terminal_gets_the_drawing_in_pixels() {
    // xterm -ti vt340: sixel in its device attributes, 9x18 px cells.
    let mut d = Dashboard::start_answering(120, 40, "xterm-256color", &[], b"\x1b[?63;1;2;4;6;9;15;22c\x1b[6;18;9t\x1b[0n");
    draw_a_stroke(&mut d);
    let raw = d.wait_for("a sixel picture", |o| rfind(&o.raw, b"\x1bP").map(|_| o.raw.clone()));
    let from = rfind(&raw, b"\x1bP").unwrap();
    let dcs = &raw[from..];
    let end = dcs.windows(2).position(|w| w == b"\x1b\\").expect("the picture ends");
    let body = String::from_utf8_lossy(&dcs[..end]);
    // Raster attributes: 28 cells of 9 px by 14 cells of 18 px.
    assert!(body.contains("\"1;1;252;252"), "{}", &body[..body.len().min(80)]);
    assert!(!has_truecolor(&raw), "sixel does not need 24-bit text colors");
    quit(&mut d);
}

#[test]
fn a_late_answer_is_not_taken_for_keys() {
    let mut d = Dashboard::start_with(120, 40, "xterm-256color", &[]);
    d.wait_for("the first frame", |o| screen_rows(o)[0].starts_with("digitlab").then_some(()));
    d.send(b"6");
    d.wait_for("the Draw view", |o| o.screen.screen().contents().contains("brush 1.0 px").then_some(()));
    // Past the query's wait (the first frame comes after it). As keys, the answer's "=" would grow the
    // brush, its "3" and "1" switch to Results and on to Setup. "x" after it shows "eraser" in Draw's title
    // once every key before it was handled.
    d.send(KITTY_ANSWER);
    d.send(b"x");
    let stayed = d.wait_for("the eraser, or Draw left", |o| {
        let text = o.screen.screen().contents();
        // The panel's title; the footer always names the eraser key.
        if text.contains("pen up · eraser") {
            Some(text.contains("brush 1.0 px"))
        } else {
            (!text.contains("brush ")).then_some(false)
        }
    });
    assert!(stayed, "the late answer acted as keys:\n{}", d.output.0.lock().unwrap().screen.screen().contents());
    let raw = d.output.0.lock().unwrap().raw.clone();
    assert!(pictures_in(&raw).is_empty(), "a late answer changes nothing: {:?}", pictures_in(&raw));
    quit(&mut d);
}

/// A key typed before the dashboard is up (a quick typist, a slow SSH link) is not swallowed by the
/// terminal query that reads the input at start: `q` typed ahead quits the dashboard.
#[test]
fn a_key_typed_ahead_is_not_lost() {
    let mut d = Dashboard::start_answering(100, 30, "xterm-256color", &[], b"q");
    let (status, err) = d.finish();
    assert!(status.success(), "{status:?}: {err}");
}
