//! The crate is layered: every module imports only the modules below it, and the library
//! never imports a command. This test reads the sources and fails on an upward import.

use std::path::Path;

/// The layers, lowest first. A module may use itself and any module earlier in the list.
const LAYERS: [&str; 11] = [
    "time",
    "model",
    "sim",
    "scenario",
    "import",
    "fit",
    "stats",
    "experiment",
    "report",
    "cli",
    "cmd",
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

/// Every `crate::<module>` a source file names outside comments.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if after.starts_with('{') {
                rest = after;
                continue;
            }
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
            rest = after;
        }
        // `use crate::{a, b}` names several modules at once.
        if let Some(i) = code.find("crate::{") {
            for part in code[i + "crate::{".len()..].split([',', '}']) {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((n + 1, name));
                }
            }
        }
    }
    out
}

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            visit(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    visit(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut checked = 0;
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(own) = rank(&top) else {
            violations.push(format!(
                "{}: module `{top}` has no layer in tests/it/layers.rs",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (line, name) in imports(&text) {
            checked += 1;
            match rank(&name) {
                Some(r) if r < own || name == top => {}
                Some(_) => violations.push(format!(
                    "{}:{line}: `{top}` imports `{name}`, a layer above it",
                    rel.display()
                )),
                None => violations.push(format!(
                    "{}:{line}: `crate::{name}` is not a known module",
                    rel.display()
                )),
            }
        }
    }
    assert!(checked > 100, "the scan found only {checked} imports");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scan_sees_grouped_and_inline_imports() {
    let found =
        imports("use crate::{model, sim::Engine};\nlet x = crate::report::f(); // crate::cmd");
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["model", "sim", "report"]);
}
