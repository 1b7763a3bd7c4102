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
    /// Also write every test digit of one confusion pair, true class A taken for P, as
    /// `misclassified-actualA-predP.png` (a run directory only).
    #[arg(long, value_name = "A,P", value_parser = pair_arg)]
    pub pair: Option<(u8, u8)>,
}

fn pair_arg(s: &str) -> Result<(u8, u8), String> {
    let (a, p) = s.split_once(',').ok_or_else(|| format!("'{s}' is not ACTUAL,PREDICTED (for example 9,4)"))?;
    let class = |v: &str| v.trim().parse::<u8>().map_err(|_| format!("'{v}' in '{s}' is not a class number"));
    let (a, p) = (class(a)?, class(p)?);
    if a == p {
        return Err(format!("{s}: a class taken for itself is not a mistake; give two different classes"));
    }
    Ok((a, p))
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
    if let Some((actual, predicted)) = cmd.pair {
        if !matches!(target, Target::Run) {
            anyhow::bail!("--pair needs a run directory, and {} is a sweep: name one of its runs", cmd.dir.display());
        }
        if actual as usize >= data.classes || predicted as usize >= data.classes {
            anyhow::bail!("--pair {actual},{predicted}: the data has classes 0 to {}", data.classes - 1);
        }
    }
    let mut written = match &target {
        Target::Run => rundir::write_bundle(&cmd.dir, &data)?,
        Target::Sweep(_) => {
            // The sweep's report.md shows the study when seeds repeat; both are written together.
            let runs = rundir::list(std::slice::from_ref(&cmd.dir))?.runs;
            let study = crate::experiments::sweep::study_files(&runs)?.map(|(_, files)| files).unwrap_or_default();
            rundir::write_sweep_bundle(&cmd.dir, &data, study)?
        }
    };
    if let Some((actual, predicted)) = cmd.pair {
        let predictions = rundir::read_predictions(&cmd.dir, &data)?;
        written.push(rundir::write_pair_png(&cmd.dir, &data.test, &predictions, actual, predicted)?);
    }
    for path in &written {
        println!("{}", path.display());
    }
    println!("open {}", cmd.dir.join(REPORT_MD).display());
    Ok(())
}

