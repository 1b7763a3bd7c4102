//! What a run directory's tables and weight pictures say, as pure functions of results: CSV text and
//! PNG bytes. Writing them is `rundir`'s.

pub mod images;
pub mod tables;
