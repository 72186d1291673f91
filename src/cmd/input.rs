//! Reading a scenario once per command: the text, the `--set` overrides, the load with its
//! warnings, and the `--max-messages` check.

use std::path::{Path, PathBuf};

use super::AppError;
use crate::cli::{OutcomeOpts, ScenarioOpts};
use crate::experiment::slo::{Metric, Slo};
use crate::model::DEFAULT_DELAY_THRESHOLDS;
use crate::scenario::units::parse_duration;
use crate::scenario::{self, Loaded, Override};
use crate::time::SimDuration;

/// A scenario file read once: its path and text.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path as given.
    pub path: PathBuf,
    /// The text.
    pub text: String,
}

impl Source {
    /// Reads `path` once (bounded, UTF-8 checked).
    pub fn read(path: &Path) -> Result<Source, AppError> {
        let text = scenario::read(path).map_err(|e| AppError::Located(e.to_string()))?;
        Ok(Source {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The name diagnostics give the file.
    pub fn file(&self) -> String {
        self.path.display().to_string()
    }

    /// Loads the text with `overrides`.
    pub fn load(&self, overrides: &[Override]) -> Result<Loaded, AppError> {
        scenario::load_str(&self.text, &self.file(), overrides)
            .map_err(|e| AppError::Located(e.to_string()))
    }

    /// Refuses a scenario whose expected generated messages exceed `max`, with the stream
    /// responsible located in the file.
    pub fn check_size(
        &self,
        loaded: &Loaded,
        overrides: &[Override],
        max: u64,
    ) -> Result<(), AppError> {
        scenario::check::estimate::check(
            &loaded.scenario,
            &self.file(),
            Some(&self.text),
            overrides,
            max,
        )
        .map(|_| ())
        .map_err(|d| AppError::Located(d.to_string()))
    }
}

/// Parses `--set` arguments.
pub fn overrides(opts: &ScenarioOpts) -> Result<Vec<Override>, AppError> {
    opts.set
        .iter()
        .map(|s| Override::parse(s).map_err(|d| AppError::Located(d.to_string())))
        .collect()
}

/// Reads and loads a scenario to simulate: warnings printed to stderr unless `quiet`, refused
/// when it would generate more than `max_messages`.
pub fn load_to_run(
    path: &Path,
    opts: &ScenarioOpts,
    max_messages: u64,
    quiet: bool,
) -> Result<(Source, Loaded), AppError> {
    let source = Source::read(path)?;
    let overrides = overrides(opts)?;
    let loaded = source.load(&overrides)?;
    if !quiet {
        for w in &loaded.warnings {
            super::note(&w.to_string());
        }
    }
    source.check_size(&loaded, &overrides, max_messages)?;
    Ok((source, loaded))
}

/// The "delayed over" thresholds to count: `--delayed-over` (default 1 h, 4 h, 24 h) and the
/// threshold of every `delayed_X` SLO (1 h is added by the scenario itself).
pub fn delay_thresholds(opts: &OutcomeOpts, slos: &[Slo]) -> Result<Vec<SimDuration>, AppError> {
    let mut out = if opts.delayed_over.is_empty() {
        DEFAULT_DELAY_THRESHOLDS.to_vec()
    } else {
        let minute = SimDuration::from_mins(1).0;
        opts.delayed_over
            .iter()
            .map(|x| match parse_duration(x) {
                Ok(d) if d.0 > 0 && d.0.is_multiple_of(minute) => Ok(d),
                Ok(_) => Err(AppError::Input(format!(
                    "--delayed-over `{x}`: thresholds are whole minutes above zero, e.g. `90m`, `2h`, `1d`"
                ))),
                Err(e) => Err(AppError::Input(format!("--delayed-over: {e}"))),
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    out.extend(slos.iter().filter_map(|s| match s.metric {
        Metric::Delayed(x) => Some(x),
        _ => None,
    }));
    Ok(out)
}
