//! Helpers shared by the integration tests: load YAML, run the engine, read the log.

#![allow(dead_code)]

use mailflow::experiment::Summary;
use mailflow::model::Scenario;
use mailflow::scenario::{self, Override};
use mailflow::sim::{Engine, LogEntry, SimDuration, SimTime};

/// Loads a scenario from YAML text, panicking with the diagnostics if it does not load.
pub(crate) fn load(yaml: &str) -> Scenario {
    match scenario::load_str(yaml, "test.yaml", &[]) {
        Ok(l) => l.scenario,
        Err(e) => panic!("scenario does not load:\n{e}"),
    }
}

/// Loads a shipped scenario file with overrides.
pub(crate) fn load_file(path: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    match scenario::load(std::path::Path::new(path), &overrides) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{path} does not load:\n{e}"),
    }
}

/// Runs a scenario to its end and returns the summary.
pub(crate) fn run(sc: &Scenario, seed: u64) -> Summary {
    let mut e = Engine::new(sc, seed);
    e.run();
    Summary::from_engine(&e, 0.0)
}

/// Runs with the log on; `inject` lists (stream, time) of extra messages.
pub(crate) fn run_logged(
    sc: &Scenario,
    seed: u64,
    inject: &[(usize, SimDuration)],
) -> (Summary, Vec<LogEntry>) {
    let mut e = Engine::new(sc, seed);
    e.enable_log();
    for &(s, at) in inject {
        e.inject(s, SimTime(0) + at);
    }
    e.run();
    (Summary::from_engine(&e, 0.0), e.log().to_vec())
}

/// Failed attempts (time, code key) in the log.
pub(crate) fn failures(log: &[LogEntry]) -> Vec<(SimTime, String)> {
    log.iter()
        .filter_map(|l| match l {
            LogEntry::Attempt {
                time,
                code: Some(c),
                ..
            } => Some((*time, mailflow::sim::codes::key(c).to_string())),
            _ => None,
        })
        .collect()
}

/// Hours as `SimDuration`.
pub(crate) fn hours(h: f64) -> SimDuration {
    SimDuration::from_secs_f64(h * 3600.0)
}

/// Asserts the conservation law of the spec.
pub(crate) fn assert_conserved(s: &Summary) {
    let m = &s.messages;
    assert_eq!(
        m.generated,
        m.delivered + m.ndr + m.quarantined + m.in_flight,
        "generated = delivered + ndr + quarantined + in_flight in {}: {m:?}",
        s.scenario
    );
    let r = &s.recipients;
    assert_eq!(
        r.generated,
        r.delivered + r.ndr + r.quarantined + r.in_flight,
        "recipients conserved in {}: {r:?}",
        s.scenario
    );
}

/// Asserts a Poisson count is within five standard deviations (√expected) of its mean.
pub(crate) fn assert_poisson_count(observed: u64, expected: f64) {
    assert!(
        (observed as f64 - expected).abs() < 5.0 * expected.sqrt(),
        "{observed} messages, {expected} expected"
    );
}
