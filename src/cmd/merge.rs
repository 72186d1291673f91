//! `mailflow merge DIR…`: joins sweep shards into one report, the same as an unsharded sweep.

use std::collections::BTreeMap;
use std::path::Path;

use super::AppError;
use super::sweep::print_report;
use crate::cli::MergeArgs;
use crate::experiment::sweep::{PointFile, PointResult, SweepReport, grid};
use crate::report::sweep::{default_out, exporters};
use crate::report::writer::ReportWriter;

/// Reads a shard's `sweep.json`.
fn read_report(dir: &Path) -> Result<SweepReport, AppError> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::Input(format!(
            "{}: {e} (merge takes the folders `mailflow sweep --shard` wrote)",
            path.display()
        ))
    })?;
    serde_json::from_str(&text)
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
    for dir in &args.dirs {
        let r = read_report(dir)?;
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
        return Err(AppError::Input("merge needs at least one folder".into()));
    };
    for (i, (f, _)) in &files {
        listed.insert(*i, f.point.clone());
    }
    report.points = listed.into_values().collect();
    report.update_capacity();
    let missing: Vec<String> = (0..report.grid_points)
        .filter(|i| !report.points.iter().any(|p| p.index == *i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        super::note(&format!(
            "warning: {} of {} points are missing (indexes {}): merge every shard's folder",
            missing.len(),
            report.grid_points,
            missing.join(", ")
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
