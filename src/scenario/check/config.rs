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
use crate::sim::routing::RouteTable;
use crate::sim::trace::{TraceHop, trace_with};

/// Reports every configuration problem that would defer or refuse mail with no fault active.
pub fn warnings(ctx: &mut Ctx, s: &Scenario) {
    connector_checks(ctx, s);
    expiring_certificates(ctx, s);
    let mut tracer = Tracer::new(s);
    traced_paths(ctx, s, &mut tracer);
    unknown_recipient_paths(ctx, s, &mut tracer);
    external_relay_mailboxes(ctx, s);
}

/// Paths traced at time 0 with no fault in force: the configuration and its routing table
/// are prepared once, and each (sender node, domain, mailbox place) is traced once however
/// many streams share it.
struct Tracer {
    live: Scenario,
    routes: std::sync::Arc<RouteTable>,
    traced: BTreeSet<(u16, usize, Option<u16>)>,
}

impl Tracer {
    fn new(s: &Scenario) -> Tracer {
        let mut unfaulted = s.clone();
        unfaulted.faults.clear();
        let (live, routes) = match crate::sim::changes::landed_by(&unfaulted, SimTime::ZERO) {
            Some(live) => {
                let routes = std::sync::Arc::new(RouteTable::build(&live));
                (live, routes)
            }
            // No change in force at time 0: the table is the scenario's own (faults do not
            // enter it), kept with the scenario for the engine.
            None => {
                let build = || RouteTable::build(&unfaulted);
                let routes = s
                    .derived
                    .get_or_init(build)
                    .unwrap_or_else(|| std::sync::Arc::new(build()));
                (unfaulted, routes)
            }
        };
        Tracer {
            live,
            routes,
            traced: BTreeSet::new(),
        }
    }

    /// The trace from `from` to a recipient of `domain` at `location`, unless it was traced
    /// before (the same path gives the same warning).
    fn trace(
        &mut self,
        from: crate::model::NodeId,
        domain: usize,
        location: Option<crate::model::NodeId>,
    ) -> Option<Vec<TraceHop>> {
        let key = (from.0 as u16, domain, location.map(|l| l.0 as u16));
        self.traced.insert(key).then(|| {
            trace_with(
                &self.live,
                &self.routes,
                from,
                domain,
                location,
                SimTime::ZERO,
            )
        })
    }
}

/// Mailboxes placed on a node that treats their domain as External Relay: it never delivers
/// them locally, it passes them on (sources §1.5).
fn external_relay_mailboxes(ctx: &mut Ctx, s: &Scenario) {
    for node in &s.nodes {
        for &(domain, kind) in &node.accepted_domains {
            if kind != crate::model::AcceptedKind::ExternalRelay {
                continue;
            }
            let d = s.domain(domain);
            let here = d
                .mailboxes
                .iter()
                .any(|&(n, share)| share > 0.0 && s.node(n).name == node.name);
            if here {
                ctx.warn(
                    &at(&at(&named_path("nodes", &node.name), "accepted_domains"), &d.name),
                    format!(
                        "`{}` is external_relay at `{}`, which never delivers its mail locally: the mailboxes placed on `{}` are passed on by its connector (or returned)",
                        d.name, node.name, node.name
                    ),
                    Some(format!(
                        "make `{}` authoritative or internal_relay at `{}`, or move the mailboxes",
                        d.name, node.name
                    )),
                );
            }
        }
    }
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
        if let Some(name) = &c.tls.certificate_name {
            let own = crate::sim::delivery::presented(s, c.from);
            if !own
                .as_ref()
                .is_some_and(|cert| crate::sim::delivery::certificate_covers(cert, name))
            {
                let has = match &own {
                    Some(cert) => format!("its certificate is for `{}`", cert.subject),
                    None => "it has no certificate".to_string(),
                };
                ctx.warn(
                    &at(&at(&entry_path("connectors", i), "tls"), "certificate_name"),
                    format!(
                        "connector `{}` presents a certificate named `{name}`, but {has}: a receiver that checks the sender's certificate refuses its mail",
                        c.name
                    ),
                    Some(format!(
                        "give `{from_name}` a `certificate: {{subject: {name}, issuer: ca}}`, or correct `certificate_name`"
                    )),
                );
            }
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
fn traced_paths(ctx: &mut Ctx, s: &Scenario, tracer: &mut Tracer) {
    let mut seen = BTreeSet::new();
    for (i, stream) in s.traffic.iter().enumerate() {
        for &(domain, _) in &stream.to {
            for &(location, share) in &s.domain(domain).mailboxes {
                if share <= 0.0 {
                    continue;
                }
                // A path traced before already gave its warning, if any.
                let Some(hops) = tracer.trace(stream.from, domain.index(), Some(location)) else {
                    continue;
                };
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

/// A recipient that exists nowhere, traced from every stream's sender to every domain it writes
/// to: it should end in an NDR; a loop (two sides passing unknown recipients to each other as
/// `internal_relay`) or a deferral is configuration.
fn unknown_recipient_paths(ctx: &mut Ctx, s: &Scenario, tracer: &mut Tracer) {
    let mut seen = BTreeSet::new();
    for (i, stream) in s.traffic.iter().enumerate() {
        for &(domain, _) in &stream.to {
            if !seen.insert((stream.from, domain)) {
                continue;
            }
            let Some(hops) = tracer.trace(stream.from, domain.index(), None) else {
                continue;
            };
            let Some(last) = hops.last() else { continue };
            let Some(failure) = &last.failure else {
                continue;
            };
            let looped = failure == codes::LOOP_EXCHANGE_ONLINE || failure == codes::LOOP_OTHER;
            let deferred = failure
                .rsplit(": ")
                .next()
                .is_some_and(|code| code.starts_with('4'));
            if !(looped || deferred) {
                continue;
            }
            let path: Vec<&str> = hops.iter().map(|h| h.node.as_str()).collect();
            let (what, fix) = if looped {
                (
                    "loops".to_string(),
                    format!(
                        "make `{}` authoritative on the node that holds its mailboxes, so unknown recipients are rejected there (sources §1.5)",
                        s.domain(domain).name
                    ),
                )
            } else {
                ("is deferred".to_string(), fix_for(failure, s, &last.node))
            };
            let shown: Vec<&str> = if path.len() > 8 {
                path[..8].to_vec()
            } else {
                path.clone()
            };
            ctx.warn(
                &at(&entry_path("traffic", i), "to"),
                format!(
                    "mail of stream `{}` to an unknown recipient in `{}` {what} with no fault ({}{}): {failure}",
                    stream.name,
                    s.domain(domain).name,
                    shown.join(" → "),
                    if path.len() > shown.len() { " → …" } else { "" },
                ),
                Some(fix),
            );
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
