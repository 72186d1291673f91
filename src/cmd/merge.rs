//! `mailflow merge DIR…`: joins sweep shards into one report, the same as an unsharded sweep.

use std::collections::BTreeMap;
use std::path::Path;

use super::sweep::print_report;
use super::{AppError, output};
use crate::cli::MergeArgs;
use crate::experiment::sweep::{PointFile, PointResult, SweepReport, grid};
use crate::report::sweep::{default_out, exporters};
use crate::report::writer::ReportWriter;

/// Reads and checks a shard's `sweep.json`: `Ok(None)` when the folder is absent, empty or
/// holds no `sweep.json` yet (a shard that never ran and one that failed before its first point
/// look the same), an error when it holds something that is not a consistent sweep report.
fn read_report(dir: &Path) -> Result<Option<SweepReport>, AppError> {
    let path = dir.join("sweep.json");
    SweepReport::read(&path).map_err(|e| AppError::Input(format!("{}: {e}", path.display())))
}

/// Reads and checks the point files of a shard: each intact (checksum), of this sweep, and at
/// its place in the grid. A file that is not is an error naming it: merging it would put
/// numbers nobody computed into the report.
fn read_points(
    dir: &Path,
    r: &SweepReport,
    files: &mut BTreeMap<usize, (PointFile, Vec<u8>)>,
) -> Result<(), AppError> {
    let grid = grid::points(&r.vary);
    for (i, path) in PointFile::list(dir) {
        let bad = |why: String| {
            AppError::Input(format!(
                "{}: {why}; re-run that shard with --resume (it recomputes such points) and \
                 merge again",
                path.display()
            ))
        };
        let Some(p) = grid.get(i) else {
            return Err(bad(format!(
                "point {i} is outside the grid of {} points",
                r.grid_points
            )));
        };
        let (f, bytes) = PointFile::read_checked_bytes(&path).map_err(bad)?;
        if !f.matches(&r.scenario_hash, r.seed, r.replications, p) {
            return Err(bad(format!(
                "it is not point {i} ({}) of this sweep (another scenario, seed, replications \
                 or grid)",
                p.label()
            )));
        }
        files.entry(i).or_insert((f, bytes));
    }
    Ok(())
}

/// Why two shards cannot be merged, if they cannot.
fn mismatch(a: &SweepReport, b: &SweepReport) -> Option<&'static str> {
    if a.scenario != b.scenario || a.scenario_hash != b.scenario_hash {
        Some("another scenario (or other --set overrides)")
    } else if a.seed != b.seed {
        Some("another --seed")
    } else if a.replications != b.replications {
        Some("another --replications")
    } else if a.slo != b.slo {
        Some("other --slo")
    } else if a.vary != b.vary {
        Some("other --vary")
    } else {
        None
    }
}

/// `mailflow merge`.
pub fn merge(args: &MergeArgs) -> Result<(), AppError> {
    let mut base: Option<SweepReport> = None;
    let mut files: BTreeMap<usize, (PointFile, Vec<u8>)> = BTreeMap::new();
    let mut listed: BTreeMap<usize, PointResult> = BTreeMap::new();
    let mut absent = Vec::new();
    for dir in &args.dirs {
        let Some(r) = read_report(dir)? else {
            absent.push(dir.display().to_string());
            continue;
        };
        if let Some(b) = &base
            && let Some(why) = mismatch(b, &r)
        {
            return Err(AppError::Input(format!(
                "{} is a sweep of {why} than {}: merge only shards of one sweep",
                dir.display(),
                args.dirs[0].display()
            )));
        }
        read_points(dir, &r, &mut files)?;
        for p in &r.points {
            listed.entry(p.index).or_insert_with(|| p.clone());
        }
        base.get_or_insert(r);
    }
    let Some(mut report) = base else {
        return Err(AppError::Input(format!(
            "no sweep to merge: {} hold no sweep.json (a shard that has not run, or failed \
             before its first point); run the shards first",
            absent.join(", ")
        )));
    };
    for (i, (f, _)) in &files {
        listed.insert(*i, f.point.clone());
    }
    report.points = listed.into_values().collect();
    report.shard = None;
    report.update_capacity();
    if !report.complete {
        let missing = report.missing_indices();
        let shown: Vec<String> = missing.iter().take(20).map(usize::to_string).collect();
        let more = if missing.len() > 20 { ", …" } else { "" };
        let folders = if absent.is_empty() {
            String::new()
        } else {
            format!("; no sweep in {}", absent.join(", "))
        };
        let what = format!(
            "{} of {} points are missing (grid indexes {}{more}){folders}",
            missing.len(),
            report.grid_points,
            shown.join(", ")
        );
        if !args.allow_partial {
            return Err(AppError::Input(format!(
                "{what}: re-run the shards that failed (same scenario, --vary, --seed, \
                 --replications and --shard K/N; `--resume` keeps their finished points) and merge \
                 again, or pass --allow-partial for a report marked incomplete"
            )));
        }
        super::note(&format!(
            "warning: {what}: the report is marked incomplete and its capacity is provisional"
        ));
    }
    let out = &args.output;
    // The name comes from a file: `output::folder` keeps it inside reports/.
    let dir = output::folder(out, default_out(&report.scenario))?;
    let writer = ReportWriter::replace(&dir, output::claim(out))?;
    for (i, (_, bytes)) in &files {
        writer.write_unsynced(&format!("points/{}", PointFile::name(*i)), bytes)?;
    }
    crate::report::write_all(&writer, &exporters(), &report)?;
    let dir = writer.commit()?;
    print_report(&report, out.format, out.quiet, &dir)
}
