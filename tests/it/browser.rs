//! The pictures as a browser draws them: the generated 30-node / 60-connector topology and a
//! run's charts are rendered in headless Chromium, which measures every text; the topology must
//! have no two texts overlapping (scripts/svg-text-check.sh). Skipped, with a note, on a
//! machine without Chromium.

use std::path::Path;
use std::process::Command;

fn chromium() -> Option<String> {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    Path::new(&path).exists().then_some(path)
}

#[test]
fn no_text_overlaps_in_the_topologies_as_chromium_draws_them() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: no Chromium (set CHROMIUM to its path)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let svg = tmp.path().join("topology-30.svg");
    // The generated scenario of tests/it/topology.rs.
    std::fs::write(&svg, super::topology::generated_svg()).unwrap();
    let report = tmp.path().join("report");
    let out = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["run", "scenarios/partner-tls.yaml", "--quiet", "--out"])
        .arg(&report)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = Command::new("bash")
        .arg("scripts/svg-text-check.sh")
        .arg(&svg)
        .arg(&report)
        .env("CHROMIUM", chromium)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{text}");
    assert!(
        text.contains("topology-30.svg: ") && text.contains(" 0 overlapping pairs"),
        "{text}"
    );
}
