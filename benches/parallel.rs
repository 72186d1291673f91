//! Parallel replications: 4 runs of `scenarios/mm1.yaml` on a rayon pool of 1 and of 2 threads.
//!
//! `cargo bench --bench parallel` (add `-- --quick` for a short run). Before the group one line
//! per job count goes to stderr (outside the timed code) with the wall time of one batch and the
//! speed-up from 1 to 2 jobs.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use mailflow::model::Scenario;
use mailflow::sim::Engine;
use mailflow::sim::rng::replication_seed;
use rayon::prelude::*;

/// Replications per batch.
const REPLICATIONS: u64 = 4;
/// Batches timed for the printed line (the fastest is reported).
const PROBE_RUNS: usize = 10;

fn load(rel: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    match mailflow::scenario::load(&path, &[]) {
        Ok(loaded) => loaded.scenario,
        Err(e) => panic!("cannot load {rel}:\n{e}"),
    }
}

/// Runs the replications on `pool`; returns the events handled by each.
fn replications(sc: &Scenario, pool: &rayon::ThreadPool) -> Vec<u64> {
    pool.install(|| {
        (0..REPLICATIONS)
            .into_par_iter()
            .map(|i| {
                let mut e = Engine::new(sc, replication_seed(sc.seed, i));
                e.run();
                e.events_handled
            })
            .collect()
    })
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

fn bench_parallel(c: &mut Criterion) {
    let sc = load("scenarios/mm1.yaml");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let jobs = [1usize, 2];
    let pools: Vec<rayon::ThreadPool> = jobs.iter().map(|&n| pool(n)).collect();

    let mut walls = Vec::new();
    let mut events = 0u64;
    for (&n, p) in jobs.iter().zip(&pools) {
        replications(&sc, p); // warm the pool's threads and caches
        let mut best = f64::INFINITY;
        for _ in 0..PROBE_RUNS {
            let t0 = Instant::now();
            events = replications(&sc, p).iter().sum();
            best = best.min(t0.elapsed().as_secs_f64());
        }
        eprintln!(
            "[bench] mm1 x{REPLICATIONS} replications, {n} job(s): events {events}, wall {best:.3} s, {:.3} M events/s",
            events as f64 / best / 1e6
        );
        walls.push(best);
    }
    eprintln!(
        "[bench] parallel speed-up 1 -> 2 jobs: {:.2}x ({cores} hardware threads available)",
        walls[0] / walls[1]
    );

    let mut g = c.benchmark_group("parallel_mm1_x4");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(Duration::from_secs_f64((walls[0] * 12.0).max(5.0)));
    g.throughput(Throughput::Elements(events));
    for (&n, p) in jobs.iter().zip(&pools) {
        g.bench_with_input(BenchmarkId::new("jobs", n), p, |b, p| {
            b.iter(|| replications(black_box(&sc), p))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_parallel);
criterion_main!(benches);
