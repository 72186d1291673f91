//! Retry policies: when a deferred destination is tried again, and when messages expire.
//!
//! Presets follow sources §1.1 (Exchange Online), §2.1 (Exchange Server), §3.1 (Postfix)
//! and §4.1 (RFC 5321).

use crate::time::SimDuration;

/// When the next attempt is made after consecutive failures of a destination.
#[derive(Clone, Debug, PartialEq)]
pub enum RetrySchedule {
    /// The listed waits in order, then `then` forever.
    Fixed {
        /// Waits after the 1st, 2nd, … failure.
        steps: Vec<SimDuration>,
        /// Wait after every later failure.
        then: SimDuration,
    },
    /// `min · factor^(n-1)`, capped at `max`.
    Backoff {
        /// First wait.
        min: SimDuration,
        /// Largest wait.
        max: SimDuration,
        /// Growth per failure.
        factor: f64,
    },
    /// Postfix: wait = age of the oldest queued message clamped to [min, max], attempts made on
    /// the next queue run (every `queue_run`).
    PostfixAge {
        /// `minimal_backoff_time` (300 s).
        min: SimDuration,
        /// `maximal_backoff_time` (4000 s).
        max: SimDuration,
        /// `queue_run_delay` (300 s).
        queue_run: SimDuration,
    },
}

/// A node's retry, expiry and delay-notice policy.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Preset name, or `"explicit"`.
    pub name: String,
    /// When deferred destinations are retried.
    pub schedule: RetrySchedule,
    /// Age at the node after which a queued message is returned as an NDR.
    pub expire_after: SimDuration,
    /// Age after which a delay DSN is sent (once per message), if any.
    pub delay_notice: Option<SimDuration>,
    /// The NDR code written on expiry, e.g. `550 4.4.7 QUEUE.Expired; message expired`.
    pub expiry_code: String,
}

/// Exchange's expiry NDR text (sources §1.3), used by both Exchange presets.
pub const EXCHANGE_EXPIRED: &str = "550 4.4.7 QUEUE.Expired; message expired";
/// Postfix and RFC 5321 senders report delivery time expired as X.4.7 (sources §4.5).
pub const MTA_EXPIRED: &str = "550 5.4.7 Delivery time expired";

impl RetryPolicy {
    /// The preset of this name, if there is one.
    pub fn preset(name: &str) -> Option<RetryPolicy> {
        let m = SimDuration::from_mins;
        let (schedule, expire_after, delay_notice, code) = match name {
            // 15 min, 15 min, then hourly for the rest of 24 h (DANE doc, sources §1.1).
            "exchange_online" => (
                RetrySchedule::Fixed {
                    steps: vec![m(15), m(15)],
                    then: m(60),
                },
                SimDuration::from_hours(24),
                None,
                EXCHANGE_EXPIRED,
            ),
            // 4 glitch retries × 1 min, 6 transient retries × 5 min, then every 10 min; delay
            // DSN at 4 h; expiry 2 days (sources §2.1).
            "exchange_server" => {
                let mut steps = vec![m(1); 4];
                steps.extend(std::iter::repeat_n(m(5), 6));
                (
                    RetrySchedule::Fixed { steps, then: m(10) },
                    SimDuration::from_days(2),
                    Some(SimDuration::from_hours(4)),
                    EXCHANGE_EXPIRED,
                )
            }
            // minimal_backoff_time 300 s, maximal_backoff_time 4000 s, queue_run_delay 300 s,
            // maximal_queue_lifetime 5 d, no delay warning (sources §3.1).
            "postfix" => (
                RetrySchedule::PostfixAge {
                    min: SimDuration::from_secs(300),
                    max: SimDuration::from_secs(4000),
                    queue_run: SimDuration::from_secs(300),
                },
                SimDuration::from_days(5),
                None,
                MTA_EXPIRED,
            ),
            // Two attempts in the first hour, then every 2 hours; give up after 4 days
            // (RFC 5321 §4.5.4.1, sources §4.1).
            "rfc5321" => (
                RetrySchedule::Fixed {
                    steps: vec![m(30), m(30)],
                    then: m(120),
                },
                SimDuration::from_days(4),
                None,
                MTA_EXPIRED,
            ),
            _ => return None,
        };
        Some(RetryPolicy {
            name: name.to_string(),
            schedule,
            expire_after,
            delay_notice,
            expiry_code: code.to_string(),
        })
    }

    /// Names of the presets, for error messages.
    pub const PRESETS: [&'static str; 4] =
        ["exchange_online", "exchange_server", "postfix", "rfc5321"];

    /// The wait before the next attempt after `failures` consecutive failures (1 = the first),
    /// given the age of the oldest queued message (used by the Postfix schedule).
    pub fn wait_after(&self, failures: u32, oldest_age: SimDuration) -> SimDuration {
        let n = failures.max(1) as usize;
        match &self.schedule {
            RetrySchedule::Fixed { steps, then } => steps.get(n - 1).copied().unwrap_or(*then),
            RetrySchedule::Backoff { min, max, factor } => {
                let w = min.as_secs_f64() * factor.powi((n - 1).min(1000) as i32);
                SimDuration::from_secs_f64(w).min(*max).max(*min)
            }
            RetrySchedule::PostfixAge { min, max, .. } => oldest_age.clamp(*min, *max),
        }
    }

    /// The queue-run grid attempts are aligned to, if the policy has one.
    pub fn queue_run(&self) -> Option<SimDuration> {
        match self.schedule {
            RetrySchedule::PostfixAge { queue_run, .. } if queue_run.0 > 0 => Some(queue_run),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_online_retries_at_15m_15m_then_hourly() {
        let p = RetryPolicy::preset("exchange_online").unwrap();
        let waits: Vec<u64> = (1..=5)
            .map(|n| p.wait_after(n, SimDuration::ZERO).0 / 60_000_000)
            .collect();
        assert_eq!(waits, [15, 15, 60, 60, 60]);
        assert_eq!(p.expire_after, SimDuration::from_hours(24));
    }

    #[test]
    fn exchange_server_retries_four_glitches_six_transients_then_every_10m() {
        let p = RetryPolicy::preset("exchange_server").unwrap();
        let waits: Vec<u64> = (1..=12)
            .map(|n| p.wait_after(n, SimDuration::ZERO).0 / 60_000_000)
            .collect();
        assert_eq!(waits, [1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 10, 10]);
        assert_eq!(p.delay_notice, Some(SimDuration::from_hours(4)));
        assert_eq!(p.expire_after, SimDuration::from_days(2));
    }

    #[test]
    fn postfix_waits_the_message_age_clamped_to_300_4000s() {
        let p = RetryPolicy::preset("postfix").unwrap();
        let s = SimDuration::from_secs;
        assert_eq!(p.wait_after(1, s(10)), s(300));
        assert_eq!(p.wait_after(3, s(1200)), s(1200));
        assert_eq!(p.wait_after(9, s(90_000)), s(4000));
    }

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        let p = RetryPolicy {
            name: "explicit".into(),
            schedule: RetrySchedule::Backoff {
                min: SimDuration::from_mins(5),
                max: SimDuration::from_hours(1),
                factor: 2.0,
            },
            expire_after: SimDuration::from_hours(24),
            delay_notice: None,
            expiry_code: EXCHANGE_EXPIRED.into(),
        };
        let waits: Vec<u64> = (1..=6)
            .map(|n| p.wait_after(n, SimDuration::ZERO).0 / 60_000_000)
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
    }
}
