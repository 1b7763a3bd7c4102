//! Training: configuration, optimizer, the worker thread and the events it sends. Knows nothing of
//! how the events are shown.

pub mod batch;
pub mod config;
pub mod diagnostics;
pub mod eval;
pub mod memory;
pub mod neurons;
pub mod events;
pub mod optimizer;
pub mod progress;
pub mod spinners;
pub mod worker;

pub use config::{OptimizerKind, TrainConfig};
pub use events::*;
pub use progress::Progress;
pub use worker::{Trainer, BATCH_EVENT_INTERVAL};
