//! Injected failures: what breaks, where and when.

use super::{DomainId, MxAnswer, NodeId};
use crate::time::SimTime;

/// What a fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// MX lookups for the domain fail (SERVFAIL).
    DnsFailure {
        /// The domain.
        domain: DomainId,
    },
    /// Connections to the node time out.
    ServerDown {
        /// The node.
        node: NodeId,
    },
    /// The node refuses connections from `sources` (empty: everyone).
    FirewallBlock {
        /// The node.
        node: NodeId,
        /// The sources refused (empty: everyone).
        sources: Vec<NodeId>,
    },
    /// The node answers `421 4.3.2 Service not available`.
    ServiceUnavailable {
        /// The node.
        node: NodeId,
    },
    /// The node stops offering STARTTLS.
    TlsUnavailable {
        /// The node.
        node: NodeId,
    },
    /// That share of sessions to the node drop mid-transfer.
    ConnectionDrop {
        /// The node.
        node: NodeId,
        /// Share of sessions dropped.
        probability: f64,
    },
    /// The node's certificate is expired.
    CertificateExpired {
        /// The node.
        node: NodeId,
    },
    /// The certificate subject no longer matches connectors' `tls_domain`.
    CertificateMismatch {
        /// The node.
        node: NodeId,
    },
    /// The domain's MX record changes.
    MxChange {
        /// The domain.
        domain: DomainId,
        /// The new MX records.
        mx: MxAnswer,
    },
    /// The node's certificate no longer matches its TLSA records (DANE).
    TlsaMismatch {
        /// The node.
        node: NodeId,
    },
    /// DNSSEC validation of the domain's records fails (bogus signatures).
    DnssecFailure {
        /// The domain.
        domain: DomainId,
    },
    /// Service times at the node are multiplied by `factor`.
    Slowdown {
        /// The node.
        node: NodeId,
        /// Service-time multiplier.
        factor: f64,
    },
}

impl FaultKind {
    /// The spelling used in scenarios.
    pub fn as_str(&self) -> &'static str {
        match self {
            FaultKind::DnsFailure { .. } => "dns_failure",
            FaultKind::ServerDown { .. } => "server_down",
            FaultKind::FirewallBlock { .. } => "firewall_block",
            FaultKind::ServiceUnavailable { .. } => "service_unavailable",
            FaultKind::TlsUnavailable { .. } => "tls_unavailable",
            FaultKind::ConnectionDrop { .. } => "connection_drop",
            FaultKind::CertificateExpired { .. } => "certificate_expired",
            FaultKind::CertificateMismatch { .. } => "certificate_mismatch",
            FaultKind::MxChange { .. } => "mx_change",
            FaultKind::Slowdown { .. } => "slowdown",
            FaultKind::TlsaMismatch { .. } => "tlsa_mismatch",
            FaultKind::DnssecFailure { .. } => "dnssec_failure",
        }
    }

    /// Every kind's spelling, for error messages.
    pub const NAMES: [&'static str; 12] = [
        "dns_failure",
        "server_down",
        "firewall_block",
        "service_unavailable",
        "tls_unavailable",
        "connection_drop",
        "certificate_expired",
        "certificate_mismatch",
        "mx_change",
        "slowdown",
        "tlsa_mismatch",
        "dnssec_failure",
    ];

    /// The node the fault acts on, if it acts on a node.
    pub fn node(&self) -> Option<NodeId> {
        match *self {
            FaultKind::ServerDown { node }
            | FaultKind::FirewallBlock { node, .. }
            | FaultKind::ServiceUnavailable { node }
            | FaultKind::TlsUnavailable { node }
            | FaultKind::ConnectionDrop { node, .. }
            | FaultKind::CertificateExpired { node }
            | FaultKind::CertificateMismatch { node }
            | FaultKind::TlsaMismatch { node }
            | FaultKind::Slowdown { node, .. } => Some(node),
            FaultKind::DnsFailure { .. }
            | FaultKind::MxChange { .. }
            | FaultKind::DnssecFailure { .. } => None,
        }
    }
}

/// A fault with its window.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// What breaks.
    pub kind: FaultKind,
    /// When it starts.
    pub at: SimTime,
    /// When it ends (`None`: at the end of the run).
    pub until: Option<SimTime>,
}

impl Fault {
    /// Whether the fault is in force at `t`.
    pub fn active_at(&self, t: SimTime) -> bool {
        t >= self.at && self.until.is_none_or(|u| t < u)
    }
}
