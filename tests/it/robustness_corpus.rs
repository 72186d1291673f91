//! The corpus of bad scenarios in `tests/bad/`: each is refused with exit code 2, its location
//! and its fix, by the binary and by the library.

use std::path::Path;
use std::time::Duration;

use mailflow::scenario;

use super::{mailflow, root};

/// Each bad scenario, the line its first error must name, and words the message must contain.
const BAD: &[(&str, usize, &str)] = &[
    ("absurd-rate.yaml", 29, "the stream peaks at 1.0e12/s"),
    ("alias-bomb.yaml", 3, "alias bomb"),
    ("bad-duration-unit.yaml", 3, "units: us, ms, s, m, h, d"),
    ("bad-rate-unit.yaml", 29, "write it as `3600/s`"),
    ("bare-number-ttl.yaml", 7, "write it as `3600s`"),
    ("deep-nesting.yaml", 35, "nested more than 64 levels"),
    ("duplicate-key.yaml", 18, "remove or merge the repeated one"),
    ("empty.yaml", 1, "the file is empty"),
    ("fault-unknown-kind.yaml", 31, "did you mean `server_down`?"),
    ("fault-unknown-node.yaml", 32, "did you mean `onprem`?"),
    ("huge-duration.yaml", 3, "too long"),
    ("missing-required.yaml", 2, "the scenario needs `duration`"),
    ("missing-traffic-key.yaml", 25, "missing key `rate`"),
    ("negative-ttl.yaml", 7, "cannot be negative"),
    ("negative-workers.yaml", 17, "`workers: unlimited`"),
    ("probability.yaml", 33, "not between 0 and 1"),
    ("random-bytes.yaml", 1, "not valid UTF-8"),
    ("shares.yaml", 8, "sum to 1.2, not 1"),
    ("syntax-error.yaml", 9, "is not closed"),
    ("tab-indent.yaml", 17, "not tabs"),
    (
        "tiny-sample-every.yaml",
        4,
        "set `sample_every` to at least 778ms",
    ),
    (
        "too-many-messages.yaml",
        29,
        "would generate about 777,600,000 messages",
    ),
    ("unknown-key.yaml", 17, "did you mean `workers`?"),
    ("unknown-kind.yaml", 16, "did you mean `exchange_server`?"),
    ("unknown-node.yaml", 21, "did you mean `onprem`?"),
    ("unknown-top-key.yaml", 3, "did you mean `duration`?"),
    ("wrong-type.yaml", 8, "expected a mapping"),
    ("zero-rate.yaml", 29, "must be above zero"),
    ("zero-workers.yaml", 17, "must be at least 1"),
];

#[test]
fn every_file_of_the_bad_corpus_has_an_expectation() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("tests/bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let listed: Vec<&str> = BAD.iter().map(|b| b.0).collect();
    assert_eq!(files, listed, "add new files of tests/bad/ to BAD");
}

#[test]
fn every_bad_scenario_exits_2_with_its_location_and_no_panic() {
    let out = tempfile::tempdir().unwrap();
    for (i, &(file, line, words)) in BAD.iter().enumerate() {
        let path = format!("tests/bad/{file}");
        let report = out.path().join(format!("r{i}"));
        let report = report.to_str().unwrap();
        for args in [
            vec!["validate", path.as_str()],
            vec!["run", path.as_str(), "--out", report, "--quiet"],
        ] {
            let o = mailflow(&args, Duration::from_secs(10));
            let text = o.text();
            let what = format!("`mailflow {}`:\n{text}", args.join(" "));
            assert_eq!(o.code, Some(2), "{what}");
            assert!(!text.contains("panicked"), "{what}");
            assert!(
                text.contains(&format!("{path}:{line}:")),
                "expected {path}:{line}:column in {what}"
            );
            assert!(text.contains(words), "expected `{words}` in {what}");
            assert!(o.took < Duration::from_secs(5), "{what} took {:?}", o.took);
        }
        assert!(
            !Path::new(report).exists(),
            "{file}: a refused run must not create its report folder"
        );
    }
}

#[test]
fn the_bad_corpus_is_refused_by_the_library_with_located_errors() {
    for &(file, line, _) in BAD {
        let path = root().join("tests/bad").join(file);
        let Err(e) = scenario::load(&path, &[]) else {
            // Loads fine, refused only for its size.
            assert_eq!(file, "too-many-messages.yaml");
            continue;
        };
        let first = e.errors().next().expect("an error");
        assert!(first.line > 0 && first.column > 0, "{file}: {first}");
        assert!(
            e.errors().any(|d| d.line == line),
            "{file}: no error on line {line}:\n{e}"
        );
    }
}

/// `tests/bad/random-bytes.yaml` is 512 bytes of xorshift64 output (seed 0x2545F4914F6CDD1D),
/// the first forced to 0xFF so the file is never valid UTF-8; this regenerates it.
fn random_bytes() -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut out: Vec<u8> = (0..512)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    out[0] = 0xFF;
    out
}

#[test]
fn the_random_bytes_file_is_the_documented_sequence() {
    let on_disk = std::fs::read(root().join("tests/bad/random-bytes.yaml")).unwrap();
    assert_eq!(on_disk, random_bytes());
}
