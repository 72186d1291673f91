//! What the readers extract from each export, in the exporting system's own terms, before the topology is built.

use super::error::Prov;
use super::units::Limit;

/// How a system treats an accepted domain (Exchange's `DomainType`; Postfix address classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DomainKind {
    /// Unknown recipients are rejected.
    Authoritative,
    /// Unknown recipients are relayed on.
    InternalRelay,
    /// No recipients here: everything is relayed on (Exchange Server only).
    ExternalRelay,
}

impl DomainKind {
    /// The scenario value.
    pub(super) fn key(self) -> &'static str {
        match self {
            DomainKind::Authoritative => "authoritative",
            DomainKind::InternalRelay => "internal_relay",
            DomainKind::ExternalRelay => "external_relay",
        }
    }
}

/// One accepted domain.
#[derive(Clone, Debug)]
pub(super) struct AcceptedDomain {
    /// Domain name, lowercase (`*.x` for subdomains).
    pub domain: String,
    /// Its type.
    pub kind: DomainKind,
    /// The organisation's default domain.
    pub default: bool,
    /// Where it was read.
    pub prov: Prov,
}

/// TLS as a connector demands it, already mapped onto the scenario's modes.
#[derive(Clone, Debug, Default)]
pub(super) struct TlsFacts {
    /// `none`, `opportunistic` or `required`.
    pub mode: &'static str,
    /// `none`, `certificate` or `domain` (only with `required`).
    pub validate: Option<&'static str>,
    /// Expected certificate name of the destination.
    pub tls_domain: Option<String>,
    /// Name of the certificate this side presents when sending.
    pub certificate_name: Option<String>,
    /// Where the TLS settings were read, and any default that filled a gap.
    pub prov: Option<Prov>,
    /// A default that filled a gap, said as an assumption.
    pub assumed: Option<String>,
}

/// Where a route sends mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// By the recipient domain's MX.
    Mx,
    /// To these smart hosts (names or `[address]`), first one first.
    SmartHosts(Vec<String>),
}

/// Which kind of Exchange Online connector (`ConnectorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ConnectorType {
    /// To or from a partner organisation or service.
    Partner,
    /// To or from the organisation's own servers.
    OnPremises,
}

/// An outbound route: an Exchange Online outbound connector, an Exchange Send connector or a
/// Postfix relayhost / transport map entry.
#[derive(Clone, Debug)]
pub(super) struct Route {
    /// The name in the export (for comments and for rules that name it).
    pub name: String,
    /// Where it was read.
    pub prov: Prov,
    /// `Enabled`.
    pub enabled: bool,
    /// Recipient domains (`*` = all, `*.x` = subdomains).
    pub domains: Vec<String>,
    /// MX or smart hosts.
    pub target: Target,
    /// TLS.
    pub tls: TlsFacts,
    /// Only used when a transport rule selects it.
    pub rule_scoped: bool,
    /// Exchange Online connector type.
    pub connector_type: Option<ConnectorType>,
    /// `RouteAllMessagesViaOnPremises` (centralized mail transport).
    pub route_all_via_on_premises: bool,
    /// `AllAcceptedDomains`.
    pub all_accepted_domains: bool,
    /// Sending servers (Exchange Server `SourceTransportServers`).
    pub source_servers: Vec<String>,
}

/// An Exchange Online inbound connector.
#[derive(Clone, Debug)]
pub(super) struct InboundConnector {
    /// Where it was read.
    pub prov: Prov,
    /// `Enabled`.
    pub enabled: bool,
    /// Partner or OnPremises.
    pub connector_type: ConnectorType,
    /// `SenderDomains`, without the `smtp:` prefix and cost.
    pub sender_domains: Vec<String>,
    /// `SenderIPAddresses`.
    pub sender_ips: Vec<String>,
    /// `RequireTls`.
    pub require_tls: bool,
    /// `RestrictDomainsToIPAddresses`.
    pub restrict_to_ips: bool,
    /// `RestrictDomainsToCertificate`.
    pub restrict_to_certificate: bool,
    /// `TlsSenderCertificateName`.
    pub certificate_name: Option<String>,
}

/// An Exchange Online mail flow rule that routes to a connector.
#[derive(Clone, Debug)]
pub(super) struct TransportRule {
    /// Name.
    pub name: String,
    /// Where it was read.
    pub prov: Prov,
    /// `Priority` (lower first).
    pub priority: i64,
    /// `RouteMessageOutboundConnector`.
    pub connector: String,
    /// `RecipientDomainIs`.
    pub recipient_domains: Vec<String>,
    /// `SenderDomainIs`.
    pub sender_domains: Vec<String>,
    /// Conditions the simulator cannot evaluate (content, headers, groups): become a tag.
    pub content_conditions: Vec<String>,
}

/// What Exchange Online's tenant-wide settings give.
#[derive(Clone, Debug, Default)]
pub(super) struct ExoFacts {
    /// `Get-AcceptedDomain`.
    pub accepted: Vec<AcceptedDomain>,
    /// `Get-OutboundConnector`.
    pub outbound: Vec<Route>,
    /// `Get-InboundConnector`.
    pub inbound: Vec<InboundConnector>,
    /// `Get-TransportRule` rules that route to a connector.
    pub rules: Vec<TransportRule>,
    /// `Get-HostedConnectionFilterPolicy` `IPAllowList` entries.
    pub allow_list: Vec<(String, Prov)>,
    /// `Get-TransportConfig` `MessageExpiration`, seconds.
    pub message_expiration: Option<(u64, Prov)>,
    /// `Get-TransportConfig` `MaxReceiveSize`.
    pub max_receive_size: Option<(Limit, Prov)>,
    /// Whether any Exchange Online export was read.
    pub present: bool,
}

/// An Exchange Server Receive connector.
#[derive(Clone, Debug, Default)]
pub(super) struct ReceiveConnector {
    /// Where it was read.
    pub prov: Prov,
    /// `Server`.
    pub server: String,
    /// Accepts anonymous (internet) senders.
    pub anonymous: bool,
    /// `Enabled`.
    pub enabled: bool,
    /// `RemoteIPRanges`.
    pub remote_ranges: Vec<String>,
    /// `MaxInboundConnection`.
    pub max_inbound: Option<(Limit, Prov)>,
    /// `MaxInboundConnectionPerSource`.
    pub per_source: Option<(Limit, Prov)>,
    /// `MaxRecipientsPerMessage`.
    pub max_recipients: Option<(Limit, Prov)>,
    /// `MaxMessageSize`.
    pub max_message_size: Option<(Limit, Prov)>,
    /// Certificate (`TlsCertificateName`): subject, self-signed.
    pub certificate: Option<(String, bool, Prov)>,
    /// `TlsDomainCapabilities` lets Exchange Online in (`AcceptCloudServicesMail`).
    pub accepts_cloud_mail: bool,
}

/// Retry and limit settings of one Exchange transport server (`Get-TransportService`).
#[derive(Clone, Debug, Default)]
pub(super) struct TransportService {
    /// Server name.
    pub server: String,
    /// Setting name → (value, provenance); durations in seconds.
    pub settings: Vec<(&'static str, u64, Prov)>,
}

/// What an Exchange Server organisation export gives.
#[derive(Clone, Debug, Default)]
pub(super) struct ExchangeFacts {
    /// `Get-AcceptedDomain`.
    pub accepted: Vec<AcceptedDomain>,
    /// `Get-SendConnector`.
    pub send: Vec<Route>,
    /// `Get-ReceiveConnector`.
    pub receive: Vec<ReceiveConnector>,
    /// `Get-TransportService`.
    pub services: Vec<TransportService>,
    /// Host names the servers answer to (connector FQDNs, certificate names): (name, server).
    pub host_names: Vec<(String, String)>,
    /// Whether any Exchange Server export was read.
    pub present: bool,
}

/// One DNS resource record.
#[derive(Clone, Debug)]
pub(super) struct DnsRecord {
    /// Owner name, lowercase, no trailing dot.
    pub name: String,
    /// TTL, seconds.
    pub ttl: u64,
    /// `MX`, `A`, `AAAA`, `CNAME`.
    pub rtype: String,
    /// MX preference.
    pub preference: u32,
    /// Exchange host, address or canonical name (lowercase, no trailing dot).
    pub data: String,
    /// Where it was read.
    pub prov: Prov,
}

/// One transport map entry: `pattern transport:nexthop`.
#[derive(Clone, Debug)]
pub(super) struct TransportEntry {
    /// Domain (`.x` for subdomains, `*` for all) or address.
    pub pattern: String,
    /// Transport (`smtp`, `relay`, `error`…; empty for the default).
    pub transport: String,
    /// Next hop (`[host]:port`, `host`, empty for MX).
    pub nexthop: String,
    /// Where it was read.
    pub prov: Prov,
}

/// One Postfix instance: `postconf -n` settings and the transport map entries read for it.
#[derive(Clone, Debug, Default)]
pub(super) struct PostfixFacts {
    /// The `postconf -n` file.
    pub file: String,
    /// Parameter → (value with `$name` expanded, line).
    pub params: Vec<(String, String, usize)>,
    /// Transport map entries: (pattern, transport, next hop, provenance).
    pub transport: Vec<TransportEntry>,
}

impl PostfixFacts {
    /// A parameter's value and provenance.
    pub(super) fn param(&self, name: &str) -> Option<(&str, Prov)> {
        self.params
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(k, v, l)| (v.as_str(), Prov::new(&self.file, *l, k.clone())))
    }
}

/// Everything read from all sources.
#[derive(Clone, Debug, Default)]
pub(super) struct Facts {
    /// Exchange Online / EOP.
    pub exo: ExoFacts,
    /// Exchange Server.
    pub exchange: ExchangeFacts,
    /// DNS records (dig answers and zone files).
    pub dns: Vec<DnsRecord>,
    /// Postfix instances.
    pub postfix: Vec<PostfixFacts>,
    /// Transport map files not yet tied to an instance: (path, entries).
    pub transport_maps: Vec<(String, Vec<TransportEntry>)>,
    /// Files read and what each was, for the scenario's header.
    pub files: Vec<(String, String)>,
}

/// Strips an address-space prefix and cost: `smtp:*.contoso.com;1` → `*.contoso.com`.
pub(super) fn address_space(text: &str) -> Option<String> {
    let text = text.trim();
    let (kind, rest) = match text.split_once(':') {
        Some((k, r)) if !k.contains('.') && !k.is_empty() => (k, r),
        _ => ("smtp", text),
    };
    if !kind.eq_ignore_ascii_case("smtp") {
        return None;
    }
    let domain = rest.split(';').next().unwrap_or(rest).trim();
    (!domain.is_empty()).then(|| domain.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_spaces_lose_their_type_and_cost() {
        assert_eq!(address_space("SMTP:*;1").as_deref(), Some("*"));
        assert_eq!(
            address_space("smtp:contoso.mail.onmicrosoft.com;1").as_deref(),
            Some("contoso.mail.onmicrosoft.com")
        );
        assert_eq!(
            address_space("Fabrikam.com").as_deref(),
            Some("fabrikam.com")
        );
        assert_eq!(address_space("X400:c=US;a=;p=Contoso;1"), None);
    }
}
