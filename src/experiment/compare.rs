//! Several scenarios under the same seeds (common random numbers): the random streams are keyed
//! by purpose and entity name, so scenarios that share traffic sections generate the same
//! messages and differ only by what their topology does with them.

pub mod settings;

use std::path::PathBuf;

use super::replicate::{Replicated, replicate};
use super::simulate::{ProgressSink, reborrow, simulate};
use crate::model::Scenario;

/// One scenario's run within a comparison.
#[derive(Clone, Debug)]
pub struct Compared {
    /// The file it was loaded from.
    pub file: PathBuf,
    /// The scenario (with `--set` applied).
    pub scenario: Scenario,
    /// Its runs: one, or `--replications` under the same derived seeds as the other scenarios
    /// (replication 0 is the plain run with the master seed, which tables and charts show).
    pub runs: Replicated,
    /// The settings of its file that differ from the first scenario's (empty for the first,
    /// or when a file cannot be read back as YAML).
    pub settings: Vec<settings::SettingChange>,
}

impl Compared {
    /// The run that tables and charts show (the master seed's).
    pub fn summary(&self) -> &super::Summary {
        &self.runs.summaries[0]
    }
}

/// Runs every scenario `n` times (at least once) with the same seeds, in order; `texts` are the
/// files' YAML, for the settings that differ. With one run, `progress` is told about each
/// scenario's run.
pub fn compare_all(
    loaded: Vec<(PathBuf, Scenario)>,
    texts: &[String],
    seed: u64,
    n: usize,
    jobs: usize,
    mut progress: Option<&mut dyn ProgressSink>,
) -> Vec<Compared> {
    let mut out = Vec::with_capacity(loaded.len());
    let baseline = texts.first().and_then(|t| settings::parse(t));
    for (i, (file, scenario)) in loaded.into_iter().enumerate() {
        let changes = match (&baseline, texts.get(i).and_then(|t| settings::parse(t))) {
            (Some(a), Some(b)) if !out.is_empty() => settings::diff(a, &b),
            _ => Vec::new(),
        };
        let runs = if n <= 1 {
            let run = simulate(&scenario, seed, reborrow(&mut progress));
            Replicated::from_runs(vec![seed], vec![run])
        } else {
            replicate(&scenario, seed, n, jobs)
        };
        out.push(Compared {
            file,
            scenario,
            runs,
            settings: changes,
        });
    }
    out
}
