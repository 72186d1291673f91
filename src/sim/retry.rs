//! Each sender's retry machinery, as the contract's "Retry policies" describe it (sources §1.1,
//! §2.1, §3.1–3.2, §4.1; measured against a real Postfix in conformance/postfix/):
//!
//! - Postfix: every failure defers the message alone, to `now + clamp(age,
//!   minimal_backoff_time, maximal_backoff_time)`, released at the next deferred-queue scan.
//!   Connection failures feed the destination's concurrency window; a whole failed
//!   pseudo-cohort declares it dead, its queued messages are deferred without a connection,
//!   and it is probed again after `minimal_backoff_time` with slow start. A message expires at
//!   its first failed attempt (or suspended deferral) after `maximal_queue_lifetime`.
//! - Destination-level (Exchange, RFC 5321, explicit): a connection failure puts the queue in
//!   retry on its schedule; a session failure retries that message alone after
//!   `message_retry_interval` while the queue keeps delivering. Exchange expires a message at
//!   its own expiration time; the others at the queue's retry checks.

use super::engine::Engine;
use super::event::Event;
use super::message::{COUNTED, DELAY_DSN, DELAY_NOTIFIED, IS_NDR, Message, NDR_STREAM, SUBMITTED};
use super::observer::AlertCounter;
use super::queue::QueueMode;
use crate::model::retry::{ExpiryCheck, Machinery};
use crate::time::SimTime;

/// Size of a delay notice, bytes (a short DSN; the model's assumption, as for NDRs).
const DSN_SIZE: u32 = 10_000;

impl Engine<'_> {
    /// The destination answered: a delivery (`delivered`) or a refusal or a failure after the
    /// connection. Postfix resets its failed cohorts and, for a delivery, widens the window
    /// by one per pseudo-cohort; a destination-level queue that was probing opens.
    pub(crate) fn destination_ok(&mut self, q: usize, delivered: bool) {
        let sender = self.queues[q].sender as usize;
        let qs = &mut self.queues[q];
        match &self.senders[sender].policy.machinery {
            Machinery::Postfix(p) => {
                qs.fail_cohorts = 0.0;
                if delivered {
                    qs.was_dead = false;
                }
                // qmgr widens the window only while it is below the sessions in use plus the
                // initial concurrency (conformance/postfix/: at low load it stays small).
                let room = f64::from(qs.active + p.initial_destination_concurrency);
                if delivered && qs.window < room {
                    qs.window = (qs.window + 1.0 / qs.window).min(f64::from(qs.limit));
                }
            }
            Machinery::Queue(_) => {
                if qs.mode == QueueMode::Probing {
                    qs.mode = QueueMode::Open;
                }
                qs.failures = 0;
            }
        }
    }

    /// Postfix discards a destination's in-core queue when it holds no message and no session:
    /// the next message starts afresh at `initial_destination_concurrency` (qmgr_queue.c;
    /// measured in conformance/postfix/: at the start of an outage each new message fails alone
    /// on a fresh queue — 7 failures in run A, 95 at 10/s in run D — until messages overlap,
    /// usually at a deferred-queue scan). Once a destination has been declared dead it keeps
    /// its count until a delivery succeeds: each re-probe dies after 3–5 failures.
    pub(crate) fn reset_if_idle(&mut self, q: usize) {
        let sender = self.queues[q].sender as usize;
        let Machinery::Postfix(p) = &self.senders[sender].policy.machinery else {
            return;
        };
        let qs = &mut self.queues[q];
        if qs.mode == QueueMode::Open && qs.active == 0 && qs.msgs.is_empty() && !qs.was_dead {
            qs.window = f64::from(p.initial_destination_concurrency).min(f64::from(qs.limit));
            qs.fail_cohorts = 0.0;
        }
    }

    /// Every host of the attempt failed at the connection: the destination's business.
    pub(crate) fn connection_failed(&mut self, q: usize, id: u32, code: u16) {
        let sender = self.queues[q].sender as usize;
        self.queues[q].last_code = Some(code);
        match &self.senders[sender].policy.machinery {
            Machinery::Postfix(p) => {
                let limit = p.failed_cohort_limit;
                let qs = &mut self.queues[q];
                qs.fail_cohorts += 1.0 / qs.window;
                qs.window = (qs.window - 1.0 / qs.window).max(1.0);
                let dead = qs.fail_cohorts >= limit && qs.mode != QueueMode::Dead;
                self.defer_message(q, id, code);
                if dead {
                    self.throttle(q);
                }
            }
            Machinery::Queue(s) => {
                let exact = s.expiry == ExpiryCheck::Exact;
                self.count_deferral(q, code);
                if exact && self.expired(q, id) {
                    self.expire(q, id);
                } else {
                    self.queues[q].msgs.push_front(id);
                    self.ensure_expiry_check_for(q, id);
                }
                self.enter_retry(q);
            }
        }
    }

    /// The session failed after the connection: the message is retried alone.
    pub(crate) fn message_failed(&mut self, q: usize, id: u32, code: u16) {
        let sender = self.queues[q].sender as usize;
        self.queues[q].last_code = Some(code);
        match &self.senders[sender].policy.machinery {
            Machinery::Postfix(_) => self.defer_message(q, id, code),
            Machinery::Queue(s) => {
                let wait = s.message_retry_interval;
                self.count_deferral(q, code);
                self.hold(q, id, self.now + wait);
            }
        }
    }

    /// Counts one message deferral (what `grep -c status=deferred` counts) and its alert.
    fn count_deferral(&mut self, q: usize, code: u16) {
        let key = self.queues[q].key;
        self.obs
            .count_deferral(key.node.index(), key.connector, code);
        self.note_alert(q, code);
    }

    /// Postfix defers one message: it expires if its lifetime has passed, else it waits for
    /// `now + clamp(age, minimal_backoff_time, maximal_backoff_time)`.
    pub(crate) fn defer_message(&mut self, q: usize, id: u32, code: u16) {
        let sender = self.queues[q].sender as usize;
        self.count_deferral(q, code);
        if self.expired(q, id) {
            self.expire(q, id);
            return;
        }
        let Machinery::Postfix(p) = &self.senders[sender].policy.machinery else {
            return;
        };
        let age = self.now.since(self.msgs.get(id).node_arrival);
        let wait = age.clamp(p.minimal_backoff_time, p.maximal_backoff_time);
        self.hold(q, id, self.now + wait);
    }

    /// Puts message `id` of queue `q` in its sender's calendar until `due`.
    fn hold(&mut self, q: usize, id: u32, due: SimTime) {
        let sender = self.queues[q].sender;
        self.queues[q].deferred += 1;
        if let Some(at) = self.senders[sender as usize]
            .calendar
            .insert(due, q as u32, id)
        {
            self.events.schedule(at, Event::Scan { sender });
        }
    }

    /// Postfix declares the destination dead: its queued messages are deferred without a
    /// connection, and it is probed again after `minimal_backoff_time`.
    fn throttle(&mut self, q: usize) {
        let sender = self.queues[q].sender as usize;
        let Machinery::Postfix(p) = &self.senders[sender].policy.machinery else {
            return;
        };
        let at = self.now + p.minimal_backoff_time;
        let qs = &mut self.queues[q];
        qs.mode = QueueMode::Dead;
        qs.was_dead = true;
        qs.generation = qs.generation.wrapping_add(1);
        let generation = qs.generation;
        self.events.schedule(
            at,
            Event::Unthrottle {
                queue: q as u32,
                generation,
            },
        );
        let code = self.queues[q].last_code.unwrap_or(0);
        while let Some(id) = self.queues[q].msgs.pop_front() {
            self.defer_message(q, id, code);
        }
    }

    /// `minimal_backoff_time` after a destination was declared dead: it may be tried again,
    /// starting at `initial_destination_concurrency`.
    pub(crate) fn on_unthrottle(&mut self, q: usize, generation: u32) {
        let sender = self.queues[q].sender as usize;
        let Machinery::Postfix(p) = &self.senders[sender].policy.machinery else {
            return;
        };
        let qs = &mut self.queues[q];
        if qs.generation != generation || qs.mode != QueueMode::Dead {
            return;
        }
        qs.mode = QueueMode::Open;
        qs.window = f64::from(p.initial_destination_concurrency).min(f64::from(qs.limit));
        qs.fail_cohorts = 0.0;
        self.pump(q);
    }

    /// A sender's scan: deferred messages whose next attempt has come go back to their queues
    /// (a message of a destination still dead is deferred again at once).
    pub(crate) fn on_scan(&mut self, sender: usize) {
        let (due, next) = self.senders[sender].calendar.take_due(self.now);
        if let Some(at) = next {
            self.events.schedule(
                at,
                Event::Scan {
                    sender: sender as u32,
                },
            );
        }
        let mut touched: Vec<u32> = Vec::new();
        for (q, id) in due {
            let qi = q as usize;
            self.queues[qi].deferred -= 1;
            // A configuration change altered routing at the node since it was deferred: the
            // message is routed again, as the MTA resolves it afresh at its next attempt.
            if self.queues[qi].stale && self.route_changed(self.queues[qi].key.node.index(), qi, id)
            {
                self.count_waiting(qi, id, -1);
                self.route(self.queues[qi].key.node.index(), id);
                continue;
            }
            if self.queues[qi].mode == QueueMode::Dead {
                let code = self.queues[qi].last_code.unwrap_or(0);
                self.defer_message(qi, id, code);
                continue;
            }
            self.queues[qi].msgs.push_back(id);
            self.ensure_expiry_check_for(qi, id);
            if touched.last() != Some(&q) && !touched.contains(&q) {
                touched.push(q);
            }
        }
        for q in touched {
            self.pump(q as usize);
        }
    }

    /// A destination-level queue goes into retry after a connection failure (unless it already
    /// waits), to be tried again after its schedule's wait.
    fn enter_retry(&mut self, q: usize) {
        if self.queues[q].mode == QueueMode::Retry {
            return;
        }
        let sender = self.queues[q].sender as usize;
        let Machinery::Queue(s) = &self.senders[sender].policy.machinery else {
            return;
        };
        let qs = &mut self.queues[q];
        qs.mode = QueueMode::Retry;
        qs.failures += 1;
        qs.generation = qs.generation.wrapping_add(1);
        let at = self.now + s.schedule.wait_after(qs.failures);
        let generation = qs.generation;
        self.events.schedule(
            at,
            Event::RetryDue {
                queue: q as u32,
                generation,
            },
        );
    }

    /// A queue's retry time: its messages are checked (expiry where the policy checks it
    /// here, delay notices), then one session probes the destination.
    pub(crate) fn on_retry_due(&mut self, q: usize, generation: u32) {
        if self.queues[q].generation != generation || self.queues[q].mode != QueueMode::Retry {
            return;
        }
        self.check_queue(q);
        if self.queues[q].msgs.is_empty() {
            let qs = &mut self.queues[q];
            qs.mode = QueueMode::Open;
            qs.failures = 0;
            return;
        }
        self.queues[q].mode = QueueMode::Probing;
        match self.next_to_send(q) {
            Some(id) => self.start_session(q, id),
            None => self.queues[q].mode = QueueMode::Open,
        }
    }

    /// The queue check at a retry time: expired messages are NDR'd (where the policy checks
    /// expiry at retries), delay notices sent.
    fn check_queue(&mut self, q: usize) {
        let policy = &self.senders[self.queues[q].sender as usize].policy;
        let at_retry =
            matches!(&policy.machinery, Machinery::Queue(s) if s.expiry == ExpiryCheck::AtRetry);
        let notice = policy.delay_notice.is_some();
        if !at_retry && !notice {
            return;
        }
        let mut i = 0;
        while i < self.queues[q].msgs.len() {
            let id = self.queues[q].msgs[i];
            if at_retry && self.expired(q, id) {
                self.queues[q].msgs.remove(i);
                self.expire(q, id);
                continue;
            }
            if notice {
                self.maybe_notify_delay(q, id);
            }
            i += 1;
        }
    }

    /// Whether message `id` of queue `q` has outlived its lifetime at the queue's sender.
    pub(crate) fn expired(&self, q: usize, id: u32) -> bool {
        let m = self.msgs.get(id);
        let policy = &self.senders[self.queues[q].sender as usize].policy;
        let life = policy.lifetime(m.has(IS_NDR));
        self.now.since(m.node_arrival) >= life
    }

    /// Under an Exchange policy, makes sure an expiry check is pending for the queue's oldest
    /// message.
    pub(crate) fn ensure_expiry_check(&mut self, q: usize) {
        if let Some(&front) = self.queues[q].msgs.front() {
            self.ensure_expiry_check_for(q, front);
        }
    }

    /// Under an Exchange policy, makes sure an expiry check is pending no later than message
    /// `id`'s expiration time.
    pub(crate) fn ensure_expiry_check_for(&mut self, q: usize, id: u32) {
        let policy = &self.senders[self.queues[q].sender as usize].policy;
        if !matches!(&policy.machinery, Machinery::Queue(s) if s.expiry == ExpiryCheck::Exact) {
            return;
        }
        let m = self.msgs.get(id);
        let at = m.node_arrival + policy.lifetime(m.has(IS_NDR));
        if at < self.queues[q].expiry_at {
            self.queues[q].expiry_at = at;
            self.events
                .schedule(at.max(self.now), Event::ExpiryDue { queue: q as u32 });
        }
    }

    /// An expiry check: queued messages whose expiration time has come are returned as NDRs
    /// (Exchange: at the message's own expiration time, whatever the queue's retry time).
    pub(crate) fn on_expiry_due(&mut self, q: usize) {
        if self.now < self.queues[q].expiry_at {
            return;
        }
        self.queues[q].expiry_at = SimTime::NEVER;
        let i = 0;
        let mut earliest: Option<u32> = None;
        // Messages are in arrival order except those put back at the front after a failed
        // attempt, which are older: stop at the first one that has not expired.
        while i < self.queues[q].msgs.len() {
            let id = self.queues[q].msgs[i];
            if self.expired(q, id) {
                self.queues[q].msgs.remove(i);
                self.expire(q, id);
                continue;
            }
            earliest = Some(id);
            break;
        }
        if let Some(id) = earliest {
            self.ensure_expiry_check_for(q, id);
        }
    }

    /// Returns a waiting message of queue `q` as an NDR because its lifetime passed.
    pub(crate) fn expire(&mut self, q: usize, id: u32) {
        self.count_waiting(q, id, -1);
        let key = self.queues[q].key;
        let node = key.node.index();
        let qid = self.queues[q].id;
        self.obs
            .queue_expired(qid as usize, self.msgs.get(id), self.now);
        self.obs.count_expired(node, key.connector);
        if let Some(c) = key.connector {
            self.obs.connectors[c.index()].ndr += 1;
        }
        if let Some(code) = self.queues[q].last_code
            && let Some(a) = self.obs.alerts.get_mut(&(qid, code))
            && !self.msgs.get(id).has(IS_NDR)
        {
            a.ndr += 1;
        }
        let code = self.senders[self.queues[q].sender as usize].expiry_code;
        self.ndr(node, id, code);
    }

    /// Sends a delay notice for message `id` queued at `node` once it has waited past the
    /// policy's notice age (Exchange Server's `DelayNotificationTimeout`, 4 h): a real message
    /// to the sender, routed like an NDR, never NDR'd itself.
    pub(crate) fn maybe_notify_delay(&mut self, q: usize, id: u32) {
        let Some(notice) = self.senders[self.queues[q].sender as usize]
            .policy
            .delay_notice
        else {
            return;
        };
        let node = self.queues[q].key.node.index();
        let m = *self.msgs.get(id);
        if m.has(DELAY_NOTIFIED) || m.has(IS_NDR) || self.now.since(m.node_arrival) < notice {
            return;
        }
        self.msgs.get_mut(id).flags |= DELAY_NOTIFIED;
        if m.has(COUNTED) {
            self.obs.nodes[node].delay_notices += 1;
            self.obs.dsn_sent += 1;
        }
        let back = m.sender_domain as usize;
        let location = super::hop::draw_mailbox(self.sc, back, &mut self.rng.dsn, false);
        let dsn = self.msgs.insert(Message {
            created: self.now,
            node_arrival: self.now,
            size: DSN_SIZE,
            tags: 0,
            rcpt_domain: m.sender_domain,
            sender_domain: m.rcpt_domain,
            location,
            prev: SUBMITTED,
            stream: NDR_STREAM,
            hops: 0,
            rcpts: 1,
            flags: IS_NDR | DELAY_DSN | (m.flags & COUNTED),
        });
        self.route(node, dsn);
    }

    /// Records a deferral of queue `q` with `code` for the mail-flow-intelligence alerts.
    pub(crate) fn note_alert(&mut self, q: usize, code: u16) {
        let now = self.now;
        let qs = &self.queues[q];
        let queued = qs.waiting() + u64::from(qs.active);
        let oldest = qs
            .msgs
            .front()
            .map_or(0, |&m| now.since(self.msgs.get(m).node_arrival).0);
        let a = self
            .obs
            .alerts
            .entry((qs.id, code))
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
}
