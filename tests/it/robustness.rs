//! Robustness: bad input is refused quickly with a location and a fix (never a panic), absurd
//! scenarios are refused before they run, reports survive refusals and interruptions, and long
//! runs stay bounded. See `docs/robustness.md`.
//!
//! The corpus of bad scenarios is `tests/bad/`; `examples/fuzz_loader.rs` fuzzes the same
//! loader for longer than a test can.

#[path = "robustness_cli.rs"]
mod cli;
#[path = "robustness_corpus.rs"]
mod corpus;
#[path = "robustness_limits.rs"]
mod limits;
#[path = "robustness_pipes.rs"]
mod pipes;
#[path = "robustness_properties.rs"]
mod properties;
#[path = "robustness_reports.rs"]
mod reports;
#[path = "robustness_soak.rs"]
mod soak;
#[path = "robustness_sweep.rs"]
mod sweep;
#[path = "robustness_writer.rs"]
mod writer;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary did.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Outcome {
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `mailflow ARGS` from the checkout, killing it after `limit`.
fn mailflow(args: &[&str], limit: Duration) -> Outcome {
    mailflow_with(args, &[], limit)
}

/// Runs `mailflow ARGS` with environment variables `env`, killing it after `limit`.
fn mailflow_with(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("`mailflow {}` ran for more than {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Outcome {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        took: start.elapsed(),
    }
}

/// Every file of `dir` with its bytes, sorted by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn no_temporary_files(dir: &Path) {
    let names: Vec<String> = snapshot(dir).into_iter().map(|(n, _)| n).collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}
