//! `retry:` of a node: a preset name, a preset with settings overridden under their real names
//! (`{preset: postfix, queue_run_delay: 5s}`), or an explicit policy.

use serde_yaml::Value;

use super::context::{Ctx, allowed_hint, quoted};
use super::locate::Seg;
use super::schema::{RetrySpec, Unit};
use super::values::{self, at, at_index};
use crate::model::NodeKind;
use crate::model::retry::{
    EXCHANGE_EXPIRED, EXO_EXPIRATION_RANGE, ExpiryCheck, MTA_EXPIRED, Machinery, QueueSettings,
    RetryPolicy, RetrySchedule, exchange_server,
};
use crate::time::SimDuration;

/// `retry:` — a preset name, a preset with overrides, or an explicit policy. `kind` decides
/// the expiry code of an explicit policy (Exchange writes `4.4.7`, other MTAs `5.4.7`).
pub(super) fn retry(
    ctx: &mut Ctx,
    value: &Value,
    path: &[Seg],
    kind: NodeKind,
) -> Option<RetryPolicy> {
    if let Some(name) = value.as_str() {
        return preset(ctx, name, path);
    }
    if !value.is_mapping() {
        ctx.error(
            path,
            format!(
                "`retry` must be a preset name or a policy, not {}",
                values::show(value)
            ),
            Some(format!("presets: {}", quoted(RetryPolicy::PRESETS))),
        );
        return None;
    }
    let spec: RetrySpec = ctx.de(value.clone(), path)?;
    match spec.preset.clone() {
        Some(name) => with_overrides(ctx, &name, spec, path),
        None => explicit(ctx, spec, path, kind),
    }
}

fn preset(ctx: &mut Ctx, name: &str, path: &[Seg]) -> Option<RetryPolicy> {
    let policy = RetryPolicy::preset(name);
    if policy.is_none() {
        ctx.error(
            path,
            format!("unknown retry preset `{name}`"),
            Some(format!(
                "{}; or write an explicit policy such as `{{schedule: [1m, 5m], then: 1h, expire_after: 24h}}`",
                allowed_hint(name, &RetryPolicy::PRESETS)
            )),
        );
    }
    policy
}

/// The settings present in `spec`, by name.
fn present(spec: &RetrySpec) -> Vec<&'static str> {
    let pairs: [(&str, bool); 22] = [
        ("queue_run_delay", spec.queue_run_delay.is_some()),
        ("minimal_backoff_time", spec.minimal_backoff_time.is_some()),
        ("maximal_backoff_time", spec.maximal_backoff_time.is_some()),
        (
            "maximal_queue_lifetime",
            spec.maximal_queue_lifetime.is_some(),
        ),
        (
            "bounce_queue_lifetime",
            spec.bounce_queue_lifetime.is_some(),
        ),
        (
            "initial_destination_concurrency",
            spec.initial_destination_concurrency.is_some(),
        ),
        (
            "destination_concurrency_failed_cohort_limit",
            spec.destination_concurrency_failed_cohort_limit.is_some(),
        ),
        ("delay_warning_time", spec.delay_warning_time.is_some()),
        (
            "queue_glitch_retry_count",
            spec.queue_glitch_retry_count.is_some(),
        ),
        (
            "queue_glitch_retry_interval",
            spec.queue_glitch_retry_interval.is_some(),
        ),
        (
            "transient_failure_retry_count",
            spec.transient_failure_retry_count.is_some(),
        ),
        (
            "transient_failure_retry_interval",
            spec.transient_failure_retry_interval.is_some(),
        ),
        (
            "outbound_connection_failure_retry_interval",
            spec.outbound_connection_failure_retry_interval.is_some(),
        ),
        (
            "message_retry_interval",
            spec.message_retry_interval.is_some(),
        ),
        (
            "message_expiration_timeout",
            spec.message_expiration_timeout.is_some(),
        ),
        (
            "delay_notification_timeout",
            spec.delay_notification_timeout.is_some(),
        ),
        ("message_expiration", spec.message_expiration.is_some()),
        ("schedule", spec.schedule.is_some()),
        ("then", spec.then.is_some()),
        ("backoff", spec.backoff.is_some()),
        ("expire_after", spec.expire_after.is_some()),
        ("delay_notice", spec.delay_notice.is_some()),
    ];
    pairs.iter().filter(|p| p.1).map(|p| p.0).collect()
}

/// A positive duration setting, or the preset's value.
fn dur(
    ctx: &mut Ctx,
    u: Option<&Unit>,
    path: &[Seg],
    key: &str,
    default: SimDuration,
) -> Option<SimDuration> {
    match u {
        Some(u) => values::positive_duration(ctx, u, &at(path, key), &format!("`{key}`")),
        None => Some(default),
    }
}

fn with_overrides(ctx: &mut Ctx, name: &str, spec: RetrySpec, path: &[Seg]) -> Option<RetryPolicy> {
    let mut policy = preset(ctx, name, &at(path, "preset"))?;
    if let Some(code) = &spec.expiry_code {
        policy.expiry_code = code.clone();
    }
    let allowed = RetryPolicy::preset_settings(name);
    let mut bad = false;
    for key in present(&spec) {
        if !allowed.contains(&key) {
            bad = true;
            let hint = if allowed.is_empty() {
                format!(
                    "the `{name}` preset has no settings to override; write an explicit policy instead"
                )
            } else {
                format!(
                    "the `{name}` preset takes {}",
                    quoted(allowed.iter().copied())
                )
            };
            ctx.error_at_key(
                &at(path, key),
                format!("`{key}` is not a setting of the `{name}` preset"),
                Some(hint),
            );
        }
    }
    if bad {
        return None;
    }
    let ok = match &mut policy.machinery {
        Machinery::Postfix(s) => {
            let q = dur(
                ctx,
                spec.queue_run_delay.as_ref(),
                path,
                "queue_run_delay",
                s.queue_run_delay,
            );
            let min = dur(
                ctx,
                spec.minimal_backoff_time.as_ref(),
                path,
                "minimal_backoff_time",
                s.minimal_backoff_time,
            );
            let max = dur(
                ctx,
                spec.maximal_backoff_time.as_ref(),
                path,
                "maximal_backoff_time",
                s.maximal_backoff_time,
            );
            let life = dur(
                ctx,
                spec.maximal_queue_lifetime.as_ref(),
                path,
                "maximal_queue_lifetime",
                policy.expire_after,
            );
            let bounce = dur(
                ctx,
                spec.bounce_queue_lifetime.as_ref(),
                path,
                "bounce_queue_lifetime",
                policy.bounce_expire_after,
            );
            if let Some(c) = spec.initial_destination_concurrency {
                if c == 0 {
                    ctx.error(
                        &at(path, "initial_destination_concurrency"),
                        "`initial_destination_concurrency` must be at least 1",
                        Some("Postfix's default is 5".into()),
                    );
                }
                s.initial_destination_concurrency = c.max(1);
            }
            if let Some(f) = spec.destination_concurrency_failed_cohort_limit {
                if !(f.is_finite() && f > 0.0) {
                    ctx.error(
                        &at(path, "destination_concurrency_failed_cohort_limit"),
                        "the failed cohort limit must be a number above 0",
                        Some("Postfix's default is 1".into()),
                    );
                }
                s.failed_cohort_limit = f;
            }
            if let Some(u) = &spec.delay_warning_time {
                let d = values::duration(ctx, u, &at(path, "delay_warning_time"));
                policy.delay_notice = d.filter(|d| *d > SimDuration::ZERO);
            }
            match (q, min, max, life, bounce) {
                (Some(q), Some(min), Some(max), Some(life), Some(bounce)) => {
                    if min > max {
                        ctx.error(path, format!("`minimal_backoff_time` ({min}) is above `maximal_backoff_time` ({max})"), Some("swap them".into()));
                    }
                    s.queue_run_delay = q;
                    s.minimal_backoff_time = min;
                    s.maximal_backoff_time = max;
                    policy.expire_after = life;
                    policy.bounce_expire_after = bounce;
                    min <= max
                }
                _ => false,
            }
        }
        Machinery::Queue(qs) if name == "exchange_server" => {
            use exchange_server as x;
            let count = |c: Option<u32>, d: u32| c.unwrap_or(d);
            let glitch = dur(
                ctx,
                spec.queue_glitch_retry_interval.as_ref(),
                path,
                "queue_glitch_retry_interval",
                x::GLITCH_INTERVAL,
            );
            let transient = dur(
                ctx,
                spec.transient_failure_retry_interval.as_ref(),
                path,
                "transient_failure_retry_interval",
                x::TRANSIENT_INTERVAL,
            );
            let outbound = dur(
                ctx,
                spec.outbound_connection_failure_retry_interval.as_ref(),
                path,
                "outbound_connection_failure_retry_interval",
                x::OUTBOUND_FAILURE_INTERVAL,
            );
            let message = dur(
                ctx,
                spec.message_retry_interval.as_ref(),
                path,
                "message_retry_interval",
                qs.message_retry_interval,
            );
            let expire = dur(
                ctx,
                spec.message_expiration_timeout.as_ref(),
                path,
                "message_expiration_timeout",
                policy.expire_after,
            );
            let notice = dur(
                ctx,
                spec.delay_notification_timeout.as_ref(),
                path,
                "delay_notification_timeout",
                x::DELAY_NOTIFICATION_TIMEOUT,
            );
            if let Some(c) = spec.transient_failure_retry_count
                && c > 15
            {
                ctx.error(
                    &at(path, "transient_failure_retry_count"),
                    format!("`transient_failure_retry_count` is at most 15, not {c}"),
                    Some("Exchange accepts 0 to 15 (default 6)".into()),
                );
            }
            match (glitch, transient, outbound, message, expire, notice) {
                (Some(g), Some(t), Some(o), Some(m), Some(e), Some(n)) => {
                    qs.schedule = x::schedule(
                        (count(spec.queue_glitch_retry_count, x::GLITCH_COUNT), g),
                        (
                            count(spec.transient_failure_retry_count, x::TRANSIENT_COUNT).min(15),
                            t,
                        ),
                        o,
                    );
                    qs.message_retry_interval = m;
                    policy.expire_after = e;
                    policy.bounce_expire_after = e;
                    policy.delay_notice = Some(n);
                    true
                }
                _ => false,
            }
        }
        Machinery::Queue(qs) => {
            let message = dur(
                ctx,
                spec.message_retry_interval.as_ref(),
                path,
                "message_retry_interval",
                qs.message_retry_interval,
            );
            let expire = match &spec.message_expiration {
                Some(u) => {
                    let d = values::positive_duration(
                        ctx,
                        u,
                        &at(path, "message_expiration"),
                        "`message_expiration`",
                    );
                    let (lo, hi) = EXO_EXPIRATION_RANGE;
                    match d {
                        Some(d) if d < lo || d > hi => {
                            ctx.error(&at(path, "message_expiration"), format!("Exchange Online's `MessageExpiration` is between 12h and 24h, not {d}"), Some("Set-TransportConfig -MessageExpiration accepts 12:00:00 to 1.00:00:00 (default 1 day)".into()));
                            None
                        }
                        d => d,
                    }
                }
                None => Some(policy.expire_after),
            };
            match (message, expire) {
                (Some(m), Some(e)) => {
                    qs.message_retry_interval = m;
                    policy.expire_after = e;
                    policy.bounce_expire_after = e;
                    true
                }
                _ => false,
            }
        }
    };
    ok.then_some(policy)
}

fn explicit(ctx: &mut Ctx, spec: RetrySpec, path: &[Seg], kind: NodeKind) -> Option<RetryPolicy> {
    let named: Vec<&str> = present(&spec)
        .into_iter()
        .filter(|k| {
            !matches!(
                *k,
                "schedule" | "then" | "backoff" | "expire_after" | "delay_notice"
            )
        })
        .collect();
    if let Some(k) = named.first() {
        let owner = RetryPolicy::PRESETS
            .iter()
            .find(|p| RetryPolicy::preset_settings(p).contains(k))
            .copied()
            .unwrap_or("postfix");
        ctx.error_at_key(
            &at(path, k),
            format!("`{k}` is a setting of the `{owner}` preset"),
            Some(format!(
                "write `preset: {owner}` in this policy to override it"
            )),
        );
        return None;
    }
    let wait =
        |ctx: &mut Ctx, u: &Unit, p: &[Seg]| values::positive_duration(ctx, u, p, "a retry wait");
    let fixed = spec.schedule.is_some() || spec.then.is_some();
    let schedule = match (&spec.backoff, fixed) {
        (Some(_), true) => {
            ctx.error(
                path,
                "a retry policy has either `schedule`/`then` or `backoff`, not both",
                Some("remove one of them".into()),
            );
            None
        }
        (None, false) => {
            ctx.error(path, "an explicit retry policy needs `schedule` (with `then`) or `backoff`", Some("e.g. `{schedule: [1m, 5m], then: 1h, expire_after: 24h}` or `{backoff: {min: 5m, max: 1h, factor: 2}, expire_after: 24h}`; or a preset: `{preset: postfix, queue_run_delay: 5s}`".into()));
            None
        }
        (Some(b), false) => {
            let p = at(path, "backoff");
            let min = wait(ctx, &b.min, &at(&p, "min"));
            let max = wait(ctx, &b.max, &at(&p, "max"));
            let factor = b.factor.unwrap_or(2.0);
            if !factor.is_finite() || factor < 1.0 {
                ctx.error(
                    &at(&p, "factor"),
                    format!("`factor` must be at least 1, not `{factor}`"),
                    Some("2 doubles the wait after each failure".into()),
                );
            }
            match (min, max) {
                (Some(min), Some(max)) if min > max => {
                    ctx.error(
                        &p,
                        format!("backoff `min` ({min}) is above `max` ({max})"),
                        Some("swap them".into()),
                    );
                    None
                }
                (Some(min), Some(max)) if factor.is_finite() && factor >= 1.0 => {
                    Some(RetrySchedule::Backoff { min, max, factor })
                }
                _ => None,
            }
        }
        (None, true) => {
            let p = at(path, "schedule");
            let steps: Vec<Option<SimDuration>> = spec
                .schedule
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, u)| wait(ctx, u, &at_index(&p, i)))
                .collect();
            let steps = steps.into_iter().collect::<Option<Vec<_>>>();
            // Without `then`, the last listed wait repeats.
            let then = match &spec.then {
                Some(u) => wait(ctx, u, &at(path, "then")),
                None => steps.as_ref().and_then(|s| s.last().copied()),
            };
            if spec.then.is_none() && spec.schedule.as_ref().is_some_and(Vec::is_empty) {
                ctx.error(
                    path,
                    "an empty `schedule` needs `then`",
                    Some("e.g. `then: 1h`".into()),
                );
            }
            Some(RetrySchedule::Fixed {
                steps: steps?,
                then: then?,
            })
        }
    };
    let expire_after = match &spec.expire_after {
        Some(u) => values::positive_duration(ctx, u, &at(path, "expire_after"), "`expire_after`"),
        None => {
            ctx.error(
                path,
                "an explicit retry policy needs `expire_after`",
                Some("e.g. `expire_after: 24h`".into()),
            );
            None
        }
    };
    let delay_notice = match &spec.delay_notice {
        Some(u) => Some(values::positive_duration(
            ctx,
            u,
            &at(path, "delay_notice"),
            "`delay_notice`",
        )?),
        None => None,
    };
    let schedule = schedule?;
    let expire_after = expire_after?;
    // A message whose own session failed waits the first step of the schedule.
    let message_retry_interval = schedule.wait_after(1);
    let exchange = matches!(kind, NodeKind::ExchangeOnline | NodeKind::ExchangeServer);
    let default_code = if exchange {
        EXCHANGE_EXPIRED
    } else {
        MTA_EXPIRED
    };
    Some(RetryPolicy {
        name: "explicit".into(),
        machinery: Machinery::Queue(QueueSettings {
            schedule,
            message_retry_interval,
            expiry: ExpiryCheck::AtRetry,
        }),
        expire_after,
        bounce_expire_after: expire_after,
        delay_notice,
        expiry_code: spec.expiry_code.unwrap_or_else(|| default_code.to_string()),
    })
}
