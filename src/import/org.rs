//! The organisation as the scenario will describe it: nodes, connectors, rules and domains, each value with where it came from.

use std::fmt;

use indexmap::IndexMap;

use super::error::Prov;
use super::facts::TlsFacts;

/// Why a value is what it is: read from an export, derived from several, or assumed.
#[derive(Clone, Debug)]
pub(super) enum Src {
    /// Read at this place.
    From(Prov),
    /// Worked out from the exports (the text says how).
    Derived(String),
    /// A default that fills a gap (written as `# assumption: ...`).
    Assumed(String),
}

impl fmt::Display for Src {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Src::From(p) => write!(f, "{p}"),
            Src::Derived(s) => f.write_str(s),
            Src::Assumed(s) => write!(f, "assumption: {s}"),
        }
    }
}

/// A retry setting: a duration or a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Setting {
    /// Seconds.
    Secs(u64),
    /// A number of attempts.
    Count(u64),
}

/// A retry preset with overrides under the real settings' names.
#[derive(Clone, Debug)]
pub(super) struct Retry {
    /// `exchange_online`, `exchange_server` or `postfix`.
    pub preset: &'static str,
    /// (scenario key, value, source).
    pub overrides: Vec<(&'static str, Setting, Src)>,
}

/// A certificate a node presents.
#[derive(Clone, Debug)]
pub(super) struct Cert {
    /// Subject name.
    pub subject: String,
    /// `ca`, `self_signed` or `private_ca`.
    pub issuer: &'static str,
    /// Source.
    pub src: Src,
}

/// A partner restriction on inbound mail (`accept_from`).
#[derive(Clone, Debug, Default)]
pub(super) struct AcceptFrom {
    /// Sender domains it concerns.
    pub sender_domains: Vec<String>,
    /// Nodes such mail must come from (empty: any).
    pub nodes: Vec<String>,
    /// TLS required.
    pub require_tls: bool,
    /// Certificate the sender must present.
    pub certificate_name: Option<String>,
    /// Addresses the sender must come from.
    pub source_ips: Vec<String>,
    /// Sources.
    pub src: Vec<Src>,
}

/// A mail system.
#[derive(Clone, Debug)]
pub(super) struct Node {
    /// `internet`, `exchange_online`, `exchange_server`, `gateway` or `smtp`.
    pub kind: &'static str,
    /// Why the node exists.
    pub src: Src,
    /// Domain → (type key, source).
    pub accepted: IndexMap<String, (&'static str, Src)>,
    /// Retry policy, if the exports give one.
    pub retry: Option<Retry>,
    /// Certificate.
    pub certificate: Option<Cert>,
    /// Sources allowed on port 25.
    pub firewall: Option<(Vec<String>, Src)>,
    /// Partner restriction.
    pub accept_from: Option<AcceptFrom>,
    /// Inbound limits: (key, value, source).
    pub inbound: Vec<(&'static str, u64, Src)>,
    /// Largest message accepted, bytes.
    pub max_message_size: Option<(u64, Src)>,
    /// Parallel sessions per destination.
    pub max_connections_per_destination: Option<(u64, Src)>,
    /// Spam filter allow list (node, source); `Some` when the node filters.
    pub spam_filter: Option<Vec<(String, Src)>>,
}

impl Node {
    /// A node with nothing but its kind.
    pub(super) fn new(kind: &'static str, src: Src) -> Self {
        Node {
            kind,
            src,
            accepted: IndexMap::new(),
            retry: None,
            certificate: None,
            firewall: None,
            accept_from: None,
            inbound: Vec::new(),
            max_message_size: None,
            max_connections_per_destination: None,
            spam_filter: None,
        }
    }
}

/// A directed route between nodes.
#[derive(Clone, Debug)]
pub(super) struct Connector {
    /// Unique slug.
    pub name: String,
    /// Sending node.
    pub from: String,
    /// Receiving node, or `mx`.
    pub to: String,
    /// Recipient domain patterns.
    pub domains: Vec<String>,
    /// Only for recipients whose mailbox is on these nodes.
    pub mailboxes_on: Vec<String>,
    /// TLS.
    pub tls: TlsFacts,
    /// Only when a rule selects it.
    pub rule_scoped: bool,
    /// `false` when the export has it disabled.
    pub enabled: bool,
    /// Smart host by DNS name: (name, TTL seconds, TTL assumed).
    pub smart_host: Option<(String, u64, bool)>,
    /// Exchange Online centralized mail transport (`RouteAllMessagesViaOnPremises`).
    pub centralized: bool,
    /// Where the connector comes from.
    pub src: Src,
    /// Extra remarks written above it.
    pub remarks: Vec<String>,
}

/// A conditional routing rule.
#[derive(Clone, Debug)]
pub(super) struct Rule {
    /// Unique slug.
    pub name: String,
    /// Node where it is evaluated.
    pub at: String,
    /// Tag condition (content conditions the simulator cannot evaluate).
    pub tag: Option<String>,
    /// Sender-domain condition.
    pub sender_domain: Option<String>,
    /// Recipient-domain condition.
    pub recipient_domain: Option<String>,
    /// Connector it selects.
    pub route_via: String,
    /// Source.
    pub src: Src,
}

/// A recipient domain: its MX and where its mailboxes live.
#[derive(Clone, Debug)]
pub(super) struct Domain {
    /// (node, preference).
    pub mx: Vec<(String, u32)>,
    /// MX TTL, seconds.
    pub ttl: Option<u64>,
    /// Source of the MX.
    pub mx_src: Src,
    /// (node, share).
    pub mailboxes: Vec<(String, f64)>,
    /// Source of the shares.
    pub mailboxes_src: Src,
}

/// The whole organisation.
#[derive(Clone, Debug, Default)]
pub(super) struct Org {
    /// Nodes by name, in creation order.
    pub nodes: IndexMap<String, Node>,
    /// Connectors in file order.
    pub connectors: Vec<Connector>,
    /// Rules in priority order.
    pub rules: Vec<Rule>,
    /// Domains by name (`*` last).
    pub domains: IndexMap<String, Domain>,
    /// Node where the organisation's users submit mail (for the default traffic).
    pub origin: Option<String>,
    /// The organisation's default domain.
    pub default_domain: Option<String>,
    /// Domains of partner organisations.
    pub partner_domains: Vec<String>,
}

/// A name made of lowercase letters, digits and `-`.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "x".to_string()
    } else {
        trimmed.to_string()
    }
}

impl Org {
    /// A node name not yet used, from a wished-for one.
    pub(super) fn unique_node(&self, base: &str) -> String {
        unique(base, |n| self.nodes.contains_key(n))
    }

    /// A connector name not yet used.
    pub(super) fn unique_connector(&self, base: &str) -> String {
        unique(base, |n| self.connectors.iter().any(|c| c.name == n))
    }
}

fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = slug(base);
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(
            slug("Outbound to Fabrikam (secure)"),
            "outbound-to-fabrikam-secure"
        );
        assert_eq!(slug("relay1.contoso.com"), "relay1-contoso-com");
        assert_eq!(slug("***"), "x");
    }

    #[test]
    fn names_are_made_unique() {
        let mut org = Org::default();
        org.nodes.insert(
            "onprem".into(),
            Node::new("exchange_server", Src::Derived("x".into())),
        );
        assert_eq!(org.unique_node("onprem"), "onprem-2");
        assert_eq!(org.unique_node("Relay 1"), "relay-1");
        assert_eq!(
            Src::Assumed("one day".into()).to_string(),
            "assumption: one day"
        );
    }
}
