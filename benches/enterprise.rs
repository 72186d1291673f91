//! Generated enterprise topologies (`mailflow::scenario::generate`) at three sizes: `validate`
//! (load, build and every configuration warning) and one simulated day.
//!
//! `cargo bench --bench enterprise` (a size such as `enterprise_200` as a filter). Before each
//! group one line per target goes to stderr: wall time of one run, messages, events, ns/event
//! and the process's peak resident memory so far (`VmHWM`). The largest sizes take fewer
//! criterion samples.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mailflow::experiment::Summary;
use mailflow::scenario::generate::Enterprise;
use mailflow::sim::Engine;

/// Nodes, connectors, domains and messages per day of each size.
const SIZES: [(usize, usize, usize, u64); 3] = [
    (20, 200, 500, 1_000_000),
    (100, 1_000, 2_500, 2_000_000),
    (200, 2_000, 5_000, 4_000_000),
];

/// `validate`: load the text (parse, build, limits) and compute every warning.
fn validate(yaml: &str) -> usize {
    match mailflow::scenario::load_str(yaml, "enterprise.yaml", &[]) {
        Ok(loaded) => loaded.warnings.len(),
        Err(e) => panic!("the generated enterprise does not load:\n{e}"),
    }
}

fn vm_hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn bench_enterprise(c: &mut Criterion) {
    for (nodes, connectors, domains, messages_per_day) in SIZES {
        let size = Enterprise {
            nodes,
            connectors,
            domains,
            messages_per_day,
        };
        let yaml = size.yaml("1d");
        let group = format!("enterprise_{nodes}");
        let t0 = Instant::now();
        let warnings = validate(&yaml);
        let validate_s = t0.elapsed().as_secs_f64();
        let sc = match mailflow::scenario::load_str(&yaml, "enterprise.yaml", &[]) {
            Ok(loaded) => loaded.scenario,
            Err(e) => panic!("{e}"),
        };
        let t0 = Instant::now();
        let mut e = Engine::new(&sc, sc.seed);
        e.run();
        let day_s = t0.elapsed().as_secs_f64();
        let s = Summary::from_engine(&e, day_s);
        drop(e);
        eprintln!(
            "[bench] {group}: {nodes} nodes / {} connectors / {} domains / {} streams: validate \
             {validate_s:.3} s ({warnings} warnings); one day {day_s:.2} s, {} messages, {} \
             events, {:.1} ns/event; process peak RSS {:.0} MiB",
            sc.connectors.len(),
            sc.domains.len(),
            sc.traffic.len(),
            s.messages.generated,
            s.engine.events,
            day_s * 1e9 / s.engine.events.max(1) as f64,
            vm_hwm_mib()
        );
        let mut g = c.benchmark_group(&group);
        g.sample_size(10);
        g.sampling_mode(SamplingMode::Flat);
        g.measurement_time(Duration::from_secs_f64((validate_s * 12.0).max(3.0)));
        g.bench_function("validate", |b| b.iter(|| validate(black_box(&yaml))));
        g.measurement_time(Duration::from_secs_f64((day_s * 11.0).max(3.0)));
        g.bench_function("day", |b| {
            b.iter(|| {
                let mut e = Engine::new(black_box(&sc), sc.seed);
                e.run();
                e.events_handled
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench_enterprise);
criterion_main!(benches);
