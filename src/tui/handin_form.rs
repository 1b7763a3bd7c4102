//! The hand-in form (`H` in Runs): title, authors, paper, whether the models go in the zip, and the
//! directory the hand-in is made in. Like the Setup form, fields are kept as typed; unlike it, a text
//! field takes keys as soon as it has the focus (a short form, filled in once).
//!
//! ```text
//! ┌ hand-in of 2 runs · Enter makes it, Esc closes ─────────────┐
//! │ title      Lab 3: one hidden layer                          │
//! │ authors    Ada Lovelace (12345), Alan Turing (67890)        │
//! │ paper      ◂ A4 ▸                                           │
//! │ models     ◂ no ▸  (model.safetensors of each run in the zip)│
//! │ out        handin  (a new directory: handin, handin-2, …)    │
//! │ runs       20261128-1203-32relu, 20261128-1210-64relu        │
//! └─────────────────────────────────────────────────────────────┘
//! ```

use std::path::{Path, PathBuf};

use crate::handin::{Paper, Request};

/// The directory name a hand-in gets unless another is typed; a taken one gets `-2`, `-3`, ….
pub const DEFAULT_OUT: &str = "handin";
/// Longest text a field takes: a title or an author list, not a document.
pub const MAX_FIELD_CHARS: usize = 200;

/// The rows of the form, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum Field {
    Title,
    Authors,
    Paper,
    Models,
    Out,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Authors => "authors",
            Field::Paper => "paper",
            Field::Models => "models",
            Field::Out => "out",
        }
    }

    /// Whether the row takes typed text (the others change with ←/→ or space).
    pub fn is_text(self) -> bool {
        matches!(self, Field::Title | Field::Authors | Field::Out)
    }
}

/// A key while the form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Char(char),
    Backspace,
    Next,
    Prev,
    Left,
    Right,
    /// Enter: make the hand-in.
    Submit,
    /// Esc: close the form (what was typed stays for the next `H`).
    Cancel,
}

pub fn paper_name(p: Paper) -> &'static str {
    match p {
        Paper::A4 => "A4",
        Paper::Letter => "Letter",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandinForm {
    pub title: String,
    /// "Name (ID), Name (ID)".
    pub authors: String,
    pub paper: Paper,
    pub with_models: bool,
    /// The directory to make, relative to where the dashboard was started (or absolute).
    pub out: String,
    pub focus: Field,
}

impl Default for HandinForm {
    fn default() -> HandinForm {
        HandinForm { title: String::new(), authors: String::new(), paper: Paper::A4, with_models: false, out: DEFAULT_OUT.into(), focus: Field::Title }
    }
}

impl HandinForm {
    pub fn text(&self, f: Field) -> Option<&str> {
        match f {
            Field::Title => Some(&self.title),
            Field::Authors => Some(&self.authors),
            Field::Out => Some(&self.out),
            Field::Paper | Field::Models => None,
        }
    }

    fn text_mut(&mut self, f: Field) -> Option<&mut String> {
        match f {
            Field::Title => Some(&mut self.title),
            Field::Authors => Some(&mut self.authors),
            Field::Out => Some(&mut self.out),
            Field::Paper | Field::Models => None,
        }
    }

    /// Applies an editing or moving key (`Submit` and `Cancel` are the app's to act on).
    pub fn key(&mut self, k: FormKey) {
        let fields: Vec<Field> = <Field as strum::IntoEnumIterator>::iter().collect();
        let at = fields.iter().position(|&f| f == self.focus).unwrap_or(0);
        match k {
            FormKey::Next => self.focus = fields[(at + 1) % fields.len()],
            FormKey::Prev => self.focus = fields[(at + fields.len() - 1) % fields.len()],
            FormKey::Left | FormKey::Right | FormKey::Char(' ') if !self.focus.is_text() => self.toggle(),
            FormKey::Char(c) => {
                if let Some(t) = self.text_mut(self.focus).filter(|t| t.chars().count() < MAX_FIELD_CHARS) {
                    t.push(c);
                }
            }
            FormKey::Backspace => {
                if let Some(t) = self.text_mut(self.focus) {
                    t.pop();
                }
            }
            FormKey::Left | FormKey::Right | FormKey::Submit | FormKey::Cancel => {}
        }
    }

    fn toggle(&mut self) {
        match self.focus {
            Field::Paper => {
                self.paper = match self.paper {
                    Paper::A4 => Paper::Letter,
                    Paper::Letter => Paper::A4,
                }
            }
            Field::Models => self.with_models = !self.with_models,
            _ => {}
        }
    }

    /// The request for the hand-in of `sources` (run directories, in the order chosen), its directory
    /// taken relative to `base` (where the dashboard was started); or the field at fault and why.
    /// `out` is the directory asked for: the hand-in is made in it, or in `out-2`, … when it exists.
    pub fn request(&self, sources: Vec<PathBuf>, base: &Path) -> Result<Request, (Field, String)> {
        let out = self.out.trim();
        if out.is_empty() {
            return Err((Field::Out, "name the directory to make the hand-in in (e.g. handin)".into()));
        }
        if Path::new(out).file_name().is_none() {
            return Err((Field::Out, format!("{out} names no directory of its own: give it a name (e.g. {out}/handin)")));
        }
        let authors = self.authors.trim();
        if authors.split(',').any(|a| a.trim().is_empty()) && !authors.is_empty() {
            return Err((Field::Authors, "a name is missing between commas: write Name (ID), Name (ID)".into()));
        }
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(Request {
            sources,
            out: base.join(out),
            title: some(&self.title),
            authors: some(authors),
            paper: self.paper,
            with_models: self.with_models,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut HandinForm, text: &str) {
        for c in text.chars() {
            form.key(FormKey::Char(c));
        }
    }

    #[test]
    fn keys_fill_the_fields_and_toggle_paper_and_models() {
        let mut f = HandinForm::default();
        typed(&mut f, "Lab 3");
        f.key(FormKey::Backspace);
        typed(&mut f, "4 q");
        f.key(FormKey::Next);
        typed(&mut f, "Ada (1), Alan (2)");
        f.key(FormKey::Next);
        assert_eq!(f.focus, Field::Paper);
        // Space and the arrows change a choice row; they type nothing.
        f.key(FormKey::Char(' '));
        assert_eq!(f.paper, Paper::Letter);
        f.key(FormKey::Right);
        assert_eq!(f.paper, Paper::A4);
        f.key(FormKey::Left);
        f.key(FormKey::Next);
        f.key(FormKey::Right);
        assert!(f.with_models);
        f.key(FormKey::Next);
        for _ in 0..DEFAULT_OUT.len() {
            f.key(FormKey::Backspace);
        }
        typed(&mut f, "out/lab4");
        f.key(FormKey::Next);
        assert_eq!(f.focus, Field::Title, "moving on from the last field comes round to the first");
        f.key(FormKey::Prev);
        assert_eq!(f.focus, Field::Out);

        let sources = vec![PathBuf::from("runs/b"), PathBuf::from("runs/a")];
        let req = f.request(sources.clone(), Path::new("/lab")).unwrap();
        assert_eq!(req.sources, sources, "in the order chosen");
        assert_eq!(req.out, PathBuf::from("/lab/out/lab4"));
        assert_eq!((req.title.as_deref(), req.authors.as_deref()), (Some("Lab 4 q"), Some("Ada (1), Alan (2)")));
        assert_eq!((req.paper, req.with_models), (Paper::Letter, true));
    }

    #[test]
    fn defaults_make_a_handin_directory_beside_the_runs_and_empty_texts_are_none() {
        let req = HandinForm::default().request(vec![PathBuf::from("runs/a")], Path::new("")).unwrap();
        assert_eq!(req.out, PathBuf::from("handin"));
        assert_eq!((req.title, req.authors, req.paper, req.with_models), (None, None, Paper::A4, false));
    }

    #[test]
    fn a_missing_directory_or_author_is_refused_on_its_field() {
        let mut f = HandinForm { out: "  ".into(), ..HandinForm::default() };
        assert_eq!(f.request(vec![], Path::new(".")).unwrap_err().0, Field::Out);
        f.out = "..".into();
        assert_eq!(f.request(vec![], Path::new(".")).unwrap_err().0, Field::Out);
        f.out = "handin".into();
        f.authors = "Ada (1), , Alan (2)".into();
        let (field, why) = f.request(vec![], Path::new(".")).unwrap_err();
        assert_eq!(field, Field::Authors);
        assert!(why.contains("Name (ID), Name (ID)"), "{why}");
    }

    #[test]
    fn a_field_stops_taking_text_at_its_limit() {
        let mut f = HandinForm::default();
        typed(&mut f, &"x".repeat(MAX_FIELD_CHARS + 10));
        assert_eq!(f.title.chars().count(), MAX_FIELD_CHARS);
    }
}
