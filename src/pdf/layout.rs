//! Blocks → pages of placed text, lines, boxes and pictures. Pure: sizes come from the fonts and the
//! pictures' pixel sizes, nothing is drawn here. Lines break at spaces (a word wider than the line at
//! any character), tables shrink their type until their columns fit the page and repeat their header
//! on every page they continue on, pictures fit the text width and never run off a page.

use super::fonts::{Face, Fonts};
use super::markdown::{Align, Block, Span, Style};

pub type Color = (u8, u8, u8);

pub const INK: Color = (25, 25, 25);
pub const MUTED: Color = (95, 95, 95);
pub const RULE: Color = (175, 175, 175);
pub const HEADER_FILL: Color = (232, 236, 242);
pub const CODE_FILL: Color = (243, 243, 243);
pub const MISSING: Color = (170, 40, 40);

const BODY: f32 = 10.0;
const LEADING: f32 = 1.35;
/// Type sizes a table tries, largest first, until its columns fit the text width.
const TABLE_SIZES: [f32; 6] = [9.0, 8.5, 8.0, 7.5, 7.0, 6.5];
const CELL_PAD: f32 = 3.0;
/// A picture is drawn at most this many pt per pixel (96 dpi), so small pictures are not blown up.
const MAX_PT_PER_PX: f32 = 0.75;
/// The largest share of a page's text height a picture takes.
const MAX_PICTURE_SHARE: f32 = 0.72;
/// A paragraph that introduces a picture keeps at least this much of the picture on its page.
const INTRO_KEEPS: f32 = 160.0;

/// Page size and margin, in pt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
}

impl Geometry {
    pub fn text_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }
    fn top(&self) -> f32 {
        self.margin
    }
    /// Where text ends; the footer sits below.
    fn bottom(&self) -> f32 {
        self.height - self.margin
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `y` is the baseline.
    Text { x: f32, y: f32, size: f32, face: Face, color: Color, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, fill: Option<Color>, stroke: Option<(Color, f32)> },
    Line { from: (f32, f32), to: (f32, f32), width: f32, color: Color },
    /// Picture number `index` (as the caller's picture lookup numbered it) in the box.
    Picture { x: f32, y: f32, w: f32, h: f32, index: usize },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
}

/// A heading and where it landed, for the PDF's outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub page: usize,
    pub y: f32,
}

#[derive(Debug, Clone, Default)]
pub struct Laid {
    pub pages: Vec<Page>,
    pub headings: Vec<Heading>,
    /// Pictures the text names that could not be shown (each once).
    pub missing: Vec<String>,
    /// The smallest type size a table needed, when one had to shrink below the body size.
    pub smallest_table_size: Option<f32>,
}

/// A picture's index for [`Item::Picture`] and its size in pixels.
pub type PictureInfo = (usize, u32, u32);

/// A piece of a word in one face and size.
#[derive(Debug, Clone)]
struct Frag {
    text: String,
    face: Face,
    size: f32,
    color: Color,
}

#[derive(Debug, Clone)]
struct Word {
    frags: Vec<Frag>,
    space_before: bool,
    break_before: bool,
    width: f32,
}

/// A laid-out line: fragments at x offsets from the line's start.
#[derive(Debug, Clone, Default)]
struct Line {
    frags: Vec<(f32, Frag)>,
    width: f32,
    size: f32,
}

fn face_of(style: Style, base: Face) -> Face {
    if style.code {
        Face::Mono
    } else if style.bold {
        Face::Bold
    } else if style.italic || base == Face::Italic {
        Face::Italic
    } else {
        base
    }
}

/// The words of `spans` set in `base` at `size`; code is set a little smaller, as monospace looks larger.
fn words(fonts: &Fonts, spans: &[Span], base: Face, size: f32, color: Color) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let (mut space, mut brk) = (false, false);
    for span in spans {
        let face = face_of(span.style, base);
        let size = if span.style.code { size * 0.9 } else { size };
        for c in fonts.printable(face, &span.text).chars() {
            if c == '\n' {
                brk = true;
                continue;
            }
            // A no-break space (between a number and its unit) joins words.
            if c.is_whitespace() && c != '\u{a0}' {
                space = true;
                continue;
            }
            if out.is_empty() || space || brk {
                out.push(Word { frags: Vec::new(), space_before: space && !brk, break_before: brk, width: 0.0 });
                space = false;
                brk = false;
            }
            let word = out.last_mut().expect("a word was just pushed");
            match word.frags.last_mut() {
                Some(f) if f.face == face && f.size == size => f.text.push(c),
                _ => word.frags.push(Frag { text: c.to_string(), face, size, color }),
            }
        }
    }
    // No line starts with a percent sign: "95.2 %" stays together.
    let mut joined: Vec<Word> = Vec::with_capacity(out.len());
    for w in out {
        match joined.last_mut() {
            Some(prev) if w.space_before && w.frags.first().is_some_and(|f| f.text.starts_with('%')) => {
                let first = &w.frags[0];
                prev.frags.push(Frag { text: " ".into(), ..first.clone() });
                prev.frags.extend(w.frags);
            }
            _ => joined.push(w),
        }
    }
    for w in &mut joined {
        w.width = w.frags.iter().map(|f| fonts.width(f.face, f.size, &f.text)).sum();
    }
    joined
}

/// `word` cut into pieces no wider than `max` (at least one character each).
fn split_word(fonts: &Fonts, word: &Word, max: f32) -> Vec<Word> {
    let mut pieces: Vec<Word> = Vec::new();
    let mut cur = Word { frags: Vec::new(), space_before: word.space_before, break_before: word.break_before, width: 0.0 };
    for f in &word.frags {
        for c in f.text.chars() {
            let w = fonts.width(f.face, f.size, c.encode_utf8(&mut [0; 4]));
            if cur.width + w > max && cur.width > 0.0 {
                pieces.push(std::mem::replace(&mut cur, Word { frags: Vec::new(), space_before: false, break_before: true, width: 0.0 }));
            }
            match cur.frags.last_mut() {
                Some(last) if last.face == f.face && last.size == f.size => last.text.push(c),
                _ => cur.frags.push(Frag { text: c.to_string(), ..f.clone() }),
            }
            cur.width += w;
        }
    }
    if !cur.frags.is_empty() {
        pieces.push(cur);
    }
    pieces
}

/// Greedy line breaking of `words` into lines at most `max` wide.
fn wrap(fonts: &Fonts, words: &[Word], max: f32) -> Vec<Line> {
    let mut lines = vec![Line::default()];
    let mut queue: Vec<Word> = Vec::new();
    for w in words {
        if w.width > max {
            queue.extend(split_word(fonts, w, max));
        } else {
            queue.push(w.clone());
        }
    }
    for w in queue {
        let first = &w.frags[0];
        let space = if w.space_before { fonts.width(first.face, first.size, " ") } else { 0.0 };
        let line = lines.last_mut().expect("never empty");
        let fits = line.frags.is_empty() || line.width + space + w.width <= max;
        if !fits || (w.break_before && !line.frags.is_empty()) {
            lines.push(Line::default());
        }
        let line = lines.last_mut().expect("never empty");
        let mut x = if line.frags.is_empty() { 0.0 } else { line.width + space };
        for f in w.frags {
            let fw = fonts.width(f.face, f.size, &f.text);
            line.size = line.size.max(f.size);
            line.frags.push((x, f));
            x += fw;
        }
        line.width = x;
    }
    lines.retain(|l| !l.frags.is_empty());
    lines
}

/// The text items of `line` drawn from `x` at baseline `y`: neighbouring fragments in one face and size
/// become one text (with the spaces between), so a PDF reader extracts words and spaces as written.
fn line_items(fonts: &Fonts, line: &Line, x: f32, y: f32) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut end_of_last = f32::NAN;
    for (dx, f) in &line.frags {
        let fw = fonts.width(f.face, f.size, &f.text);
        if let Some(Item::Text { text, face, size, color, .. }) = items.last_mut() {
            if *face == f.face && *size == f.size && *color == f.color {
                let gap = x + dx - end_of_last;
                let space = fonts.width(f.face, f.size, " ");
                if gap.abs() < 0.01 {
                    text.push_str(&f.text);
                    end_of_last = x + dx + fw;
                    continue;
                }
                if (gap - space).abs() < 0.01 {
                    text.push(' ');
                    text.push_str(&f.text);
                    end_of_last = x + dx + fw;
                    continue;
                }
            }
        }
        items.push(Item::Text { x: x + dx, y, size: f.size, face: f.face, color: f.color, text: f.text.clone() });
        end_of_last = x + dx + fw;
    }
    items
}

/// A table's type size, column widths and rows (each cell's lines, and the row's height; the header first).
struct TablePlan {
    size: f32,
    widths: Vec<f32>,
    rows: Vec<(Vec<Vec<Line>>, f32)>,
}

impl TablePlan {
    fn height(&self) -> f32 {
        self.rows.iter().map(|r| r.1).sum()
    }
}

/// Plans a table `avail` pt wide: the largest type at which its columns fit, each column between its
/// longest word and its longest cell; `None` for a table without columns.
fn plan_table(fonts: &Fonts, avail: f32, align: &[Align], header: &[Vec<Span>], rows: &[Vec<Vec<Span>>]) -> Option<TablePlan> {
    let cols = align.len();
    if cols == 0 {
        return None;
    }
    let all: Vec<&[Vec<Span>]> = std::iter::once(header).chain(rows.iter().map(|r| r.as_slice())).collect();
    let cell_words = |size: f32| -> Vec<Vec<Vec<Word>>> {
        all.iter()
            .enumerate()
            .map(|(i, r)| {
                (0..cols)
                    .map(|c| r.get(c).map(|s| words(fonts, s, if i == 0 { Face::Bold } else { Face::Regular }, size, INK)).unwrap_or_default())
                    .collect()
            })
            .collect()
    };
    // Each column's narrowest (its longest word) and natural (its longest cell on one line) widths.
    let extent = |ws: &[Word]| -> (f32, f32) {
        let longest = ws.iter().map(|w| w.width).fold(0.0, f32::max);
        let natural = wrap(fonts, ws, f32::INFINITY).iter().map(|l| l.width).fold(0.0, f32::max);
        (longest, natural)
    };
    let mut chosen = None;
    for size in TABLE_SIZES {
        let cw = cell_words(size);
        let mut min = vec![0.0f32; cols];
        let mut nat = vec![0.0f32; cols];
        for row in &cw {
            for (c, ws) in row.iter().enumerate() {
                let (l, n) = extent(ws);
                min[c] = min[c].max(l + 2.0 * CELL_PAD);
                nat[c] = nat[c].max(n + 2.0 * CELL_PAD);
            }
        }
        let (smin, snat): (f32, f32) = (min.iter().sum(), nat.iter().sum());
        let widths = if snat <= avail {
            Some(nat)
        } else if smin <= avail {
            // Between narrowest and natural: every column gets the same share of what it could use.
            let k = (avail - smin) / (snat - smin);
            Some(min.iter().zip(&nat).map(|(a, b)| a + (b - a) * k).collect())
        } else {
            None
        };
        if let Some(w) = widths {
            chosen = Some((size, w, cw));
            break;
        }
    }
    let (size, widths, cw) = chosen.unwrap_or_else(|| {
        // Even the smallest type is too wide: each column gets a share of the width by its longest
        // word, so a short column keeps its words whole and the longest words break.
        let size = TABLE_SIZES[TABLE_SIZES.len() - 1];
        let cw = cell_words(size);
        let mut min = vec![1.0f32; cols];
        for row in &cw {
            for (c, ws) in row.iter().enumerate() {
                min[c] = min[c].max(extent(ws).0 + 2.0 * CELL_PAD);
            }
        }
        let total: f32 = min.iter().sum();
        (size, min.iter().map(|w| w / total * avail).collect(), cw)
    });
    let line_h = size * LEADING;
    let laid: Vec<(Vec<Vec<Line>>, f32)> = cw
        .iter()
        .map(|row| {
            let cells: Vec<Vec<Line>> = row.iter().enumerate().map(|(c, ws)| wrap(fonts, ws, widths[c] - 2.0 * CELL_PAD)).collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            (cells, lines as f32 * line_h + 2.0 * CELL_PAD)
        })
        .collect();
    Some(TablePlan { size, widths, rows: laid })
    }

struct Flow<'a> {
    fonts: &'a Fonts,
    geo: Geometry,
    out: Laid,
    /// Top of the free space on the current page.
    y: f32,
}

/// For each block (and one past the end), how much of it and what it introduces must be on the page
/// of the block before it: a heading or a paragraph never ends a page that the picture or table it
/// introduces starts. Worked out from the last block back, each once.
fn keeps(fonts: &Fonts, geo: Geometry, blocks: &[Block]) -> Vec<f32> {
    let full = geo.bottom() - geo.top();
    let mut out = vec![0.0f32; blocks.len() + 1];
    for i in (0..blocks.len()).rev() {
        let h = match &blocks[i] {
            Block::Image { .. } => INTRO_KEEPS,
            // A table small enough to stay whole moves whole; a longer one keeps its header and two rows.
            Block::Table { align, header, rows } => match plan_table(fonts, geo.text_width(), align, header, rows) {
                Some(plan) if plan.height() <= full => plan.height(),
                Some(plan) => plan.rows.iter().take(3).map(|r| r.1).sum(),
                None => 0.0,
            },
            Block::Paragraph(spans) => {
                let own = wrap(fonts, &words(fonts, spans, Face::Regular, BODY, INK), geo.text_width()).len() as f32 * BODY * LEADING;
                match blocks.get(i + 1) {
                    Some(Block::Image { .. } | Block::Table { .. }) => own + 5.0 + out[i + 1],
                    _ => own.min(3.0 * BODY * LEADING),
                }
            }
            _ => 3.0 * BODY * LEADING,
        };
        out[i] = h.min(full * 0.8);
    }
    out
}

impl Flow<'_> {
    fn page(&mut self) -> &mut Page {
        self.out.pages.last_mut().expect("a page is always open")
    }

    fn push(&mut self, item: Item) {
        self.page().items.push(item);
    }

    fn new_page(&mut self) {
        self.out.pages.push(Page::default());
        self.y = self.geo.top();
    }

    fn at_top(&self) -> bool {
        self.y <= self.geo.top() + 0.01
    }

    /// Starts a new page unless `h` pt still fit on this one (or this one is empty).
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.geo.bottom() && !self.at_top() {
            self.new_page();
        }
    }

    fn gap(&mut self, h: f32) {
        if !self.at_top() {
            self.y += h;
        }
    }

    /// Lines of text from `x`, breaking pages between lines.
    fn lines(&mut self, lines: &[Line], x: f32) {
        for line in lines {
            let h = line.size * LEADING;
            self.ensure(h);
            let baseline = self.y + line.size * 1.02;
            let items = line_items(self.fonts, line, x, baseline);
            self.page().items.extend(items);
            self.y += h;
        }
    }

    fn paragraph(&mut self, spans: &[Span], face: Face, size: f32, indent: f32, color: Color) {
        let words = words(self.fonts, spans, face, size, color);
        let lines = wrap(self.fonts, &words, self.geo.text_width() - indent);
        self.lines(&lines, self.geo.margin + indent);
    }

    /// `follow`: how much of what comes next must share the heading's page.
    fn heading(&mut self, level: u8, spans: &[Span], follow: f32) {
        let size = match level {
            1 => 18.0,
            2 => 14.0,
            3 => 11.5,
            _ => 10.5,
        };
        self.gap(match level {
            1 => 6.0,
            2 => 14.0,
            _ => 9.0,
        });
        let words = words(self.fonts, spans, Face::Bold, size, INK);
        let lines = wrap(self.fonts, &words, self.geo.text_width());
        self.ensure(lines.len() as f32 * size * LEADING + follow);
        let (page, y) = (self.out.pages.len() - 1, self.y);
        self.out.headings.push(Heading { level, text: super::markdown::plain(spans), page, y });
        self.lines(&lines, self.geo.margin);
        if level <= 2 {
            let (x0, x1, y) = (self.geo.margin, self.geo.width - self.geo.margin, self.y + 1.0);
            let width = if level == 1 { 1.0 } else { 0.5 };
            self.push(Item::Line { from: (x0, y), to: (x1, y), width, color: RULE });
            self.y += 3.0;
        }
        self.y += 3.0;
    }

    fn code(&mut self, lines: &[String]) {
        let size = 8.5;
        let h = size * LEADING;
        let spans: Vec<Span> = lines.iter().map(|l| Span { text: format!("{l}\n"), style: Style { code: true, ..Style::default() } }).collect();
        // Spaces in code are kept: each source line is laid out on its own.
        for span in &spans {
            let text = span.text.trim_end_matches('\n');
            let indent = text.chars().take_while(|c| *c == ' ').count() as f32 * self.fonts.width(Face::Mono, size, " ");
            let words = words(self.fonts, std::slice::from_ref(span), Face::Mono, size / 0.9, INK);
            let max = self.geo.text_width() - 8.0 - indent;
            let wrapped = if words.is_empty() { vec![Line { size, ..Line::default() }] } else { wrap(self.fonts, &words, max) };
            for line in wrapped {
                self.ensure(h);
                self.push(Item::Rect { x: self.geo.margin, y: self.y, w: self.geo.text_width(), h, fill: Some(CODE_FILL), stroke: None });
                let items = line_items(self.fonts, &line, self.geo.margin + 4.0 + indent, self.y + size * 1.02);
                self.page().items.extend(items);
                self.y += h;
            }
        }
    }

    fn table(&mut self, align: &[Align], header: &[Vec<Span>], rows: &[Vec<Vec<Span>>]) {
        let Some(TablePlan { size, widths, rows: laid }) = plan_table(self.fonts, self.geo.text_width(), align, header, rows) else { return };
        if size < TABLE_SIZES[0] {
            self.out.smallest_table_size = Some(self.out.smallest_table_size.map_or(size, |s| s.min(size)));
        }
        let line_h = size * LEADING;
        let x0 = self.geo.margin;
        let total_w: f32 = widths.iter().sum();
        let draw_row = |flow: &mut Flow, (cells, h): &(Vec<Vec<Line>>, f32), head: bool| {
            let y = flow.y;
            if head {
                flow.push(Item::Rect { x: x0, y, w: total_w, h: *h, fill: Some(HEADER_FILL), stroke: None });
            }
            let mut x = x0;
            for (c, lines) in cells.iter().enumerate() {
                let inner = widths[c] - 2.0 * CELL_PAD;
                for (i, line) in lines.iter().enumerate() {
                    let dx = match align[c] {
                        Align::Left => 0.0,
                        Align::Center => (inner - line.width) / 2.0,
                        Align::Right => inner - line.width,
                    };
                    let baseline = y + CELL_PAD + i as f32 * line_h + size * 1.02;
                    let items = line_items(flow.fonts, line, x + CELL_PAD + dx, baseline);
                    flow.page().items.extend(items);
                }
                x += widths[c];
            }
            let bottom = y + h;
            let (color, width) = if head { (MUTED, 0.8) } else { (RULE, 0.4) };
            flow.push(Item::Line { from: (x0, bottom), to: (x0 + total_w, bottom), width, color });
            flow.y = bottom;
        };
        let head = &laid[0];
        // A table that fits on a page is not split: it starts on the next page when this one is too full.
        let whole: f32 = laid.iter().map(|r| r.1).sum::<f32>();
        if whole <= self.geo.bottom() - self.geo.top() {
            self.ensure(whole);
        }
        self.ensure(head.1 + laid.get(1).map_or(0.0, |r| r.1));
        self.push(Item::Line { from: (x0, self.y), to: (x0 + total_w, self.y), width: 0.8, color: MUTED });
        draw_row(self, head, true);
        for row in &laid[1..] {
            if self.y + row.1 > self.geo.bottom() {
                // The table goes on over the page, under its header again.
                self.new_page();
                self.push(Item::Line { from: (x0, self.y), to: (x0 + total_w, self.y), width: 0.8, color: MUTED });
                draw_row(self, head, true);
            }
            draw_row(self, row, false);
        }
    }

    fn picture(&mut self, src: &str, alt: &str, info: Option<PictureInfo>) {
        let Some((index, pw, ph)) = info.filter(|(_, w, h)| *w > 0 && *h > 0) else {
            if !self.out.missing.iter().any(|m| m == src) {
                self.out.missing.push(src.to_string());
            }
            let text = format!("[picture not shown: {src} — {alt}]");
            self.paragraph(&[Span { text, style: Style { italic: true, ..Style::default() } }], Face::Italic, 9.0, 0.0, MISSING);
            return;
        };
        let full = self.geo.bottom() - self.geo.top();
        let mut w = (self.geo.text_width()).min(pw as f32 * MAX_PT_PER_PX);
        let mut h = w * ph as f32 / pw as f32;
        // At most 72 % of a page's height, so a caption and some text fit beside it.
        let max_h = full * MAX_PICTURE_SHARE;
        if h > max_h {
            w *= max_h / h;
            h = max_h;
        }
        let left = self.geo.bottom() - self.y;
        // Room for a one-line caption under it, so a picture and its caption share a page.
        let caption = BODY * LEADING + 10.0;
        if h + caption > left && !self.at_top() {
            // Shrunk to the space left when it keeps at least 3/4 of its size; else on the next page.
            let shrunk = left - caption;
            if shrunk >= 0.75 * h {
                w *= shrunk / h;
                h = shrunk;
            } else {
                self.new_page();
            }
        }
        let x = self.geo.margin + (self.geo.text_width() - w) / 2.0;
        let y = self.y;
        self.push(Item::Picture { x, y, w, h, index });
        self.y += h + 4.0;
    }
}

/// Lays `blocks` out on pages of `geo`; `picture` gives a picture's number and pixel size by the path
/// the text names, or `None` when it cannot be shown.
pub fn layout(fonts: &Fonts, geo: Geometry, blocks: &[Block], picture: &dyn Fn(&str) -> Option<PictureInfo>) -> Laid {
    let mut flow = Flow { fonts, geo, out: Laid::default(), y: geo.top() };
    flow.new_page();
    let keeps = keeps(fonts, geo, blocks);
    for (i, block) in blocks.iter().enumerate() {
        match block {
            // A heading stays with what follows it.
            Block::Heading { level, spans } => flow.heading(*level, spans, keeps[i + 1]),
            Block::Paragraph(spans) => {
                if let Some(Block::Image { .. } | Block::Table { .. }) = blocks.get(i + 1) {
                    // Text that introduces a picture or table does not end a page the picture starts.
                    flow.ensure(keeps[i]);
                }
                flow.paragraph(spans, Face::Regular, BODY, 0.0, INK);
                flow.y += 5.0;
            }
            Block::Item { depth, marker, spans } => {
                let indent = 16.0 * (*depth as f32 + 1.0);
                let marker_w = fonts.width(Face::Regular, BODY, marker);
                flow.ensure(BODY * LEADING);
                // The marker on the item's first line, which the line above keeps on this page.
                let (page, y) = (flow.out.pages.len(), flow.y);
                flow.paragraph(spans, Face::Regular, BODY, indent, INK);
                flow.page_at(page, y, geo.margin + indent - 5.0 - marker_w, marker);
                flow.y += 2.0;
            }
            Block::Quote(spans) => {
                let top = flow.y;
                let page = flow.out.pages.len();
                flow.paragraph(spans, Face::Italic, BODY, 12.0, MUTED);
                if flow.out.pages.len() == page {
                    let x = geo.margin + 3.0;
                    flow.push(Item::Line { from: (x, top), to: (x, flow.y), width: 2.0, color: RULE });
                }
                flow.y += 5.0;
            }
            Block::Code(lines) => {
                flow.code(lines);
                flow.y += 6.0;
            }
            Block::Table { align, header, rows } => {
                flow.gap(2.0);
                flow.table(align, header, rows);
                flow.y += 8.0;
            }
            Block::Image { src, alt } => {
                flow.gap(2.0);
                flow.picture(src, alt, picture(src));
            }
            Block::Rule => {
                flow.ensure(10.0);
                let y = flow.y + 4.0;
                flow.push(Item::Line { from: (geo.margin, y), to: (geo.width - geo.margin, y), width: 0.5, color: RULE });
                flow.y += 10.0;
            }
            Block::PageBreak => {
                if !flow.at_top() {
                    flow.new_page();
                }
            }
        }
    }
    flow.out
}

impl Flow<'_> {
    /// Draws a list marker on page `page` (1-based count of pages at the time) at the line starting at `y`.
    fn page_at(&mut self, page: usize, y: f32, x: f32, marker: &str) {
        if let Some(p) = self.out.pages.get_mut(page.saturating_sub(1)) {
            p.items.push(Item::Text { x, y: y + BODY * 1.02, size: BODY, face: Face::Regular, color: INK, text: marker.to_string() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::markdown::parse;
    use super::*;

    const A4: Geometry = Geometry { width: 595.28, height: 841.89, margin: 56.7 };

    fn texts(laid: &Laid) -> Vec<String> {
        laid.pages.iter().flat_map(|p| &p.items).filter_map(|i| if let Item::Text { text, .. } = i { Some(text.clone()) } else { None }).collect()
    }

    fn inside(laid: &Laid, geo: Geometry) -> bool {
        laid.pages.iter().flat_map(|p| &p.items).all(|i| match i {
            Item::Text { x, y, .. } => *x >= geo.margin - 0.01 && *x < geo.width - geo.margin && *y <= geo.bottom() + 1.0,
            Item::Rect { x, w, y, h, .. } | Item::Picture { x, w, y, h, .. } => {
                *x >= geo.margin - 0.01 && x + w <= geo.width - geo.margin + 0.01 && y + h <= geo.bottom() + 0.01
            }
            Item::Line { from, to, .. } => from.0 >= geo.margin - 0.01 && to.0 <= geo.width - geo.margin + 0.01,
        })
    }

    #[test]
    fn long_text_wraps_inside_the_margins_and_flows_over_pages() {
        let fonts = Fonts::load().unwrap();
        let para = "The network answers every test digit, and this sentence is long enough to wrap. ".repeat(200);
        let laid = layout(&fonts, A4, &parse(&para), &|_| None);
        assert!(laid.pages.len() >= 3, "{} pages", laid.pages.len());
        assert!(inside(&laid, A4));
        // Every word arrives, in order.
        let joined = texts(&laid).join(" ");
        assert_eq!(joined.split_whitespace().count(), para.split_whitespace().count());
    }

    #[test]
    fn a_wide_table_shrinks_its_type_and_fits_the_page() {
        let fonts = Fonts::load().unwrap();
        let header = "| run | network | activation | output, loss | optimizer | lr | epochs | batch | parameters | test accuracy | macro-F1 | training time | status |";
        let sep = "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|";
        let row = "| 001-l512x256-relu-sgd-lr0.1 | 784 → 512 relu → 256 relu → 10 softmax | relu | softmax, cross-entropy | sgd momentum 0.9 | 0.1 | 10 | 64 | 535818 | 98.12 % | 0.9811 | 123.4 s | completed |";
        let md = format!("{header}\n{sep}\n{}", format!("{row}\n").repeat(80));
        let laid = layout(&fonts, A4, &parse(&md), &|_| None);
        assert!(inside(&laid, A4), "a cell ran out of the page");
        assert!(laid.smallest_table_size.is_some_and(|s| s < 9.0));
        assert!(laid.pages.len() >= 2);
        // The header is repeated on the second page.
        let second: Vec<&Item> = laid.pages[1].items.iter().collect();
        assert!(second.iter().any(|i| matches!(i, Item::Text { text, .. } if text == "status")), "no header on page 2: {:?}", &second[..12.min(second.len())]);
    }

    #[test]
    fn pictures_fit_the_text_width_and_missing_ones_are_named() {
        let fonts = Fonts::load().unwrap();
        let md = "![big](a.png)\n\n![tall](b.png)\n\n![gone](c.png)\n";
        let laid = layout(&fonts, A4, &parse(md), &|s| match s {
            "a.png" => Some((0, 4000, 1000)),
            "b.png" => Some((1, 500, 5000)),
            _ => None,
        });
        assert!(inside(&laid, A4));
        let pics: Vec<(f32, f32)> = laid.pages.iter().flat_map(|p| &p.items).filter_map(|i| if let Item::Picture { w, h, .. } = i { Some((*w, *h)) } else { None }).collect();
        assert_eq!(pics.len(), 2);
        assert!((pics[0].0 - A4.text_width()).abs() < 0.01);
        assert!(pics[1].1 <= (A4.bottom() - A4.top()) * MAX_PICTURE_SHARE + 0.01);
        assert_eq!(laid.missing, vec!["c.png".to_string()]);
        assert!(texts(&laid).iter().any(|t| t.contains("c.png")));
    }

    #[test]
    fn headings_are_recorded_for_the_outline_and_page_breaks_start_pages() {
        let fonts = Fonts::load().unwrap();
        let laid = layout(&fonts, A4, &parse("# Lab report\n\ntext\n\n<!-- new page -->\n\n## Run 1\n\nmore\n"), &|_| None);
        assert_eq!(laid.pages.len(), 2);
        let h: Vec<(u8, &str, usize)> = laid.headings.iter().map(|h| (h.level, h.text.as_str(), h.page)).collect();
        assert_eq!(h, vec![(1, "Lab report", 0), (2, "Run 1", 1)]);
    }
}
