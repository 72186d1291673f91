//! Configuration that refuses mail without any fault: each stream's path is traced at the start
//! of the run with the engine's own routing and session checks, and connectors and certificates
//! are checked directly, so `validate` names the connector, the code and the fix.

use std::collections::BTreeSet;

use crate::model::{ConnectorTarget, NodeKind, Scenario, TlsMode, TlsValidate};
use crate::scenario::build::{entry_path, named_path};
use crate::scenario::context::Ctx;
use crate::scenario::values::at;
use crate::sim::SimTime;
use crate::sim::codes::{self, Cause, Style};
use crate::sim::trace::trace;

/// Reports every configuration problem that would defer or refuse mail with no fault active.
pub fn warnings(ctx: &mut Ctx, s: &Scenario) {
    connector_checks(ctx, s);
    expiring_certificates(ctx, s);
    traced_paths(ctx, s);
}

/// Firewall allow lists and forced TLS, per connector.
fn connector_checks(ctx: &mut Ctx, s: &Scenario) {
    for (i, c) in s.connectors.iter().enumerate() {
        let ConnectorTarget::Node(to) = c.to else {
            continue;
        };
        let (from_name, dest) = (&s.node(c.from).name, s.node(to));
        if let Some(allow) = &dest.firewall_allow
            && !allow.contains(&c.from)
        {
            ctx.warn(
                &at(&entry_path("connectors", i), "to"),
                format!(
                    "`{}`'s firewall does not allow `{from_name}`: every session of connector `{}` is refused ({})",
                    dest.name,
                    c.name,
                    codes::text(Style::of(s.node(c.from).kind), Cause::Refused)
                ),
                Some(format!("add `{from_name}` to `nodes.{}.firewall.allow`", dest.name)),
            );
        }
        let has_cert = dest.certificate.is_some() || dest.kind.has_implicit_certificate();
        if c.tls.mode == TlsMode::Required && !has_cert {
            ctx.warn(
                &at(&entry_path("connectors", i), "tls"),
                format!(
                    "connector `{}` requires TLS but `{}` has no certificate, so it offers no STARTTLS ({})",
                    c.name,
                    dest.name,
                    codes::text(Style::of(s.node(c.from).kind), Cause::TlsMissing)
                ),
                Some(format!(
                    "give `{}` a `certificate: {{subject: …, issuer: …}}`, or set the connector's `tls.mode: opportunistic`",
                    dest.name
                )),
            );
        }
    }
}

/// Certificates whose `not_after` falls inside the run, naming the connectors that validate them.
fn expiring_certificates(ctx: &mut Ctx, s: &Scenario) {
    let end = SimTime(0) + s.duration;
    for (i, node) in s.nodes.iter().enumerate() {
        let Some(not_after) = node.certificate.as_ref().and_then(|c| c.not_after) else {
            continue;
        };
        if not_after >= end {
            continue;
        }
        let validating: Vec<String> = s
            .connectors
            .iter()
            .filter(|c| c.to == ConnectorTarget::Node(crate::model::NodeId::from_index(i)))
            .filter(|c| c.tls.validate != TlsValidate::None && c.tls.mode != TlsMode::None)
            .map(|c| {
                let code = codes::text(Style::of(s.node(c.from).kind), Cause::Certificate);
                format!("`{}` ({})", c.name, codes::key(code))
            })
            .collect();
        let effect = if validating.is_empty() {
            "no connector validates it, so mail still flows".to_string()
        } else {
            format!(
                "connector(s) {} will defer from then on (certificate validation failed)",
                validating.join(", ")
            )
        };
        ctx.warn(
            &at(&at(&named_path("nodes", &node.name), "certificate"), "not_after"),
            format!("the certificate of `{}` expires at {} inside the run: {effect}", node.name, not_after),
            Some("renew it (raise `not_after` beyond `duration`) or, if this is the story you want to simulate, keep it".to_string()),
        );
    }
}

/// Every stream to every mailbox location, traced at time 0: a hop that fails with no fault in
/// force is configuration (firewall, TLS, `accept_from`, relaying, loops).
fn traced_paths(ctx: &mut Ctx, s: &Scenario) {
    let mut unfaulted = s.clone();
    unfaulted.faults.clear();
    let mut seen = BTreeSet::new();
    for (i, stream) in s.traffic.iter().enumerate() {
        for &(domain, _) in &stream.to {
            for &(location, share) in &s.domain(domain).mailboxes {
                if share <= 0.0 {
                    continue;
                }
                let hops = trace(
                    &unfaulted,
                    stream.from,
                    domain.index(),
                    Some(location),
                    SimTime::ZERO,
                );
                let Some(last) = hops.last() else { continue };
                let Some(failure) = &last.failure else {
                    continue;
                };
                if !seen.insert((last.node.clone(), failure.clone())) {
                    continue;
                }
                let path: Vec<&str> = hops.iter().map(|h| h.node.as_str()).collect();
                ctx.warn(
                    &at(&entry_path("traffic", i), "to"),
                    format!(
                        "mail of stream `{}` to `{}` mailboxes on `{}` fails at `{}` ({}) with no fault: {failure}",
                        stream.name,
                        s.domain(domain).name,
                        s.node(location).name,
                        last.node,
                        path.join(" → ")
                    ),
                    Some(fix_for(failure, s, &last.node)),
                );
            }
        }
    }
}

fn fix_for(failure: &str, s: &Scenario, node: &str) -> String {
    let fix = crate::sim::advice::for_code(failure.rsplit(": ").next().unwrap_or(failure)).1;
    if fix.is_empty() {
        return format!("check the route with `mailflow route` from `{node}`");
    }
    let internet = s.nodes.iter().any(|n| n.kind == NodeKind::Internet);
    let hint = if internet {
        " (`mailflow route SCENARIO --to user@domain` shows the path)"
    } else {
        ""
    };
    format!("{fix}{hint}")
}
