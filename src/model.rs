//! The typed scenario model: what the engine simulates, with no serde and no strings to resolve.
//!
//! `scenario::build` produces a [`Scenario`] from the YAML schema; every name is already resolved
//! to an id, every unit to microseconds, bytes or messages per second.

pub mod dist;
pub mod fault;
pub mod ids;
pub mod node;
pub mod retry;
pub mod routing;
pub mod topology;
pub mod traffic;

pub use dist::Dist;
pub use fault::{Fault, FaultKind};
pub use ids::{ConnectorId, DomainId, NodeId, RuleId, StreamId, TagId};
pub use node::{
    AcceptFrom, AcceptedKind, BackPressure, Certificate, Inbound, Link, Node, NodeKind, SpamFilter,
    Workers,
};
pub use retry::{RetryPolicy, RetrySchedule};
pub use routing::{
    Connector, ConnectorTarget, Domain, DomainPattern, MxRecord, Rule, RuleWhen, Tls, TlsMode,
    TlsValidate,
};
pub use topology::Topology;
pub use traffic::{Profile, Recipients, Replay, ReplayArrival, TrafficStream};

use crate::time::SimDuration;

/// How the start of the run is excluded from statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warmup {
    /// Messages created before this time are not counted.
    Fixed(SimDuration),
    /// Truncation point chosen from the queue-length series (MSER-5).
    Auto,
}

/// A fully resolved scenario, ready for `sim::Engine::new`.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `name`: used for the report folder.
    pub name: String,
    /// `description`, empty when absent.
    pub description: String,
    /// Simulated horizon.
    pub duration: SimDuration,
    /// Statistics ignore messages created before the warm-up ends.
    pub warmup: Warmup,
    /// Master seed (the scenario's `seed`, default 1; `--seed` wins).
    pub seed: u64,
    /// Resolution of the time series.
    pub sample_every: SimDuration,
    /// Hop count at which a message is NDR'd as a loop (default 20: Exchange breaks loops after
    /// 20 iterations, sources §2.3).
    pub max_hops: u32,
    /// Every domain name the scenario mentions, indexed by `DomainId`; names without an entry of
    /// their own carry a copy of the `"*"` entry's settings.
    pub domains: Vec<Domain>,
    /// Nodes in file order, indexed by `NodeId`.
    pub nodes: Vec<Node>,
    /// Connectors in file order, indexed by `ConnectorId`.
    pub connectors: Vec<Connector>,
    /// Rules in file order, indexed by `RuleId`.
    pub rules: Vec<Rule>,
    /// Traffic streams in file order, indexed by `StreamId`.
    pub traffic: Vec<TrafficStream>,
    /// Faults in file order.
    pub faults: Vec<Fault>,
    /// Tag names, indexed by `TagId` (at most 32).
    pub tags: Vec<String>,
    /// The graph of nodes, connectors and MX edges.
    pub topology: Topology,
}

impl Scenario {
    /// The node with this name, if any.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(NodeId::from_index)
    }
    /// The interned domain with this exact name, if any.
    pub fn domain_by_name(&self, name: &str) -> Option<DomainId> {
        self.domains
            .iter()
            .position(|d| d.name == name)
            .map(DomainId::from_index)
    }
    /// The domain whose settings apply to `name`: its own entry, else `"*"`.
    pub fn resolve_domain(&self, name: &str) -> Option<DomainId> {
        self.domain_by_name(name)
            .or_else(|| self.domain_by_name("*"))
    }
    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
    /// The domain with this id.
    pub fn domain(&self, id: DomainId) -> &Domain {
        &self.domains[id.index()]
    }
    /// The connector with this id.
    pub fn connector(&self, id: ConnectorId) -> &Connector {
        &self.connectors[id.index()]
    }
}
