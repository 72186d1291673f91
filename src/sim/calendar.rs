//! Deferred messages of a node, released on its retry grid: Postfix's deferred-queue scan every
//! `queue_run_delay`, or a one-minute grid for messages retried alone under a destination-level
//! policy. A message costs one entry in a bucket, never a timer of its own: the engine
//! schedules one event per non-empty scan.

use std::collections::{BTreeMap, BTreeSet};

use crate::time::SimTime;

/// The buckets of one node.
#[derive(Debug, Default)]
pub struct Calendar {
    /// Scan interval, µs (at least 1).
    grid: u64,
    /// Time of scan 0, µs (Postfix's scans run at an arbitrary phase).
    phase: u64,
    /// Scan index → (queue, message) due at that scan, in the order they were deferred.
    buckets: BTreeMap<u64, Vec<(u32, u32)>>,
    /// Scan indices with an event scheduled.
    pending: BTreeSet<u64>,
    /// Messages held.
    len: usize,
}

impl Calendar {
    /// An empty calendar scanning every `grid` from `phase` (taken modulo `grid`).
    pub fn new(grid: u64, phase: u64) -> Calendar {
        let grid = grid.max(1);
        Calendar {
            grid,
            phase: phase % grid,
            ..Calendar::default()
        }
    }

    /// The first scan index at or after `t`.
    fn index_at_or_after(&self, t: SimTime) -> u64 {
        t.0.saturating_sub(self.phase).div_ceil(self.grid)
    }

    /// The last scan index at or before `t`.
    fn index_at_or_before(&self, t: SimTime) -> Option<u64> {
        t.0.checked_sub(self.phase).map(|d| d / self.grid)
    }

    /// The time of scan `i`.
    fn time_of(&self, i: u64) -> SimTime {
        SimTime(self.phase.saturating_add(i.saturating_mul(self.grid)))
    }

    /// Holds message `m` of queue `q` until the first scan at or after `due`; returns the time
    /// of a scan event the engine must schedule, if none is pending early enough.
    pub fn insert(&mut self, due: SimTime, q: u32, m: u32) -> Option<SimTime> {
        let i = self.index_at_or_after(due);
        self.buckets.entry(i).or_default().push((q, m));
        self.len += 1;
        self.claim(i)
    }

    /// Registers an event for scan `i` unless one at or before it is pending.
    fn claim(&mut self, i: u64) -> Option<SimTime> {
        match self.pending.first() {
            Some(&p) if p <= i => None,
            _ => {
                self.pending.insert(i);
                Some(self.time_of(i))
            }
        }
    }

    /// Every (queue, message) held, in scan order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.buckets.values().flatten().copied()
    }

    /// The scan at `now`: every message due by now, in order, and the time of the next scan
    /// event to schedule, if any.
    pub fn take_due(&mut self, now: SimTime) -> (Vec<(u32, u32)>, Option<SimTime>) {
        let Some(last) = self.index_at_or_before(now) else {
            return (Vec::new(), None);
        };
        while self.pending.first().is_some_and(|&p| p <= last) {
            self.pending.pop_first();
        }
        let mut out = Vec::new();
        while let Some(entry) = self.buckets.first_entry() {
            if *entry.key() > last {
                break;
            }
            out.extend(entry.remove());
        }
        self.len -= out.len();
        let next = self.buckets.keys().next().copied();
        (out, next.and_then(|i| self.claim(i)))
    }

    /// Messages held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no message is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the buckets (capacity), for memory accounting.
    pub fn allocated_bytes(&self) -> usize {
        self.buckets
            .values()
            .map(|b| b.capacity() * std::mem::size_of::<(u32, u32)>() + 48)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_leave_at_the_first_scan_after_they_are_due_in_deferral_order() {
        let mut c = Calendar::new(5_000_000, 2_000_000); // scans at 2 s, 7 s, 12 s, …
        assert_eq!(c.insert(SimTime(6_000_000), 0, 1), Some(SimTime(7_000_000)));
        assert_eq!(c.insert(SimTime(7_000_000), 0, 2), None);
        assert_eq!(c.insert(SimTime(3_000_000), 1, 3), None);
        assert_eq!(c.len(), 3);
        let (due, next) = c.take_due(SimTime(7_000_000));
        assert_eq!(due, vec![(0, 1), (0, 2), (1, 3)]);
        assert_eq!(next, None);
        assert!(c.is_empty());
    }

    #[test]
    fn one_event_per_non_empty_scan() {
        let mut c = Calendar::new(10, 0);
        assert_eq!(c.insert(SimTime(25), 0, 1), Some(SimTime(30)));
        assert_eq!(c.insert(SimTime(55), 0, 2), None);
        assert_eq!(c.insert(SimTime(11), 0, 3), Some(SimTime(20)));
        let (due, next) = c.take_due(SimTime(20));
        assert_eq!((due, next), (vec![(0, 3)], None));
        let (due, next) = c.take_due(SimTime(30));
        assert_eq!((due, next), (vec![(0, 1)], Some(SimTime(60))));
        let (due, next) = c.take_due(SimTime(60));
        assert_eq!((due, next), (vec![(0, 2)], None));
    }
}
