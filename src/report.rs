//! Exporters: every output format implements [`Exporter`]; only [`writer::ReportWriter`] writes
//! files.

pub mod console;
pub mod csv;
pub mod html;
pub mod json;
pub mod svg;
pub mod writer;

use crate::model::Scenario;
use crate::stats::{Summary, TimeSeries};

/// Everything a run's exporters read.
pub struct RunReport<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// Its summary.
    pub summary: &'a Summary,
    /// Its time series.
    pub series: &'a TimeSeries,
    /// Latency histograms, "all traffic" first then one per stream, when at hand (the latency
    /// chart then draws the full CDF instead of joining the quantiles).
    pub latencies: Option<&'a [(String, crate::stats::Latency)]>,
}

/// An error while rendering or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Serialisation failed.
    #[error("cannot render {file}: {reason}")]
    Render {
        /// File being rendered.
        file: String,
        /// Why.
        reason: String,
    },
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// Path being written.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The folder holds files mailflow did not write.
    #[error(
        "{path} exists and holds files mailflow did not write; choose another folder with --out, or pass --force to write into it anyway"
    )]
    ForeignFolder {
        /// The folder.
        path: String,
    },
}

/// One output file of a run.
pub trait Exporter {
    /// Its file name in the report folder.
    fn file_name(&self) -> &'static str;
    /// Its bytes.
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError>;
}

/// The exporters of a `run` report folder.
pub fn run_exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(json::SummaryJson),
        Box::new(csv::TimeseriesCsv),
        Box::new(svg::QueuesSvg),
        Box::new(svg::OutcomesSvg),
        Box::new(svg::LatencySvg),
        Box::new(svg::TopologySvg),
        Box::new(html::IndexHtml),
    ]
}
