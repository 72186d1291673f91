//! The time series: one row per node and per connector every `sample_every`.

use crate::time::SimTime;

/// One sampled row; counts are cumulative from the start of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleRow {
    /// Sample time.
    pub time: SimTime,
    /// Node index, or `nodes + connector index` for connector rows.
    pub entity: u32,
    /// Messages waiting (for a worker or in delivery queues).
    pub queued: u64,
    /// Messages in service or in transfer.
    pub in_service: u64,
    /// Cumulative deliveries (mailbox deliveries at a node; transfers on a connector).
    pub delivered: u64,
    /// Cumulative deferrals.
    pub deferred: u64,
    /// Cumulative NDRs generated.
    pub ndr: u64,
}

/// All rows of a run, in time order.
#[derive(Clone, Debug, Default)]
pub struct TimeSeries {
    /// The rows.
    pub rows: Vec<SampleRow>,
    /// Age (µs) of the oldest counted message in flight at each sample time (0: none), filled
    /// when the run closes.
    pub oldest_in_flight: Vec<(SimTime, u64)>,
}
