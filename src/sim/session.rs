//! Delivery queues: sessions to the next hop, deferral and retry state per destination,
//! expiry and delay notices.
//!
//! Retry state is per destination, as real MTAs keep it (RFC 5321 §4.5.4.1, sources §3.2):
//! after a failure the queue waits for its retry time without new attempts; at that time the
//! queue is checked (expired messages NDR'd, delay notices sent) and one session probes the
//! destination; when it succeeds the queue drains in arrival order at the connection limit.

use super::delivery::{self, Dice, Outcome, World};
use super::engine::{Engine, LogEntry, QueueMode};
use super::event::Event;
use super::message::{COUNTED, DELAY_NOTIFIED, IS_NDR, TLS_USED, VIA_MX};
use crate::sim::observer::AlertCounter;
use crate::time::SimTime;

/// Queued messages above which mail flow intelligence raises its alert (sources §1.1:
/// "Messages have been delayed" default threshold 200).
pub const ALERT_QUEUED: u64 = 200;
/// Age of a queued message above which the alert is raised too (the queued-messages report
/// lists messages queued more than one hour, sources §1.1).
pub const ALERT_AGE_MICROS: u64 = 3_600_000_000;

impl Engine<'_> {
    /// Puts message `id` at the back of queue `q` and starts sessions if the queue may.
    pub(crate) fn enqueue(&mut self, q: usize, id: u32) {
        self.queues[q].msgs.push_back(id);
        self.count_waiting(q, 1);
        self.pump(q);
    }

    fn count_waiting(&mut self, q: usize, delta: i64) {
        let key = self.queues[q].key;
        self.obs.queue_change(key.node.index(), delta, self.now);
        if let Some(c) = key.connector {
            self.obs.connector_queue_change(c.index(), delta);
        }
    }

    fn has_session_slot(&self, q: usize) -> bool {
        let qs = &self.queues[q];
        qs.active < qs.limit
            && qs.key.connector.is_none_or(|c| {
                let cs = &self.connectors[c.index()];
                cs.active < cs.limit
            })
    }

    /// Starts sessions on an open queue while it has messages and free session slots.
    pub(crate) fn pump(&mut self, q: usize) {
        while self.queues[q].mode == QueueMode::Open && self.has_session_slot(q) {
            let Some(id) = self.pop_unexpired(q) else {
                break;
            };
            self.start_session(q, id);
        }
    }

    /// Takes the first message of the queue, returning as NDRs any that expired while waiting
    /// (a message is checked when it leaves the queue as well as at each retry time).
    fn pop_unexpired(&mut self, q: usize) -> Option<u32> {
        let node = self.queues[q].key.node.index();
        let expire = self.sc.nodes[node].retry.expire_after;
        while let Some(id) = self.queues[q].msgs.pop_front() {
            self.count_waiting(q, -1);
            if self.now.since(self.msgs.get(id).node_arrival) >= expire {
                self.expire(q, id);
                continue;
            }
            return Some(id);
        }
        None
    }

    fn expire(&mut self, q: usize, id: u32) {
        let key = self.queues[q].key;
        let node = key.node.index();
        if let Some(c) = key.connector {
            self.obs.connectors[c.index()].ndr += 1;
        }
        if let Some(code) = self.queues[q].last_code
            && let Some(a) = self.obs.alerts.get_mut(&(q as u32, code))
            && !self.msgs.get(id).has(IS_NDR)
        {
            a.ndr += 1;
        }
        let code = self.nodes[node].expiry_code;
        self.ndr(node, id, code);
    }

    fn start_session(&mut self, q: usize, id: u32) {
        let key = self.queues[q].key;
        let node = key.node.index();
        self.queues[q].active += 1;
        self.obs.nodes[node].sending += 1;
        if let Some(c) = key.connector {
            self.connectors[c.index()].active += 1;
            let k = &mut self.obs.connectors[c.index()];
            k.attempts += 1;
            k.active += 1;
        }
        let world = World {
            sc: self.sc,
            faults: &self.faults,
            routes: &self.routes,
            now: self.now,
        };
        let latency = match key.connector {
            Some(c) => &mut self.rng.latency[c.index()],
            None => &mut self.rng.direct_latency,
        };
        let mut dice = Dice {
            latency,
            mx: &mut self.rng.mx[node],
            drops: &mut self.rng.drops,
        };
        let (outcome, held) =
            delivery::attempt(&world, &mut self.dns, &key, self.msgs.get(id), &mut dice);
        self.events.schedule(
            self.now + held,
            Event::SessionDone {
                queue: q as u32,
                msg: id,
                outcome: outcome.pack(),
            },
        );
    }

    pub(crate) fn on_session_done(&mut self, q: usize, id: u32, packed: u32) {
        let key = self.queues[q].key;
        let node = key.node.index();
        self.queues[q].active -= 1;
        self.obs.nodes[node].sending -= 1;
        if let Some(c) = key.connector {
            self.connectors[c.index()].active -= 1;
            self.obs.connectors[c.index()].active -= 1;
        }
        let outcome = Outcome::unpack(packed);
        if let Some(log) = &mut self.log {
            let (to, code) = match outcome {
                Outcome::Delivered { to, .. } => (Some(to), None),
                Outcome::Deferred { code, .. } | Outcome::Rejected { code } => {
                    (None, Some(self.codes[code as usize].clone()))
                }
            };
            log.push(LogEntry::Attempt {
                time: self.now,
                from: key.node,
                connector: key.connector,
                to,
                code,
            });
        }
        match outcome {
            Outcome::Delivered { to, tls, via_mx } => {
                let qs = &mut self.queues[q];
                if qs.mode == QueueMode::Probing {
                    qs.mode = QueueMode::Open;
                }
                qs.failures = 0;
                if let Some(c) = key.connector {
                    self.obs.connectors[c.index()].delivered += 1;
                }
                let m = self.msgs.get_mut(id);
                if !tls && !m.has(IS_NDR) {
                    self.obs.sent_without_tls += 1;
                }
                m.prev = node as u16;
                m.hops += 1;
                m.flags = (m.flags & !(VIA_MX | TLS_USED))
                    | if via_mx { VIA_MX } else { 0 }
                    | if tls { TLS_USED } else { 0 };
                if u32::from(m.hops) >= self.sc.max_hops {
                    let code = self.nodes[to.index()].loop_code;
                    let e = self
                        .obs
                        .loops
                        .entry((to.0, code))
                        .or_insert((self.now, self.now, 0));
                    e.1 = self.now;
                    e.2 += 1;
                    self.ndr(to.index(), id, code);
                } else {
                    self.enter_node(to.index(), id);
                }
            }
            Outcome::Deferred { code, duplicate } => {
                if duplicate {
                    self.obs.duplicates += 1;
                }
                self.defer(q, id, code);
            }
            Outcome::Rejected { code } => {
                let qs = &mut self.queues[q];
                if qs.mode == QueueMode::Probing {
                    // A 5xx is an answer: the destination is up.
                    qs.mode = QueueMode::Open;
                }
                if let Some(c) = key.connector {
                    self.obs.connectors[c.index()].ndr += 1;
                }
                self.ndr(node, id, code);
            }
        }
        self.pump(q);
        if let Some(c) = key.connector {
            self.wake_connector(c.index(), q);
        }
    }

    /// A session of a connector with a connection limit ended: let its other queues use it.
    fn wake_connector(&mut self, c: usize, except: usize) {
        if self.connectors[c].limit == u32::MAX || self.connectors[c].queues.len() < 2 {
            return;
        }
        for i in 0..self.connectors[c].queues.len() {
            let q = self.connectors[c].queues[i] as usize;
            if q != except {
                self.pump(q);
            }
        }
    }

    /// A temporary failure: the message goes back to the head of the queue and, unless the
    /// queue is already waiting, the destination is marked down until its retry time.
    fn defer(&mut self, q: usize, id: u32, code: u16) {
        let key = self.queues[q].key;
        let node = key.node.index();
        self.queues[q].msgs.push_front(id);
        self.count_waiting(q, 1);
        self.obs.nodes[node].deferrals += 1;
        if let Some(c) = key.connector {
            *self.obs.connectors[c.index()]
                .deferrals_by_code
                .entry(code)
                .or_default() += 1;
        }
        self.queues[q].last_code = Some(code);
        self.note_alert(q, code);
        if self.queues[q].mode == QueueMode::Retry {
            return;
        }
        let policy = &self.sc.nodes[node].retry;
        let qs = &mut self.queues[q];
        qs.mode = QueueMode::Retry;
        qs.failures += 1;
        qs.generation = qs.generation.wrapping_add(1);
        let oldest = qs
            .msgs
            .front()
            .map_or(self.now, |&m| self.msgs.get(m).node_arrival);
        let wait = policy.wait_after(qs.failures, self.now.since(oldest));
        let mut at = self.now + wait;
        if let Some(run) = policy.queue_run() {
            // Postfix attempts deferred mail on its queue runs (queue_run_delay, §3.1).
            at = SimTime(at.0.div_ceil(run.0) * run.0);
        }
        let generation = qs.generation;
        self.events.schedule(
            at,
            Event::RetryDue {
                queue: q as u32,
                generation,
            },
        );
    }

    fn note_alert(&mut self, q: usize, code: u16) {
        let now = self.now;
        let queued = self.queues[q].msgs.len() as u64 + u64::from(self.queues[q].active);
        let oldest = self.queues[q]
            .msgs
            .front()
            .map_or(0, |&m| now.since(self.msgs.get(m).node_arrival).0);
        let a = self
            .obs
            .alerts
            .entry((q as u32, code))
            .or_insert(AlertCounter {
                first: now,
                last: now,
                count: 0,
                peak_queued: 0,
                oldest_age: 0,
                ndr: 0,
            });
        a.last = now;
        a.count += 1;
        a.peak_queued = a.peak_queued.max(queued);
        a.oldest_age = a.oldest_age.max(oldest);
    }

    pub(crate) fn on_retry_due(&mut self, q: usize, generation: u32) {
        if self.queues[q].generation != generation || self.queues[q].mode != QueueMode::Retry {
            return;
        }
        self.check_queue(q);
        let qs = &mut self.queues[q];
        if qs.msgs.is_empty() {
            qs.mode = QueueMode::Open;
            qs.failures = 0;
            return;
        }
        qs.mode = QueueMode::Probing;
        if let Some(id) = self.pop_unexpired(q) {
            self.start_session(q, id);
        } else {
            self.queues[q].mode = QueueMode::Open;
        }
    }

    /// The queue check at a retry time: expired messages are NDR'd, delay notices sent.
    fn check_queue(&mut self, q: usize) {
        let node = self.queues[q].key.node.index();
        let policy = &self.sc.nodes[node].retry;
        let (expire, notice) = (policy.expire_after, policy.delay_notice);
        let now = self.now;
        let mut i = 0;
        while i < self.queues[q].msgs.len() {
            let id = self.queues[q].msgs[i];
            let m = self.msgs.get_mut(id);
            let age = now.since(m.node_arrival);
            if age >= expire {
                self.queues[q].msgs.remove(i);
                self.count_waiting(q, -1);
                self.expire(q, id);
                continue;
            }
            if let Some(n) = notice
                && age >= n
                && !m.has(DELAY_NOTIFIED)
                && !m.has(IS_NDR)
            {
                m.flags |= DELAY_NOTIFIED;
                if m.has(COUNTED) {
                    self.obs.nodes[node].delay_notices += 1;
                }
            }
            i += 1;
        }
    }
}
