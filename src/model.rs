//! The typed scenario model: what the engine simulates, with no serde and no strings to resolve.
//!
//! `scenario::build` produces a [`Scenario`] from the YAML schema; every name is already resolved
//! to an id, every unit to microseconds, bytes or messages per second.

pub mod change;
pub mod dist;
pub mod fault;
pub mod ids;
pub mod node;
pub mod retry;
pub mod routing;
pub mod topology;
pub mod traffic;

pub use change::{Change, ChangeKind};
pub use dist::Dist;
pub use fault::{Fault, FaultKind};
pub use ids::{ConnectorId, DomainId, NodeId, RuleId, StreamId, TagId};
pub use node::{
    AcceptFrom, AcceptedKind, BackPressure, Certificate, Inbound, Issuer, Link, Node, NodeKind,
    SpamFilter, Workers,
};
pub use retry::{RetryPolicy, RetrySchedule};
pub use routing::{
    Connector, ConnectorTarget, DnsStatus, Domain, DomainPattern, MtaSts, MxAnswer, MxRecord, Rule,
    RuleWhen, Tls, TlsMode, TlsValidate,
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

/// When mail flow intelligence raises its "Messages have been delayed" alert: queued volume at
/// a connector or destination of at least `queued` messages (default 200), listing the
/// messages queued longer than `queued_over` (default 1 h; sources §1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alerts {
    /// Queued messages that raise the alert.
    pub queued: u64,
    /// Age over which a queued message is counted as delayed.
    pub queued_over: SimDuration,
}

impl Default for Alerts {
    fn default() -> Alerts {
        Alerts {
            queued: 200,
            queued_over: SimDuration::from_hours(1),
        }
    }
}

/// The largest `max_hops` a scenario may set: hop counts are 16-bit in the engine, and no real
/// route comes near (Exchange breaks loops at 20). Refused above, never wrapped.
pub const MAX_HOPS: u32 = 1000;

/// The thresholds of the "delayed over X or not delivered" counts when none are chosen: 1 h,
/// 4 h and 24 h. 1 h is always counted: the headline and the impact tables speak of it.
pub const DEFAULT_DELAY_THRESHOLDS: [SimDuration; 3] = [
    SimDuration::from_hours(1),
    SimDuration::from_hours(4),
    SimDuration::from_hours(24),
];

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
    /// Timed configuration changes in file order.
    pub changes: Vec<Change>,
    /// Thresholds of the queue alerts.
    pub alerts: Alerts,
    /// Tag names, indexed by `TagId` (at most 32).
    pub tags: Vec<String>,
    /// The graph of nodes, connectors and MX edges.
    pub topology: Topology,
    /// Thresholds of the "delayed over X or not delivered" counts, ascending, 1 h among them
    /// (not part of the YAML: `--delayed-over` and the `delayed_X` SLOs choose them).
    pub delay_thresholds: Vec<SimDuration>,
    /// The routing table, once the configuration checks have built it (see [`Derived`]).
    pub derived: Derived,
}

/// A value a later layer derives from a scenario and keeps with it, made at most once: the
/// routing table the configuration checks build, which the engine then reuses instead of
/// building it again (at 200 nodes × 5,000 domains a build is 0.93 G instructions). A clone starts
/// without it, since a clone is what gets changed (timed changes, a fixed warm-up); code that
/// changes a scenario's nodes, connectors, domains or rules in place must reset it to
/// `Derived::default()`. Never compared; `Debug` shows a constant.
#[derive(Default)]
pub struct Derived(std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>);

impl Derived {
    /// The value, if it was made and is a `T`.
    pub fn get<T: std::any::Any>(&self) -> Option<&T> {
        self.0.get().and_then(|v| v.downcast_ref())
    }
    /// The value, made by `make` if it was not yet; `None` if a value of another type is there.
    pub fn get_or_init<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce() -> T,
    ) -> Option<std::sync::Arc<T>> {
        self.0
            .get_or_init(|| std::sync::Arc::new(make()))
            .clone()
            .downcast()
            .ok()
    }
    /// The same value, for a copy of the scenario that differs only in what the value does not
    /// depend on (the routing table: not the warm-up, the traffic or the faults); `Clone`
    /// gives an empty one instead.
    pub fn share(&self) -> Derived {
        let d = Derived::default();
        if let Some(v) = self.0.get() {
            let _ = d.0.set(v.clone());
        }
        d
    }
}

impl Clone for Derived {
    fn clone(&self) -> Derived {
        Derived::default()
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

impl Scenario {
    /// Counts "delayed over X" for each of `thresholds` (whole minutes), and for 1 h:
    /// ascending, without repeats.
    pub fn set_delay_thresholds(&mut self, thresholds: impl IntoIterator<Item = SimDuration>) {
        let mut xs: Vec<SimDuration> = thresholds.into_iter().collect();
        xs.push(SimDuration::from_hours(1));
        xs.sort_unstable();
        xs.dedup();
        self.delay_thresholds = xs;
    }

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
