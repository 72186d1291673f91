//! The report of `mailflow sweep` and `mailflow merge`: `sweep.json`, `sweep.csv`, `sweep.svg`
//! and `index.html`, all from one [`SweepReport`].

pub mod axis;
pub mod capacity;
pub mod chart;
pub mod console;
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
        let by = capacity::capacity_by(r);
        if by.is_empty() {
            return Ok(r.json());
        }
        // The capacity per value of the other keys, right after the overall capacity.
        let fail = |e: serde_json::Error| ReportError::Render {
            file: self.file_name().into(),
            reason: e.to_string(),
        };
        let serde_json::Value::Object(map) = serde_json::to_value(r).map_err(fail)? else {
            return Ok(r.json());
        };
        let mut out = serde_json::Map::new();
        for (k, v) in map {
            let after = k == "capacity";
            out.insert(k, v);
            if after {
                out.insert(
                    "capacity_by".into(),
                    serde_json::to_value(&by).map_err(fail)?,
                );
            }
        }
        let mut text = serde_json::to_string_pretty(&out).map_err(fail)?;
        text.push('\n');
        Ok(text.into_bytes())
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
