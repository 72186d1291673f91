//! Engine speed on the shipped benchmark scenarios, next to a hand-written M/M/c yardstick.
//!
//! `cargo bench --bench engine` (add `-- --quick` for a short run, or a group name to filter).
//! Before each group one line per target goes to stderr (outside the timed code): events,
//! messages, wall time of one run, events/s, ns/event, messages/s, the engine's peak in-flight
//! messages and the process's peak resident memory (`VmHWM`, cumulative over the whole process,
//! so it only grows from group to group). For `mm4` it also prints engine time / reference time,
//! and `mm4_full_run` times the whole `mailflow run` command (report folder included).
//! `scale_day` runs `scenarios/scale-day.yaml` (about 20 M messages, 1.5 M queued at once) and
//! also prints the engine's bytes of message state per message in flight; it is timed by
//! criterion only when one run takes under 6 s, otherwise the printed single run is the result.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mailflow::cli::{Cli, Command};
use mailflow::experiment::Summary;
use mailflow::model::{Scenario, Warmup};
use mailflow::sim::Engine;

#[path = "reference.rs"]
mod reference;

/// Criterion's name filter from the command line (`cargo bench --bench engine -- FILTER`), if any.
fn filter() -> Option<String> {
    const TAKES_VALUE: &[&str] = &[
        "--save-baseline",
        "-s",
        "--baseline",
        "-b",
        "--baseline-lenient",
        "--load-baseline",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--profile-time",
        "--plotting-backend",
        "--output-format",
        "--color",
        "-c",
        "--format",
    ];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if TAKES_VALUE.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// Whether criterion will run any of `ids` (`group/function`): the printed lines cost whole runs,
/// so they are skipped for filtered-out groups. A filter with regex syntax is not interpreted.
fn wanted(ids: &[&str]) -> bool {
    match filter() {
        None => true,
        Some(f) if f.chars().all(|c| c.is_alphanumeric() || "_-/ ".contains(c)) => {
            ids.iter().any(|id| id.contains(&f))
        }
        Some(_) => true,
    }
}

/// Runs of each target timed for the printed line (the fastest is reported).
const PROBE_RUNS: usize = 3;

fn load(rel: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    match mailflow::scenario::load(&path, &[]) {
        Ok(loaded) => loaded.scenario,
        Err(e) => panic!("cannot load {rel}:\n{e}"),
    }
}

/// One full engine run; returns the events handled.
fn run_engine(sc: &Scenario, seed: u64) -> u64 {
    let mut e = Engine::new(sc, seed);
    e.run();
    e.events_handled
}

/// What one untimed-by-criterion engine run measured.
struct Probe {
    events: u64,
    messages: u64,
    wall_s: f64,
    mean_latency_s: f64,
    peak_in_flight: usize,
    message_slots: usize,
}

/// Runs the engine `PROBE_RUNS` times and keeps the fastest wall time.
fn probe(sc: &Scenario) -> Probe {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..PROBE_RUNS {
        let t0 = Instant::now();
        let mut e = Engine::new(sc, sc.seed);
        e.run();
        let wall = t0.elapsed().as_secs_f64();
        best = best.min(wall);
        if out.is_none() {
            let s = Summary::from_engine(&e, wall);
            out = Some((
                s.engine.events,
                s.messages.generated,
                s.latency_s.mean,
                e.peak_in_flight(),
                e.message_capacity(),
            ));
        }
    }
    let (events, messages, mean_latency_s, peak_in_flight, message_slots) =
        out.expect("PROBE_RUNS > 0");
    Probe {
        events,
        messages,
        wall_s: best,
        mean_latency_s,
        peak_in_flight,
        message_slots,
    }
}

fn line(target: &str, events: u64, messages: u64, wall_s: f64) {
    eprintln!(
        "[bench] {target}: events {events}, messages {messages}, wall {wall_s:.3} s, {:.3} M events/s, \
         {:.1} ns/event, {:.0} messages/s",
        events as f64 / wall_s / 1e6,
        wall_s * 1e9 / events as f64,
        messages as f64 / wall_s,
    );
}

fn engine_line(target: &str, p: &Probe) {
    line(target, p.events, p.messages, p.wall_s);
    eprintln!(
        "[bench] {target}: mean latency {:.4} s, peak in flight {} messages, {} message slots allocated",
        p.mean_latency_s, p.peak_in_flight, p.message_slots
    );
}

/// Peak resident set size of this process (`VmHWM`), in MiB; cumulative over every group so far.
fn vm_hwm_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn memory_line(group: &str) {
    match vm_hwm_mib() {
        Some(m) => {
            eprintln!("[bench] after {group}: process peak RSS (VmHWM, cumulative) {m:.1} MiB")
        }
        None => eprintln!("[bench] after {group}: VmHWM unavailable (no /proc/self/status)"),
    }
}

/// Criterion's measurement window: enough for 10 flat samples of one run each, at least 5 s.
fn window(wall_s: f64) -> Duration {
    Duration::from_secs_f64((wall_s * 12.0).max(5.0))
}

fn bench_mm4(c: &mut Criterion) {
    if !wanted(&["mm4/engine", "mm4/reference"]) {
        return;
    }
    let sc = load("scenarios/mm4.yaml");
    let seed = sc.seed;
    let horizon_s = sc.duration.as_secs_f64();
    let warmup_s = match sc.warmup {
        Warmup::Fixed(d) => d.as_secs_f64(),
        Warmup::Auto => 0.0,
    };
    let eng = probe(&sc);
    let mut ref_wall = f64::INFINITY;
    let mut r = reference::run_mmc(3.2, 1.0, 4, horizon_s, warmup_s, seed);
    for _ in 0..PROBE_RUNS {
        let t0 = Instant::now();
        r = reference::run_mmc(3.2, 1.0, 4, horizon_s, warmup_s, seed);
        ref_wall = ref_wall.min(t0.elapsed().as_secs_f64());
    }
    engine_line("mm4/engine", &eng);
    line("mm4/reference", r.events, r.served, ref_wall);
    eprintln!(
        "[bench] mm4: reference mean response {:.4} s over {} customers (Erlang C: 1.7455 s)",
        r.mean_response_s, r.served
    );
    eprintln!(
        "[bench] mm4: engine time / reference time = {:.2} (per event: {:.2})",
        eng.wall_s / ref_wall,
        (eng.wall_s / eng.events as f64) / (ref_wall / r.events as f64)
    );

    let mut g = c.benchmark_group("mm4");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(window(eng.wall_s));
    g.throughput(Throughput::Elements(eng.events));
    g.bench_function("engine", |b| {
        b.iter(|| run_engine(black_box(&sc), black_box(seed)))
    });
    g.throughput(Throughput::Elements(r.events));
    g.bench_function("reference", |b| {
        b.iter(|| {
            reference::run_mmc(
                3.2,
                1.0,
                4,
                black_box(horizon_s),
                black_box(warmup_s),
                black_box(seed),
            )
        })
    });
    g.finish();
    memory_line("mm4");
}

/// `mailflow run scenarios/mm4.yaml --out <tmpdir> --quiet` through the library entry point:
/// load, simulate, summarise and write the report folder (the arguments are parsed once, outside
/// the timed code).
fn bench_mm4_full_run(c: &mut Criterion) {
    if !wanted(&["mm4_full_run/run"]) {
        return;
    }
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm4.yaml");
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("mm4");
    let argv = [
        "mailflow".as_ref(),
        "run".as_ref(),
        scenario.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ];
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => panic!("cannot parse the run command: {e}"),
    };
    let Command::Run(args) = &cli.command else {
        panic!("`mailflow run` parsed as another command");
    };
    let run = || {
        if let Err(e) = mailflow::cmd::run::run(args) {
            panic!("mailflow run failed: {e}");
        }
    };
    let mut best = f64::INFINITY;
    for _ in 0..PROBE_RUNS {
        let t0 = Instant::now();
        run();
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let sc = load("scenarios/mm4.yaml");
    let eng = probe(&sc);
    line("mm4_full_run", eng.events, eng.messages, best);
    eprintln!(
        "[bench] mm4_full_run: whole command / engine run alone = {:.2}",
        best / eng.wall_s
    );

    let mut g = c.benchmark_group("mm4_full_run");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(window(best));
    g.throughput(Throughput::Elements(eng.events));
    g.bench_function("run", |b| b.iter(run));
    g.finish();
    memory_line("mm4_full_run");
}

/// One scenario, engine only.
fn bench_scenario(c: &mut Criterion, group: &str, rel: &str) {
    if !wanted(&[&format!("{group}/engine")]) {
        return;
    }
    let sc = load(rel);
    let seed = sc.seed;
    let eng = probe(&sc);
    engine_line(&format!("{group}/engine"), &eng);

    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(window(eng.wall_s));
    g.throughput(Throughput::Elements(eng.events));
    g.bench_function("engine", |b| {
        b.iter(|| run_engine(black_box(&sc), black_box(seed)))
    });
    g.finish();
    memory_line(group);
}

/// An engine scenario next to a reference run: printed ratio and both timed by criterion.
fn bench_against_reference(
    c: &mut Criterion,
    group: &str,
    sc: &Scenario,
    reference: &dyn Fn(f64, f64, u64) -> reference::RefResult,
) {
    let seed = sc.seed;
    let horizon_s = sc.duration.as_secs_f64();
    let warmup_s = match sc.warmup {
        Warmup::Fixed(d) => d.as_secs_f64(),
        Warmup::Auto => 0.0,
    };
    let eng = probe(sc);
    let mut ref_wall = f64::INFINITY;
    let mut r = reference(horizon_s, warmup_s, seed);
    for _ in 0..PROBE_RUNS {
        let t0 = Instant::now();
        r = reference(horizon_s, warmup_s, seed);
        ref_wall = ref_wall.min(t0.elapsed().as_secs_f64());
    }
    engine_line(&format!("{group}/engine"), &eng);
    line(&format!("{group}/reference"), r.events, r.served, ref_wall);
    eprintln!(
        "[bench] {group}: reference mean response {:.4} s over {} customers",
        r.mean_response_s, r.served
    );
    eprintln!(
        "[bench] {group}: engine time / reference time = {:.2}",
        eng.wall_s / ref_wall
    );
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(window(eng.wall_s));
    g.throughput(Throughput::Elements(eng.messages));
    g.bench_function("engine", |b| {
        b.iter(|| run_engine(black_box(sc), black_box(seed)))
    });
    g.bench_function("reference", |b| {
        b.iter(|| reference(black_box(horizon_s), black_box(warmup_s), black_box(seed)))
    });
    g.finish();
    memory_line(group);
}

fn bench_mm4_pass_through(c: &mut Criterion) {
    if !wanted(&["mm4_pass_through/engine", "mm4_pass_through/reference"]) {
        return;
    }
    // The M/M/4 written as mail arriving from the internet: traffic submitted at an `internet`
    // node (no service time, no network time) crosses one zero-time hop to the 4-worker
    // station, against the same reference queue.
    let sc = load("benches/mm4-pass-through.yaml");
    bench_against_reference(c, "mm4_pass_through", &sc, &|h, w, seed| {
        reference::run_mmc(3.2, 1.0, 4, h, w, seed)
    });
}

fn bench_tandem_reference(c: &mut Criterion) {
    if !wanted(&["tandem_reference/engine", "tandem_reference/reference"]) {
        return;
    }
    let sc = load("scenarios/tandem.yaml");
    bench_against_reference(c, "tandem_reference", &sc, &|h, w, seed| {
        reference::run_tandem(1.6, 1.0, 2, 4, h, w, seed)
    });
}

fn bench_mx_to_eop(c: &mut Criterion) {
    bench_scenario(c, "mx_to_eop", "scenarios/mx-to-eop.yaml");
}

fn bench_tandem(c: &mut Criterion) {
    bench_scenario(c, "tandem", "scenarios/tandem.yaml");
}

/// Longest single run for which criterion's 10 samples are worth waiting for.
const SCALE_DAY_CRITERION_LIMIT_S: f64 = 6.0;

/// One simulated day of 100,000 mailboxes: one timed run, printed; criterion samples it too
/// when a run is short enough.
fn bench_scale_day(c: &mut Criterion) {
    if !wanted(&["scale_day/engine"]) {
        return;
    }
    let sc = load("scenarios/scale-day.yaml");
    let seed = sc.seed;
    let t0 = Instant::now();
    let mut e = Engine::new(&sc, seed);
    e.run();
    let wall_s = t0.elapsed().as_secs_f64();
    let s = Summary::from_engine(&e, wall_s);
    let p = Probe {
        events: s.engine.events,
        messages: s.messages.generated,
        wall_s,
        mean_latency_s: s.latency_s.mean,
        peak_in_flight: e.peak_in_flight(),
        message_slots: e.message_capacity(),
    };
    engine_line("scale_day/engine", &p);
    let peak_queue = s.nodes.values().map(|n| n.peak_queue).max().unwrap_or(0);
    eprintln!(
        "[bench] scale_day/engine: peak queue {peak_queue} messages, message state {:.1} MiB \
         = {:.1} bytes per message at the peak in flight",
        e.message_state_bytes() as f64 / 1048576.0,
        e.message_state_bytes() as f64 / p.peak_in_flight.max(1) as f64
    );
    drop(e);
    memory_line("scale_day (one run)");
    if wall_s >= SCALE_DAY_CRITERION_LIMIT_S {
        eprintln!(
            "[bench] scale_day/engine: one run takes {wall_s:.1} s (>= {SCALE_DAY_CRITERION_LIMIT_S} s): \
             the single run above is the result, criterion skips it"
        );
        return;
    }
    let mut g = c.benchmark_group("scale_day");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(window(wall_s));
    g.throughput(Throughput::Elements(p.events));
    g.bench_function("engine", |b| {
        b.iter(|| run_engine(black_box(&sc), black_box(seed)))
    });
    g.finish();
    memory_line("scale_day");
}

criterion_group!(
    benches,
    bench_mm4,
    bench_mm4_full_run,
    bench_mm4_pass_through,
    bench_tandem_reference,
    bench_mx_to_eop,
    bench_tandem,
    bench_scale_day
);
criterion_main!(benches);
