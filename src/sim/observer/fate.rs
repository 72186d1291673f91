//! What became of every counted message, and when: time to delivery or to NDR, messages
//! delayed past thresholds, and the ages of those still in flight — per traffic stream and per
//! recipient domain, streamed: counters by creation minute, never a record per message. The
//! ages in flight are counted once, when the run closes, from the messages still in flight.

use std::collections::{BTreeMap, VecDeque};

use super::histogram::Latency;
use crate::sim::message::{COUNTED, IS_NDR, Message};
use crate::time::{SimDuration, SimTime};

/// Creation times are kept to the minute: the ages of messages still in flight are exact to
/// within one minute.
pub const COHORT: SimDuration = SimDuration::from_mins(1);

fn cohort(t: SimTime) -> u64 {
    t.0 / COHORT.0
}

/// Messages in flight counted by creation minute, oldest first; memory follows the span of
/// ages in flight, not the number of messages.
#[derive(Clone, Debug, Default)]
pub struct AgeRing {
    first: u64,
    counts: VecDeque<u32>,
    total: u64,
}

impl AgeRing {
    /// Counts one more at `minute` (any whole-minute key: a creation minute here, an arrival
    /// minute in a delivery queue).
    pub(crate) fn add(&mut self, minute: u64) {
        self.add_n(minute, 1);
    }

    fn add_n(&mut self, minute: u64, n: u32) {
        if self.counts.is_empty() {
            self.first = minute;
        }
        while minute < self.first {
            // Not expected (creation times only grow), but never lose a message.
            self.counts.push_front(0);
            self.first -= 1;
        }
        let i = (minute - self.first) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += n;
        self.total += u64::from(n);
    }

    /// Counts one less at `minute` (nothing when none is counted there).
    pub(crate) fn remove(&mut self, minute: u64) {
        let Some(i) = minute.checked_sub(self.first).map(|i| i as usize) else {
            return;
        };
        match self.counts.get_mut(i) {
            Some(c) if *c > 0 => *c -= 1,
            _ => return,
        }
        self.total -= 1;
        while self.counts.front() == Some(&0) {
            self.counts.pop_front();
            self.first += 1;
        }
    }

    /// Adds every message in flight of `other`, minute by minute.
    fn merge(&mut self, other: &AgeRing) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add_n(other.first + i as u64, c);
            }
        }
    }

    /// How many are counted at `minute` or before.
    pub(crate) fn up_to(&self, minute: u64) -> u64 {
        self.below(minute.saturating_add(1))
    }

    /// How many are counted at minutes before `cut`.
    fn below(&self, cut: u64) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .take_while(|(i, _)| self.first + (*i as u64) < cut)
            .map(|(_, c)| u64::from(*c))
            .sum()
    }

    /// Messages in flight.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Messages in flight created before `t` (to the minute: the minute holding `t` counts
    /// as after it).
    pub fn created_before(&self, t: SimTime) -> u64 {
        self.below(cohort(t))
    }

    /// Creation time (start of its minute) of the oldest message in flight.
    pub fn oldest(&self) -> Option<SimTime> {
        (self.total > 0).then(|| SimTime(self.first * COHORT.0))
    }

    /// (creation minute start, messages) of every minute with messages in flight.
    pub fn minutes(&self) -> impl Iterator<Item = (SimTime, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| (SimTime((self.first + i as u64) * COHORT.0), u64::from(*c)))
    }
}

/// The fate of one group of messages (everything, a stream, a recipient domain).
#[derive(Clone, Debug, Default)]
pub struct Fate {
    /// Created after the warm-up.
    pub generated: u64,
    /// Delivered.
    pub delivered: u64,
    /// Returned as NDRs.
    pub ndr: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Delivered later than each of the [`Fates::thresholds`].
    pub delivered_late: Vec<u64>,
    /// NDR'd later than each of the [`Fates::thresholds`] after creation.
    pub ndr_late: Vec<u64>,
    /// Still in flight, by creation minute.
    pub in_flight: AgeRing,
}

impl Fate {
    /// An empty record with room for `thresholds` delay thresholds.
    pub fn new(thresholds: usize) -> Fate {
        Fate {
            delivered_late: vec![0; thresholds],
            ndr_late: vec![0; thresholds],
            ..Fate::default()
        }
    }

    /// Adds every count of `other` (same thresholds).
    fn merge(&mut self, other: &Fate) {
        self.generated += other.generated;
        self.delivered += other.delivered;
        self.ndr += other.ndr;
        self.quarantined += other.quarantined;
        for (a, b) in self.delivered_late.iter_mut().zip(&other.delivered_late) {
            *a += b;
        }
        for (a, b) in self.ndr_late.iter_mut().zip(&other.ndr_late) {
            *a += b;
        }
        self.in_flight.merge(&other.in_flight);
    }

    /// Delivered, later than the first `late` thresholds.
    fn delivered(&mut self, late: usize) {
        self.delivered += 1;
        for n in &mut self.delivered_late[..late] {
            *n += 1;
        }
    }

    /// NDR'd, later than the first `late` thresholds.
    fn ndr(&mut self, late: usize) {
        self.ndr += 1;
        for n in &mut self.ndr_late[..late] {
            *n += 1;
        }
    }

    fn quarantined(&mut self) {
        self.quarantined += 1;
    }
}

/// One creation minute of all counted traffic: how many were created, how many have finished
/// and when the last of them finished (to trace the oldest message in flight over time).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cohort {
    /// Created in this minute.
    pub generated: u32,
    /// Of those, delivered, NDR'd or quarantined so far.
    pub finished: u32,
    /// When the last of those finished.
    pub last_finished: SimTime,
}

/// Every outcome-time recorder of a run.
#[derive(Clone, Debug, Default)]
pub struct Fates {
    /// The "delayed over" thresholds counted, ascending (the scenario's `delay_thresholds`).
    pub thresholds: Vec<SimDuration>,
    /// All counted traffic: the sum of the streams', made by [`Fates::close`].
    pub total: Fate,
    /// Per traffic stream.
    pub streams: Vec<Fate>,
    /// Per recipient domain (by domain index; grown on first use).
    pub domains: Vec<Fate>,
    /// Creation to NDR of the counted messages NDR'd.
    pub time_to_ndr: Latency,
    /// The same, by NDR code index.
    pub time_to_ndr_by_code: BTreeMap<u16, Latency>,
    /// All counted traffic by creation minute.
    pub cohorts: Vec<Cohort>,
}

impl Fates {
    /// Recorders for `streams` traffic streams, counting delays over each of `thresholds`.
    pub fn new(streams: usize, thresholds: &[SimDuration]) -> Fates {
        debug_assert!(thresholds.is_sorted(), "delay thresholds ascending");
        let n = thresholds.len();
        Fates {
            thresholds: thresholds.to_vec(),
            total: Fate::new(n),
            streams: vec![Fate::new(n); streams],
            ..Fates::default()
        }
    }

    /// Counts the ages of the messages still `in_flight` (the counted ones among them, by
    /// creation minute, in their stream and recipient domain) and sums all counted traffic's
    /// record from the streams' (each counted message is counted in its stream only while the
    /// run goes). Counting the messages in flight at the end gives what counting each one in
    /// at its creation and out at its end would, without two ring updates per message.
    pub fn close<'m>(&mut self, in_flight: impl Iterator<Item = &'m Message>) {
        for m in in_flight.filter(|m| m.has(COUNTED) && !m.has(IS_NDR)) {
            for g in self.groups(m.stream, m.rcpt_domain) {
                g.in_flight.add(cohort(m.created));
            }
        }
        let mut total = Fate::new(self.thresholds.len());
        for s in &self.streams {
            total.merge(s);
        }
        self.total = total;
    }

    /// The records a message of `stream` to `domain` counts in (its stream, its domain),
    /// grown on first use.
    fn groups(&mut self, stream: u16, domain: u16) -> [&mut Fate; 2] {
        let n = self.thresholds.len();
        let d = domain as usize;
        if self.domains.len() <= d {
            self.domains.resize(d + 1, Fate::new(n));
        }
        if self.streams.len() <= stream as usize {
            self.streams.resize(stream as usize + 1, Fate::new(n));
        }
        [&mut self.streams[stream as usize], &mut self.domains[d]]
    }

    /// How many of the thresholds (ascending) an outcome after `age` is later than.
    #[inline]
    fn late(&self, age: SimDuration) -> usize {
        self.thresholds.partition_point(|x| age > *x)
    }

    fn cohort_finished(&mut self, m: &Message, now: SimTime) {
        if let Some(c) = self.cohorts.get_mut(cohort(m.created) as usize) {
            c.finished += 1;
            c.last_finished = c.last_finished.max(now);
        }
    }

    /// A counted message of `stream` to `domain` was created at `now`.
    pub fn created(&mut self, stream: u16, domain: u16, now: SimTime) {
        for g in self.groups(stream, domain) {
            g.generated += 1;
        }
        let i = cohort(now) as usize;
        if self.cohorts.len() <= i {
            self.cohorts.resize(i + 1, Cohort::default());
        }
        self.cohorts[i].generated += 1;
    }

    /// A counted message was delivered at `now`.
    pub fn delivered(&mut self, m: &Message, now: SimTime) {
        let late = self.late(now.since(m.created));
        for g in self.groups(m.stream, m.rcpt_domain) {
            g.delivered(late);
        }
        self.cohort_finished(m, now);
    }

    /// A counted message was returned with code `code` at `now`.
    pub fn ndr(&mut self, m: &Message, code: u16, now: SimTime) {
        let age = now.since(m.created);
        let late = self.late(age);
        for g in self.groups(m.stream, m.rcpt_domain) {
            g.ndr(late);
        }
        self.time_to_ndr.record(age.0);
        self.time_to_ndr_by_code
            .entry(code)
            .or_default()
            .record(age.0);
        self.cohort_finished(m, now);
    }

    /// A counted message was quarantined at `now`.
    pub fn quarantined(&mut self, m: &Message, now: SimTime) {
        for g in self.groups(m.stream, m.rcpt_domain) {
            g.quarantined();
        }
        self.cohort_finished(m, now);
    }

    /// Age of the oldest counted message in flight at each of `times` (increasing), µs; 0 when
    /// nothing is in flight. A minute whose messages have not all finished by the end is in
    /// flight from its start on; otherwise until its last message finished. The oldest minute
    /// in flight only moves forward in time, so one pass suffices.
    pub fn oldest_at(&self, times: &[SimTime]) -> Vec<u64> {
        let mut first = 0usize;
        let end = |c: &Cohort| {
            if c.finished < c.generated {
                SimTime::NEVER
            } else {
                c.last_finished
            }
        };
        times
            .iter()
            .map(|&t| {
                while first < self.cohorts.len()
                    && (self.cohorts[first].generated == 0 || end(&self.cohorts[first]) <= t)
                {
                    first += 1;
                }
                let start = SimTime(first as u64 * COHORT.0);
                if first < self.cohorts.len() && start <= t {
                    t.since(start).0
                } else {
                    0
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::message::SUBMITTED;

    fn msg(created_s: u64, stream: u16, domain: u16) -> Message {
        Message {
            created: SimTime(created_s * 1_000_000),
            node_arrival: SimTime(created_s * 1_000_000),
            size: 0,
            tags: 0,
            rcpt_domain: domain,
            sender_domain: 0,
            location: 0,
            prev: SUBMITTED,
            stream,
            hops: 0,
            rcpts: 1,
            flags: COUNTED,
        }
    }

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    #[test]
    fn a_message_delivered_after_two_hours_is_late_for_one_hour_only() {
        let mut f = Fates::new(1, &crate::model::DEFAULT_DELAY_THRESHOLDS);
        let m = msg(0, 0, 2);
        f.created(0, 2, m.created);
        f.delivered(&m, secs(7200));
        f.close(std::iter::empty());
        assert_eq!(f.total.delivered_late, [1, 0, 0]);
        assert_eq!(f.domains[2].delivered_late, [1, 0, 0]);
        assert_eq!(f.total.in_flight.total(), 0);
    }

    #[test]
    fn messages_still_in_flight_keep_their_age_to_the_minute() {
        let mut f = Fates::new(1, &crate::model::DEFAULT_DELAY_THRESHOLDS);
        for s in [0, 30, 600, 7200] {
            f.created(0, 0, secs(s));
        }
        f.ndr(&msg(30, 0, 0), 9, secs(90_000));
        // Still in flight at the end (in no particular order), and an NDR, which is not counted.
        let mut ndr = msg(0, 0, 0);
        ndr.flags |= IS_NDR;
        let left = [msg(7200, 0, 0), ndr, msg(0, 0, 0), msg(600, 0, 0)];
        f.close(left.iter());
        let ring = &f.total.in_flight;
        assert_eq!(ring.total(), 3);
        assert_eq!(ring.oldest(), Some(secs(0)));
        assert_eq!(ring.created_before(secs(3600)), 2);
        assert_eq!(f.total.ndr_late, [1, 1, 1]);
        assert_eq!(f.time_to_ndr_by_code[&9].count(), 1);
    }

    #[test]
    fn the_oldest_message_in_flight_is_traced_over_time() {
        let mut f = Fates::new(1, &crate::model::DEFAULT_DELAY_THRESHOLDS);
        f.created(0, 0, secs(0));
        f.created(0, 0, secs(120));
        f.delivered(&msg(0, 0, 0), secs(300));
        let ages: Vec<u64> = f
            .oldest_at(&[secs(60), secs(299), secs(300), secs(400)])
            .into_iter()
            .map(|a| a / 1_000_000)
            .collect();
        // Until 300 s the first minute holds a message; after, the message of minute 2 (120 s).
        assert_eq!(ages, vec![60, 299, 180, 280]);
    }
}
