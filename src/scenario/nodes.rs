//! The `nodes` section: mail systems with their kind defaults, retry policies and restrictions.

use serde_yaml::Value;

use super::build::{Names, named_path};
use super::context::{Ctx, allowed_hint, quoted};
use super::domains::Domains;
use super::locate::Seg;
use super::schema::{AcceptFromSpec, AcceptedSpec, NodeSpec};
use super::values::{self, at, at_index};
use crate::model::{
    AcceptFrom, AcceptedKind, Certificate, Dist, DomainPattern, Node, NodeKind, RetryPolicy,
    SpamFilter,
};
use crate::time::{SimDuration, SimTime};

/// Builds every node; an entry with problems is `None` (its problems are in `ctx`).
pub(super) fn build(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    entries: &[(String, Value)],
) -> Vec<Option<Node>> {
    entries
        .iter()
        .map(|(name, value)| node(ctx, names, doms, name, value))
        .collect()
}

fn node(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    name: &str,
    value: &Value,
) -> Option<Node> {
    let path = named_path("nodes", name);
    let spec: NodeSpec = ctx.de(value.clone(), &path)?;
    let kind_names: Vec<&str> = NodeKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = match &spec.kind {
        Some(k) => {
            let kind = NodeKind::ALL.into_iter().find(|n| n.as_str() == k);
            if kind.is_none() {
                ctx.error(
                    &at(&path, "kind"),
                    format!("unknown node kind `{k}`"),
                    Some(allowed_hint(k, &kind_names)),
                );
            }
            kind
        }
        None => {
            ctx.error_at_key(
                &path,
                format!("node `{name}` needs `kind`"),
                Some(format!(
                    "allowed values: {}",
                    quoted(kind_names.iter().copied())
                )),
            );
            None
        }
    };
    // Later keys are checked even when the kind is wrong, so every problem shows at once.
    let workers = spec
        .workers
        .as_ref()
        .map(|w| values::workers(ctx, w, &at(&path, "workers")));
    let service_time = spec
        .service_time
        .as_ref()
        .map(|d| values::dist(ctx, d, &at(&path, "service_time"), true));
    let service_per_mb = values::duration_or(
        ctx,
        spec.service_per_mb.as_ref(),
        &at(&path, "service_per_mb"),
        SimDuration::ZERO,
    );
    let connect_timeout = match &spec.connect_timeout {
        Some(u) => {
            values::positive_duration(ctx, u, &at(&path, "connect_timeout"), "`connect_timeout`")
        }
        None => Some(SimDuration::from_secs(30)),
    };
    let mut accepted = Some(Vec::new());
    for (domain, kind) in spec.accepted_domains.iter().flatten() {
        let p = at(&at(&path, "accepted_domains"), domain);
        if domain.contains('*') {
            ctx.error_at_key(
                &p,
                format!("accepted domains are exact names, not patterns like `{domain}`"),
                Some("list each domain it accepts".into()),
            );
            accepted = None;
            continue;
        }
        let id = doms.intern(ctx, domain, &p);
        let kind = match kind {
            AcceptedSpec::Authoritative => AcceptedKind::Authoritative,
            AcceptedSpec::InternalRelay => AcceptedKind::InternalRelay,
        };
        if let Some(a) = accepted.as_mut() {
            a.push((id, kind));
        }
    }
    let retry = spec
        .retry
        .as_ref()
        .map(|r| super::retry::retry(ctx, r, &at(&path, "retry"), kind.unwrap_or(NodeKind::Smtp)));
    let spam_filter = spec.spam_filter.as_ref().map(|s| {
        let p = at(&path, "spam_filter");
        let quarantine = s
            .quarantine
            .as_ref()
            .map_or(Some(0.0), |q| values::share(ctx, q, &at(&p, "quarantine")));
        let scan_time = s.scan_time.as_ref().map_or(Some(Dist::Fixed(0.0)), |d| {
            values::dist(ctx, d, &at(&p, "scan_time"), true)
        });
        let allow_list = names.node_list(
            ctx,
            s.allow_list.as_deref().unwrap_or_default(),
            &at(&p, "allow_list"),
        );
        Some(SpamFilter {
            quarantine: quarantine?,
            scan_time: scan_time?,
            allow_list: allow_list?,
        })
    });
    let max_conn = spec.max_connections_per_destination.as_ref().map(|v| {
        values::positive_count(
            ctx,
            v,
            &at(&path, "max_connections_per_destination"),
            "`max_connections_per_destination`",
        )
    });
    let certificate = spec.certificate.as_ref().map(|c| {
        let not_after = c.not_after.as_ref().map(|u| {
            values::duration(ctx, u, &at(&at(&path, "certificate"), "not_after"))
                .map(|d| SimTime(d.as_micros()))
        });
        Some(Certificate {
            subject: c.subject.clone(),
            issuer: c.issuer.clone().unwrap_or_default(),
            not_after: values::lift(not_after)?,
        })
    });
    let firewall_allow = spec
        .firewall
        .as_ref()
        .map(|f| names.node_list(ctx, &f.allow, &at(&at(&path, "firewall"), "allow")));
    let mut rewrite_sender = Some(Vec::new());
    for (pattern, target) in spec.rewrite_sender.iter().flatten() {
        let p = at(&at(&path, "rewrite_sender"), pattern);
        if target.contains('*') || target.trim().is_empty() {
            ctx.error(
                &p,
                format!("`{target}` is not a domain: a sender is rewritten to one exact domain"),
                Some("e.g. `rewrite_sender: {\"*.contoso.com\": contoso.com}`".into()),
            );
            rewrite_sender = None;
            continue;
        }
        let id = doms.intern(ctx, target, &p);
        if let Some(r) = rewrite_sender.as_mut() {
            r.push((DomainPattern::parse(pattern), id));
        }
    }
    let accept_from = spec
        .accept_from
        .as_ref()
        .map(|a| accept_from(ctx, names, doms, a, &at(&path, "accept_from")));
    let kind = kind?;
    let explicit_retry = retry.is_some();
    let retry = match retry {
        Some(r) => r?,
        None => RetryPolicy::preset(kind.default_retry())?,
    };
    let cap = super::capacity::node(ctx, &spec, kind, &retry, explicit_retry, &path)?;
    Some(Node {
        name: name.to_string(),
        kind,
        workers: workers.unwrap_or(Some(kind.default_workers()))?,
        service_time: service_time.unwrap_or(Some(kind.default_service_time()))?,
        service_per_mb: service_per_mb?,
        accepted_domains: accepted?,
        retry,
        spam_filter: values::lift(spam_filter)?,
        max_connections_per_destination: max_conn
            .unwrap_or(Some(kind.default_max_connections_per_destination()))?,
        connect_timeout: connect_timeout?,
        certificate: values::lift(certificate)?,
        firewall_allow: values::lift(firewall_allow)?,
        rewrite_sender: rewrite_sender?,
        accept_from: values::lift(accept_from)?,
        senders: cap.senders,
        inbound: cap.inbound,
        link: cap.link,
        max_messages_per_connection: cap.max_messages_per_connection,
        recipients_per_delivery: cap.recipients_per_delivery,
    })
}

fn accept_from(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    spec: &AcceptFromSpec,
    path: &[Seg],
) -> Option<AcceptFrom> {
    let nodes = spec
        .nodes
        .as_ref()
        .map(|n| names.node_list(ctx, n, &at(path, "nodes")));
    let sender_domains = spec.sender_domains.as_ref().map(|list| {
        list.iter()
            .enumerate()
            .map(|(i, d)| {
                let pattern = DomainPattern::parse(d);
                if let DomainPattern::Exact(name) = &pattern {
                    doms.intern(ctx, name, &at_index(&at(path, "sender_domains"), i));
                }
                pattern
            })
            .collect()
    });
    Some(AcceptFrom {
        nodes: values::lift(nodes)?,
        sender_domains,
        require_tls: spec.require_tls,
    })
}
