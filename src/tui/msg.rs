//! The messages that change the dashboard's state: keys (as actions or edits), trainer events, and
//! the results of effects. Kept apart from `app` and `keys` so that neither imports the other's.

use super::effects::Done;
pub use super::handin_form::FormKey;
use crate::train::Event;

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum View {
    Setup,
    Train,
    Results,
    Weights,
    Runs,
    Draw,
}

impl View {
    pub fn title(self) -> &'static str {
        match self {
            View::Setup => "Setup",
            View::Train => "Train",
            View::Results => "Results",
            View::Weights => "Weights",
            View::Runs => "Runs",
            View::Draw => "Draw",
        }
    }
    pub fn step(self, forward: bool) -> View {
        crate::enums::cycle(self, forward)
    }

    /// The view's tab: " N Title", with a trailing space on screens 100 columns or wider (below, the
    /// run's state must still fit beside the tabs at 80).
    pub fn tab_label(self, screen_width: u16) -> String {
        let n = <View as strum::IntoEnumIterator>::iter().position(|v| v == self).unwrap_or(0) + 1;
        format!(" {n} {}{}", self.title(), if screen_width < 100 { "" } else { " " })
    }

    /// The view whose tab is at `column` of the tab row.
    pub fn tab_at(column: u16, screen_width: u16) -> Option<View> {
        let mut x = TABS_LEAD.chars().count() as u16;
        for v in <View as strum::IntoEnumIterator>::iter() {
            let w = v.tab_label(screen_width).chars().count() as u16;
            if (x..x + w).contains(&column) {
                return Some(v);
            }
            x += w;
        }
        None
    }
}

/// What the tab row starts with.
pub const TABS_LEAD: &str = "digitlab ";

/// What a key asks for; views interpret the generic moves (Up, Left, …) for themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Close,
    NextView,
    PrevView,
    Go(View),
    Export,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Edit,
    AddLayer,
    RemoveLayer,
    MoveLayerUp,
    MoveLayerDown,
    Start,
    PauseResume,
    Stop,
    ToggleNormalized,
    ToggleReport,
    ToggleShade,
    ToggleGrid,
    /// Weights: neurons in layer order, or most selective first.
    NeuronOrder,
    /// Weights: only the neurons preferring the next class (all, 0, 1, …), clearest first.
    NeuronClass,
    ExportImages,
    ReverseSort,
    /// Runs: list runs that differ only in seed as one row (mean ± sd), or each on its own.
    GroupSeeds,
    Rescan,
    Open,
    /// The answer to the quit question asked while training.
    ConfirmQuit(QuitChoice),
    Enqueue,
    RunQueue,
    ClearQueue,
    RemoveQueued,
    Mark,
    Compare,
    Report,
    /// Write a note for the selected (Runs) or shown (Results) run: its `notes.md`.
    Note,
    /// Runs: put the selected run in the hand-in, or take it out.
    ChooseForHandin,
    /// Runs: open the hand-in form.
    Handin,
    /// Draw: put the pen down or lift it.
    Pen,
    /// Draw: pen or eraser.
    Eraser,
    /// Draw: start again.
    ClearDrawing,
    /// Draw: a bigger (true) or smaller brush.
    Brush(bool),
}

/// A key while the note editor is open: every key but Ctrl-C goes to the editor.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteKey {
    /// Typing, moving, deleting: what the text area does with the key.
    Input(ratatui_textarea::Input),
    /// Ctrl-S: save and go on writing.
    Save,
    /// Esc: save, and close once saved.
    SaveAndClose,
}

/// A key while a form field is being edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKey {
    Char(char),
    Backspace,
    Done,
    Cancel,
}

/// Everything that can change the state.
#[derive(Debug)]
pub enum Msg {
    Action(Action),
    Edit(EditKey),
    /// A key for the open note editor.
    Note(NoteKey),
    /// A key for the open hand-in form.
    Form(FormKey),
    Trainer(Event),
    /// The trainer's channel closed without a final event.
    TrainerGone,
    /// Ctrl-C, SIGTERM, SIGHUP or a lost terminal: stop, keep finished epochs, quit.
    Interrupt,
    /// An effect asked for by `update` has been carried out.
    Done(Done),
    /// What the terminal can show (colors, Unicode) changed.
    Theme(super::theme::Theme),
    /// A mouse event, with the screen it happened on (to find what is under it).
    Mouse { event: crossterm::event::MouseEvent, screen: ratatui::layout::Rect },
    /// A left click on something the current view lists, found where the view drew it.
    Pick(Pick),
}

/// What a click picked, named as the state names it. The view that drew it finds it under the
/// mouse (`views::pick_at`, from the geometry it draws with); `update` selects it as the keys would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Results: the confusion cell (predicted, actual).
    Cell(usize, usize),
    /// Weights: a first-layer neuron of the grid.
    Neuron(usize),
    /// Runs: a row of the table, counted in display order, and the first row the table showed (where
    /// it stays).
    Run { row: usize, top: usize },
}

/// What `q` during training does, chosen in the quit question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitChoice {
    /// Stop after the current batch, save the finished epochs (status stopped), quit.
    Keep,
    /// Stop and delete the run's directory, then quit.
    Discard,
}

