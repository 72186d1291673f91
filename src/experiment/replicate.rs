//! Independent replications of one scenario, run in parallel with results that do not depend
//! on the number of threads.

use rayon::prelude::*;
use serde_json::{Map, Value};

use super::Summary;
use super::simulate::{RunOutput, simulate};
use super::slo::Metric;
use crate::model::Scenario;
use crate::sim::rng::replication_seed;
use crate::sim::{Latency, TimeSeries};
use crate::stats::Estimate;

/// The runs of one scenario under seeds derived from a master seed.
#[derive(Clone, Debug)]
pub struct Replicated {
    /// The seed of each run (`seeds[0]` is the master seed itself).
    pub seeds: Vec<u64>,
    /// The summary of each run, in replication order.
    pub summaries: Vec<Summary>,
    /// The time series of the first run (the master seed), for charts.
    pub series: TimeSeries,
    /// The latency histograms of the first run, for charts.
    pub latencies: Vec<(String, Latency)>,
}

/// The most replications of one scenario (or of one sweep point): each keeps its summary in
/// memory, and a confidence interval narrows only as 1/√N.
pub const MAX_REPLICATIONS: usize = 10_000;

/// The most worker threads: runs are CPU-bound, so threads beyond the cores only wait (and a
/// hundred thousand of them exhaust the system before any work starts).
pub const MAX_JOBS: usize = 1024;

/// A thread pool of `jobs` threads (0: one per core); `None` if the system refuses threads.
pub fn pool(jobs: usize) -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .ok()
}

/// Runs `sc` `n` times (at least once, at most [`MAX_REPLICATIONS`]) with seeds
/// `replication_seed(master_seed, i)`, on `jobs` threads (0: one per core). Run `i` is the same
/// whatever `jobs`. Only the first run's time series and histograms are kept: memory does not
/// grow with `n` beyond one summary per run.
pub fn replicate(sc: &Scenario, master_seed: u64, n: usize, jobs: usize) -> Replicated {
    let seeds: Vec<u64> = (0..n.clamp(1, MAX_REPLICATIONS) as u64)
        .map(|i| replication_seed(master_seed, i))
        .collect();
    let one = |(i, seed): (usize, &u64)| {
        let run = simulate(sc, *seed, None);
        let charts = (i == 0).then_some((run.series, run.latencies));
        (run.summary, charts)
    };
    let runs: Vec<_> = match pool(jobs.min(MAX_JOBS)) {
        Some(p) => p.install(|| seeds.par_iter().enumerate().map(one).collect()),
        None => seeds.iter().enumerate().map(one).collect(),
    };
    let mut summaries = Vec::with_capacity(runs.len());
    let mut first = None;
    for (summary, charts) in runs {
        summaries.push(summary);
        first = first.or(charts);
    }
    let (series, latencies) = first.expect("the first run keeps its charts");
    Replicated {
        seeds,
        summaries,
        series,
        latencies,
    }
}

impl Replicated {
    /// The replications of `runs` made with `seeds` (in the same order; at least one run).
    pub fn from_runs(seeds: Vec<u64>, runs: Vec<RunOutput>) -> Replicated {
        let mut runs = runs.into_iter();
        let first = runs.next().expect("at least one run");
        let mut summaries = vec![first.summary];
        summaries.extend(runs.map(|r| r.summary));
        Replicated {
            seeds,
            summaries,
            series: first.series,
            latencies: first.latencies,
        }
    }

    /// The estimate of any number of the summaries.
    pub fn estimate(&self, f: impl Fn(&Summary) -> f64) -> Estimate {
        Estimate::of(self.summaries.iter().map(f).collect())
    }

    /// The estimate of a metric (missing nodes count as NaN).
    pub fn metric(&self, m: &Metric) -> Estimate {
        self.estimate(|s| m.value(s).unwrap_or(f64::NAN))
    }

    /// `summary.json`'s `replications` block: the seeds, then every number of the summaries
    /// (engine timings, seeds, alerts and SLO lists aside) as `{"mean", "ci95", "runs"}`.
    pub fn to_json(&self) -> Value {
        let values: Vec<Value> = self
            .summaries
            .iter()
            .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
            .collect();
        let mut out = Map::new();
        out.insert("count".into(), Value::from(self.seeds.len()));
        out.insert("seeds".into(), Value::from(self.seeds.clone()));
        if let Value::Object(merged) = merge(&values.iter().collect::<Vec<_>>()) {
            for (k, v) in merged {
                if !matches!(k.as_str(), "seed" | "engine" | "alerts" | "slo") {
                    out.insert(k, v);
                }
            }
        }
        Value::Object(out)
    }
}

/// Zips the same place of every run: numbers become estimates, objects merge key by key (a key
/// missing from a run counts as 0, as in `ndr_by_code`), anything else is left out (`Null`).
fn merge(values: &[&Value]) -> Value {
    let first = values.iter().find(|v| !v.is_null());
    match first {
        Some(Value::Number(_)) => {
            let runs = values.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect();
            serde_json::to_value(Estimate::of(runs)).unwrap_or(Value::Null)
        }
        Some(Value::Object(_)) => {
            let mut keys: Vec<&String> = Vec::new();
            for v in values {
                if let Value::Object(m) = v {
                    for k in m.keys() {
                        if !keys.contains(&k) {
                            keys.push(k);
                        }
                    }
                }
            }
            let mut out = Map::new();
            for k in keys {
                let zero = Value::from(0);
                let column: Vec<&Value> = values
                    .iter()
                    .map(|v| v.get(k.as_str()).unwrap_or(&zero))
                    .collect();
                let merged = merge(&column);
                if !merged.is_null() {
                    out.insert(k.clone(), merged);
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::Object(out)
            }
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_merge_into_estimates_and_missing_counts_are_zero() {
        let a = json!({"name": "x", "n": 1, "codes": {"550": 2}, "list": [1]});
        let b = json!({"name": "x", "n": 3, "codes": {}, "list": [2]});
        let m = merge(&[&a, &b]);
        assert_eq!(m["n"]["mean"], json!(2.0));
        assert_eq!(m["n"]["runs"], json!([1.0, 3.0]));
        assert_eq!(m["codes"]["550"]["runs"], json!([2.0, 0.0]));
        assert!(m.get("name").is_none() && m.get("list").is_none());
    }
}
