//! Exchange Server exports: Send connectors, Receive connectors and transport services (accepted domains are read as online).

use super::error::{ImportError, Note, NoteKind, Prov};
use super::exo::tls_from_level;
use super::facts::{ExchangeFacts, ReceiveConnector, Route, Target, address_space};
use super::ignored::Ignored;
use super::psjson::PsObject;
use super::units::Limit;

/// Splits a `TlsCertificateName` (`<I>issuer DN<S>subject DN`) into the subject's CN and whether
/// the certificate is self-signed (issuer = subject).
pub(super) fn certificate_name(text: &str) -> Option<(String, bool)> {
    let text = text.trim();
    let (issuer, subject) = match (text.find("<I>"), text.find("<S>")) {
        (Some(i), Some(s)) if i < s => (Some(&text[i + 3..s]), &text[s + 3..]),
        (None, Some(s)) => (None, &text[s + 3..]),
        _ => (None, text),
    };
    let cn = subject
        .split(',')
        .map(str::trim)
        .find_map(|part| {
            part.strip_prefix("CN=")
                .or_else(|| part.strip_prefix("cn="))
        })
        .unwrap_or(subject)
        .trim()
        .to_ascii_lowercase();
    if cn.is_empty() {
        return None;
    }
    let self_signed = issuer.is_some_and(|i| i.trim().eq_ignore_ascii_case(subject.trim()));
    Some((cn, self_signed))
}

/// Reads one `Get-SendConnector` object; returns the route and the host names it reveals.
pub(super) fn send_connector(
    obj: &PsObject,
    ignored: &mut Ignored,
    facts: &mut ExchangeFacts,
    notes: &mut Vec<Note>,
) -> Result<Route, ImportError> {
    const CMDLET: &str = "Get-SendConnector";
    ignored.check(
        obj,
        CMDLET,
        &[
            "Enabled",
            "AddressSpaces",
            "DNSRoutingEnabled",
            "SmartHosts",
            "RequireTLS",
            "TlsAuthLevel",
            "TlsDomain",
            "TlsCertificateName",
            "SourceTransportServers",
            "MaxMessageSize",
            "Fqdn",
            "IgnoreSTARTTLS",
        ],
        &[
            "SmartHostsString",
            "Port",
            "ConnectionInactivityTimeOut",
            "SmtpMaxMessagesPerConnection",
            "CloudServicesMailEnabled",
            "UseExternalDNSServersEnabled",
            "ErrorPolicies",
            "IsScopedConnector",
            "HomeMTA",
            "HomeMtaServerId",
            "ProtocolLoggingLevel",
            "DomainSecureEnabled",
            "FrontendProxyEnabled",
            "ForceHELO",
            "Region",
            "LinkedReceiveConnector",
            "SmartHostAuthMechanism",
            "AuthenticationCredential",
            "RequireOorg",
            "SourceIPAddress",
            "SourceRoutingGroup",
            "ConnectedDomains",
            "IsSmtpConnector",
            "Usage",
            "TlsCertificateSyncStatus",
        ],
    );
    let name = obj.required_str("Name", CMDLET)?;
    let smart_hosts = obj.list("SmartHosts")?;
    let dns_routing = obj
        .bool("DNSRoutingEnabled")?
        .unwrap_or(smart_hosts.is_empty());
    let target = if dns_routing {
        Target::Mx
    } else if smart_hosts.is_empty() {
        return Err(obj.error(
            "DNSRoutingEnabled",
            format!("Send connector \"{name}\" has DNSRoutingEnabled false but no SmartHosts"),
            "set SmartHosts, or DNSRoutingEnabled to true (Set-SendConnector)",
        ));
    } else {
        Target::SmartHosts(smart_hosts.clone())
    };
    let mut domains = Vec::new();
    for space in obj.list("AddressSpaces")? {
        match address_space(&space) {
            Some(d) => domains.push(d),
            // Non-SMTP address spaces (X400, custom) carry no mail the simulator can send.
            None => notes.push(Note::at(
                NoteKind::Ignored,
                &obj.file,
                obj.line_of("AddressSpaces"),
                format!("Send connector \"{name}\" address space `{space}` is not SMTP; ignored"),
            )),
        }
    }
    if domains.is_empty() {
        return Err(obj.error(
            "AddressSpaces",
            format!("Send connector \"{name}\" has no SMTP address space"),
            "export the connector with its AddressSpaces (e.g. `SMTP:*;1`)",
        ));
    }
    let mut tls = if obj.bool("IgnoreSTARTTLS")?.unwrap_or(false) {
        super::facts::TlsFacts {
            mode: "none",
            ..Default::default()
        }
    } else {
        tls_from_level(
            obj,
            "TlsAuthLevel",
            obj.bool("RequireTLS")?.unwrap_or(false),
            &smart_hosts,
        )?
    };
    let servers = obj.list("SourceTransportServers")?;
    let first_server = servers.first().cloned().unwrap_or_default();
    if let Some(cert) = obj.str("TlsCertificateName")? {
        tls.certificate_name = certificate_name(&cert).map(|(cn, _)| cn);
    }
    if let Some(fqdn) = obj.str("Fqdn")? {
        facts
            .host_names
            .push((fqdn.to_ascii_lowercase(), first_server.clone()));
    }
    Ok(Route {
        prov: Prov::new(&obj.file, obj.line, format!("{CMDLET} \"{name}\"")),
        enabled: obj.bool("Enabled")?.unwrap_or(true),
        domains,
        target,
        tls,
        rule_scoped: false,
        connector_type: None,
        route_all_via_on_premises: false,
        all_accepted_domains: false,
        source_servers: servers,
        name,
    })
}

/// Reads one `Get-ReceiveConnector` object; connectors not listening on port 25 give a note.
pub(super) fn receive_connector(
    obj: &PsObject,
    ignored: &mut Ignored,
    facts: &mut ExchangeFacts,
    notes: &mut Vec<Note>,
) -> Result<(), ImportError> {
    const CMDLET: &str = "Get-ReceiveConnector";
    let modelled = [
        "Server",
        "Bindings",
        "RemoteIPRanges",
        "Enabled",
        "Fqdn",
        "PermissionGroups",
        "MaxInboundConnection",
        "MaxInboundConnectionPerSource",
        "MaxRecipientsPerMessage",
        "MaxMessageSize",
        "TlsCertificateName",
        "TlsDomainCapabilities",
        "TransportRole",
    ];
    ignored.check(
        obj,
        CMDLET,
        &modelled,
        &[
            "AuthMechanism",
            "RequireTLS",
            "RequireEHLODomain",
            "ConnectionTimeout",
            "ConnectionInactivityTimeout",
            "MessageRateLimit",
            "MessageRateSource",
            "MaxInboundConnectionPercentagePerSource",
            "MaxHeaderSize",
            "MaxHopCount",
            "MaxLocalHopCount",
            "MaxLogonFailures",
            "MaxProtocolErrors",
            "TarpitInterval",
            "ProtocolLoggingLevel",
            "Banner",
            "BinaryMimeEnabled",
            "ChunkingEnabled",
            "DeliveryStatusNotificationEnabled",
            "EightBitMimeEnabled",
            "SmtpUtf8Enabled",
            "EnhancedStatusCodesEnabled",
            "EnableAuthGSSAPI",
            "ExtendedProtectionPolicy",
            "LongAddressesEnabled",
            "OrarEnabled",
            "PipeliningEnabled",
            "SizeEnabled",
            "SuppressXAnonymousTls",
            "AdvertiseClientSettings",
            "ServiceDiscoveryFqdn",
            "TlsCertificateSyncStatus",
            "DomainSecureEnabled",
            "DefaultDomain",
            "RejectReservedTopLevelRecipientDomains",
            "RejectReservedSecondLevelRecipientDomains",
            "RejectSingleLabelRecipientDomains",
            "MaxAcknowledgementDelay",
            "AuthTarpitInterval",
        ],
    );
    let name = obj.required_str("Name", CMDLET)?;
    let server = obj.str("Server")?.unwrap_or_default();
    let bindings = obj.list("Bindings")?;
    let port = bindings
        .iter()
        .find_map(|b| b.rsplit(':').next()?.trim().parse::<u16>().ok());
    let prov = |key: &str| {
        Prov::new(
            &obj.file,
            obj.line_of(key),
            format!("{CMDLET} \"{name}\" {key}"),
        )
    };
    if port != Some(25) {
        let shown = port.map_or("no port".to_string(), |p| format!("port {p}"));
        let msg = format!(
            "Receive connector \"{name}\" listens on {shown} (client or internal submission), not port 25; not modelled"
        );
        notes.push(Note::at(
            NoteKind::Ignored,
            &obj.file,
            obj.line_of("Bindings"),
            msg,
        ));
        return Ok(());
    }
    let permissions = obj.list("PermissionGroups")?.join(",");
    let limit = |key: &str| -> Result<Option<(Limit, Prov)>, ImportError> {
        Ok(obj.limit(key)?.map(|l| (l, prov(key))))
    };
    let certificate = obj
        .str("TlsCertificateName")?
        .and_then(|c| certificate_name(&c))
        .map(|(cn, self_signed)| (cn, self_signed, prov("TlsCertificateName")));
    let fqdn = obj.str("Fqdn")?.map(|f| f.to_ascii_lowercase());
    if let Some(f) = fqdn {
        facts.host_names.push((f, server.clone()));
    }
    if let Some((cn, _, _)) = &certificate {
        facts.host_names.push((cn.clone(), server.clone()));
    }
    let connector = ReceiveConnector {
        prov: prov("Bindings"),
        anonymous: permissions.contains("AnonymousUsers"),
        enabled: obj.bool("Enabled")?.unwrap_or(true),
        remote_ranges: obj.list("RemoteIPRanges")?,
        max_inbound: limit("MaxInboundConnection")?,
        per_source: limit("MaxInboundConnectionPerSource")?,
        max_recipients: limit("MaxRecipientsPerMessage")?,
        max_message_size: obj
            .bytes("MaxMessageSize")?
            .map(|l| (l, prov("MaxMessageSize"))),
        certificate,
        accepts_cloud_mail: obj
            .list("TlsDomainCapabilities")?
            .iter()
            .any(|c| c.contains("AcceptCloudServicesMail")),
        server,
    };
    facts.receive.push(connector);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_names_give_the_subject_cn_and_self_signing() {
        let ca = "<I>CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US<S>CN=mail.contoso.com, O=Contoso Ltd, C=US";
        assert_eq!(
            certificate_name(ca),
            Some(("mail.contoso.com".into(), false))
        );
        let own = "<I>CN=EX01<S>CN=EX01";
        assert_eq!(certificate_name(own), Some(("ex01".into(), true)));
        assert_eq!(
            certificate_name("mail.contoso.com"),
            Some(("mail.contoso.com".into(), false))
        );
        assert_eq!(certificate_name("<I>CN=x<S>"), None);
    }
}
