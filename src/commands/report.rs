//! `digitlab report`: rebuild the report bundle of a run or sweep directory.

use anyhow::Result;

use crate::cli::ReportCmd;
use crate::rundir::{self, Target, REPORT_MD};

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
        Target::Sweep(_) => rundir::write_sweep_bundle(&cmd.dir, &data)?,
    };
    for path in &written {
        println!("{}", path.display());
    }
    println!("open {}", cmd.dir.join(REPORT_MD).display());
    Ok(())
}

