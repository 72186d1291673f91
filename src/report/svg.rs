//! The SVG charts of a report folder: queues, outcomes, latency and topology.
//!
//! Charts are drawn with plotters' SVG backend (text as `<text>` elements, no font files); the
//! topology diagram is written by hand. Colours come from one palette indexed like the rows of
//! `timeseries.csv` (nodes, then connectors), so a node has the same colour in every chart.

pub mod chart;
pub mod diagram;
pub mod latency;
pub mod layout;
pub mod outcomes;
pub mod queues;
pub mod topology;

use plotters::style::RGBColor;

use super::{Exporter, ReportError, RunReport};
use crate::model::Scenario;

/// Colours for nodes, connectors, streams and scenarios; no red (red marks faults).
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(57, 59, 121),
    RGBColor(0, 128, 128),
    RGBColor(107, 110, 207),
];

/// The colour of palette entry `i` (wrapping).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `#rrggbb` of a colour, as the SVG backend writes it.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Red used for faults and alerts.
pub const FAULT_RED: RGBColor = RGBColor(214, 39, 40);

/// A fault window on the time axis, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Start, seconds.
    pub from_s: f64,
    /// End, seconds.
    pub to_s: f64,
    /// What the band is labelled with, e.g. `firewall_block onprem · 450 4.4.316`.
    pub label: String,
}

pub use crate::experiment::summary::incidents::{fault_code, fault_target};

/// The fault windows of a scenario, clipped to its horizon.
pub fn fault_bands(sc: &Scenario) -> Vec<Band> {
    let horizon = sc.duration.as_secs_f64();
    sc.faults
        .iter()
        .map(|f| {
            let from_s = f.at.as_secs_f64().min(horizon);
            let to_s = f.until.map_or(horizon, |u| u.as_secs_f64().min(horizon));
            let mut label = format!("{} {}", f.kind.as_str(), fault_target(sc, &f.kind));
            if let Some(code) = fault_code(&f.kind) {
                label += &format!(" · {code}");
            }
            Band {
                from_s,
                to_s,
                label,
            }
        })
        .collect()
}

fn render_error(file: &str) -> impl Fn(String) -> ReportError + '_ {
    move |reason| ReportError::Render {
        file: file.into(),
        reason,
    }
}

/// Writes `queues.svg`.
pub struct QueuesSvg;

impl Exporter<RunReport<'_>> for QueuesSvg {
    fn file_name(&self) -> &'static str {
        "queues.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let spec = queues::run_chart(r.scenario, r.series);
        chart::timeline(&spec)
            .map(String::into_bytes)
            .map_err(render_error(self.file_name()))
    }
}

/// Writes `outcomes.svg`.
pub struct OutcomesSvg;

impl Exporter<RunReport<'_>> for OutcomesSvg {
    fn file_name(&self) -> &'static str {
        "outcomes.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let spec = outcomes::run_chart(r.scenario, r.summary, r.series);
        chart::timeline(&spec)
            .map(String::into_bytes)
            .map_err(render_error(self.file_name()))
    }
}

/// Writes `latency.svg`.
pub struct LatencySvg;

impl Exporter<RunReport<'_>> for LatencySvg {
    fn file_name(&self) -> &'static str {
        "latency.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let spec = latency::run_chart(r.summary, r.latencies);
        chart::cdf(&spec)
            .map(String::into_bytes)
            .map_err(render_error(self.file_name()))
    }
}

/// Writes `topology.svg`.
pub struct TopologySvg;

impl Exporter<RunReport<'_>> for TopologySvg {
    fn file_name(&self) -> &'static str {
        "topology.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        Ok(topology::render(r.scenario, r.summary).into_bytes())
    }
}
