//! The `connectors` and `rules` sections: directed routes and the rules that select them.

use serde_yaml::Value;

use super::build::{Names, entry_path};
use super::context::Ctx;
use super::domains::Domains;
use super::locate::Seg;
use super::schema::{ConnectorSpec, RuleSpec, SmartHostValue, TlsModeSpec, TlsValidateSpec};
use super::traffic::Tags;
use super::values::{self, at, at_index};
use crate::model::{
    Connector, ConnectorTarget, Dist, DomainPattern, Rule, RuleWhen, Tls, TlsMode, TlsValidate,
};
use crate::time::SimDuration;

/// Builds every connector; an entry with problems is `None`.
pub(super) fn connectors(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    entries: &[Value],
) -> Vec<Option<Connector>> {
    entries
        .iter()
        .enumerate()
        .map(|(i, v)| connector(ctx, names, doms, v, &entry_path("connectors", i)))
        .collect()
}

fn connector(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    value: &Value,
    path: &[Seg],
) -> Option<Connector> {
    let spec: ConnectorSpec = ctx.de(value.clone(), path)?;
    let from = names.node(ctx, &spec.from, &at(path, "from"));
    let to = if spec.to == "mx" {
        Some(ConnectorTarget::Mx)
    } else {
        names
            .node(ctx, &spec.to, &at(path, "to"))
            .map(ConnectorTarget::Node)
    };
    let mut domains = Vec::new();
    if spec.domains.is_empty() {
        ctx.error(
            &at(path, "domains"),
            "a connector must serve at least one domain",
            Some("e.g. `domains: [contoso.com]`, or `domains: [\"*\"]` for all".into()),
        );
    }
    for (i, d) in spec.domains.iter().enumerate() {
        if d.trim().is_empty() || d.trim() == "*." {
            ctx.error(
                &at_index(&at(path, "domains"), i),
                format!("`{d}` is not a domain pattern"),
                Some("use `contoso.com`, `*.contoso.com` or `\"*\"`".into()),
            );
        }
        domains.push(DomainPattern::parse(d));
    }
    let mailboxes_on = names.node_list(
        ctx,
        spec.mailboxes_on.as_deref().unwrap_or_default(),
        &at(path, "mailboxes_on"),
    );
    let tls = match &spec.tls {
        None => Some(Tls::default()),
        Some(t) => {
            let validate = match t.validate {
                None | Some(TlsValidateSpec::None) => TlsValidate::None,
                Some(TlsValidateSpec::Certificate) => TlsValidate::Certificate,
                Some(TlsValidateSpec::Domain) => TlsValidate::Domain,
            };
            let mode = match t.mode {
                None | Some(TlsModeSpec::Opportunistic) => TlsMode::Opportunistic,
                Some(TlsModeSpec::None) => TlsMode::None,
                Some(TlsModeSpec::Required) => TlsMode::Required,
            };
            let tls_domain = t.tls_domain.clone().filter(|d| !d.trim().is_empty());
            let certificate_name = t.certificate_name.clone().filter(|d| !d.trim().is_empty());
            if validate == TlsValidate::Domain && tls_domain.is_none() {
                ctx.error(
                    &at(&at(path, "tls"), "validate"),
                    "`validate: domain` needs `tls_domain`",
                    Some(
                        "add the expected certificate subject, e.g. `tls_domain: mail.contoso.com`"
                            .into(),
                    ),
                );
                None
            } else {
                Some(Tls {
                    mode,
                    validate,
                    tls_domain,
                    certificate_name,
                })
            }
        }
    };
    let latency = match &spec.latency {
        Some(d) => values::dist(ctx, d, &at(path, "latency"), true),
        None => Some(Dist::Fixed(0.0)),
    };
    let max_connections = spec
        .max_connections
        .as_ref()
        .map(|v| values::positive_count(ctx, v, &at(path, "max_connections"), "`max_connections`"));
    let smart_host = match (&spec.smart_host, to) {
        (None, _) => Some(None),
        (Some(_), Some(ConnectorTarget::Mx)) => {
            ctx.error(
                &at(path, "smart_host"),
                "a connector that routes by MX (`to: mx`) has no smart host",
                Some("set `to:` to the node the smart host's name points at".into()),
            );
            None
        }
        (Some(_), None) => None,
        (Some(v), Some(ConnectorTarget::Node(node))) => {
            let p = at(path, "smart_host");
            let (name, ttl) = match v {
                SmartHostValue::Name(n) => (n.clone(), Some(SimDuration::from_hours(1))),
                SmartHostValue::Record(r) => (
                    r.name.clone(),
                    match &r.ttl {
                        Some(u) => values::positive_duration(ctx, u, &at(&p, "ttl"), "`ttl`"),
                        None => Some(SimDuration::from_hours(1)),
                    },
                ),
            };
            ttl.and_then(|ttl| doms.host(ctx, &name, node, ttl, &p))
                .map(Some)
        }
    };
    let max_message_size = spec
        .max_message_size
        .as_ref()
        .map(|u| super::nodes::size_limit(ctx, u, &at(path, "max_message_size")));
    Some(Connector {
        name: spec.name,
        from: from?,
        to: to?,
        domains,
        mailboxes_on: mailboxes_on?,
        tls: tls?,
        latency: latency?,
        rtt: values::lift(
            spec.rtt
                .as_ref()
                .map(|u| values::duration(ctx, u, &at(path, "rtt"))),
        )?,
        bandwidth: values::lift(
            spec.bandwidth
                .as_ref()
                .map(|u| super::capacity::bandwidth(ctx, u, &at(path, "bandwidth"))),
        )?,
        max_connections: values::lift(max_connections)?,
        rule_scoped: spec.rule_scoped,
        enabled: spec.enabled.unwrap_or(true),
        smart_host: smart_host?,
        centralized_transport: spec.centralized_transport,
        max_message_size: values::lift(max_message_size)?.flatten(),
    })
}

/// Reads the rule entries (interning their tags after the traffic tags).
pub(super) fn read_rules(
    ctx: &mut Ctx,
    entries: &[Value],
    tags: &mut Tags,
) -> Vec<Option<RuleSpec>> {
    entries
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = entry_path("rules", i);
            let spec: RuleSpec = ctx.de(v.clone(), &path)?;
            if let Some(tag) = &spec.when.tag {
                tags.intern(ctx, tag, &at(&at(&path, "when"), "tag"));
            }
            Some(spec)
        })
        .collect()
}

/// Builds every rule; an entry with problems is `None`.
pub(super) fn rules(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    tags: &Tags,
    specs: &[Option<RuleSpec>],
    connectors: &[Option<Connector>],
) -> Vec<Option<Rule>> {
    let mut out = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let path = entry_path("rules", i);
        out.push(
            spec.as_ref()
                .and_then(|s| rule(ctx, names, doms, tags, s, connectors, &path)),
        );
    }
    out
}

fn rule(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    tags: &Tags,
    spec: &RuleSpec,
    connectors: &[Option<Connector>],
    path: &[Seg],
) -> Option<Rule> {
    let at_node = names.node(ctx, &spec.at, &at(path, "at"));
    let via = names.connector(ctx, &spec.route_via, &at(path, "route_via"));
    if let (Some(node), Some(id)) = (at_node, via)
        && let Some(Some(c)) = connectors.get(id.index())
        && c.from != node
    {
        let from = names.nodes.get(c.from.index()).map_or("?", String::as_str);
        let leaving: Vec<&str> = connectors
            .iter()
            .flatten()
            .filter(|c| c.from == node)
            .map(|c| c.name.as_str())
            .collect();
        let hint = if leaving.is_empty() {
            format!(
                "no connector starts at `{}`: add one with `from: {}`",
                spec.at, spec.at
            )
        } else {
            format!(
                "connectors from `{}`: {}",
                spec.at,
                super::context::quoted(leaving)
            )
        };
        ctx.error(&at(path, "route_via"), format!("connector `{}` starts at `{from}`, not at `{}`: a rule can only select a connector leaving its node", spec.route_via, spec.at), Some(hint));
        return None;
    }
    let when_path = at(path, "when");
    let mut pattern = |ctx: &mut Ctx, text: &Option<String>, k: &str| {
        text.as_ref().map(|t| {
            let p = DomainPattern::parse(t);
            if let DomainPattern::Exact(name) = &p {
                doms.intern(ctx, name, &at(&when_path, k));
            }
            p
        })
    };
    let sender_domain = pattern(ctx, &spec.when.sender_domain, "sender_domain");
    let recipient_domain = pattern(ctx, &spec.when.recipient_domain, "recipient_domain");
    let tag = match &spec.when.tag {
        Some(t) => Some(tags.id(t)?),
        None => None,
    };
    Some(Rule {
        name: spec.name.clone(),
        at: at_node?,
        when: RuleWhen {
            tag,
            sender_domain,
            recipient_domain,
        },
        route_via: via?,
        enabled: spec.enabled.unwrap_or(true),
    })
}
