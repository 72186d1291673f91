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

/// `points/<index>.json`: a point with what it was computed from, and a checksum of the point
/// so that an edited or torn file is recomputed (`--resume`) or refused (`merge`).
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
    /// Checksum of everything above (empty in files of older versions: not trusted).
    #[serde(default)]
    pub checksum: String,
}

/// A point file larger than this is not one (a point is a few kilobytes).
const MAX_POINT_FILE_BYTES: u64 = 16 << 20;

impl PointFile {
    /// A point file for `point`, with its checksum.
    pub fn new(
        scenario_hash: String,
        seed: u64,
        replications: usize,
        canonical: String,
        point: PointResult,
    ) -> PointFile {
        let mut f = PointFile {
            scenario_hash,
            seed,
            replications,
            canonical,
            point,
            checksum: String::new(),
        };
        f.checksum = f.expected_checksum();
        f
    }

    /// The checksum of the file's contents (its JSON without the checksum).
    fn expected_checksum(&self) -> String {
        let body = PointFile {
            checksum: String::new(),
            ..self.clone()
        };
        let text = serde_json::to_string(&body).unwrap_or_default();
        format!(
            "{:016x}",
            crate::sim::rng::stream_seed(0, "point-file", &text)
        )
    }

    /// Whether the checksum matches the contents.
    pub fn intact(&self) -> bool {
        !self.checksum.is_empty() && self.checksum == self.expected_checksum()
    }

    /// The file name of point `index`.
    pub fn name(index: usize) -> String {
        format!("{index}.json")
    }

    /// Reads a point file (bounded); `None` if missing, unreadable or malformed (it is then
    /// recomputed).
    pub fn read(path: &Path) -> Option<PointFile> {
        Self::read_checked(path).ok()
    }

    /// Reads a point file (bounded), saying what is wrong with it if anything is: unreadable,
    /// too large, not a point file, or edited since it was written (checksum).
    pub fn read_checked(path: &Path) -> Result<PointFile, String> {
        Self::read_checked_bytes(path).map(|(file, _)| file)
    }

    /// Like [`PointFile::read_checked`], with the bytes checked (to copy the file as it was
    /// read, not as it may be by a second read).
    pub fn read_checked_bytes(path: &Path) -> Result<(PointFile, Vec<u8>), String> {
        use std::io::Read;
        let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        f.take(MAX_POINT_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        if bytes.len() as u64 > MAX_POINT_FILE_BYTES {
            return Err(format!(
                "larger than {} MiB: not a point file",
                MAX_POINT_FILE_BYTES >> 20
            ));
        }
        let file: PointFile =
            serde_json::from_slice(&bytes).map_err(|e| format!("not a point file: {e}"))?;
        if !file.intact() {
            return Err("its checksum does not match its contents (edited or torn)".into());
        }
        Ok((file, bytes))
    }

    /// Whether this file holds `point` computed the way the current sweep would.
    pub fn matches(&self, hash: &str, seed: u64, replications: usize, point: &Point) -> bool {
        self.scenario_hash == hash
            && self.seed == seed
            && self.replications == replications
            && self.canonical == point.canonical()
            && self.point.index == point.index
            && self
                .point
                .values
                .iter()
                .eq(point.values.iter().map(|(k, v)| (k, v)))
    }

    /// The point files in `dir/points` (`<index>.json`), as (index, path) in index order.
    pub fn list(dir: &Path) -> Vec<(usize, std::path::PathBuf)> {
        let Ok(entries) = std::fs::read_dir(dir.join("points")) else {
            return Vec::new();
        };
        let mut out: Vec<(usize, std::path::PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let index = name.strip_suffix(".json")?.parse().ok()?;
                Some((index, e.path()))
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Estimate;

    /// A point file reads back with the very numbers written, so its checksum holds. This needs
    /// serde_json's `float_roundtrip` feature (without it `1.7755328000000001` read back one
    /// bit off and a 4,000-point sweep stopped at point 2002). Test builds get the feature from
    /// a dev-dependency as well, so this test cannot see it missing: keep it in Cargo.toml.
    #[test]
    fn a_written_point_reads_back_intact_whatever_its_numbers() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        // The mean that failed, then random bit patterns and numbers of the sizes sweeps compute.
        let mut numbers = vec![1.7755328000000001];
        while numbers.len() < 20_000 {
            x = crate::sim::rng::mix(x);
            let v = f64::from_bits(x);
            // Numbers of the size sweeps compute, with all their digits.
            numbers.push((x >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((x % 13) as i32 - 6));
            if v.is_finite() {
                numbers.push(v);
            }
        }
        for v in &numbers {
            let text = serde_json::to_string(v).unwrap();
            assert_eq!(serde_json::from_str::<f64>(&text).unwrap(), *v, "{text}");
        }
        let dir = tempfile::tempdir().unwrap();
        for (i, v) in numbers
            .iter()
            .filter(|v| v.abs() < 1e100)
            .take(200)
            .enumerate()
        {
            let e = Estimate::of(vec![*v, v * 1.1, v / 3.0]).without_runs();
            let point = PointResult {
                index: i,
                values: [("k".to_string(), format!("{v}/s"))].into_iter().collect(),
                metrics: [("m".to_string(), e)].into_iter().collect(),
                slo: Vec::new(),
                slo_met: true,
            };
            let f = PointFile::new("h".into(), 1, 3, "k=1".into(), point);
            let path = dir.path().join("p.json");
            std::fs::write(&path, serde_json::to_vec_pretty(&f).unwrap()).unwrap();
            assert_eq!(PointFile::read_checked(&path), Ok(f), "value {v}");
        }
    }
}
