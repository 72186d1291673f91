//! Timed configuration changes at work: each lands at its system after a propagation delay
//! drawn per change, alters the live configuration, and — when it alters routing — the node
//! re-evaluates the messages it holds queued, as Exchange resubmits its queues after a
//! configuration change (sources §1.2: "Fix now" takes 30 minutes to an hour to apply).
//!
//! Messages waiting in a delivery queue anywhere when a change is made are followed to their
//! outcome, so a report can say what the change did to the backlog: delivered, returned at
//! once when it landed, returned otherwise (expired before it landed, or later), or still
//! waiting.

use super::engine::{Engine, NO_QUEUE};
use super::event::Event;
use super::message::{COUNTED, IS_NDR, MARKED, MULTI};
use super::routing::{Decision, RouteTable};
use crate::model::{ChangeKind, Scenario};
use crate::time::{SimDuration, SimTime};

/// Applies the configuration part of a change to `sc` (MX changes are DNS's and ignored).
pub fn apply(sc: &mut Scenario, kind: &ChangeKind) {
    match kind {
        ChangeKind::AcceptedDomain { node, domain, kind } => {
            let list = &mut sc.nodes[node.index()].accepted_domains;
            list.retain(|(d, _)| d != domain);
            if let Some(k) = kind {
                list.push((*domain, *k));
            }
        }
        ChangeKind::Connector {
            connector,
            enabled,
            to,
        } => {
            let c = &mut sc.connectors[connector.index()];
            if let Some(e) = enabled {
                c.enabled = *e;
            }
            if let Some(t) = to {
                c.to = *t;
                // The connector now names its new smart host directly.
                c.smart_host = None;
            }
        }
        ChangeKind::Firewall { node, allow } => {
            sc.nodes[node.index()].firewall_allow = allow.clone();
        }
        ChangeKind::Certificate { node, certificate } => {
            sc.nodes[node.index()].certificate = Some(certificate.clone());
        }
        ChangeKind::Rule { rule, enabled } => sc.rules[rule.index()].enabled = *enabled,
        ChangeKind::Mx { .. } => {}
    }
}

/// The configuration in force at `t` for a reader who only wants what has surely landed:
/// every change whose longest propagation has passed.
pub fn landed_by(sc: &Scenario, t: SimTime) -> Option<Scenario> {
    let due: Vec<_> = sc
        .changes
        .iter()
        .filter(|c| c.at + c.propagation.1 <= t)
        .collect();
    if due.is_empty() {
        return None;
    }
    let mut live = sc.clone();
    for c in due {
        apply(&mut live, &c.kind);
    }
    Some(live)
}

/// What became of the messages that were waiting when a change landed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeOutcome {
    /// When it landed (`None`: not within the run).
    pub landed: Option<SimTime>,
    /// Messages waiting in delivery queues when it was made (counted traffic).
    pub queued: u64,
    /// Of those, delivered afterwards.
    pub delivered: u64,
    /// Returned when the change landed (within 10 minutes, not by expiry): their route became a
    /// rejection.
    pub ndr_at_once: u64,
    /// Returned otherwise (expired, or another permanent failure), before or after it landed.
    pub ndr_later: u64,
    /// Quarantined afterwards.
    pub quarantined: u64,
}

impl ChangeOutcome {
    /// Of those waiting, how many were still in flight at the end.
    pub fn in_flight(&self) -> u64 {
        self.queued
            .saturating_sub(self.delivered + self.ndr_at_once + self.ndr_later + self.quarantined)
    }
}

/// How a followed message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Delivered,
    /// Returned, with this code.
    Ndr(u16),
    Quarantined,
}

/// How soon after a change lands a returned message counts as returned "at once".
const AT_ONCE_WINDOW: SimDuration = SimDuration(10 * 60 * 1_000_000);

impl Engine<'_> {
    /// Schedules every change's landing, its delay drawn uniformly in its propagation range.
    pub(crate) fn schedule_changes(&mut self) {
        for (i, c) in self.sc.changes.iter().enumerate() {
            let (lo, hi) = c.propagation;
            let span = hi.0.saturating_sub(lo.0);
            let delay = if span == 0 {
                lo
            } else {
                SimDuration(lo.0 + (super::rng::unit(&mut self.rng.changes) * span as f64) as u64)
            };
            self.events.schedule(
                c.at,
                Event::Change {
                    change: i as u32,
                    lands: false,
                },
            );
            self.events.schedule(
                c.at + delay,
                Event::Change {
                    change: i as u32,
                    lands: true,
                },
            );
        }
    }

    /// A change lands: the live configuration changes, and a routing change re-evaluates what
    /// its node holds queued.
    pub(crate) fn on_change(&mut self, i: usize) {
        let change = &self.sc.changes[i];
        self.change_outcomes[i].landed = Some(self.now);
        match &change.kind {
            ChangeKind::Mx { domain, .. } => {
                let version = self.change_versions[i];
                self.dns.set_current(domain.index(), version);
            }
            kind => {
                apply(self.live.to_mut(), kind);
                if kind.reroutes() {
                    self.rebuild_routes();
                    let node = match kind {
                        ChangeKind::AcceptedDomain { node, .. } => *node,
                        ChangeKind::Connector { connector, .. } => {
                            self.sc.connector(*connector).from
                        }
                        ChangeKind::Rule { rule, .. } => self.sc.rules[rule.index()].at,
                        _ => unreachable!("only routing changes reroute"),
                    };
                    self.reroute(node.index(), i);
                }
            }
        }
    }

    /// A change is made: every counted message waiting in a delivery queue (or deferred) now
    /// is followed to its outcome.
    pub(crate) fn mark_waiting(&mut self, change: usize) {
        let mut ids: Vec<u32> = Vec::new();
        for &q in self.queue_slot.iter().filter(|&&q| q != NO_QUEUE) {
            ids.extend(self.queues[q as usize].msgs.iter().copied());
        }
        for s in &self.senders {
            ids.extend(s.calendar.iter().map(|(_, m)| m));
        }
        for id in ids {
            let m = self.msgs.get_mut(id);
            if m.has(COUNTED) && !m.has(IS_NDR) && !m.has(MARKED) {
                m.flags |= MARKED;
                self.marked.insert(id, change as u16);
                self.change_outcomes[change].queued += 1;
            }
        }
    }

    /// Records how a followed message ended (called as its slot is freed).
    pub(crate) fn followed_ends(&mut self, id: u32, fate: Fate) {
        let Some(c) = self.marked.remove(&id) else {
            return;
        };
        let o = &mut self.change_outcomes[c as usize];
        match fate {
            Fate::Delivered => o.delivered += 1,
            Fate::Quarantined => o.quarantined += 1,
            Fate::Ndr(code) => {
                // At once: while the change is applied, or within a few minutes of it (a
                // re-routed message may take a hop or two, or loop, before it is returned),
                // and not by expiry.
                let soon = o
                    .landed
                    .is_some_and(|t| self.now.since(t) <= AT_ONCE_WINDOW);
                let expired = self.senders.iter().any(|s| s.expiry_code == code);
                if self.rerouting == Some(c) || (soon && !expired) {
                    o.ndr_at_once += 1;
                } else {
                    o.ndr_later += 1;
                }
            }
        }
    }

    /// Rebuilds the routing table from the live configuration, keeping every existing queue's
    /// id (a destination that no longer appears keeps its queue and what is in it).
    fn rebuild_routes(&mut self) {
        let table = RouteTable::build(&self.live);
        // The first queue of every destination met so far: indexed at the first change (the
        // first routing table's destinations are distinct, so the run starts without it).
        if self.queue_index.is_none() {
            let mut index = rustc_hash::FxHashMap::default();
            for &(key, base) in &self.reserved {
                index.entry(key).or_insert(base);
            }
            self.queue_index = Some(index);
        }
        let mut base = Vec::with_capacity(table.queues.len());
        for key in &table.queues {
            let known = self
                .queue_index
                .as_ref()
                .and_then(|ix| ix.get(key))
                .copied();
            let b = match known {
                Some(b) => b,
                None => self.reserve_queues(*key),
            };
            base.push(b);
        }
        self.queue_base = base;
        self.routes = std::borrow::Cow::Owned(table);
    }

    /// Re-evaluates the messages queued at `node`: a message whose route changed leaves its
    /// queue and is routed again (delivered, returned, or queued elsewhere); messages deferred
    /// in the node's calendars are re-routed when their retry comes.
    fn reroute(&mut self, node: usize, change: usize) {
        self.rerouting = Some(change as u16);
        // In id order; a queue created meanwhile (a message re-routed to it) is visited when
        // its id comes, and one created later starts stale.
        self.nodes[node].stale_below = self.queue_slot.len() as u32;
        let senders = self.nodes[node].senders;
        for r in 0..self.reserved.len() {
            let (key, base) = self.reserved[r];
            if key.node.index() != node {
                continue;
            }
            for id in base..base + senders {
                // Read at its turn: the queue may have been created by an earlier move.
                let q = self.queue_slot[id as usize];
                if q != NO_QUEUE {
                    self.reroute_queue(node, q as usize);
                }
            }
        }
        self.rerouting = None;
    }

    /// Re-evaluates the messages waiting in queue `q` of `node` (see [`Engine::reroute`]).
    fn reroute_queue(&mut self, node: usize, q: usize) {
        self.queues[q].stale = true;
        let mut keep = std::collections::VecDeque::new();
        let mut moved = Vec::new();
        while let Some(id) = self.queues[q].msgs.pop_front() {
            if self.route_changed(node, q, id) {
                moved.push(id);
            } else {
                keep.push_back(id);
            }
        }
        self.queues[q].msgs = keep;
        for id in moved {
            self.count_waiting(q, id, -1);
            self.route(node, id);
        }
    }

    /// Whether message `id` in queue `q` at `node` would be routed elsewhere now.
    pub(crate) fn route_changed(&self, node: usize, q: usize, id: u32) -> bool {
        let m = self.msgs.get(id);
        if m.has(MULTI) {
            return true;
        }
        match self.routes.decide(node, m) {
            Decision::Queue(b) => {
                let (base, id) = (self.queue_base[b as usize], self.queues[q].id);
                id < base || id >= base + self.nodes[node].senders
            }
            Decision::Deliver | Decision::RejectUnknown => true,
        }
    }
}
