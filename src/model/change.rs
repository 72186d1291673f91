//! Timed configuration changes: what an administrator changes, when, and how long the change
//! takes to reach the systems it concerns.

use super::{AcceptedKind, Certificate, ConnectorId, ConnectorTarget, DomainId, MxAnswer, NodeId};
use crate::time::{SimDuration, SimTime};

/// What a change sets.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    /// A node's accepted-domain type for a domain (`None`: no longer accepted).
    AcceptedDomain {
        /// The node.
        node: NodeId,
        /// The domain.
        domain: DomainId,
        /// The new type.
        kind: Option<AcceptedKind>,
    },
    /// A connector is switched on or off, or sent elsewhere.
    Connector {
        /// The connector.
        connector: ConnectorId,
        /// On or off, if the change says.
        enabled: Option<bool>,
        /// A new target, if the change says.
        to: Option<ConnectorTarget>,
    },
    /// A domain's MX records (published by its DNS host; resolvers keep cached answers for
    /// their TTL).
    Mx {
        /// The domain.
        domain: DomainId,
        /// The new answer.
        answer: MxAnswer,
    },
    /// A node's firewall allow list on port 25 (`None`: everyone).
    Firewall {
        /// The node.
        node: NodeId,
        /// The sources allowed.
        allow: Option<Vec<NodeId>>,
    },
    /// A node's certificate is replaced (renewed).
    Certificate {
        /// The node.
        node: NodeId,
        /// The new certificate.
        certificate: Certificate,
    },
    /// A rule is switched on or off.
    Rule {
        /// The rule.
        rule: super::RuleId,
        /// On or off.
        enabled: bool,
    },
}

impl ChangeKind {
    /// Every kind's spelling.
    pub const NAMES: [&'static str; 6] = [
        "accepted_domain",
        "connector",
        "mx",
        "firewall",
        "certificate",
        "rule",
    ];

    /// The spelling used in scenarios.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeKind::AcceptedDomain { .. } => "accepted_domain",
            ChangeKind::Connector { .. } => "connector",
            ChangeKind::Mx { .. } => "mx",
            ChangeKind::Firewall { .. } => "firewall",
            ChangeKind::Certificate { .. } => "certificate",
            ChangeKind::Rule { .. } => "rule",
        }
    }

    /// Whether the change alters routing decisions (so queued messages are re-evaluated).
    pub fn reroutes(&self) -> bool {
        matches!(
            self,
            ChangeKind::AcceptedDomain { .. }
                | ChangeKind::Connector { .. }
                | ChangeKind::Rule { .. }
        )
    }
}

/// A configuration change made at `at` that reaches its system after a propagation delay
/// drawn uniformly from `propagation` (Exchange Online: "changes typically take 30 minutes to
/// an hour to apply", sources §1.2).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// A label for reports (`accepted_domain eop contoso.com=authoritative`).
    pub label: String,
    /// What changes.
    pub kind: ChangeKind,
    /// When the administrator makes it.
    pub at: SimTime,
    /// Shortest and longest propagation delay.
    pub propagation: (SimDuration, SimDuration),
}
