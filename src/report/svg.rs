//! The SVG charts of a report folder: queues, outcomes, latency and topology.
//!
//! Charts are drawn with plotters' SVG backend (text as `<text>` elements, no font files); the
//! topology diagram is written by hand. One colour means one thing across every chart:
//! [`PALETTE`] is indexed like the rows of `timeseries.csv` (nodes, then connectors), so a node
//! has the same colour in every chart; [`SERIES`] is for whole-traffic lines (all traffic and
//! streams in a run, scenarios in a comparison); green is delivered mail, dark red returned
//! mail, and [`FAULT_RED`] faults and alerts.

pub mod cdf;
pub mod chart;
pub mod diagram;
pub mod latency;
pub mod layout;
pub mod legend;
pub mod outcomes;
pub mod queues;
pub mod topology;

use plotters::style::RGBColor;

use super::{Exporter, ReportError, RunReport};
use crate::model::Scenario;

/// Colours of nodes and connectors: no red (faults), no green (delivered), no black (all
/// traffic).
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(57, 59, 121),
    RGBColor(0, 128, 128),
    RGBColor(107, 110, 207),
    RGBColor(230, 171, 2),
    RGBColor(174, 199, 232),
];

/// Colours of whole-traffic lines: all traffic (black), then streams in a run or scenarios in
/// a comparison; dark tones, apart from [`PALETTE`]'s.
pub const SERIES: [RGBColor; 6] = [
    RGBColor(0, 0, 0),
    RGBColor(166, 54, 3),
    RGBColor(84, 39, 143),
    RGBColor(8, 81, 156),
    RGBColor(102, 102, 0),
    RGBColor(1, 108, 89),
];

/// The colour of whole-traffic line `i` (wrapping).
pub fn series_colour(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// Delivered mail.
pub const DELIVERED: RGBColor = RGBColor(44, 160, 44);
/// Returned mail (NDRs, the NDR rate).
pub const RETURNED: RGBColor = RGBColor(165, 15, 21);
/// A queue that drained.
pub const DRAINED: RGBColor = RGBColor(0, 109, 44);
/// A configuration change that landed.
pub const CHANGED: RGBColor = RGBColor(49, 54, 149);

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

/// What a band on the time axis stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BandKind {
    /// A `faults` entry's window.
    Fault,
    /// A certificate expired, from `not_after` to the end.
    Certificate,
}

/// A fault window (or a certificate expired) on the time axis, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// What it stands for.
    pub kind: BandKind,
    /// Start, seconds.
    pub from_s: f64,
    /// End, seconds.
    pub to_s: f64,
    /// What the band is labelled with, e.g. `firewall_block onprem · 450 4.4.316`.
    pub label: String,
    /// It lasts to the end of the run (no end of its own).
    pub open: bool,
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
                kind: BandKind::Fault,
                from_s,
                to_s,
                label,
                open: f.until.is_none_or(|u| u.as_secs_f64() >= horizon),
            }
        })
        .chain(sc.nodes.iter().filter_map(|n| {
            let at = n.certificate.as_ref()?.not_after?.as_secs_f64();
            (at < horizon).then(|| Band {
                kind: BandKind::Certificate,
                open: true,
                from_s: at,
                to_s: horizon,
                label: format!(
                    "certificate of {} expired · {}",
                    n.name,
                    crate::sim::codes::key(crate::sim::codes::CERTIFICATE_FAILED)
                ),
            })
        }))
        .collect()
}

/// The incident events worth a line across the time charts: queues drained, configuration
/// changes landed.
pub fn incident_events(s: &crate::experiment::Summary) -> Vec<chart::Event> {
    use crate::experiment::summary::{EventKind, IncidentKind};
    s.incidents
        .iter()
        .filter_map(|i| {
            if i.kind == IncidentKind::Change {
                return Some(chart::Event {
                    at_s: i.at(EventKind::Landed)?,
                    label: format!("{} landed", i.title),
                    colour: CHANGED,
                });
            }
            let t = i.at(EventKind::QueueDrained)?;
            let queues = if i.queues.is_empty() {
                i.title.clone()
            } else {
                i.queues.join(", ")
            };
            Some(chart::Event {
                at_s: t,
                label: format!("{queues} drained"),
                colour: DRAINED,
            })
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
        r.drawn(self.file_name(), || {
            let spec = queues::run_chart(r.scenario, r.summary, r.series);
            chart::timeline(&spec)
                .map(String::into_bytes)
                .map_err(render_error(self.file_name()))
        })
    }
}

/// Writes `outcomes.svg`.
pub struct OutcomesSvg;

impl Exporter<RunReport<'_>> for OutcomesSvg {
    fn file_name(&self) -> &'static str {
        "outcomes.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        r.drawn(self.file_name(), || {
            let spec = outcomes::run_chart(r.scenario, r.summary, r.series);
            chart::timeline(&spec)
                .map(String::into_bytes)
                .map_err(render_error(self.file_name()))
        })
    }
}

/// Writes `latency.svg`.
pub struct LatencySvg;

impl Exporter<RunReport<'_>> for LatencySvg {
    fn file_name(&self) -> &'static str {
        "latency.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        r.drawn(self.file_name(), || {
            let spec = latency::run_chart(r.summary, r.latencies);
            cdf::cdf(&spec)
                .map(String::into_bytes)
                .map_err(render_error(self.file_name()))
        })
    }
}

/// Writes `topology.svg`.
pub struct TopologySvg;

impl Exporter<RunReport<'_>> for TopologySvg {
    fn file_name(&self) -> &'static str {
        "topology.svg"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        r.drawn(self.file_name(), || {
            Ok(topology::render(r.scenario, r.summary).into_bytes())
        })
    }
}
