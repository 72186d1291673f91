//! Issue 16, report folders: a run killed or failing at any write step leaves the previous
//! report or the new one (never a mix, never a temporary file), two runs into one folder cannot
//! interleave, and a full disk is an error that changes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{mailflow, mailflow_with, root, snapshot};

type Files = Vec<(String, Vec<u8>)>;

/// Runs of mm1 for 2 hours: `seed` tells the reports apart.
fn args(dir: &Path, seed: &'static str) -> Vec<String> {
    [
        "run",
        "scenarios/mm1.yaml",
        "--set",
        "duration=2h",
        "--quiet",
        "--seed",
        seed,
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([dir.display().to_string()])
    .collect()
}

fn run(dir: &Path, seed: &'static str, env: &[(&str, &str)]) -> super::Outcome {
    let a = args(dir, seed);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    mailflow_with(&a, env, Duration::from_secs(60))
}

/// `summary.json` without its wall-clock timings, the other files as they are.
fn comparable(files: &Files) -> Files {
    files
        .iter()
        .map(|(name, bytes)| {
            if name != "summary.json" {
                return (name.clone(), bytes.clone());
            }
            let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            v.as_object_mut().unwrap().remove("engine");
            (name.clone(), v.to_string().into_bytes())
        })
        .collect()
}

/// Puts `files` back as the whole content of `dir`.
fn restore(dir: &Path, files: &Files) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Entries beside the report folder other than the folder itself and the reference report.
fn siblings(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut out: Vec<String> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != &name && n != "reference")
        .collect();
    out.sort();
    out
}

/// The previous report (seed 1) and, in `reference`, the new one made without interruption.
fn before_and_after(tmp: &Path) -> (PathBuf, Files, Files) {
    let dir = tmp.join("report");
    let o = run(&dir, "1", &[]);
    assert_eq!(o.code, Some(0), "{}", o.text());
    let before = snapshot(&dir);
    let reference = tmp.join("reference");
    let o = run(&reference, "2", &[]);
    assert_eq!(o.code, Some(0), "{}", o.text());
    let after = comparable(&snapshot(&reference));
    assert_ne!(comparable(&before), after);
    (dir, before, after)
}

/// Regression (issue 16): files were renamed one by one, so a kill while writing left
/// `summary.json` of the new run beside `index.html` of the old.
#[test]
fn a_run_killed_at_any_write_step_leaves_the_old_report_or_the_new_one_never_a_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, before, after) = before_and_after(tmp.path());
    let mut seen = Vec::new();
    for step in 1..=12 {
        restore(&dir, &before);
        let k = step.to_string();
        let o = run(&dir, "2", &[("MAILFLOW_TEST_STOP_AT_STEP", &k)]);
        let now = snapshot(&dir);
        let which = if now == before {
            "old"
        } else if comparable(&now) == after {
            "new"
        } else {
            panic!(
                "step {step}: a mix: {:?}",
                now.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        };
        assert!(!o.text().contains("panicked"), "{}", o.text());
        seen.push(which);
        // The next run cleans up whatever the killed one left beside the folder.
        let o = run(&dir, "2", &[]);
        assert_eq!(o.code, Some(0), "step {step}: {}", o.text());
        assert_eq!(comparable(&snapshot(&dir)), after, "step {step}");
        assert_eq!(siblings(&dir), Vec::<String>::new(), "step {step}");
    }
    // Staging, 7 files and the marker: the old report; the exchange done: the new one.
    let old = seen.iter().take_while(|w| **w == "old").count();
    assert!(old >= 9, "{seen:?}");
    assert!(seen[old..].iter().all(|w| *w == "new"), "{seen:?}");
}

/// Regression (issue 16): a full disk left a mix of old and new files and a temporary file.
#[test]
fn a_write_failing_at_any_step_leaves_the_old_report_and_nothing_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, before, after) = before_and_after(tmp.path());
    for step in 1..=11 {
        restore(&dir, &before);
        let k = step.to_string();
        let o = run(&dir, "2", &[("MAILFLOW_TEST_FAIL_AT_STEP", &k)]);
        let now = snapshot(&dir);
        if o.code == Some(0) {
            // Past the exchange: the new report is whole and in place.
            assert_eq!(comparable(&now), after, "step {step}");
        } else {
            assert_eq!(o.code, Some(1), "step {step}: {}", o.text());
            assert!(o.stderr.contains("no space left on device"), "{}", o.text());
            assert_eq!(now, before, "step {step}");
        }
        assert_eq!(siblings(&dir), Vec::<String>::new(), "step {step}");
    }
}

/// A real write error (a file-size limit standing in for a full disk): exit 1 with a message,
/// the previous report untouched, no temporary file or folder left.
#[cfg(unix)]
#[test]
fn a_real_write_error_is_exit_1_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, before, _) = before_and_after(tmp.path());
    let a = args(&dir, "2").join(" ");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 8; exec \"{}\" {a}",
            env!("CARGO_BIN_EXE_mailflow")
        ))
        .current_dir(root())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("error: cannot write"), "{text}");
    assert_eq!(snapshot(&dir), before);
    assert_eq!(siblings(&dir), Vec::<String>::new());
}

/// Waits until `dir` exists (the first run has claimed it), then a little more.
fn claimed(dir: &Path, child: &mut std::process::Child) {
    let start = Instant::now();
    while !dir.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the first run ended early"
        );
        assert!(start.elapsed() < Duration::from_secs(30), "never claimed");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
}

fn long_run(dir: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["run", "scenarios/mx-to-eop.yaml", "--quiet", "--seed", "5"])
        .arg("--out")
        .arg(dir)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn seed_of(dir: &Path) -> u64 {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    v["seed"].as_u64().unwrap()
}

/// Regression (issue 16): two runs into one folder both exited 0 with their files interleaved.
#[test]
fn a_second_run_into_a_folder_being_written_fails_at_once_and_the_first_report_is_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    let mut first = long_run(&dir);
    claimed(&dir, &mut first);
    let o = run(&dir, "2", &[]);
    assert_ne!(o.code, Some(0), "{}", o.text());
    assert!(
        o.stderr
            .contains("another mailflow is writing this report folder"),
        "{}",
        o.text()
    );
    assert!(o.stderr.contains("--wait"), "{}", o.text());
    assert!(
        first.try_wait().unwrap().is_none(),
        "the second run should have failed while the first was still simulating"
    );
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(seed_of(&dir), 5);
    let names: Vec<String> = snapshot(&dir).into_iter().map(|f| f.0).collect();
    assert_eq!(
        names,
        [
            ".mailflow",
            "index.html",
            "latency.svg",
            "outcomes.svg",
            "queues.svg",
            "summary.json",
            "timeseries.csv",
            "topology.svg"
        ]
    );
}

#[test]
fn with_wait_the_second_run_waits_for_the_first_and_then_replaces_its_report_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    let mut first = long_run(&dir);
    claimed(&dir, &mut first);
    let mut a = args(&dir, "2");
    a.push("--wait".into());
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let o = mailflow(&a, Duration::from_secs(120));
    assert_eq!(o.code, Some(0), "{}", o.text());
    assert!(first.wait().unwrap().success());
    assert_eq!(seed_of(&dir), 2);
    assert_eq!(siblings(&dir), Vec::<String>::new());
}

/// Regression (issue 16): with a file where the report folder should be, the error suggested
/// `--force`, which cannot help; it is an input error (exit 2).
#[test]
fn a_file_in_place_of_the_report_folder_is_exit_2_without_a_force_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("report");
    std::fs::write(&file, "not a folder").unwrap();
    for out in [file.clone(), file.join("inside")] {
        let o = run(&out, "1", &[]);
        assert_eq!(o.code, Some(2), "{}", o.text());
        assert!(!o.stderr.contains("--force"), "{}", o.text());
        assert!(o.stderr.contains("choose another --out"), "{}", o.text());
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

/// A folder that cannot be written (read-only parent) is exit 1 and changes nothing.
#[cfg(unix)]
#[test]
fn a_read_only_parent_is_an_error_that_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (dir, before, _) = before_and_after(tmp.path());
    let parent = tmp.path();
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o555)).unwrap();
    let can_still_write = std::fs::write(parent.join("probe"), "").is_ok();
    if !can_still_write {
        let o = run(&dir, "2", &[]);
        assert_eq!(o.code, Some(1), "{}", o.text());
        assert!(o.stderr.contains("Permission denied"), "{}", o.text());
        assert_eq!(snapshot(&dir), before);
    }
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    // As root permissions do not apply: then there is nothing to check.
}
