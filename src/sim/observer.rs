//! The observer: counters and time integrals the engine updates as events happen.

pub mod fate;
pub mod histogram;
pub mod series;
pub mod track;

pub use fate::Fates;
pub use histogram::Latency;
pub use series::{SampleRow, TimeSeries};
pub use track::QueueTrack;

use std::collections::BTreeMap;

use crate::sim::message::{COUNTED, IS_NDR, Message};
use crate::time::{SimDuration, SimTime};

/// The longest pause between two expiries of one queue within one episode.
pub const EPISODE_GAP: crate::time::SimDuration = crate::time::SimDuration::from_hours(1);

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

/// A delivery queue that held at least the alert threshold of messages, whatever its errors
/// (Exchange Online's "Messages have been delayed" alert, sources §1.1).
#[derive(Clone, Debug)]
pub struct VolumeAlert {
    /// When it first reached the threshold.
    pub first: SimTime,
    /// The last time it was at or over the threshold.
    pub last: SimTime,
    /// Most messages queued at once (exact).
    pub peak: u64,
    /// Most messages queued longer than the alert age at once (at sample times).
    pub over_age: u64,
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
    /// domains are met), to set next to the delays a real log shows (`mailflow fit --against`);
    /// kept only when [`Observer::domain_latency`] is set.
    pub domains: Vec<Latency>,
    /// Whether [`Observer::domains`] is kept (one more histogram record per delivery, and a
    /// histogram per recipient domain).
    pub domain_latency: bool,
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
    /// Queued-volume alerts by queue ("Messages have been delayed").
    pub volume: BTreeMap<u32, VolumeAlert>,
    /// The sampled rows.
    pub series: TimeSeries,
    /// When time averages started (the end of the warm-up).
    pub averages_from: SimTime,
    /// What became of every counted message and when (outcome times, delays, ages).
    pub fates: Fates,
    /// Depth history of each node's queue.
    pub node_tracks: Vec<QueueTrack>,
    /// Depth history of each connector's queues.
    pub connector_tracks: Vec<QueueTrack>,
    /// Expiry NDRs of counted messages by delivery queue, in episodes: (first, last, count);
    /// an expiry more than [`EPISODE_GAP`] after the previous one starts a new episode.
    pub queue_expiries: BTreeMap<u32, Vec<(SimTime, SimTime, u64)>>,
    /// The time of the last queue change (a connector's change follows its node's, in the
    /// same event).
    clock: SimTime,
}

impl Observer {
    /// An observer for `nodes` nodes, `connectors` connectors and `streams` streams, counting
    /// messages delayed over each of `thresholds`.
    pub fn new(
        nodes: usize,
        connectors: usize,
        streams: usize,
        thresholds: &[SimDuration],
    ) -> Observer {
        Observer {
            streams: vec![Outcomes::default(); streams],
            nodes: vec![NodeCounters::default(); nodes],
            connectors: vec![ConnectorCounters::default(); connectors],
            fates: Fates::new(streams, thresholds),
            node_tracks: vec![QueueTrack::default(); nodes],
            connector_tracks: vec![QueueTrack::default(); connectors],
            ..Observer::default()
        }
    }

    /// A counted message of stream `stream` to domain `domain` was created at `now`.
    #[inline]
    pub fn message_created(&mut self, stream: usize, domain: u16, now: SimTime) {
        self.fates.created(stream as u16, domain, now);
    }

    /// Message `m` was delivered to a mailbox at `now` (counted traffic only is recorded).
    #[inline]
    pub fn message_delivered(&mut self, m: &Message, now: SimTime) {
        if m.has(COUNTED) && !m.has(IS_NDR) {
            self.fates.delivered(m, now);
        }
    }

    /// Message `m` was returned with code `code` at `now` (counted traffic only is recorded).
    #[inline]
    pub fn message_ndr(&mut self, m: &Message, code: u16, now: SimTime) {
        if m.has(COUNTED) && !m.has(IS_NDR) {
            self.fates.ndr(m, code, now);
        }
    }

    /// Message `m` was quarantined at `now` (counted traffic only is recorded).
    #[inline]
    pub fn message_quarantined(&mut self, m: &Message, now: SimTime) {
        if m.has(COUNTED) && !m.has(IS_NDR) {
            self.fates.quarantined(m, now);
        }
    }

    /// Message `m` expired in delivery queue `queue` at `now`.
    pub fn queue_expired(&mut self, queue: usize, m: &Message, now: SimTime) {
        if m.has(COUNTED) && !m.has(IS_NDR) {
            let episodes = self.queue_expiries.entry(queue as u32).or_default();
            match episodes.last_mut() {
                Some(e) if now.since(e.1) <= EPISODE_GAP => {
                    e.1 = now;
                    e.2 += 1;
                }
                _ => episodes.push((now, now, 1)),
            }
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
        let level = n.queued;
        self.node_tracks[node].record(level, now);
        self.clock = now;
    }

    /// One message waits at `node` for an instant and leaves at once: what `queue_change(+1)`
    /// then `queue_change(-1)` at `now` record.
    #[inline]
    pub fn queue_blip(&mut self, node: usize, now: SimTime) {
        let n = &mut self.nodes[node];
        n.advance(now);
        n.peak_queue = n.peak_queue.max(n.queued + 1);
        let level = n.queued;
        self.node_tracks[node].blip(level, now);
        self.clock = now;
    }

    /// One message waits in connector `c`'s queues for an instant (see [`Observer::queue_blip`]).
    #[inline]
    pub fn connector_queue_blip(&mut self, c: usize) {
        let k = &mut self.connectors[c];
        k.peak_queue = k.peak_queue.max(k.queued + 1);
        let level = k.queued;
        self.connector_tracks[c].blip(level, self.clock);
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
        let level = k.queued;
        self.connector_tracks[c].record(level, self.clock);
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
        for t in self
            .node_tracks
            .iter_mut()
            .chain(&mut self.connector_tracks)
        {
            t.restart_peak(now);
        }
        self.averages_from = now;
    }

    /// Brings the integrals up to `now` (the end of the run), counts the ages of the messages
    /// still `in_flight` (every message the engine holds), and traces the oldest counted
    /// message in flight at every sample time.
    pub fn close<'m>(&mut self, now: SimTime, in_flight: impl Iterator<Item = &'m Message>) {
        // Deliveries are recorded in their stream's histogram only: all traffic's is the sum.
        let mut all = Latency::default();
        for s in &self.streams {
            all.merge(&s.latency);
        }
        self.total.latency = all;
        self.fates.close(in_flight);
        debug_assert_eq!(
            self.fates.total.in_flight.total(),
            self.in_flight,
            "the messages in flight at the end are the counted ones not yet finished"
        );
        for n in &mut self.nodes {
            n.advance(now);
        }
        for t in self
            .node_tracks
            .iter_mut()
            .chain(&mut self.connector_tracks)
        {
            t.close(now);
        }
        let mut times: Vec<SimTime> = self.series.rows.iter().map(|r| r.time).collect();
        times.dedup();
        let ages = self.fates.oldest_at(&times);
        self.series.oldest_in_flight = times.into_iter().zip(ages).collect();
    }
}
