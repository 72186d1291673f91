//! A hop at a node: arrival of traffic, waiting for a worker, service, and what routing decides
//! (deliver, NDR, or a delivery queue). NDRs are generated here too.

use super::engine::{Engine, LogEntry};
use super::event::Event;
use super::message::{
    COUNTED, DELAY_DSN, DELAY_NOTIFIED, IS_NDR, MULTI, Message, NDR_STREAM, QUARANTINE, SUBMITTED,
    UNKNOWN, is_submitted,
};
use super::rng::unit;
use super::routing::Decision;
use crate::model::NodeId;
use crate::model::{Profile, Recipients, ReplayArrival};
use crate::time::{SimDuration, SimTime};

impl Engine<'_> {
    /// The next arrival of stream `s` after `from`, by per-interval sampling: within a profile
    /// segment the rate is constant, so an exponential gap that crosses the segment's end is
    /// discarded and sampling restarts at the boundary with the new rate (exact for a
    /// piecewise-constant non-homogeneous Poisson process; no burst is lost at a boundary).
    /// A replayed stream's next arrival is its next record's time.
    pub(crate) fn next_arrival(&mut self, s: usize, from: SimTime) -> Option<SimTime> {
        let t = &self.sc.traffic[s];
        let stop = self.streams[s].stop_at;
        if let Some(r) = &t.replay {
            let next = r.arrivals.get(self.streams[s].replay_next)?;
            let at = SimTime::ZERO + next.at;
            return (at < stop).then_some(at);
        }
        let mut at = from;
        loop {
            if at >= stop {
                return None;
            }
            let (known_from, boundary, rate) = self.streams[s].segment;
            // Every time in [known_from, boundary) lies in the segment found at known_from.
            let (boundary, rate) = if known_from <= at && at < boundary {
                (boundary, rate)
            } else {
                let period = t.profile.period().0;
                let offset = SimDuration(at.0 % period);
                let (x, seg_end) = t.profile.segment_at(offset);
                let boundary = SimTime(at.0 - offset.0 + seg_end.0);
                let rate = t.rate_per_s * x;
                self.streams[s].segment = (at, boundary, rate);
                (boundary, rate)
            };
            if rate > 0.0 {
                let e: f64 =
                    rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng.arrivals[s]);
                let next = at + SimDuration::from_secs_f64(e / rate);
                if next < boundary || matches!(t.profile, Profile::Constant) {
                    return (next < stop).then_some(next);
                }
            }
            at = boundary;
        }
    }

    pub(crate) fn on_arrival(&mut self, s: usize) {
        let sc = self.sc;
        // A replayed stream's record is taken before the next one is scheduled.
        let record = sc.traffic[s].replay.as_ref().and_then(|r| {
            let i = self.streams[s].replay_next;
            self.streams[s].replay_next += 1;
            r.arrivals.get(i)
        });
        if let Some(next) = self.next_arrival(s, self.now) {
            self.events
                .schedule(next, Event::Arrival { stream: s as u32 });
        }
        self.create_message(s, record);
    }

    /// Creates a message of stream `s` now and submits it at the stream's node; a replayed
    /// arrival gives its size, recipient domain and recipient count instead of draws.
    pub(crate) fn create_message(&mut self, s: usize, record: Option<&ReplayArrival>) {
        let now = self.now;
        let t = &self.sc.traffic[s];
        let rng = &mut self.rng.attributes[s];
        let (size, rcpt, rcpts) = match record {
            Some(r) => (r.size, r.domain.0 as u16, r.recipients.max(1)),
            None => {
                let size = t.size.sample(rng).clamp(0.0, u32::MAX as f64) as u32;
                let cum = &self.streams[s].to_cum;
                let rcpt = if cum.len() == 1 {
                    cum[0].1
                } else {
                    let u = unit(rng) * cum.last().map_or(1.0, |c| c.0);
                    cum.iter()
                        .find(|(c, _)| u < *c)
                        .unwrap_or(&cum[cum.len() - 1])
                        .1
                };
                // The default of one recipient draws nothing more (earlier draws stay as they were).
                let rcpts = match &t.recipients {
                    Recipients::Fixed(n) => *n,
                    r => r.draw(unit(rng)),
                }
                .max(1);
                (size, rcpt, rcpts)
            }
        };
        let (location, groups) = if rcpts == 1 {
            (draw_mailbox(self.sc, rcpt as usize, rng, true), None)
        } else {
            self.draw_recipients(s, rcpt, rcpts)
        };
        let t = &self.sc.traffic[s];
        let rng = &mut self.rng.attributes[s];
        let mut tags = 0u32;
        for (tag, share) in &t.tags {
            if unit(rng) < *share {
                tags |= 1 << tag.0;
            }
        }
        // At a node that stands for many senders, the message belongs to one of them.
        let senders = self.nodes[t.from.index()].senders;
        let cohort = if senders > 1 {
            (unit(rng) * f64::from(senders)) as u16 % senders as u16
        } else {
            0
        };
        let counted = now >= self.warmup_end;
        let id = self.msgs.insert(Message {
            created: now,
            node_arrival: now,
            size,
            tags,
            rcpt_domain: rcpt,
            sender_domain: t.sender_domain.0 as u16,
            location,
            prev: SUBMITTED + cohort,
            stream: s as u16,
            hops: 0,
            rcpts,
            flags: if counted { COUNTED } else { 0 },
        });
        if let Some(g) = groups {
            self.msgs.get_mut(id).flags |= MULTI;
            self.groups.insert(id, g);
        }
        if counted {
            self.obs.total.generated += 1;
            self.obs.total.recipients[0] += u64::from(rcpts);
            self.obs.streams[s].generated += 1;
            self.obs.streams[s].recipients[0] += u64::from(rcpts);
            self.obs.in_flight += 1;
            self.obs.message_created(s, rcpt, now);
        }
        let from = t.from.index();
        // A message over the sender's own size limit is refused at submission: its server
        // returns it with the limit's code (sources §2.2, §7.3).
        if self.live.nodes[from]
            .max_message_size
            .is_some_and(|l| u64::from(size) > l)
        {
            self.ndr(from, id, super::delivery::C_TOO_BIG);
            return;
        }
        self.enter_node(from, id);
    }

    /// A message arrives at `node` (submitted there, or handed over by a session).
    pub(crate) fn enter_node(&mut self, node: usize, id: u32) {
        let now = self.now;
        let m = self.msgs.get_mut(id);
        m.node_arrival = now;
        m.flags &= !(DELAY_NOTIFIED | QUARANTINE);
        // Spam filter on mail arriving from another node, unless the source is allow-listed.
        if let Some(f) = &self.sc.nodes[node].spam_filter
            && !is_submitted(m.prev)
            && !m.has(IS_NDR)
            && !f.allow_list.iter().any(|a| a.0 == u32::from(m.prev))
            && unit(&mut self.rng.spam[node]) < f.quarantine
        {
            m.flags |= QUARANTINE;
        }
        if self.nodes[node].busy < self.nodes[node].limit {
            self.start_service(node, id);
        } else {
            self.nodes[node].waiting.push_back(id);
            self.inbound[node].waiting += 1;
            self.obs.queue_change(node, 1, now);
        }
    }

    fn start_service(&mut self, node: usize, id: u32) {
        let n = &self.sc.nodes[node];
        let m = self.msgs.get(id);
        let rng = &mut self.rng.service[node];
        let mut micros = n.service_time.sample(rng);
        if let Some(f) = &n.spam_filter
            && !is_submitted(m.prev)
            && !m.has(IS_NDR)
            && !f.allow_list.iter().any(|a| a.0 == u32::from(m.prev))
        {
            micros += f.scan_time.sample(rng);
        }
        micros += n.service_per_mb.0 as f64 * f64::from(m.size) / 1e6;
        let faults = &self.faults.nodes[node];
        if !faults.slowdowns.is_empty() {
            micros *= faults.slowdown();
        }
        self.nodes[node].busy += 1;
        self.inbound[node].busy += 1;
        self.obs.busy_change(node, 1, self.now);
        let done = self.now + SimDuration::from_secs_f64(micros / 1e6);
        self.events.schedule(
            done,
            Event::ServiceDone {
                node: node as u32,
                msg: id,
            },
        );
    }

    pub(crate) fn on_service_done(&mut self, node: usize, id: u32) {
        self.nodes[node].busy -= 1;
        self.inbound[node].busy -= 1;
        self.obs.busy_change(node, -1, self.now);
        if let Some(next) = self.nodes[node].waiting.pop_front() {
            self.inbound[node].waiting -= 1;
            self.obs.queue_change(node, -1, self.now);
            self.start_service(node, next);
        }
        let m = self.msgs.get_mut(id);
        if m.has(QUARANTINE) {
            let m = *m;
            if m.has(super::message::MARKED) {
                self.followed_ends(id, super::changes::Fate::Quarantined);
            }
            self.free_message(id);
            self.obs.message_quarantined(&m, self.now);
            if m.has(COUNTED) {
                let r = u64::from(m.rcpts);
                self.obs.total.quarantined += 1;
                self.obs.total.recipients[3] += r;
                let st = &mut self.obs.streams[m.stream as usize];
                st.quarantined += 1;
                st.recipients[3] += r;
                self.obs.in_flight -= 1;
            }
            return;
        }
        let rewrite = self.nodes[node].rewrite[m.sender_domain as usize];
        if rewrite != u16::MAX {
            m.sender_domain = rewrite;
        }
        self.route(node, id);
    }

    /// Routing at `node` once its work on the message is done.
    pub(crate) fn route(&mut self, node: usize, id: u32) {
        if self.msgs.get(id).has(MULTI) {
            for (copy, d) in self.split_by_route(node, id) {
                self.route_as(node, copy, d);
            }
            return;
        }
        let d = self.routes.decide(node, self.msgs.get(id));
        self.route_as(node, id, d);
    }

    /// Carries out routing decision `d` for message `id` at `node`.
    fn route_as(&mut self, node: usize, id: u32, d: Decision) {
        match d {
            Decision::Deliver => self.deliver(node, id),
            Decision::RejectUnknown => {
                let code = self.nodes[node].unknown_code;
                self.ndr(node, id, code);
            }
            Decision::Queue(b) => {
                let q = self.queue_of(node, b as usize, id);
                if self.msgs.get(id).rcpts > 1 {
                    for part in self.split_for_delivery(q, id) {
                        self.enqueue(q, part);
                    }
                } else {
                    self.enqueue(q, id)
                }
            }
        }
    }

    /// The queue of routing destination `b` for message `id` at `node`: the queue of the
    /// sender cohort that submitted it (a message handed to the internet by another node goes
    /// to a cohort chosen by its id).
    fn queue_of(&mut self, node: usize, b: usize, id: u32) -> usize {
        let n = self.nodes[node].senders;
        let k = if n <= 1 {
            0
        } else {
            let prev = self.msgs.get(id).prev;
            if is_submitted(prev) {
                u32::from(prev - SUBMITTED) % n
            } else {
                id % n
            }
        };
        self.queue(b, k)
    }

    fn deliver(&mut self, node: usize, id: u32) {
        let m = *self.msgs.get(id);
        if m.has(super::message::MARKED) {
            self.followed_ends(id, super::changes::Fate::Delivered);
        }
        self.free_message(id);
        if m.has(IS_NDR) {
            if m.has(COUNTED) {
                if m.has(DELAY_DSN) {
                    self.obs.dsn_delivered += 1;
                } else {
                    self.obs.ndr_delivered += 1;
                }
            }
            return;
        }
        self.obs.nodes[node].ts_delivered += 1;
        self.obs.message_delivered(&m, self.now);
        if m.has(COUNTED) {
            let latency = (self.now - m.created).0;
            let r = u64::from(m.rcpts);
            self.obs.total.delivered += 1;
            self.obs.total.recipients[1] += r;
            // One histogram record per message: the stream's. All traffic's distribution is
            // their sum, made when the run closes; per-domain ones only when asked for.
            let s = &mut self.obs.streams[m.stream as usize];
            s.delivered += 1;
            s.recipients[1] += r;
            s.latency.record(latency);
            if self.obs.domain_latency {
                let d = usize::from(m.rcpt_domain);
                if self.obs.domains.len() <= d {
                    self.obs.domains.resize_with(d + 1, Default::default);
                }
                self.obs.domains[d].record(latency);
            }
            self.obs.nodes[node].delivered += 1;
            self.obs.in_flight -= 1;
        }
        if let Some(log) = &mut self.log {
            log.push(LogEntry::Delivered {
                time: self.now,
                node: NodeId::from_index(node),
                created: m.created,
            });
        }
    }

    /// Returns message `id` to its sender from `node` with `code`. The NDR is a new message
    /// from `node` to the original sender's domain, routed like any other; an NDR that fails
    /// is dropped, never NDR'd (RFC 5321 §4.5.4, sources §4.1).
    pub(crate) fn ndr(&mut self, node: usize, id: u32, code: u16) {
        let m = *self.msgs.get(id);
        if m.has(IS_NDR) {
            self.free_message(id);
            if m.has(COUNTED) {
                if m.has(DELAY_DSN) {
                    self.obs.dsn_dropped += 1;
                } else {
                    self.obs.ndr_dropped += 1;
                }
            }
            return;
        }
        self.obs.nodes[node].ts_ndr += 1;
        if m.has(MULTI) {
            self.groups.remove(&id);
        }
        if m.has(super::message::MARKED) {
            self.followed_ends(id, super::changes::Fate::Ndr(code));
        }
        self.obs.message_ndr(&m, code, self.now);
        if m.has(COUNTED) {
            let r = u64::from(m.rcpts);
            self.obs.total.ndr += 1;
            self.obs.total.recipients[2] += r;
            self.obs.streams[m.stream as usize].ndr += 1;
            self.obs.streams[m.stream as usize].recipients[2] += r;
            *self.obs.ndr_by_code.entry(code).or_default() += 1;
            self.obs.nodes[node].ndr += 1;
            self.obs.in_flight -= 1;
            self.obs.ndr_sent += 1;
        }
        if let Some(log) = &mut self.log {
            let code = self.codes[code as usize].clone();
            log.push(LogEntry::Ndr {
                time: self.now,
                node: NodeId::from_index(node),
                code,
                created: m.created,
            });
        }
        let back = m.sender_domain as usize;
        let location = draw_mailbox(self.sc, back, &mut self.rng.ndr, false);
        *self.msgs.get_mut(id) = Message {
            created: self.now,
            node_arrival: self.now,
            size: 10_000,
            tags: 0,
            rcpt_domain: back as u16,
            sender_domain: m.rcpt_domain,
            location,
            prev: SUBMITTED,
            stream: NDR_STREAM,
            hops: 0,
            rcpts: 1,
            flags: IS_NDR | (m.flags & COUNTED),
        };
        self.route(node, id);
    }
}

/// Draws the mailbox location of a recipient of `domain` (`UNKNOWN` for a recipient that exists
/// nowhere, when `allow_unknown`).
pub(crate) fn draw_mailbox<R: rand::Rng>(
    sc: &crate::model::Scenario,
    domain: usize,
    rng: &mut R,
    allow_unknown: bool,
) -> u16 {
    let d = &sc.domains[domain];
    if allow_unknown && d.unknown_recipients > 0.0 && unit(rng) < d.unknown_recipients {
        return UNKNOWN;
    }
    match d.mailboxes.as_slice() {
        [] => UNKNOWN,
        [(only, _)] => only.0 as u16,
        boxes => {
            let total: f64 = boxes.iter().map(|b| b.1).sum();
            let mut u = unit(rng) * total;
            for (n, share) in boxes {
                if u < *share {
                    return n.0 as u16;
                }
                u -= share;
            }
            boxes[boxes.len() - 1].0.0 as u16
        }
    }
}
