//! Telling what an export is from its content: the file's format, and which cmdlet printed each object.

use super::psjson::PsObject;

/// The format of a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TextFormat {
    /// PowerShell `ConvertTo-Json` output.
    PsJson,
    /// `dig` answers.
    Dig,
    /// A DNS zone file (RFC 1035 master file).
    Zone,
    /// `postconf -n` output.
    Postconf,
    /// A Postfix transport map source file.
    TransportMap,
}

impl TextFormat {
    /// Words for messages.
    pub(super) fn describe(self) -> &'static str {
        match self {
            TextFormat::PsJson => "PowerShell JSON",
            TextFormat::Dig => "dig answers",
            TextFormat::Zone => "a DNS zone file",
            TextFormat::Postconf => "postconf -n output",
            TextFormat::TransportMap => "a Postfix transport map",
        }
    }
}

/// The cmdlet that printed an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmdlet {
    /// `Get-AcceptedDomain` (either side).
    AcceptedDomain,
    /// `Get-OutboundConnector` (Exchange Online).
    OutboundConnector,
    /// `Get-InboundConnector` (Exchange Online).
    InboundConnector,
    /// `Get-TransportRule`.
    TransportRule,
    /// `Get-HostedConnectionFilterPolicy` (Exchange Online).
    ConnectionFilter,
    /// `Get-TransportConfig` (either side).
    TransportConfig,
    /// `Get-SendConnector` (Exchange Server).
    SendConnector,
    /// `Get-ReceiveConnector` (Exchange Server).
    ReceiveConnector,
    /// `Get-TransportService` (Exchange Server).
    TransportService,
}

impl Cmdlet {
    /// The cmdlet's name.
    pub(super) fn name(self) -> &'static str {
        match self {
            Cmdlet::AcceptedDomain => "Get-AcceptedDomain",
            Cmdlet::OutboundConnector => "Get-OutboundConnector",
            Cmdlet::InboundConnector => "Get-InboundConnector",
            Cmdlet::TransportRule => "Get-TransportRule",
            Cmdlet::ConnectionFilter => "Get-HostedConnectionFilterPolicy",
            Cmdlet::TransportConfig => "Get-TransportConfig",
            Cmdlet::SendConnector => "Get-SendConnector",
            Cmdlet::ReceiveConnector => "Get-ReceiveConnector",
            Cmdlet::TransportService => "Get-TransportService",
        }
    }

    /// Whether only Exchange Online has it (`Some(true)`), only Exchange Server (`Some(false)`), or both.
    pub(super) fn online_only(self) -> Option<bool> {
        match self {
            Cmdlet::OutboundConnector | Cmdlet::InboundConnector | Cmdlet::ConnectionFilter => {
                Some(true)
            }
            Cmdlet::SendConnector | Cmdlet::ReceiveConnector | Cmdlet::TransportService => {
                Some(false)
            }
            Cmdlet::AcceptedDomain | Cmdlet::TransportConfig | Cmdlet::TransportRule => None,
        }
    }
}

fn has(obj: &PsObject, keys: &[&str]) -> bool {
    keys.iter().all(|k| obj.get(k).is_some())
}

fn has_any(obj: &PsObject, keys: &[&str]) -> bool {
    keys.iter().any(|k| obj.get(k).is_some())
}

/// The cmdlet whose output this object is, from the properties only that cmdlet prints.
pub(super) fn classify(obj: &PsObject) -> Option<Cmdlet> {
    if has(obj, &["DomainName", "DomainType"]) {
        Some(Cmdlet::AcceptedDomain)
    } else if has(obj, &["AddressSpaces"])
        && has_any(obj, &["DNSRoutingEnabled", "SourceTransportServers"])
    {
        Some(Cmdlet::SendConnector)
    } else if has(obj, &["Bindings", "RemoteIPRanges"]) {
        Some(Cmdlet::ReceiveConnector)
    } else if has_any(
        obj,
        &[
            "UseMXRecord",
            "RouteAllMessagesViaOnPremises",
            "IsTransportRuleScoped",
        ],
    ) {
        Some(Cmdlet::OutboundConnector)
    } else if has(obj, &["SenderDomains"])
        && has_any(
            obj,
            &[
                "RequireTls",
                "RestrictDomainsToIPAddresses",
                "TlsSenderCertificateName",
            ],
        )
    {
        Some(Cmdlet::InboundConnector)
    } else if has_any(obj, &["RouteMessageOutboundConnector"])
        || has(obj, &["Priority", "State", "Mode"])
    {
        Some(Cmdlet::TransportRule)
    } else if has_any(obj, &["IPAllowList", "EnableSafeList"]) {
        Some(Cmdlet::ConnectionFilter)
    } else if has_any(
        obj,
        &[
            "TransientFailureRetryInterval",
            "MessageExpirationTimeout",
            "OutboundConnectionFailureRetryInterval",
        ],
    ) {
        Some(Cmdlet::TransportService)
    } else if has_any(
        obj,
        &[
            "MessageExpiration",
            "MaxRecipientEnvelopeLimit",
            "MaxReceiveSize",
        ],
    ) {
        Some(Cmdlet::TransportConfig)
    } else {
        None
    }
}

/// Which side printed an object that both sides' cmdlets print: `Some(true)` for Exchange Online
/// (properties only it prints), `Some(false)` for Exchange Server, `None` if it cannot be told.
pub(super) fn side(obj: &PsObject) -> Option<bool> {
    let online_keys = [
        "IsCoexistenceDomain",
        "OutboundOnly",
        "AuthenticationType",
        "LiveIdInstanceType",
        "SendingFromDomainDisabled",
        "MessageExpiration",
        "SmtpClientAuthenticationDisabled",
        "RouteMessageOutboundConnector",
    ];
    if has_any(obj, &online_keys) {
        return Some(true);
    }
    let dn = obj
        .str("DistinguishedName")
        .ok()
        .flatten()
        .unwrap_or_default();
    if dn.contains("OU=Microsoft Exchange Hosted Organizations") {
        return Some(true);
    }
    if dn.contains("CN=Configuration,")
        || has_any(obj, &["PendingCompletion", "MaxDumpsterSizePerDatabase"])
    {
        return Some(false);
    }
    None
}

fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The format of a file, from its first lines; `None` if it is none of the known ones.
pub(super) fn detect_text(text: &str) -> Option<TextFormat> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start().chars().next()?;
    if first == '{' || first == '[' {
        return Some(TextFormat::PsJson);
    }
    if text.contains("<<>> DiG")
        || text.contains(";; ANSWER SECTION")
        || text.contains(";; QUESTION SECTION")
    {
        return Some(TextFormat::Dig);
    }
    let sample: Vec<&str> = content_lines(text)
        .filter(|l| !l.starts_with(';'))
        .take(40)
        .collect();
    if sample.is_empty() {
        return None;
    }
    let zone_like = |l: &str| {
        l.starts_with("$ORIGIN") || l.starts_with("$TTL") || {
            let upper: Vec<String> = l.split_whitespace().map(str::to_ascii_uppercase).collect();
            upper
                .iter()
                .any(|w| matches!(w.as_str(), "SOA" | "MX" | "NS" | "CNAME" | "AAAA"))
                || (upper.iter().any(|w| w == "IN") && upper.iter().any(|w| w == "A" || w == "TXT"))
        }
    };
    if sample
        .iter()
        .any(|l| l.starts_with("$ORIGIN") || l.starts_with("$TTL"))
        || sample.iter().filter(|l| zone_like(l)).count() * 2 > sample.len()
    {
        return Some(TextFormat::Zone);
    }
    let postconf_like = |l: &str| {
        l.split_once('=').is_some_and(|(k, _)| {
            let k = k.trim();
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let postconf = sample.iter().filter(|l| postconf_like(l)).count();
    if postconf * 2 > sample.len() {
        return Some(TextFormat::Postconf);
    }
    let transport_like = |l: &str| {
        let fields: Vec<&str> = l.split_whitespace().collect();
        fields.len() >= 2
            && !l.contains('=')
            && (fields[1].contains(':')
                || fields[1]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    if sample.iter().filter(|l| transport_like(l)).count() * 2 > sample.len() {
        return Some(TextFormat::TransportMap);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::psjson::load;

    fn one(json: &str) -> PsObject {
        load("t.json", json).unwrap().remove(0)
    }

    #[test]
    fn each_cmdlet_is_known_by_its_own_properties() {
        let cases = [
            (
                r#"{"DomainName":"contoso.com","DomainType":"Authoritative"}"#,
                Cmdlet::AcceptedDomain,
            ),
            (
                r#"{"Name":"x","UseMXRecord":false,"SmartHosts":[]}"#,
                Cmdlet::OutboundConnector,
            ),
            (
                r#"{"Name":"x","SenderDomains":["smtp:*;1"],"RequireTls":true}"#,
                Cmdlet::InboundConnector,
            ),
            (
                r#"{"Name":"r","Priority":0,"State":"Enabled","Mode":"Enforce"}"#,
                Cmdlet::TransportRule,
            ),
            (
                r#"{"Name":"Default","IPAllowList":[]}"#,
                Cmdlet::ConnectionFilter,
            ),
            (
                r#"{"MessageExpiration":"1.00:00:00"}"#,
                Cmdlet::TransportConfig,
            ),
            (
                r#"{"Name":"Internet","AddressSpaces":["SMTP:*;1"],"DNSRoutingEnabled":true}"#,
                Cmdlet::SendConnector,
            ),
            (
                r#"{"Name":"Default","Bindings":["0.0.0.0:25"],"RemoteIPRanges":[]}"#,
                Cmdlet::ReceiveConnector,
            ),
            (
                r#"{"Name":"EX01","MessageExpirationTimeout":"2.00:00:00"}"#,
                Cmdlet::TransportService,
            ),
        ];
        for (json, cmdlet) in cases {
            assert_eq!(classify(&one(json)), Some(cmdlet), "{json}");
        }
        assert_eq!(classify(&one(r#"{"Colour":"blue"}"#)), None);
    }

    #[test]
    fn the_side_that_printed_an_object_is_told_by_its_own_properties() {
        let online = r#"{"DomainName":"contoso.com","DomainType":"Authoritative","IsCoexistenceDomain":false}"#;
        assert_eq!(side(&one(online)), Some(true));
        let server = r#"{"DomainName":"contoso.com","DomainType":0,"PendingCompletion":false}"#;
        assert_eq!(side(&one(server)), Some(false));
        assert_eq!(
            side(&one(
                r#"{"DomainName":"contoso.com","DomainType":"Authoritative"}"#
            )),
            None
        );
    }

    #[test]
    fn text_formats_are_recognised() {
        assert_eq!(detect_text("[\n{}]"), Some(TextFormat::PsJson));
        assert_eq!(
            detect_text("; <<>> DiG 9.18 <<>> contoso.com MX\n"),
            Some(TextFormat::Dig)
        );
        assert_eq!(
            detect_text("$ORIGIN contoso.com.\n@ 3600 IN MX 0 mx.example.\n"),
            Some(TextFormat::Zone)
        );
        assert_eq!(
            detect_text("myhostname = relay1.contoso.com\nrelayhost = [x]:25\n"),
            Some(TextFormat::Postconf)
        );
        assert_eq!(
            detect_text("# map\ncontoso.com smtp:[mail.contoso.com]:25\n"),
            Some(TextFormat::TransportMap)
        );
        assert_eq!(
            detect_text("hello world, this is prose.\nMore of it here.\n"),
            None
        );
        assert_eq!(detect_text(""), None);
    }
}
