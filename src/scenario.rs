//! Loading scenarios: YAML text → located diagnostics or a typed `model::Scenario`.
//!
//! The steps, in order: [`locate`] indexes the text (and reports YAML syntax errors with their
//! line and column), `serde_yaml` reads it into a value tree, `overrides` applies `--set`
//! arguments to that tree, [`schema`] mirrors the YAML in serde structs (unknown keys are
//! errors), and `build` turns it into the model while collecting every problem, so that
//! `mailflow validate` reports all of them at once. [`check`] then looks at the built model:
//! configuration warnings, the size estimate and the offered load.

mod build;
mod capacity;
mod changes;
pub mod check;
mod context;
mod domains;
mod faults;
pub mod generate;
pub mod locate;
mod nodes;
mod overrides;
pub mod replay;
mod retry;
mod routes;
pub mod schema;
mod traffic;
pub mod units;
mod values;
mod weekly;
mod yaml_errors;

use std::fmt;

use context::Ctx;

/// One `--set KEY=VALUE` override, e.g. key "traffic.inbound.rate", value "80000/d".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// Dotted YAML path (`domains.contoso.com.ttl`, `connectors[eop-to-onprem].to`).
    pub key: String,
    /// The value, read as YAML (`32`, `80000/d`, `{fixed: 1s}`).
    pub value: String,
}

impl Override {
    /// Parses `KEY=VALUE`; the key must not be empty.
    pub fn parse(arg: &str) -> Result<Override, Diagnostic> {
        let fail = |message: &str| Diagnostic {
            severity: Severity::Error,
            file: format!("--set {arg}"),
            line: 0,
            column: 0,
            path: String::new(),
            message: message.to_string(),
            hint: Some("write `--set KEY=VALUE`, e.g. `--set traffic.inbound.rate=80000/d`".into()),
        };
        let Some((key, value)) = arg.split_once('=') else {
            return Err(fail("an override needs `=` between the key and the value"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(fail("an override needs a key before `=`"));
        }
        Ok(Override {
            key: key.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// How diagnostics name this override: `--set KEY=VALUE`.
    pub fn label(&self) -> String {
        format!("--set {}={}", self.key, self.value)
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The scenario cannot be run.
    Error,
    /// The scenario runs, but probably not as intended.
    Warning,
}

/// A located problem: file, 1-based line and column, YAML path, what is wrong and how to fix it.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The scenario file, or `--set KEY=VALUE` for a problem in an override.
    pub file: String,
    /// 1-based line; 0 when there is no location.
    pub line: usize,
    /// 1-based column; 0 when there is no location.
    pub column: usize,
    /// YAML path, e.g. `connectors[eop-to-onprem].to`; empty for the whole file.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {level}: {}", self.message)?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// A scenario that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The typed scenario.
    pub scenario: crate::model::Scenario,
    /// Problems that do not stop the run, sorted by line.
    pub warnings: Vec<Diagnostic>,
}

/// All errors (and the warnings found so far), sorted by line.
#[derive(Debug)]
pub struct LoadError {
    /// Every diagnostic, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// The error diagnostics only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Largest scenario file read (64 MiB): far above any real topology, small enough that a
/// mistaken path such as `/dev/zero` is refused instead of exhausting memory.
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// Reads the scenario file at `path` once, bounded by [`MAX_SCENARIO_BYTES`] (a pipe or FIFO is
/// read once, to its end), and checks that it is UTF-8 text.
pub fn read(path: &std::path::Path) -> Result<String, LoadError> {
    use std::io::Read;
    let file = path.display().to_string();
    let one = |line: usize, column: usize, message: String, hint: &str| LoadError {
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            file: file.clone(),
            line,
            column,
            path: String::new(),
            message,
            hint: Some(hint.to_string()),
        }],
    };
    let cannot = |e: std::io::Error| {
        one(
            0,
            0,
            format!("cannot read the scenario: {e}"),
            "check the path; shipped scenarios are under `scenarios/`",
        )
    };
    if path.is_dir() {
        return Err(one(
            0,
            0,
            "cannot read the scenario: it is a folder".into(),
            "name a scenario file, e.g. `scenarios/mx-to-eop.yaml`",
        ));
    }
    let f = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    f.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(one(
            0,
            0,
            format!(
                "the file is larger than {} MiB: it is not a scenario",
                MAX_SCENARIO_BYTES >> 20
            ),
            "a scenario is a YAML file of a few kilobytes; check the path",
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let good = bytes.get(..valid).unwrap_or_default();
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = std::str::from_utf8(good.get(line_start..).unwrap_or_default())
                .map_or(1, |s| s.chars().count() + 1);
            let byte = bytes.get(valid).copied().unwrap_or_default();
            Err(one(
                line,
                column,
                format!("the file is not valid UTF-8 (byte 0x{byte:02X})"),
                "save the scenario as UTF-8 text",
            ))
        }
    }
}

/// Reads the file at `path` ([`read`]) and loads it with [`load_str`].
pub fn load(path: &std::path::Path, overrides: &[Override]) -> Result<Loaded, LoadError> {
    let text = read(path)?;
    load_str(&text, &path.display().to_string(), overrides)
}

/// Loads a scenario from YAML `text`; `file` is only used in diagnostics.
pub fn load_str(text: &str, file: &str, overrides: &[Override]) -> Result<Loaded, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let one = |line: usize, column: usize, message: String, hint: Option<String>| LoadError {
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            column,
            path: String::new(),
            message,
            hint,
        }],
    };
    let index = locate::Index::build(text).map_err(|e| {
        let (pos, message, hint) = yaml_errors::explain_syntax(text, &e);
        one(pos.line, pos.column, message, hint)
    })?;
    // A traffic list over the limit is refused before it is loaded (loading costs a few
    // kilobytes per stream); an override of `traffic` may still shorten it, and a repeated key
    // is the first thing to fix, so then it is loaded and checked like any other value.
    if let Some((n, pos)) = index.traffic_entries()
        && n > build::limits::MAX_STREAMS
        && index.duplicate_key().is_none()
        && !overrides.iter().any(|o| o.key.starts_with("traffic"))
    {
        let (message, hint) = build::limits::too_many_streams(n);
        let mut e = one(pos.line, pos.column, message, Some(hint));
        e.diagnostics[0].path = "traffic".into();
        return Err(e);
    }
    let mut value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        let (pos, message, hint) =
            yaml_errors::explain_reader(&index, text, &message, locate::Pos { line, column });
        one(pos.line, pos.column, message, hint)
    })?;
    if value.is_null() {
        return Err(one(
            1,
            1,
            "the file is empty: a scenario needs at least `name`, `duration`, `domains`, `nodes` \
             and `traffic`"
                .into(),
            Some("start from one of the scenarios under `scenarios/`".into()),
        ));
    }
    if let Err(e) = value.apply_merge() {
        let (line, column) =
            yaml_errors::first_merge_key(text).map_or((1, 1), |p| (p.line, p.column));
        return Err(one(
            line,
            column,
            format!("invalid YAML merge key (`<<`): {e}"),
            Some("write `<<: *anchor`, where `&anchor` names a mapping (or a list of them)".into()),
        ));
    }
    let mut ctx = Ctx::new(file, &index);
    overrides::apply(&mut ctx, &mut value, overrides);
    let scenario = build::build(&mut ctx, value);
    let mut diagnostics = ctx.into_diagnostics();
    diagnostics.sort_by_key(|d| (d.line, d.column));
    match scenario {
        Some(scenario) if !diagnostics.iter().any(|d| d.severity == Severity::Error) => {
            Ok(Loaded {
                scenario,
                warnings: diagnostics,
            })
        }
        _ => Err(LoadError { diagnostics }),
    }
}

#[cfg(test)]
mod stories;
#[cfg(test)]
mod tests;

pub use schema::root::json_schema;
