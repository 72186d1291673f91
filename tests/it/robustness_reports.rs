//! The report folder: kept when mailflow did not write it, intact after an interrupted run, and
//! a sweep's finished points kept for `--resume`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{mailflow, no_temporary_files, root, snapshot};

#[test]
fn a_folder_mailflow_did_not_write_is_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "my notes").unwrap();
    let d = dir.to_str().unwrap();
    let args = [
        "run",
        "scenarios/mm1.yaml",
        "--set",
        "duration=2h",
        "--quiet",
        "--out",
        d,
    ];
    let o = mailflow(&args, Duration::from_secs(30));
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.text().contains(d), "{}", o.text());
    assert_eq!(
        snapshot(&dir),
        vec![("notes.txt".into(), b"my notes".to_vec())]
    );

    let forced: Vec<&str> = args.iter().copied().chain(["--force"]).collect();
    let o = mailflow(&forced, Duration::from_secs(30));
    assert_eq!(o.code, Some(0), "{}", o.text());
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"my notes");
    assert!(dir.join("summary.json").exists());
    no_temporary_files(&dir);
    // Now marked as mailflow's, the folder is written again without --force.
    let o = mailflow(&args, Duration::from_secs(30));
    assert_eq!(o.code, Some(0), "{}", o.text());
}

/// Ctrl-C during the simulation leaves the previous report whole: files are written only after
/// the run, each by a temporary file and a rename.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_previous_report_intact() {
    use std::os::unix::process::ExitStatusExt;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let d = dir.to_str().unwrap();
    let short = [
        "run",
        "scenarios/mm1.yaml",
        "--set",
        "duration=2h",
        "--quiet",
        "--out",
        d,
    ];
    let o = mailflow(&short, Duration::from_secs(30));
    assert_eq!(o.code, Some(0), "{}", o.text());
    let before = snapshot(&dir);
    assert!(before.iter().any(|(n, _)| n == "summary.json"));

    // About 24 million messages: minutes of simulation, interrupted after a second.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args([
            "run",
            "scenarios/mx-to-eop.yaml",
            "--set",
            "duration=60d",
            "--quiet",
            "--out",
            d,
        ])
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the long run should still be simulating"
    );
    // Ctrl-C is SIGINT; a process started in the background by a non-interactive shell
    // inherits SIGINT ignored (so would mailflow), and then SIGTERM interrupts it instead.
    let (flag, number) = if sigint_ignored() {
        ("-TERM", 15)
    } else {
        ("-INT", 2)
    };
    let kill = Command::new("kill")
        .args([flag, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            panic!("mailflow did not stop on kill {flag}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(number), "{status:?}");
    assert_eq!(snapshot(&dir), before, "the previous report changed");
}

/// Whether this process ignores SIGINT (Linux: bit 2 of `SigIgn` in `/proc/self/status`);
/// elsewhere assumed not.
#[cfg(unix)]
fn sigint_ignored() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let mask = s.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
            u64::from_str_radix(mask.trim(), 16).ok()
        })
        .is_some_and(|mask| mask & (1 << (2 - 1)) != 0)
}

#[test]
fn a_sweep_keeps_each_finished_point_and_resumes_from_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let d = dir.to_str().unwrap();
    let args = [
        "sweep",
        "scenarios/mm1.yaml",
        "--set",
        "duration=1h",
        "--set",
        "warmup=0s",
        "--vary",
        "traffic.arrivals.rate=0.2/s,0.4/s",
        "--replications",
        "1",
        "--out",
        d,
    ];
    let o = mailflow(&args, Duration::from_secs(30));
    assert_eq!(o.code, Some(0), "{}", o.text());
    let points = snapshot(&dir.join("points"));
    assert_eq!(
        points.iter().filter(|(n, _)| !n.starts_with('.')).count(),
        2,
        "one file per finished point: {:?}",
        points.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    let resumed: Vec<&str> = args.iter().copied().chain(["--resume"]).collect();
    let o = mailflow(&resumed, Duration::from_secs(30));
    assert_eq!(o.code, Some(0), "{}", o.text());
    assert!(o.stderr.contains("2 resumed"), "{}", o.text());
}
