//! Property tests on mutated shipped scenarios: no panic, located errors, and runs that
//! conserve messages.

use std::path::PathBuf;

use mailflow::experiment::Summary;
use mailflow::scenario::check::estimate;
use mailflow::scenario::{self, Override, Severity};
use mailflow::sim::{Engine, SimTime};
use proptest::prelude::*;

use super::root;
use crate::common;

/// The shipped scenarios, read once.
fn shipped() -> &'static [(String, String)] {
    static SHIPPED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect()
    })
}

/// Values that stress the loader: wrong types, extremes, YAML oddities.
const ODD: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    ".nan",
    ".inf",
    "18446744073709551616",
    "4294967296",
    "99999999999999999999d",
    "213503982d",
    "0s",
    "1us",
    "1e12/s",
    "0/s",
    "1e300GiB",
    "1.5",
    "-0.5",
    "~",
    "true",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "{fixed: 0s}",
    "\"\"",
    "'*'",
    "unlimited",
    "mx",
    "&x 1",
    "*x",
    "!!binary aGk=",
];

/// One edit of a scenario's text.
#[derive(Clone, Debug)]
enum Mutation {
    /// Remove line `n` (modulo the line count).
    DropLine(usize),
    /// Replace the value of the `key: value` (or `- value`) on line `n` with an odd value.
    Value(usize, usize),
    /// Copy line `n` to before line `m`.
    Duplicate(usize, usize),
    /// Re-indent line `n` by `k` spaces.
    Indent(usize, usize),
    /// Insert bytes (read as UTF-8, lossily) at a byte offset.
    Bytes(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<usize>().prop_map(Mutation::DropLine),
        4 => (any::<usize>(), 0..ODD.len()).prop_map(|(n, v)| Mutation::Value(n, v)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(n, m)| Mutation::Duplicate(n, m)),
        1 => (any::<usize>(), 0usize..10).prop_map(|(n, k)| Mutation::Indent(n, k)),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(at, b)| Mutation::Bytes(at, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let len = lines.len();
    match m {
        Mutation::DropLine(n) => {
            lines.remove(n % len);
        }
        Mutation::Value(n, v) => {
            let line = &lines[n % len];
            let cut = line
                .find(": ")
                .map(|i| i + 2)
                .or_else(|| line.find("- ").map(|i| i + 2));
            if let Some(i) = cut {
                lines[n % len] = format!("{}{}", &line[..i], ODD[*v]);
            }
        }
        Mutation::Duplicate(n, m) => {
            let l = lines[n % len].clone();
            lines.insert(m % (len + 1), l);
        }
        Mutation::Indent(n, k) => {
            let l = lines[n % len].trim_start().to_string();
            lines[n % len] = format!("{}{l}", " ".repeat(*k));
        }
        Mutation::Bytes(at, bytes) => {
            let mut b = text.as_bytes().to_vec();
            let at = at % (b.len() + 1);
            b.splice(at..at, bytes.iter().copied());
            return String::from_utf8_lossy(&b).into_owned();
        }
    }
    lines.join("\n")
}

/// A load error names a line and column inside the text (problems in `--set` excepted).
fn assert_located(e: &scenario::LoadError, text: &str) {
    // YAML breaks lines at `\n`, `\r\n` and a lone `\r`.
    let lines = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .count()
        .max(1);
    assert!(e.errors().next().is_some(), "an Err without errors:\n{e}");
    for d in e.errors() {
        if d.file.starts_with("--set") {
            continue;
        }
        assert!(
            d.line > 0 && d.column > 0 && d.line <= lines + 1,
            "unlocated error: {d}\n--- text ---\n{text}"
        );
        assert!(!d.message.is_empty(), "{d}");
    }
}

/// Runs a loaded scenario for a short horizon and checks that messages are conserved; false
/// when it does not load with that horizon or would be too big to run in a test.
fn run_briefly(text: &str, file: &str) -> bool {
    let sets = [
        Override::parse("duration=20m").unwrap(),
        Override::parse("warmup=0s").unwrap(),
    ];
    let Ok(loaded) = scenario::load_str(text, file, &sets) else {
        return false;
    };
    let sc = &loaded.scenario;
    if estimate::estimate(sc).messages > 8_000.0 {
        return false;
    }
    let mut engine = Engine::new(sc, 1);
    let horizon = engine.horizon();
    let step = (horizon.0 / 20).max(1);
    for i in 1..=20u64 {
        engine.run_until(SimTime(step.saturating_mul(i).min(horizon.0)));
        assert!(
            engine.events_handled < 2_000_000,
            "{file}: more than 2M events in 20 simulated minutes\n--- text ---\n{text}"
        );
    }
    engine.run();
    let s = Summary::from_engine(&engine, 0.0);
    common::assert_conserved(&s);
    true
}

/// `PROPTEST_CASES` when set (for a longer local session), else `default`; the inputs come from
/// a fixed seed unless `PROPTEST_RNG_SEED` names another, so `cargo test` checks the same cases
/// on every machine and a failure reproduces. New inputs are explored on purpose: another
/// `PROPTEST_RNG_SEED`, a larger `PROPTEST_CASES`, or `examples/fuzz_loader.rs --engine`.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    let defaults = ProptestConfig::default();
    let rng_seed = match std::env::var_os("PROPTEST_RNG_SEED") {
        Some(_) => defaults.rng_seed,
        None => proptest::test_runner::RngSeed::Fixed(FIXED_SEED),
    };
    // No regression files: an integration test has no `lib.rs` beside it to put them near.
    ProptestConfig {
        cases,
        rng_seed,
        failure_persistence: None,
        ..defaults
    }
}

/// The seed of the cases `cargo test` checks (see [`cases`]).
const FIXED_SEED: u64 = 0x6d61_696c_666c_6f77;

proptest! {
    #![proptest_config(cases(1024))]

    /// Loading never panics, and every refusal is located.
    #[test]
    fn mutated_scenarios_load_or_fail_with_a_location(
        which in any::<usize>(),
        edits in proptest::collection::vec(mutation(), 1..5),
    ) {
        let (name, original) = &shipped()[which % shipped().len()];
        let text = edits.iter().fold(original.clone(), |t, m| apply(&t, m));
        match scenario::load_str(&text, name, &[]) {
            Ok(l) => prop_assert!(l.warnings.iter().all(|w| w.severity == Severity::Warning)),
            Err(e) => assert_located(&e, &text),
        }
    }

    /// Random bytes are refused with a location, never a panic.
    #[test]
    fn random_bytes_are_refused_with_a_location(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = scenario::load_str(&text, "random.yaml", &[]) {
            assert_located(&e, &text);
        }
    }
}

/// A mutated scenario that still loads runs without panicking and conserves messages.
#[test]
fn mutated_scenarios_that_load_run_and_conserve_messages() {
    let config = cases(512);
    let total = config.cases;
    let ran = std::sync::atomic::AtomicU32::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let input = (any::<usize>(), proptest::collection::vec(mutation(), 1..3));
    let result = runner.run(&input, |(which, edits)| {
        let (name, original) = &shipped()[which % shipped().len()];
        let text = edits.iter().fold(original.clone(), |t, m| apply(&t, m));
        if run_briefly(&text, name) {
            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The property is only as good as the number of runs it checked.
    let ran = ran.into_inner();
    eprintln!("{ran} of {total} mutated scenarios ran");
    assert!(
        ran >= total / 4,
        "only {ran} of {total} mutated scenarios ran"
    );
}

#[test]
fn extreme_values_in_each_key_of_a_scenario_are_refused_or_run() {
    // Every line of one scenario, every odd value: a deterministic sweep of the same property.
    let (name, original) = shipped()
        .iter()
        .find(|(n, _)| n == "mx-to-eop.yaml")
        .expect("shipped");
    let lines = original.lines().count();
    for n in 0..lines {
        if original
            .lines()
            .nth(n)
            .is_some_and(|l| l.trim_start().starts_with('#'))
        {
            continue;
        }
        for v in 0..ODD.len() {
            let text = apply(original, &Mutation::Value(n, v));
            match scenario::load_str(&text, name, &[]) {
                Ok(_) => {}
                Err(e) => assert_located(&e, &text),
            }
        }
    }
}

/// Regression (issue 16): in a tiny sample the latency p99 (the histogram's bucket top) was
/// above the largest latency. Every quantile is at most the max.
#[test]
fn a_tiny_sample_never_reports_a_quantile_above_its_max() {
    let sc = common::load_file(
        "scenarios/mm1.yaml",
        &["duration=20s", "warmup=0s", "traffic.arrivals.rate=0.2/s"],
    );
    let mut delivered = 0;
    for seed in 1..=20 {
        let s = common::run(&sc, seed);
        let l = &s.latency_s;
        delivered += s.messages.delivered;
        assert!(
            l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max,
            "seed {seed}: {l:?}"
        );
    }
    assert!(
        delivered >= 20,
        "{delivered} messages: too few to test anything"
    );
}
