//! What the fuzzers check on one input, shared by the stable fuzzer (`examples/fuzz_loader.rs`)
//! and the coverage-guided ones (`fuzz/fuzz_targets/`): the loader never panics, and a scenario
//! that loads and is small runs twice with the same seed to the same numbers, conserving
//! messages.

#![allow(dead_code)]

use mailflow::experiment::simulate;
use mailflow::model::RetrySchedule;
use mailflow::model::Scenario;
use mailflow::model::retry::Machinery;
use mailflow::scenario::{self, Override};
use mailflow::time::SimDuration;

/// Loads `text` as a scenario (a panic here is a finding).
pub(crate) fn load(text: &str, overrides: &[Override]) -> Option<Scenario> {
    scenario::load_str(text, "fuzz.yaml", overrides)
        .ok()
        .map(|l| l.scenario)
}

/// The shortest retry wait of the scenario.
fn shortest_wait(sc: &Scenario) -> SimDuration {
    let mut min = SimDuration(u64::MAX);
    for n in &sc.nodes {
        let waits: Vec<SimDuration> = match &n.retry.machinery {
            Machinery::Postfix(p) => vec![p.queue_run_delay, p.minimal_backoff_time],
            Machinery::Queue(q) => {
                let mut w = vec![q.message_retry_interval];
                match &q.schedule {
                    RetrySchedule::Fixed { steps, then } => {
                        w.extend(steps.iter().copied());
                        w.push(*then);
                    }
                    RetrySchedule::Backoff { min, .. } => w.push(*min),
                }
                w
            }
        };
        min = waits.into_iter().fold(min, SimDuration::min);
    }
    min
}

/// Whether the engine fuzzers simulate it: a few thousand messages over at most two days, retry
/// waits of a second or more (so a run takes milliseconds, and an input that takes long is a
/// finding, not a big scenario).
pub(crate) fn small_enough(sc: &Scenario) -> bool {
    let e = scenario::check::estimate::estimate(sc);
    e.messages <= 2_000.0
        && sc.duration <= SimDuration::from_days(2)
        && sc.nodes.len() + sc.connectors.len() <= 64
        && shortest_wait(sc) >= SimDuration::from_secs(1)
}

/// The summary as JSON without its wall-clock timings.
fn numbers(sc: &Scenario, seed: u64) -> (serde_json::Value, mailflow::experiment::Summary) {
    let s = simulate(sc, seed, None).summary;
    let mut v = serde_json::to_value(&s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("engine");
    }
    (v, s)
}

/// Runs `sc` twice under `seed`: the runs must agree and conserve messages
/// (`generated = delivered + ndr + quarantined + in_flight`).
pub(crate) fn check_engine(sc: &Scenario, seed: u64) -> Result<(), String> {
    let (a, s) = numbers(sc, seed);
    let m = &s.messages;
    if m.generated != m.delivered + m.ndr + m.quarantined + m.in_flight {
        return Err(format!("messages not conserved: {m:?}"));
    }
    let (b, _) = numbers(sc, seed);
    if a != b {
        return Err("two runs with the same seed differ".into());
    }
    Ok(())
}
