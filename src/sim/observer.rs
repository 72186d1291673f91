//! The observer: counters and time integrals the engine updates as events happen.

pub mod histogram;
pub mod series;

pub use histogram::Latency;
pub use series::{SampleRow, TimeSeries};

use std::collections::BTreeMap;

use crate::time::SimTime;

/// Per-node counters.
#[derive(Clone, Debug, Default)]
pub struct NodeCounters {
    /// Messages waiting now (for a worker or in delivery queues).
    pub queued: u64,
    /// Most messages waiting at once.
    pub peak_queue: u64,
    /// Workers busy now.
    pub busy: u64,
    /// Sessions open from this node now.
    pub sending: u64,
    /// ∫ queued dt since the warm-up (message·µs).
    pub queue_area: u128,
    /// ∫ busy dt since the warm-up (worker·µs).
    pub busy_area: u128,
    /// Last time the integrals were brought up to date.
    pub last: SimTime,
    /// Counted deliveries into mailboxes here.
    pub delivered: u64,
    /// Counted NDRs generated here.
    pub ndr: u64,
    /// Message deferrals of its delivery queues (one per message per failed attempt or
    /// suspended deferral; all messages).
    pub deferrals: u64,
    /// TCP connections its delivery queues attempted.
    pub connection_attempts: u64,
    /// Of those, the ones that failed at the connection, by code index.
    pub failed_connections: BTreeMap<u16, u64>,
    /// Messages expired in its queues.
    pub expired: u64,
    /// Delay DSNs sent.
    pub delay_notices: u64,
    /// Time-series counters (all generated traffic, warm-up included).
    pub ts_delivered: u64,
    /// Time-series NDRs.
    pub ts_ndr: u64,
}

impl NodeCounters {
    #[inline]
    fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.0 - self.last.0);
        self.queue_area += u128::from(self.queued) * dt;
        self.busy_area += u128::from(self.busy) * dt;
        self.last = now;
    }
}

/// Per-connector counters.
#[derive(Clone, Debug, Default)]
pub struct ConnectorCounters {
    /// Sessions started.
    pub attempts: u64,
    /// Sessions that handed the message over.
    pub delivered: u64,
    /// Message deferrals by code index.
    pub deferrals_by_code: BTreeMap<u16, u64>,
    /// TCP connections attempted.
    pub connection_attempts: u64,
    /// Failed connections by code index.
    pub failed_connections: BTreeMap<u16, u64>,
    /// Messages expired in its queues.
    pub expired: u64,
    /// Messages waiting in its queues now.
    pub queued: u64,
    /// Most waiting at once.
    pub peak_queue: u64,
    /// Sessions open now.
    pub active: u64,
    /// NDRs generated from its queues (expiry, rejections).
    pub ndr: u64,
}

/// Deferrals of one (queue, code), for the mail flow intelligence alerts.
#[derive(Clone, Debug)]
pub struct AlertCounter {
    /// First deferral.
    pub first: SimTime,
    /// Last deferral.
    pub last: SimTime,
    /// Deferrals.
    pub count: u64,
    /// Most messages queued behind it.
    pub peak_queued: u64,
    /// Longest a message had waited at a deferral, µs.
    pub oldest_age: u64,
    /// Messages NDR'd from the queue while this code was its last error.
    pub ndr: u64,
}

/// Outcome counts of one traffic stream (or of everything).
#[derive(Clone, Debug, Default)]
pub struct Outcomes {
    /// Created after the warm-up.
    pub generated: u64,
    /// Delivered to a mailbox.
    pub delivered: u64,
    /// Returned as NDRs.
    pub ndr: u64,
    /// Quarantined by a spam filter.
    pub quarantined: u64,
    /// Latency of the delivered ones.
    pub latency: Latency,
    /// Of `generated`, the copies made by splitting a message whose recipients' next hops
    /// differ (or that had more recipients than one delivery may carry).
    pub split: u64,
    /// Recipients: generated, delivered, NDR'd, quarantined.
    pub recipients: [u64; 4],
}

/// Everything recorded during a run.
#[derive(Clone, Debug, Default)]
pub struct Observer {
    /// All counted messages.
    pub total: Outcomes,
    /// Per traffic stream.
    pub streams: Vec<Outcomes>,
    /// Latency of delivered messages by recipient domain (indexed by `DomainId`; grown as
    /// domains are met), to set next to the delays a real log shows (`mailflow fit --against`).
    pub domains: Vec<Latency>,
    /// Counted messages neither delivered, NDR'd nor quarantined yet (kept apart as a check).
    pub in_flight: u64,
    /// Counted NDRs by code index.
    pub ndr_by_code: BTreeMap<u16, u64>,
    /// NDRs sent back through the topology.
    pub ndr_sent: u64,
    /// NDRs delivered to the original sender.
    pub ndr_delivered: u64,
    /// NDRs that failed themselves and were dropped.
    pub ndr_dropped: u64,
    /// Delay notices sent (for counted messages).
    pub dsn_sent: u64,
    /// Delay notices delivered to the original sender.
    pub dsn_delivered: u64,
    /// Delay notices that failed themselves and were dropped.
    pub dsn_dropped: u64,
    /// Deliveries duplicated by a drop after the final dot.
    pub duplicates: u64,
    /// Transfers made in clear because the destination offered no TLS.
    pub sent_without_tls: u64,
    /// Per node.
    pub nodes: Vec<NodeCounters>,
    /// Per connector.
    pub connectors: Vec<ConnectorCounters>,
    /// Alerts by (queue, code index).
    pub alerts: BTreeMap<(u32, u16), AlertCounter>,
    /// Loop NDRs by (node, code index): (first, last, count).
    pub loops: BTreeMap<(u32, u16), (SimTime, SimTime, u64)>,
    /// The sampled rows.
    pub series: TimeSeries,
    /// When time averages started (the end of the warm-up).
    pub averages_from: SimTime,
}

impl Observer {
    /// An observer for `nodes` nodes, `connectors` connectors and `streams` streams.
    pub fn new(nodes: usize, connectors: usize, streams: usize) -> Observer {
        Observer {
            streams: vec![Outcomes::default(); streams],
            nodes: vec![NodeCounters::default(); nodes],
            connectors: vec![ConnectorCounters::default(); connectors],
            ..Observer::default()
        }
    }

    /// Adds `delta` messages waiting at `node`.
    #[inline]
    pub fn queue_change(&mut self, node: usize, delta: i64, now: SimTime) {
        let n = &mut self.nodes[node];
        n.advance(now);
        n.queued = n.queued.wrapping_add_signed(delta);
        n.peak_queue = n.peak_queue.max(n.queued);
        debug_assert!(n.queued < u64::MAX / 2, "negative queue at node {node}");
    }

    /// Adds `delta` busy workers at `node`.
    #[inline]
    pub fn busy_change(&mut self, node: usize, delta: i64, now: SimTime) {
        let n = &mut self.nodes[node];
        n.advance(now);
        n.busy = n.busy.wrapping_add_signed(delta);
        debug_assert!(n.busy < u64::MAX / 2, "negative busy count at node {node}");
    }

    /// Adds `delta` messages waiting in connector `c`'s queues.
    #[inline]
    pub fn connector_queue_change(&mut self, c: usize, delta: i64) {
        let k = &mut self.connectors[c];
        k.queued = k.queued.wrapping_add_signed(delta);
        k.peak_queue = k.peak_queue.max(k.queued);
    }

    /// Records the connections of one attempt of `node`'s queue (through `connector`, if
    /// any): `failed` of them failed with `code`.
    pub fn count_connections(
        &mut self,
        node: usize,
        connector: Option<crate::model::ConnectorId>,
        connections: u8,
        failed: u8,
        code: Option<u16>,
    ) {
        let n = &mut self.nodes[node];
        n.connection_attempts += u64::from(connections);
        if let (Some(code), true) = (code, failed > 0) {
            *n.failed_connections.entry(code).or_default() += u64::from(failed);
        }
        if let Some(c) = connector {
            let k = &mut self.connectors[c.index()];
            k.connection_attempts += u64::from(connections);
            if let (Some(code), true) = (code, failed > 0) {
                *k.failed_connections.entry(code).or_default() += u64::from(failed);
            }
        }
    }

    /// Records one message deferral with `code` at `node`'s queue.
    pub fn count_deferral(
        &mut self,
        node: usize,
        connector: Option<crate::model::ConnectorId>,
        code: u16,
    ) {
        self.nodes[node].deferrals += 1;
        if let Some(c) = connector {
            *self.connectors[c.index()]
                .deferrals_by_code
                .entry(code)
                .or_default() += 1;
        }
    }

    /// Records one message expired at `node`'s queue.
    pub fn count_expired(&mut self, node: usize, connector: Option<crate::model::ConnectorId>) {
        self.nodes[node].expired += 1;
        if let Some(c) = connector {
            self.connectors[c.index()].expired += 1;
        }
    }

    /// Restarts the time averages at `now` (end of the warm-up). Peaks restart too.
    pub fn restart_averages(&mut self, now: SimTime) {
        for n in &mut self.nodes {
            n.advance(now);
            n.queue_area = 0;
            n.busy_area = 0;
            n.peak_queue = n.queued;
        }
        for c in &mut self.connectors {
            c.peak_queue = c.queued;
        }
        self.averages_from = now;
    }

    /// Brings the integrals up to `now` (the end of the run).
    pub fn close(&mut self, now: SimTime) {
        for n in &mut self.nodes {
            n.advance(now);
        }
    }
}
