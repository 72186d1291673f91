//! One finished sweep point: its estimates and SLO verdict, and the file that keeps it so an
//! interrupted sweep can resume and shards can be merged.

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::grid::Point;
use crate::experiment::Summary;
use crate::experiment::slo::{Metric, Slo};
use crate::stats::Estimate;

/// One SLO at one point (decided by the pessimistic CI bound).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloCheck {
    /// As written.
    pub expr: String,
    /// The deciding bound.
    pub value: f64,
    /// Whether it held.
    pub met: bool,
}

/// A point of `sweep.json`: no timings, so shards, resumes and thread counts give the same bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// Position in the full grid.
    pub index: usize,
    /// The varied keys and their values as written.
    pub values: IndexMap<String, String>,
    /// Every metric: mean and 95% CI.
    pub metrics: IndexMap<String, Estimate>,
    /// Each SLO.
    pub slo: Vec<SloCheck>,
    /// Every SLO held.
    pub slo_met: bool,
}

impl PointResult {
    /// The estimates of `runs` (the point's replications, in order).
    pub fn from_runs(point: &Point, metrics: &[Metric], slos: &[Slo], runs: &[Summary]) -> Self {
        let estimate = |m: &Metric| {
            let values = runs
                .iter()
                .map(|s| m.value(s).filter(|v| v.is_finite()).unwrap_or(0.0))
                .collect();
            Estimate::of(values).without_runs()
        };
        let metrics: IndexMap<String, Estimate> = metrics
            .iter()
            .map(|m| (m.to_string(), estimate(m)))
            .collect();
        let slo: Vec<SloCheck> = slos
            .iter()
            .map(|s| {
                let r = s.check_estimate(&estimate(&s.metric));
                SloCheck {
                    expr: r.expr,
                    value: r.value,
                    met: r.met,
                }
            })
            .collect();
        PointResult {
            index: point.index,
            values: point.values.iter().cloned().collect(),
            slo_met: slo.iter().all(|c| c.met),
            metrics,
            slo,
        }
    }
}

/// `points/<index>.json`: a point with what it was computed from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointFile {
    /// Hash of the scenario text and `--set` overrides.
    pub scenario_hash: String,
    /// Master seed of the sweep.
    pub seed: u64,
    /// Replications per point.
    pub replications: usize,
    /// The point's canonical text (its seeds derive from it).
    pub canonical: String,
    /// The result.
    pub point: PointResult,
}

impl PointFile {
    /// The file name of point `index`.
    pub fn name(index: usize) -> String {
        format!("{index}.json")
    }

    /// Reads a point file; `None` if missing or unreadable (it is then recomputed).
    pub fn read(path: &Path) -> Option<PointFile> {
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Whether this file holds `point` computed the way the current sweep would.
    pub fn matches(&self, hash: &str, seed: u64, replications: usize, point: &Point) -> bool {
        self.scenario_hash == hash
            && self.seed == seed
            && self.replications == replications
            && self.canonical == point.canonical()
            && self.point.index == point.index
    }

    /// Every readable point file in `dir/points`, in index order.
    pub fn read_all(dir: &Path) -> Vec<PointFile> {
        let Ok(entries) = std::fs::read_dir(dir.join("points")) else {
            return Vec::new();
        };
        let mut out: Vec<PointFile> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| PointFile::read(&e.path()))
            .collect();
        out.sort_by_key(|p| p.point.index);
        out
    }
}
