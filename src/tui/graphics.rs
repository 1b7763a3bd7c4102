//! Real pixels where the terminal can show them (kitty graphics, sixel, iTerm2 inline images), drawn by
//! ratatui-image's protocols; everywhere else the half-block and ASCII pictures stay, cell for cell.
//!
//! The query is ours rather than ratatui-image's `Picker`: it must never wait longer than
//! [`QUERY_LIMIT`], must not leave a thread reading stdin behind (it would eat the first keys), and must
//! not change the user's tmux settings (the Picker turns passthrough on). Inside tmux the question goes
//! to tmux itself, which answers for what it draws (sixel, when built with it); kitty or iTerm2 through
//! tmux's passthrough only when asked for with `--graphics`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;
use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions, Response};
use ratatui_image::protocol::{iterm2::Iterm2, kitty::Kitty, sixel::Sixel, Protocol};

use crate::viz::{diverging_rgb, resample, GrayImage};

/// The longest the dashboard waits for the terminal's answer before its first frame.
pub const QUERY_LIMIT: Duration = Duration::from_millis(100);

/// `--graphics`: find out, force a protocol, or keep to text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::Display, strum::VariantNames)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Choice {
    #[default]
    Auto,
    Kitty,
    Sixel,
    Iterm2,
    None,
}

/// A way to put pixels on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kitty,
    Sixel,
    Iterm2,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Kitty => "kitty graphics",
            Kind::Sixel => "sixel",
            Kind::Iterm2 => "iTerm2 inline images",
        }
    }
}

/// How a picture's levels are colored: as they are (gray), or blue through white to red (signed
/// weights), as the half blocks color them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colors {
    Gray,
    Diverging,
}

/// What the terminal said to the query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    pub kitty: bool,
    /// Kitty inflates zlib-compressed pictures (`o=z`): a weight picture then costs a few KB, not MBs.
    pub kitty_compression: bool,
    pub sixel: bool,
    /// Pixels per cell, width × height.
    pub cell: Option<(u16, u16)>,
    /// The closing status report came: nothing more is on its way.
    pub complete: bool,
}

impl Answers {
    pub fn parse(bytes: &[u8]) -> Answers {
        let mut parser = Parser::new();
        let mut a = Answers::default();
        for &b in bytes {
            for r in parser.push(char::from(b)) {
                match r {
                    Response::Kitty => a.kitty = true,
                    Response::KittyCompression => a.kitty_compression = true,
                    Response::Sixel => a.sixel = true,
                    Response::CellSize(c) => a.cell = a.cell.or(c),
                    Response::Status => a.complete = true,
                    _ => {}
                }
            }
        }
        a
    }
}

/// What the environment says of the terminal (over SSH most of it is not passed on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// Inside tmux: what answers is tmux, and other protocols need its passthrough.
    pub tmux: bool,
    /// iTerm2, WezTerm and friends show iTerm2 inline images but do not say so when asked.
    pub iterm2: bool,
    /// WezTerm and Konsole answer for kitty and sixel but draw them badly (ratatui-image's findings).
    pub avoid_kitty_sixel: bool,
}

impl Hints {
    pub fn from_env() -> Hints {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let program = var("TERM_PROGRAM").unwrap_or_default();
        Hints {
            tmux: var("TMUX").is_some() || program == "tmux",
            iterm2: ["iTerm", "WezTerm", "mintty", "vscode", "Tabby", "Hyper", "rio"].iter().any(|p| program.contains(p)),
            avoid_kitty_sixel: var("WEZTERM_EXECUTABLE").is_some() || var("KONSOLE_VERSION").is_some(),
        }
    }
}

/// A cell size to draw with when the terminal said none but the protocol scales on its own (kitty).
const USUAL_CELL: (u16, u16) = (10, 20);

/// The protocol to draw with and the cell size in pixels, or `None` for today's text pictures.
/// `window_cell` is the size the terminal reports through the window-size ioctl, if any.
pub fn decide(choice: Choice, answers: &Answers, hints: Hints, window_cell: Option<(u16, u16)>) -> Option<(Kind, (u16, u16))> {
    let cell = answers.cell.or(window_cell);
    let forced = |k| Some((k, cell.unwrap_or(USUAL_CELL)));
    match choice {
        Choice::None => None,
        Choice::Kitty => forced(Kind::Kitty),
        Choice::Sixel => forced(Kind::Sixel),
        Choice::Iterm2 => forced(Kind::Iterm2),
        Choice::Auto if answers.kitty && !hints.avoid_kitty_sixel => forced(Kind::Kitty),
        // Sixel and iTerm2 pictures are sized in pixels: without the cell size they would spill over.
        Choice::Auto if answers.sixel && !hints.avoid_kitty_sixel => cell.map(|c| (Kind::Sixel, c)),
        Choice::Auto if hints.iterm2 && !hints.tmux => cell.map(|c| (Kind::Iterm2, c)),
        Choice::Auto => None,
    }
}

/// Asks the terminal (the dashboard's raw-mode stdin and stdout) what it can show, waiting at most
/// `limit`. A terminal that does not answer in time gets text pictures; its late answer is taken out
/// of the keys by [`LateReplies`].
pub fn detect(choice: Choice, limit: Duration) -> (Graphics, Vec<KeyEvent>) {
    if choice == Choice::None {
        return (Graphics::text(), Vec::new());
    }
    let started = Instant::now();
    let hints = Hints::from_env();
    let (answers, typed) = if std::io::stdin().is_terminal() { ask(limit).unwrap_or_default() } else { Default::default() };
    (detected(choice, answers, hints, started), typed_keys(&typed))
}

/// What [`detect`] finds from the terminal's `answers`.
fn detected(choice: Choice, answers: Answers, hints: Hints, started: Instant) -> Graphics {
    let window_cell = crossterm::terminal::window_size()
        .ok()
        .filter(|w| w.width > 0 && w.height > 0 && w.columns > 0 && w.rows > 0)
        .map(|w| (w.width / w.columns, w.height / w.rows))
        .filter(|&(w, h)| w > 0 && h > 0);
    let took = started.elapsed();
    match decide(choice, &answers, hints, window_cell) {
        Some((kind, cell)) => Graphics {
            kind: Some(kind),
            cell,
            // A forced protocol inside tmux goes through its passthrough; what tmux answered for
            // (sixel) it draws itself.
            passthrough: hints.tmux && choice != Choice::Auto,
            compress: answers.kitty_compression,
            took,
            cache: RefCell::default(),
        },
        None => Graphics { took, ..Graphics::text() },
    }
}

/// Writes the query and reads the answers until the closing status report or `limit`; also gives the
/// bytes that came before the first answer: keys the user typed ahead while the dashboard started.
fn ask(limit: Duration) -> std::io::Result<(Answers, Vec<u8>)> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let query = Parser::query(false, QueryStdioOptions { kitty_compression: true, ..QueryStdioOptions::default() });
    let mut out = std::io::stdout();
    out.write_all(query.as_bytes())?;
    out.flush()?;
    let stdin = std::io::stdin();
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 256];
    // An answer is a few dozen bytes; more than this is not an answer.
    while bytes.len() < 4096 {
        let Some(left) = limit.checked_sub(started.elapsed()).filter(|d| !d.is_zero()) else { break };
        let timeout = Timespec::try_from(left).ok();
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        if poll(&mut fds, timeout.as_ref())? == 0 {
            break;
        }
        let n = rustix::io::read(&stdin, &mut chunk)?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if Answers::parse(&bytes).complete {
            break;
        }
    }
    let answers_start = bytes.iter().position(|&b| b == 0x1b).unwrap_or(bytes.len());
    Ok((Answers::parse(&bytes), bytes[..answers_start].to_vec()))
}

/// Keys typed ahead, from their bytes: printable ASCII, Enter, Tab, Backspace and Ctrl-letters, what
/// a key typed before the dashboard was up can be (the answers start at the first escape byte).
pub fn typed_keys(bytes: &[u8]) -> Vec<KeyEvent> {
    bytes
        .iter()
        .filter_map(|&b| match b {
            b'\r' | b'\n' => Some(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            b'\t' => Some(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
            0x7f | 0x08 => Some(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            0x01..=0x1a => Some(KeyEvent::new(KeyCode::Char(char::from(b - 1 + b'a')), KeyModifiers::CONTROL)),
            0x20..=0x7e => Some(KeyEvent::new(KeyCode::Char(char::from(b)), KeyModifiers::NONE)),
            _ => None,
        })
        .collect()
}

/// Takes a late kitty answer (`ESC _ G … ESC \`, read by crossterm as Alt+_, G, …, Alt+\) out of the
/// keys, so an answer that came after [`QUERY_LIMIT`] never acts as keys (3 would switch views).
/// Everything else passes unchanged; an Alt+_ not followed by G is given back as typed.
#[derive(Debug, Default)]
pub struct LateReplies {
    state: Late,
}

#[derive(Debug, Default)]
enum Late {
    #[default]
    Idle,
    Opened(KeyEvent),
    Inside(usize),
}

impl LateReplies {
    pub fn sift(&mut self, key: KeyEvent) -> Vec<KeyEvent> {
        let alt = |c: char| key.code == KeyCode::Char(c) && key.modifiers.contains(KeyModifiers::ALT);
        match std::mem::take(&mut self.state) {
            Late::Idle if alt('_') => {
                self.state = Late::Opened(key);
                Vec::new()
            }
            Late::Idle => vec![key],
            Late::Opened(_) if key.code == KeyCode::Char('G') => {
                self.state = Late::Inside(0);
                Vec::new()
            }
            Late::Opened(held) => vec![held, key],
            Late::Inside(_) if alt('\\') => Vec::new(),
            // An answer is short; a run this long was typed, and the keys from here on count.
            Late::Inside(n) if n >= 64 => vec![key],
            Late::Inside(n) => {
                self.state = Late::Inside(n + 1);
                Vec::new()
            }
        }
    }
}

/// How pictures reach the terminal, and the pictures already encoded for it.
pub struct Graphics {
    kind: Option<Kind>,
    /// Pixels per cell, width × height.
    cell: (u16, u16),
    passthrough: bool,
    compress: bool,
    /// How long finding out took.
    took: Duration,
    /// Encoded pictures by content and size: encoding (PNG, sixel) is done once per picture, not per
    /// frame, and kitty is sent each picture once. Rendering stays a function of the state.
    cache: RefCell<HashMap<u64, Protocol>>,
}

/// Encoded pictures kept; past this the cache starts again (a weights grid holds a few hundred).
const CACHE_LIMIT: usize = 1024;

impl std::fmt::Debug for Graphics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graphics").field("kind", &self.kind).field("cell", &self.cell).field("cached", &self.cache.borrow().len()).finish()
    }
}

impl Default for Graphics {
    fn default() -> Graphics {
        Graphics::text()
    }
}

impl Graphics {
    /// Text pictures only: half blocks and the ASCII ramp.
    pub fn text() -> Graphics {
        Graphics { kind: None, cell: USUAL_CELL, passthrough: false, compress: false, took: Duration::ZERO, cache: RefCell::default() }
    }

    /// Pixels with `kind`, cells of `cell` pixels (tests and forced choices).
    pub fn with(kind: Kind, cell: (u16, u16)) -> Graphics {
        Graphics { kind: Some(kind), cell, ..Graphics::text() }
    }

    pub fn kind(&self) -> Option<Kind> {
        self.kind
    }

    /// How long the terminal query took.
    pub fn took(&self) -> Duration {
        self.took
    }

    /// Pictures that are part of the screen's cells (sixel, iTerm2) stay where text was drawn over them
    /// unless the screen is drawn anew when an overlay closes or the view changes.
    pub fn needs_full_redraws(&self) -> bool {
        matches!(self.kind, Some(Kind::Sixel | Kind::Iterm2))
    }

    /// One line for the help overlay.
    pub fn describe(&self) -> String {
        match self.kind {
            Some(k) => format!("pictures: {} ({}x{} px cells); --graphics none: text", k.name(), self.cell.0, self.cell.1),
            None => "pictures: text; --graphics kitty|sixel|iterm2 forces pixels".into(),
        }
    }

    /// Draws `image` in real pixels filling `area`, gray or on the blue-white-red map (`colors`);
    /// false when it is for the text picture to draw (no protocol, an empty area, or a picture that
    /// could not be encoded).
    pub fn draw(&self, image: &GrayImage, colors: Colors, area: Rect, buf: &mut Buffer) -> bool {
        let Some(kind) = self.kind else { return false };
        let area = area.intersection(buf.area);
        if area.is_empty() || image.width == 0 || image.height == 0 {
            return false;
        }
        let key = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (image.width, image.height, &image.pixels, colors, area.width, area.height).hash(&mut h);
            h.finish()
        };
        let mut cache = self.cache.borrow_mut();
        if !cache.contains_key(&key) {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            let Some(p) = self.encode(kind, image, colors, Size::new(area.width, area.height)) else { return false };
            cache.insert(key, p);
        }
        ratatui_image::Image::new(&cache[&key]).render(area, buf);
        true
    }

    /// The picture at the area's size in pixels (nearest pixel when enlarging: crisp squares, as the
    /// network sees them), colored as the half blocks would be.
    fn encode(&self, kind: Kind, image: &GrayImage, colors: Colors, size: Size) -> Option<Protocol> {
        let (w, h) = (size.width as usize * self.cell.0 as usize, size.height as usize * self.cell.1 as usize);
        let px = resample(image, w, h);
        let rgb: Vec<u8> = px
            .pixels
            .iter()
            .flat_map(|&v| match colors {
                Colors::Diverging => {
                    let (r, g, b) = diverging_rgb(v);
                    [r, g, b]
                }
                Colors::Gray => [v, v, v],
            })
            .collect();
        let picture = image::DynamicImage::ImageRgb8(image::RgbImage::from_raw(w as u32, h as u32, rgb)?);
        let tmux = self.passthrough;
        match kind {
            Kind::Kitty => Kitty::new(picture, size, rand::random::<u32>() | 1, tmux, self.compress).ok().map(Protocol::Kitty),
            Kind::Sixel => Sixel::new(picture, size, tmux).ok().map(Protocol::Sixel),
            Kind::Iterm2 => Iterm2::new(picture, size, tmux).ok().map(Protocol::ITerm2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys typed ahead come back as the keys they were; the answers' escape sequences are not keys.
    #[test]
    fn keys_typed_ahead_are_read_back_from_their_bytes() {
        use crossterm::event::{KeyCode as C, KeyModifiers as M};
        let k = |c, m| KeyEvent::new(c, m);
        assert_eq!(
            typed_keys(b"q3\r\t\x7f\x03 "),
            vec![k(C::Char('q'), M::NONE), k(C::Char('3'), M::NONE), k(C::Enter, M::NONE), k(C::Tab, M::NONE), k(C::Backspace, M::NONE), k(C::Char('c'), M::CONTROL), k(C::Char(' '), M::NONE)]
        );
        assert!(typed_keys(b"\x1b\xff").is_empty());
    }

    fn key(c: char, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), m)
    }

    #[test]
    fn answers_are_read_from_what_terminals_send() {
        let kitty = Answers::parse(b"\x1b_Gi=31;OK\x1b\\\x1b_Gi=32;OK\x1b\\\x1b[?62;22c\x1b[6;20;10t\x1b[0n");
        assert_eq!(kitty, Answers { kitty: true, kitty_compression: true, sixel: false, cell: Some((10, 20)), complete: true });
        // xterm -ti vt340: sixel in the device attributes, no kitty answer.
        let xterm = Answers::parse(b"\x1b[?63;1;2;4;6;9;15;22c\x1b[6;17;9t\x1b[0n");
        assert!(xterm.sixel && !xterm.kitty && xterm.complete);
        assert_eq!(xterm.cell, Some((9, 17)));
        // tmux without sixel: attributes and status, nothing else.
        let tmux = Answers::parse(b"\x1b[?1;2c\x1b[0n");
        assert!(!tmux.sixel && !tmux.kitty && tmux.cell.is_none() && tmux.complete);
        assert_eq!(Answers::parse(b""), Answers::default());
        assert!(!Answers::parse(b"\x1b[?1;2c").complete, "no status report yet");
    }

    #[test]
    fn the_choice_follows_the_answers_and_the_flag() {
        let kitty = Answers::parse(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4c\x1b[0n");
        let sixel = Answers::parse(b"\x1b[?62;4c\x1b[6;20;10t\x1b[0n");
        let sixel_no_size = Answers::parse(b"\x1b[?62;4c\x1b[0n");
        let none = Answers::default();
        let plain = Hints::default();
        assert_eq!(decide(Choice::Auto, &kitty, plain, None), Some((Kind::Kitty, USUAL_CELL)), "kitty before sixel");
        assert_eq!(decide(Choice::Auto, &sixel, plain, None), Some((Kind::Sixel, (10, 20))));
        assert_eq!(decide(Choice::Auto, &sixel_no_size, plain, None), None, "sixel needs the cell size");
        assert_eq!(decide(Choice::Auto, &sixel_no_size, plain, Some((8, 16))), Some((Kind::Sixel, (8, 16))));
        assert_eq!(decide(Choice::Auto, &none, plain, Some((8, 16))), None, "no answer: text");
        assert_eq!(decide(Choice::None, &kitty, plain, None), None);
        assert_eq!(decide(Choice::Sixel, &none, plain, None), Some((Kind::Sixel, USUAL_CELL)), "forced");
        let wezterm = Hints { iterm2: true, avoid_kitty_sixel: true, tmux: false };
        assert_eq!(decide(Choice::Auto, &kitty, wezterm, Some((9, 18))), Some((Kind::Iterm2, (9, 18))));
        assert_eq!(decide(Choice::Auto, &none, Hints { tmux: true, ..wezterm }, Some((9, 18))), None, "iTerm2 in tmux only when forced");
        assert_eq!("SIXEL".parse::<Choice>(), Ok(Choice::Sixel));
        assert!("png".parse::<Choice>().is_err());
    }

    #[test]
    fn a_late_kitty_answer_is_taken_out_of_the_keys() {
        let mut late = LateReplies::default();
        let none = KeyModifiers::NONE;
        let mut passed = Vec::new();
        let answer = [key('_', KeyModifiers::ALT), key('G', KeyModifiers::SHIFT)]
            .into_iter()
            .chain("i=31;OK".chars().map(|c| key(c, none)))
            .chain([key('\\', KeyModifiers::ALT), key('3', none)]);
        for k in answer {
            passed.extend(late.sift(k));
        }
        assert_eq!(passed, vec![key('3', none)], "only the key typed after the answer");
        // Alt+_ typed on its own is given back with the next key.
        assert_eq!(late.sift(key('_', KeyModifiers::ALT)), vec![]);
        assert_eq!(late.sift(key('x', none)), vec![key('_', KeyModifiers::ALT), key('x', none)]);
    }

    fn ring() -> GrayImage {
        let mut img = GrayImage::new(28, 28, 0);
        for y in 0..28usize {
            for x in 0..28usize {
                let d = ((x as f32 - 13.5).powi(2) + (y as f32 - 13.5).powi(2)).sqrt();
                if (7.0..10.0).contains(&d) {
                    img.pixels[y * 28 + x] = 255;
                }
            }
        }
        img
    }

    #[test]
    fn each_protocol_writes_its_picture_once_encoded() {
        let area = Rect::new(2, 1, 28, 14);
        for (kind, start) in [(Kind::Kitty, "\x1b_G"), (Kind::Sixel, "\x1bP"), (Kind::Iterm2, "\x1b]1337;File=")] {
            let g = Graphics::with(kind, (10, 20));
            let mut buf = Buffer::empty(Rect::new(0, 0, 40, 20));
            assert!(g.draw(&ring(), Colors::Gray, area, &mut buf), "{kind:?}");
            assert!(buf[(2, 1)].symbol().contains(start), "{kind:?}: the first cell carries the picture");
            assert_eq!(buf[(0, 0)].symbol(), " ", "{kind:?}: nothing outside the area");
            // The same picture again comes from the cache; another picture is encoded anew.
            assert!(g.draw(&ring(), Colors::Gray, area, &mut buf));
            assert_eq!(g.cache.borrow().len(), 1);
            assert!(g.draw(&GrayImage::new(28, 28, 9), Colors::Gray, area, &mut buf));
            assert_eq!(g.cache.borrow().len(), 2);
        }
        // Text pictures are left to the half blocks and the ramp.
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 20));
        assert!(!Graphics::text().draw(&ring(), Colors::Gray, area, &mut buf));
        assert_eq!(buf, Buffer::empty(Rect::new(0, 0, 40, 20)));
    }

    #[test]
    fn pixels_are_the_pictures_own_enlarged() {
        // The sent picture for iTerm2 is a PNG: decode it and look at the pixels.
        let g = Graphics::with(Kind::Iterm2, (10, 20));
        let mut buf = Buffer::empty(Rect::new(0, 0, 28, 14));
        assert!(g.draw(&ring(), Colors::Gray, buf.area, &mut buf));
        let seq = buf[(0, 0)].symbol().to_string();
        let file = &seq[seq.find("]1337;File=").expect("an inline image")..];
        let b64 = file.split(':').nth(1).and_then(|s| s.split('\x07').next()).expect("payload");
        let png = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).expect("base64");
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).expect("a PNG").to_luma8();
        assert_eq!(img.dimensions(), (280, 280), "28 x 14 cells of 10 x 20 pixels");
        // Pixel (x, y) of the ring is the 10 x 10 square at (10x, 10y).
        let src = ring();
        for (x, y) in [(0, 0), (13, 4), (4, 13), (13, 13), (20, 20)] {
            for (dx, dy) in [(0, 0), (9, 9)] {
                assert_eq!(img.get_pixel(10 * x + dx, 10 * y + dy).0[0], src.get(x as usize, y as usize), "({x}, {y})");
            }
        }
    }
}
