//! Retry policies: each sending MTA's own machinery for a failed destination or message, and
//! when a queued message expires.
//!
//! Two machineries cover the presets (sources §1.1, §2.1, §3.1–3.2, §4.1):
//! - [`Machinery::Postfix`]: every deferred message has its own next attempt, picked up by the
//!   deferred-queue scan; dead destinations are detected by failed pseudo-cohorts and re-probed
//!   after `minimal_backoff_time`; a message expires at its first failed attempt after the
//!   lifetime.
//! - [`Machinery::Queue`]: a connection-level failure puts the destination's queue in retry on a
//!   schedule (Exchange, RFC 5321, explicit policies); a message-level failure retries that
//!   message alone after `message_retry_interval`.

use crate::time::SimDuration;

/// When a destination queue in retry is tried again after consecutive failures.
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
}

impl RetrySchedule {
    /// The wait after `failures` consecutive failures (1 = the first).
    pub fn wait_after(&self, failures: u32) -> SimDuration {
        let n = failures.max(1) as usize;
        match self {
            RetrySchedule::Fixed { steps, then } => steps.get(n - 1).copied().unwrap_or(*then),
            RetrySchedule::Backoff { min, max, factor } => {
                let w = min.as_secs_f64() * factor.powi((n - 1).min(1000) as i32);
                SimDuration::from_secs_f64(w).min(*max).max(*min)
            }
        }
    }
}

/// Postfix's queue-manager settings, under their `postconf` names (sources §3.1–3.2).
#[derive(Clone, Debug, PartialEq)]
pub struct PostfixSettings {
    /// `queue_run_delay`: the deferred queue is scanned this often (default 300s).
    pub queue_run_delay: SimDuration,
    /// `minimal_backoff_time`: the shortest wait of a deferred message, and how long a dead
    /// destination stays dead before it is probed again (default 300s).
    pub minimal_backoff_time: SimDuration,
    /// `maximal_backoff_time`: the longest wait of a deferred message (default 4000s).
    pub maximal_backoff_time: SimDuration,
    /// `initial_destination_concurrency`: parallel sessions a destination starts (and restarts
    /// after being dead) with (default 5).
    pub initial_destination_concurrency: u32,
    /// `default_destination_concurrency_failed_cohort_limit`: failed pseudo-cohorts after which
    /// a destination is declared dead (default 1).
    pub failed_cohort_limit: f64,
}

/// Where a destination-level policy checks a queued message's age against its lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryCheck {
    /// At the message's own expiration time (Exchange: `MessageExpirationTimeout`,
    /// `MessageExpiration`, checked independently of the queue's retry time).
    Exact,
    /// At the queue's retry checks (RFC 5321 and explicit policies).
    AtRetry,
}

/// Destination-level retry settings (Exchange, RFC 5321, explicit policies).
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSettings {
    /// When a queue in retry is tried again.
    pub schedule: RetrySchedule,
    /// `MessageRetryInterval`: wait before a message whose session failed on its own (a drop,
    /// a 4xx to one recipient) is tried again, while the queue keeps delivering.
    pub message_retry_interval: SimDuration,
    /// When expiry is checked.
    pub expiry: ExpiryCheck,
}

/// How a sender retries.
#[derive(Clone, Debug, PartialEq)]
pub enum Machinery {
    /// Postfix: per-message backoff on a scan grid, dead-destination detection.
    Postfix(PostfixSettings),
    /// Destination-level retry on a schedule.
    Queue(QueueSettings),
}

/// A node's retry, expiry and delay-notice policy.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Preset name, or `"explicit"`.
    pub name: String,
    /// How failures are retried.
    pub machinery: Machinery,
    /// Age at the node after which a queued message is returned as an NDR.
    pub expire_after: SimDuration,
    /// The same for NDRs and delay notices themselves (Postfix `bounce_queue_lifetime`).
    pub bounce_expire_after: SimDuration,
    /// Age after which a delay DSN is sent (once per message), if any.
    pub delay_notice: Option<SimDuration>,
    /// The NDR code written on expiry, e.g. `550 4.4.7 QUEUE.Expired; message expired`.
    pub expiry_code: String,
}

/// Exchange's expiry NDR text (sources §1.3), used by both Exchange presets.
pub const EXCHANGE_EXPIRED: &str = "550 4.4.7 QUEUE.Expired; message expired";
/// Postfix and RFC 5321 senders report delivery time expired as X.4.7 (sources §4.5).
pub const MTA_EXPIRED: &str = "550 5.4.7 Delivery time expired";

/// Exchange Server's defaults (sources §2.1, [EX-INTERVALS] and [PS:Set-TransportService]).
pub mod exchange_server {
    use crate::time::SimDuration;

    /// `QueueGlitchRetryCount`.
    pub const GLITCH_COUNT: u32 = 4;
    /// `QueueGlitchRetryInterval`.
    pub const GLITCH_INTERVAL: SimDuration = SimDuration::from_mins(1);
    /// `TransientFailureRetryCount` (Mailbox servers).
    pub const TRANSIENT_COUNT: u32 = 6;
    /// `TransientFailureRetryInterval` (Mailbox servers).
    pub const TRANSIENT_INTERVAL: SimDuration = SimDuration::from_mins(5);
    /// `OutboundConnectionFailureRetryInterval` (Mailbox servers).
    pub const OUTBOUND_FAILURE_INTERVAL: SimDuration = SimDuration::from_mins(10);
    /// `MessageRetryInterval`: 5 min per the cmdlet reference (the older message-intervals page
    /// says 15 min; sources §11 — the cmdlet reference is the newer document).
    pub const MESSAGE_RETRY_INTERVAL: SimDuration = SimDuration::from_mins(5);
    /// `MessageExpirationTimeout`.
    pub const MESSAGE_EXPIRATION_TIMEOUT: SimDuration = SimDuration::from_days(2);
    /// `DelayNotificationTimeout`.
    pub const DELAY_NOTIFICATION_TIMEOUT: SimDuration = SimDuration::from_hours(4);

    /// The queue-retry schedule from the four glitch/transient settings and the outbound
    /// failure interval.
    pub fn schedule(
        glitch: (u32, SimDuration),
        transient: (u32, SimDuration),
        outbound: SimDuration,
    ) -> super::RetrySchedule {
        let mut steps = vec![glitch.1; glitch.0 as usize];
        steps.extend(std::iter::repeat_n(transient.1, transient.0 as usize));
        super::RetrySchedule::Fixed {
            steps,
            then: outbound,
        }
    }
}

/// Exchange Online's `MessageExpiration` bounds (sources §1.1: default 1 day, range 12 h–24 h).
pub const EXO_EXPIRATION_RANGE: (SimDuration, SimDuration) =
    (SimDuration::from_hours(12), SimDuration::from_hours(24));

impl RetryPolicy {
    /// The preset of this name, if there is one.
    pub fn preset(name: &str) -> Option<RetryPolicy> {
        let m = SimDuration::from_mins;
        let s = SimDuration::from_secs;
        let (machinery, expire_after, delay_notice, code) = match name {
            // 15 min, 15 min, then hourly for the rest of 24 h (sources §1.1, the DANE page);
            // expiry at the message's own expiration time. The per-message retry after a
            // dropped session is not documented: this model's assumption is the first retry
            // step, 15 min.
            "exchange_online" => (
                Machinery::Queue(QueueSettings {
                    schedule: RetrySchedule::Fixed {
                        steps: vec![m(15), m(15)],
                        then: m(60),
                    },
                    message_retry_interval: m(15),
                    expiry: ExpiryCheck::Exact,
                }),
                EXO_EXPIRATION_RANGE.1,
                None,
                EXCHANGE_EXPIRED,
            ),
            // 4 glitch retries × 1 min, 6 transient retries × 5 min, then every 10 min; delay
            // DSN at 4 h; expiry 2 days (sources §2.1).
            "exchange_server" => {
                use exchange_server as x;
                (
                    Machinery::Queue(QueueSettings {
                        schedule: x::schedule(
                            (x::GLITCH_COUNT, x::GLITCH_INTERVAL),
                            (x::TRANSIENT_COUNT, x::TRANSIENT_INTERVAL),
                            x::OUTBOUND_FAILURE_INTERVAL,
                        ),
                        message_retry_interval: x::MESSAGE_RETRY_INTERVAL,
                        expiry: ExpiryCheck::Exact,
                    }),
                    x::MESSAGE_EXPIRATION_TIMEOUT,
                    Some(x::DELAY_NOTIFICATION_TIMEOUT),
                    EXCHANGE_EXPIRED,
                )
            }
            // queue_run_delay 300 s, minimal_backoff_time 300 s, maximal_backoff_time 4000 s,
            // initial_destination_concurrency 5, failed cohort limit 1, maximal_queue_lifetime
            // and bounce_queue_lifetime 5 d, no delay warning (sources §3.1–3.2).
            "postfix" => (
                Machinery::Postfix(PostfixSettings {
                    queue_run_delay: s(300),
                    minimal_backoff_time: s(300),
                    maximal_backoff_time: s(4000),
                    initial_destination_concurrency: 5,
                    failed_cohort_limit: 1.0,
                }),
                SimDuration::from_days(5),
                None,
                MTA_EXPIRED,
            ),
            // Two attempts in the first hour, then every 2 hours; give up after 4 days
            // (RFC 5321 §4.5.4.1, sources §4.1); a failed message alone waits the first step.
            "rfc5321" => (
                Machinery::Queue(QueueSettings {
                    schedule: RetrySchedule::Fixed {
                        steps: vec![m(30), m(30)],
                        then: m(120),
                    },
                    message_retry_interval: m(30),
                    expiry: ExpiryCheck::AtRetry,
                }),
                SimDuration::from_days(4),
                None,
                MTA_EXPIRED,
            ),
            _ => return None,
        };
        Some(RetryPolicy {
            name: name.to_string(),
            machinery,
            expire_after,
            bounce_expire_after: expire_after,
            delay_notice,
            expiry_code: code.to_string(),
        })
    }

    /// Names of the presets, for error messages.
    pub const PRESETS: [&'static str; 4] =
        ["exchange_online", "exchange_server", "postfix", "rfc5321"];

    /// The settings each preset takes, under the real setting's name.
    pub fn preset_settings(name: &str) -> &'static [&'static str] {
        match name {
            "postfix" => &[
                "queue_run_delay",
                "minimal_backoff_time",
                "maximal_backoff_time",
                "maximal_queue_lifetime",
                "bounce_queue_lifetime",
                "initial_destination_concurrency",
                "destination_concurrency_failed_cohort_limit",
                "delay_warning_time",
            ],
            "exchange_server" => &[
                "queue_glitch_retry_count",
                "queue_glitch_retry_interval",
                "transient_failure_retry_count",
                "transient_failure_retry_interval",
                "outbound_connection_failure_retry_interval",
                "message_retry_interval",
                "message_expiration_timeout",
                "delay_notification_timeout",
            ],
            "exchange_online" => &["message_expiration", "message_retry_interval"],
            _ => &[],
        }
    }

    /// The lifetime of a message: `bounce_expire_after` for NDRs and delay notices.
    pub fn lifetime(&self, is_notification: bool) -> SimDuration {
        if is_notification {
            self.bounce_expire_after
        } else {
            self.expire_after
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(p: &RetryPolicy) -> &QueueSettings {
        match &p.machinery {
            Machinery::Queue(q) => q,
            Machinery::Postfix(_) => panic!("{} is not a queue policy", p.name),
        }
    }

    #[test]
    fn exchange_online_retries_at_15m_15m_then_hourly_and_expires_at_24h_exactly() {
        let p = RetryPolicy::preset("exchange_online").unwrap();
        let q = queue(&p);
        let waits: Vec<u64> = (1..=5)
            .map(|n| q.schedule.wait_after(n).0 / 60_000_000)
            .collect();
        assert_eq!(waits, [15, 15, 60, 60, 60]);
        assert_eq!(p.expire_after, SimDuration::from_hours(24));
        assert_eq!(q.expiry, ExpiryCheck::Exact);
    }

    #[test]
    fn exchange_server_retries_four_glitches_six_transients_then_every_10m() {
        let p = RetryPolicy::preset("exchange_server").unwrap();
        let waits: Vec<u64> = (1..=12)
            .map(|n| queue(&p).schedule.wait_after(n).0 / 60_000_000)
            .collect();
        assert_eq!(waits, [1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 10, 10]);
        assert_eq!(p.delay_notice, Some(SimDuration::from_hours(4)));
        assert_eq!(p.expire_after, SimDuration::from_days(2));
        assert_eq!(queue(&p).message_retry_interval, SimDuration::from_mins(5));
    }

    #[test]
    fn postfix_has_its_queue_manager_defaults() {
        let p = RetryPolicy::preset("postfix").unwrap();
        let Machinery::Postfix(s) = &p.machinery else {
            panic!("postfix is not a Postfix policy");
        };
        assert_eq!(s.queue_run_delay, SimDuration::from_secs(300));
        assert_eq!(s.minimal_backoff_time, SimDuration::from_secs(300));
        assert_eq!(s.maximal_backoff_time, SimDuration::from_secs(4000));
        assert_eq!(s.initial_destination_concurrency, 5);
        assert_eq!(p.expire_after, SimDuration::from_days(5));
        assert_eq!(p.expiry_code, MTA_EXPIRED);
    }

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        let s = RetrySchedule::Backoff {
            min: SimDuration::from_mins(5),
            max: SimDuration::from_hours(1),
            factor: 2.0,
        };
        let waits: Vec<u64> = (1..=6).map(|n| s.wait_after(n).0 / 60_000_000).collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
    }
}
