//! Delivery queues at work: messages enter, sessions start up to the queue's concurrency, and a
//! finished session hands the message over, refuses it, or fails — at the connection (the
//! destination's business) or in the session (this message's business). What a failure does
//! to the queue is the sender's retry machinery, in `sim::retry`.

use super::codes::{self, Cause};
use super::delivery::{self, Dice, Outcome, World};
use super::engine::{Engine, LogEntry};
use super::event::Event;
use super::message::{IS_NDR, TLS_USED, VIA_MX};
use super::queue::QueueMode;
use crate::model::retry::{ExpiryCheck, Machinery};

/// Queued messages above which mail flow intelligence raises its alert (sources §1.1:
/// "Messages have been delayed" default threshold 200).
pub const ALERT_QUEUED: u64 = 200;
/// Age of a queued message above which the alert is raised too (the queued-messages report
/// lists messages queued more than one hour, sources §1.1).
pub const ALERT_AGE_MICROS: u64 = 3_600_000_000;

impl Engine<'_> {
    /// A message routed into queue `q`: queued, or — towards a dead destination (Postfix) —
    /// deferred at once without a connection ("delivery temporarily suspended").
    pub(crate) fn enqueue(&mut self, q: usize, id: u32) {
        self.count_waiting(q, 1);
        if self.queues[q].mode == QueueMode::Dead {
            let code = self.queues[q].last_code.unwrap_or(0);
            self.defer_message(q, id, code);
            return;
        }
        self.queues[q].msgs.push_back(id);
        self.ensure_expiry_check(q);
        self.pump(q);
    }

    /// Adds `delta` messages waiting at the queue's node and connector.
    pub(crate) fn count_waiting(&mut self, q: usize, delta: i64) {
        let key = self.queues[q].key;
        self.obs.queue_change(key.node.index(), delta, self.now);
        if let Some(c) = key.connector {
            self.obs.connector_queue_change(c.index(), delta);
        }
    }

    fn has_session_slot(&self, q: usize) -> bool {
        let qs = &self.queues[q];
        qs.active < qs.concurrency()
            && qs.key.connector.is_none_or(|c| {
                let cs = &self.connectors[c.index()];
                cs.active < cs.limit
            })
    }

    /// Starts sessions on an open queue while it has messages and free session slots.
    pub(crate) fn pump(&mut self, q: usize) {
        while self.queues[q].mode == QueueMode::Open && self.has_session_slot(q) {
            let Some(id) = self.next_to_send(q) else {
                break;
            };
            self.start_session(q, id);
        }
    }

    /// Takes the first message of the queue. Under an Exchange policy a message whose
    /// expiration time has passed is returned as an NDR instead, and a delay notice is sent
    /// for one that waited past the notice age; Postfix sends a message however old it is.
    pub(crate) fn next_to_send(&mut self, q: usize) -> Option<u32> {
        let sender = self.queues[q].sender as usize;
        let exchange_expiry = match &self.senders[sender].policy.machinery {
            Machinery::Queue(s) => s.expiry == ExpiryCheck::Exact,
            Machinery::Postfix(_) => false,
        };
        while let Some(id) = self.queues[q].msgs.pop_front() {
            if exchange_expiry && self.expired(q, id) {
                self.expire(q, id);
                continue;
            }
            self.count_waiting(q, -1);
            self.maybe_notify_delay(q, id);
            return Some(id);
        }
        None
    }

    /// Starts a session of queue `q` for message `id` (already taken off the queue).
    pub(crate) fn start_session(&mut self, q: usize, id: u32) {
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
        let resolver = self.queues[q].sender as usize;
        let a = delivery::attempt(
            &world,
            &mut self.dns,
            resolver,
            &key,
            self.msgs.get(id),
            &mut dice,
        );
        if a.connections > 0 || a.failed > 0 {
            let code = a.failure.map(|c| self.deferral_code(q, c));
            self.obs
                .count_connections(node, key.connector, a.connections, a.failed, code);
        }
        self.events.schedule(
            self.now + a.held,
            Event::SessionDone {
                queue: q as u32,
                msg: id,
                outcome: a.outcome.pack(),
            },
        );
    }

    /// The code index queue `q`'s sender writes for `cause`.
    pub(crate) fn deferral_code(&self, q: usize, cause: Cause) -> u16 {
        codes::deferral(self.senders[self.queues[q].sender as usize].style, cause)
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
        if self.log.is_some() {
            self.log_attempt(q, outcome);
        }
        match outcome {
            Outcome::Delivered { to, tls, via_mx } => {
                self.destination_ok(q, true);
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
            Outcome::ConnectionFailed { cause } => {
                let code = self.deferral_code(q, cause);
                self.count_waiting(q, 1);
                self.connection_failed(q, id, code);
            }
            Outcome::SessionFailed { cause, duplicate } => {
                if duplicate {
                    self.obs.duplicates += 1;
                }
                let code = self.deferral_code(q, cause);
                self.count_waiting(q, 1);
                self.destination_ok(q, false);
                self.message_failed(q, id, code);
            }
            Outcome::Rejected { code } => {
                // A 5xx is an answer: the destination is up.
                self.destination_ok(q, false);
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

    fn log_attempt(&mut self, q: usize, outcome: Outcome) {
        let key = self.queues[q].key;

        let (to, code) = match outcome {
            Outcome::Delivered { to, .. } => (Some(to), None),
            Outcome::ConnectionFailed { cause } | Outcome::SessionFailed { cause, .. } => {
                let code = self.deferral_code(q, cause);
                (None, Some(self.codes[code as usize].clone()))
            }
            Outcome::Rejected { code } => (None, Some(self.codes[code as usize].clone())),
        };
        if let Some(log) = &mut self.log {
            log.push(LogEntry::Attempt {
                time: self.now,
                from: key.node,
                connector: key.connector,
                to,
                code,
            });
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
}
