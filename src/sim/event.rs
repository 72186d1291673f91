//! The event set and the future-event list: a four-ary heap keyed by `(time, seq)`, and a FIFO
//! for events scheduled at the current instant.
//!
//! Events at the same instant run in the order they were scheduled (FIFO), so a run is a pure
//! function of the scenario and the seed. An event scheduled for "now" (a zero-time hop, a
//! session that costs no time) skips the heap: every event the heap holds for this instant was
//! scheduled before the current instant began, so it comes first, and the FIFO keeps the order
//! of the rest — the order is exactly the `(time, seq)` order of one heap.

use std::collections::VecDeque;

use crate::time::SimTime;

/// What happens at an instant. The set is closed: one variant per kind of happening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next message of a traffic stream is submitted.
    Arrival {
        /// Traffic stream index.
        stream: u32,
    },
    /// A worker finishes a message at a node.
    ServiceDone {
        /// Node index.
        node: u32,
        /// Message id.
        msg: u32,
    },
    /// A message's transaction on a session ends with the outcome decided when it started.
    SessionDone {
        /// Session index.
        conn: u32,
        /// Message id.
        msg: u32,
        /// The packed outcome.
        outcome: u32,
    },
    /// A deferred destination's retry time has come (stale when `generation` has moved on).
    RetryDue {
        /// Delivery queue index.
        queue: u32,
        /// The queue generation it was scheduled for.
        generation: u32,
    },
    /// A dead destination (Postfix) may be probed again: `minimal_backoff_time` has passed
    /// since it was declared dead (stale when `generation` has moved on).
    Unthrottle {
        /// Delivery queue index.
        queue: u32,
        /// The queue generation it was scheduled for.
        generation: u32,
    },
    /// The oldest message of a queue reaches its expiration time (Exchange).
    ExpiryDue {
        /// Delivery queue index.
        queue: u32,
    },
    /// A node's deferred messages whose next attempt has come are released (Postfix's
    /// deferred-queue scan, or per-message retries of a destination-level policy) of one sender.
    Scan {
        /// Sender index.
        sender: u32,
    },
    /// A fault starts (`start`) or ends.
    FaultEdge {
        /// Fault index.
        fault: u32,
        /// Whether the fault starts (else ends).
        start: bool,
    },
    /// Record one row of the time series.
    Sample,
    /// The warm-up ends: time averages restart.
    WarmupEnd,
    /// A timed configuration change is made (`lands: false`: its messages waiting are
    /// followed from then on) or reaches its system (`lands: true`).
    Change {
        /// Change index.
        change: u32,
        /// Whether it lands now (else it is made now).
        lands: bool,
    },
}

/// A scheduled event. `key` packs `(time, seq)` as `time << 64 | seq`, so the heap orders
/// entries with one 128-bit comparison instead of a tuple comparison.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u128,
    event: Event,
}

impl Entry {
    #[inline]
    fn time(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

/// A min-heap of entries with four children per node: half the levels of a binary heap, so a
/// pop moves half as many 32-byte entries (keys are unique, so the order popped is the same
/// as any priority queue's).
#[derive(Debug, Default)]
struct QuadHeap {
    v: Vec<Entry>,
}

impl QuadHeap {
    #[inline]
    fn peek(&self) -> Option<&Entry> {
        self.v.first()
    }

    #[inline]
    fn push(&mut self, e: Entry) {
        let i = self.v.len();
        self.v.push(e);
        self.rise(i, e);
    }

    /// Puts `e` in the hole at `i`, or above it while it is smaller than the parent.
    #[inline]
    fn rise(&mut self, mut i: usize, e: Entry) {
        while i > 0 {
            let p = (i - 1) / 4;
            if self.v[p].key <= e.key {
                break;
            }
            self.v[i] = self.v[p];
            i = p;
        }
        self.v[i] = e;
    }

    /// The index of the smallest of the children of `i`, if it has any.
    #[inline]
    fn least_child(v: &[Entry], i: usize) -> Option<usize> {
        let c = 4 * i + 1;
        if c >= v.len() {
            return None;
        }
        Some(if let Some(kids) = v.get(c..c + 4) {
            // All four children (one bounds check for the four; only their keys are read):
            // the smaller of each pair, then of the two.
            let (k0, k1, k2, k3) = (kids[0].key, kids[1].key, kids[2].key, kids[3].key);
            let (a, ka) = if k1 < k0 { (1, k1) } else { (0, k0) };
            let (b, kb) = if k3 < k2 { (3, k3) } else { (2, k2) };
            c + if kb < ka { b } else { a }
        } else {
            let mut m = c;
            for j in c + 1..v.len() {
                if v[j].key < v[m].key {
                    m = j;
                }
            }
            m
        })
    }

    /// Replaces the top with `e` and sifts it down: a pop and a push in one pass, for the
    /// common case of an event that schedules one later event.
    #[inline]
    fn replace_top(&mut self, e: Entry) {
        let v = self.v.as_mut_slice();
        debug_assert!(!v.is_empty());
        let mut i = 0;
        while let Some(m) = Self::least_child(v, i) {
            if v[m].key >= e.key {
                break;
            }
            v[i] = v[m];
            i = m;
        }
        v[i] = e;
    }

    #[inline]
    fn pop(&mut self) -> Option<Entry> {
        let last = self.v.pop()?;
        let Some(&top) = self.v.first() else {
            return Some(last);
        };
        // Bottom-up (Floyd): the hole left by the top goes down to a leaf along the smallest
        // children, with no comparison against `last`, which came from the bottom and almost
        // always belongs near it; `last` then fills the hole and rises while it is smaller
        // than its parent. Same result as sifting `last` down from the top.
        let v = self.v.as_mut_slice();
        let mut i = 0;
        while let Some(m) = Self::least_child(v, i) {
            v[i] = v[m];
            i = m;
        }
        self.rise(i, last);
        Some(top)
    }

    fn len(&self) -> usize {
        self.v.len()
    }

    fn capacity(&self) -> usize {
        self.v.capacity()
    }
}

/// The future-event list.
///
/// The heap's top is taken lazily: the event popped from the heap stays in its slot, marked
/// stale, while its handler runs; if the handler schedules a later event, that event replaces
/// the stale top and sifts down (one pass instead of a pop's and a push's); otherwise the stale
/// top is removed before the next look at the heap. The order of events is unchanged.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: QuadHeap,
    seq: u64,
    /// The instant of the last event taken out.
    now: SimTime,
    /// Events scheduled at `now` while `now` was current, in scheduling order.
    ready: VecDeque<Event>,
    /// The heap's top has been taken out but is still in its slot.
    stale_top: bool,
}

impl EventQueue {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }
    /// Schedules `event` at `time`, after every event already scheduled for that time.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: Event) {
        if time == self.now {
            self.ready.push_back(event);
            return;
        }
        debug_assert!(time > self.now, "an event scheduled in the past");
        self.seq += 1;
        let e = Entry {
            key: u128::from(time.0) << 64 | u128::from(self.seq),
            event,
        };
        if self.stale_top {
            self.stale_top = false;
            self.heap.replace_top(e);
        } else {
            self.heap.push(e);
        }
    }
    /// Removes the stale top, if there is one.
    #[inline]
    fn settle(&mut self) {
        if self.stale_top {
            self.stale_top = false;
            self.heap.pop();
        }
    }
    /// The time of the next event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if self.ready.is_empty() {
            self.settle();
            self.heap.peek().map(Entry::time)
        } else {
            Some(self.now)
        }
    }
    /// Removes and returns the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        self.pop_through(SimTime::NEVER)
    }
    /// Removes and returns the next event if it is due at or before `until`.
    #[inline]
    pub fn pop_through(&mut self, until: SimTime) -> Option<(SimTime, Event)> {
        self.settle();
        // The heap's events for this instant were scheduled before it began: they go first.
        if let Some(e) = self.ready.front().copied() {
            if self.now > until {
                return None;
            }
            if let Some(h) = self.heap.peek().filter(|h| h.time() == self.now).copied() {
                self.stale_top = true;
                return Some((self.now, h.event));
            }
            self.ready.pop_front();
            return Some((self.now, e));
        }
        let e = *self.heap.peek()?;
        if e.time() > until {
            return None;
        }
        self.stale_top = true;
        self.now = e.time();
        Some((self.now, e.event))
    }
    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len() + self.ready.len() - usize::from(self.stale_top)
    }
    /// Bytes the list holds allocated (its capacity, not its length).
    pub fn allocated_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<Entry>()
            + self.ready.capacity() * std::mem::size_of::<Event>()
    }
    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_and_a_heap_entry_stay_small() {
        // The heap moves entries on every push and pop: 16-byte events, 32-byte entries.
        assert_eq!(std::mem::size_of::<Event>(), 16);
        assert_eq!(std::mem::size_of::<Entry>(), 32);
    }

    #[test]
    fn two_events_at_the_same_time_leave_in_the_order_they_were_scheduled() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), Event::Arrival { stream: 1 });
        q.schedule(SimTime(3), Event::Sample);
        q.schedule(SimTime(5), Event::Arrival { stream: 2 });
        assert_eq!(q.pop(), Some((SimTime(3), Event::Sample)));
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 1 })));
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 2 })));
        assert!(q.is_empty());
    }

    /// A xorshift draw in `0..m`: the tests' own reproducible randomness.
    fn draw(x: &mut u64, m: u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x % m
    }

    #[test]
    fn the_heap_gives_entries_in_key_order() {
        let mut h = QuadHeap::default();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut keys = Vec::new();
        for i in 0..2000u32 {
            let key = u128::from(draw(&mut x, 500)) << 64 | u128::from(i);
            keys.push(key);
            h.push(Entry {
                key,
                event: Event::Sample,
            });
            if i % 3 == 0 {
                // Interleaved pops: the smallest pushed so far leaves.
                keys.sort_unstable();
                assert_eq!(h.pop().map(|e| e.key), Some(keys.remove(0)));
            }
        }
        keys.sort_unstable();
        let popped: Vec<u128> = std::iter::from_fn(|| h.pop().map(|e| e.key)).collect();
        assert_eq!(popped, keys);
        assert_eq!(h.len(), 0);
    }

    #[test]
    fn any_mix_of_schedules_and_pops_leaves_in_time_then_scheduling_order() {
        // The list against a sorted reference: handlers that schedule none, one (the stale
        // top is replaced) or several later events, and events for the current instant.
        let mut q = EventQueue::new();
        let mut reference: std::collections::BTreeMap<(u64, u64), u32> = Default::default();
        let (mut x, mut seq, mut id) = (0x2545_f491_4f6c_dd1d_u64, 0u64, 0u32);
        let mut schedule = |q: &mut EventQueue, r: &mut std::collections::BTreeMap<_, _>, t| {
            id += 1;
            seq += 1;
            q.schedule(SimTime(t), Event::Arrival { stream: id });
            r.insert((t, seq), id);
        };
        for _ in 0..20 {
            schedule(&mut q, &mut reference, 1 + draw(&mut x, 50));
        }
        let mut popped = 0;
        loop {
            // Now and then a bound that stops before the next event: nothing leaves.
            let due = reference.keys().next().map(|k| k.0);
            if let Some(n) = due
                && n > 0
                && draw(&mut x, 5) == 0
            {
                assert_eq!(q.pop_through(SimTime(n - 1)), None);
                assert_eq!(q.len(), reference.len());
            }
            let Some((t, ev)) = q.pop_through(SimTime(due.unwrap_or(0))).or_else(|| q.pop()) else {
                break;
            };
            let (&(rt, rs), &rid) = reference.iter().next().expect("the reference has it");
            reference.remove(&(rt, rs));
            assert_eq!((t, ev), (SimTime(rt), Event::Arrival { stream: rid }));
            assert_eq!(q.len(), reference.len());
            popped += 1;
            if popped < 5_000 {
                for _ in 0..draw(&mut x, 4) {
                    let later = if draw(&mut x, 4) == 0 {
                        0
                    } else {
                        1 + draw(&mut x, 40)
                    };
                    schedule(&mut q, &mut reference, t.0 + later);
                }
            }
            assert_eq!(q.peek_time(), reference.keys().next().map(|k| SimTime(k.0)));
        }
        assert!(reference.is_empty() && q.is_empty());
        assert!(popped > 5_000);
    }

    #[test]
    fn an_event_scheduled_for_now_runs_after_the_heaps_events_for_now_in_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), Event::Arrival { stream: 1 });
        q.schedule(SimTime(5), Event::Arrival { stream: 2 });
        q.schedule(SimTime(9), Event::Sample);
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 1 })));
        // Scheduled at 5 while 5 is current: after stream 2, which was scheduled earlier.
        q.schedule(SimTime(5), Event::Arrival { stream: 3 });
        q.schedule(SimTime(5), Event::Arrival { stream: 4 });
        assert_eq!(q.len(), 4);
        assert_eq!(q.peek_time(), Some(SimTime(5)));
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 2 })));
        q.schedule(SimTime(5), Event::Arrival { stream: 5 });
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 3 })));
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 4 })));
        assert_eq!(q.pop(), Some((SimTime(5), Event::Arrival { stream: 5 })));
        assert_eq!(q.pop(), Some((SimTime(9), Event::Sample)));
        assert!(q.is_empty());
    }
}
