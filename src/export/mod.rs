//! What a run directory's files say, as pure functions of results: CSV tables, PNG pictures of the
//! weights and `report.md`. Writing them is `rundir`'s.

pub mod images;
pub mod report;
pub mod tables;
