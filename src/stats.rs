//! Statistics streamed during a run (no record per finished message) and the summary built
//! from them.

pub mod histogram;
pub mod mser;
pub mod observer;
pub mod summary;
pub mod timeseries;

pub use histogram::Latency;
pub use observer::Observer;
pub use summary::Summary;
pub use timeseries::{SampleRow, TimeSeries};
