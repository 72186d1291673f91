//! `queues.svg`: messages waiting per node and per connector over time (the exact peak of each
//! marked), and the age of the oldest message in flight; fault windows and certificate expiries
//! shaded, queues drained marked.

use super::chart::{Panel, Series, Timeline, YUnit};
use super::{colour, fault_bands, incident_events, series_colour};
use crate::experiment::Summary;
use crate::model::Scenario;
use crate::report::format::{at, count};
use crate::sim::observer::TimeSeries;

/// (seconds, queued) per entity (nodes, then connectors), from the sampled rows.
pub fn queued_by_entity(sc: &Scenario, ts: &TimeSeries) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new(); sc.nodes.len() + sc.connectors.len()];
    for r in &ts.rows {
        if let Some(v) = out.get_mut(r.entity as usize) {
            v.push((r.time.as_secs_f64(), r.queued as f64));
        }
    }
    out
}

/// (seconds, messages waiting at all nodes together).
pub fn queued_total(sc: &Scenario, ts: &TimeSeries) -> Vec<(f64, f64)> {
    let nodes = sc.nodes.len() as u32;
    let mut out: Vec<(f64, f64)> = Vec::new();
    for r in ts.rows.iter().filter(|r| r.entity < nodes) {
        let t = r.time.as_secs_f64();
        match out.last_mut() {
            Some(last) if last.0 == t => last.1 += r.queued as f64,
            _ => out.push((t, r.queued as f64)),
        }
    }
    out
}

/// A series' legend text with its exact peak: `eop · peak 43,304 at 1d15h29m`.
fn with_peak(name: &str, peak: Option<(u64, f64)>) -> String {
    match peak {
        Some((p, t)) if p > 0 => format!("{name} · peak {} at {}", count(p), at(t)),
        _ => name.to_string(),
    }
}

/// The node panel: one line per node, coloured by `colour_of(node name, node index)`, each
/// exact peak (from `s`, when given) marked.
pub fn node_panel(
    sc: &Scenario,
    s: Option<&Summary>,
    ts: &TimeSeries,
    title: String,
    colour_of: &dyn Fn(&str, usize) -> plotters::style::RGBColor,
) -> Panel {
    let by = queued_by_entity(sc, ts);
    Panel {
        title,
        y_label: "messages waiting (messages)".into(),
        series: sc
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let peak = s
                    .and_then(|s| s.nodes.get(&n.name))
                    .map(|x| (x.peak_queue, x.peak_queue_at_s));
                Series {
                    label: with_peak(&n.name, peak),
                    colour: colour_of(&n.name, i),
                    points: by[i].clone(),
                    dashed: false,
                    peak: peak.map(|(p, t)| (t, p as f64)),
                }
            })
            .collect(),
        bands: fault_bands(sc),
        events: s.map(incident_events).unwrap_or_default(),
        unit: YUnit::Messages,
        y_max: None,
    }
}

/// The age of the oldest message in flight over time, as a panel (`None` when nothing was
/// ever in flight at a sample).
pub fn oldest_panel(sc: &Scenario, s: &Summary, ts: &TimeSeries) -> Option<Panel> {
    if ts.oldest_in_flight.iter().all(|(_, a)| *a == 0) {
        return None;
    }
    let points = ts
        .oldest_in_flight
        .iter()
        .map(|(t, a)| (t.as_secs_f64(), *a as f64 / 1e6))
        .collect();
    Some(Panel {
        title: "Age of the oldest message in flight (created after the warm-up)".into(),
        y_label: "age".into(),
        series: vec![Series::line(
            "oldest message in flight (all traffic)".into(),
            series_colour(0),
            points,
        )],
        bands: fault_bands(sc),
        events: incident_events(s),
        unit: YUnit::Seconds,
        y_max: None,
    })
}

/// The chart of one run: nodes on top, connectors below (when there are any), then the age of
/// the oldest message in flight.
pub fn run_chart(sc: &Scenario, s: &Summary, ts: &TimeSeries) -> Timeline {
    let mut panels = vec![node_panel(
        sc,
        Some(s),
        ts,
        "Messages waiting at each node (worker queue and delivery queues)".into(),
        &|_, i| colour(i),
    )];
    if !sc.connectors.is_empty() {
        let by = queued_by_entity(sc, ts);
        let n = sc.nodes.len();
        panels.push(Panel {
            title: "Messages waiting in each connector's queues".into(),
            y_label: "messages waiting (messages)".into(),
            series: sc
                .connectors
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let peak = s
                        .connectors
                        .get(&c.name)
                        .map(|x| (x.peak_queue, x.peak_queue_at_s));
                    Series {
                        label: with_peak(&format!("connector {}", c.name), peak),
                        colour: colour(n + i),
                        points: by[n + i].clone(),
                        dashed: false,
                        peak: peak.map(|(p, t)| (t, p as f64)),
                    }
                })
                .collect(),
            bands: fault_bands(sc),
            events: incident_events(s),
            unit: YUnit::Messages,
            y_max: None,
        });
    }
    panels.extend(oldest_panel(sc, s, ts));
    Timeline {
        title: format!("{}: queue depth over time", sc.name),
        horizon_s: sc.duration.as_secs_f64(),
        panels,
    }
}
