//! The capacity keys of nodes and connectors: the internet's population of senders, receive
//! limits and back pressure, session costs (round trip, bandwidth, messages per connection)
//! and recipients per delivery; and traffic's recipients per message.

use serde_yaml::Value;

use super::context::{Ctx, allowed_hint};
use super::locate::Seg;
use super::schema::{BackPressureSpec, InboundSpec, NodeSpec, SendersSpec, Unit};
use super::units::{self, BANDWIDTH_FORM};
use super::values::{self, at};
use crate::model::{BackPressure, Inbound, Link, NodeKind, Recipients, RetryPolicy};
use crate::time::SimDuration;

/// The default mix of the internet's senders. No public statistic says which retry behaviour
/// the world's sending MTAs have; this model assumes 40 % Postfix-like, 30 % Exchange Online
/// (Microsoft 365 tenants), 10 % Exchange Server and 20 % RFC 5321-like others.
pub(super) const DEFAULT_MIX: [(&str, f64); 4] = [
    ("postfix", 0.4),
    ("exchange_online", 0.3),
    ("exchange_server", 0.1),
    ("rfc5321", 0.2),
];

/// Default number of independent sender cohorts of an internet node.
pub(super) const DEFAULT_COHORTS: u32 = 32;

/// Most cohorts a node may have.
pub(super) const MAX_COHORTS: u32 = 256;

/// What `capacity` reads of a node.
pub(super) struct NodeCapacity {
    pub senders: Vec<RetryPolicy>,
    pub inbound: Inbound,
    pub link: Link,
    pub max_messages_per_connection: u32,
    pub recipients_per_delivery: u32,
}

/// Reads the capacity keys of a node of `kind` whose policy is `retry` (`explicit_retry`
/// when the node wrote `retry:` itself).
pub(super) fn node(
    ctx: &mut Ctx,
    spec: &NodeSpec,
    kind: NodeKind,
    retry: &RetryPolicy,
    explicit_retry: bool,
    path: &[Seg],
) -> Option<NodeCapacity> {
    let senders = senders(
        ctx,
        spec.senders.as_ref(),
        kind,
        retry,
        explicit_retry,
        path,
    );
    let inbound = inbound(ctx, spec.inbound.as_ref(), kind, &at(path, "inbound"));
    let mut link = kind.default_link();
    if let Some(u) = &spec.rtt {
        link.rtt = values::duration(ctx, u, &at(path, "rtt"))?;
    }
    if let Some(u) = &spec.bandwidth {
        link.bandwidth = bandwidth(ctx, u, &at(path, "bandwidth"))?;
    }
    let per_conn = count_or_unlimited(
        ctx,
        spec.max_messages_per_connection.as_deref(),
        &at(path, "max_messages_per_connection"),
        kind.default_max_messages_per_connection(),
    );
    let per_delivery = count_or_unlimited(
        ctx,
        spec.recipients_per_delivery.as_deref(),
        &at(path, "recipients_per_delivery"),
        kind.default_recipients_per_delivery(),
    );
    Some(NodeCapacity {
        senders: senders?,
        inbound: inbound?,
        link,
        max_messages_per_connection: per_conn?,
        recipients_per_delivery: per_delivery?,
    })
}

/// A bandwidth with a located error.
pub(super) fn bandwidth(ctx: &mut Ctx, u: &Unit, path: &[Seg]) -> Option<f64> {
    let r = match u {
        Unit::Text(s) => units::parse_bandwidth(s),
        Unit::Number(n) => Err(format!("`{n}` has no unit: write e.g. `{n}Mbit/s`")),
    };
    r.map_err(|e| ctx.error(path, e, Some(BANDWIDTH_FORM.into())))
        .ok()
}

/// A positive count or `unlimited` (`u32::MAX`), with its default when absent.
fn count_or_unlimited(ctx: &mut Ctx, v: Option<&Value>, path: &[Seg], default: u32) -> Option<u32> {
    match v {
        None => Some(default),
        Some(Value::String(s)) if s == "unlimited" => Some(u32::MAX),
        Some(v) => values::positive_count(ctx, v, path, &format!("`{}`", last_key(path))),
    }
}

fn last_key(path: &[Seg]) -> String {
    match path.last() {
        Some(Seg::Key(k)) => k.clone(),
        _ => "value".into(),
    }
}

fn senders(
    ctx: &mut Ctx,
    spec: Option<&SendersSpec>,
    kind: NodeKind,
    retry: &RetryPolicy,
    explicit_retry: bool,
    path: &[Seg],
) -> Option<Vec<RetryPolicy>> {
    if kind != NodeKind::Internet {
        if spec.is_some() {
            ctx.error_at_key(
                &at(path, "senders"),
                "`senders` describes the internet's many sending MTAs: only an `internet` node has it",
                Some("remove it; give this node a `retry:` policy instead".into()),
            );
            return None;
        }
        return Some(vec![retry.clone()]);
    }
    let p = at(path, "senders");
    let cohorts = spec.and_then(|s| s.cohorts).unwrap_or(DEFAULT_COHORTS);
    if cohorts == 0 || cohorts > MAX_COHORTS {
        ctx.error(
            &at(&p, "cohorts"),
            format!("`cohorts` must be between 1 and {MAX_COHORTS}, not {cohorts}"),
            Some(format!("the default is {DEFAULT_COHORTS}")),
        );
        return None;
    }
    let mix: Vec<(String, f64)> = match spec.and_then(|s| s.mix.as_ref()) {
        Some(m) => {
            if explicit_retry {
                ctx.error_at_key(
                    &at(&p, "mix"),
                    "give either the node's `retry` (every sender alike) or `senders.mix`, not both",
                    Some("remove one of them".into()),
                );
                return None;
            }
            let mut out = Vec::new();
            for (name, share) in m {
                let sp = at(&at(&p, "mix"), name);
                if RetryPolicy::preset(name).is_none() {
                    ctx.error_at_key(
                        &sp,
                        format!("unknown retry preset `{name}` in the senders' mix"),
                        Some(allowed_hint(name, &RetryPolicy::PRESETS)),
                    );
                    return None;
                }
                out.push((name.clone(), values::share(ctx, share, &sp)?));
            }
            let total: f64 = out.iter().map(|x| x.1).sum();
            if total <= 0.0 {
                ctx.error(
                    &at(&p, "mix"),
                    "the mix's shares add up to 0",
                    Some("give at least one preset a share above 0".into()),
                );
                return None;
            }
            out
        }
        None if explicit_retry => vec![(String::new(), 1.0)],
        None => DEFAULT_MIX
            .iter()
            .map(|(n, s)| (n.to_string(), *s))
            .collect(),
    };
    Some(
        allocate(&mix, cohorts)
            .into_iter()
            .map(|i| {
                let name = &mix[i].0;
                if name.is_empty() {
                    retry.clone()
                } else {
                    RetryPolicy::preset(name).unwrap_or_else(|| retry.clone())
                }
            })
            .collect(),
    )
}

/// Spreads `n` cohorts over the mix by largest remainders, interleaved so that consecutive
/// cohorts differ (index into `mix` per cohort).
fn allocate(mix: &[(String, f64)], n: u32) -> Vec<usize> {
    let total: f64 = mix.iter().map(|x| x.1).sum();
    let exact: Vec<f64> = mix.iter().map(|x| x.1 / total * f64::from(n)).collect();
    let mut counts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut left = n - counts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..mix.len()).collect();
    order.sort_by(|a, b| {
        (exact[*b] - exact[*b].floor())
            .total_cmp(&(exact[*a] - exact[*a].floor()))
            .then(a.cmp(b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    // Round-robin: cohort k takes the next preset with cohorts left.
    let mut out = Vec::with_capacity(n as usize);
    while out.len() < n as usize {
        for (i, c) in counts.iter_mut().enumerate() {
            if *c > 0 {
                *c -= 1;
                out.push(i);
            }
        }
    }
    out
}

fn inbound(
    ctx: &mut Ctx,
    spec: Option<&InboundSpec>,
    kind: NodeKind,
    path: &[Seg],
) -> Option<Inbound> {
    let mut inb = kind.default_inbound();
    let Some(spec) = spec else {
        return Some(inb);
    };
    let opt = |ctx: &mut Ctx,
               v: Option<&Value>,
               key: &str,
               default: Option<u32>|
     -> Option<Option<u32>> {
        match v {
            None => Some(default),
            Some(v) => count_or_unlimited(ctx, Some(v), &at(path, key), 0)
                .map(|c| (c != u32::MAX).then_some(c)),
        }
    };
    inb.max_connections = opt(
        ctx,
        spec.max_connections.as_deref(),
        "max_connections",
        inb.max_connections,
    )?;
    inb.max_connections_per_source = opt(
        ctx,
        spec.max_connections_per_source.as_deref(),
        "max_connections_per_source",
        inb.max_connections_per_source,
    )?;
    inb.max_recipients_per_message = opt(
        ctx,
        spec.max_recipients_per_message.as_deref(),
        "max_recipients_per_message",
        inb.max_recipients_per_message,
    )?;
    if let Some(u) = &spec.in_flow_delay {
        let d = values::duration(ctx, u, &at(path, "in_flow_delay"))?;
        inb.in_flow_delay = (d > SimDuration::ZERO).then_some(d);
    }
    if let Some(v) = &spec.back_pressure {
        let p = at(path, "back_pressure");
        inb.back_pressure = match &v.0 {
            Value::Bool(false) => None,
            Value::Bool(true) => Some(BackPressure::exchange()),
            other => {
                let b: BackPressureSpec = ctx.de(other.clone(), &p)?;
                let d = BackPressure::exchange();
                let dur = |ctx: &mut Ctx, u: Option<&Unit>, k: &str, def: SimDuration| match u {
                    Some(u) => values::duration(ctx, u, &at(&p, k)),
                    None => Some(def),
                };
                let bp = BackPressure {
                    low_to_medium: b.low_to_medium.unwrap_or(d.low_to_medium),
                    medium_to_high: b.medium_to_high.unwrap_or(d.medium_to_high),
                    high_to_medium: b.high_to_medium.unwrap_or(d.high_to_medium),
                    medium_to_low: b.medium_to_low.unwrap_or(d.medium_to_low),
                    tarpit: dur(ctx, b.tarpit.as_ref(), "tarpit", d.tarpit)?,
                    tarpit_step: dur(ctx, b.tarpit_step.as_ref(), "tarpit_step", d.tarpit_step)?,
                    tarpit_max: dur(ctx, b.tarpit_max.as_ref(), "tarpit_max", d.tarpit_max)?,
                };
                if !(bp.medium_to_low <= bp.low_to_medium
                    && bp.low_to_medium <= bp.medium_to_high
                    && bp.high_to_medium <= bp.medium_to_high
                    && bp.medium_to_low <= bp.high_to_medium)
                {
                    ctx.error(
                        &p,
                        "back-pressure thresholds must rise: medium_to_low ≤ high_to_medium ≤ medium_to_high and medium_to_low ≤ low_to_medium ≤ medium_to_high",
                        Some("Exchange's defaults are 2000, 10000, 15000 and 9999".into()),
                    );
                    return None;
                }
                Some(bp)
            }
        };
    }
    Some(inb)
}

/// `recipients:` of a traffic stream (default 1).
pub(super) fn recipients(ctx: &mut Ctx, v: Option<&Value>, path: &[Seg]) -> Option<Recipients> {
    const FORM: &str = "write a count, `{fixed: 3}`, `{weights: {1: 0.8, 2: 0.15, 5: 0.05}}` or `{geometric: {mean: 1.6}}`";
    let Some(v) = v else {
        return Some(Recipients::Fixed(1));
    };
    let count = |ctx: &mut Ctx, v: &Value, p: &[Seg]| -> Option<u16> {
        let n = values::positive_count(ctx, v, p, "a recipient count")?;
        match u16::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                ctx.error(
                    p,
                    format!("{n} recipients is too many (at most {})", u16::MAX),
                    Some(FORM.into()),
                );
                None
            }
        }
    };
    if v.is_number() {
        return count(ctx, v, path).map(Recipients::Fixed);
    }
    let Some((k, inner)) = v
        .as_mapping()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        ctx.error(
            path,
            format!(
                "expected a recipients distribution, found `{}`",
                values::show(v)
            ),
            Some(FORM.into()),
        );
        return None;
    };
    let kind = k.as_str().unwrap_or_default();
    let p = at(path, kind);
    match kind {
        "fixed" => count(ctx, inner, &p).map(Recipients::Fixed),
        "geometric" => {
            let mean = inner.get("mean").and_then(Value::as_f64);
            match mean {
                Some(m) if m.is_finite() && m >= 1.0 => Some(Recipients::Geometric { mean: m }),
                _ => {
                    ctx.error(
                        &p,
                        "`geometric` needs `mean`, a number of at least 1",
                        Some(FORM.into()),
                    );
                    None
                }
            }
        }
        "weights" => {
            let Some(m) = inner.as_mapping().filter(|m| !m.is_empty()) else {
                ctx.error(
                    &p,
                    "`weights` maps recipient counts to shares",
                    Some(FORM.into()),
                );
                return None;
            };
            let mut acc = 0.0;
            let mut out = Vec::new();
            for (n, w) in m {
                let key = values::show(n);
                let kp = at(&p, &key);
                let n = count(ctx, n, &kp)?;
                let w = w.as_f64().filter(|w| w.is_finite() && *w >= 0.0);
                let Some(w) = w else {
                    ctx.error(&kp, "a weight is a number of at least 0", Some(FORM.into()));
                    return None;
                };
                acc += w;
                out.push((n, acc));
            }
            if acc <= 0.0 {
                ctx.error(&p, "the weights add up to 0", Some(FORM.into()));
                return None;
            }
            Some(Recipients::Weights(out))
        }
        other => {
            ctx.error_at_key(
                &p,
                format!("unknown recipients distribution `{other}`"),
                Some(format!(
                    "{}; {FORM}",
                    allowed_hint(other, &["fixed", "weights", "geometric"])
                )),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohorts_follow_the_mix_and_interleave() {
        let mix: Vec<(String, f64)> = DEFAULT_MIX
            .iter()
            .map(|(n, s)| (n.to_string(), *s))
            .collect();
        let a = allocate(&mix, 10);
        let count = |i| a.iter().filter(|x| **x == i).count();
        assert_eq!((count(0), count(1), count(2), count(3)), (4, 3, 1, 2));
        assert_ne!(a[0], a[1]);
        assert_eq!(allocate(&mix, 1).len(), 1);
    }
}
