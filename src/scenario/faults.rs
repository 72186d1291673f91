//! The `faults` section: each kind's target keys, checked precisely, and its time window.

use serde_yaml::Value;

use super::build::{Names, entry_path};
use super::context::{Ctx, allowed_hint, quoted};
use super::domains::{Domains, mx_answer};
use super::locate::Seg;
use super::schema::FaultSpec;
use super::values::{self, at};
use crate::model::{Fault, FaultKind};
use crate::time::{SimDuration, SimTime};

/// The target keys a fault kind needs, and those it also allows.
fn keys_of(kind: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        "dns_failure" | "dnssec_failure" => (&["domain"], &[]),
        "firewall_block" => (&["node"], &["sources"]),
        "connection_drop" => (&["node", "probability"], &[]),
        "mx_change" => (&["domain", "mx"], &[]),
        "slowdown" => (&["node", "factor"], &[]),
        _ => (&["node"], &[]),
    }
}

/// Builds every fault; an entry with problems is `None`.
pub(super) fn build(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    entries: &[Value],
    duration: Option<SimDuration>,
) -> Vec<Option<Fault>> {
    entries
        .iter()
        .enumerate()
        .map(|(i, v)| fault(ctx, names, doms, v, &entry_path("faults", i), duration))
        .collect()
}

fn fault(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    value: &Value,
    path: &[Seg],
    duration: Option<SimDuration>,
) -> Option<Fault> {
    let spec: FaultSpec = ctx.de(value.clone(), path)?;
    let kind = spec.kind.as_str();
    if !FaultKind::NAMES.contains(&kind) {
        ctx.error(
            &at(path, "kind"),
            format!("unknown fault kind `{kind}`"),
            Some(allowed_hint(kind, &FaultKind::NAMES)),
        );
        return None;
    }
    let (needs, allows) = keys_of(kind);
    let takes = || {
        let all: Vec<&str> = needs.iter().chain(allows).copied().collect();
        format!(
            "a `{kind}` fault takes {} (plus `at` and `for`)",
            quoted(all)
        )
    };
    let mut ok = true;
    for k in spec.present_keys() {
        if !needs.contains(&k) && !allows.contains(&k) {
            ctx.error_at_key(
                &at(path, k),
                format!("`{k}` is not a key of a `{kind}` fault"),
                Some(takes()),
            );
            ok = false;
        }
    }
    for k in needs {
        if !spec.present_keys().contains(k) {
            ctx.error_at_key(
                path,
                format!("fault kind `{kind}` needs `{k}`"),
                Some(takes()),
            );
            ok = false;
        }
    }
    let start = values::duration_or(ctx, spec.at.as_ref(), &at(path, "at"), SimDuration::ZERO);
    let length = spec
        .for_
        .as_ref()
        .map(|u| values::positive_duration(ctx, u, &at(path, "for"), "`for`"));
    if let (Some(s), Some(d)) = (start, duration)
        && s >= d
    {
        ctx.warn(
            &at(path, "at"),
            format!("the fault starts at {s}, after the run ends ({d})"),
            Some("move `at` inside `duration`, or remove the fault".into()),
        );
    }
    let node = spec
        .node
        .as_ref()
        .map(|n| names.node(ctx, n, &at(path, "node")));
    let domain = spec.domain.as_ref().map(|d| {
        if d.contains('*') && d.trim() != "*" {
            ctx.error(
                &at(path, "domain"),
                format!("`{d}` is a pattern: a fault targets one domain"),
                Some("name one domain, e.g. `domain: contoso.com`; add a fault per domain".into()),
            );
            return None;
        }
        Some(doms.intern(ctx, d, &at(path, "domain")))
    });
    let sources = spec
        .sources
        .as_ref()
        .map(|s| names.node_list(ctx, s, &at(path, "sources")));
    let probability = spec
        .probability
        .as_ref()
        .map(|p| values::share(ctx, p, &at(path, "probability")));
    let mx = spec
        .mx
        .as_ref()
        .map(|m| mx_answer(ctx, names, m, &at(path, "mx")));
    if let Some(f) = spec.factor
        && (!f.is_finite() || f <= 0.0)
    {
        ctx.error(
            &at(path, "factor"),
            format!("`factor` must be a number above 0, not `{f}`"),
            Some("e.g. `factor: 3` makes service three times slower".into()),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let node = node.flatten();
    let domain = domain.flatten();
    let kind = match kind {
        "dns_failure" => FaultKind::DnsFailure { domain: domain? },
        "server_down" => FaultKind::ServerDown { node: node? },
        "firewall_block" => FaultKind::FirewallBlock {
            node: node?,
            sources: sources.unwrap_or(Some(Vec::new()))?,
        },
        "service_unavailable" => FaultKind::ServiceUnavailable { node: node? },
        "tls_unavailable" => FaultKind::TlsUnavailable { node: node? },
        "connection_drop" => FaultKind::ConnectionDrop {
            node: node?,
            probability: probability.flatten()?,
        },
        "certificate_expired" => FaultKind::CertificateExpired { node: node? },
        "certificate_mismatch" => FaultKind::CertificateMismatch { node: node? },
        "tlsa_mismatch" => FaultKind::TlsaMismatch { node: node? },
        "dnssec_failure" => FaultKind::DnssecFailure { domain: domain? },
        "mx_change" => FaultKind::MxChange {
            domain: domain?,
            mx: mx.flatten()?,
        },
        _ => FaultKind::Slowdown {
            node: node?,
            factor: spec.factor?,
        },
    };
    let start = start?;
    let until = match length {
        Some(l) => Some(SimTime(start.as_micros()) + l?),
        None => None,
    };
    Some(Fault {
        kind,
        at: SimTime(start.as_micros()),
        until,
    })
}
