//! The topology as a petgraph: nodes, connector edges and MX edges.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Bfs;

use super::{ConnectorId, ConnectorTarget, DomainId, NodeId};

/// An edge of the topology graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// A smart-host connector.
    Connector(ConnectorId),
    /// Any node may reach an MX host of this domain by DNS.
    Mx(DomainId),
}

/// Directed graph whose vertices are `NodeId`s (graph index = node index).
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// The graph; vertex weight is the node id.
    pub graph: DiGraph<NodeId, Edge>,
}

impl Topology {
    /// Builds the graph: one vertex per node, an edge per smart-host connector, and an MX edge
    /// from every node to each MX host of each domain.
    pub fn build(
        node_count: usize,
        connectors: &[super::Connector],
        domains: &[super::Domain],
    ) -> Topology {
        let mut graph = DiGraph::with_capacity(node_count, connectors.len());
        for i in 0..node_count {
            graph.add_node(NodeId::from_index(i));
        }
        for (i, c) in connectors.iter().enumerate() {
            if let ConnectorTarget::Node(to) = c.to {
                graph.add_edge(
                    NodeIndex::new(c.from.index()),
                    NodeIndex::new(to.index()),
                    Edge::Connector(ConnectorId::from_index(i)),
                );
            }
        }
        for (d, dom) in domains.iter().enumerate() {
            for mx in &dom.mx {
                for n in 0..node_count {
                    if n != mx.host.index() {
                        graph.add_edge(
                            NodeIndex::new(n),
                            NodeIndex::new(mx.host.index()),
                            Edge::Mx(DomainId::from_index(d)),
                        );
                    }
                }
            }
        }
        Topology { graph }
    }

    /// Every node's reachability from each of `sources`, computed once per source: one pass
    /// over the edges finds the connector edges and the MX hosts (every node has an MX edge to
    /// each of them), then a search over connector edges only per source, instead of a search
    /// over every node's MX edges per question.
    pub fn reachable_from(&self, sources: &[NodeId]) -> Vec<Vec<bool>> {
        let n = self.graph.node_count();
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut mx_host = vec![false; n];
        for e in self.graph.raw_edges() {
            match e.weight {
                Edge::Connector(_) => out[e.source().index()].push(e.target().index()),
                Edge::Mx(_) => mx_host[e.target().index()] = true,
            }
        }
        let mx_hosts: Vec<usize> = (0..n).filter(|&h| mx_host[h]).collect();
        sources
            .iter()
            .map(|from| {
                let mut seen = vec![false; n];
                let mut stack = vec![from.index()];
                seen[from.index()] = true;
                // An MX edge leads from any node to each MX host other than itself.
                if n > 1 {
                    for &h in &mx_hosts {
                        if !seen[h] {
                            seen[h] = true;
                            stack.push(h);
                        }
                    }
                }
                while let Some(v) = stack.pop() {
                    for &w in &out[v] {
                        if !seen[w] {
                            seen[w] = true;
                            stack.push(w);
                        }
                    }
                }
                seen
            })
            .collect()
    }

    /// Whether `to` can be reached from `from` along any edges.
    pub fn reachable(&self, from: NodeId, to: NodeId) -> bool {
        let mut bfs = Bfs::new(&self.graph, NodeIndex::new(from.index()));
        while let Some(n) = bfs.next(&self.graph) {
            if n.index() == to.index() {
                return true;
            }
        }
        false
    }
}
