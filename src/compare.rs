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
    let runs = simulate_all(loaded, seed, !args.quiet);
    let comparison = Comparison::new(&runs, seed);
    let report = CompareReport {
        runs: &runs,
        comparison: &comparison,
    };
    for exporter in exporters() {
        let bytes = exporter.render(&report)?;
        writer.write(exporter.file_name(), &bytes)?;
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&comparison)
                .map_err(|e| AppError::Runtime(e.to_string()))?
        ),
        Format::Table if !args.quiet => {
            print!("{}", table::console(&comparison));
            println!("\nreport: {}", writer.dir().display());
        }
        Format::Table => {}
    }
    Ok(())
}
