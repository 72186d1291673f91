//! Nodes: the mail systems of a topology, with the defaults each kind implies.

use super::{Dist, DomainId, DomainPattern, NodeId, RetryPolicy};
use crate::time::{SimDuration, SimTime};

/// What a node is; the kind only sets defaults, the machinery is the same for all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// The rest of the world: remote senders and receivers.
    Internet,
    /// Exchange Online with Exchange Online Protection.
    ExchangeOnline,
    /// An on-premises Exchange Server.
    ExchangeServer,
    /// Smart host, DLP appliance or address-rewrite gateway.
    Gateway,
    /// Any other MTA (partner organisation, hosted service).
    Smtp,
}

impl NodeKind {
    /// Every kind, in the order the spec lists them.
    pub const ALL: [NodeKind; 5] = [
        NodeKind::Internet,
        NodeKind::ExchangeOnline,
        NodeKind::ExchangeServer,
        NodeKind::Gateway,
        NodeKind::Smtp,
    ];

    /// The spelling used in scenarios.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Internet => "internet",
            NodeKind::ExchangeOnline => "exchange_online",
            NodeKind::ExchangeServer => "exchange_server",
            NodeKind::Gateway => "gateway",
            NodeKind::Smtp => "smtp",
        }
    }

    /// Default concurrent sessions / processing slots.
    pub fn default_workers(self) -> Workers {
        match self {
            NodeKind::Internet => Workers::Unlimited,
            NodeKind::ExchangeOnline => Workers::Limited(400),
            NodeKind::ExchangeServer => Workers::Limited(64),
            NodeKind::Gateway | NodeKind::Smtp => Workers::Limited(32),
        }
    }

    /// Default per-message service time (microseconds).
    pub fn default_service_time(self) -> Dist {
        match self {
            NodeKind::Internet => Dist::Fixed(0.0),
            NodeKind::ExchangeOnline => Dist::LogNormal {
                median: 120_000.0,
                sigma: 0.6,
            },
            NodeKind::ExchangeServer => Dist::Exponential { mean: 80_000.0 },
            NodeKind::Gateway | NodeKind::Smtp => Dist::Exponential { mean: 50_000.0 },
        }
    }

    /// Name of the default retry preset.
    pub fn default_retry(self) -> &'static str {
        match self {
            NodeKind::Internet | NodeKind::Gateway => "postfix",
            NodeKind::ExchangeOnline => "exchange_online",
            NodeKind::ExchangeServer => "exchange_server",
            NodeKind::Smtp => "rfc5321",
        }
    }

    /// Default parallel sessions per destination: Exchange `MaxPerDomainOutboundConnections` 40
    /// (sources §2.2, the cmdlet reference); Postfix `default_destination_concurrency_limit`
    /// 20 (§3.2) for the others. Exchange Online publishes none; 40 like Exchange Server.
    pub fn default_max_connections_per_destination(self) -> u32 {
        match self {
            NodeKind::ExchangeOnline | NodeKind::ExchangeServer => 40,
            NodeKind::Internet | NodeKind::Gateway | NodeKind::Smtp => 20,
        }
    }

    /// Whether the node presents a trusted certificate when the scenario gives none: the
    /// internet's servers and Exchange Online (Microsoft's own certificate) do.
    pub fn has_implicit_certificate(self) -> bool {
        matches!(self, NodeKind::Internet | NodeKind::ExchangeOnline)
    }
}

/// Concurrent processing slots at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workers {
    /// At most this many messages in service at once.
    Limited(u32),
    /// No limit (an infinite-server station).
    Unlimited,
}

/// How a node treats a domain it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptedKind {
    /// Unknown recipients are rejected here.
    Authoritative,
    /// Unknown recipients are relayed on through the connector for the domain.
    InternalRelay,
}

/// The spam filter of a node.
#[derive(Clone, Debug, PartialEq)]
pub struct SpamFilter {
    /// Share of filtered messages that are quarantined.
    pub quarantine: f64,
    /// Extra service time per filtered message (microseconds).
    pub scan_time: Dist,
    /// Source nodes whose messages skip the filter.
    pub allow_list: Vec<NodeId>,
}

/// A TLS certificate presented by a node.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificate {
    /// Subject name (compared with a connector's `tls_domain`).
    pub subject: String,
    /// Issuer, informational.
    pub issuer: String,
    /// When the certificate expires (simulated time), if inside the horizon matters.
    pub not_after: Option<SimTime>,
}

/// Partner-style restrictions on who may send to a node.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AcceptFrom {
    /// Only these previous-hop nodes may connect (`None`: any).
    pub nodes: Option<Vec<NodeId>>,
    /// Only these sender domains are accepted (`None`: any).
    pub sender_domains: Option<Vec<DomainPattern>>,
    /// Only sessions that used TLS are accepted.
    pub require_tls: bool,
}

/// A mail system of the topology.
#[derive(Clone, Debug)]
pub struct Node {
    /// The node's name in the scenario.
    pub name: String,
    /// Its kind (sets the defaults below).
    pub kind: NodeKind,
    /// Concurrent processing slots.
    pub workers: Workers,
    /// Service time per message per hop (microseconds).
    pub service_time: Dist,
    /// Extra service time per MB (10^6 bytes) of message size.
    pub service_per_mb: SimDuration,
    /// Domains this node accepts, as written.
    pub accepted_domains: Vec<(DomainId, AcceptedKind)>,
    /// Retry and expiry policy of its delivery queues.
    pub retry: RetryPolicy,
    /// Optional spam filter.
    pub spam_filter: Option<SpamFilter>,
    /// Parallel sessions per destination queue.
    pub max_connections_per_destination: u32,
    /// How long a connection attempt to a dead server holds a session (default 30 s,
    /// Postfix `smtp_connect_timeout`, sources §3.3).
    pub connect_timeout: SimDuration,
    /// Certificate it presents, if configured.
    pub certificate: Option<Certificate>,
    /// Sources allowed on port 25 (`None`: all).
    pub firewall_allow: Option<Vec<NodeId>>,
    /// Sender-domain rewrites applied to messages passing through: (pattern, new domain).
    pub rewrite_sender: Vec<(DomainPattern, DomainId)>,
    /// Partner restrictions on inbound sessions.
    pub accept_from: Option<AcceptFrom>,
}
