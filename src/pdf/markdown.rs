//! The report's Markdown as blocks to lay out: headings, paragraphs, lists, quotes, code, tables,
//! pictures, rules and page breaks. pulldown-cmark reads CommonMark with GitHub tables; what a PDF page
//! cannot show (links' targets, HTML) is reduced to its text. `<!-- new page -->` starts a page.

use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// How a run of text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub code: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

/// A table column's alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

pub type Cell = Vec<Span>;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading { level: u8, spans: Vec<Span> },
    Paragraph(Vec<Span>),
    /// A list item; `depth` 0 for the outer list, `marker` "•" or "3.".
    Item { depth: usize, marker: String, spans: Vec<Span> },
    Quote(Vec<Span>),
    Code(Vec<String>),
    Table { align: Vec<Align>, header: Vec<Cell>, rows: Vec<Vec<Cell>> },
    Image { src: String, alt: String },
    Rule,
    PageBreak,
}

/// The text of `spans`, without styles.
pub fn plain(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

/// True for the HTML comment that asks for a new page.
fn is_page_break(html: &str) -> bool {
    let t = html.trim();
    t.starts_with("<!--") && t.trim_start_matches("<!--").trim_end_matches("-->").trim().eq_ignore_ascii_case("new page")
}

#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    spans: Vec<Span>,
    style: Style,
    /// Nesting of lists: the next number of an ordered list, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The marker of the list item being read, until its text is flushed.
    item: Option<(usize, String)>,
    quote: usize,
    code: Option<String>,
    table: Option<Table>,
    /// Inside an image: its alt text is collected here.
    image: Option<(String, String)>,
    link: Vec<String>,
}

#[derive(Default)]
struct Table {
    align: Vec<Align>,
    header: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    in_head: bool,
}

impl Reader {
    fn push_text(&mut self, text: &str) {
        if let Some((_, alt)) = &mut self.image {
            alt.push_str(text);
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.style == self.style => last.text.push_str(text),
            _ => self.spans.push(Span { text: text.to_string(), style: self.style }),
        }
    }

    /// Ends the text being read as the block its context makes it.
    fn flush(&mut self) {
        let spans = std::mem::take(&mut self.spans);
        if let Some((depth, marker)) = self.item.take() {
            self.blocks.push(Block::Item { depth, marker, spans });
            return;
        }
        if spans.iter().all(|s| s.text.trim().is_empty()) {
            return;
        }
        self.blocks.push(if self.quote > 0 { Block::Quote(spans) } else { Block::Paragraph(spans) });
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => {
                // A second paragraph in one list item continues it on a new line.
                if self.item.is_none() && !self.spans.is_empty() {
                    self.flush();
                }
                if !self.spans.is_empty() {
                    self.push_text("\n");
                }
            }
            Tag::Heading { .. } => self.flush(),
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code = Some(String::new());
            }
            Tag::List(start) => {
                if !self.spans.is_empty() || self.item.is_some() {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_string(),
                };
                self.item = Some((depth, marker));
            }
            Tag::Table(align) => {
                self.flush();
                let align = align
                    .iter()
                    .map(|a| match a {
                        Alignment::Right => Align::Right,
                        Alignment::Center => Align::Center,
                        _ => Align::Left,
                    })
                    .collect();
                self.table = Some(Table { align, ..Table::default() });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.spans.clear(),
            Tag::Emphasis => self.style.italic = true,
            Tag::Strong => self.style.bold = true,
            Tag::Link { dest_url, .. } => self.link.push(dest_url.to_string()),
            Tag::Image { dest_url, .. } => {
                // A picture inside running text stands on its own: the text before it ends.
                if self.table.is_none() {
                    self.flush();
                }
                self.image = Some((dest_url.to_string(), String::new()));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph if self.item.is_none() => self.flush(),
            TagEnd::Heading(level) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                let spans = std::mem::take(&mut self.spans);
                self.blocks.push(Block::Heading { level, spans });
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                let lines = code.trim_end_matches('\n').split('\n').map(|l| l.replace('\t', "    ")).collect();
                self.blocks.push(Block::Code(lines));
            }
            TagEnd::List(_) => {
                if self.item.is_some() {
                    self.flush();
                }
                self.lists.pop();
            }
            TagEnd::Item if self.item.is_some() || !self.spans.is_empty() => self.flush(),
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.spans);
                if let Some(t) = &mut self.table {
                    if t.in_head {
                        t.header.push(cell);
                    } else if let Some(row) = t.rows.last_mut() {
                        row.push(cell);
                    }
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    let width = t.header.len().max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
                    let mut align = t.align;
                    align.resize(width, Align::Left);
                    let rows = t.rows.into_iter().filter(|r| !r.is_empty()).collect();
                    self.blocks.push(Block::Table { align, header: t.header, rows });
                }
            }
            TagEnd::Emphasis => self.style.italic = false,
            TagEnd::Strong => self.style.bold = false,
            TagEnd::Link => {
                // The target is printed after its text when it says something the text does not.
                if let Some(url) = self.link.pop() {
                    let shown = plain(&self.spans);
                    if url.contains("://") && !shown.contains(&url) {
                        self.push_text(&format!(" ({url})"));
                    }
                }
            }
            TagEnd::Image => {
                if let Some((src, alt)) = self.image.take() {
                    if self.table.is_some() {
                        // A picture in a table cell: its description stands in for it.
                        self.push_text(&format!("[{alt}]"));
                    } else {
                        self.blocks.push(Block::Image { src, alt });
                    }
                }
            }
            _ => {}
        }
    }
}

/// The blocks of `markdown`, in order.
pub fn parse(markdown: &str) -> Vec<Block> {
    let mut r = Reader::default();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => r.start(tag),
            Event::End(tag) => r.end(tag),
            Event::Text(t) => match &mut r.code {
                Some(code) => code.push_str(&t),
                None => r.push_text(&t),
            },
            Event::Code(t) => {
                let saved = r.style;
                r.style.code = true;
                r.push_text(&t);
                r.style = saved;
            }
            Event::SoftBreak => r.push_text(" "),
            Event::HardBreak => r.push_text("\n"),
            Event::Html(h) | Event::InlineHtml(h) => {
                if is_page_break(&h) {
                    r.flush();
                    r.blocks.push(Block::PageBreak);
                }
            }
            Event::Rule => {
                r.flush();
                r.blocks.push(Block::Rule);
            }
            Event::TaskListMarker(done) => r.push_text(if done { "[x] " } else { "[ ] " }),
            Event::InlineMath(t) | Event::DisplayMath(t) | Event::FootnoteReference(t) => r.push_text(&t),
        }
    }
    r.flush();
    r.blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: &Block) -> String {
        match b {
            Block::Heading { spans, .. } | Block::Paragraph(spans) | Block::Quote(spans) | Block::Item { spans, .. } => plain(spans),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn headings_paragraphs_and_styles() {
        let b = parse("# Title\n\nSome **bold** and *it* `code`\ncontinues.\n\n## Next\n");
        assert_eq!(b.len(), 3);
        assert_eq!(b[0], Block::Heading { level: 1, spans: vec![Span { text: "Title".into(), style: Style::default() }] });
        let Block::Paragraph(spans) = &b[1] else { panic!("{:?}", b[1]) };
        assert_eq!(plain(spans), "Some bold and it code continues.");
        assert!(spans.iter().any(|s| s.text == "bold" && s.style.bold));
        assert!(spans.iter().any(|s| s.text == "it" && s.style.italic));
        assert!(spans.iter().any(|s| s.text == "code" && s.style.code));
        assert_eq!(text(&b[2]), "Next");
    }

    #[test]
    fn tables_keep_alignment_and_cells() {
        let b = parse("| class | precision |\n|---|---:|\n| 0 | **0.98** |\n| 1 | 0.97 |\n");
        let [Block::Table { align, header, rows }] = &b[..] else { panic!("{b:?}") };
        assert_eq!(align, &[Align::Left, Align::Right]);
        assert_eq!(plain(&header[1]), "precision");
        assert_eq!(rows.len(), 2);
        assert!(rows[0][1][0].style.bold);
        assert_eq!(plain(&rows[1][1]), "0.97");
    }

    #[test]
    fn pictures_lists_quotes_and_page_breaks() {
        let md = "Text before\n\n![the curves](figures/a.png)\n\n*caption*\n\n<!-- new page -->\n\n- one\n- two\n  1. inner\n\n> quoted\n\n```\ncode line\n```\n";
        let b = parse(md);
        assert!(b.contains(&Block::Image { src: "figures/a.png".into(), alt: "the curves".into() }), "{b:?}");
        assert!(b.contains(&Block::PageBreak));
        let items: Vec<(usize, String, String)> =
            b.iter().filter_map(|x| if let Block::Item { depth, marker, spans } = x { Some((*depth, marker.clone(), plain(spans))) } else { None }).collect();
        assert_eq!(items, vec![(0, "•".into(), "one".into()), (0, "•".into(), "two".into()), (1, "1.".into(), "inner".into())]);
        assert!(b.iter().any(|x| matches!(x, Block::Quote(s) if plain(s) == "quoted")));
        assert!(b.contains(&Block::Code(vec!["code line".into()])));
        // Other HTML comments are not printed.
        assert!(parse("<!-- a note to self -->\n\nvisible").iter().all(|x| !text(x).contains("note to self")));
    }
}
