//! `mailflow sweep`: check the grid, then run (point × replication) pairs on a thread pool,
//! writing each point's file as soon as its replications finish, then the report and the
//! capacity. The folder grows a point at a time and may be shared by shards; its final files
//! are each replaced atomically at the end.

mod table;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::input::{Source, delay_thresholds, load_to_run, overrides};
use super::{AppError, note, output};
use crate::cli::{OutcomeOpts, SweepArgs};
use crate::experiment::replicate::pool;
use crate::experiment::slo::{self, Metric, Slo};
use crate::experiment::sweep::{
    Capacity, Point, PointFile, PointResult, Shard, SweepReport, grid, point_seed, scenario_hash,
};
use crate::experiment::{self, Summary, simulate};
use crate::model::Scenario;
use crate::report::sweep::{default_out, exporters};
use crate::report::writer::ReportWriter;
use crate::scenario::Override;

pub use table::print_report;

/// The most simulations one sweep may run (points × replications).
pub const MAX_RUNS: usize = 1_000_000;

/// The entries of a sweep folder.
const ENTRIES: [&str; 6] = [
    "sweep.json",
    "sweep.csv",
    "sweep.svg",
    "index.html",
    "points",
    "progress.jsonl",
];

/// What the parallel loop shares.
struct Run<'a> {
    source: &'a Source,
    base: &'a [Override],
    max_messages: u64,
    hash: String,
    seed: u64,
    reps: usize,
    mine: Vec<&'a Point>,
    /// Each point's scenario while its replications run (loaded by the first, dropped by the
    /// last): memory follows the points in progress, not the grid.
    scenarios: Vec<Mutex<Option<Arc<Scenario>>>>,
    runs: Vec<Mutex<Vec<Option<Summary>>>>,
    left: Vec<AtomicUsize>,
    finished: Mutex<BTreeMap<usize, PointResult>>,
    grid_points: usize,
    metrics: Vec<Metric>,
    /// The delay thresholds every point counts.
    thresholds: Vec<crate::time::SimDuration>,
    slos: Vec<Slo>,
    writer: &'a ReportWriter,
    quiet: bool,
}

/// `mailflow sweep`.
pub fn sweep(args: &SweepArgs) -> Result<(), AppError> {
    let out = &args.output;
    let base = overrides(&args.opts)?;
    let (source, loaded) = load_to_run(
        &args.scenario,
        &args.opts,
        args.size.max_messages,
        out.quiet,
    )?;
    let sc = &loaded.scenario;
    let nodes: Vec<String> = sc.nodes.iter().map(|n| n.name.clone()).collect();
    let slos = slo::parse_all(&args.slo, &nodes).map_err(AppError::Input)?;
    // The delays the SLOs name are counted; sweep.csv carries the default ones and those.
    let thresholds = delay_thresholds(&OutcomeOpts::default(), &slos)?;
    let mut metrics = Metric::all(&nodes);
    for s in &slos {
        if !metrics.contains(&s.metric) {
            metrics.push(s.metric.clone());
        }
    }
    let vary = parse_grid(&args.vary)?;
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(AppError::Input)?;
    let seed = args.seed.unwrap_or(sc.seed);
    let reps = args.replications.max(1);
    let grid_points = grid::size(&vary).map_err(AppError::Input)?;
    let all = grid::points(&vary);
    let mine: Vec<&Point> = all
        .iter()
        .filter(|p| shard.is_none_or(|s| s.contains(p.index)))
        .collect();
    if mine.len().saturating_mul(reps) > MAX_RUNS {
        return Err(AppError::Input(format!(
            "the sweep would run {} points × {reps} replications = {} simulations; at most \
             {MAX_RUNS}: use fewer --replications, a coarser --vary or --shard",
            mine.len(),
            mine.len() * reps
        )));
    }
    check_values(&source, &base, &vary, args.size.max_messages)?;
    let dir = output::folder(out, default_out(&sc.name))?;
    let writer = ReportWriter::grow(&dir, output::claim(out), &ENTRIES)?;
    let hash = scenario_hash(&source.text, &args.opts.set);
    let done = previous_points(&writer, &mine, &hash, seed, reps, args.resume)?;
    let resumed = done.len();
    let mut report = SweepReport {
        scenario: sc.name.clone(),
        replications: reps,
        slo: args.slo.clone(),
        seed,
        scenario_hash: hash.clone(),
        vary,
        grid_points,
        points: done.values().cloned().collect(),
        capacity: Capacity {
            key: String::new(),
            value: None,
        },
        complete: false,
        points_missing: 0,
        shard,
    };
    report.update_capacity();
    write_header(&writer, &report)?;
    let todo: Vec<(usize, usize)> = (0..mine.len())
        .filter(|&i| !done.contains_key(&mine[i].index))
        .flat_map(|i| (0..reps).map(move |r| (i, r)))
        .collect();
    if !out.quiet {
        note(&format!(
            "sweep {}: {} of {} points{}, {} replications each{}",
            sc.name,
            mine.len(),
            grid_points,
            shard.map_or(String::new(), |s| format!(" (shard {}/{})", s.k, s.n)),
            reps,
            if resumed > 0 {
                format!(", {resumed} resumed")
            } else {
                String::new()
            }
        ));
    }
    let run = Run {
        source: &source,
        base: &base,
        max_messages: args.size.max_messages,
        hash,
        seed,
        reps,
        scenarios: mine.iter().map(|_| Mutex::new(None)).collect(),
        runs: mine.iter().map(|_| Mutex::new(vec![None; reps])).collect(),
        left: mine.iter().map(|_| AtomicUsize::new(reps)).collect(),
        mine,
        finished: Mutex::new(done),
        grid_points,
        metrics,
        thresholds,
        slos,
        writer: &writer,
        quiet: out.quiet,
    };
    let go = |&(i, r): &(usize, usize)| run.one(i, r);
    match pool(experiment::jobs(args.jobs.jobs)) {
        Some(pool) => pool.install(|| todo.par_iter().try_for_each(go))?,
        None => todo.iter().try_for_each(go)?,
    }
    let finished = run.finished.into_inner().unwrap_or_else(|e| e.into_inner());
    report.points = finished.into_values().collect();
    let report = with_other_shards(report, &writer);
    crate::report::write_all(&writer, &exporters(), &report)?;
    print_report(&report, out.format, out.quiet, writer.dir())
}

/// Parses the `--vary` arguments; a key varied twice is an error.
fn parse_grid(args: &[String]) -> Result<Vec<grid::Vary>, AppError> {
    let vary: Vec<grid::Vary> = args
        .iter()
        .map(|v| grid::parse_vary(v).map_err(AppError::Input))
        .collect::<Result<_, _>>()?;
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|w| w.key == v.key) {
            return Err(AppError::Input(format!(
                "--vary {}: the key is varied twice",
                v.key
            )));
        }
    }
    Ok(vary)
}

/// Loads the scenario with each varied value on its own (and the size check), before any work:
/// a bad value is reported at once, not when its first point comes up.
fn check_values(
    source: &Source,
    base: &[Override],
    vary: &[grid::Vary],
    max_messages: u64,
) -> Result<(), AppError> {
    for v in vary {
        for value in &v.values {
            let point = Point {
                index: 0,
                values: vec![(v.key.clone(), value.clone())],
            };
            load_point(source, base, &point, max_messages)?;
        }
    }
    Ok(())
}

/// The scenario of one point: the base overrides, then the point's values.
fn load_point(
    source: &Source,
    base: &[Override],
    point: &Point,
    max_messages: u64,
) -> Result<Scenario, AppError> {
    let mut o = base.to_vec();
    o.extend(point.overrides());
    let at = |e: AppError| AppError::Input(format!("sweep point {}:\n{e}", point.label()));
    let loaded = source.load(&o).map_err(at)?;
    source.check_size(&loaded, &o, max_messages).map_err(at)?;
    Ok(loaded.scenario)
}

/// The finished points kept from an earlier run of this sweep (`--resume`): files that are
/// intact and computed the same way. Without `--resume`, or for a file that does not qualify,
/// this process's point files are removed so they are recomputed.
fn previous_points(
    writer: &ReportWriter,
    mine: &[&Point],
    hash: &str,
    seed: u64,
    reps: usize,
    resume: bool,
) -> Result<BTreeMap<usize, PointResult>, AppError> {
    let mut done = BTreeMap::new();
    let mut foreign = 0;
    for p in mine {
        let path = writer.dir().join("points").join(PointFile::name(p.index));
        if !path.exists() {
            continue;
        }
        match PointFile::read_checked(&path) {
            Ok(f) if resume && f.matches(hash, seed, reps, p) => {
                done.insert(p.index, f.point);
                continue;
            }
            Ok(_) if resume => foreign += 1,
            Err(why) if resume => note(&format!(
                "warning: {}: {why}; the point is computed again",
                path.display()
            )),
            _ => {}
        }
        std::fs::remove_file(&path)
            .map_err(|e| AppError::Runtime(format!("cannot remove {}: {e}", path.display())))?;
    }
    if foreign > 0 {
        // One line, not one per point: a whole folder of another sweep is the usual cause.
        note(&format!(
            "warning: {}: {foreign} finished point(s) are of another sweep (another scenario,              --set, --seed, --replications or grid); they are computed again",
            writer.dir().join("points").display()
        ));
    }
    Ok(done)
}

/// Writes `sweep.json` at the start unless an intact one of this very sweep is there (another
/// shard's, or an interrupted run's): `merge` reads the sweep's parameters from it.
fn write_header(writer: &ReportWriter, report: &SweepReport) -> Result<(), AppError> {
    let path = writer.dir().join("sweep.json");
    let same = SweepReport::read(&path).ok().flatten().is_some_and(|r| {
        r.scenario_hash == report.scenario_hash
            && r.seed == report.seed
            && r.replications == report.replications
            && r.vary == report.vary
            && r.slo == report.slo
    });
    if !same {
        writer.write("sweep.json", &report.json())?;
    }
    Ok(())
}

impl Run<'_> {
    /// The scenario of point `i`, loaded by the first replication that needs it.
    fn scenario(&self, i: usize) -> Result<Arc<Scenario>, AppError> {
        let mut slot = self.scenarios[i].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sc) = slot.as_ref() {
            return Ok(sc.clone());
        }
        let mut point = load_point(self.source, self.base, self.mine[i], self.max_messages)?;
        point.set_delay_thresholds(self.thresholds.iter().copied());
        let sc = Arc::new(point);
        *slot = Some(sc.clone());
        Ok(sc)
    }

    /// Runs replication `rep` of point `i`; the last replication of a point writes its file and
    /// appends a line to `progress.jsonl` (never a rewrite of what earlier points wrote).
    fn one(&self, i: usize, rep: usize) -> Result<(), AppError> {
        let p = self.mine[i];
        let seed = point_seed(self.seed, p, rep);
        let sc = self.scenario(i)?;
        let summary = simulate(&sc, seed, None).summary;
        self.runs[i].lock().unwrap_or_else(|e| e.into_inner())[rep] = Some(summary);
        if self.left[i].fetch_sub(1, Ordering::AcqRel) != 1 {
            return Ok(());
        }
        *self.scenarios[i].lock().unwrap_or_else(|e| e.into_inner()) = None;
        let runs: Vec<Summary> =
            std::mem::take(&mut *self.runs[i].lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .flatten()
                .collect();
        let result = PointResult::from_runs(p, &self.metrics, &self.slos, &runs);
        let file = PointFile::new(
            self.hash.clone(),
            self.seed,
            self.reps,
            p.canonical(),
            result,
        );
        let bytes =
            serde_json::to_vec_pretty(&file).map_err(|e| AppError::Runtime(e.to_string()))?;
        let path = self
            .writer
            .write_unsynced(&format!("points/{}", PointFile::name(p.index)), &bytes)?;
        // Keep what the file says, so resumed and merged sweeps print the very same numbers.
        let file = PointFile::read_checked(&path)
            .map_err(|e| AppError::Runtime(format!("cannot read back {}: {e}", path.display())))?;
        let mut line = serde_json::json!({
            "index": p.index,
            "values": file.point.values,
            "slo_met": file.point.slo_met,
        })
        .to_string();
        line.push('\n');
        self.writer.append("progress.jsonl", line.as_bytes())?;
        let count = {
            let mut finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
            finished.insert(p.index, file.point.clone());
            finished.len()
        };
        if !self.quiet {
            let verdict = if file.point.slo_met {
                "SLOs met"
            } else {
                "SLO missed"
            };
            note(&format!(
                "  [{}/{}] {}: {verdict}",
                count,
                self.grid_points,
                p.label()
            ));
        }
        Ok(())
    }
}

/// Adds the points other shards wrote into the same folder (intact, same scenario, seed,
/// replications and grid point).
fn with_other_shards(mut report: SweepReport, writer: &ReportWriter) -> SweepReport {
    let grid = grid::points(&report.vary);
    let mut have: std::collections::BTreeSet<usize> =
        report.points.iter().map(|p| p.index).collect();
    for (i, path) in PointFile::list(writer.dir()) {
        if have.contains(&i) {
            continue;
        }
        let Some(p) = grid.get(i) else { continue };
        if let Ok(f) = PointFile::read_checked(&path)
            && f.matches(&report.scenario_hash, report.seed, report.replications, p)
        {
            have.insert(i);
            report.points.push(f.point);
        }
    }
    report.points.sort_by_key(|p| p.index);
    report.update_capacity();
    report
}
