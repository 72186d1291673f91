//! Issue 16, standard output and error: a closed pipe ends the program quietly (exit 0, as Unix
//! tools do), a full disk is exit 1 with a message, and neither is ever a panic (exit 101).

use std::process::Command;

use super::root;

/// Runs `script` with bash in the checkout, `mailflow` first on `PATH`; returns its exit code
/// and what it wrote to stderr.
fn sh(script: &str) -> (Option<i32>, String) {
    sh_in(root(), script)
}

/// Runs `script` with bash in `dir`, `mailflow` first on `PATH`.
fn sh_in(dir: &std::path::Path, script: &str) -> (Option<i32>, String) {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mailflow"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Regression (issue 16): a full standard output was a panic (exit 101).
#[test]
fn a_full_standard_output_is_exit_1_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    for cmd in [
        format!(
            "mailflow run scenarios/mm1.yaml --set duration=2h --out {} > /dev/full",
            out.display()
        ),
        "mailflow validate scenarios/mm1.yaml > /dev/full".into(),
        "mailflow schema > /dev/full".into(),
        "mailflow --help > /dev/full".into(),
        "mailflow run --help > /dev/full".into(),
        "mailflow --version > /dev/full".into(),
    ] {
        let (code, err) = sh(&cmd);
        assert_eq!(code, Some(1), "{cmd}: {err}");
        assert!(
            err.contains("error: cannot write to standard output"),
            "{cmd}: {err}"
        );
        assert!(!err.contains("panicked"), "{cmd}: {err}");
    }
}

/// Regression (issue 16): a closed pipe was a panic; it ends the program quietly, exit 0.
#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    for cmd in [
        format!(
            "mailflow run scenarios/mm1.yaml --set duration=2h --out {} | head -1",
            out.display()
        ),
        "mailflow schema | head -1".into(),
        "mailflow man | head -1".into(),
        "mailflow --help | head -1".into(),
        "mailflow sweep --help | head -1".into(),
    ] {
        let (code, err) = sh(&format!("{cmd} >/dev/null; exit ${{PIPESTATUS[0]}}"));
        assert_eq!(code, Some(0), "{cmd}: {err}");
        assert!(err.is_empty(), "{cmd}: {err}");
    }
}

/// A closed or full standard error loses the messages, not the exit code.
#[test]
fn a_closed_or_full_standard_error_keeps_the_exit_code() {
    for (cmd, code) in [
        (
            "mailflow validate tests/bad/unknown-key.yaml 2>/dev/full",
            2,
        ),
        ("mailflow validate tests/bad/unknown-key.yaml 2>&-", 2),
        ("mailflow run 2>/dev/full", 2),
        ("mailflow run --bogus 2>&-", 2),
        (
            "mailflow validate scenarios/mx-to-eop.yaml --set duration=2h --set warmup=0s \
             2>/dev/full >/dev/null",
            0,
        ),
    ] {
        let (got, _) = sh(cmd);
        assert_eq!(got, Some(code), "{cmd}");
    }
}

/// The acceptance test of issue 16, as written: `mailflow run scenarios/mx-to-eop.yaml >
/// /dev/full` is exit 1 with a message, `| head -1` exit 0. Run from an empty folder (the
/// scenario by its absolute path), so the default report folder `reports/mx-to-eop` is made
/// there, not in the checkout; the report is written whole either way.
#[test]
fn mx_to_eop_into_a_full_disk_is_exit_1_and_into_head_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/mx-to-eop.yaml");
    let s = scenario.display();
    let (code, err) = sh_in(tmp.path(), &format!("mailflow run {s} > /dev/full"));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("error: cannot write to standard output"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let (code, err) = sh_in(
        tmp.path(),
        &format!("mailflow run {s} | head -1 >/dev/null; exit ${{PIPESTATUS[0]}}"),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(tmp.path().join("reports/mx-to-eop/index.html").is_file());
}

/// A scenario piped on standard input (`/dev/stdin`, read once like a FIFO) works for `run` and
/// for every point of a sweep.
#[test]
fn a_scenario_piped_on_standard_input_is_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().display();
    for cmd in [
        format!("mailflow run /dev/stdin --set duration=2h --quiet --out {out}/run"),
        format!(
            "mailflow sweep /dev/stdin --set duration=2h --vary traffic.arrivals.rate=0.2/s,0.4/s \
             --replications 1 --quiet --out {out}/sweep"
        ),
    ] {
        let (code, err) = sh(&format!("cat scenarios/mm1.yaml | {cmd}"));
        assert_eq!(code, Some(0), "{cmd}: {err}");
    }
    assert!(tmp.path().join("run/summary.json").is_file());
    assert!(tmp.path().join("sweep/points/1.json").is_file());
}
