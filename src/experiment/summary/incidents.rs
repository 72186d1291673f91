//! The incident timeline: one incident per fault, per certificate that expires inside the run
//! and per alert no fault explains, each a list of dated events (start, first deferral, first
//! NDR, cleared, queue drained, last NDR). A new kind of event is one more [`EventKind`].

use serde::Serialize;

use crate::model::{FaultKind, NodeId, Scenario};
use crate::sim::Engine;
use crate::sim::codes;
use crate::sim::observer::{AlertCounter, QueueTrack};
use crate::sim::routing::QueueTarget;
use crate::time::SimTime;

/// What started an incident.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// A `faults` entry.
    Fault,
    /// A node's certificate passing its `not_after`.
    Certificate,
    /// A mail flow alert that no fault or certificate explains.
    Alert,
    /// A timed configuration change (`changes`).
    Change,
}

/// One event of an incident's timeline.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The fault began, the certificate expired, or the alert's first deferral.
    Start,
    /// The first message deferred because of it.
    FirstDeferral,
    /// The first message returned to its sender because of it.
    FirstNdr,
    /// The fault ended (faults only).
    Cleared,
    /// The configuration change reached its system (changes only).
    Landed,
    /// The last deferral (alerts only: what ended the alert's condition).
    LastDeferral,
    /// The affected queues were empty again.
    QueueDrained,
    /// The last message returned to its sender because of it.
    LastNdr,
}

impl EventKind {
    /// The event in words, for tables.
    pub fn words(self) -> &'static str {
        match self {
            EventKind::Start => "start",
            EventKind::FirstDeferral => "first deferral",
            EventKind::FirstNdr => "first NDR",
            EventKind::Cleared => "cleared",
            EventKind::Landed => "landed",
            EventKind::LastDeferral => "last deferral",
            EventKind::QueueDrained => "queue drained",
            EventKind::LastNdr => "last NDR",
        }
    }
}

/// One dated event.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TimelineEvent {
    /// What happened.
    pub event: EventKind,
    /// When, seconds from the start of the run; `null` when it did not happen within the run.
    pub at_s: Option<f64>,
    /// True when the time is read from the sampled series or from a queue shared with other
    /// traffic (exact to a sample interval), not from an event.
    pub approximate: bool,
}

/// One incident and its timeline.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Incident {
    /// What started it.
    pub kind: IncidentKind,
    /// What it is, e.g. `firewall_block onprem` or `certificate of partner expires`.
    pub title: String,
    /// The delivery queues it made defer (connector names or `node → domain (MX)`).
    pub queues: Vec<String>,
    /// Deferrals in those queues.
    pub deferrals: u64,
    /// Messages those queues returned as expired from its start on.
    pub ndr: u64,
    /// Most messages waiting in those queues from its start until they drained.
    pub peak_queued: u64,
    /// The events, in the order of [`EventKind`].
    pub events: Vec<TimelineEvent>,
}

impl Incident {
    /// The time of `kind`, if it happened.
    pub fn at(&self, kind: EventKind) -> Option<f64> {
        self.events
            .iter()
            .find(|e| e.event == kind)
            .and_then(|e| e.at_s)
    }
}

/// The reply code a fault kind makes senders see, if it makes one.
pub fn fault_code(kind: &FaultKind) -> Option<&'static str> {
    let text = match kind {
        FaultKind::DnsFailure { .. } => codes::DNS_FAILED,
        FaultKind::ServerDown { .. } => codes::CONNECTION_TIMED_OUT,
        FaultKind::FirewallBlock { .. } => codes::CONNECTION_REFUSED,
        FaultKind::ServiceUnavailable { .. } | FaultKind::TlsUnavailable { .. } => {
            codes::CANNOT_CONNECT
        }
        FaultKind::ConnectionDrop { .. } => codes::CLOSED_ABRUPTLY,
        FaultKind::CertificateExpired { .. } | FaultKind::CertificateMismatch { .. } => {
            codes::CERTIFICATE_FAILED
        }
        FaultKind::TlsaMismatch { .. } => codes::EXO_TLS_POLICY[2],
        FaultKind::DnssecFailure { .. } => codes::EXO_TLS_POLICY[3],
        FaultKind::MxChange { .. } | FaultKind::Slowdown { .. } => return None,
    };
    Some(codes::key(text))
}

/// The node or domain a fault acts on, by name.
pub fn fault_target(sc: &Scenario, kind: &FaultKind) -> String {
    match kind {
        FaultKind::DnsFailure { domain }
        | FaultKind::MxChange { domain, .. }
        | FaultKind::DnssecFailure { domain } => sc.domain(*domain).name.clone(),
        other => other
            .node()
            .map(|n| sc.node(n).name.clone())
            .unwrap_or_default(),
    }
}

/// What an incident acts on: a node (optionally only for some senders) or a domain's MX.
enum Target {
    Node(NodeId, Vec<NodeId>),
    Domain(usize),
}

struct Window {
    kind: IncidentKind,
    title: String,
    target: Target,
    start: SimTime,
    end: Option<SimTime>,
}

fn windows(sc: &Scenario) -> Vec<Window> {
    let horizon = SimTime::ZERO + sc.duration;
    let mut out = Vec::new();
    for f in &sc.faults {
        let target = match &f.kind {
            FaultKind::DnsFailure { domain }
            | FaultKind::MxChange { domain, .. }
            | FaultKind::DnssecFailure { domain } => Target::Domain(domain.index()),
            FaultKind::FirewallBlock { node, sources } => Target::Node(*node, sources.clone()),
            other => match other.node() {
                Some(n) => Target::Node(n, Vec::new()),
                None => continue,
            },
        };
        let mut title = format!("{} {}", f.kind.as_str(), fault_target(sc, &f.kind));
        if let Some(code) = fault_code(&f.kind) {
            title += &format!(" · {code}");
        }
        out.push(Window {
            kind: IncidentKind::Fault,
            title,
            target,
            start: f.at,
            end: f.until.filter(|u| *u < horizon),
        });
    }
    for (i, n) in sc.nodes.iter().enumerate() {
        if let Some(at) = n.certificate.as_ref().and_then(|c| c.not_after)
            && at < horizon
        {
            out.push(Window {
                kind: IncidentKind::Certificate,
                title: format!("certificate of {} expires", n.name),
                target: Target::Node(NodeId::from_index(i), Vec::new()),
                start: at,
                end: None,
            });
        }
    }
    out.sort_by_key(|w| w.start);
    out
}

/// Whether delivery queue `q` sends to what `target` names.
fn queue_hits(e: &Engine<'_>, q: usize, target: &Target) -> bool {
    let sc = e.scenario();
    let key = e.queue_key(q);
    match target {
        Target::Node(n, sources) => {
            if !sources.is_empty() && !sources.contains(&key.node) {
                return false;
            }
            match key.target {
                QueueTarget::Node(t) => t == *n,
                QueueTarget::Mx(d) => {
                    let mx_hosts = sc.domains[d.index()].mx.iter().map(|m| m.host);
                    let changed = sc.faults.iter().flat_map(|f| match &f.kind {
                        FaultKind::MxChange { domain, mx } if *domain == d => mx.records.as_slice(),
                        _ => &[],
                    });
                    mx_hosts.chain(changed.map(|m| m.host)).any(|h| h == *n)
                }
                // A smart host by name: the node its connector sends to.
                QueueTarget::Host(_) => key
                    .connector
                    .is_some_and(|c| sc.connector(c).to == crate::model::ConnectorTarget::Node(*n)),
            }
        }
        Target::Domain(d) => matches!(
            key.target,
            QueueTarget::Mx(x) | QueueTarget::Host(x) if x.index() == *d
        ),
    }
}

/// The depth history of queue `q`: its connector's (exact) or its node's (shared: approximate).
fn track<'a>(e: &'a Engine<'_>, q: usize) -> (&'a QueueTrack, bool) {
    let key = e.queue_key(q);
    match key.connector {
        Some(c) => (&e.obs.connector_tracks[c.index()], false),
        None => (&e.obs.node_tracks[key.node.index()], true),
    }
}

/// The sample time at which the cumulative deferrals of queue `q`'s connector (or node) first
/// grew after `t`.
fn sampled_deferral_after(e: &Engine<'_>, q: usize, t: SimTime) -> Option<SimTime> {
    let key = e.queue_key(q);
    let entity = match key.connector {
        Some(c) => (e.scenario().nodes.len() + c.index()) as u32,
        None => key.node.index() as u32,
    };
    let mut before = None;
    for r in e.obs.series.rows.iter().filter(|r| r.entity == entity) {
        if r.time <= t {
            before = Some(r.deferred);
        } else if r.deferred > before.unwrap_or(0) {
            return Some(r.time);
        }
    }
    None
}

fn event(event: EventKind, at: Option<SimTime>, approximate: bool) -> TimelineEvent {
    TimelineEvent {
        event,
        at_s: at.map(SimTime::as_secs_f64),
        approximate: approximate && at.is_some(),
    }
}

/// What the queues of one incident did from `start` on.
struct Effects {
    queues: Vec<String>,
    deferrals: u64,
    first_deferral: Option<(SimTime, bool)>,
    last_deferral: Option<SimTime>,
    ndr: u64,
    first_ndr: Option<(SimTime, bool)>,
    last_ndr: Option<SimTime>,
    drained: Option<(SimTime, bool)>,
    peak: u64,
}

fn effects(
    e: &Engine<'_>,
    counters: &[(usize, &AlertCounter)],
    start: SimTime,
    drain_from: Option<SimTime>,
) -> Effects {
    let mut fx = Effects {
        queues: Vec::new(),
        deferrals: 0,
        first_deferral: None,
        last_deferral: None,
        ndr: 0,
        first_ndr: None,
        last_ndr: None,
        drained: None,
        peak: 0,
    };
    let min = |a: Option<(SimTime, bool)>, b: (SimTime, bool)| match a {
        Some(x) if x.0 <= b.0 => Some(x),
        _ => Some(b),
    };
    let mut queues: Vec<usize> = counters.iter().map(|(q, _)| *q).collect();
    queues.sort_unstable();
    queues.dedup();
    for &(q, c) in counters {
        fx.deferrals += c.count;
        fx.last_deferral = fx.last_deferral.max(Some(c.last));
        let first = if c.first >= start {
            Some((c.first, false))
        } else {
            sampled_deferral_after(e, q, start).map(|t| (t, true))
        };
        if let Some(f) = first {
            fx.first_deferral = min(fx.first_deferral, f);
        }
    }
    let mut drained_all = true;
    let mut drained: Option<(SimTime, bool)> = None;
    for &q in &queues {
        let label = super::queue_label(e, q);
        if !fx.queues.contains(&label) {
            fx.queues.push(label);
        }
        for &(first, last, n) in e.obs.queue_expiries.get(&(q as u32)).into_iter().flatten() {
            if last < start {
                continue;
            }
            fx.ndr += n;
            fx.first_ndr = min(fx.first_ndr, (first.max(start), first < start));
            fx.last_ndr = fx.last_ndr.max(Some(last));
        }
        let (t, shared) = track(e, q);
        let empty = drain_from.and_then(|from| t.empty_after(from));
        match empty {
            Some(at) if drained.is_none_or(|d| d.0 < at) => drained = Some((at, shared)),
            Some(_) => {}
            None => drained_all = false,
        }
    }
    fx.drained = if drained_all { drained } else { None };
    let until = fx
        .drained
        .map_or(SimTime::ZERO + e.scenario().duration, |d| d.0);
    fx.peak = queues
        .iter()
        .map(|&q| track(e, q).0.max_between(start, until))
        .max()
        .unwrap_or(0);
    fx
}

/// The alert counters of one (queue label, code) that no fault or certificate explains.
struct AlertGroup<'a> {
    label: String,
    code: String,
    counters: Vec<(usize, &'a AlertCounter)>,
}

/// The incidents of a finished run, in order of their start.
pub fn incidents(e: &Engine<'_>) -> Vec<Incident> {
    let sc = e.scenario();
    let horizon = SimTime::ZERO + sc.duration;
    let mut claimed: Vec<(u32, u16)> = Vec::new();
    let mut out = Vec::new();
    for w in windows(sc) {
        let counters: Vec<(usize, &AlertCounter)> = e
            .obs
            .alerts
            .iter()
            .filter(|((q, _), c)| {
                c.last >= w.start
                    && w.end.is_none_or(|end| c.first <= end)
                    && queue_hits(e, *q as usize, &w.target)
            })
            .map(|((q, code), c)| {
                claimed.push((*q, *code));
                (*q as usize, c)
            })
            .collect();
        let drain_from = match w.end {
            Some(end) => Some(end),
            None if counters.is_empty() => Some(w.start),
            None => None,
        };
        let fx = effects(e, &counters, w.start, drain_from);
        out.push(Incident {
            kind: w.kind,
            title: w.title,
            queues: fx.queues,
            deferrals: fx.deferrals,
            ndr: fx.ndr,
            peak_queued: fx.peak,
            events: vec![
                event(EventKind::Start, Some(w.start), false),
                event(
                    EventKind::FirstDeferral,
                    fx.first_deferral.map(|f| f.0),
                    fx.first_deferral.is_some_and(|f| f.1),
                ),
                event(
                    EventKind::FirstNdr,
                    fx.first_ndr.map(|f| f.0),
                    fx.first_ndr.is_some_and(|f| f.1),
                ),
                event(EventKind::Cleared, w.end, false),
                event(
                    EventKind::QueueDrained,
                    fx.drained.map(|d| d.0),
                    fx.drained.is_some_and(|d| d.1),
                ),
                event(EventKind::LastNdr, fx.last_ndr, false),
            ],
        });
    }
    // Alerts that no fault or certificate explains, one incident per (queue label, code).
    let mut groups: Vec<AlertGroup<'_>> = Vec::new();
    for (&(q, code), c) in &e.obs.alerts {
        if claimed.contains(&(q, code))
            || (c.peak_queued < sc.alerts.queued && c.oldest_age <= sc.alerts.queued_over.0)
        {
            continue;
        }
        let label = super::queue_label(e, q as usize);
        let key = codes::key(e.code_text(code)).to_string();
        match groups
            .iter_mut()
            .find(|g| g.label == label && g.code == key)
        {
            Some(g) => g.counters.push((q as usize, c)),
            None => groups.push(AlertGroup {
                label,
                code: key,
                counters: vec![(q as usize, c)],
            }),
        }
    }
    for AlertGroup {
        label,
        code,
        counters,
    } in groups
    {
        let start = counters.iter().map(|c| c.1.first).min().unwrap_or(horizon);
        let last = counters.iter().map(|c| c.1.last).max().unwrap_or(start);
        let fx = effects(e, &counters, start, Some(last));
        out.push(Incident {
            kind: IncidentKind::Alert,
            title: format!("{label} · {code}"),
            queues: fx.queues,
            deferrals: fx.deferrals,
            ndr: fx.ndr,
            peak_queued: fx.peak,
            events: vec![
                event(EventKind::Start, Some(start), false),
                event(EventKind::FirstDeferral, Some(start), false),
                event(
                    EventKind::FirstNdr,
                    fx.first_ndr.map(|f| f.0),
                    fx.first_ndr.is_some_and(|f| f.1),
                ),
                event(EventKind::LastDeferral, Some(last), false),
                event(
                    EventKind::QueueDrained,
                    fx.drained.map(|d| d.0),
                    fx.drained.is_some_and(|d| d.1),
                ),
                event(EventKind::LastNdr, fx.last_ndr, false),
            ],
        });
    }
    // Timed changes: made, landed, and what became of the messages waiting when made.
    for (c, o) in sc.changes.iter().zip(e.change_outcomes()) {
        out.push(Incident {
            kind: IncidentKind::Change,
            title: format!("{} {}", c.kind.as_str(), c.label),
            queues: Vec::new(),
            deferrals: 0,
            ndr: o.ndr_at_once + o.ndr_later,
            peak_queued: o.queued,
            events: vec![
                event(EventKind::Start, Some(c.at), false),
                event(EventKind::Landed, o.landed, false),
            ],
        });
    }
    out.sort_by(|a, b| {
        let at = |i: &Incident| i.at(EventKind::Start).unwrap_or(f64::INFINITY);
        at(a).total_cmp(&at(b))
    });
    out
}
