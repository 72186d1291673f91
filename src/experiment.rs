//! Experiments on a loaded scenario: one [`simulate`] that every command uses (it honours
//! `warmup: auto`), the run [`Summary`], independent replications, service-level objectives,
//! sweep grids and shards, and comparisons under common random numbers.

pub mod compare;
pub mod replicate;
pub mod simulate;
pub mod slo;
pub mod summary;
pub mod sweep;
pub mod warmup;

pub use replicate::{Replicated, replicate};
pub use simulate::{Progress, ProgressSink, RunOutput, simulate};
pub use summary::Summary;

/// Threads for `--jobs` (`None`: one per core, written 0 for rayon).
pub fn jobs(arg: Option<usize>) -> usize {
    arg.unwrap_or(0)
}
