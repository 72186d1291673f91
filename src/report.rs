//! Reports: every output file implements [`Exporter`] for the report it belongs to (a run, a
//! comparison or a sweep); only [`writer::ReportWriter`] writes files. Console tables and HTML
//! tables are laid out from the same rows.

pub mod compare;
pub mod console;
pub mod csv;
pub mod format;
pub mod html;
pub mod json;
pub mod load;
pub mod outcomes;
pub mod svg;
pub mod sweep;
pub mod writer;

use crate::experiment::Summary;
use crate::model::Scenario;
use crate::sim::{Latency, TimeSeries};

/// Everything a run's exporters read.
pub struct RunReport<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// Its summary.
    pub summary: &'a Summary,
    /// Its time series.
    pub series: &'a TimeSeries,
    /// Latency histograms, "all traffic" first then one per stream.
    pub latencies: &'a [(String, Latency)],
    /// Charts already rendered, by file name: `index.html` embeds the SVG files written
    /// beside it, drawn once.
    pub rendered: std::cell::RefCell<std::collections::BTreeMap<&'static str, Vec<u8>>>,
}

impl RunReport<'_> {
    /// The file `name` as `draw` renders it, drawn at the first call only.
    pub(crate) fn drawn(
        &self,
        name: &'static str,
        draw: impl FnOnce() -> Result<Vec<u8>, ReportError>,
    ) -> Result<Vec<u8>, ReportError> {
        if let Some(bytes) = self.rendered.borrow().get(name) {
            return Ok(bytes.clone());
        }
        let bytes = draw()?;
        self.rendered.borrow_mut().insert(name, bytes.clone());
        Ok(bytes)
    }
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

/// One output file of a report of type `R` (a run, a comparison, a sweep).
pub trait Exporter<R: ?Sized> {
    /// Its file name in the report folder.
    fn file_name(&self) -> &'static str;
    /// Its bytes.
    fn render(&self, report: &R) -> Result<Vec<u8>, ReportError>;
}

/// An exporter of run reports, for any lifetime of the report.
pub type RunExporter = dyn for<'a> Exporter<RunReport<'a>>;

/// The default report folder of a run: `reports/<scenario name>`.
pub fn default_out(name: &str) -> std::path::PathBuf {
    std::path::Path::new("reports").join(name)
}

/// The exporters of a `run` report folder, in the order their files are written.
pub fn run_exporters() -> [&'static RunExporter; 7] {
    [
        &json::SummaryJson,
        &csv::TimeseriesCsv,
        &svg::QueuesSvg,
        &svg::OutcomesSvg,
        &svg::LatencySvg,
        &svg::TopologySvg,
        &html::IndexHtml,
    ]
}

/// Renders every exporter and writes its file with `writer`, in order.
pub fn write_all<R: ?Sized, E: ?Sized + Exporter<R>>(
    writer: &writer::ReportWriter,
    exporters: &[&E],
    report: &R,
) -> Result<(), ReportError> {
    for e in exporters {
        let bytes = e.render(report)?;
        writer.write(e.file_name(), &bytes)?;
    }
    Ok(())
}
