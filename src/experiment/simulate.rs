//! The one way a scenario is simulated: engine to the horizon, summary, series and latency
//! histograms; with `warmup: auto`, a pilot run first and MSER-5's cut as a fixed warm-up.

use std::time::Instant;

use super::Summary;
use super::warmup::auto_point;
use crate::model::{Scenario, Warmup};
use crate::sim::{Engine, Latency, TimeSeries};
use crate::time::SimTime;

/// How far a run has got, for a progress display.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Simulated time reached.
    pub now: SimTime,
    /// The end of the run.
    pub horizon: SimTime,
    /// Messages generated so far (counted ones).
    pub generated: u64,
    /// Events handled so far.
    pub events: u64,
    /// Wall-clock seconds since the run started.
    pub wall_s: f64,
}

/// Something told how far a run has got (a progress bar).
pub trait ProgressSink {
    /// The run has got this far.
    fn tell(&mut self, p: &Progress);
}

/// Steps in which a run reports its progress.
const PROGRESS_STEPS: u64 = 1000;

/// Everything one run produces for its report.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The numbers of `summary.json`.
    pub summary: Summary,
    /// The time series.
    pub series: TimeSeries,
    /// Latency histograms: "all traffic", then one per stream.
    pub latencies: Vec<(String, Latency)>,
}

/// Runs `sc` under `seed` to its horizon. With `warmup: auto` a pilot run picks the MSER-5
/// truncation point and the real run uses it as a fixed warm-up (reported as `warmup_s`).
/// `progress`, when given, is told about the run a thousand times along the way.
pub fn simulate(
    sc: &Scenario,
    seed: u64,
    mut progress: Option<&mut dyn ProgressSink>,
) -> RunOutput {
    match sc.warmup {
        Warmup::Fixed(_) => run_once(sc, seed, progress),
        Warmup::Auto => {
            let pilot = run_once(sc, seed, reborrow(&mut progress));
            let mut fixed = sc.clone();
            fixed.warmup = Warmup::Fixed(auto_point(sc, &pilot.series));
            // Only the warm-up differs: the routing table is the same.
            fixed.derived = sc.derived.share();
            run_once(&fixed, seed, progress)
        }
    }
}

/// `progress` lent out for one call, the trait object's lifetime shortened to the loan.
pub fn reborrow<'a>(p: &'a mut Option<&mut dyn ProgressSink>) -> Option<&'a mut dyn ProgressSink> {
    match p {
        Some(p) => Some(&mut **p),
        None => None,
    }
}

fn run_once(sc: &Scenario, seed: u64, progress: Option<&mut dyn ProgressSink>) -> RunOutput {
    let start = Instant::now();
    let mut engine = Engine::new(sc, seed);
    if let Some(sink) = progress {
        let horizon = engine.horizon();
        let step = (horizon.0 / PROGRESS_STEPS).max(1);
        for i in 1..=PROGRESS_STEPS {
            engine.run_until(SimTime(step.saturating_mul(i).min(horizon.0)));
            sink.tell(&Progress {
                now: engine.now(),
                horizon,
                generated: engine.obs.total.generated,
                events: engine.events_handled,
                wall_s: start.elapsed().as_secs_f64(),
            });
        }
    }
    engine.run();
    let summary = Summary::from_engine(&engine, start.elapsed().as_secs_f64());
    // The distributions move out of the finished run (a copy was 0.3 MB per stream).
    let total = std::mem::take(&mut engine.obs.total.latency);
    let latencies = std::iter::once(("all traffic".to_string(), total))
        .chain(
            sc.traffic
                .iter()
                .zip(std::mem::take(&mut engine.obs.streams))
                .map(|(t, o)| (t.name.clone(), o.latency)),
        )
        .collect();
    RunOutput {
        summary,
        series: std::mem::take(&mut engine.obs.series),
        latencies,
    }
}
