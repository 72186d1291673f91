//! Overlay charts of a comparison: queues, outcomes and latency, one colour per scenario.

use plotters::style::RGBColor;

use super::CompareReport;
use crate::experiment::compare::Compared;
use crate::report::Exporter;
use crate::report::ReportError;
use crate::report::svg::cdf::{self, Cdf};
use crate::report::svg::chart::{self, Panel, Series, Timeline, YUnit};
use crate::report::svg::outcomes::{Interval, intervals};
use crate::report::svg::{Band, colour, fault_bands, latency, queues, series_colour};

/// The colour of scenario `k`: the whole-traffic colours (black first).
pub fn scenario_colour(k: usize) -> RGBColor {
    series_colour(k)
}

fn horizon(runs: &[Compared]) -> f64 {
    runs.iter()
        .map(|r| r.scenario.duration.as_secs_f64())
        .fold(0.0, f64::max)
}

fn title(runs: &[Compared]) -> String {
    let names: Vec<&str> = runs.iter().map(|r| r.summary().scenario.as_str()).collect();
    names.join(" vs ")
}

/// Fault windows of every scenario, merged when they coincide: the same fault in several
/// scenarios is named once after their names (`a, b: firewall_block onprem · …`), different
/// ones are joined with `;`.
fn all_bands(runs: &[Compared]) -> Vec<Band> {
    // Per window: the band and, per distinct fault label, the scenarios that have it.
    struct Window<'a> {
        band: Band,
        labels: Vec<(String, Vec<&'a str>)>,
    }
    let mut merged: Vec<Window<'_>> = Vec::new();
    for r in runs {
        let name = r.summary().scenario.as_str();
        for b in fault_bands(&r.scenario) {
            let at = merged
                .iter()
                .position(|w| w.band.from_s == b.from_s && w.band.to_s == b.to_s);
            let at = at.unwrap_or_else(|| {
                merged.push(Window {
                    band: b.clone(),
                    labels: Vec::new(),
                });
                merged.len() - 1
            });
            let labels = &mut merged[at].labels;
            match labels.iter_mut().find(|(l, _)| *l == b.label) {
                Some((_, names)) => names.push(name),
                None => labels.push((b.label.clone(), vec![name])),
            }
        }
    }
    merged
        .into_iter()
        .map(|Window { band, labels }| {
            let label = labels
                .iter()
                .map(|(l, names)| format!("{}: {l}", names.join(", ")))
                .collect::<Vec<_>>()
                .join("; ");
            Band { label, ..band }
        })
        .collect()
}

fn err(file: &str) -> impl Fn(String) -> ReportError + '_ {
    move |reason| ReportError::Render {
        file: file.into(),
        reason,
    }
}

/// `queues.svg`: all nodes together per scenario, then each scenario's nodes on one scale.
pub struct QueuesOverlay;

impl Exporter<CompareReport<'_>> for QueuesOverlay {
    fn file_name(&self) -> &'static str {
        "queues.svg"
    }
    fn render(&self, r: &CompareReport<'_>) -> Result<Vec<u8>, ReportError> {
        let mut names: Vec<&str> = Vec::new();
        for run in r.runs {
            for n in &run.scenario.nodes {
                if !names.contains(&n.name.as_str()) {
                    names.push(&n.name);
                }
            }
        }
        let colour_of =
            |name: &str, i: usize| colour(names.iter().position(|n| *n == name).unwrap_or(i));
        let mut panels = vec![Panel {
            title: "Messages waiting at all nodes together".into(),
            y_label: "messages waiting (messages)".into(),
            series: r
                .runs
                .iter()
                .enumerate()
                .map(|(k, run)| {
                    Series::line(
                        run.summary().scenario.clone(),
                        scenario_colour(k),
                        queues::queued_total(&run.scenario, &run.runs.series),
                    )
                })
                .collect(),
            bands: all_bands(r.runs),
            ..Panel::default()
        }];
        for run in r.runs {
            let title = format!("{}: messages waiting at each node", run.summary().scenario);
            panels.push(queues::node_panel(
                &run.scenario,
                Some(run.summary()),
                &run.runs.series,
                title,
                &colour_of,
            ));
        }
        let top = panels[1..].iter().map(Panel::top).fold(0.0, f64::max);
        for p in &mut panels[1..] {
            p.y_max = (top > 0.0).then_some(top * 1.15);
        }
        let spec = Timeline {
            title: format!("{}: queue depth over time", title(r.runs)),
            horizon_s: horizon(r.runs),
            panels,
        };
        chart::timeline(&spec)
            .map(String::into_bytes)
            .map_err(err(self.file_name()))
    }
}

/// `outcomes.svg`: deliveries, NDRs and the NDR rate per interval, one line per scenario.
pub struct OutcomesOverlay;

impl Exporter<CompareReport<'_>> for OutcomesOverlay {
    fn file_name(&self) -> &'static str {
        "outcomes.svg"
    }
    fn render(&self, r: &CompareReport<'_>) -> Result<Vec<u8>, ReportError> {
        let iv: Vec<Vec<Interval>> = r
            .runs
            .iter()
            .map(|run| intervals(&run.scenario, &run.runs.series))
            .collect();
        let bands = all_bands(r.runs);
        let panel = |title: &str, y: &str, f: &dyn Fn(&Interval) -> f64, unit| Panel {
            title: title.into(),
            y_label: y.into(),
            series: r
                .runs
                .iter()
                .zip(&iv)
                .enumerate()
                .map(|(k, (run, iv))| {
                    Series::line(
                        run.summary().scenario.clone(),
                        scenario_colour(k),
                        iv.iter().map(|i| (i.end_s, f(i))).collect(),
                    )
                })
                .collect(),
            bands: bands.clone(),
            events: Vec::new(),
            unit,
            y_max: None,
        };
        let spec = Timeline {
            title: format!("{}: outcomes per sample interval", title(r.runs)),
            horizon_s: horizon(r.runs),
            panels: vec![
                panel(
                    "Delivered to mailboxes per interval",
                    "messages per interval",
                    &|i| i.delivered,
                    YUnit::Messages,
                ),
                panel(
                    "NDRs generated per interval",
                    "NDRs per interval",
                    &|i| i.ndr,
                    YUnit::Messages,
                ),
                panel(
                    "NDR rate per interval (NDRs / messages finished)",
                    "NDR rate (% of messages finished)",
                    &Interval::ndr_percent,
                    YUnit::Percent,
                ),
            ],
        };
        chart::timeline(&spec)
            .map(String::into_bytes)
            .map_err(err(self.file_name()))
    }
}

/// `latency.svg`: the latency distribution of all traffic, one curve per scenario.
pub struct LatencyOverlay;

impl Exporter<CompareReport<'_>> for LatencyOverlay {
    fn file_name(&self) -> &'static str {
        "latency.svg"
    }
    fn render(&self, r: &CompareReport<'_>) -> Result<Vec<u8>, ReportError> {
        let spec = Cdf {
            title: format!("{}: delivery latency, all traffic", title(r.runs)),
            note:
                "share of delivered messages within a latency (log time axis); dots: p50, p95, p99"
                    .into(),
            curves: r
                .runs
                .iter()
                .enumerate()
                .filter_map(|(k, run)| {
                    let all = &run.runs.latencies.first()?.1;
                    latency::histogram_curve(&run.scenario.name, scenario_colour(k), all)
                })
                .collect(),
        };
        cdf::cdf(&spec)
            .map(String::into_bytes)
            .map_err(err(self.file_name()))
    }
}
