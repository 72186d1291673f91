//! `queues.svg`: messages waiting per node and per connector over time, fault windows shaded.

use super::chart::{Panel, Series, Timeline};
use super::{colour, fault_bands};
use crate::model::Scenario;
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

/// The node panel: one line per node, coloured by `colour_of(node name, node index)`.
pub fn node_panel(
    sc: &Scenario,
    ts: &TimeSeries,
    title: String,
    colour_of: &dyn Fn(&str, usize) -> plotters::style::RGBColor,
) -> Panel {
    let by = queued_by_entity(sc, ts);
    Panel {
        title,
        y_label: "messages waiting".into(),
        series: sc
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| Series {
                label: n.name.clone(),
                colour: colour_of(&n.name, i),
                points: by[i].clone(),
            })
            .collect(),
        bands: fault_bands(sc),
        percent: false,
        y_max: None,
    }
}

/// The chart of one run: nodes on top, connectors below (when there are any).
pub fn run_chart(sc: &Scenario, ts: &TimeSeries) -> Timeline {
    let mut panels = vec![node_panel(
        sc,
        ts,
        "Messages waiting at each node (worker queue and delivery queues)".into(),
        &|_, i| colour(i),
    )];
    if !sc.connectors.is_empty() {
        let by = queued_by_entity(sc, ts);
        let n = sc.nodes.len();
        panels.push(Panel {
            title: "Messages waiting in each connector's queues".into(),
            y_label: "messages waiting".into(),
            series: sc
                .connectors
                .iter()
                .enumerate()
                .map(|(i, c)| Series {
                    label: format!("connector {}", c.name),
                    colour: colour(n + i),
                    points: by[n + i].clone(),
                })
                .collect(),
            bands: fault_bands(sc),
            percent: false,
            y_max: None,
        });
    }
    Timeline {
        title: format!("{}: queue depth over time", sc.name),
        horizon_s: sc.duration.as_secs_f64(),
        panels,
    }
}
