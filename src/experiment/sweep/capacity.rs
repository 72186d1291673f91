//! `sweep.json` and `sweep.csv`, both from the same points, and the capacity: the largest value
//! of the first varied key whose points, and those of every smaller value, meet all SLOs.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::grid::{Vary, number};
use super::point::PointResult;

/// The capacity found by a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// The first varied key.
    pub key: String,
    /// Its largest value meeting every SLO, as written in `--vary`; `None` when no value does
    /// (or no SLO was given).
    pub value: Option<String>,
}

/// Everything `sweep.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// Scenario name.
    pub scenario: String,
    /// Replications per point.
    pub replications: usize,
    /// The SLOs as written.
    pub slo: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Hash of the scenario text and `--set` overrides (shards must agree on it).
    pub scenario_hash: String,
    /// The varied keys and their values, in `--vary` order.
    pub vary: Vec<Vary>,
    /// Number of points of the full grid.
    pub grid_points: usize,
    /// The finished points, in grid order.
    pub points: Vec<PointResult>,
    /// The capacity.
    pub capacity: Capacity,
    /// Whether every point of the grid is here (a shard, an interrupted sweep or a partial
    /// merge is not complete, and its capacity is provisional).
    #[serde(default)]
    pub complete: bool,
    /// Points of the grid not here.
    #[serde(default)]
    pub points_missing: usize,
    /// The slice of the grid this report was asked to run (`--shard K/N`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<super::Shard>,
}

/// A `sweep.json` larger than this is not one (10,000 points of a large topology fit in tens of
/// megabytes).
const MAX_REPORT_BYTES: u64 = 256 << 20;

impl SweepReport {
    /// Reads and checks a `sweep.json` (bounded): `Ok(None)` when there is none, an error saying
    /// what is wrong when it is unreadable, not a sweep report, or inconsistent (a grid size
    /// that is not the product of the varied values, points outside the grid).
    pub fn read(path: &std::path::Path) -> Result<Option<SweepReport>, String> {
        use std::io::Read;
        let f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let mut bytes = Vec::new();
        f.take(MAX_REPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        if bytes.len() as u64 > MAX_REPORT_BYTES {
            return Err(format!(
                "larger than {} MiB: not a sweep report",
                MAX_REPORT_BYTES >> 20
            ));
        }
        let r: SweepReport =
            serde_json::from_slice(&bytes).map_err(|e| format!("not a sweep report: {e}"))?;
        r.check()?;
        Ok(Some(r))
    }

    /// Checks that the report is consistent: its grid size is the product of the varied values
    /// (and within the limit), and every point lies in the grid with the grid's values.
    pub fn check(&self) -> Result<(), String> {
        let size = super::grid::size(&self.vary)?;
        if size != self.grid_points {
            return Err(format!(
                "it claims {} grid points, but its --vary values make {size}",
                self.grid_points
            ));
        }
        if self.vary.iter().any(|v| v.values.is_empty()) {
            return Err("a varied key has no values".into());
        }
        let grid = super::grid::points(&self.vary);
        let mut last = None;
        for p in &self.points {
            let Some(g) = grid.get(p.index) else {
                return Err(format!(
                    "point {} is outside the grid of {} points",
                    p.index, self.grid_points
                ));
            };
            if !p.values.iter().eq(g.values.iter().map(|(k, v)| (k, v))) {
                return Err(format!(
                    "point {} has values {:?}, not the grid's {}",
                    p.index,
                    p.values,
                    g.label()
                ));
            }
            if last.is_some_and(|l| l >= p.index) {
                return Err(format!("point {} is listed twice or out of order", p.index));
            }
            last = Some(p.index);
        }
        Ok(())
    }

    /// A point's value of each varied key, in `--vary` order (the first columns of the tables).
    pub fn varied_values(&self, p: &PointResult) -> Vec<String> {
        self.vary
            .iter()
            .map(|v| p.values.get(&v.key).cloned().unwrap_or_default())
            .collect()
    }

    /// Recomputes the capacity and the completeness from the points.
    pub fn update_capacity(&mut self) {
        self.capacity = capacity(&self.vary, &self.slo, &self.points, self.grid_points);
        self.points_missing = self.grid_points.saturating_sub(self.points.len());
        self.complete = self.points_missing == 0;
    }

    /// The grid indices with no point here, in order.
    pub fn missing_indices(&self) -> Vec<usize> {
        let mut have = self.points.iter().map(|p| p.index).peekable();
        let mut out = Vec::new();
        for i in 0..self.grid_points {
            if have.peek() == Some(&i) {
                have.next();
            } else {
                out.push(i);
            }
        }
        out
    }

    /// `sweep.json` bytes.
    pub fn json(&self) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s.into_bytes()
    }

    /// `sweep.csv`: one row per point × metric.
    pub fn csv(&self) -> Vec<u8> {
        let mut out = String::from("point");
        for v in &self.vary {
            out.push(',');
            out += &csv_cell(&v.key);
        }
        out += ",metric,mean,ci95_lo,ci95_hi,slo_met\n";
        for p in &self.points {
            for (name, e) in &p.metrics {
                let _ = write!(out, "{}", p.index);
                for v in &self.vary {
                    let value = p.values.get(&v.key).map_or("", String::as_str);
                    let _ = write!(out, ",{}", csv_cell(value));
                }
                let _ = writeln!(
                    out,
                    ",{},{},{},{},{}",
                    csv_cell(name),
                    e.mean,
                    e.ci95[0],
                    e.ci95[1],
                    p.slo_met
                );
            }
        }
        out.into_bytes()
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The values of the first key from smallest to largest (numerically when every value is a
/// number, else in `--vary` order).
pub fn ascending(first: &Vary) -> Vec<String> {
    let mut values = first.values.clone();
    if values.iter().all(|v| number(v).is_some()) {
        values.sort_by(|a, b| {
            number(a)
                .unwrap_or(0.0)
                .total_cmp(&number(b).unwrap_or(0.0))
        });
    }
    values
}

/// The capacity: walking the first key's values upwards, the last one before a value with a
/// point that misses an SLO or has not run. All points of a value must meet every SLO.
pub fn capacity(vary: &[Vary], slo: &[String], points: &[PointResult], grid: usize) -> Capacity {
    let Some(first) = vary.first() else {
        return Capacity {
            key: String::new(),
            value: None,
        };
    };
    let per_value = grid / first.values.len().max(1);
    let mut value = None;
    if !slo.is_empty() {
        for v in ascending(first) {
            let at: Vec<&PointResult> = points
                .iter()
                .filter(|p| p.values.get(&first.key) == Some(&v))
                .collect();
            if at.len() < per_value || at.iter().any(|p| !p.slo_met) {
                break;
            }
            value = Some(v);
        }
    }
    Capacity {
        key: first.key.clone(),
        value,
    }
}
