//! Run state of delivery queues: one per sending node and next hop, with the state the
//! sender's retry machinery keeps about the destination.

use std::collections::VecDeque;

use super::observer::fate::{AgeRing, COHORT};
use super::routing::QueueKey;
use crate::time::SimTime;

/// Whether a delivery queue may open sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueueMode {
    /// Sessions up to the concurrency limit.
    Open,
    /// The destination failed (destination-level policy): wait for the retry time.
    Retry,
    /// One session tries the destination; the rest wait for its result.
    Probing,
    /// Postfix declared the destination dead: no session until `minimal_backoff_time` has
    /// passed; its messages are deferred without a connection ("delivery temporarily
    /// suspended").
    Dead,
}

/// Run state of a delivery queue.
#[derive(Debug)]
pub(crate) struct QueueState {
    /// Identity.
    pub key: QueueKey,
    /// Its id (see `Engine::queue_slot`).
    pub id: u32,
    /// The sender (node, or cohort of the internet) whose queue it is.
    pub sender: u32,
    /// Messages to attempt, in order (Postfix: its active queue's entries for the destination).
    pub msgs: VecDeque<u32>,
    /// Messages of this queue held in the node's calendar, waiting for their next attempt.
    pub deferred: u32,
    /// Sessions open.
    pub active: u32,
    /// Most sessions at once (the node's `max_connections_per_destination`).
    pub limit: u32,
    /// Open, retrying, probing or dead.
    pub mode: QueueMode,
    /// Consecutive failed attempts (destination-level schedule step).
    pub failures: u32,
    /// Bumped at each state change so stale timers are ignored.
    pub generation: u32,
    /// The last deferral code (for alerts, suspended deferrals and expiry attribution).
    pub last_code: Option<u16>,
    /// Postfix's concurrency window (slow start from `initial_destination_concurrency`).
    pub window: f64,
    /// Postfix's failed pseudo-cohorts since the last success.
    pub fail_cohorts: f64,
    /// Postfix declared it dead since its last delivery.
    pub was_dead: bool,
    /// When the pending expiry check of the queue's oldest message fires (`NEVER`: none).
    pub expiry_at: SimTime,
    /// A configuration change altered routing at its node: its deferred messages are routed
    /// again when their retry comes.
    pub stale: bool,
    /// Messages waiting in it: to attempt, or deferred in the calendar (a message in a session
    /// is not counted; it is again if the attempt fails).
    pub queued: u64,
    /// The same messages counted by the minute they arrived at the node, minute `k` holding
    /// the arrivals in `((k - 1) min, k min]`: how many have waited since a whole minute or
    /// longer is a sum over minutes, not a pass over the messages.
    pub arrivals: AgeRing,
}

/// The arrival-minute key of a message that arrived at `t` (see [`QueueState::arrivals`]).
pub(crate) fn arrival_minute(t: SimTime) -> u64 {
    t.0.div_ceil(COHORT.0)
}

impl QueueState {
    /// A fresh, open queue.
    pub(crate) fn new(key: QueueKey, sender: u32, limit: u32, window: f64, id: u32) -> QueueState {
        QueueState {
            key,
            id,
            sender,
            msgs: VecDeque::new(),
            deferred: 0,
            active: 0,
            limit,
            mode: QueueMode::Open,
            failures: 0,
            generation: 0,
            last_code: None,
            window,
            fail_cohorts: 0.0,
            was_dead: false,
            expiry_at: SimTime::NEVER,
            stale: false,
            queued: 0,
            arrivals: AgeRing::default(),
        }
    }

    /// Sessions the queue may have open now: the limit, and Postfix's window.
    pub(crate) fn concurrency(&self) -> u32 {
        (self.window.floor() as u32).clamp(1, self.limit.max(1))
    }

    /// Messages waiting: to attempt now, or deferred.
    pub(crate) fn waiting(&self) -> u64 {
        self.msgs.len() as u64 + u64::from(self.deferred)
    }
}

/// An SMTP session of a queue: the connection, once open, and the messages it carried.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conn {
    /// The queue it belongs to.
    pub queue: u32,
    /// The connection, once opened (`None` while it failed to open).
    pub opened: Option<super::delivery::Opened>,
    /// Messages it carried, the one in progress included.
    pub uses: u32,
    /// When it was opened.
    pub since: SimTime,
}

/// The sessions in progress, by id (a slab: ids are reused).
#[derive(Debug, Default)]
pub(crate) struct Conns {
    slots: Vec<Conn>,
    free: Vec<u32>,
}

impl Conns {
    /// Stores a new session; returns its id.
    pub(crate) fn open(&mut self, c: Conn) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = c;
                id
            }
            None => {
                self.slots.push(c);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The session with this id.
    pub(crate) fn get(&self, id: u32) -> &Conn {
        &self.slots[id as usize]
    }

    /// The session with this id, mutably.
    pub(crate) fn get_mut(&mut self, id: u32) -> &mut Conn {
        &mut self.slots[id as usize]
    }

    /// Ends a session; returns what it was.
    pub(crate) fn close(&mut self, id: u32) -> Conn {
        self.free.push(id);
        self.slots[id as usize]
    }
}
