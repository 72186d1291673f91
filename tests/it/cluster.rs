//! The cluster recipes of docs/cluster.md work as written: the Slurm array script and its merge
//! (including a failed shard re-run alone), the Kubernetes Jobs' commands, and the GNU parallel
//! script — each ends in a merged sweep byte-identical to the unsharded one, with a capacity.
//! Slurm and Kubernetes themselves are not here: the scripts run with the environment they
//! would set (`SLURM_ARRAY_TASK_ID`, `JOB_COMPLETION_INDEX`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fast sweep the recipes are pointed at: M/M/1 for 6 hours, capacity 0.40/s.
const FAST: [(&str, &str); 5] = [
    ("SCENARIO", "scenarios/mm1.yaml"),
    ("VARY", "traffic.arrivals.rate=0.30/s..0.60/s:4"),
    ("SLO", "latency.p99<10s"),
    ("REPLICATIONS", "2"),
    ("EXTRA", "--set duration=6h"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn path_with_mailflow(extra: Option<&Path>) -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mailflow"));
    let mut dirs = vec![bin.parent().unwrap().to_path_buf()];
    dirs.extend(extra.map(Path::to_path_buf));
    let mut p = std::env::join_paths(dirs).unwrap().into_string().unwrap();
    p.push(':');
    p.push_str(&std::env::var("PATH").unwrap_or_default());
    p
}

fn bash(script: &str, env: &[(&str, String)], shim: Option<&Path>) -> Output {
    let mut c = Command::new("bash");
    c.arg(script)
        .current_dir(root())
        .env("PATH", path_with_mailflow(shim));
    for (k, v) in FAST {
        c.env(k, v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The same sweep, unsharded, for comparison.
fn unsharded(dir: &Path) -> Vec<u8> {
    let out = dir.join("unsharded");
    let o = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .current_dir(root())
        .args(["sweep", FAST[0].1, "--vary", FAST[1].1, "--slo", FAST[2].1])
        .args([
            "--replications",
            FAST[3].1,
            "--set",
            "duration=6h",
            "--quiet",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    std::fs::read(out.join("sweep.json")).unwrap()
}

fn capacity(sweep_json: &[u8]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(sweep_json).unwrap();
    v["capacity"]["value"].clone()
}

#[test]
fn the_slurm_recipe_survives_a_failed_shard_and_merges_like_one_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = tmp.path().join("shards");
    let report = tmp.path().join("merged");
    let common = |k: Option<usize>| {
        let mut env = vec![
            ("SHARDS", "3".to_string()),
            ("SHARD_ROOT", shards.display().to_string()),
            ("REPORT", report.display().to_string()),
        ];
        if let Some(k) = k {
            env.push(("SLURM_ARRAY_TASK_ID", k.to_string()));
            env.push(("SLURM_ARRAY_TASK_COUNT", "3".to_string()));
        }
        env
    };
    for k in 1..=3 {
        let o = bash("examples/cluster/sweep.sbatch", &common(Some(k)), None);
        assert!(o.status.success(), "shard {k}: {}", text(&o));
    }
    // Shard 2 failed (its folder is gone): the merge must not report a complete sweep.
    std::fs::remove_dir_all(shards.join("2")).unwrap();
    let o = bash("examples/cluster/merge.sbatch", &common(None), None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("points are missing"), "{}", text(&o));
    assert!(!report.join("sweep.json").exists());
    // Re-submitting index 2 alone: Slurm then says the array has one task; the slice stays 2/3.
    let mut env = common(Some(2));
    env.retain(|(k, _)| *k != "SLURM_ARRAY_TASK_COUNT");
    env.push(("SLURM_ARRAY_TASK_COUNT", "1".to_string()));
    let o = bash("examples/cluster/sweep.sbatch", &env, None);
    assert!(o.status.success(), "re-run: {}", text(&o));
    let o = bash("examples/cluster/merge.sbatch", &common(None), None);
    assert!(o.status.success(), "{}", text(&o));
    let merged = std::fs::read(report.join("sweep.json")).unwrap();
    assert_eq!(capacity(&merged), serde_json::json!("0.40/s"));
    assert!(
        merged == unsharded(tmp.path()),
        "merged ≠ unsharded sweep.json"
    );
}

#[test]
fn the_gnu_parallel_recipe_merges_like_one_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    // Without GNU parallel on the machine, a stand-in runs the same jobs one after another.
    let shim_dir = tmp.path().join("shim");
    let have_parallel = Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_parallel {
        std::fs::create_dir_all(&shim_dir).unwrap();
        let shim = shim_dir.join("parallel");
        std::fs::write(
            &shim,
            "#!/bin/bash\n# stand-in for GNU parallel: -q -j N CMD... ::: ARGS\nshift 3\n\
             cmd=(); while [ \"$1\" != ':::' ]; do cmd+=(\"$1\"); shift; done; shift\n\
             for a in \"$@\"; do \"${cmd[@]//\\{\\}/$a}\" || exit 1; done\n",
        )
        .unwrap();
        Command::new("chmod").arg("+x").arg(&shim).status().unwrap();
    }
    let report = tmp.path().join("merged");
    let env = [
        ("SHARDS", "2".to_string()),
        (
            "SHARD_ROOT",
            tmp.path().join("shards").display().to_string(),
        ),
        ("REPORT", report.display().to_string()),
    ];
    let o = bash(
        "examples/cluster/parallel.sh",
        &env,
        (!have_parallel).then_some(shim_dir.as_path()),
    );
    assert!(o.status.success(), "{}", text(&o));
    let merged = std::fs::read(report.join("sweep.json")).unwrap();
    assert!(
        merged == unsharded(tmp.path()),
        "merged ≠ unsharded sweep.json"
    );
}

#[test]
fn the_kubernetes_jobs_run_their_shards_and_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    std::fs::create_dir_all(&results).unwrap();
    let job = |file: &str| -> (String, Vec<(String, String)>, serde_yaml::Value) {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let y: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let c = &y["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["command"][0].as_str(), Some("/bin/sh"), "{file}");
        let script = c["args"][0].as_str().unwrap().to_string();
        let env = c["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| {
                let k = e["name"].as_str().unwrap().to_string();
                let v = e["value"].as_str().unwrap().to_string();
                (k, v)
            })
            .collect();
        (script, env, y)
    };
    let (sweep, sweep_env, sweep_job) = job("examples/cluster/k8s/sweep-job.yaml");
    let completions = sweep_job["spec"]["completions"].as_u64().unwrap();
    let run = |script: &str, env: &[(String, String)], index: Option<u64>| {
        let mut c = Command::new("/bin/sh");
        c.arg("-c")
            .arg(script)
            .current_dir(root())
            .env("PATH", path_with_mailflow(None));
        for (k, v) in env {
            c.env(k, v);
        }
        // The cluster's paths, pointed at this machine, and the fast sweep.
        c.env("RESULTS", &results);
        for (k, v) in FAST {
            c.env(k, v);
        }
        c.env("VARY", FAST[1].1);
        if let Some(i) = index {
            c.env("JOB_COMPLETION_INDEX", i.to_string());
        }
        c.output().unwrap()
    };
    // The k8s args take no EXTRA: shorten the run through the scenario's own duration.
    let short = tmp.path().join("mm1-6h.yaml");
    let text = std::fs::read_to_string(root().join("scenarios/mm1.yaml")).unwrap();
    std::fs::write(&short, text.replace("duration: 2d", "duration: 6h")).unwrap();
    let mut env = sweep_env.clone();
    env.retain(|(k, _)| k != "SCENARIO" && k != "REPLICATIONS");
    env.push(("SCENARIO".into(), short.display().to_string()));
    env.push(("REPLICATIONS".into(), "2".into()));
    for i in 0..completions {
        let o = run(&sweep, &env, Some(i));
        assert!(o.status.success(), "index {i}: {}", text_of(&o));
    }
    let (merge, merge_env, _) = job("examples/cluster/k8s/merge-job.yaml");
    let o = run(&merge, &merge_env, None);
    assert!(o.status.success(), "merge: {}", text_of(&o));
    let merged = std::fs::read(results.join("sweep-mx-to-eop/sweep.json")).unwrap();
    assert_eq!(capacity(&merged), serde_json::json!("0.40/s"));
}

fn text_of(o: &Output) -> String {
    text(o)
}

#[test]
fn an_absent_and_an_empty_shard_folder_are_both_missing_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |k: usize| {
        let o = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .current_dir(root())
            .args(["sweep", FAST[0].1, "--vary", FAST[1].1, "--slo", FAST[2].1])
            .args(["--replications", "2", "--set", "duration=6h", "--quiet"])
            .arg("--shard")
            .arg(format!("{k}/3"))
            .arg("--out")
            .arg(tmp.path().join(k.to_string()))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };
    shard(1);
    std::fs::create_dir_all(tmp.path().join("2")).unwrap();
    let merge = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .arg("merge")
            .args(["1", "2", "3"].map(|k| tmp.path().join(k)))
            .arg("--out")
            .arg(tmp.path().join("merged"))
            .args(extra)
            .output()
            .unwrap()
    };
    let o = merge(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    for folder in ["2", "3"] {
        let p = tmp.path().join(folder).display().to_string();
        assert!(t.contains(&p), "{folder} not named: {t}");
    }
    assert!(t.contains("2 of 4 points are missing"), "{t}");
    let o = merge(&["--allow-partial", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("merged/sweep.json")).unwrap())
            .unwrap();
    assert_eq!(v["complete"], serde_json::json!(false));
    assert_eq!(v["points_missing"], serde_json::json!(2));
    let page = std::fs::read_to_string(tmp.path().join("merged/index.html")).unwrap();
    assert!(
        page.contains("Incomplete"),
        "the page does not say it is incomplete"
    );
}

#[test]
fn shards_started_together_into_one_folder_all_claim_it() {
    for trial in 0..6 {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("shared");
        let children: Vec<_> = (1..=3)
            .map(|k| {
                Command::new(env!("CARGO_BIN_EXE_mailflow"))
                    .current_dir(root())
                    .args(["sweep", FAST[0].1, "--vary", FAST[1].1, "--slo", FAST[2].1])
                    .args(["--replications", "1", "--set", "duration=2h", "--quiet"])
                    .arg("--shard")
                    .arg(format!("{k}/3"))
                    .arg("--out")
                    .arg(&out)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "trial {trial}: {}", text(&o));
        }
        let o = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .arg("merge")
            .arg(&out)
            .arg("--out")
            .arg(tmp.path().join("merged"))
            .arg("--quiet")
            .output()
            .unwrap();
        assert!(o.status.success(), "trial {trial}: {}", text(&o));
    }
}
