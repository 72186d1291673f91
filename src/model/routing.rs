//! Domains, MX records, connectors and rules: everything routing decides with.

use super::{ConnectorId, NodeId, TagId};
use crate::time::SimDuration;

/// One MX record: a host (node) and its preference (lower is tried first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MxRecord {
    /// The node the record points at.
    pub host: NodeId,
    /// Preference; equal preferences are chosen at random (seeded).
    pub preference: u32,
}

/// A recipient domain with its DNS and mailbox placement.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    /// The domain name, or `"*"` for the rest of the internet.
    pub name: String,
    /// True when the scenario has an entry of this exact name (else `"*"`'s settings were copied).
    pub explicit: bool,
    /// MX records, sorted by preference.
    pub mx: Vec<MxRecord>,
    /// How long resolvers cache the MX answer (default 1 h, sources §5).
    pub ttl: SimDuration,
    /// Node → share of the domain's mailboxes (shares sum to 1).
    pub mailboxes: Vec<(NodeId, f64)>,
    /// Share of recipients that exist nowhere.
    pub unknown_recipients: f64,
    /// Whether the domain exists in DNS and accepts mail (NXDOMAIN and null MX are permanent
    /// failures, RFC 5321 §5.1, RFC 7505).
    pub status: DnsStatus,
    /// The MX records are the implicit MX of the domain's address record (`a:`, no MX).
    pub implicit_mx: bool,
    /// How long resolvers cache a negative answer (NXDOMAIN; RFC 2308).
    pub negative_ttl: SimDuration,
    /// The domain's MTA-STS policy mode (RFC 8461).
    pub mta_sts: MtaSts,
    /// The domain's MX hosts publish TLSA records under DNSSEC (DANE, RFC 7672).
    pub dane: bool,
    /// The name is a smart host's host name (an address record), not a mail domain.
    pub host_name: bool,
}

/// What DNS says about a domain's mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsStatus {
    /// The domain exists; mail goes to its MX hosts (or its implicit MX).
    Exists,
    /// The domain publishes a null MX (`MX 0 .`, RFC 7505): it accepts no mail.
    NullMx,
    /// The domain does not exist (NXDOMAIN).
    NxDomain,
}

/// An MTA-STS policy mode (RFC 8461).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MtaSts {
    /// No policy.
    #[default]
    None,
    /// Failures are reported, mail is delivered anyway.
    Testing,
    /// Senders that apply MTA-STS must not deliver to hosts that fail it.
    Enforce,
}

impl MtaSts {
    /// The spelling used in scenarios.
    pub fn as_str(self) -> &'static str {
        match self {
            MtaSts::None => "none",
            MtaSts::Testing => "testing",
            MtaSts::Enforce => "enforce",
        }
    }
}

/// One answer of DNS for a domain: its status and its MX records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxAnswer {
    /// Exists, null MX or NXDOMAIN.
    pub status: DnsStatus,
    /// The MX hosts (empty unless the domain exists).
    pub records: Vec<MxRecord>,
}

/// A recipient-domain pattern of a connector or rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainPattern {
    /// `"*"`: every domain.
    Any,
    /// `"*.contoso.com"`: strict subdomains of the name.
    Subdomains(String),
    /// `contoso.com`: exactly this domain.
    Exact(String),
}

impl DomainPattern {
    /// Parses `*`, `*.suffix` or an exact name (case-insensitive, stored lower-case).
    pub fn parse(s: &str) -> DomainPattern {
        let s = s.trim().to_ascii_lowercase();
        if s == "*" {
            DomainPattern::Any
        } else if let Some(rest) = s.strip_prefix("*.") {
            DomainPattern::Subdomains(rest.to_string())
        } else {
            DomainPattern::Exact(s)
        }
    }

    /// Whether `domain` matches. The `"*"` domain itself is matched only by `Any`.
    pub fn matches(&self, domain: &str) -> bool {
        match self {
            DomainPattern::Any => true,
            DomainPattern::Exact(d) => d.eq_ignore_ascii_case(domain),
            DomainPattern::Subdomains(suffix) => {
                // Bytes, not `str` slices: the cut may fall inside a non-ASCII character.
                let (domain, suffix) = (domain.as_bytes(), suffix.as_bytes());
                domain.len() > suffix.len() + 1
                    && domain[domain.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                    && domain[domain.len() - suffix.len() - 1] == b'.'
            }
        }
    }

    /// Higher is more specific: exact (2) > `*.domain` (1) > `*` (0).
    pub fn specificity(&self) -> u8 {
        match self {
            DomainPattern::Any => 0,
            DomainPattern::Subdomains(_) => 1,
            DomainPattern::Exact(_) => 2,
        }
    }
}

impl std::fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DomainPattern::Any => f.write_str("*"),
            DomainPattern::Subdomains(s) => write!(f, "*.{s}"),
            DomainPattern::Exact(s) => f.write_str(s),
        }
    }
}

/// TLS use on a connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Never use TLS.
    None,
    /// Use TLS when offered, else send in clear.
    Opportunistic,
    /// Defer when TLS (and the validation below) cannot be had.
    Required,
}

/// What a TLS connector checks about the destination's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsValidate {
    /// Encryption only.
    None,
    /// Trusted and unexpired.
    Certificate,
    /// Also subject = `tls_domain`.
    Domain,
}

/// The TLS settings of a connector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    /// none | opportunistic | required.
    pub mode: TlsMode,
    /// none | certificate | domain.
    pub validate: TlsValidate,
    /// Expected certificate subject for `validate: domain` (wildcards `*.x` allowed).
    pub tls_domain: Option<String>,
    /// The subject of the certificate the sending node presents on this connector (Exchange
    /// `TlsCertificateName`), checked by the receiver's `accept_from.certificate_name`.
    pub certificate_name: Option<String>,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            mode: TlsMode::Opportunistic,
            validate: TlsValidate::None,
            tls_domain: None,
            certificate_name: None,
        }
    }
}

/// Where a connector sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectorTarget {
    /// Smart-host routing to this node.
    Node(NodeId),
    /// Route by the recipient domain's MX.
    Mx,
}

/// A directed route between nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Connector {
    /// The connector's name.
    pub name: String,
    /// Node that uses it.
    pub from: NodeId,
    /// Smart host or MX routing.
    pub to: ConnectorTarget,
    /// Recipient domains it serves.
    pub domains: Vec<DomainPattern>,
    /// Only for recipients whose mailbox is on these nodes (empty: no restriction).
    pub mailboxes_on: Vec<NodeId>,
    /// TLS settings.
    pub tls: Tls,
    /// Extra time per message on top of the SMTP round trips and the transfer (the receiver's
    /// processing of the transaction; microseconds; default 0).
    pub latency: super::Dist,
    /// Round-trip time of its sessions (`None`: the sending node's).
    pub rtt: Option<crate::time::SimDuration>,
    /// Bytes per second one of its sessions moves (`None`: the sending node's).
    pub bandwidth: Option<f64>,
    /// Parallel sessions on this connector (`None`: the node's per-destination limit).
    pub max_connections: Option<u32>,
    /// Used only when a rule selects it.
    pub rule_scoped: bool,
    /// Whether the connector is in use (a disabled connector routes nothing).
    pub enabled: bool,
    /// The smart host's host name, resolved through DNS at each attempt (an interned
    /// host-name domain whose address record points at `to`); `None`: `to` is used directly.
    pub smart_host: Option<super::DomainId>,
    /// Exchange hybrid centralised mail transport (`RouteAllMessagesViaOnPremises`): mail from
    /// outside for the domains the node accepts goes through this connector before delivery,
    /// and mail the node's own users send outside the organisation too.
    pub centralized_transport: bool,
    /// Largest message the connector sends (Exchange Send connector `MaxMessageSize`); larger
    /// ones are returned to their sender.
    pub max_message_size: Option<u64>,
}

/// What a rule matches on (every given criterion must hold).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RuleWhen {
    /// The message carries this tag.
    pub tag: Option<TagId>,
    /// The sender domain matches.
    pub sender_domain: Option<DomainPattern>,
    /// The recipient domain matches.
    pub recipient_domain: Option<DomainPattern>,
}

/// Conditional routing: at `at`, messages matching `when` leave through `route_via`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The rule's name.
    pub name: String,
    /// Node where it is evaluated.
    pub at: NodeId,
    /// Criteria.
    pub when: RuleWhen,
    /// Connector it selects (from `at`).
    pub route_via: ConnectorId,
    /// Whether the rule is on.
    pub enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::DomainPattern;

    #[test]
    fn domain_patterns_match_by_their_kind_case_insensitively() {
        let sub = DomainPattern::parse("*.Contoso.com");
        assert!(sub.matches("mail.contoso.COM"));
        assert!(sub.matches("a.b.contoso.com"));
        assert!(!sub.matches("contoso.com"), "strict subdomains only");
        assert!(
            !sub.matches("evilcontoso.com"),
            "a label boundary is needed"
        );
        let exact = DomainPattern::parse(" contoso.com ");
        assert!(exact.matches("CONTOSO.com"));
        assert!(!exact.matches("mail.contoso.com"));
        assert!(DomainPattern::parse("*").matches("anything.example"));
    }

    /// Regression: a generated property test found `*.suffix` panicking on a domain whose
    /// suffix-length cut fell inside a non-ASCII character.
    #[test]
    fn a_subdomain_pattern_on_a_non_ascii_domain_answers_without_panicking() {
        let sub = DomainPattern::parse("*.fabrikam.com");
        assert!(!sub.matches("fab\u{FFFD}q\u{FFFD}1\u{FFFD}\u{FFFD}d\u{FFFD}\u{FFFD}rikam.com"));
        assert!(!sub.matches("\u{FFFD}abrikam.com"));
        assert!(sub.matches("\u{00E9}t\u{00E9}.fabrikam.com"));
        let non_ascii = DomainPattern::parse("*.\u{00E9}x.com");
        assert!(non_ascii.matches("a.\u{00E9}x.com"));
        assert!(!non_ascii.matches("\u{00E9}\u{00E9}x.com"));
    }
}
