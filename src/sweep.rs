//! Capacity planning: replications with confidence intervals, parameter sweeps over a grid,
//! shards across machines and their merge.
//!
//! A sweep point is a set of `--set` overrides; each point runs `--replications` times under
//! seeds derived from the master seed and the point's values only, so its numbers do not
//! depend on `--jobs`, `--shard` or the rest of the grid.

pub mod chart;
pub mod ci;
pub mod command;
pub mod grid;
pub mod html;
pub mod merge;
pub mod point;
pub mod replicate;
pub mod report;
pub mod run;
pub mod shard;
pub mod warmup;

pub use ci::Estimate;
pub use replicate::{Replicated, replicate};

/// Threads for `--jobs` (`None`: one per core).
pub fn jobs(arg: Option<usize>) -> usize {
    arg.unwrap_or(0)
}
