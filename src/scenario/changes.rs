//! The `changes` section (timed configuration changes, each kind's target keys checked as
//! precisely as faults') and the `alerts` thresholds.

use serde_yaml::Value;

use super::build::{Names, entry_path};
use super::context::{Ctx, allowed_hint, did_you_mean, quoted};
use super::domains::{Domains, mx_answer};
use super::locate::Seg;
use super::schema::{AlertsSpec, ChangeSpec, Unit};
use super::values::{self, at};
use crate::model::{
    AcceptedKind, Alerts, Certificate, Change, ChangeKind, Connector, ConnectorTarget, Node,
    NodeId, Rule, RuleId,
};
use crate::time::{SimDuration, SimTime};

/// The target keys a change kind needs, and those it also allows.
fn keys_of(kind: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        "accepted_domain" => (&["node", "domain", "type"], &[]),
        "connector" => (&["connector"], &["enabled", "to"]),
        "mx" => (&["domain", "mx"], &[]),
        "firewall" => (&["node"], &["allow"]),
        "certificate" => (&["node"], &["subject", "issuer", "ca_name", "not_after"]),
        _ => (&["rule", "enabled"], &[]),
    }
}

/// Builds every change; an entry with problems is `None`. Nodes, connectors and rules are the
/// built ones (`None` where they had problems of their own).
#[allow(clippy::too_many_arguments)]
pub(super) fn build(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    entries: &[Value],
    nodes: &[Option<Node>],
    connectors: &[Option<Connector>],
    rules: &[Option<Rule>],
    duration: Option<SimDuration>,
) -> Vec<Option<Change>> {
    let known = Known {
        nodes,
        connectors,
        rules,
    };
    entries
        .iter()
        .enumerate()
        .map(|(i, v)| {
            change(
                ctx,
                names,
                doms,
                &known,
                v,
                &entry_path("changes", i),
                duration,
            )
        })
        .collect()
}

/// What the other sections built, for changes to refer to.
struct Known<'a> {
    nodes: &'a [Option<Node>],
    connectors: &'a [Option<Connector>],
    rules: &'a [Option<Rule>],
}

fn change(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    known: &Known<'_>,
    value: &Value,
    path: &[Seg],
    duration: Option<SimDuration>,
) -> Option<Change> {
    let spec: ChangeSpec = ctx.de(value.clone(), path)?;
    let kind = spec.kind.as_str();
    if !ChangeKind::NAMES.contains(&kind) {
        ctx.error(
            &at(path, "kind"),
            format!("unknown change kind `{kind}`"),
            Some(allowed_hint(kind, &ChangeKind::NAMES)),
        );
        return None;
    }
    let (needs, allows) = keys_of(kind);
    let takes = || {
        let all: Vec<&str> = needs.iter().chain(allows).copied().collect();
        format!(
            "a `{kind}` change takes {} (plus `at` and `propagation`)",
            quoted(all)
        )
    };
    let present = spec.present_keys();
    let mut ok = true;
    for k in &present {
        if !needs.contains(k) && !allows.contains(k) {
            ctx.error_at_key(
                &at(path, k),
                format!("`{k}` is not a key of a `{kind}` change"),
                Some(takes()),
            );
            ok = false;
        }
    }
    for k in needs {
        if !present.contains(k) {
            ctx.error_at_key(
                path,
                format!("change kind `{kind}` needs `{k}`"),
                Some(takes()),
            );
            ok = false;
        }
    }
    if kind == "connector" && spec.enabled.is_none() && spec.to.is_none() {
        ctx.error_at_key(
            path,
            "a `connector` change needs `enabled` or `to`",
            Some("e.g. `{kind: connector, connector: eop-to-onprem, enabled: false}`".into()),
        );
        ok = false;
    }
    let at_time = values::duration_or(ctx, spec.at.as_ref(), &at(path, "at"), SimDuration::ZERO);
    if let (Some(s), Some(d)) = (at_time, duration)
        && s >= d
    {
        ctx.warn(
            &at(path, "at"),
            format!("the change is made at {s}, after the run ends ({d})"),
            Some("move `at` inside `duration`, or remove the change".into()),
        );
    }
    let propagation = match &spec.propagation {
        Some(u) => propagation(ctx, u, &at(path, "propagation")),
        None => Some((SimDuration::ZERO, SimDuration::ZERO)),
    };
    if !ok {
        return None;
    }
    let node = spec
        .node
        .as_ref()
        .and_then(|n| names.node(ctx, n, &at(path, "node")));
    let built = |n: NodeId| known.nodes.get(n.index()).and_then(Option::as_ref);
    let (kind, label) = match kind {
        "accepted_domain" => {
            let node = node?;
            let name = spec.domain.as_deref().unwrap_or_default();
            let domain = doms.intern(ctx, name, &at(path, "domain"));
            let ty = spec.type_.as_deref().unwrap_or_default();
            const TYPES: [&str; 4] = ["authoritative", "internal_relay", "external_relay", "none"];
            let new = match ty {
                "authoritative" => Some(AcceptedKind::Authoritative),
                "internal_relay" => Some(AcceptedKind::InternalRelay),
                "external_relay" => Some(AcceptedKind::ExternalRelay),
                "none" => None,
                other => {
                    ctx.error(
                        &at(path, "type"),
                        format!("unknown accepted-domain type `{other}`"),
                        Some(allowed_hint(other, &TYPES)),
                    );
                    return None;
                }
            };
            let label = format!("{} {name}: {ty}", names.nodes[node.index()]);
            (
                ChangeKind::AcceptedDomain {
                    node,
                    domain,
                    kind: new,
                },
                label,
            )
        }
        "connector" => {
            let name = spec.connector.as_deref().unwrap_or_default();
            let connector = names.connector(ctx, name, &at(path, "connector"))?;
            let to = match spec.to.as_deref() {
                None => None,
                Some("mx") => Some(ConnectorTarget::Mx),
                Some(n) => Some(ConnectorTarget::Node(names.node(
                    ctx,
                    n,
                    &at(path, "to"),
                )?)),
            };
            if let (Some(ConnectorTarget::Mx), Some(Some(c))) =
                (to, known.connectors.get(connector.index()))
                && c.smart_host.is_some()
            {
                ctx.error(
                    &at(path, "to"),
                    format!("connector `{name}` has a smart host name: it cannot route by MX"),
                    Some("send it to another node instead".into()),
                );
                return None;
            }
            let mut what = Vec::new();
            if let Some(e) = spec.enabled {
                what.push(if e { "enabled" } else { "disabled" }.to_string());
            }
            if let Some(t) = &spec.to {
                what.push(format!("to {t}"));
            }
            (
                ChangeKind::Connector {
                    connector,
                    enabled: spec.enabled,
                    to,
                },
                format!("{name}: {}", what.join(", ")),
            )
        }
        "mx" => {
            let name = spec.domain.as_deref().unwrap_or_default();
            let domain = doms.intern(ctx, name, &at(path, "domain"));
            let mx = spec.mx.as_ref()?;
            let answer = mx_answer(ctx, names, mx, &at(path, "mx"))?;
            let shown = match answer.status {
                crate::model::DnsStatus::NullMx => "null MX".to_string(),
                _ => answer
                    .records
                    .iter()
                    .map(|r| names.nodes[r.host.index()].clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            (
                ChangeKind::Mx { domain, answer },
                format!("MX of {name}: {shown}"),
            )
        }
        "firewall" => {
            let node = node?;
            let allow = match &spec.allow {
                Some(list) => Some(names.node_list(ctx, list, &at(path, "allow"))?),
                None => None,
            };
            let shown = match &allow {
                None => "allow everyone".to_string(),
                Some(a) if a.is_empty() => "allow no one".to_string(),
                Some(a) => format!(
                    "allow {}",
                    a.iter()
                        .map(|n| names.nodes[n.index()].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            (
                ChangeKind::Firewall { node, allow },
                format!("firewall of {}: {shown}", names.nodes[node.index()]),
            )
        }
        "certificate" => {
            let node = node?;
            let old = built(node).and_then(|n| n.certificate.clone());
            let subject = match (&spec.subject, &old) {
                (Some(s), _) => s.clone(),
                (None, Some(c)) => c.subject.clone(),
                (None, None) => {
                    ctx.error_at_key(
                        path,
                        format!(
                            "node `{}` has no certificate: the change needs `subject`",
                            names.nodes[node.index()]
                        ),
                        Some("e.g. `subject: mail.contoso.com`".into()),
                    );
                    return None;
                }
            };
            let issuer = match (&spec.issuer, &old) {
                (None, Some(c)) if spec.ca_name.is_none() => c.issuer.clone(),
                _ => super::nodes::issuer(
                    ctx,
                    spec.issuer.as_deref(),
                    spec.ca_name.as_deref(),
                    path,
                )?,
            };
            let not_after = match &spec.not_after {
                Some(u) => Some(SimTime(
                    values::duration(ctx, u, &at(path, "not_after"))?.as_micros(),
                )),
                None => None,
            };
            let label = format!(
                "certificate of {}: {subject}{}",
                names.nodes[node.index()],
                not_after.map_or(String::new(), |t| format!(
                    ", valid until {}",
                    SimDuration(t.0)
                ))
            );
            (
                ChangeKind::Certificate {
                    node,
                    certificate: Certificate {
                        subject,
                        issuer,
                        not_after,
                    },
                },
                label,
            )
        }
        _ => {
            let name = spec.rule.as_deref().unwrap_or_default();
            let rules: Vec<&str> = known
                .rules
                .iter()
                .flatten()
                .map(|r| r.name.as_str())
                .collect();
            let Some(i) = known
                .rules
                .iter()
                .position(|r| r.as_ref().is_some_and(|r| r.name == name))
            else {
                let hint = did_you_mean(name, rules.iter().copied())
                    .unwrap_or_else(|| format!("defined rules: {}", quoted(rules.iter().copied())));
                ctx.error(
                    &at(path, "rule"),
                    format!("unknown rule `{name}`"),
                    Some(hint),
                );
                return None;
            };
            let enabled = spec.enabled.unwrap_or(true);
            (
                ChangeKind::Rule {
                    rule: RuleId::from_index(i),
                    enabled,
                },
                format!("rule {name}: {}", if enabled { "on" } else { "off" }),
            )
        }
    };
    Some(Change {
        label,
        kind,
        at: SimTime(at_time?.as_micros()),
        propagation: propagation?,
    })
}

/// A propagation delay: a duration (`45m`) or a range (`30m..1h`), drawn uniformly per change.
fn propagation(ctx: &mut Ctx, u: &Unit, path: &[Seg]) -> Option<(SimDuration, SimDuration)> {
    const FORM: &str = "a duration such as `45m`, or a range such as `30m..1h`";
    let Unit::Text(text) = u else {
        return values::duration(ctx, u, path).map(|d| (d, d));
    };
    let Some((lo, hi)) = text.split_once("..") else {
        return values::duration(ctx, u, path).map(|d| (d, d));
    };
    let lo = values::duration(ctx, &Unit::Text(lo.trim().to_string()), path)?;
    let hi = values::duration(ctx, &Unit::Text(hi.trim().to_string()), path)?;
    if hi < lo {
        ctx.error(
            path,
            format!("the range `{text}` ends before it starts"),
            Some(FORM.into()),
        );
        return None;
    }
    Some((lo, hi))
}

/// The `alerts` mapping.
pub(super) fn alerts(ctx: &mut Ctx, v: Value, path: &[Seg]) -> Option<Alerts> {
    let spec: AlertsSpec = ctx.de(v, path)?;
    let mut out = Alerts::default();
    if let Some(q) = spec.queued {
        if q == 0 {
            ctx.error(
                &at(path, "queued"),
                "`queued` must be at least 1",
                Some("the default is 200 (Exchange Online's threshold)".into()),
            );
            return None;
        }
        out.queued = q;
    }
    if let Some(u) = &spec.queued_over {
        out.queued_over =
            values::positive_duration(ctx, u, &at(path, "queued_over"), "`queued_over`")?;
    }
    Some(out)
}
