//! `mailflow sweep`: load every point, run (point × replication) pairs on a thread pool, write
//! each point as soon as its replications finish, then the report and the capacity.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::input::{delay_thresholds, load_to_run, overrides};
use super::{AppError, note, print};
use crate::cli::{Format, OutcomeOpts, SweepArgs};
use crate::experiment::replicate::pool;
use crate::experiment::slo::{self, Metric, Slo};
use crate::experiment::sweep::{
    Capacity, Point, PointFile, PointResult, Shard, SweepReport, grid, point_seed, scenario_hash,
};
use crate::experiment::{self, Summary, simulate};
use crate::model::Scenario;
use crate::report::sweep::{default_out, exporters, progress_exporters};
use crate::report::writer::ReportWriter;

/// What the parallel loop shares.
struct Run<'a> {
    report: Mutex<SweepReport>,
    seed: u64,
    mine: Vec<&'a Point>,
    scenarios: Vec<Scenario>,
    runs: Vec<Mutex<Vec<Option<Summary>>>>,
    left: Vec<AtomicUsize>,
    metrics: Vec<Metric>,
    slos: Vec<Slo>,
    writer: &'a ReportWriter,
    points: &'a ReportWriter,
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
    let vary: Vec<grid::Vary> = args
        .vary
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
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(AppError::Input)?;
    let seed = args.seed.unwrap_or(sc.seed);
    let reps = args.replications.max(1);
    let hash = scenario_hash(&source.text, &args.opts.set);
    let all = grid::points(&vary);
    let mine: Vec<&Point> = all
        .iter()
        .filter(|p| shard.is_none_or(|s| s.contains(p.index)))
        .collect();
    // The delays the SLOs name are counted; sweep.csv carries the default ones and those.
    let thresholds = delay_thresholds(&OutcomeOpts::default(), &slos)?;
    let mut metrics = Metric::all(&nodes);
    for s in &slos {
        if !metrics.contains(&s.metric) {
            metrics.push(s.metric.clone());
        }
    }
    let mut scenarios = Vec::with_capacity(mine.len());
    for p in &mine {
        let mut o = base.clone();
        o.extend(p.overrides());
        let l = source
            .load(&o)
            .map_err(|e| AppError::Input(format!("sweep point {}:\n{e}", p.label())))?;
        let mut point = l.scenario;
        point.set_delay_thresholds(thresholds.iter().copied());
        scenarios.push(point);
    }
    let dir = out.out.clone().unwrap_or_else(|| default_out(&sc.name));
    let writer = ReportWriter::claim(&dir, out.force)?;
    let points_writer = ReportWriter::claim(&dir.join("points"), out.force)?;
    let mut done = BTreeMap::new();
    for p in &mine {
        let path = points_writer.dir().join(PointFile::name(p.index));
        match PointFile::read(&path) {
            Some(f) if args.resume && f.matches(&hash, seed, reps, p) => {
                done.insert(p.index, f.point);
            }
            _ if path.exists() => std::fs::remove_file(&path)
                .map_err(|e| AppError::Runtime(format!("cannot remove {}: {e}", path.display())))?,
            _ => {}
        }
    }
    let resumed = done.len();
    let report = SweepReport {
        scenario: sc.name.clone(),
        replications: reps,
        slo: args.slo.clone(),
        seed,
        scenario_hash: hash,
        vary,
        grid_points: all.len(),
        points: done.into_values().collect(),
        capacity: Capacity {
            key: String::new(),
            value: None,
        },
        complete: false,
        points_missing: 0,
        shard,
    };
    let todo: Vec<(usize, usize)> = (0..mine.len())
        .filter(|&i| !report.points.iter().any(|p| p.index == mine[i].index))
        .flat_map(|i| (0..reps).map(move |r| (i, r)))
        .collect();
    if !out.quiet {
        note(&format!(
            "sweep {}: {} of {} points{}, {} replications each{}",
            sc.name,
            mine.len(),
            all.len(),
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
        report: Mutex::new(report),
        seed,
        runs: mine.iter().map(|_| Mutex::new(vec![None; reps])).collect(),
        left: mine.iter().map(|_| AtomicUsize::new(reps)).collect(),
        mine,
        scenarios,
        metrics,
        slos,
        writer: &writer,
        points: &points_writer,
        quiet: out.quiet,
    };
    let go = |&(i, r): &(usize, usize)| run.one(i, r);
    match pool(experiment::jobs(args.jobs.jobs)) {
        Some(pool) => pool.install(|| todo.par_iter().try_for_each(go))?,
        None => todo.iter().try_for_each(go)?,
    }
    let report = run.report.into_inner().unwrap_or_else(|e| e.into_inner());
    let report = with_other_shards(report, &points_writer);
    crate::report::write_all(&writer, &exporters(), &report)?;
    print_report(&report, out.format, out.quiet, writer.dir())
}

impl Run<'_> {
    /// Runs replication `rep` of point `i`; the last replication of a point writes it.
    fn one(&self, i: usize, rep: usize) -> Result<(), AppError> {
        let p = self.mine[i];
        let seed = point_seed(self.seed, p, rep);
        let summary = simulate(&self.scenarios[i], seed, None).summary;
        self.runs[i].lock().unwrap_or_else(|e| e.into_inner())[rep] = Some(summary);
        if self.left[i].fetch_sub(1, Ordering::AcqRel) != 1 {
            return Ok(());
        }
        let runs: Vec<Summary> =
            std::mem::take(&mut *self.runs[i].lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .flatten()
                .collect();
        let result = PointResult::from_runs(p, &self.metrics, &self.slos, &runs);
        let mut report = self.report.lock().unwrap_or_else(|e| e.into_inner());
        let file = PointFile {
            scenario_hash: report.scenario_hash.clone(),
            seed: report.seed,
            replications: report.replications,
            canonical: p.canonical(),
            point: result,
        };
        let bytes =
            serde_json::to_vec_pretty(&file).map_err(|e| AppError::Runtime(e.to_string()))?;
        let path = self.points.write(&PointFile::name(p.index), &bytes)?;
        // Keep what the file says, so resumed and merged sweeps print the very same numbers.
        let file = PointFile::read(&path)
            .ok_or_else(|| AppError::Runtime(format!("cannot read back {}", path.display())))?;
        if !self.quiet {
            let verdict = if file.point.slo_met {
                "SLOs met"
            } else {
                "SLO missed"
            };
            note(&format!(
                "  [{}/{}] {}: {verdict}",
                report.points.len() + 1,
                report.grid_points,
                p.label()
            ));
        }
        let at = report.points.partition_point(|q| q.index < p.index);
        report.points.insert(at, file.point);
        report.update_capacity();
        crate::report::write_all(self.writer, &progress_exporters(), &*report)?;
        Ok(())
    }
}

/// Adds the points other shards wrote into the same folder (same scenario, seed, replications).
fn with_other_shards(mut report: SweepReport, points: &ReportWriter) -> SweepReport {
    let have: Vec<usize> = report.points.iter().map(|p| p.index).collect();
    let grid = grid::points(&report.vary);
    for f in PointFile::read_all(points.dir().parent().unwrap_or(points.dir())) {
        let i = f.point.index;
        if !have.contains(&i)
            && grid.get(i).is_some_and(|p| {
                f.matches(&report.scenario_hash, report.seed, report.replications, p)
            })
        {
            report.points.push(f.point);
        }
    }
    report.points.sort_by_key(|p| p.index);
    report.update_capacity();
    report
}

/// Prints the points and the capacity (or `sweep.json` with `--format json`).
pub fn print_report(
    r: &SweepReport,
    format: Format,
    quiet: bool,
    dir: &Path,
) -> Result<(), AppError> {
    if format == Format::Json {
        let json = crate::report::Exporter::render(&crate::report::sweep::SweepJson, r)?;
        return print(&String::from_utf8_lossy(&json));
    }
    if quiet {
        return print(&crate::report::sweep::console::quiet(r));
    }
    let mut text = crate::report::sweep::console::full(r);
    text += &format!("report: {}\n", dir.display());
    print(&text)
}
