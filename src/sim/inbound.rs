//! The receive side of each node: the inbound connections it has open (in all and per sending
//! MTA), the messages waiting for its workers, and Exchange's back-pressure level, which
//! follows those waiting messages with hysteresis (sources §2.5).

use crate::model::BackPressure;
use crate::time::{SimDuration, SimTime};

/// Exchange's back-pressure level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Mail is accepted.
    Normal,
    /// Anonymous senders are refused, others tarpitted; since when.
    Medium(SimTime),
    /// Every new message is refused.
    High,
}

/// Receive-side state of one node.
#[derive(Clone, Debug)]
pub struct NodeInbound {
    /// Inbound connections open now.
    pub active: u32,
    /// Inbound connections open now per sender (empty when the node has no per-source limit).
    pub per_sender: Vec<u32>,
    /// Messages waiting for a worker (the submission queue).
    pub waiting: u32,
    /// Messages in service.
    pub busy: u32,
    /// Workers (`u32::MAX`: unlimited).
    pub workers: u32,
    /// Back-pressure level.
    pub level: Level,
}

impl NodeInbound {
    /// A node with no connection open; `senders` counters if it limits connections per source.
    pub fn new(workers: u32, senders: usize, per_source: bool) -> NodeInbound {
        NodeInbound {
            active: 0,
            per_sender: if per_source {
                vec![0; senders]
            } else {
                Vec::new()
            },
            waiting: 0,
            busy: 0,
            workers,
            level: Level::Normal,
        }
    }

    /// The back-pressure level at `now`, moved up or down by the waiting messages.
    pub fn level(&mut self, bp: &BackPressure, now: SimTime) -> Level {
        let w = u64::from(self.waiting);
        self.level = match self.level {
            Level::Normal if w >= bp.medium_to_high => Level::High,
            Level::Normal if w >= bp.low_to_medium => Level::Medium(now),
            Level::Medium(_) if w >= bp.medium_to_high => Level::High,
            Level::Medium(_) if w < bp.medium_to_low => Level::Normal,
            Level::High if w < bp.medium_to_low => Level::Normal,
            Level::High if w < bp.high_to_medium => Level::Medium(now),
            l => l,
        };
        self.level
    }

    /// The tarpit delay at medium level: `tarpit`, growing by `tarpit_step` per minute at
    /// medium, up to `tarpit_max` (sources §2.5).
    pub fn tarpit(bp: &BackPressure, since: SimTime, now: SimTime) -> SimDuration {
        let minutes = now.since(since).0 / 60_000_000;
        let grown = bp
            .tarpit
            .0
            .saturating_add(bp.tarpit_step.0.saturating_mul(minutes));
        SimDuration(grown.min(bp.tarpit_max.0))
    }

    /// Whether the node cannot keep up: mail waits while every worker is busy (Postfix's
    /// `in_flow_delay` then slows each new message).
    pub fn congested(&self) -> bool {
        self.workers != u32::MAX && self.waiting > 0 && self.busy >= self.workers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_rises_and_falls_with_hysteresis() {
        let bp = BackPressure::exchange();
        let mut n = NodeInbound::new(4, 0, false);
        let t = SimTime(0);
        n.waiting = 9_000;
        assert_eq!(n.level(&bp, t), Level::Normal);
        n.waiting = 10_000;
        assert_eq!(n.level(&bp, t), Level::Medium(t));
        n.waiting = 15_000;
        assert_eq!(n.level(&bp, t), Level::High);
        n.waiting = 12_000;
        assert_eq!(n.level(&bp, t), Level::High, "high holds until 10,000");
        n.waiting = 9_999;
        assert_eq!(n.level(&bp, t), Level::Medium(t));
        n.waiting = 3_000;
        assert_eq!(
            n.level(&bp, t),
            Level::Medium(t),
            "medium holds until 2,000"
        );
        n.waiting = 1_999;
        assert_eq!(n.level(&bp, t), Level::Normal);
    }

    #[test]
    fn the_tarpit_grows_by_five_seconds_a_minute_up_to_55() {
        let bp = BackPressure::exchange();
        let at =
            |m: u64| NodeInbound::tarpit(&bp, SimTime(0), SimTime(m * 60_000_000)).0 / 1_000_000;
        assert_eq!((at(0), at(1), at(5), at(60)), (10, 15, 35, 55));
    }
}
