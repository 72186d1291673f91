//! Issue 16, sweeps, merges and inputs: `merge` and `--resume` check what they read (grid size,
//! point indices, checksums), a sweep writes each point once and appends its progress, and a
//! scenario is read once per command (a FIFO works, `/dev/zero` is refused quickly).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{mailflow, root};

const LIMIT: Duration = Duration::from_secs(120);

/// A fast sweep of M/M/1 into `dir`: 3 points, 1 replication each (unless `extra` says).
fn sweep(dir: &Path, extra: &[&str]) -> super::Outcome {
    let d = dir.to_str().unwrap();
    let mut args = vec![
        "sweep",
        "scenarios/mm1.yaml",
        "--set",
        "duration=1h",
        "--set",
        "warmup=0s",
        "--vary",
        "traffic.arrivals.rate=0.2/s,0.4/s,0.6/s",
        "--slo",
        "latency.p99<10s",
        "--quiet",
        "--out",
        d,
    ];
    if !extra.contains(&"--replications") {
        args.extend(["--replications", "1"]);
    }
    args.extend(extra);
    mailflow(&args, LIMIT)
}

fn merge(dirs: &[&Path], out: &Path) -> super::Outcome {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    args.extend(["--out".into(), out.display().to_string(), "--quiet".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mailflow(&args, LIMIT)
}

fn point(dir: &Path, i: usize) -> PathBuf {
    dir.join("points").join(format!("{i}.json"))
}

/// Changes the mean of the first metric of a point file, keeping it valid JSON.
fn tamper(path: &Path) {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let metrics = v["point"]["metrics"].as_object_mut().unwrap();
    let first = metrics.values_mut().next().unwrap();
    first["mean"] = serde_json::json!(0.0001);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// Regression (issue 16): `merge` merged tampered and out-of-range points as they were.
#[test]
fn merge_refuses_tampered_and_out_of_range_points_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = tmp.path().join("shard");
    let o = sweep(&shard, &[]);
    assert_eq!(o.code, Some(0), "{}", o.text());
    let merged = tmp.path().join("merged");
    assert_eq!(merge(&[&shard], &merged).code, Some(0));

    tamper(&point(&shard, 1));
    let o = merge(&[&shard], &tmp.path().join("m1"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    let named = point(&shard, 1).display().to_string();
    assert!(o.stderr.contains(&named), "{}", o.text());
    assert!(o.stderr.contains("checksum"), "{}", o.text());
    assert!(o.stderr.contains("--resume"), "{}", o.text());
    assert!(!tmp.path().join("m1").exists());

    // --resume recomputes the tampered point, and the merge then matches the first one.
    let o = sweep(&shard, &["--resume"]);
    assert_eq!(o.code, Some(0), "{}", o.text());
    assert!(o.stderr.contains("checksum does not match"), "{}", o.text());
    let again = tmp.path().join("again");
    assert_eq!(merge(&[&shard], &again).code, Some(0));
    assert_eq!(
        std::fs::read(merged.join("sweep.json")).unwrap(),
        std::fs::read(again.join("sweep.json")).unwrap()
    );

    std::fs::copy(point(&shard, 0), point(&shard, 7)).unwrap();
    let o = merge(&[&shard], &tmp.path().join("m2"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(
        o.stderr.contains("point 7 is outside the grid of 3 points"),
        "{}",
        o.text()
    );
    std::fs::remove_file(point(&shard, 7)).unwrap();
    std::fs::copy(point(&shard, 0), point(&shard, 2)).unwrap();
    let o = merge(&[&shard], &tmp.path().join("m3"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.stderr.contains("it is not point 2"), "{}", o.text());
}

/// Regression (issue 16): a shard claiming 10¹² grid points made `merge` loop over them.
#[test]
fn merge_refuses_a_sweep_json_whose_grid_is_not_its_varied_values() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = tmp.path().join("shard");
    assert_eq!(sweep(&shard, &[]).code, Some(0));
    let path = shard.join("sweep.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["grid_points"] = serde_json::json!(1_000_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = merge(&[&shard], &tmp.path().join("m"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(
        o.stderr
            .contains("it claims 1000000000000 grid points, but its --vary values make 3"),
        "{}",
        o.text()
    );
    assert!(o.took < Duration::from_secs(5), "{:?}", o.took);
    // A listed point moved outside the grid.
    v["grid_points"] = serde_json::json!(3);
    v["points"][0]["index"] = serde_json::json!(99);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = merge(&[&shard], &tmp.path().join("m"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(
        o.stderr
            .contains("point 99 is outside the grid of 3 points"),
        "{}",
        o.text()
    );
    // A tampered grid of a billion values is refused by its size, before it is built.
    let values: Vec<String> = (0..100_001).map(|i| i.to_string()).collect();
    v["vary"] = serde_json::json!([{"key": "seed", "values": values}]);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = merge(&[&shard], &tmp.path().join("m"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.stderr.contains("at most 10000"), "{}", o.text());
}

/// `merge` and `--resume` check the scenario a point was computed for (its hash, with `--set`):
/// a shard of another scenario is refused, a point file of another scenario is refused naming
/// it, and `--resume` after a change of `--set` computes such points again, with one warning.
#[test]
fn merge_and_resume_check_the_scenario_each_point_was_computed_for() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let other = ["--set", "nodes.server.workers=2"];
    assert_eq!(sweep(&a, &[]).code, Some(0));
    assert_eq!(sweep(&b, &other).code, Some(0));
    let o = merge(&[&a, &b], &tmp.path().join("m1"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.stderr.contains("another scenario"), "{}", o.text());
    // Shards of another seed, replications, SLOs or grid are refused as well.
    for (i, (extra, why)) in [
        (&["--seed", "9"][..], "another --seed"),
        (&["--replications", "2"][..], "another --replications"),
        (&["--slo", "ndr_rate<0.5"][..], "other --slo"),
        (&["--vary", "nodes.server.workers=1,2"][..], "other --vary"),
    ]
    .into_iter()
    .enumerate()
    {
        let c = tmp.path().join(format!("c{i}"));
        assert_eq!(sweep(&c, extra).code, Some(0), "{extra:?}");
        let o = merge(&[&a, &c], &tmp.path().join("m1"));
        assert_eq!(o.code, Some(2), "{}", o.text());
        assert!(o.stderr.contains(why), "{}", o.text());
    }

    // A point of `b` in `a`: intact (its checksum matches), but not computed for `a`.
    std::fs::copy(point(&b, 1), point(&a, 1)).unwrap();
    let o = merge(&[&a], &tmp.path().join("m2"));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(
        o.stderr.contains(&point(&a, 1).display().to_string()),
        "{}",
        o.text()
    );
    assert!(o.stderr.contains("it is not point 1"), "{}", o.text());
    assert!(!tmp.path().join("m2").exists());

    // Resumed with `b`'s overrides: `b`'s point is kept, the two others are computed again,
    // and the result is `b`'s sweep.
    let mut resumed = other.to_vec();
    resumed.push("--resume");
    let o = sweep(&a, &resumed);
    assert_eq!(o.code, Some(0), "{}", o.text());
    assert!(
        o.stderr
            .contains("2 finished point(s) are of another sweep"),
        "{}",
        o.text()
    );
    let (ma, mb) = (tmp.path().join("ma"), tmp.path().join("mb"));
    assert_eq!(merge(&[&a], &ma).code, Some(0));
    assert_eq!(merge(&[&b], &mb).code, Some(0));
    assert_eq!(
        std::fs::read(ma.join("sweep.json")).unwrap(),
        std::fs::read(mb.join("sweep.json")).unwrap()
    );
}

/// A tampered `sweep.json` name cannot send the merged report outside `reports/`.
#[test]
fn merge_keeps_a_name_read_from_a_shard_inside_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = tmp.path().join("shard");
    assert_eq!(sweep(&shard, &[]).code, Some(0));
    let path = shard.join("sweep.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["scenario"] = serde_json::json!("../../../escaped");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = mailflow(&["merge", shard.to_str().unwrap(), "--quiet"], LIMIT);
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.stderr.contains("pass --out DIR"), "{}", o.text());
}

/// Regression (issue 16): `sweep` rewrote and synced `sweep.json` and `sweep.csv` after every
/// point (quadratic: 4,000 points took 56 s). Each point now writes its own file and appends
/// one line to `progress.jsonl`; the report files are written at the start and the end.
#[test]
fn a_sweep_writes_each_point_once_and_appends_its_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let d = dir.to_str().unwrap();
    let o = mailflow(
        &[
            "sweep",
            "scenarios/mm1.yaml",
            "--set",
            "duration=1m",
            "--set",
            "warmup=0s",
            "--vary",
            "traffic.arrivals.rate=0.1/s..0.9/s:400",
            "--replications",
            "1",
            "--quiet",
            "--out",
            d,
        ],
        LIMIT,
    );
    assert_eq!(o.code, Some(0), "{}", o.text());
    let progress = std::fs::read_to_string(dir.join("progress.jsonl")).unwrap();
    assert_eq!(progress.lines().count(), 400);
    for line in progress.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["index"].as_u64().unwrap() < 400);
    }
    assert_eq!(std::fs::read_dir(dir.join("points")).unwrap().count(), 400);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(v["points"].as_array().unwrap().len(), 400);
    assert_eq!(v["complete"], serde_json::json!(true));
}

/// The writes of a sweep grow with its points, two per point (its file and its progress line):
/// stopped before write step k, a one-job sweep has finished (k − 1 − 2) / 2 points, the first
/// two steps being the marker and `sweep.json`. A rewrite of a report file per point (issue 16:
/// quadratic) would finish a third fewer.
#[test]
fn a_sweep_makes_two_writes_per_point() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let o = super::mailflow_with(
        &[
            "sweep",
            "scenarios/mm1.yaml",
            "--set",
            "duration=1m",
            "--set",
            "warmup=0s",
            "--vary",
            "traffic.arrivals.rate=0.1/s..0.9/s:400",
            "--replications",
            "1",
            "--jobs",
            "1",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[("MAILFLOW_TEST_STOP_AT_STEP", "203")],
        LIMIT,
    );
    assert_eq!(o.code, Some(137), "{}", o.text());
    let progress = std::fs::read_to_string(dir.join("progress.jsonl")).unwrap();
    assert_eq!(progress.lines().count(), 100);
    assert_eq!(std::fs::read_dir(dir.join("points")).unwrap().count(), 100);
}

/// A mean whose shortest decimal form has 17 digits (`1.7755328000000001`, point 2002 of this
/// grid) must read back bit for bit, or its own checksum refuses it. A release build without
/// serde_json's `float_roundtrip` failed here; test builds get the feature from a
/// dev-dependency, so this guards the behaviour, not the feature flag.
#[test]
fn a_point_with_a_seventeen_digit_mean_reads_back_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("s");
    let o = mailflow(
        &[
            "sweep",
            "scenarios/mm1.yaml",
            "--set",
            "duration=10s",
            "--set",
            "warmup=0s",
            "--vary",
            "traffic.arrivals.rate=0.1/s..0.9/s:4000",
            "--replications",
            "1",
            "--shard",
            "2003/4000",
            "--quiet",
            "--out",
            d.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(o.code, Some(0), "{}", o.text());
    let text = std::fs::read_to_string(point(&d, 2002)).unwrap();
    assert!(text.contains("1.7755328000000001"), "{text}");
}

/// Regression (issue 16): the scenario file was read several times. Every command reads it
/// once: a FIFO, which can be read only once, works for `run` and for every point of a sweep.
#[cfg(unix)]
#[test]
fn a_scenario_given_as_a_fifo_is_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read(root().join("scenarios/mm1.yaml")).unwrap();
    for (i, cmd) in ["run", "sweep", "validate", "route"].iter().enumerate() {
        let fifo = tmp.path().join(format!("s{i}.yaml"));
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (f, t) = (fifo.clone(), text.clone());
        // One writer: a second read of the FIFO would wait forever (and the test time out).
        let writer = std::thread::spawn(move || std::fs::write(f, t).unwrap());
        let out = tmp.path().join(format!("r{i}"));
        let f = fifo.to_str().unwrap();
        let o_ = out.to_str().unwrap();
        let mut args = vec![*cmd, f];
        match *cmd {
            "run" => args.extend(["--set", "duration=2h", "--quiet", "--out", o_]),
            "sweep" => args.extend([
                "--set",
                "duration=2h",
                "--vary",
                "traffic.arrivals.rate=0.2/s,0.4/s",
                "--replications",
                "1",
                "--quiet",
                "--out",
                o_,
            ]),
            "route" => args.extend(["--to", "x@queue.test"]),
            _ => {}
        }
        let o = mailflow(&args, Duration::from_secs(60));
        assert_eq!(o.code, Some(0), "{cmd}: {}", o.text());
        writer.join().unwrap();
    }
    // `compare` of two FIFOs: each read once.
    let fifos: Vec<PathBuf> = (0..2)
        .map(|i| tmp.path().join(format!("c{i}.yaml")))
        .collect();
    let writers: Vec<_> = fifos
        .iter()
        .map(|f| {
            assert!(
                std::process::Command::new("mkfifo")
                    .arg(f)
                    .status()
                    .unwrap()
                    .success()
            );
            let (f, t) = (f.clone(), text.clone());
            std::thread::spawn(move || std::fs::write(f, t).unwrap())
        })
        .collect();
    let out = tmp.path().join("compared");
    let o = mailflow(
        &[
            "compare",
            fifos[0].to_str().unwrap(),
            fifos[1].to_str().unwrap(),
            "--set",
            "duration=2h",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert_eq!(o.code, Some(0), "compare: {}", o.text());
    for w in writers {
        w.join().unwrap();
    }
}

/// `/dev/zero` (an endless file) is refused quickly, by its size.
#[cfg(unix)]
#[test]
fn an_endless_file_is_refused_quickly() {
    let o = mailflow(&["validate", "/dev/zero"], Duration::from_secs(10));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.text().contains("larger than 64 MiB"), "{}", o.text());
    assert!(o.took < Duration::from_secs(3), "{:?}", o.took);
}
