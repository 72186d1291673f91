//! `timeseries.csv`: one row per node and per connector per sample, columns from one row type.

use serde::Serialize;

use super::{Exporter, ReportError, RunReport};

/// One line of `timeseries.csv`; the header is derived from these fields.
#[derive(Debug, Serialize)]
pub struct TimeseriesRecord<'a> {
    /// Sample time, seconds.
    pub time_s: f64,
    /// Node name, or `connector:<name>`.
    pub node: &'a str,
    /// Messages waiting.
    pub queued: u64,
    /// Messages in service or in transfer.
    pub in_service: u64,
    /// Cumulative deliveries.
    pub delivered: u64,
    /// Cumulative deferrals.
    pub deferred: u64,
    /// Cumulative NDRs generated.
    pub ndr: u64,
}

/// The names rows are labelled with: nodes, then `connector:<name>`.
pub fn entity_names(sc: &crate::model::Scenario) -> Vec<String> {
    sc.nodes
        .iter()
        .map(|n| n.name.clone())
        .chain(
            sc.connectors
                .iter()
                .map(|c| format!("connector:{}", c.name)),
        )
        .collect()
}

/// Writes `timeseries.csv`.
pub struct TimeseriesCsv;

impl Exporter<RunReport<'_>> for TimeseriesCsv {
    fn file_name(&self) -> &'static str {
        "timeseries.csv"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let names = entity_names(r.scenario);
        let err = |e: &dyn std::fmt::Display| ReportError::Render {
            file: "timeseries.csv".into(),
            reason: e.to_string(),
        };
        let mut w = ::csv::Writer::from_writer(Vec::new());
        for row in &r.series.rows {
            w.serialize(TimeseriesRecord {
                time_s: row.time.as_secs_f64(),
                node: &names[row.entity as usize],
                queued: row.queued,
                in_service: row.in_service,
                delivered: row.delivered,
                deferred: row.deferred,
                ndr: row.ndr,
            })
            .map_err(|e| err(&e))?;
        }
        w.into_inner().map_err(|e| err(&e))
    }
}
