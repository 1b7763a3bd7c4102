//! The note editor's state: a run's `notes.md` being written in a multi-line text area
//! (ratatui-textarea), with what is known to be on disk, so the app can tell whether anything typed
//! is still unsaved. Nothing typed is ever dropped: closing saves first, and the editor closes only
//! when the save of exactly the text on screen has landed.

use std::path::PathBuf;

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use super::theme::Theme;

pub struct NoteEditor {
    /// The run directory whose `notes.md` this is.
    pub dir: PathBuf,
    /// The run's name, for the title.
    pub run: String,
    pub area: TextArea<'static>,
    /// The text `notes.md` holds, as last read or written.
    pub on_disk: String,
    /// A save of this text is on its way.
    pub saving: Option<String>,
    /// Close once the text on screen is saved (Esc).
    pub close_when_saved: bool,
}

impl NoteEditor {
    pub fn new(dir: PathBuf, run: String, text: &str, theme: &Theme) -> NoteEditor {
        // Lines as the file has them; a CRLF file comes back with LF line ends.
        let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()).collect();
        let mut area = TextArea::new(lines);
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        // A note is added to more often than rewritten: the cursor starts at its end.
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        area.set_placeholder_text("what this run shows, what to try next… (Esc saves and closes)");
        let mut editor = NoteEditor { dir, run, area, on_disk: text.to_string(), saving: None, close_when_saved: false };
        editor.restyle(theme);
        editor
    }

    /// The editor's styles in the theme's terms: no color of its own under NO_COLOR.
    pub fn restyle(&mut self, theme: &Theme) {
        self.area.set_cursor_line_style(Style::new());
        self.area.set_cursor_style(theme.selected());
        self.area.set_selection_style(theme.selected());
        self.area.set_placeholder_style(theme.dim());
    }

    /// Shows `text`, which the file now holds (a save still on its way stays so).
    pub fn reload(&mut self, text: &str, theme: &Theme) {
        let fresh = NoteEditor::new(self.dir.clone(), self.run.clone(), text, theme);
        *self = NoteEditor { saving: self.saving.take(), close_when_saved: self.close_when_saved, ..fresh };
    }

    /// The text on screen, as it is saved.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Something on screen is not in `notes.md` yet.
    pub fn unsaved(&self) -> bool {
        self.text() != self.on_disk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::colors::ColorDepth;

    const PLAIN: Theme = Theme { color: false, ascii: false, depth: ColorDepth::TrueColor };

    #[test]
    fn text_round_trips_through_the_editor_and_edits_are_unsaved_until_on_disk() {
        let mut e = NoteEditor::new("runs/a".into(), "a".into(), "first\nsecond\n", &PLAIN);
        assert_eq!(e.text(), "first\nsecond\n");
        assert!(!e.unsaved());
        e.area.insert_str("x");
        assert_eq!(e.text(), "first\nsecond\nx", "typing goes on at the end");
        assert!(e.unsaved());
        e.on_disk = e.text();
        assert!(!e.unsaved());
        let crlf = NoteEditor::new("runs/a".into(), "a".into(), "one\r\ntwo", &PLAIN);
        assert_eq!(crlf.text(), "one\ntwo");
        assert!(crlf.unsaved(), "line ends changed: saving writes them as LF");
    }
}
