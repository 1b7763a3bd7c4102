//! `digitlab report`: rebuild the report bundle of a run or sweep directory.

use std::path::PathBuf;
use anyhow::Result;
use clap::Args;

use crate::rundir::{self, Target, REPORT_MD};

#[derive(Debug, Args)]
pub struct ReportCmd {
    /// A run directory (with summary.json) or a sweep directory (with run directories inside).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// MNIST directory for the misclassified-digit pictures (default: the one the run recorded, else
    /// $DIGITLAB_DATA, else the bundled copy).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

pub fn run(cmd: &ReportCmd) -> Result<()> {
    let target = Target::of(&cmd.dir)?;
    let first = match &target {
        Target::Run => cmd.dir.clone(),
        Target::Sweep(runs) => runs[0].clone(),
    };
    // The data the run recorded, unless --data says otherwise; a recorded path that no longer exists
    // falls back to $DIGITLAB_DATA, then the bundled copy.
    let recorded = rundir::read_summary(&first)?.data.dir;
    let (dir, source) = match (&cmd.data, recorded.is_dir()) {
        (Some(flag), _) => (flag.clone(), "--data"),
        (None, true) => (recorded, "recorded by the run"),
        (None, false) => match crate::data::resolve_data_dir(None)? {
            (dir, crate::data::DataDirSource::Env) => (dir, "$DIGITLAB_DATA"),
            (dir, _) => (dir, "bundled copy"),
        },
    };
    let data = crate::data::load_dir(&dir)?;
    eprintln!("data: {} ({source}) for the misclassified digits", dir.display());
    let written = match &target {
        Target::Run => rundir::write_bundle(&cmd.dir, &data)?,
        Target::Sweep(_) => {
            // The study first: the sweep's report.md shows it when seeds repeat.
            let runs = rundir::list(std::slice::from_ref(&cmd.dir))?.runs;
            let mut written = crate::experiments::sweep::write_study(&cmd.dir, &runs)?.map(|(_, w)| w).unwrap_or_default();
            written.extend(rundir::write_sweep_bundle(&cmd.dir, &data)?);
            written
        }
    };
    for path in &written {
        println!("{}", path.display());
    }
    println!("open {}", cmd.dir.join(REPORT_MD).display());
    Ok(())
}

