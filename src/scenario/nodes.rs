//! The `nodes` section: mail systems with their kind defaults, retry policies and restrictions.

use serde_yaml::Value;

use super::build::{Names, named_path};
use super::context::{Ctx, allowed_hint, quoted};
use super::domains::Domains;
use super::locate::Seg;
use super::schema::{AcceptFromSpec, AcceptedSpec, NodeSpec};
use super::values::{self, at, at_index};
use crate::model::{
    AcceptFrom, AcceptedKind, Certificate, Dist, DomainPattern, Issuer, Node, NodeKind,
    RetryPolicy, SpamFilter,
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
            AcceptedSpec::ExternalRelay => AcceptedKind::ExternalRelay,
        };
        if kind == AcceptedKind::ExternalRelay
            && spec.kind.as_deref() == Some(NodeKind::ExchangeOnline.as_str())
        {
            ctx.error(
                &p,
                "Exchange Online has two accepted-domain types: authoritative and internal_relay",
                Some("External Relay is an Exchange Server type (sources §1.5); use `internal_relay` here".into()),
            );
            accepted = None;
            continue;
        }
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
        let p = at(&path, "certificate");
        let not_after = c.not_after.as_ref().map(|u| {
            values::duration(ctx, u, &at(&p, "not_after")).map(|d| SimTime(d.as_micros()))
        });
        let issuer = issuer(ctx, c.issuer.as_deref(), c.ca_name.as_deref(), &p);
        Some(Certificate {
            subject: c.subject.clone(),
            issuer: issuer?,
            not_after: values::lift(not_after)?,
        })
    });
    let max_message_size = spec
        .max_message_size
        .as_ref()
        .map(|u| size_limit(ctx, u, &at(&path, "max_message_size")));
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
        trusted_cas: spec.trusted_cas.clone().unwrap_or_default(),
        max_message_size: match max_message_size {
            Some(limit) => limit?,
            None => kind.default_max_message_size(),
        },
    })
}

/// A certificate's `issuer` (and `ca_name` for a private CA).
pub(super) fn issuer(
    ctx: &mut Ctx,
    issuer: Option<&str>,
    ca_name: Option<&str>,
    path: &[Seg],
) -> Option<Issuer> {
    const ISSUERS: [&str; 3] = ["ca", "self_signed", "private_ca"];
    let out = match issuer.unwrap_or("ca") {
        "ca" => Issuer::PublicCa,
        "self_signed" => Issuer::SelfSigned,
        "private_ca" => match ca_name {
            Some(n) if !n.trim().is_empty() => Issuer::PrivateCa(n.trim().to_string()),
            _ => {
                ctx.error(
                    &at(path, "issuer"),
                    "`issuer: private_ca` needs `ca_name`",
                    Some("name the CA, e.g. `ca_name: Contoso Issuing CA`, and list it in `trusted_cas` of the nodes that trust it".into()),
                );
                return None;
            }
        },
        other => {
            ctx.error(
                &at(path, "issuer"),
                format!("unknown certificate issuer `{other}`"),
                Some(format!(
                    "{}; a private CA's name goes in `ca_name`",
                    allowed_hint(other, &ISSUERS)
                )),
            );
            return None;
        }
    };
    if ca_name.is_some() && !matches!(out, Issuer::PrivateCa(_)) {
        ctx.warn(
            &at(path, "ca_name"),
            "`ca_name` is only read with `issuer: private_ca`",
            Some("remove it, or set `issuer: private_ca`".into()),
        );
    }
    Some(out)
}

/// A `max_message_size`: a size, or `unlimited`.
pub(super) fn size_limit(
    ctx: &mut Ctx,
    u: &super::schema::Unit,
    path: &[Seg],
) -> Option<Option<u64>> {
    if matches!(u, super::schema::Unit::Text(t) if t.trim() == "unlimited") {
        return Some(None);
    }
    let bytes = values::size(ctx, u, path)?;
    if bytes < 1.0 {
        ctx.error(
            path,
            "a message size limit must be above 0",
            Some("e.g. `max_message_size: 25MB`, or `unlimited`".into()),
        );
        return None;
    }
    Some(Some(bytes as u64))
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
        certificate_name: spec
            .certificate_name
            .clone()
            .filter(|n| !n.trim().is_empty()),
    })
}
