//! The report of `mailflow compare`: the numbers side by side (`comparison.json`, the console
//! and HTML tables from the same rows), the differences in words, and overlay charts.

pub mod charts;
pub mod deltas;
pub mod html;
pub mod table;
pub mod words;

use std::path::{Path, PathBuf};

use super::Exporter;
use crate::experiment::compare::Compared;

pub use table::{Column, Comparison};

/// Everything a comparison's exporters read.
pub struct CompareReport<'a> {
    /// The runs, in command-line order.
    pub runs: &'a [Compared],
    /// The numbers side by side, and the differences in words.
    pub comparison: &'a Comparison,
}

/// An exporter of comparison reports, for any lifetime of the report.
pub type CompareExporter = dyn for<'a> Exporter<CompareReport<'a>>;

/// The exporters of a `compare` report folder, in the order their files are written.
pub fn exporters() -> [&'static CompareExporter; 5] {
    [
        &table::ComparisonJson,
        &charts::QueuesOverlay,
        &charts::OutcomesOverlay,
        &charts::LatencyOverlay,
        &html::CompareHtml,
    ]
}

/// The default folder: `reports/compare-<a>-vs-<b>[-vs-<c>…]`.
pub fn default_out(names: &[&str]) -> PathBuf {
    Path::new("reports").join(format!("compare-{}", names.join("-vs-")))
}
