//! The report of `mailflow sweep` and `mailflow merge`: `sweep.json`, `sweep.csv`, `sweep.svg`
//! and `index.html`, all from one [`SweepReport`].

pub mod chart;
pub mod html;

use std::path::{Path, PathBuf};

use super::{Exporter, ReportError};
use crate::experiment::sweep::SweepReport;

/// Writes `sweep.json`.
pub struct SweepJson;

impl Exporter<SweepReport> for SweepJson {
    fn file_name(&self) -> &'static str {
        "sweep.json"
    }
    fn render(&self, r: &SweepReport) -> Result<Vec<u8>, ReportError> {
        Ok(r.json())
    }
}

/// Writes `sweep.csv`.
pub struct SweepCsv;

impl Exporter<SweepReport> for SweepCsv {
    fn file_name(&self) -> &'static str {
        "sweep.csv"
    }
    fn render(&self, r: &SweepReport) -> Result<Vec<u8>, ReportError> {
        Ok(r.csv())
    }
}

/// Writes `sweep.svg`.
pub struct SweepSvg;

impl Exporter<SweepReport> for SweepSvg {
    fn file_name(&self) -> &'static str {
        "sweep.svg"
    }
    fn render(&self, r: &SweepReport) -> Result<Vec<u8>, ReportError> {
        chart::render(r)
            .map(String::into_bytes)
            .map_err(|reason| ReportError::Render {
                file: self.file_name().into(),
                reason,
            })
    }
}

/// Writes `index.html`.
pub struct SweepHtml;

impl Exporter<SweepReport> for SweepHtml {
    fn file_name(&self) -> &'static str {
        "index.html"
    }
    fn render(&self, r: &SweepReport) -> Result<Vec<u8>, ReportError> {
        let svg = SweepSvg.render(r)?;
        Ok(html::render(r, &String::from_utf8_lossy(&svg)).into_bytes())
    }
}

/// The exporters of a sweep report folder, in the order their files are written.
pub fn exporters() -> [&'static dyn Exporter<SweepReport>; 4] {
    [&SweepJson, &SweepCsv, &SweepSvg, &SweepHtml]
}

/// The exporters rewritten after every finished point (the cheap ones, so an interrupted sweep
/// keeps a readable `sweep.json`).
pub fn progress_exporters() -> [&'static dyn Exporter<SweepReport>; 2] {
    [&SweepJson, &SweepCsv]
}

/// The default report folder of a sweep.
pub fn default_out(name: &str) -> PathBuf {
    Path::new("reports").join(format!("sweep-{name}"))
}
