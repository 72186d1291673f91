//! `mailflow compare`: several scenarios under one seed (common random numbers), side by side.
//!
//! Each scenario runs through the same pipeline as `run` (`app::load`, `app::simulate`); the
//! random streams are keyed by purpose and entity name, so scenarios that share traffic
//! sections generate the same messages and differ only by what their topology does with them.

pub mod charts;
pub mod html;
pub mod table;
pub mod words;

use std::path::{Path, PathBuf};

use crate::app::{self, AppError};
use crate::cli::{CompareArgs, Format};
use crate::model::Scenario;
use crate::report::ReportError;
use crate::report::writer::ReportWriter;
use crate::stats::{Summary, TimeSeries};

pub use table::{Column, Comparison};

/// One scenario's run within a comparison.
pub struct Compared {
    /// The file it was loaded from.
    pub file: PathBuf,
    /// The scenario (with `--set` applied).
    pub scenario: Scenario,
    /// Its summary.
    pub summary: Summary,
    /// Its time series.
    pub series: TimeSeries,
}

/// Everything a comparison's exporters read.
pub struct CompareReport<'a> {
    /// The runs, in command-line order.
    pub runs: &'a [Compared],
    /// The numbers side by side, and the differences in words.
    pub comparison: &'a Comparison,
}

/// One output file of a comparison (the counterpart of [`crate::report::Exporter`]).
pub trait CompareExporter {
    /// Its file name in the report folder.
    fn file_name(&self) -> &'static str;
    /// Its bytes.
    fn render(&self, report: &CompareReport<'_>) -> Result<Vec<u8>, ReportError>;
}

/// The exporters of a `compare` report folder.
pub fn exporters() -> Vec<Box<dyn CompareExporter>> {
    vec![
        Box::new(table::ComparisonJson),
        Box::new(charts::QueuesOverlay),
        Box::new(charts::OutcomesOverlay),
        Box::new(charts::LatencyOverlay),
        Box::new(html::CompareHtml),
    ]
}

/// The default folder: `reports/compare-<a>-vs-<b>[-vs-<c>…]`.
pub fn default_out(names: &[&str]) -> PathBuf {
    Path::new("reports").join(format!("compare-{}", names.join("-vs-")))
}

/// Runs every scenario with `seed`, in order.
pub fn simulate_all(loaded: Vec<(PathBuf, Scenario)>, seed: u64, progress: bool) -> Vec<Compared> {
    loaded
        .into_iter()
        .map(|(file, scenario)| {
            let (summary, series) = app::simulate(&scenario, seed, progress);
            Compared {
                file,
                scenario,
                summary,
                series,
            }
        })
        .collect()
}

/// Runs every scenario `n` times with the same derived seeds (replication 0 is the plain run
/// with `seed`, which the tables and charts show).
pub fn replicate_all(
    loaded: Vec<(PathBuf, Scenario)>,
    seed: u64,
    n: usize,
    jobs: usize,
) -> (Vec<Compared>, Vec<crate::sweep::Replicated>) {
    loaded
        .into_iter()
        .map(|(file, scenario)| {
            let rep = crate::sweep::replicate(&scenario, seed, n, jobs);
            let run = Compared {
                file,
                summary: rep.summaries[0].clone(),
                series: rep.series.clone(),
                scenario,
            };
            (run, rep)
        })
        .unzip()
}

/// Means with 95% confidence intervals of the main metrics, one column per scenario.
fn ci_table(runs: &[Compared], reps: &[crate::sweep::Replicated]) -> String {
    type Metric = (&'static str, fn(&Summary) -> f64, fn(f64) -> String);
    let metrics: [Metric; 5] = [
        (
            "generated",
            |s| s.messages.generated as f64,
            |v| format!("{v:.0}"),
        ),
        ("NDR rate", |s| s.ndr_rate, |v| format!("{:.4}%", v * 100.0)),
        (
            "latency mean",
            |s| s.latency_s.mean,
            crate::report::console::secs,
        ),
        (
            "latency p99",
            |s| s.latency_s.p99,
            crate::report::console::secs,
        ),
        (
            "in flight at end",
            |s| s.messages.in_flight as f64,
            |v| format!("{v:.0}"),
        ),
    ];
    let mut header = vec!["mean [95% CI]"];
    header.extend(runs.iter().map(|r| r.scenario.name.as_str()));
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|(name, f, fmt)| {
            let mut row = vec![name.to_string()];
            for rep in reps {
                let e = rep.estimate(f);
                row.push(format!(
                    "{} [{}, {}]",
                    fmt(e.mean),
                    fmt(e.ci95[0]),
                    fmt(e.ci95[1])
                ));
            }
            row
        })
        .collect();
    let n = reps.first().map_or(0, |r| r.summaries.len());
    format!(
        "\n{n} replications per scenario, same seeds for every scenario:\n{}",
        crate::report::console::table(&header, &rows)
    )
}

/// `mailflow compare`.
pub fn run(args: &CompareArgs) -> Result<(), AppError> {
    let mut loaded = Vec::with_capacity(args.scenarios.len());
    for path in &args.scenarios {
        let l = app::load(path, &args.opts, args.quiet)?;
        loaded.push((path.clone(), l.scenario));
    }
    let seed = args
        .seed
        .unwrap_or_else(|| loaded.first().map_or(1, |(_, sc)| sc.seed));
    let names: Vec<&str> = loaded.iter().map(|(_, sc)| sc.name.as_str()).collect();
    let out = args.out.clone().unwrap_or_else(|| default_out(&names));
    let writer = ReportWriter::claim(&out, args.force)?;
    let (runs, replicated) = if args.replications > 1 {
        replicate_all(
            loaded,
            seed,
            args.replications,
            crate::sweep::jobs(args.jobs),
        )
    } else {
        (simulate_all(loaded, seed, !args.quiet), Vec::new())
    };
    let comparison = Comparison::new(&runs, seed);
    let report = CompareReport {
        runs: &runs,
        comparison: &comparison,
    };
    for exporter in exporters() {
        let bytes = exporter.render(&report)?;
        writer.write(exporter.file_name(), &bytes)?;
    }
    let json_err = |e: serde_json::Error| AppError::Runtime(e.to_string());
    let mut json = serde_json::to_value(&comparison).map_err(json_err)?;
    if !replicated.is_empty() {
        // comparison.json gains every scenario's replications: mean, ci95 and runs per number.
        if let serde_json::Value::Object(m) = &mut json {
            let reps = runs
                .iter()
                .zip(&replicated)
                .map(|(r, rep)| (r.scenario.name.clone(), rep.to_json()))
                .collect();
            m.insert("replications".into(), serde_json::Value::Object(reps));
        }
        let text = serde_json::to_string_pretty(&json).map_err(json_err)?;
        writer.write("comparison.json", format!("{text}\n").as_bytes())?;
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&json).map_err(json_err)?),
        Format::Table if !args.quiet => {
            print!("{}", table::console(&comparison));
            if !replicated.is_empty() {
                print!("{}", ci_table(&runs, &replicated));
            }
            println!("\nreport: {}", writer.dir().display());
        }
        Format::Table => {}
    }
    Ok(())
}
