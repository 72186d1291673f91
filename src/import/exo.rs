//! Exchange Online / EOP exports: accepted domains, outbound and inbound connectors, routing rules, connection filter, transport config.

use super::error::{ImportError, Prov};
use super::facts::{
    AcceptedDomain, ConnectorType, DomainKind, ExoFacts, InboundConnector, Route, Target, TlsFacts,
    address_space,
};
use super::ignored::Ignored;
use super::psjson::PsObject;

/// `AcceptedDomainType` names and the numbers Windows PowerShell prints for them.
const DOMAIN_TYPES: [(&str, i64); 3] = [
    ("Authoritative", 0),
    ("ExternalRelay", 1),
    ("InternalRelay", 2),
];
/// `TenantConnectorType`: only the names are relied on.
const CONNECTOR_TYPES: [(&str, i64); 2] = [("Partner", i64::MIN), ("OnPremises", i64::MIN)];
/// `TlsSettings` / `TlsAuthLevel`.
const TLS_LEVELS: [(&str, i64); 3] = [
    ("EncryptionOnly", i64::MIN),
    ("CertificateValidation", i64::MIN),
    ("DomainValidation", i64::MIN),
];

/// Reads one `Get-AcceptedDomain` object (either side).
pub(super) fn accepted_domain(
    obj: &PsObject,
    ignored: &mut Ignored,
) -> Result<AcceptedDomain, ImportError> {
    const CMDLET: &str = "Get-AcceptedDomain";
    ignored.check(
        obj,
        CMDLET,
        &["DomainName", "DomainType", "Default", "MatchSubDomains"],
        &[
            "AddressBookEnabled",
            "IsCoexistenceDomain",
            "OutboundOnly",
            "AuthenticationType",
            "LiveIdInstanceType",
            "SendingFromDomainDisabled",
            "PendingRemoval",
            "PendingCompletion",
            "IsDefaultFederatedDomain",
            "EnableNego2Authentication",
            "InitialDomain",
            "FederatedOrganizationLink",
            "PerimeterDuplicateDetected",
            "CatchAllRecipientID",
            "MailFlowPartner",
            "SmtpDomain",
            "PendingFederatedAccountNamespace",
            "PendingFederatedDomain",
            "DualProvisioningEnabled",
        ],
    );
    let name = obj
        .required_str("DomainName", CMDLET)?
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let kind = match obj.enumeration("DomainType", &DOMAIN_TYPES)?.as_deref() {
        Some("InternalRelay") => DomainKind::InternalRelay,
        Some("ExternalRelay") => DomainKind::ExternalRelay,
        _ => DomainKind::Authoritative,
    };
    let domain = if obj.bool("MatchSubDomains")?.unwrap_or(false) && !name.starts_with("*.") {
        format!("*.{name}")
    } else {
        name
    };
    Ok(AcceptedDomain {
        prov: Prov::new(
            &obj.file,
            obj.line_of("DomainType"),
            format!("{CMDLET} {domain} DomainType"),
        ),
        domain,
        kind,
        default: obj.bool("Default")?.unwrap_or(false),
    })
}

/// TLS of a connector from Exchange's level names (`TlsSettings` online, `TlsAuthLevel` on-premises).
pub(super) fn tls_from_level(
    obj: &PsObject,
    level_key: &str,
    required: bool,
    smart_hosts: &[String],
) -> Result<TlsFacts, ImportError> {
    let level = obj.enumeration(level_key, &TLS_LEVELS)?;
    let tls_domain = obj.str("TlsDomain")?.map(|d| d.to_ascii_lowercase());
    let shown = match (&level, required) {
        (Some(l), _) => l.clone(),
        (None, true) => "empty, RequireTLS true".into(),
        (None, false) => "empty: opportunistic TLS (the default)".into(),
    };
    let prov = Some(Prov::new(
        &obj.file,
        obj.line_of(level_key),
        format!("{level_key} {shown}"),
    ));
    let mut tls = TlsFacts {
        prov,
        ..TlsFacts::default()
    };
    match level.as_deref() {
        None if !required => tls.mode = "opportunistic",
        None => {
            tls.mode = "required";
            tls.validate = Some("none");
            tls.assumed = Some(format!(
                "TLS is required but `{level_key}` is empty: taken as EncryptionOnly"
            ));
        }
        Some("EncryptionOnly") => (tls.mode, tls.validate) = ("required", Some("none")),
        Some("CertificateValidation") => {
            (tls.mode, tls.validate) = ("required", Some("certificate"))
        }
        _ => {
            (tls.mode, tls.validate) = ("required", Some("domain"));
            tls.tls_domain = tls_domain.or_else(|| {
                // Exchange checks the smart host's name when TlsDomain is empty.
                tls.assumed = Some(
                    "DomainValidation without TlsDomain: the smart host's name is expected".into(),
                );
                smart_hosts.first().map(|h| super::hosts::bare_host(h))
            });
        }
    }
    Ok(tls)
}

/// Reads one `Get-OutboundConnector` object.
pub(super) fn outbound(obj: &PsObject, ignored: &mut Ignored) -> Result<Route, ImportError> {
    const CMDLET: &str = "Get-OutboundConnector";
    ignored.check(
        obj,
        CMDLET,
        &[
            "Enabled",
            "UseMXRecord",
            "SmartHosts",
            "RecipientDomains",
            "ConnectorType",
            "TlsSettings",
            "TlsDomain",
            "IsTransportRuleScoped",
            "RouteAllMessagesViaOnPremises",
            "AllAcceptedDomains",
        ],
        &[
            "ConnectorSource",
            "CloudServicesMailEnabled",
            "SenderRewritingEnabled",
            "TestMode",
            "LinkForModifiedConnector",
            "ValidationRecipients",
            "IsValidated",
            "LastValidationTimestamp",
            "SmtpDaneMode",
            "MtaStsMode",
            "LastModifiedBy",
            "SmartHostsString",
        ],
    );
    let name = obj.required_str("Name", CMDLET)?;
    let smart_hosts = obj.list("SmartHosts")?;
    let target = if obj.bool("UseMXRecord")?.unwrap_or(true) {
        Target::Mx
    } else if smart_hosts.is_empty() {
        return Err(obj.error(
            "UseMXRecord",
            format!("connector \"{name}\" has UseMXRecord false but no SmartHosts"),
            "set SmartHosts, or UseMXRecord to true (Set-OutboundConnector)",
        ));
    } else {
        Target::SmartHosts(smart_hosts.clone())
    };
    let connector_type = match obj
        .enumeration("ConnectorType", &CONNECTOR_TYPES)?
        .as_deref()
    {
        Some("OnPremises") => ConnectorType::OnPremises,
        _ => ConnectorType::Partner,
    };
    Ok(Route {
        prov: Prov::new(&obj.file, obj.line, format!("{CMDLET} \"{name}\"")),
        enabled: obj.bool("Enabled")?.unwrap_or(true),
        domains: obj
            .list("RecipientDomains")?
            .iter()
            .filter_map(|d| address_space(d))
            .collect(),
        tls: tls_from_level(obj, "TlsSettings", false, &smart_hosts)?,
        rule_scoped: obj.bool("IsTransportRuleScoped")?.unwrap_or(false),
        connector_type: Some(connector_type),
        route_all_via_on_premises: obj.bool("RouteAllMessagesViaOnPremises")?.unwrap_or(false),
        all_accepted_domains: obj.bool("AllAcceptedDomains")?.unwrap_or(false),
        source_servers: Vec::new(),
        target,
        name,
    })
}

/// Reads one `Get-InboundConnector` object.
pub(super) fn inbound(
    obj: &PsObject,
    ignored: &mut Ignored,
) -> Result<InboundConnector, ImportError> {
    const CMDLET: &str = "Get-InboundConnector";
    ignored.check(
        obj,
        CMDLET,
        &[
            "Enabled",
            "ConnectorType",
            "SenderDomains",
            "SenderIPAddresses",
            "RequireTls",
            "RestrictDomainsToIPAddresses",
            "RestrictDomainsToCertificate",
            "TlsSenderCertificateName",
        ],
        &[
            "ConnectorSource",
            "CloudServicesMailEnabled",
            "TreatMessagesAsInternal",
            "EFSkipIPs",
            "EFSkipLastIP",
            "EFUsers",
            "EFTestMode",
            "ScanAndDropRecipients",
            "AssociatedAcceptedDomains",
            "TrustedOrganizations",
            "ClientHostNames",
            "ClientHostNameType",
            "DetectSenderIPBySkippingLastIP",
            "DetectSenderIPBySkippingTheseIPs",
            "DetectSenderIPRecipientList",
        ],
    );
    let name = obj.required_str("Name", CMDLET)?;
    let connector_type = match obj
        .enumeration("ConnectorType", &CONNECTOR_TYPES)?
        .as_deref()
    {
        Some("OnPremises") => ConnectorType::OnPremises,
        _ => ConnectorType::Partner,
    };
    Ok(InboundConnector {
        prov: Prov::new(&obj.file, obj.line, format!("{CMDLET} \"{name}\"")),
        enabled: obj.bool("Enabled")?.unwrap_or(true),
        sender_domains: obj
            .list("SenderDomains")?
            .iter()
            .filter_map(|d| address_space(d))
            .collect(),
        sender_ips: obj.list("SenderIPAddresses")?,
        // RequireTls defaults to true for Partner connectors (domain-facts §6.1).
        require_tls: obj
            .bool("RequireTls")?
            .unwrap_or(connector_type == ConnectorType::Partner),
        restrict_to_ips: obj.bool("RestrictDomainsToIPAddresses")?.unwrap_or(false),
        restrict_to_certificate: obj.bool("RestrictDomainsToCertificate")?.unwrap_or(false),
        certificate_name: obj
            .str("TlsSenderCertificateName")?
            .map(|c| c.to_ascii_lowercase()),
        connector_type,
    })
}

/// Reads `Get-HostedConnectionFilterPolicy` (IP Allow List) and `Get-TransportConfig` (online).
pub(super) fn tenant_settings(
    obj: &PsObject,
    cmdlet: &'static str,
    facts: &mut ExoFacts,
    ignored: &mut Ignored,
) -> Result<(), ImportError> {
    if cmdlet == "Get-HostedConnectionFilterPolicy" {
        ignored.check(
            obj,
            cmdlet,
            &["IPAllowList"],
            &[
                "IPBlockList",
                "EnableSafeList",
                "IsDefault",
                "DirectoryBasedEdgeBlockMode",
                "ConfigurationXmlRaw",
            ],
        );
        for ip in obj.list("IPAllowList")? {
            facts.allow_list.push((
                ip.clone(),
                Prov::new(
                    &obj.file,
                    obj.line_of("IPAllowList"),
                    format!("{cmdlet} IPAllowList {ip}"),
                ),
            ));
        }
        return Ok(());
    }
    ignored.check(
        obj,
        cmdlet,
        &["MessageExpiration", "MaxReceiveSize"],
        &[
            "MaxSendSize",
            "MaxRecipientEnvelopeLimit",
            "ExternalDelayDsnEnabled",
            "InternalDelayDsnEnabled",
            "ExternalDsnReportingAuthority",
            "InternalDsnReportingAuthority",
            "SmtpClientAuthenticationDisabled",
            "AllowLegacyTLSClients",
            "Rfc2231EncodingEnabled",
            "ShadowRedundancyEnabled",
            "SafetyNetHoldTime",
            "MaxDumpsterSizePerDatabase",
            "MaxDumpsterTime",
            "ConvertDisclaimerWrapperToEml",
            "JournalingReportNdrTo",
            "ClearCategories",
            "DSNConversionMode",
            "ExternalDsnDefaultLanguage",
            "InternalDsnDefaultLanguage",
            "HeaderPromotionModeSetting",
            "ReplyAllStormProtectionEnabled",
            "ReplyAllStormDetectionMinimumRecipients",
            "ReplyAllStormDetectionMinimumReplies",
            "ReplyAllStormBlockDuration",
            "AddressBookPolicyRoutingEnabled",
            "VoicemailJournalingEnabled",
            "ExternalDsnSendHtml",
            "InternalDsnSendHtml",
            "OpenDomainRoutingEnabled",
        ],
    );
    if let Some(secs) = obj.timespan("MessageExpiration")? {
        facts.message_expiration = Some((
            secs,
            Prov::new(
                &obj.file,
                obj.line_of("MessageExpiration"),
                format!("{cmdlet} MessageExpiration"),
            ),
        ));
    }
    if let Some(size) = obj.bytes("MaxReceiveSize")? {
        facts.max_receive_size = Some((
            size,
            Prov::new(
                &obj.file,
                obj.line_of("MaxReceiveSize"),
                format!("{cmdlet} MaxReceiveSize"),
            ),
        ));
    }
    Ok(())
}
