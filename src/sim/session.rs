//! Delivery queues at work: messages enter, sessions start up to the queue's concurrency, and a
//! finished session hands the message over, refuses it, or fails — at the connection (the
//! destination's business) or in the session (this message's business). What a failure does
//! to the queue is the sender's retry machinery, in `sim::retry`.

use super::codes::{self, Cause};
use super::delivery::Path;
use super::delivery::{self, Dice, Outcome, World};
use super::engine::{Engine, LogEntry};
use super::event::Event;
use super::message::{IS_NDR, MULTI, TLS_USED, UNKNOWN, VIA_MX};
use super::observer::fate::COHORT;
use super::queue::{Conn, QueueMode};
use super::routing::Acceptance;
use crate::model::NodeKind;
use crate::model::retry::{ExpiryCheck, Machinery};
use crate::time::SimDuration;

impl Engine<'_> {
    /// A message routed into queue `q`: queued, or — towards a dead destination (Postfix) —
    /// deferred at once without a connection ("delivery temporarily suspended").
    pub(crate) fn enqueue(&mut self, q: usize, id: u32) {
        self.reset_if_idle(q);
        // An open queue with nothing waiting and a free session slot starts the message's
        // session at once: its instant in the queue is recorded (depth one more, then as it
        // was) without queueing and taking it back.
        if self.queues[q].mode == QueueMode::Open
            && self.queues[q].msgs.is_empty()
            && self.has_session_slot(q)
            && !(self.exchange_expiry(q) && self.expired(q, id))
        {
            self.waiting_blip(q);
            self.ensure_expiry_check_for(q, id);
            self.maybe_notify_delay(q, id);
            self.start_session(q, id);
            return;
        }
        self.count_waiting(q, id, 1);
        if self.queues[q].mode == QueueMode::Dead {
            let code = self.queues[q].last_code.unwrap_or(0);
            self.defer_message(q, id, code);
            return;
        }
        self.queues[q].msgs.push_back(id);
        self.ensure_expiry_check(q);
        self.pump(q);
    }

    /// Message `id` starts (`delta` 1) or stops (-1) waiting in queue `q`, at the queue's node
    /// and connector.
    pub(crate) fn count_waiting(&mut self, q: usize, id: u32, delta: i64) {
        let minute = super::queue::arrival_minute(self.msgs.get(id).node_arrival);
        if delta > 0 {
            self.queues[q].arrivals.add(minute);
        } else {
            self.queues[q].arrivals.remove(minute);
        }
        let key = self.queues[q].key;
        self.obs.queue_change(key.node.index(), delta, self.now);
        if let Some(c) = key.connector {
            self.obs.connector_queue_change(c.index(), delta);
        }
        let qs = &mut self.queues[q];
        qs.queued = qs.queued.wrapping_add_signed(delta);
        let queued = qs.queued;
        self.note_volume(q, queued);
    }

    /// Queue `q` holds `queued` messages now: the queued-volume alert follows it while it is at
    /// or over the threshold.
    fn note_volume(&mut self, q: usize, queued: u64) {
        if queued >= self.sc.alerts.queued {
            let now = self.now;
            let a =
                self.obs
                    .volume
                    .entry(self.queues[q].id)
                    .or_insert(super::observer::VolumeAlert {
                        first: now,
                        last: now,
                        peak: 0,
                        over_age: 0,
                    });
            a.last = now;
            a.peak = a.peak.max(queued);
        }
    }

    /// What `count_waiting(q, 1)` then `count_waiting(q, -1)` at the same instant record: the
    /// depth one higher for an instant (peaks, the depth history, the volume alert).
    fn waiting_blip(&mut self, q: usize) {
        let key = self.queues[q].key;
        self.obs.queue_blip(key.node.index(), self.now);
        if let Some(c) = key.connector {
            self.obs.connector_queue_blip(c.index());
        }
        self.note_volume(q, self.queues[q].queued + 1);
    }

    /// Whether queue `q`'s sender returns a message when its own expiration time passes
    /// (Exchange) rather than at a deferral after its lifetime (Postfix).
    fn exchange_expiry(&self, q: usize) -> bool {
        match &self.senders[self.queues[q].sender as usize]
            .policy
            .machinery
        {
            Machinery::Queue(s) => s.expiry == ExpiryCheck::Exact,
            Machinery::Postfix(_) => false,
        }
    }

    /// For every queue at or over `threshold` messages, how many of its messages arrived at
    /// its node at or before `cutoff` (µs): one pass over the queues and the calendars.
    /// Indexed like `queues`.
    fn delayed_by_pass(&self, threshold: u64, cutoff: u64) -> Vec<u64> {
        let mut over = vec![0u64; self.queues.len()];
        for (q, qs) in self.queues.iter().enumerate() {
            if qs.queued >= threshold {
                over[q] += qs
                    .msgs
                    .iter()
                    .filter(|&&id| self.msgs.get(id).node_arrival.0 <= cutoff)
                    .count() as u64;
            }
        }
        for s in &self.senders {
            for (q, id) in s.calendar.iter() {
                let q = q as usize;
                if self.queues[q].queued >= threshold && self.msgs.get(id).node_arrival.0 <= cutoff
                {
                    over[q] += 1;
                }
            }
        }
        over
    }

    /// At a sample: for every queue at or over the alert threshold, how many of its messages
    /// have waited at this node longer than the alert age. Only queues with a volume alert can
    /// be there (`count_waiting` notes every queue that reaches the threshold), so a sample
    /// visits those, not every queue (hundreds of thousands in a large topology).
    pub(crate) fn count_delayed(&mut self) {
        let threshold = self.sc.alerts.queued;
        // The alerts are keyed by queue id; `at` holds the queues (`queues` indices).
        let at: Vec<u32> = self
            .obs
            .volume
            .keys()
            .map(|&id| self.queue_slot[id as usize])
            .filter(|&q| self.queues[q as usize].queued >= threshold)
            .collect();
        if at.is_empty() {
            return;
        }
        let Some(cutoff) = self.now.0.checked_sub(self.sc.alerts.queued_over.0) else {
            return;
        };
        // At a whole minute (samples and the age are usually whole minutes), the arrival
        // minutes give the count; otherwise one pass over the queues and the calendars.
        let over: Vec<u64> = if cutoff % COHORT.0 == 0 {
            let minute = cutoff / COHORT.0;
            let over: Vec<u64> = at
                .iter()
                .map(|&q| self.queues[q as usize].arrivals.up_to(minute))
                .collect();
            debug_assert!({
                let pass = self.delayed_by_pass(threshold, cutoff);
                let visited: u64 = over.iter().sum();
                at.iter().zip(&over).all(|(&q, &n)| pass[q as usize] == n)
                    && pass.iter().sum::<u64>() == visited
            });
            over
        } else {
            let pass = self.delayed_by_pass(threshold, cutoff);
            at.iter().map(|&q| pass[q as usize]).collect()
        };
        for (q, n) in at.into_iter().zip(over) {
            if n > 0
                && let Some(a) = self.obs.volume.get_mut(&self.queues[q as usize].id)
            {
                a.over_age = a.over_age.max(n);
            }
        }
    }

    fn has_session_slot(&self, q: usize) -> bool {
        let qs = &self.queues[q];
        // A destination probed again after being dead gets no new session once a probe has
        // failed, until the probes in flight are answered (the real one dies after 3–5 failed
        // probes per re-probe; conformance/postfix/).
        let probing_failed = qs.was_dead && qs.fail_cohorts > 0.0 && qs.active > 0;
        !probing_failed
            && qs.active < qs.concurrency()
            && qs.key.connector.is_none_or(|c| {
                let cs = &self.connectors[c.index()];
                cs.active < cs.limit
            })
    }

    /// Starts sessions on an open queue while it has messages and free session slots.
    pub(crate) fn pump(&mut self, q: usize) {
        // Emptiness first: most calls find the queue empty (its last message just left).
        while !self.queues[q].msgs.is_empty()
            && self.queues[q].mode == QueueMode::Open
            && self.has_session_slot(q)
        {
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
        let exchange_expiry = self.exchange_expiry(q);
        while let Some(id) = self.queues[q].msgs.pop_front() {
            if exchange_expiry && self.expired(q, id) {
                self.expire(q, id);
                continue;
            }
            self.count_waiting(q, id, -1);
            self.maybe_notify_delay(q, id);
            return Some(id);
        }
        None
    }

    /// The network path of queue `q`'s sessions: its connector's, else its node's.
    fn path(&self, q: usize) -> Path {
        let key = self.queues[q].key;
        let node = self.sc.node(key.node);
        let c = key.connector.map(|c| self.sc.connector(c));
        Path {
            rtt: c.and_then(|c| c.rtt).unwrap_or(node.link.rtt),
            bandwidth: c.and_then(|c| c.bandwidth).unwrap_or(node.link.bandwidth),
            extra: SimDuration::ZERO,
            connect_timeout: node.connect_timeout,
        }
    }

    /// Opens a session (a connection) of queue `q` and starts its first message, `id` (already
    /// taken off the queue).
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
        let path = self.path(q);
        let world = World {
            sc: &self.live,
            faults: &self.faults,
            routes: &self.routes,
            now: self.now,
            style: self.senders[self.queues[q].sender as usize].style,
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
        let sender = self.queues[q].sender as usize;
        let a = delivery::attempt(
            &world,
            &mut self.dns,
            &mut self.inbound,
            sender,
            &key,
            self.msgs.get(id),
            &path,
            &mut dice,
        );
        if a.connections > 0 || a.failed > 0 {
            let code = a.failure.map(|c| self.deferral_code(q, c));
            self.obs
                .count_connections(node, key.connector, a.connections, a.failed, code);
        }
        let conn = self.conns.open(Conn {
            queue: q as u32,
            opened: a.opened,
            uses: 1,
            since: self.now,
        });
        self.events.schedule(
            self.now + a.held,
            Event::SessionDone {
                conn,
                msg: id,
                outcome: a.outcome.pack(),
            },
        );
    }

    /// Sends the queue's next message on open connection `conn`, if the connection may carry
    /// another (the queue is open and has mail, the sender's per-connection limits allow it);
    /// returns whether it did.
    fn continue_session(&mut self, conn: u32) -> bool {
        let c = *self.conns.get(conn);
        let q = c.queue as usize;
        let Some(opened) = c.opened else {
            return false;
        };
        let sender = &self.senders[self.queues[q].sender as usize];
        let reuse_ok = c.uses < sender.max_messages_per_connection
            && sender
                .reuse_time
                .is_none_or(|t| self.now.since(c.since) < t);
        if !reuse_ok || self.queues[q].mode != QueueMode::Open || self.queues[q].msgs.is_empty() {
            return false;
        }
        let Some(id) = self.next_to_send(q) else {
            return false;
        };
        let key = self.queues[q].key;
        let path = self.path(q);
        let world = World {
            sc: &self.live,
            faults: &self.faults,
            routes: &self.routes,
            now: self.now,
            style: self.senders[self.queues[q].sender as usize].style,
        };
        let latency = match key.connector {
            Some(c) => &mut self.rng.latency[c.index()],
            None => &mut self.rng.direct_latency,
        };
        let mut dice = Dice {
            latency,
            mx: &mut self.rng.mx[key.node.index()],
            drops: &mut self.rng.drops,
        };
        let (outcome, held) = delivery::transaction(
            &world,
            &mut self.inbound,
            &key,
            self.msgs.get(id),
            opened,
            &path,
            &mut dice,
        );
        self.conns.get_mut(conn).uses += 1;
        if let Some(c) = key.connector {
            self.obs.connectors[c.index()].attempts += 1;
        }
        self.events.schedule(
            self.now + held,
            Event::SessionDone {
                conn,
                msg: id,
                outcome: outcome.pack(),
            },
        );
        true
    }

    /// Closes connection `conn` of queue `q`: the receiver's and the sender's slots free up.
    fn close_session(&mut self, conn: u32) {
        let c = self.conns.close(conn);
        let q = c.queue as usize;
        let key = self.queues[q].key;
        if let Some(o) = c.opened {
            let inb = &mut self.inbound[o.to.index()];
            inb.active -= 1;
            if let Some(n) = inb.per_sender.get_mut(self.queues[q].sender as usize) {
                *n -= 1;
            }
        }
        self.queues[q].active -= 1;
        self.obs.nodes[key.node.index()].sending -= 1;
        if let Some(c) = key.connector {
            self.connectors[c.index()].active -= 1;
            self.obs.connectors[c.index()].active -= 1;
        }
        self.reset_if_idle(q);
    }

    /// The code index queue `q`'s sender writes for `cause`.
    pub(crate) fn deferral_code(&self, q: usize, cause: Cause) -> u16 {
        codes::deferral(self.senders[self.queues[q].sender as usize].style, cause)
    }

    pub(crate) fn on_session_done(&mut self, conn: u32, id: u32, packed: u32) {
        let q = self.conns.get(conn).queue as usize;
        let key = self.queues[q].key;
        let node = key.node.index();
        let outcome = Outcome::unpack(packed);
        if self.log.is_some() {
            self.log_attempt(q, outcome);
        }
        let mut keep = false;
        match outcome {
            Outcome::Delivered { to, tls, via_mx } => {
                keep = true;
                self.destination_ok(q, true);
                if let Some(c) = key.connector {
                    self.obs.connectors[c.index()].delivered += 1;
                }
                // Exchange Online rejects the unknown recipients of a copy with several
                // recipient groups at RCPT TO: the sender returns those, the rest goes on.
                if self.msgs.get(id).has(MULTI)
                    && self.sc.node(to).kind == NodeKind::ExchangeOnline
                    && self
                        .routes
                        .acceptance(to.index(), self.msgs.get(id).rcpt_domain as usize)
                        == Acceptance::Authoritative
                    && let Some(copy) = self.split_off(id, UNKNOWN)
                {
                    self.ndr(node, copy, delivery::C_UNKNOWN_EXO);
                }
                let m = self.msgs.get_mut(id);
                if !tls && !m.has(IS_NDR) {
                    self.obs.sent_without_tls += 1;
                }
                m.prev = node as u16;
                m.hops = m.hops.saturating_add(1);
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
                self.count_waiting(q, id, 1);
                self.close_session(conn);
                self.connection_failed(q, id, code);
            }
            Outcome::SessionFailed { cause, duplicate } => {
                if duplicate {
                    self.obs.duplicates += 1;
                }
                let code = self.deferral_code(q, cause);
                self.count_waiting(q, id, 1);
                self.destination_ok(q, false);
                self.close_session(conn);
                self.message_failed(q, id, code);
            }
            Outcome::Rejected { code } => {
                // A 5xx is an answer: the destination is up, the connection stays open.
                keep = true;
                self.destination_ok(q, false);
                if let Some(c) = key.connector {
                    self.obs.connectors[c.index()].ndr += 1;
                }
                self.ndr(node, id, code);
            }
        }
        if keep && !self.continue_session(conn) {
            self.close_session(conn);
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
