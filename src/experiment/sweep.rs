//! Capacity planning over a grid of parameter values: the grid, its shards, finished points,
//! and the capacity (the largest load that meets every SLO).
//!
//! A sweep point is a set of `--set` overrides; each point runs `--replications` times under
//! seeds derived from the master seed and the point's values only, so its numbers do not
//! depend on `--jobs`, `--shard` or the rest of the grid.

pub mod capacity;
pub mod grid;
pub mod point;
pub mod shard;

pub use capacity::{Capacity, SweepReport};
pub use grid::{Point, Vary};
pub use point::{PointFile, PointResult};
pub use shard::Shard;

use crate::sim::rng::{replication_seed, stream_seed};

/// The seed of replication `rep` of a point: from the master seed and the point's values only.
pub fn point_seed(master: u64, point: &Point, rep: usize) -> u64 {
    replication_seed(
        stream_seed(master, "sweep-point", &point.canonical()),
        rep as u64,
    )
}

/// A hash of the scenario text and the `--set` overrides, to recognise resumable points and
/// shards of one sweep.
pub fn scenario_hash(text: &str, sets: &[String]) -> String {
    let mut all = text.to_string();
    for s in sets {
        all += "\n--set ";
        all += s;
    }
    format!("{:016x}", stream_seed(0, "scenario", &all))
}
