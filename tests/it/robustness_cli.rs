//! Command-line arguments: `--set`, `--slo`, `--vary` and `--max-messages` mistakes exit 2 and
//! say what to write.

use std::path::Path;
use std::time::Duration;

use super::mailflow;

#[test]
fn bad_arguments_exit_2_and_say_what_to_write() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("r");
    let dir = dir.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "validate",
                "scenarios/mm1.yaml",
                "--set",
                "traffic.arrivls.rate=1/s",
            ],
            "did you mean `arrivals`?",
        ),
        (
            &[
                "validate",
                "scenarios/mm1.yaml",
                "--set",
                "traffic.arrivals.rate=fast",
            ],
            "expected a rate such as",
        ),
        (
            &[
                "validate",
                "scenarios/mm1.yaml",
                "--set",
                "nodes.server.workers=0",
            ],
            "--set nodes.server.workers=0: error: `workers` must be at least 1",
        ),
        (
            &["validate", "scenarios/mm1.yaml", "--set", "novalue"],
            "write `--set KEY=VALUE`",
        ),
        (
            &[
                "run",
                "scenarios/mm1.yaml",
                "--out",
                dir,
                "--slo",
                "latncy.p99<3s",
            ],
            "did you mean `latency.p99`?",
        ),
        (
            &[
                "run",
                "scenarios/mm1.yaml",
                "--out",
                dir,
                "--slo",
                "queue.servr.peak<3",
            ],
            "did you mean `queue.server.peak`?",
        ),
        (
            &[
                "sweep",
                "scenarios/mm1.yaml",
                "--out",
                dir,
                "--vary",
                "traffic.arrivals.rate=0.1/s..0.9/s",
            ],
            "write `KEY=FROM..TO:STEPS`",
        ),
        (
            &[
                "sweep",
                "scenarios/mm1.yaml",
                "--out",
                dir,
                "--vary",
                "traffic.arrivls.rate=0.1/s..0.9/s:3",
            ],
            "did you mean `arrivals`?",
        ),
        (
            &[
                "run",
                "scenarios/mm1.yaml",
                "--out",
                dir,
                "--max-messages",
                "lots",
            ],
            "is not a count",
        ),
        (
            &[
                "run",
                "scenarios/mm1.yaml",
                "--out",
                dir,
                "--max-messages",
                "50k",
            ],
            "scenario would generate about 86,400 messages (traffic `arrivals`: 0.5/s for 2d); the ceiling is 50,000 (at traffic[arrivals].rate)",
        ),
        (
            &["validate", "scenarios/mm1.yaml", "--max-messages", "50k"],
            "scenarios/mm1.yaml:36:11: error: scenario would generate about 86,400 messages",
        ),
    ];
    for (args, words) in cases {
        let o = mailflow(args, Duration::from_secs(10));
        let what = format!("`mailflow {}`:\n{}", args.join(" "), o.text());
        assert_eq!(o.code, Some(2), "{what}");
        assert!(o.text().contains(words), "expected `{words}` in {what}");
        assert!(!o.text().contains("panicked"), "{what}");
    }
    assert!(!Path::new(dir).exists(), "refused commands write nothing");
}

#[test]
fn the_message_ceiling_applies_to_compare_and_sweep_and_can_be_raised() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("r");
    let dir = dir.to_str().unwrap();
    let absurd = "tests/bad/too-many-messages.yaml";
    for args in [
        vec![
            "compare",
            absurd,
            "scenarios/mm1.yaml",
            "--out",
            dir,
            "--quiet",
        ],
        vec![
            "sweep", absurd, "--vary", "seed=1,2", "--out", dir, "--quiet",
        ],
    ] {
        let o = mailflow(&args, Duration::from_secs(10));
        assert_eq!(o.code, Some(2), "{}", o.text());
        assert!(
            o.text().contains(&format!("{absurd}:29:11")),
            "{}",
            o.text()
        );
    }
    // Raised far enough, the same scenario passes the check (validate only: not simulated).
    let o = mailflow(
        &["validate", absurd, "--max-messages", "1e9"],
        Duration::from_secs(10),
    );
    assert_eq!(o.code, Some(0), "{}", o.text());
}
