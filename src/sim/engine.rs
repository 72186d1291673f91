//! The engine: state of every node, queue and message, and the loop that runs events.
//!
//! The loop is the SimPy core: pop the earliest `(time, seq)` event, advance `now`, dispatch to
//! one small handler per event kind. Domain behaviour lives in the handlers (`sim::hop` for
//! nodes, `sim::session` for delivery queues).

use std::collections::VecDeque;

use super::calendar::Calendar;
use super::codes::{self, Style};
use super::dns::Dns;
use super::event::{Event, EventQueue};
use super::faults::FaultState;
use super::inbound::NodeInbound;
use super::message::Slab;
use super::queue::{Conns, QueueState};
use rand::Rng;

use super::rng::{self, SimRng};
use super::routing::{QueueKey, RouteTable};
use crate::model::retry::Machinery;
use crate::model::{FaultKind, NodeId, Scenario, Warmup, Workers};
use crate::sim::observer::{Observer, SampleRow};
use crate::time::{SimDuration, SimTime};

/// Run state of a node.
#[derive(Debug)]
pub(crate) struct NodeState {
    /// Most messages in service at once (`u32::MAX` for unlimited).
    pub limit: u32,
    /// Messages in service now.
    pub busy: u32,
    /// Messages waiting for a worker, in arrival order.
    pub waiting: VecDeque<u32>,
    /// Code index of its loop NDR.
    pub loop_code: u16,
    /// Code index of its unknown-recipient NDR.
    pub unknown_code: u16,
    /// Sender-domain rewrite, by domain index (`u16::MAX`: unchanged).
    pub rewrite: Vec<u16>,
    /// Its first sender (see [`SenderState`]).
    pub first_sender: u32,
    /// How many independent senders it stands for (1, or the internet's cohorts).
    pub senders: u32,
    /// Its queues with an id below this existed at its last re-routing: a queue created later
    /// with such an id starts `stale`, as it would have been marked then.
    pub stale_below: u32,
}

/// One independent sending MTA: a node, or one cohort of the internet's senders, with its own
/// retry policy, wording, deferred messages and resolver.
#[derive(Debug)]
pub(crate) struct SenderState {
    /// Its retry policy.
    pub policy: crate::model::RetryPolicy,
    /// The wording its deferrals are recorded in.
    pub style: Style,
    /// Its deferred messages, waiting for their next attempt.
    pub calendar: Calendar,
    /// Code index of its expiry NDR.
    pub expiry_code: u16,
    /// Most messages one of its connections carries.
    pub max_messages_per_connection: u32,
    /// How long it reuses a connection (Postfix `smtp_connection_reuse_time_limit`).
    pub reuse_time: Option<SimDuration>,
}

/// [`Engine::queue_slot`] of a queue not created yet.
pub(crate) const NO_QUEUE: u32 = u32::MAX;

/// The grid on which messages retried alone under a destination-level policy are released.
pub(crate) const MESSAGE_RETRY_GRID: SimDuration = SimDuration::from_mins(1);

/// Run state of a connector shared by its queues.
#[derive(Debug, Default)]
pub(crate) struct ConnectorState {
    /// Sessions open across its queues.
    pub active: u32,
    /// `max_connections` (`u32::MAX`: none).
    pub limit: u32,
    /// Its queues, to wake when a session frees up.
    pub queues: Vec<u32>,
}

/// Run state of a traffic stream.
#[derive(Debug)]
pub(crate) struct StreamState {
    /// Last moment it may generate.
    pub stop_at: SimTime,
    /// Cumulative recipient-domain weights.
    pub to_cum: Vec<(f64, u16)>,
    /// The profile segment last looked up: from when it is known to hold, its end, and the
    /// stream's rate in it (per second), so consecutive arrivals skip the day-offset division
    /// and the segment search.
    pub segment: (SimTime, SimTime, f64),
    /// A replayed stream's next arrival (index into its arrivals).
    pub replay_next: usize,
}

/// Random streams by purpose and entity.
#[derive(Debug)]
pub(crate) struct Rngs {
    pub arrivals: Vec<SimRng>,
    pub attributes: Vec<SimRng>,
    pub service: Vec<SimRng>,
    pub spam: Vec<SimRng>,
    pub mx: Vec<SimRng>,
    pub drops: Vec<SimRng>,
    pub latency: Vec<SimRng>,
    pub direct_latency: SimRng,
    pub ndr: SimRng,
    pub dsn: SimRng,
    pub changes: SimRng,
}

impl Rngs {
    fn new(sc: &Scenario, seed: u64) -> Rngs {
        let per = |purpose: &str, names: &mut dyn Iterator<Item = &String>| -> Vec<SimRng> {
            names.map(|n| rng::stream(seed, purpose, n)).collect()
        };
        Rngs {
            arrivals: per("arrivals", &mut sc.traffic.iter().map(|t| &t.name)),
            attributes: per("attributes", &mut sc.traffic.iter().map(|t| &t.name)),
            service: per("service", &mut sc.nodes.iter().map(|n| &n.name)),
            spam: per("spam", &mut sc.nodes.iter().map(|n| &n.name)),
            mx: per("mx", &mut sc.nodes.iter().map(|n| &n.name)),
            drops: per("drops", &mut sc.nodes.iter().map(|n| &n.name)),
            latency: per("latency", &mut sc.connectors.iter().map(|c| &c.name)),
            direct_latency: rng::stream(seed, "latency", ""),
            ndr: rng::stream(seed, "ndr", ""),
            dsn: rng::stream(seed, "delay-dsn", ""),
            changes: rng::stream(seed, "changes", ""),
        }
    }
}

/// One thing that happened to a message, kept only when the log is enabled.
#[derive(Clone, Debug, PartialEq)]
pub enum LogEntry {
    /// A session of a delivery queue ended.
    Attempt {
        /// When it ended.
        time: SimTime,
        /// Sending node.
        from: NodeId,
        /// Connector used, if any.
        connector: Option<crate::model::ConnectorId>,
        /// Node that took the message (`None` when it failed).
        to: Option<NodeId>,
        /// The failure code, when it failed.
        code: Option<String>,
    },
    /// A message of the generated traffic was delivered.
    Delivered {
        /// When.
        time: SimTime,
        /// Where.
        node: NodeId,
        /// When it was created.
        created: SimTime,
    },
    /// A message of the generated traffic was returned as an NDR.
    Ndr {
        /// When.
        time: SimTime,
        /// Node that generated the NDR.
        node: NodeId,
        /// The code.
        code: String,
        /// When the message was created.
        created: SimTime,
    },
}

/// A simulation of one scenario with one seed.
pub struct Engine<'s> {
    pub(crate) sc: &'s Scenario,
    /// The configuration in force: the scenario until a timed change lands, then a copy with
    /// the changes applied (what routing and the receivers' checks read).
    pub(crate) live: std::borrow::Cow<'s, Scenario>,
    pub(crate) seed: u64,
    pub(crate) now: SimTime,
    pub(crate) horizon: SimTime,
    pub(crate) warmup_end: SimTime,
    pub(crate) events: EventQueue,
    pub(crate) msgs: Slab,
    /// The routing table: the one the configuration checks left with the scenario, until a
    /// timed change rebuilds it.
    pub(crate) routes: std::borrow::Cow<'s, RouteTable>,
    pub(crate) dns: Dns,
    pub(crate) faults: FaultState,
    pub(crate) nodes: Vec<NodeState>,
    /// The delivery queues created so far, in creation order (`q` in the engine's code). A
    /// queue is created when a message first goes to it: a large topology routes to few of
    /// the destinations its configuration allows.
    pub(crate) queues: Vec<QueueState>,
    /// For every queue id: its index in `queues`, or [`NO_QUEUE`] until it is created. Ids
    /// number every destination's queues in routing order, as if all existed from the start:
    /// what the alerts and reports key on, and the order walks over queues keep.
    pub(crate) queue_slot: Vec<u32>,
    /// Every destination given ids, in id order: its key and first id.
    pub(crate) reserved: Vec<(QueueKey, u32)>,
    /// The first queue id of each routing destination (`RouteTable::queues` index); the
    /// destination's queue for sender cohort `k` of its node has id `queue_base[b] + k`.
    pub(crate) queue_base: Vec<u32>,
    /// The first queue id of every destination ever routed to, by key (queue ids stay stable
    /// when a change rebuilds the routing table); built at the first rebuild.
    pub(crate) queue_index: Option<rustc_hash::FxHashMap<QueueKey, u32>>,
    /// Every independent sender.
    pub(crate) senders: Vec<SenderState>,
    /// The sessions in progress.
    pub(crate) conns: Conns,
    /// Recipient groups of the copies whose recipients are at several locations.
    pub(crate) groups: std::collections::BTreeMap<u32, super::recipients::Groups>,
    /// The receive side of each node.
    pub(crate) inbound: Vec<NodeInbound>,
    pub(crate) connectors: Vec<ConnectorState>,
    pub(crate) streams: Vec<StreamState>,
    pub(crate) rng: Rngs,
    /// Code texts by index (fixed codes first, then expiry codes of the policies).
    pub(crate) codes: Vec<String>,
    /// MX answer version each `mx_change` fault switches to, and the one it replaced.
    pub(crate) mx_versions: Vec<(u32, u32)>,
    /// MX answer version each `mx` change switches to.
    pub(crate) change_versions: Vec<u32>,
    /// What became of the messages waiting when each change landed.
    pub(crate) change_outcomes: Vec<super::changes::ChangeOutcome>,
    /// Followed messages (flag `MARKED`) → the change that marked them.
    pub(crate) marked: std::collections::BTreeMap<u32, u16>,
    /// The change whose re-evaluation is running (its NDRs are "at once").
    pub(crate) rerouting: Option<u16>,
    /// Everything recorded.
    pub obs: Observer,
    /// What happened to each message, when enabled with [`Engine::enable_log`] (tests, traces).
    pub(crate) log: Option<Vec<LogEntry>>,
    /// Events handled so far.
    pub events_handled: u64,
}

impl<'s> Engine<'s> {
    /// Prepares a run of `sc` with master seed `seed`: routes precomputed, first arrivals,
    /// samples and fault edges scheduled.
    pub fn new(sc: &'s Scenario, seed: u64) -> Engine<'s> {
        let routes = RouteTable::of(sc);
        let mut codes: Vec<String> = codes::fixed_codes().iter().map(|c| c.to_string()).collect();
        let mut code_of = |text: &str| -> u16 {
            match codes.iter().position(|c| c == text) {
                Some(i) => i as u16,
                None => {
                    codes.push(text.to_string());
                    (codes.len() - 1) as u16
                }
            }
        };
        let domain_names: Vec<&str> = sc.domains.iter().map(|d| d.name.as_str()).collect();
        let mut senders: Vec<SenderState> = Vec::new();
        let mut nodes: Vec<NodeState> = Vec::with_capacity(sc.nodes.len());
        for n in &sc.nodes {
            let exo = n.kind == crate::model::NodeKind::ExchangeOnline;
            let first_sender = senders.len() as u32;
            for (k, policy) in n.senders.iter().enumerate() {
                let entity = if n.senders.len() == 1 {
                    n.name.clone()
                } else {
                    format!("{}#{k}", n.name)
                };
                let calendar = match &policy.machinery {
                    // Postfix's scans run at an arbitrary phase (sources §3.1): seeded per
                    // sender, so the internet's Postfix cohorts do not scan in lockstep.
                    Machinery::Postfix(p) => {
                        let grid = p.queue_run_delay.0.max(1);
                        let phase = rng::stream(seed, "scan-phase", &entity).next_u64() % grid;
                        Calendar::new(grid, phase)
                    }
                    // Messages retried alone are released on a one-minute grid: Exchange's
                    // timer granularity is not documented; this is the model's assumption.
                    Machinery::Queue(_) => Calendar::new(MESSAGE_RETRY_GRID.0, 0),
                };
                let style = match n.kind {
                    // A cohort of the internet writes the wording of the MTA its preset names.
                    crate::model::NodeKind::Internet => match policy.name.as_str() {
                        "exchange_online" => Style::ExchangeOnline,
                        "exchange_server" => Style::ExchangeServer,
                        _ => Style::Mta,
                    },
                    kind => Style::of(kind),
                };
                // Postfix reuses a cached connection for 300 s (`smtp_connection_reuse_time_limit`,
                // `postconf -d` of Postfix 3.7.11); other senders by message count only.
                let reuse_time = matches!(policy.machinery, Machinery::Postfix(_))
                    .then_some(SimDuration::from_secs(300));
                let per_conn = if n.kind == crate::model::NodeKind::Internet {
                    match policy.name.as_str() {
                        "exchange_online" | "exchange_server" => 20,
                        _ => n.max_messages_per_connection,
                    }
                } else {
                    n.max_messages_per_connection
                };
                senders.push(SenderState {
                    policy: policy.clone(),
                    style,
                    calendar,
                    expiry_code: code_of(&policy.expiry_code),
                    max_messages_per_connection: per_conn.max(1),
                    reuse_time,
                });
            }
            nodes.push(NodeState {
                limit: match n.workers {
                    Workers::Limited(k) => k,
                    Workers::Unlimited => u32::MAX,
                },
                busy: 0,
                waiting: VecDeque::new(),
                loop_code: if exo {
                    super::delivery::C_LOOP_EXO
                } else {
                    super::delivery::C_LOOP
                },
                unknown_code: if exo {
                    super::delivery::C_UNKNOWN_EXO
                } else {
                    super::delivery::C_UNKNOWN
                },
                rewrite: domain_names
                    .iter()
                    .map(|d| {
                        n.rewrite_sender
                            .iter()
                            .find(|(p, _)| p.matches(d))
                            .map_or(u16::MAX, |(_, to)| to.0 as u16)
                    })
                    .collect(),
                first_sender,
                senders: (senders.len() as u32 - first_sender).max(1),
                stale_below: 0,
            });
        }
        let connectors: Vec<ConnectorState> = sc
            .connectors
            .iter()
            .map(|c| ConnectorState {
                active: 0,
                limit: c.max_connections.unwrap_or(u32::MAX),
                queues: vec![],
            })
            .collect();
        let horizon = SimTime(0) + sc.duration;
        let warmup_end = match sc.warmup {
            Warmup::Fixed(d) => SimTime(0) + d,
            Warmup::Auto => SimTime(0),
        };
        let streams = sc
            .traffic
            .iter()
            .map(|t| {
                let mut acc = 0.0;
                StreamState {
                    stop_at: SimTime(horizon.0.saturating_sub(t.stop.0)),
                    to_cum: t
                        .to
                        .iter()
                        .map(|(d, w)| {
                            acc += w;
                            (acc, d.0 as u16)
                        })
                        .collect(),
                    segment: (SimTime::ZERO, SimTime::ZERO, 0.0),
                    replay_next: 0,
                }
            })
            .collect();
        let mut dns = Dns::new(sc, senders.len(), seed);
        let mx_versions = sc
            .faults
            .iter()
            .map(|f| match &f.kind {
                FaultKind::MxChange { domain, mx } => {
                    (dns.add_answer(domain.index(), mx.clone()), 0)
                }
                _ => (0, 0),
            })
            .collect();
        let change_versions = sc
            .changes
            .iter()
            .map(|c| match &c.kind {
                crate::model::ChangeKind::Mx { domain, answer } => {
                    dns.add_answer(domain.index(), answer.clone())
                }
                _ => 0,
            })
            .collect();
        let inbound = sc
            .nodes
            .iter()
            .zip(&nodes)
            .map(|(n, ns)| {
                NodeInbound::new(
                    ns.limit,
                    senders.len(),
                    n.inbound.max_connections_per_source.is_some(),
                )
            })
            .collect();
        let mut e = Engine {
            sc,
            live: std::borrow::Cow::Borrowed(sc),
            seed,
            now: SimTime::ZERO,
            horizon,
            warmup_end,
            events: EventQueue::new(),
            msgs: Slab::default(),
            routes,
            dns,
            faults: FaultState::new(sc),
            nodes,
            queues: Vec::new(),
            queue_slot: Vec::new(),
            reserved: Vec::new(),
            queue_base: Vec::new(),
            queue_index: None,
            inbound,
            senders,
            conns: Conns::default(),
            groups: std::collections::BTreeMap::new(),
            connectors,
            streams,
            rng: Rngs::new(sc, seed),
            codes,
            mx_versions,
            change_versions,
            change_outcomes: vec![Default::default(); sc.changes.len()],
            marked: std::collections::BTreeMap::new(),
            rerouting: None,
            obs: Observer::new(
                sc.nodes.len(),
                sc.connectors.len(),
                sc.traffic.len(),
                &sc.delay_thresholds,
            ),
            log: None,
            events_handled: 0,
        };
        // One queue id per routing destination and sender: the internet's cohorts each keep
        // their own queue (and retry state) for every destination.
        let keys = e.routes.queues.clone();
        let total: usize = keys
            .iter()
            .map(|k| e.nodes[k.node.index()].senders as usize)
            .sum();
        e.queue_slot.reserve_exact(total);
        e.reserved.reserve_exact(keys.len());
        e.queue_base = keys.iter().map(|k| e.reserve_queues(*k)).collect();
        e.schedule_changes();
        for s in 0..sc.traffic.len() {
            if let Some(t) = e.next_arrival(s, SimTime::ZERO) {
                e.events.schedule(t, Event::Arrival { stream: s as u32 });
            }
        }
        for (i, f) in sc.faults.iter().enumerate() {
            e.events.schedule(
                f.at,
                Event::FaultEdge {
                    fault: i as u32,
                    start: true,
                },
            );
            if let Some(u) = f.until {
                e.events.schedule(
                    u,
                    Event::FaultEdge {
                        fault: i as u32,
                        start: false,
                    },
                );
            }
        }
        if warmup_end > SimTime::ZERO {
            e.events.schedule(warmup_end, Event::WarmupEnd);
        }
        e.events.schedule(SimTime::ZERO, Event::Sample);
        e
    }

    /// Simulated now.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The end of the run.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &'s Scenario {
        self.sc
    }

    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Messages in flight now (generated traffic and NDRs).
    pub fn live_messages(&self) -> usize {
        self.msgs.live()
    }

    /// Recipients of the counted traffic still in flight (NDRs and notices aside).
    pub fn recipients_in_flight(&self) -> u64 {
        use super::message::{COUNTED, IS_NDR};
        self.msgs
            .iter_live()
            .filter(|m| m.has(COUNTED) && !m.has(IS_NDR))
            .map(|m| u64::from(m.rcpts))
            .sum()
    }

    /// Most messages in flight at once.
    pub fn peak_in_flight(&self) -> usize {
        self.msgs.peak()
    }

    /// Message slots allocated (a memory measure: 40 bytes each).
    pub fn message_capacity(&self) -> usize {
        self.msgs.capacity()
    }

    /// Events waiting in the future-event list.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// Bytes allocated for per-message state: message slots and their free list, the nodes'
    /// and delivery queues' ids, and the future-event list (capacities: what the allocator
    /// holds, which never shrinks during a run). Divided by [`Engine::peak_in_flight`] it gives
    /// the memory cost of a message in flight.
    pub fn message_state_bytes(&self) -> usize {
        let ids = |q: &VecDeque<u32>| q.capacity() * std::mem::size_of::<u32>();
        self.msgs.allocated_bytes()
            + self.nodes.iter().map(|n| ids(&n.waiting)).sum::<usize>()
            + self
                .senders
                .iter()
                .map(|s| s.calendar.allocated_bytes())
                .sum::<usize>()
            + self.queues.iter().map(|q| ids(&q.msgs)).sum::<usize>()
            + self.events.allocated_bytes()
    }

    /// The text of code index `i`.
    pub fn code_text(&self, i: u16) -> &str {
        &self.codes[i as usize]
    }

    /// Runs every event up to and including `until` (capped at the horizon).
    pub fn run_until(&mut self, until: SimTime) {
        let until = until.min(self.horizon);
        while let Some((t, ev)) = self.events.pop_through(until) {
            debug_assert!(t >= self.now, "time went backwards");
            self.now = t;
            self.events_handled += 1;
            self.dispatch(ev);
        }
        self.now = self.now.max(until);
    }

    /// Runs to the horizon and closes the time integrals.
    pub fn run(&mut self) {
        self.run_until(self.horizon);
        self.obs.close(self.horizon, self.msgs.iter_live());
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Arrival { stream } => self.on_arrival(stream as usize),
            Event::ServiceDone { node, msg } => self.on_service_done(node as usize, msg),
            Event::SessionDone { conn, msg, outcome } => self.on_session_done(conn, msg, outcome),
            Event::RetryDue { queue, generation } => self.on_retry_due(queue as usize, generation),
            Event::Unthrottle { queue, generation } => {
                self.on_unthrottle(queue as usize, generation)
            }
            Event::ExpiryDue { queue } => self.on_expiry_due(queue as usize),
            Event::Scan { sender } => self.on_scan(sender as usize),
            Event::FaultEdge { fault, start } => self.on_fault_edge(fault as usize, start),
            Event::Sample => self.on_sample(),
            Event::WarmupEnd => self.obs.restart_averages(self.now),
            Event::Change { change, lands } => {
                if lands {
                    self.on_change(change as usize)
                } else {
                    self.mark_waiting(change as usize)
                }
            }
        }
    }

    /// Gives destination `key`, which has none yet, its queue ids, one per sender of its
    /// node; returns the first. The queues are created when first used ([`Engine::queue`]).
    pub(crate) fn reserve_queues(&mut self, key: QueueKey) -> u32 {
        let base = self.queue_slot.len() as u32;
        let n = self.nodes[key.node.index()].senders as usize;
        self.queue_slot.resize(self.queue_slot.len() + n, NO_QUEUE);
        self.reserved.push((key, base));
        if let Some(index) = &mut self.queue_index {
            index.insert(key, base);
        }
        base
    }

    /// The queue of sender cohort `k` of routing destination `b`, created fresh and open if
    /// it does not exist yet.
    #[inline]
    pub(crate) fn queue(&mut self, b: usize, k: u32) -> usize {
        let id = self.queue_base[b] + k;
        match self.queue_slot[id as usize] {
            NO_QUEUE => self.create_queue(self.routes.queues[b], id, k),
            q => q as usize,
        }
    }

    #[cold]
    fn create_queue(&mut self, key: QueueKey, id: u32, k: u32) -> usize {
        let ns = &self.nodes[key.node.index()];
        let s = ns.first_sender + k;
        let limit = self
            .sc
            .node(key.node)
            .max_connections_per_destination
            .max(1);
        let window = match &self.senders[s as usize].policy.machinery {
            Machinery::Postfix(p) => f64::from(p.initial_destination_concurrency),
            Machinery::Queue(_) => f64::from(limit),
        };
        let mut state = QueueState::new(key, s, limit, window, id);
        state.stale = id < ns.stale_below;
        let q = self.queues.len();
        self.queues.push(state);
        self.queue_slot[id as usize] = q as u32;
        if let Some(c) = key.connector {
            // In id order, the order its freed session slots are offered in.
            let queues = &self.queues;
            let list = &mut self.connectors[c.index()].queues;
            let at = list.partition_point(|&x| queues[x as usize].id < id);
            list.insert(at, q as u32);
        }
        q
    }

    fn on_fault_edge(&mut self, i: usize, start: bool) {
        let f = &self.sc.faults[i];
        match &f.kind {
            FaultKind::DnsFailure { domain } => self.dns.set_failing(domain.index(), start),
            FaultKind::MxChange { domain, .. } => {
                let (version, _) = self.mx_versions[i];
                if start {
                    let old = self.dns.set_current(domain.index(), version);
                    self.mx_versions[i].1 = old;
                } else {
                    let old = self.mx_versions[i].1;
                    self.dns.set_current(domain.index(), old);
                }
            }
            kind => self.faults.apply(i as u32, kind, start),
        }
    }

    fn on_sample(&mut self) {
        self.count_delayed();
        let t = self.now;
        let nodes = self.sc.nodes.len();
        for (i, n) in self.obs.nodes.iter().enumerate() {
            self.obs.series.rows.push(SampleRow {
                time: t,
                entity: i as u32,
                queued: n.queued,
                in_service: n.busy + n.sending,
                delivered: n.ts_delivered,
                deferred: n.deferrals,
                ndr: n.ts_ndr,
            });
        }
        for (i, c) in self.obs.connectors.iter().enumerate() {
            self.obs.series.rows.push(SampleRow {
                time: t,
                entity: (nodes + i) as u32,
                queued: c.queued,
                in_service: c.active,
                delivered: c.delivered,
                deferred: c.deferrals_by_code.values().sum(),
                ndr: c.ndr,
            });
        }
        let next = t + self.sc.sample_every.max(SimDuration(1));
        if next <= self.horizon {
            self.events.schedule(next, Event::Sample);
        }
    }
}

impl Engine<'_> {
    /// The identity of the delivery queue with id `id` (the ids alerts are keyed by), created
    /// or not.
    pub fn queue_key(&self, id: usize) -> QueueKey {
        let r = self
            .reserved
            .partition_point(|&(_, base)| base as usize <= id);
        self.reserved[r - 1].0
    }
    /// Number of delivery queue ids: one per routing destination and sender.
    pub fn queue_count(&self) -> usize {
        self.queue_slot.len()
    }
    /// Number of delivery queues created: those a message went to.
    pub fn queues_created(&self) -> usize {
        self.queues.len()
    }
    /// What each timed change (in file order) did to the messages waiting when it was made.
    pub fn change_outcomes(&self) -> &[super::changes::ChangeOutcome] {
        &self.change_outcomes
    }
}

impl Engine<'_> {
    /// Starts keeping a [`LogEntry`] for every attempt, delivery and NDR (memory grows with the
    /// messages: for tests and short traces only).
    pub fn enable_log(&mut self) {
        self.log = Some(Vec::new());
    }

    /// The log kept since [`Engine::enable_log`].
    pub fn log(&self) -> &[LogEntry] {
        self.log.as_deref().unwrap_or(&[])
    }

    /// Runs to `at` and submits one extra message of traffic stream `stream` there (for tests
    /// and experiments that need a message at a known time).
    pub fn inject(&mut self, stream: usize, at: SimTime) {
        self.run_until(at);
        self.now = at;
        self.create_message(stream, None);
    }
}
