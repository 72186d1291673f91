//! `mailflow merge DIR…`: joins sweep shards into one report, the same as an unsharded sweep.

use std::collections::BTreeMap;
use std::path::Path;

use super::AppError;
use super::sweep::print_report;
use crate::cli::MergeArgs;
use crate::experiment::sweep::{PointFile, PointResult, SweepReport, grid};
use crate::report::sweep::{default_out, exporters};
use crate::report::writer::ReportWriter;

/// Reads a shard's `sweep.json`: `Ok(None)` when the folder is absent, empty or holds no
/// `sweep.json` yet (a shard that never ran and one that failed before its first point look
/// the same), an error when it holds something that is not a sweep report.
fn read_report(dir: &Path) -> Result<Option<SweepReport>, AppError> {
    let path = dir.join("sweep.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AppError::Runtime(format!("{}: {e}", path.display()))),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| AppError::Input(format!("{}: not a sweep report: {e}", path.display())))
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
        let grid = grid::points(&r.vary);
        for f in PointFile::read_all(dir) {
            let ok = grid
                .get(f.point.index)
                .is_some_and(|p| f.matches(&r.scenario_hash, r.seed, r.replications, p));
            if ok && !files.contains_key(&f.point.index) {
                let path = dir.join("points").join(PointFile::name(f.point.index));
                let bytes = std::fs::read(&path).unwrap_or_default();
                files.insert(f.point.index, (f, bytes));
            }
        }
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
    report.update_capacity();
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
    let dir = out
        .out
        .clone()
        .unwrap_or_else(|| default_out(&report.scenario));
    let writer = ReportWriter::claim(&dir, out.force)?;
    let points = ReportWriter::claim(&dir.join("points"), out.force)?;
    for (i, (_, bytes)) in &files {
        points.write(&PointFile::name(*i), bytes)?;
    }
    crate::report::write_all(&writer, &exporters(), &report)?;
    print_report(&report, out.format, out.quiet, writer.dir())
}
