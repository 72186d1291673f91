//! `summary.json`: the summary, pretty-printed, keys in the spec's order.

use super::{Exporter, ReportError, RunReport};

/// Writes `summary.json`.
pub struct SummaryJson;

impl Exporter<RunReport<'_>> for SummaryJson {
    fn file_name(&self) -> &'static str {
        "summary.json"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let mut out = serde_json::to_vec_pretty(r.summary).map_err(|e| ReportError::Render {
            file: self.file_name().into(),
            reason: e.to_string(),
        })?;
        out.push(b'\n');
        Ok(out)
    }
}
