//! Checks over the built scenario that find likely mistakes: warnings, each with its fix.

use petgraph::Direction;
use petgraph::graph::NodeIndex;

use crate::model::{ConnectorTarget, NodeId, Scenario};
use crate::scenario::build::{entry_path, named_path};
use crate::scenario::context::Ctx;
use crate::scenario::values::at;

/// Reports the warnings of a scenario that otherwise built cleanly.
pub fn warnings(ctx: &mut Ctx, s: &Scenario) {
    unreachable_mailboxes(ctx, s);
    unused_nodes(ctx, s);
    unused_rule_scoped(ctx, s);
    super::config::warnings(ctx, s);
}

/// A stream whose target domain has a mailbox node that its `from` node cannot reach.
fn unreachable_mailboxes(ctx: &mut Ctx, s: &Scenario) {
    // Reachability once per sending node, not one search per (stream, domain, mailbox).
    let mut sources: Vec<NodeId> = s.traffic.iter().map(|t| t.from).collect();
    sources.sort_unstable();
    sources.dedup();
    let reach = s.topology.reachable_from(&sources);
    let reachable = |from: NodeId, to: NodeId| {
        sources
            .binary_search(&from)
            .is_ok_and(|k| reach[k][to.index()])
    };
    for (i, stream) in s.traffic.iter().enumerate() {
        for &(domain, _) in &stream.to {
            let d = s.domain(domain);
            for &(node, share) in &d.mailboxes {
                if share > 0.0 && node != stream.from && !reachable(stream.from, node) {
                    let (from, to) = (&s.node(stream.from).name, &s.node(node).name);
                    ctx.warn(
                        &at(&entry_path("traffic", i), "to"),
                        format!("stream `{}` sends to `{}`, whose mailboxes on `{to}` cannot be reached from `{from}`", stream.name, d.name),
                        Some(format!("add a connector from `{from}` (or a node it reaches) to `{to}`, or list `{to}` in an `mx`")),
                    );
                }
            }
        }
    }
}

/// A node with no connector or MX record pointing at it, that no stream submits to.
fn unused_nodes(ctx: &mut Ctx, s: &Scenario) {
    for (i, node) in s.nodes.iter().enumerate() {
        let id = NodeId::from_index(i);
        let incoming = s
            .topology
            .graph
            .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
            .next()
            .is_some();
        let source = s.traffic.iter().any(|t| t.from == id);
        if !incoming && !source {
            ctx.warn(
                &named_path("nodes", &node.name),
                format!(
                    "nobody routes to node `{}`: no connector, MX record or stream reaches it",
                    node.name
                ),
                Some(format!(
                    "add a connector with `to: {}`, list it in a domain's `mx`, or remove it",
                    node.name
                )),
            );
        }
    }
}

/// A `rule_scoped` connector that no rule selects is never used.
fn unused_rule_scoped(ctx: &mut Ctx, s: &Scenario) {
    for (i, c) in s.connectors.iter().enumerate() {
        let selected = s.rules.iter().any(|r| r.route_via.index() == i);
        if c.rule_scoped && !selected {
            let to = match c.to {
                ConnectorTarget::Node(n) => s.node(n).name.clone(),
                ConnectorTarget::Mx => "mx".into(),
            };
            ctx.warn(
                &at(&entry_path("connectors", i), "rule_scoped"),
                format!("connector `{}` is `rule_scoped` but no rule selects it, so it is never used", c.name),
                Some(format!("add a rule with `route_via: {}` (at `{}`, towards `{to}`), or set `rule_scoped: false`", c.name, s.node(c.from).name)),
            );
        }
    }
}
