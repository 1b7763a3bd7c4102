//! Keys → messages, in one table. The footer hints and the `?` overlay are drawn from the same table,
//! so what is shown is what works.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
pub use super::msg::Action;
use super::msg::{EditKey, FormKey, Msg, NoteKey, QuitChoice, View};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    In(View),
}

pub struct Binding {
    pub scope: Scope,
    pub codes: &'static [KeyCode],
    pub action: Action,
    /// The key as written in hints.
    pub keys: &'static str,
    pub help: &'static str,
    /// Short form for the footer; empty: only in the help overlay.
    pub footer: &'static str,
}

const fn b(scope: Scope, codes: &'static [KeyCode], action: Action, keys: &'static str, help: &'static str, footer: &'static str) -> Binding {
    Binding { scope, codes, action, keys, help, footer }
}

use KeyCode as K;
use Scope::{Global as G, In};

/// Every binding. A view's own bindings are looked up before the global ones.
pub const BINDINGS: &[Binding] = &[
    b(In(View::Setup), &[K::Char('s')], Action::Start, "s", "start training", "start"),
    b(In(View::Setup), &[K::Up, K::Char('k')], Action::Up, "↑↓", "move between fields", "field"),
    b(In(View::Setup), &[K::Down, K::Char('j')], Action::Down, "", "", ""),
    b(In(View::Setup), &[K::Left, K::Char('h')], Action::Left, "←→", "change activation / optimizer / nesterov", "change"),
    b(In(View::Setup), &[K::Right, K::Char('l')], Action::Right, "", "", ""),
    b(In(View::Setup), &[K::Enter], Action::Edit, "Enter", "edit the field (Enter keeps, Esc reverts)", "edit"),
    b(In(View::Setup), &[K::Char('a'), K::Char('+')], Action::AddLayer, "a", "add a hidden layer", "add layer"),
    b(In(View::Setup), &[K::Char('x'), K::Delete, K::Char('-')], Action::RemoveLayer, "x", "remove the layer", "remove"),
    b(In(View::Setup), &[K::Char('[')], Action::MoveLayerUp, "[ ]", "move the layer up / down", "move"),
    b(In(View::Setup), &[K::Char(']')], Action::MoveLayerDown, "", "", ""),
    b(In(View::Setup), &[K::Char('Q')], Action::Enqueue, "Q", "add this setup to the run queue", "queue"),
    b(In(View::Setup), &[K::Char('S')], Action::RunQueue, "S", "run the queue: one setup after another, each saved", "run queue"),
    b(In(View::Setup), &[K::Char('C')], Action::ClearQueue, "C", "clear the queue", ""),
    b(In(View::Train), &[K::Char('p'), K::Char(' ')], Action::PauseResume, "p", "pause / resume", "pause/resume"),
    b(In(View::Train), &[K::Char('s')], Action::Stop, "s", "stop (keeps finished epochs)", "stop"),
    b(In(View::Results), &[K::Up, K::Char('k')], Action::Up, "arrows", "select a confusion cell", "select cell"),
    b(In(View::Results), &[K::Down, K::Char('j')], Action::Down, "", "", ""),
    b(In(View::Results), &[K::Left, K::Char('h')], Action::Left, "", "", ""),
    b(In(View::Results), &[K::Right, K::Char('l')], Action::Right, "", "", ""),
    b(In(View::Results), &[K::PageUp], Action::PageUp, "PgUp/PgDn", "page through the selected cell's digits", "digits"),
    b(In(View::Results), &[K::PageDown], Action::PageDown, "", "", ""),
    b(In(View::Results), &[K::Enter], Action::Open, "Enter", "one digit at a time, enlarged, with the network's output per class", "enlarge"),
    b(In(View::Results), &[K::Char('w')], Action::ExportImages, "w", "save every digit of the selected cell as a PNG", "save digits"),
    b(In(View::Results), &[K::Char('n')], Action::ToggleNormalized, "n", "counts / normalized by column", "normalize"),
    b(In(View::Results), &[K::Char('t')], Action::ToggleReport, "t", "matrix / per-class report (short terminals)", "table"),
    // n already normalizes here; N writes the note, as it also does in Runs.
    b(In(View::Results), &[K::Char('N')], Action::Note, "N", "write a note for the shown run (kept in its notes.md)", "note"),
    b(In(View::Weights), &[K::Left, K::Char('h')], Action::Left, "←→", "previous / next neuron", "neuron"),
    b(In(View::Weights), &[K::Right, K::Char('l')], Action::Right, "", "", ""),
    b(In(View::Weights), &[K::PageUp], Action::PageUp, "PgUp/PgDn", "jump 10 neurons", "jump"),
    b(In(View::Weights), &[K::PageDown], Action::PageDown, "", "", ""),
    b(In(View::Weights), &[K::Char('g')], Action::ToggleGrid, "g", "grid overview / single neuron", "grid"),
    b(In(View::Weights), &[K::Char('m')], Action::ToggleShade, "m", "shading: ASCII ramp / gray half blocks / diverging colors", "shading"),
    b(In(View::Weights), &[K::Char('c')], Action::NeuronClass, "c", "only neurons preferring class 0, 1, … 9, then all (clearest first)", "class"),
    b(In(View::Weights), &[K::Char('o')], Action::NeuronOrder, "o", "order: layer order / most selective first", "order"),
    b(In(View::Weights), &[K::Char('w')], Action::ExportImages, "w", "write neuron and grid PNGs", "PNGs"),
    // Selecting and sorting share one help line (←→ and r are in the footer), so the Runs help with
    // the note and hand-in keys still fits 80×24.
    b(In(View::Runs), &[K::Up, K::Char('k')], Action::Up, "↑↓", "select a run (←→: sort column, r: reverse)", "select"),
    b(In(View::Runs), &[K::Down, K::Char('j')], Action::Down, "", "", ""),
    b(In(View::Runs), &[K::Left, K::Char('h')], Action::Left, "←→", "", "sort by"),
    b(In(View::Runs), &[K::Right, K::Char('l')], Action::Right, "", "", ""),
    b(In(View::Runs), &[K::Char('r')], Action::ReverseSort, "r", "", "reverse"),
    b(In(View::Runs), &[K::Char('g')], Action::GroupSeeds, "g", "group runs that differ only in seed: mean ± sd", "seeds"),
    b(In(View::Runs), &[K::Enter], Action::Open, "Enter", "open the run (results, weights)", "open"),
    b(In(View::Runs), &[K::Char('R'), K::F(5)], Action::Rescan, "R", "rescan runs/", "rescan"),
    b(In(View::Runs), &[K::Char('m')], Action::Mark, "m", "mark the run as A / B for comparison", "mark"),
    b(In(View::Runs), &[K::Char('c')], Action::Compare, "c", "compare the marked runs side by side (c/Esc: back)", "compare"),
    b(In(View::Runs), &[K::Char('n'), K::Char('N')], Action::Note, "n", "write a note for the run (kept in its notes.md)", "note"),
    b(In(View::Runs), &[K::Char(' ')], Action::ChooseForHandin, "space/H", "choose the run for the hand-in (✓) / make the hand-in", ""),
    b(In(View::Runs), &[K::Char('H')], Action::Handin, "H", "", "hand-in"),
    // One help line for the two queue keys, so the Runs help still fits 80×24.
    b(In(View::Runs), &[K::Char('S')], Action::RunQueue, "S / x", "run the queue / drop the selected queued setup", ""),
    b(In(View::Runs), &[K::Char('x'), K::Delete], Action::RemoveQueued, "", "", ""),
    b(In(View::Draw), &[K::Up, K::Char('k')], Action::Up, "arrows", "move the cursor (drawing while the pen is down)", "move"),
    b(In(View::Draw), &[K::Down, K::Char('j')], Action::Down, "", "", ""),
    b(In(View::Draw), &[K::Left, K::Char('h')], Action::Left, "", "", ""),
    b(In(View::Draw), &[K::Right, K::Char('l')], Action::Right, "", "", ""),
    b(In(View::Draw), &[K::Char(' ')], Action::Pen, "space", "put the pen down / lift it", "pen"),
    b(In(View::Draw), &[K::Char('x')], Action::Eraser, "x", "pen / eraser", "eraser"),
    b(In(View::Draw), &[K::Char('+'), K::Char('=')], Action::Brush(true), "+ -", "brush size", "brush"),
    b(In(View::Draw), &[K::Char('-')], Action::Brush(false), "", "", ""),
    b(In(View::Draw), &[K::Char('c')], Action::ClearDrawing, "c", "clear the drawing", "clear"),
    b(In(View::Draw), &[K::Char('w')], Action::ExportImages, "w", "save the network's input as a PNG (predict reads it the same)", "save"),
    b(G, &[K::Tab], Action::NextView, "Tab", "next view (Shift-Tab: previous)", "view"),
    b(G, &[K::BackTab], Action::PrevView, "", "", ""),
    b(G, &[K::Char('1')], Action::Go(View::Setup), "1-6", "jump to a view", ""),
    b(G, &[K::Char('2')], Action::Go(View::Train), "", "", ""),
    b(G, &[K::Char('3')], Action::Go(View::Results), "", "", ""),
    b(G, &[K::Char('4')], Action::Go(View::Weights), "", "", ""),
    b(G, &[K::Char('5')], Action::Go(View::Runs), "", "", ""),
    b(G, &[K::Char('6')], Action::Go(View::Draw), "", "", ""),
    b(G, &[K::Char('e')], Action::Export, "e", "where the run is saved (saved after every epoch)", "saved"),
    b(G, &[K::Char('b')], Action::Report, "b", "report.md + charts of the shown run (Runs: the selected)", "report"),
    b(G, &[K::Char('?')], Action::Help, "?", "help", "help"),
    b(G, &[K::Esc], Action::Close, "Esc", "close help / comparison", ""),
    b(G, &[K::Char('q')], Action::Quit, "q", "quit (asks while training)", "quit"),
];

/// The footer while a Setup field is edited.
pub const EDIT_HINTS: &[(&str, &str)] = &[("Enter", "keep"), ("Esc", "revert"), ("Backspace", "delete")];
/// The footer while the note editor is open: every other key types.
pub const NOTE_HINTS: &[(&str, &str)] = &[("Esc", "save and close"), ("Ctrl-S", "save"), ("Enter", "new line"), ("Ctrl-C", "save and quit")];
/// The footer while the hand-in form is open.
pub const FORM_HINTS: &[(&str, &str)] = &[("Enter", "make the hand-in"), ("Esc", "close"), ("↑↓", "field"), ("←→", "change"), ("Backspace", "delete")];

/// Bindings that apply in `view`, the view's own first.
pub fn bindings_for(view: View) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.scope == Scope::In(view))
        .chain(BINDINGS.iter().filter(|b| b.scope == Scope::Global))
}

/// The message a key press means in the app's current state, if any. Modal states (the note editor,
/// the quit question, the hand-in form, a field being edited) come before the table; Ctrl-C always
/// interrupts (with the note editor open, its text is saved first).
pub fn msg_for(app: &App, key: KeyEvent) -> Option<Msg> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == K::Char('c') {
        return Some(Msg::Interrupt);
    }
    if app.note.is_some() || app.awaiting_note.is_some() {
        // Every other key is the editor's (kept for it while the note is read): q, Tab and the digits
        // type, they do not quit or switch.
        return Some(Msg::Note(match key.code {
            K::Char('s') if ctrl => NoteKey::Save,
            K::Esc => NoteKey::SaveAndClose,
            _ => NoteKey::Input(key.into()),
        }));
    }
    if ctrl {
        return None;
    }
    if app.handin.open && !app.confirm_quit {
        return Some(Msg::Form(match key.code {
            K::Enter => FormKey::Submit,
            K::Esc => FormKey::Cancel,
            K::Tab | K::Down => FormKey::Next,
            K::BackTab | K::Up => FormKey::Prev,
            K::Left => FormKey::Left,
            K::Right => FormKey::Right,
            K::Backspace => FormKey::Backspace,
            K::Char(c) => FormKey::Char(c),
            _ => return None,
        }));
    }
    if app.confirm_quit && !app.is_training() {
        // The run ended while the question was open: every answer but Esc quits (nothing to stop or
        // discard any more; the run is kept).
        return match key.code {
            K::Esc => Some(Msg::Action(Action::Close)),
            _ => Some(Msg::Action(Action::ConfirmQuit(QuitChoice::Keep))),
        };
    }
    if app.confirm_quit {
        return match key.code {
            K::Char('y' | 'Y' | 's' | 'S' | 'k' | 'K') => Some(Msg::Action(Action::ConfirmQuit(QuitChoice::Keep))),
            K::Char('d' | 'D') => Some(Msg::Action(Action::ConfirmQuit(QuitChoice::Discard))),
            _ => Some(Msg::Action(Action::Close)),
        };
    }
    if app.form.editing.is_some() && app.view == View::Setup {
        return Some(Msg::Edit(match key.code {
            K::Char(c) => EditKey::Char(c),
            K::Backspace => EditKey::Backspace,
            K::Enter | K::Tab | K::Up | K::Down => EditKey::Done,
            K::Esc => EditKey::Cancel,
            _ => return None,
        }));
    }
    bindings_for(app.view).find(|b| b.codes.contains(&key.code)).map(|b| Msg::Action(b.action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_two_things_in_one_view() {
        for view in <View as strum::IntoEnumIterator>::iter() {
            let mut seen: Vec<(KeyCode, Scope)> = Vec::new();
            for b in bindings_for(view) {
                for &code in b.codes {
                    assert!(
                        !seen.iter().any(|&(c, s)| c == code && s == b.scope),
                        "{code:?} bound twice in {:?}",
                        b.scope
                    );
                    seen.push((code, b.scope));
                }
            }
        }
    }

    #[test]
    fn every_view_has_footer_hints_for_help_and_quit() {
        for view in <View as strum::IntoEnumIterator>::iter() {
            let hints: Vec<&str> = bindings_for(view).filter(|b| !b.footer.is_empty()).map(|b| b.keys).collect();
            assert!(hints.contains(&"?") && hints.contains(&"q"), "{view:?}: {hints:?}");
        }
    }
}
