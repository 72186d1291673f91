//! The documentation's examples are executed, so they cannot drift from what mailflow prints.
//!
//! Every fenced block marked `console` in README.md and docs/*.md is a session: lines starting
//! with `$ ` are commands (a trailing `\` continues a command on the next line), the lines after
//! a command are what it prints. Commands run with bash in the repository's root, with the
//! freshly built `mailflow` first on `PATH` (`cargo run --release -- ARGS` runs it as
//! `mailflow ARGS`). Expected output may use `[..]` for any text within a line (timings) and a
//! line `...` for any number of lines left out. A command that fails must say so itself
//! (`; echo "exit $?"`). Blocks marked `sh` are shown, not run (installation, cluster jobs).
//!
//! Paths under `/tmp/` in the commands are moved to a private temporary folder (and written back
//! as `/tmp/` in what they print), so examples run at the same time by several checkouts on one
//! machine cannot meet in `/tmp`.
//!
//! `UPDATE_DOCS=1 cargo test docs` prints every session's actual output in full, to paste.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One command of a session and what the documentation says it prints.
struct Example {
    file: PathBuf,
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The `console` blocks of a Markdown file, command by command.
fn examples(file: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = Vec::new();
    let mut in_block = false;
    let mut current: Option<Example> = None;
    let mut continued = false;
    for (n, line) in text.lines().enumerate() {
        if let Some(info) = line.strip_prefix("```") {
            if in_block {
                out.extend(current.take());
                in_block = false;
            } else {
                in_block = info.trim() == "console";
            }
            continue;
        }
        if !in_block {
            continue;
        }
        if continued {
            let ex = current.as_mut().unwrap();
            ex.command.push('\n');
            ex.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(cmd) = line.strip_prefix("$ ") {
            out.extend(current.take());
            current = Some(Example {
                file: file.to_path_buf(),
                line: n + 1,
                command: cmd.to_string(),
                expected: Vec::new(),
            });
            continued = cmd.ends_with('\\');
        } else if let Some(ex) = current.as_mut() {
            ex.expected.push(line.to_string());
        }
    }
    out
}

/// Whether `actual` matches `pattern`, where `[..]` stands for any text.
fn line_matches(pattern: &str, actual: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(p);
        }
        match rest.find(p) {
            Some(at) => rest = &rest[at + p.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether the actual lines match the expected ones, `...` skipping any number of lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.first() {
        None => actual.is_empty(),
        Some(e) if e == "..." => (0..=actual.len()).any(|k| matches(&expected[1..], &actual[k..])),
        Some(e) => {
            !actual.is_empty()
                && line_matches(e, actual[0])
                && matches(&expected[1..], &actual[1..])
        }
    }
}

fn run(root: &Path, bin_dir: &Path, tmp: &Path, command: &str) -> String {
    let private = format!("{}/", tmp.display());
    let command = command
        .replace("cargo run --release -- ", "mailflow ")
        .replace("/tmp/", &private);
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -o pipefail\n{command}"))
        .current_dir(root)
        .env("PATH", path)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        text += &format!(
            "\n(command failed with {}; stderr:\n{})",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    text.replace(&private, "/tmp/")
}

fn doc_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn every_console_example_in_the_documentation_prints_what_it_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mailflow"));
    let bin_dir = bin.parent().unwrap();
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in doc_files(root) {
        for ex in examples(&file) {
            count += 1;
            let actual = run(root, bin_dir, tmp.path(), &ex.command);
            let lines: Vec<&str> = actual.lines().collect();
            let rel = ex.file.strip_prefix(root).unwrap().display().to_string();
            if update {
                println!("--- {rel}:{}\n$ {}\n{actual}", ex.line, ex.command);
            }
            if !matches(&ex.expected, &lines) {
                failures.push(format!(
                    "{rel}:{}: `{}` printed:\n{actual}\n--- the documentation shows:\n{}\n",
                    ex.line,
                    ex.command,
                    ex.expected.join("\n")
                ));
            }
        }
    }
    assert!(count >= 10, "only {count} examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wildcards_match_as_documented() {
    assert!(line_matches(
        "in [..]s ([..]M events/s)",
        "in 0.74s (6.5M events/s)"
    ));
    assert!(!line_matches("events in [..]s", "messages in 0.74s"));
    assert!(line_matches("exact", "exact"));
    let exp = vec!["a".to_string(), "...".to_string(), "z".to_string()];
    assert!(matches(&exp, &["a", "b", "c", "z"]));
    assert!(matches(&exp, &["a", "z"]));
    assert!(!matches(&exp, &["a", "b"]));
}
