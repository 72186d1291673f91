//! `mailflow route`: the path a message would take, hop by hop, decided by the same routing
//! table and session checks the engine uses, with the faults in force at a given time.

use super::codes::{self, C_LOOP, C_LOOP_EXO, C_UNKNOWN, C_UNKNOWN_EXO, Cause, Style};
use super::delivery::{self, Connect, World};
use super::faults::FaultState;
use super::message::{Message, SUBMITTED, UNKNOWN};
use super::routing::{Decision, QueueTarget, RouteTable};
use crate::model::{
    ConnectorTarget, DnsStatus, FaultKind, MxAnswer, NodeId, Scenario, TlsMode, TlsValidate,
};
use crate::time::SimTime;

/// One line of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHop {
    /// Node where the step happens.
    pub node: String,
    /// What happens there (`delivered to the mailbox`, `→ onprem via connector eop-to-onprem`, …).
    pub action: String,
    /// TLS and other details of the step.
    pub detail: String,
    /// A failure code, when the step fails.
    pub failure: Option<String>,
}

/// Traces a message to a recipient whose mailbox is at `location` (`None`: unknown recipient)
/// of domain `domain`, submitted at `from`, at simulated time `at`.
pub fn trace(
    sc: &Scenario,
    from: NodeId,
    domain: usize,
    location: Option<NodeId>,
    at: SimTime,
) -> Vec<TraceHop> {
    // The configuration of `at`: changes that have surely landed by then.
    // (A changed configuration is a copy without a kept table: `of` builds its own.)
    let landed = super::changes::landed_by(sc, at);
    let sc = landed.as_ref().unwrap_or(sc);
    trace_with(sc, &RouteTable::of(sc), from, domain, location, at)
}

/// [`trace`] in the configuration `sc` already in force at `at`, with its routing table
/// `routes` built once for a batch of traces (the configuration checks trace every stream).
pub fn trace_with(
    sc: &Scenario,
    routes: &RouteTable,
    from: NodeId,
    domain: usize,
    location: Option<NodeId>,
    at: SimTime,
) -> Vec<TraceHop> {
    let mut faults = FaultState::new(sc);
    let mut mx_version: Vec<Option<usize>> = vec![None; sc.domains.len()];
    let mut dns_failing = vec![false; sc.domains.len()];
    for (i, f) in sc.faults.iter().enumerate() {
        if !f.active_at(at) {
            continue;
        }
        match &f.kind {
            FaultKind::DnsFailure { domain } => dns_failing[domain.index()] = true,
            FaultKind::MxChange { domain, .. } => mx_version[domain.index()] = Some(i),
            kind => faults.apply(i as u32, kind, true),
        }
    }
    let mut world = World {
        sc,
        faults: &faults,
        routes,
        now: at,
        style: Style::Mta,
    };
    let mut m = Message {
        created: at,
        node_arrival: at,
        size: 75_000,
        tags: 0,
        rcpt_domain: domain as u16,
        sender_domain: sc
            .traffic
            .iter()
            .find(|t| t.from == from)
            .map_or(domain as u16, |t| t.sender_domain.0 as u16),
        location: location.map_or(UNKNOWN, |l| l.0 as u16),
        prev: SUBMITTED,
        stream: 0,
        hops: 0,
        rcpts: 1,
        flags: 0,
    };
    let mut hops = Vec::new();
    let mut node = from;
    loop {
        let name = sc.node(node).name.clone();
        let hop = |action: String, detail: String, failure: Option<String>| TraceHop {
            node: name.clone(),
            action,
            detail,
            failure,
        };
        let q = match routes.decide(node.index(), &m) {
            Decision::Deliver => {
                hops.push(hop("delivered to the mailbox".into(), String::new(), None));
                return hops;
            }
            Decision::RejectUnknown => {
                let code = if sc.node(node).kind == crate::model::NodeKind::ExchangeOnline {
                    C_UNKNOWN_EXO
                } else {
                    C_UNKNOWN
                };
                hops.push(hop(
                    "rejects the unknown recipient (authoritative)".into(),
                    String::new(),
                    Some(codes::fixed_codes()[code as usize].into()),
                ));
                return hops;
            }
            Decision::Queue(q) => q as usize,
        };
        let key = routes.queues[q];
        let style = Style::of(sc.node(node).kind);
        world.style = style;
        if let Some(c) = key.connector
            && let Some(limit) = sc.connector(c).max_message_size
            && u64::from(m.size) > limit
        {
            hops.push(hop(
                format!("cannot send through connector {}", sc.connector(c).name),
                format!("the message is larger than its limit of {limit} bytes"),
                Some(codes::TOO_BIG.into()),
            ));
            return hops;
        }
        let (via, tls_text) = match key.connector {
            Some(c) => {
                let c = sc.connector(c);
                let routed = if c.to == ConnectorTarget::Mx {
                    ", by MX"
                } else {
                    ""
                };
                (
                    format!("connector {}{routed}", c.name),
                    tls_words(c.tls.mode, c.tls.validate, c.tls.tls_domain.as_deref()),
                )
            }
            None => ("DNS MX".to_string(), "TLS opportunistic".to_string()),
        };
        let candidates: Vec<(NodeId, String)> = match key.target {
            QueueTarget::Node(n) => vec![(n, String::new())],
            QueueTarget::Mx(d) | QueueTarget::Host(d) => {
                let record = if matches!(key.target, QueueTarget::Mx(_)) {
                    "MX"
                } else {
                    "address"
                };
                let lookup = format!("looks up {record} of {} ({via})", sc.domain(d).name);
                if dns_failing[d.index()] {
                    hops.push(hop(
                        lookup,
                        tls_text,
                        Some(codes::text(style, Cause::Dns).into()),
                    ));
                    return hops;
                }
                let answer = match mx_version[d.index()].map(|i| &sc.faults[i].kind) {
                    Some(FaultKind::MxChange { mx, .. }) => mx.clone(),
                    _ => MxAnswer {
                        status: sc.domain(d).status,
                        records: sc.domain(d).mx.clone(),
                    },
                };
                let permanent = match answer.status {
                    DnsStatus::NxDomain => Some(codes::nxdomain(style)),
                    DnsStatus::NullMx => Some(codes::C_NULL_MX),
                    DnsStatus::Exists if answer.records.is_empty() => Some(codes::C_NO_MAIL_HOST),
                    DnsStatus::Exists => None,
                };
                if let Some(code) = permanent {
                    hops.push(hop(
                        lookup,
                        tls_text,
                        Some(codes::fixed_codes()[code as usize].into()),
                    ));
                    return hops;
                }
                let mut r = answer.records;
                r.sort_by_key(|x| x.preference);
                r.iter()
                    .map(|x| {
                        (
                            x.host,
                            format!(
                                " ({record} {} preference {})",
                                sc.domain(d).name,
                                x.preference
                            ),
                        )
                    })
                    .collect()
            }
        };
        let policy = match key.target {
            QueueTarget::Mx(d) => delivery::domain_policy(sc, node, d),
            _ => None,
        };
        let mut failures = Vec::new();
        let mut next = None;
        for (to, mx_text) in &candidates {
            let path = delivery::Path {
                rtt: Default::default(),
                bandwidth: 1.0,
                extra: Default::default(),
                connect_timeout: Default::default(),
            };
            match delivery::connect(&world, &key, *to, &path, None, policy) {
                Connect::Open { tls, .. } => {
                    let via_mx = matches!(key.target, QueueTarget::Mx(_));
                    if let Some(code) = delivery::refuses(&world, &key, &m, *to, via_mx, tls) {
                        hops.push(hop(
                            format!("→ {}{mx_text} via {via}", sc.node(*to).name),
                            tls_text,
                            Some(format!(
                                "{} rejects: {}",
                                sc.node(*to).name,
                                codes::fixed_codes()[code as usize]
                            )),
                        ));
                        return hops;
                    }
                    next = Some((*to, mx_text.clone(), tls));
                    break;
                }
                Connect::Failed { cause, .. } => failures.push(format!(
                    "{}: {}",
                    sc.node(*to).name,
                    codes::text(style, cause)
                )),
            }
        }
        match next {
            None => {
                hops.push(hop(
                    format!("cannot hand over via {via}"),
                    tls_text,
                    Some(failures.join("; ")),
                ));
                return hops;
            }
            Some((to, mx_text, tls)) => {
                let used = if tls { "encrypted" } else { "in clear" };
                let tried = if failures.is_empty() {
                    String::new()
                } else {
                    format!("; first tried {}", failures.join(", "))
                };
                hops.push(hop(
                    format!("→ {}{mx_text} via {via}", sc.node(to).name),
                    format!("{tls_text}, {used}{tried}"),
                    None,
                ));
                m.prev = node.0 as u16;
                m.hops += 1;
                node = to;
                if u32::from(m.hops) >= sc.max_hops {
                    let code = if sc.node(node).kind == crate::model::NodeKind::ExchangeOnline {
                        C_LOOP_EXO
                    } else {
                        C_LOOP
                    };
                    hops.push(TraceHop {
                        node: sc.node(node).name.clone(),
                        action: format!("hop count {} reached", m.hops),
                        detail: String::new(),
                        failure: Some(codes::fixed_codes()[code as usize].into()),
                    });
                    return hops;
                }
            }
        }
    }
}

fn tls_words(mode: TlsMode, validate: TlsValidate, domain: Option<&str>) -> String {
    let mode = match mode {
        TlsMode::None => "none",
        TlsMode::Opportunistic => "opportunistic",
        TlsMode::Required => "required",
    };
    match validate {
        TlsValidate::None => format!("TLS {mode}"),
        TlsValidate::Certificate => format!("TLS {mode}, certificate validated"),
        TlsValidate::Domain => format!("TLS {mode}, domain validated ({})", domain.unwrap_or("?")),
    }
}
