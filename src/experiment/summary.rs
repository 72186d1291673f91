//! The run summary: the numbers of `summary.json`, with the spec's keys, built from the
//! observer at the end of a run.

pub mod incidents;
pub mod outcomes;

pub use incidents::{EventKind, Incident, IncidentKind, TimelineEvent};
pub use outcomes::{Delayed, Impact, ImpactSummary, OutcomeTimes, TimeStats};

use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::model::Workers;
use crate::sim::Engine;
use crate::sim::codes;
use crate::sim::observer::Outcomes;
use crate::sim::routing::QueueTarget;

/// Outcome counts of the generated traffic.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Messages {
    /// Created after the warm-up.
    pub generated: u64,
    /// Delivered to a mailbox.
    pub delivered: u64,
    /// Returned to the sender.
    pub ndr: u64,
    /// Quarantined by a spam filter.
    pub quarantined: u64,
    /// Still queued or in transfer at the horizon.
    pub in_flight: u64,
    /// Of `generated`, the copies made by splitting a message (its recipients' next hops
    /// differed, or it had more recipients than one delivery carries).
    pub split: u64,
}

/// Outcomes counted per recipient.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RecipientCounts {
    /// Recipients of the messages created after the warm-up.
    pub generated: u64,
    /// Delivered to their mailboxes.
    pub delivered: u64,
    /// Returned to the sender.
    pub ndr: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Still queued or in transfer at the horizon (counted from the messages in flight).
    pub in_flight: u64,
}

/// NDRs routed back through the topology.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NdrTraffic {
    /// NDRs generated.
    pub sent: u64,
    /// NDRs that reached the original sender.
    pub delivered: u64,
    /// NDRs that failed themselves and were dropped.
    pub dropped: u64,
}

/// Latency statistics, seconds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LatencySummary {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// One node's numbers.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NodeSummary {
    /// Most messages waiting at once (event level).
    pub peak_queue: u64,
    /// When that peak was first reached, seconds.
    pub peak_queue_at_s: f64,
    /// Time-averaged messages waiting.
    pub mean_queue: f64,
    /// Busy workers / workers, time-averaged (0 for unlimited workers).
    pub utilization: f64,
    /// Time-averaged busy workers.
    pub mean_busy: f64,
    /// Deliveries into mailboxes here.
    pub delivered: u64,
    /// NDRs generated here.
    pub ndr: u64,
    /// Message deferrals of its delivery queues: one per message per failed attempt or
    /// suspended deferral (what `grep -c status=deferred` counts in a Postfix log).
    pub deferrals: u64,
    /// Delay DSNs sent.
    pub delay_notices: u64,
    /// TCP connections its delivery queues attempted (one per MX host tried).
    pub connection_attempts: u64,
    /// Of those, the ones that failed at the connection.
    pub failed_connections: u64,
    /// Failed connections by code key.
    pub failed_connections_by_code: BTreeMap<String, u64>,
    /// The same as `deferrals`, under the name the conformance suite reads.
    pub message_deferrals: u64,
    /// Messages expired in its queues (returned with the expiry NDR).
    pub expired: u64,
}

/// One connector's numbers.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ConnectorSummary {
    /// Sessions started.
    pub attempts: u64,
    /// Messages handed over.
    pub delivered: u64,
    /// Message deferrals by code key.
    pub deferrals_by_code: BTreeMap<String, u64>,
    /// Most messages waiting at once.
    pub peak_queue: u64,
    /// When that peak was first reached, seconds.
    pub peak_queue_at_s: f64,
    /// TCP connections attempted (one per MX host tried).
    pub connection_attempts: u64,
    /// Of those, the ones that failed at the connection.
    pub failed_connections: u64,
    /// Failed connections by code key.
    pub failed_connections_by_code: BTreeMap<String, u64>,
    /// Message deferrals: one per message per failed attempt or suspended deferral.
    pub message_deferrals: u64,
    /// Messages expired in its queues.
    pub expired: u64,
}

/// One traffic stream's numbers.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StreamSummary {
    /// Created after the warm-up.
    pub generated: u64,
    /// Delivered.
    pub delivered: u64,
    /// NDR'd.
    pub ndr: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Latency of its delivered messages.
    pub latency_s: LatencySummary,
}

/// A mail-flow-intelligence alert.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Alert {
    /// Connector name, or the destination (`node → domain (MX)`) for DNS-routed queues.
    pub connector: String,
    /// Code key, e.g. `450 4.4.316`.
    pub code: String,
    /// The code's words, e.g. `Connection refused`.
    pub title: String,
    /// First deferral (seconds).
    pub first_s: f64,
    /// Last deferral (seconds).
    pub last_s: f64,
    /// Messages queued behind it, sampled at its deferrals (what mail flow intelligence sees).
    pub peak_queued: u64,
    /// Most messages waiting in its connector's queues, at event level, from its first
    /// deferral until they drained (`null` for a queue without a connector, whose depth is
    /// only known at its deferrals).
    pub peak_queued_exact: Option<u64>,
    /// Messages NDR'd from that queue while this was its error.
    pub ndr: u64,
    /// Messages created after the warm-up (those `messages` counts) that its queues returned
    /// as expired from its first deferral on.
    pub ndr_counted: u64,
    /// Deferrals counted.
    pub deferrals: u64,
    /// Queued-volume alerts (`code: "delayed"`): most messages queued longer than
    /// `alerts.queued_over` (default 1 h) at once, counted at sample times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_over: Option<u64>,
    /// The age `queued_over` counts from, seconds (`alerts.queued_over`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_over_s: Option<f64>,
    /// The documented cause.
    pub cause: String,
    /// What to change.
    pub fix: String,
}

/// A timed configuration change and what became of the messages waiting when it was made.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ChangeSummary {
    /// The change as the scenario states it (`accepted_domain eop contoso.com=authoritative`).
    pub label: String,
    /// Its kind (`accepted_domain`, `connector`, `mx`, `firewall`, `certificate`, `rule`).
    pub kind: String,
    /// When the administrator made it (seconds).
    pub made_s: f64,
    /// When it landed (seconds); `null` if not within the run.
    pub landed_s: Option<f64>,
    /// Messages waiting in delivery queues when it was made.
    pub queued: u64,
    /// Of those, delivered afterwards.
    pub delivered: u64,
    /// Returned when the change landed (within 10 minutes, not by expiry): their route became
    /// a rejection.
    pub ndr_at_once: u64,
    /// Returned otherwise: expired, or failed permanently later.
    pub ndr_later: u64,
    /// Quarantined afterwards.
    pub quarantined: u64,
    /// Still waiting at the end of the run.
    pub in_flight: u64,
}

fn changes(e: &Engine<'_>) -> Vec<ChangeSummary> {
    e.scenario()
        .changes
        .iter()
        .zip(e.change_outcomes())
        .map(|(c, o)| ChangeSummary {
            label: c.label.clone(),
            kind: c.kind.as_str().to_string(),
            made_s: c.at.as_secs_f64(),
            landed_s: o.landed.map(|t| t.as_secs_f64()),
            queued: o.queued,
            delivered: o.delivered,
            ndr_at_once: o.ndr_at_once,
            ndr_later: o.ndr_later,
            quarantined: o.quarantined,
            in_flight: o.in_flight(),
        })
        .collect()
}

/// Engine performance numbers (the only block that differs between identical runs).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EngineStats {
    /// Events handled.
    pub events: u64,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// Events per wall-clock second.
    pub events_per_s: f64,
    /// Most messages in flight at once (generated traffic and NDRs).
    pub peak_in_flight: u64,
}

/// An SLO result.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SloResult {
    /// As written.
    pub expr: String,
    /// Measured value.
    pub value: f64,
    /// Whether it held.
    pub met: bool,
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Horizon, seconds.
    pub duration_s: f64,
    /// Warm-up, seconds.
    pub warmup_s: f64,
    /// Outcomes of the generated traffic.
    pub messages: Messages,
    /// The same per recipient.
    pub recipients: RecipientCounts,
    /// `ndr / generated`.
    pub ndr_rate: f64,
    /// NDRs routed back.
    pub ndr_traffic: NdrTraffic,
    /// Delay notices (DSNs) routed back.
    pub delay_dsn_traffic: NdrTraffic,
    /// Duplicate deliveries.
    pub duplicates: u64,
    /// Transfers in clear because the destination offered no TLS.
    pub sent_without_tls: u64,
    /// NDRs by code key.
    pub ndr_by_code: BTreeMap<String, u64>,
    /// Creation-to-delivery latency.
    pub latency_s: LatencySummary,
    /// Outcome times of every message: time to delivery and to NDR, ages still in flight,
    /// delayed over 1 h / 4 h / 24 h or not delivered.
    pub outcomes: OutcomeTimes,
    /// Per node, in file order.
    pub nodes: IndexMap<String, NodeSummary>,
    /// Per connector, in file order.
    pub connectors: IndexMap<String, ConnectorSummary>,
    /// Per traffic stream, in file order.
    pub traffic: IndexMap<String, StreamSummary>,
    /// Who is affected: per traffic stream and per recipient domain.
    pub impact: ImpactSummary,
    /// Mail flow intelligence alerts.
    pub alerts: Vec<Alert>,
    /// Timed configuration changes, in file order, with what became of the backlog.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeSummary>,
    /// The incident timeline: per fault, certificate expiry and unexplained alert.
    pub incidents: Vec<Incident>,
    /// SLO results (filled by `run --slo`).
    pub slo: Vec<SloResult>,
    /// Engine numbers.
    pub engine: EngineStats,
    /// With `--replications N` (N > 1): every number of the runs as `{mean, ci95, runs}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replications: Option<serde_json::Value>,
}

fn latency(o: &Outcomes) -> LatencySummary {
    let l = &o.latency;
    LatencySummary {
        mean: l.mean_s(),
        p50: l.quantile_s(0.50),
        p95: l.quantile_s(0.95),
        p99: l.quantile_s(0.99),
        max: l.max_s(),
    }
}

impl Summary {
    /// Builds the summary of a finished run; `wall_s` is the wall-clock time it took.
    pub fn from_engine(e: &Engine<'_>, wall_s: f64) -> Summary {
        let sc = e.scenario();
        let obs = &e.obs;
        let span = e.horizon().since(obs.averages_from).0.max(1) as f64;
        let by_code = |m: &BTreeMap<u16, u64>| -> BTreeMap<String, u64> {
            let mut out = BTreeMap::new();
            for (c, n) in m {
                *out.entry(codes::key(e.code_text(*c)).to_string())
                    .or_default() += n;
            }
            out
        };
        let nodes = sc
            .nodes
            .iter()
            .zip(&obs.nodes)
            .enumerate()
            .map(|(i, (n, c))| {
                let mean_busy = c.busy_area as f64 / span;
                let utilization = match n.workers {
                    Workers::Limited(k) => mean_busy / f64::from(k.max(1)),
                    Workers::Unlimited => 0.0,
                };
                let s = NodeSummary {
                    peak_queue: c.peak_queue,
                    peak_queue_at_s: obs.node_tracks[i].peak_at.as_secs_f64(),
                    mean_queue: c.queue_area as f64 / span,
                    utilization,
                    mean_busy,
                    delivered: c.delivered,
                    ndr: c.ndr,
                    deferrals: c.deferrals,
                    delay_notices: c.delay_notices,
                    connection_attempts: c.connection_attempts,
                    failed_connections: c.failed_connections.values().sum(),
                    failed_connections_by_code: by_code(&c.failed_connections),
                    message_deferrals: c.deferrals,
                    expired: c.expired,
                };
                (n.name.clone(), s)
            })
            .collect();
        let connectors = sc
            .connectors
            .iter()
            .zip(&obs.connectors)
            .enumerate()
            .map(|(i, (k, c))| {
                let s = ConnectorSummary {
                    attempts: c.attempts,
                    delivered: c.delivered,
                    deferrals_by_code: by_code(&c.deferrals_by_code),
                    peak_queue: c.peak_queue,
                    peak_queue_at_s: obs.connector_tracks[i].peak_at.as_secs_f64(),
                    connection_attempts: c.connection_attempts,
                    failed_connections: c.failed_connections.values().sum(),
                    failed_connections_by_code: by_code(&c.failed_connections),
                    message_deferrals: c.deferrals_by_code.values().sum(),
                    expired: c.expired,
                };
                (k.name.clone(), s)
            })
            .collect();
        let traffic = sc
            .traffic
            .iter()
            .zip(&obs.streams)
            .map(|(t, o)| {
                let s = StreamSummary {
                    generated: o.generated,
                    delivered: o.delivered,
                    ndr: o.ndr,
                    quarantined: o.quarantined,
                    latency_s: latency(o),
                };
                (t.name.clone(), s)
            })
            .collect();
        let t = &obs.total;
        let end = e.horizon();
        let code_key = |c: u16| codes::key(e.code_text(c)).to_string();
        let impact = ImpactSummary {
            streams: sc
                .traffic
                .iter()
                .zip(&obs.fates.streams)
                .map(|(t, f)| {
                    (
                        t.name.clone(),
                        outcomes::impact(f, &obs.fates.thresholds, end),
                    )
                })
                .collect(),
            domains: sc
                .domains
                .iter()
                .enumerate()
                .filter(|(_, d)| d.explicit)
                .map(|(i, d)| {
                    let empty = crate::sim::observer::fate::Fate::default();
                    let f = obs.fates.domains.get(i).unwrap_or(&empty);
                    (
                        d.name.clone(),
                        outcomes::impact(f, &obs.fates.thresholds, end),
                    )
                })
                .collect(),
        };
        Summary {
            scenario: sc.name.clone(),
            seed: e.seed(),
            duration_s: sc.duration.as_secs_f64(),
            warmup_s: obs.averages_from.as_secs_f64(),
            messages: Messages {
                generated: t.generated,
                delivered: t.delivered,
                ndr: t.ndr,
                quarantined: t.quarantined,
                in_flight: obs.in_flight,
                split: t.split,
            },
            recipients: RecipientCounts {
                generated: t.recipients[0],
                delivered: t.recipients[1],
                ndr: t.recipients[2],
                quarantined: t.recipients[3],
                in_flight: e.recipients_in_flight(),
            },
            ndr_rate: if t.generated == 0 {
                0.0
            } else {
                t.ndr as f64 / t.generated as f64
            },
            ndr_traffic: NdrTraffic {
                sent: obs.ndr_sent,
                delivered: obs.ndr_delivered,
                dropped: obs.ndr_dropped,
            },
            delay_dsn_traffic: NdrTraffic {
                sent: obs.dsn_sent,
                delivered: obs.dsn_delivered,
                dropped: obs.dsn_dropped,
            },
            duplicates: obs.duplicates,
            sent_without_tls: obs.sent_without_tls,
            ndr_by_code: by_code(&obs.ndr_by_code),
            latency_s: latency(t),
            outcomes: outcomes::outcome_times(&obs.fates, &t.latency, end, &code_key),
            nodes,
            connectors,
            traffic,
            impact,
            alerts: alerts(e),
            changes: changes(e),
            incidents: incidents::incidents(e),
            slo: Vec::new(),
            engine: EngineStats {
                events: e.events_handled,
                wall_s,
                events_per_s: if wall_s > 0.0 {
                    e.events_handled as f64 / wall_s
                } else {
                    0.0
                },
                peak_in_flight: e.peak_in_flight() as u64,
            },
            replications: None,
        }
    }
}

/// The name an alert gives a queue: its connector, or `node → domain (MX)`.
pub fn queue_label(e: &Engine<'_>, q: usize) -> String {
    let sc = e.scenario();
    let key = e.queue_key(q);
    match key.connector {
        Some(c) => sc.connector(c).name.clone(),
        None => match key.target {
            QueueTarget::Mx(d) => {
                format!("{} → {} (MX)", sc.node(key.node).name, sc.domain(d).name)
            }
            QueueTarget::Node(n) => format!("{} → {}", sc.node(key.node).name, sc.node(n).name),
            QueueTarget::Host(d) => format!("{} → {}", sc.node(key.node).name, sc.domain(d).name),
        },
    }
}

/// Alerts mail flow intelligence would raise: one per (connector or destination, code) whose
/// queue passed 200 messages or held a message over an hour; plus loop NDRs by node.
fn alerts(e: &Engine<'_>) -> Vec<Alert> {
    let limits = &e.scenario().alerts;
    let mut merged: IndexMap<(String, String), Alert> = IndexMap::new();
    for (&(q, code), a) in &e.obs.alerts {
        if a.peak_queued < limits.queued && a.oldest_age <= limits.queued_over.0 {
            continue;
        }
        let text = e.code_text(code);
        let (label, key) = (queue_label(e, q as usize), codes::key(text).to_string());
        let m = merged
            .entry((label.clone(), key.clone()))
            .or_insert_with(|| {
                let (cause, fix) = crate::sim::advice::for_code(text);
                Alert {
                    connector: label,
                    code: key,
                    title: codes::title(text).to_string(),
                    first_s: a.first.as_secs_f64(),
                    last_s: a.last.as_secs_f64(),
                    peak_queued: 0,
                    peak_queued_exact: None,
                    ndr: 0,
                    ndr_counted: 0,
                    deferrals: 0,
                    queued_over: None,
                    queued_over_s: None,
                    cause: cause.to_string(),
                    fix: fix.to_string(),
                }
            });
        m.ndr_counted += e
            .obs
            .queue_expiries
            .get(&q)
            .into_iter()
            .flatten()
            .filter(|ep| ep.1 >= a.first)
            .map(|ep| ep.2)
            .sum::<u64>();
        if let Some(c) = e.queue_key(q as usize).connector {
            let track = &e.obs.connector_tracks[c.index()];
            let until = track.empty_after(a.last).unwrap_or(e.horizon());
            let exact = track.max_between(a.first, until);
            m.peak_queued_exact = Some(m.peak_queued_exact.unwrap_or(0).max(exact));
        }
        m.first_s = m.first_s.min(a.first.as_secs_f64());
        m.last_s = m.last_s.max(a.last.as_secs_f64());
        m.peak_queued = m.peak_queued.max(a.peak_queued);
        m.ndr += a.ndr;
        m.deferrals += a.count;
    }
    let mut out: Vec<Alert> = merged.into_values().collect();
    for (&(node, code), &(first, last, count)) in &e.obs.loops {
        let text = e.code_text(code);
        let (cause, fix) = crate::sim::advice::for_code(text);
        out.push(Alert {
            connector: e.scenario().nodes[node as usize].name.clone(),
            code: codes::key(text).to_string(),
            title: codes::title(text).to_string(),
            first_s: first.as_secs_f64(),
            last_s: last.as_secs_f64(),
            peak_queued: 0,
            peak_queued_exact: None,
            ndr: count,
            ndr_counted: count,
            deferrals: 0,
            queued_over: None,
            queued_over_s: None,
            cause: cause.to_string(),
            fix: fix.to_string(),
        });
    }
    // Queued volume, whatever the errors (Exchange Online's "Messages have been delayed",
    // default 200 messages; it lists those queued over an hour, sources §1.1).
    for (&q, v) in &e.obs.volume {
        let deferrals: u64 = e
            .obs
            .alerts
            .iter()
            .filter(|((aq, _), _)| *aq == q)
            .map(|(_, a)| a.count)
            .sum();
        let cause = if deferrals > 0 {
            format!(
                "{} or more messages were queued for this destination: deliveries to it were failing (see its other alerts)",
                limits.queued
            )
        } else {
            format!(
                "{} or more messages were queued for this destination with no delivery failing: mail arrives faster than the sender's sessions to it can carry it",
                limits.queued
            )
        };
        let fix = if deferrals > 0 {
            "Fix the deferrals listed for this destination; the queue drains once deliveries succeed.".to_string()
        } else {
            "Raise the sender's sessions to the destination (max_connections_per_destination) or the receiver's capacity (workers, inbound limits), or spread the load.".to_string()
        };
        out.push(Alert {
            connector: queue_label(e, q as usize),
            code: "delayed".into(),
            title: "Messages have been delayed".into(),
            first_s: v.first.as_secs_f64(),
            last_s: v.last.as_secs_f64(),
            peak_queued: v.peak,
            peak_queued_exact: Some(v.peak),
            ndr: 0,
            ndr_counted: 0,
            deferrals,
            queued_over: Some(v.over_age),
            queued_over_s: Some(limits.queued_over.as_secs_f64()),
            cause,
            fix,
        });
    }
    out.sort_by(|a, b| {
        a.first_s
            .total_cmp(&b.first_s)
            .then_with(|| a.connector.cmp(&b.connector))
    });
    out
}
