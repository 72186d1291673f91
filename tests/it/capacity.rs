//! Capacity planning end to end: confidence intervals that cover the M/M/1 truth, a sweep
//! that finds the M/M/1 capacity, and sweeps that give the same bytes whatever the threads,
//! shards or interruptions.

use crate::common::*;

use std::path::Path;
use std::process::{Command, Output};

use mailflow::experiment::replicate;

fn mailflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// 40 independent experiments of 5 replications each: the 95% CI of the mean response time
/// should contain 1/(μ−λ) = 2 s in about 95% of them (at least 85% allows for chance and the
/// small bias of finite runs).
#[test]
fn ci_of_mm1_mean_latency_covers_the_theory() {
    let sc = load_file("scenarios/mm1.yaml", &["duration=4h", "warmup=30m"]);
    let covered = (0..40u64)
        .filter(|i| {
            replicate(&sc, 1000 + i, 5, 0)
                .estimate(|s| s.latency_s.mean)
                .contains(2.0)
        })
        .count();
    assert!(covered >= 34, "{covered} of 40 CIs contain 2 s");
}

const GRID: &str = "traffic.arrivals.rate=0.30/s..0.80/s:11";

fn sweep(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec![
        "sweep",
        "scenarios/mm1.yaml",
        "--vary",
        GRID,
        "--slo",
        "latency.p99<10s",
        "--set",
        "duration=2d",
        "--replications",
        "5",
        "--quiet",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let o = mailflow(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// M/M/1 with μ = 1/s: p99 = ln(100)/(1−λ) is 9.21 s at 0.50/s and 10.23 s at 0.55/s.
#[test]
fn mm1_sweep_finds_the_capacity_theory_predicts_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let o = sweep(&whole, &["--jobs", "2"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("capacity: traffic.arrivals.rate = 0.50/s"),
        "{stdout}"
    );
    let report = json(&whole.join("sweep.json"));
    for key in ["scenario", "replications", "slo", "points", "capacity"] {
        assert!(report.get(key).is_some(), "sweep.json has `{key}`");
    }
    assert_eq!(report["capacity"]["value"], "0.50/s");
    assert_eq!(report["capacity"]["key"], "traffic.arrivals.rate");
    let points = report["points"].as_array().unwrap();
    assert_eq!(points.len(), 11);
    assert_eq!(points[4]["values"]["traffic.arrivals.rate"], "0.50/s");
    let p99 = &points[4]["metrics"]["latency.p99"];
    assert!(p99["ci95"][1].as_f64().unwrap() < 10.0 && p99["mean"].as_f64().unwrap() > 8.5);
    for f in ["sweep.csv", "sweep.svg", "index.html", "points/10.json"] {
        assert!(whole.join(f).exists(), "{f} written");
    }

    // One thread: byte-identical files.
    let single = tmp.path().join("single");
    sweep(&single, &["--jobs", "1"]);
    let read = |p: &Path, f: &str| std::fs::read(p.join(f)).unwrap();
    assert_eq!(read(&whole, "sweep.csv"), read(&single, "sweep.csv"));
    assert_eq!(read(&whole, "sweep.json"), read(&single, "sweep.json"));

    // Two shards, merged: the same points and capacity.
    let (a, b, merged) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("m"),
    );
    sweep(&a, &["--shard", "1/2"]);
    sweep(&b, &["--shard", "2/2"]);
    assert_eq!(
        json(&a.join("sweep.json"))["points"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let o = mailflow(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--quiet",
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&merged.join("sweep.json"))["points"], report["points"]);
    assert_eq!(read(&merged, "sweep.json"), read(&whole, "sweep.json"));

    // Interrupted after some points (the others' files are missing), then resumed.
    for i in [2, 5, 6, 9] {
        std::fs::remove_file(single.join(format!("points/{i}.json"))).unwrap();
    }
    let o = mailflow(&[
        "sweep",
        "scenarios/mm1.yaml",
        "--vary",
        GRID,
        "--slo",
        "latency.p99<10s",
        "--set",
        "duration=2d",
        "--replications",
        "5",
        "--resume",
        "--out",
        single.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("7 resumed"));
    assert_eq!(read(&single, "sweep.json"), read(&whole, "sweep.json"));
}

#[test]
fn run_exits_3_when_an_slo_is_missed_and_2_when_one_is_malformed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let run = |slo: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            "scenarios/mm1.yaml",
            "--set",
            "duration=12h",
            "--quiet",
            "--out",
            out,
            "--slo",
            slo,
        ];
        args.extend_from_slice(extra);
        mailflow(&args)
    };
    assert_eq!(run("latency.p99<15m", &[]).status.code(), Some(0));
    let missed = run("latency.p99<5s", &[]);
    assert_eq!(missed.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missed.stderr).contains("latency.p99<5s"));
    let s = json(&tmp.path().join("summary.json"));
    assert_eq!(s["slo"][0]["expr"], "latency.p99<5s");
    assert_eq!(s["slo"][0]["met"], false);
    // With replications the CI's upper bound decides.
    assert_eq!(
        run("utilization.server<=60%", &["--replications", "3"])
            .status
            .code(),
        Some(0)
    );
    let r = json(&tmp.path().join("summary.json"));
    let u = &r["replications"]["nodes"]["server"]["utilization"];
    assert_eq!(u["runs"].as_array().unwrap().len(), 3);
    assert!(u["ci95"][0].as_f64().unwrap() <= u["mean"].as_f64().unwrap());
    let bad = run("latency.p98<10s", &[]);
    assert_eq!(bad.status.code(), Some(2));
    let e = String::from_utf8_lossy(&bad.stderr);
    assert!(
        e.contains("latency.p98<10s") && e.contains("latency.p99") && e.contains("<="),
        "{e}"
    );
}

#[test]
fn validate_load_flags_an_overloaded_node_before_simulating() {
    let o = mailflow(&[
        "validate",
        "--load",
        "scenarios/mm1.yaml",
        "--set",
        "traffic.arrivals.rate=1.2/s",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("120.0%") && text.contains("! server"),
        "{text}"
    );
}

#[test]
fn replications_do_not_depend_on_the_number_of_threads() {
    let sc = load_file("scenarios/mm1.yaml", &["duration=6h"]);
    let strip = |r: mailflow::experiment::Replicated| {
        r.summaries
            .iter()
            .map(|s| (s.messages.clone(), s.latency_s.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(replicate(&sc, 9, 4, 1)),
        strip(replicate(&sc, 9, 4, 3))
    );
    // Replication 0 is the plain run under the master seed.
    assert_eq!(
        replicate(&sc, 9, 2, 1).summaries[0].latency_s,
        run(&sc, 9).latency_s
    );
}
