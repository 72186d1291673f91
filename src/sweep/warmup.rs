//! `warmup: auto`: a pilot run, MSER-5 on its queue-length series, then the real run with the
//! truncation point as a fixed warm-up.

use crate::app;
use crate::model::{Scenario, Warmup};
use crate::sim::SimDuration;
use crate::stats::{Summary, TimeSeries, mser};

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

/// Runs `sc` under `seed` like [`app::simulate`]; with `warmup: auto` it runs a pilot first and
/// re-runs with the MSER-5 truncation point as a fixed warm-up (reported as `warmup_s`).
pub fn simulate(sc: &Scenario, seed: u64, progress: bool) -> (Summary, TimeSeries) {
    match sc.warmup {
        Warmup::Fixed(_) => app::simulate(sc, seed, progress),
        Warmup::Auto => {
            let (_, pilot) = app::simulate(sc, seed, progress);
            let mut fixed = sc.clone();
            fixed.warmup = Warmup::Fixed(auto_point(sc, &pilot));
            app::simulate(&fixed, seed, progress)
        }
    }
}
