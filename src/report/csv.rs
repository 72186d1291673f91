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
    /// Age in seconds of the oldest counted message in flight anywhere at that time (the same
    /// on every row of a sample time; 0 when none; to the minute of its creation).
    pub oldest_in_flight_s: f64,
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
        let oldest = &r.series.oldest_in_flight;
        let mut k = 0;
        for row in &r.series.rows {
            while k + 1 < oldest.len() && oldest[k].0 < row.time {
                k += 1;
            }
            let age = oldest
                .get(k)
                .filter(|o| o.0 == row.time)
                .map_or(0.0, |o| o.1 as f64 / 1e6);
            w.serialize(TimeseriesRecord {
                time_s: row.time.as_secs_f64(),
                node: &names[row.entity as usize],
                queued: row.queued,
                in_service: row.in_service,
                delivered: row.delivered,
                deferred: row.deferred,
                ndr: row.ndr,
                oldest_in_flight_s: age,
            })
            .map_err(|e| err(&e))?;
        }
        w.into_inner().map_err(|e| err(&e))
    }
}
