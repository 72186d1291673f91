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

    /// Default receive-side limits: Exchange Server's receive connector and back pressure
    /// (sources §2.2, §2.5: `MaxInboundConnection` 5000, back pressure on; the default receive
    /// connector has no per-source limit), Postfix's `default_process_limit` 100 smtpd
    /// processes, `smtpd_client_connection_count_limit` 50, `smtpd_recipient_limit` 1000 and
    /// `in_flow_delay` 1 s for gateways and other MTAs (sources §3.2; `postconf -d` of
    /// Postfix 3.7.11), Exchange Online's 200 recipients per message from one domain
    /// (sources §1.4); the internet: no limits.
    pub fn default_inbound(self) -> Inbound {
        match self {
            NodeKind::Internet => Inbound::default(),
            NodeKind::ExchangeOnline => Inbound {
                max_recipients_per_message: Some(200),
                ..Inbound::default()
            },
            NodeKind::ExchangeServer => Inbound {
                max_connections: Some(5_000),
                max_connections_per_source: None,
                max_recipients_per_message: Some(5_000),
                back_pressure: Some(BackPressure::exchange()),
                in_flow_delay: None,
            },
            NodeKind::Gateway | NodeKind::Smtp => Inbound {
                max_connections: Some(100),
                max_connections_per_source: Some(50),
                max_recipients_per_message: Some(1_000),
                back_pressure: None,
                in_flow_delay: Some(SimDuration::from_secs(1)),
            },
        }
    }

    /// Default network path of outgoing sessions: 20 ms round trip and 100 Mbit/s per session.
    /// No source gives these; they are this model's assumption for a regional internet path
    /// (set `rtt`/`bandwidth` on the node or the connector for yours).
    pub fn default_link(self) -> Link {
        Link {
            rtt: SimDuration::from_millis(20),
            bandwidth: 12_500_000.0,
        }
    }

    /// Default messages per outgoing connection: Exchange's `SmtpMaxMessagesPerConnection` 20
    /// (sources §2.2); Postfix reuses a cached connection while the destination has mail
    /// (`smtp_connection_cache_on_demand`, `smtp_connection_reuse_count_limit` 0), so
    /// unlimited here.
    pub fn default_max_messages_per_connection(self) -> u32 {
        match self {
            NodeKind::ExchangeOnline | NodeKind::ExchangeServer => 20,
            NodeKind::Internet | NodeKind::Gateway | NodeKind::Smtp => u32::MAX,
        }
    }

    /// Default recipients per delivery: Postfix's `default_destination_recipient_limit` 50
    /// (sources §3.2) for MTAs; Exchange sends a message's recipients for one next hop together.
    pub fn default_recipients_per_delivery(self) -> u32 {
        match self {
            NodeKind::ExchangeOnline | NodeKind::ExchangeServer => u32::MAX,
            NodeKind::Internet | NodeKind::Gateway | NodeKind::Smtp => 50,
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

    /// Default largest message accepted: Exchange Online's `MaxReceiveSize` 36 MB (sources
    /// §7), Exchange Server's organisation `MaxReceiveSize` 10 MB (sources §2.2), Postfix's
    /// `message_size_limit` 10240000 bytes (`postconf -d` of Postfix 3.7.11) for gateways and
    /// other MTAs; the internet: none.
    pub fn default_max_message_size(self) -> Option<u64> {
        match self {
            NodeKind::Internet => None,
            NodeKind::ExchangeOnline => Some(36_000_000),
            NodeKind::ExchangeServer => Some(10_000_000),
            NodeKind::Gateway | NodeKind::Smtp => Some(10_240_000),
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
    /// No recipient of the domain is here: all are relayed on (Exchange Server's External
    /// Relay, sources §1.5).
    ExternalRelay,
}

impl AcceptedKind {
    /// The spelling used in scenarios.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptedKind::Authoritative => "authoritative",
            AcceptedKind::InternalRelay => "internal_relay",
            AcceptedKind::ExternalRelay => "external_relay",
        }
    }
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

/// Who issued a certificate, which decides who trusts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// A public certificate authority: trusted by every validating sender.
    PublicCa,
    /// Self-signed: trusted by nobody who validates (encryption only accepts it).
    SelfSigned,
    /// An organisation's own CA, by name: trusted only by nodes that list it in `trusted_cas`.
    PrivateCa(String),
}

impl Issuer {
    /// The spelling used in scenarios.
    pub fn as_str(&self) -> &str {
        match self {
            Issuer::PublicCa => "ca",
            Issuer::SelfSigned => "self_signed",
            Issuer::PrivateCa(_) => "private_ca",
        }
    }
}

/// A TLS certificate presented by a node.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificate {
    /// Subject name (compared with a connector's `tls_domain`).
    pub subject: String,
    /// Who issued it.
    pub issuer: Issuer,
    /// When the certificate expires (simulated time), if inside the horizon matters.
    pub not_after: Option<SimTime>,
}

impl Certificate {
    /// Whether a validating party that trusts the private CAs `trusted` accepts the issuer.
    pub fn trusted_by(&self, trusted: &[String]) -> bool {
        match &self.issuer {
            Issuer::PublicCa => true,
            Issuer::SelfSigned => false,
            Issuer::PrivateCa(name) => trusted.iter().any(|t| t.eq_ignore_ascii_case(name)),
        }
    }

    /// Whether it has expired at `now`.
    pub fn expired_at(&self, now: SimTime) -> bool {
        self.not_after.is_some_and(|na| now >= na)
    }
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
    /// The sender must present a valid certificate with this subject (Exchange Online
    /// `TlsSenderCertificateName`).
    pub certificate_name: Option<String>,
}

/// Back pressure of an Exchange Server's transport: submission-queue thresholds with
/// hysteresis, tarpitting, then `452 4.3.1` refusals (sources §2.5).
#[derive(Clone, Debug, PartialEq)]
pub struct BackPressure {
    /// Waiting messages at which the level rises from normal to medium (9999).
    pub low_to_medium: u64,
    /// Waiting messages at which it rises from medium to high (15000).
    pub medium_to_high: u64,
    /// Waiting messages at which it falls from high to medium (10000).
    pub high_to_medium: u64,
    /// Waiting messages at which it falls from medium to normal (2000).
    pub medium_to_low: u64,
    /// First tarpit delay of `MAIL FROM` at medium (10 s); grows by `tarpit_step` up to
    /// `tarpit_max` (5 s, 55 s).
    pub tarpit: SimDuration,
    /// Growth of the tarpit delay per minute at medium.
    pub tarpit_step: SimDuration,
    /// Largest tarpit delay.
    pub tarpit_max: SimDuration,
}

impl BackPressure {
    /// Exchange's defaults (sources §2.5).
    pub fn exchange() -> BackPressure {
        BackPressure {
            low_to_medium: 9_999,
            medium_to_high: 15_000,
            high_to_medium: 10_000,
            medium_to_low: 2_000,
            tarpit: SimDuration::from_secs(10),
            tarpit_step: SimDuration::from_secs(5),
            tarpit_max: SimDuration::from_secs(55),
        }
    }
}

/// What a node admits on its receive side.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Inbound {
    /// Most inbound connections at once (`None`: no limit).
    pub max_connections: Option<u32>,
    /// Most inbound connections from one source node (`None`: no limit).
    pub max_connections_per_source: Option<u32>,
    /// Most recipients accepted per message; the sender sends the rest in more transactions.
    pub max_recipients_per_message: Option<u32>,
    /// Exchange back pressure, if the node applies it.
    pub back_pressure: Option<BackPressure>,
    /// Postfix `in_flow_delay`: the pause before accepting a message while the node cannot
    /// keep up (its workers are all busy and mail waits).
    pub in_flow_delay: Option<SimDuration>,
}

/// What a network path costs a session: round-trip time and bandwidth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    /// Round-trip time.
    pub rtt: SimDuration,
    /// Bytes per second one session can move.
    pub bandwidth: f64,
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
    /// The retry policy of each independent sender the node stands for: one for an ordinary
    /// node (`retry`), one per cohort for the internet's population of senders.
    pub senders: Vec<RetryPolicy>,
    /// Receive-side limits and back pressure.
    pub inbound: Inbound,
    /// The network path of its outgoing sessions, unless a connector says otherwise.
    pub link: Link,
    /// Most messages one outgoing connection carries before it is closed (`u32::MAX`: no
    /// limit while the queue has mail).
    pub max_messages_per_connection: u32,
    /// Most recipients per delivery it sends in one transaction (Postfix
    /// `default_destination_recipient_limit`; `u32::MAX`: no limit of its own).
    pub recipients_per_delivery: u32,
    /// Private CAs it trusts when it validates a certificate (public CAs are always trusted).
    pub trusted_cas: Vec<String>,
    /// Largest message it accepts (`None`: no limit); larger ones are refused in the session
    /// with `552 5.3.4`.
    pub max_message_size: Option<u64>,
}
