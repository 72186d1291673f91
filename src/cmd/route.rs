//! `mailflow route`: the path a message would take, hop by hop, like a message trace.

use std::fmt::Write;

use super::input::{Source, overrides};
use super::{AppError, note, print};
use crate::cli::RouteArgs;
use crate::model::{NodeId, NodeKind};
use crate::scenario;
use crate::time::SimTime;

/// `mailflow route`.
pub fn route(args: &RouteArgs) -> Result<(), AppError> {
    let source = Source::read(&args.scenario)?;
    let loaded = source.load(&overrides(&args.opts)?)?;
    for w in &loaded.warnings {
        note(&w.to_string());
    }
    let sc = &loaded.scenario;
    let (_, domain_name) = args.to.rsplit_once('@').ok_or_else(|| {
        AppError::Input(format!(
            "--to {}: expected an address such as user@contoso.com",
            args.to
        ))
    })?;
    let domain_name = domain_name.to_ascii_lowercase();
    let domain = sc.resolve_domain(&domain_name).ok_or_else(|| {
        AppError::Input(format!(
            "--to {}: no domain entry for {domain_name} and no \"*\" entry",
            args.to
        ))
    })?;
    let from = match &args.from {
        Some(name) => sc.node_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = sc.nodes.iter().map(|n| n.name.as_str()).collect();
            AppError::Input(format!(
                "--from {name}: no such node (nodes: {})",
                names.join(", ")
            ))
        })?,
        None => sc
            .nodes
            .iter()
            .position(|n| n.kind == NodeKind::Internet)
            .map(NodeId::from_index)
            .or_else(|| sc.traffic.first().map(|t| t.from))
            .unwrap_or(NodeId(0)),
    };
    let at = match &args.at {
        Some(t) => {
            SimTime(0)
                + scenario::units::parse_duration(t)
                    .map_err(|e| AppError::Input(format!("--at {t}: {e}")))?
        }
        None => SimTime::ZERO,
    };
    let d = sc.domain(domain);
    let mut locations: Vec<(Option<NodeId>, f64)> = d
        .mailboxes
        .iter()
        .map(|(n, s)| (Some(*n), s * (1.0 - d.unknown_recipients)))
        .collect();
    if d.unknown_recipients > 0.0 {
        locations.push((None, d.unknown_recipients));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Route of mail to {} from {} at {}:",
        args.to,
        sc.node(from).name,
        at
    );
    for (loc, share) in locations {
        let whose = match loc {
            Some(n) => format!("mailbox on {}", sc.node(n).name),
            None => "recipient that exists nowhere".to_string(),
        };
        let _ = writeln!(
            out,
            "\n  {whose} ({:.1}% of {} recipients)",
            share * 100.0,
            d.name
        );
        let hops = crate::sim::trace::trace(sc, from, domain.index(), loc, at);
        for (i, h) in hops.iter().enumerate() {
            let _ = writeln!(out, "  {:>3}. {:<12} {}", i + 1, h.node, h.action);
            if !h.detail.is_empty() {
                let _ = writeln!(out, "       {:<12} {}", "", h.detail);
            }
            if let Some(f) = &h.failure {
                let _ = writeln!(out, "       {:<12} FAILS: {f}", "");
            }
        }
    }
    print(&out)
}
