//! `warmup: auto`: the MSER-5 truncation point of a pilot run's queue-length series.

use crate::model::Scenario;
use crate::sim::TimeSeries;
use crate::stats::mser;
use crate::time::SimDuration;

/// The MSER-5 truncation point of a run's series: the sum over nodes of the messages at each
/// node (waiting plus in service) at every sample time.
pub fn auto_point(sc: &Scenario, series: &TimeSeries) -> SimDuration {
    let nodes = sc.nodes.len() as u32;
    let mut times = Vec::new();
    let mut totals: Vec<f64> = Vec::new();
    for r in series.rows.iter().filter(|r| r.entity < nodes) {
        if times.last() != Some(&r.time) {
            times.push(r.time);
            totals.push(0.0);
        }
        if let Some(t) = totals.last_mut() {
            *t += (r.queued + r.in_service) as f64;
        }
    }
    let cut = mser::truncation(&totals);
    times
        .get(cut)
        .map_or(SimDuration::ZERO, |t| SimDuration(t.0))
}
