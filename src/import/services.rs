//! Exchange Server transport services (`Get-TransportService`): retry intervals, expiry and per-domain connections.

use super::error::{ImportError, Prov};
use super::facts::TransportService;
use super::ignored::Ignored;
use super::psjson::PsObject;
use super::units::Limit;

/// Setting names of `Get-TransportService` and the scenario keys they become (durations unless noted).
pub(super) const SERVICE_SETTINGS: [(&str, &str); 7] = [
    ("MessageExpirationTimeout", "message_expiration_timeout"),
    (
        "TransientFailureRetryInterval",
        "transient_failure_retry_interval",
    ),
    (
        "TransientFailureRetryCount",
        "transient_failure_retry_count",
    ),
    (
        "OutboundConnectionFailureRetryInterval",
        "outbound_connection_failure_retry_interval",
    ),
    ("MessageRetryInterval", "message_retry_interval"),
    ("DelayNotificationTimeout", "delay_notification_timeout"),
    (
        "MaxPerDomainOutboundConnections",
        "max_connections_per_destination",
    ),
];

/// Reads one `Get-TransportService` object.
pub(super) fn transport_service(
    obj: &PsObject,
    ignored: &mut Ignored,
) -> Result<TransportService, ImportError> {
    const CMDLET: &str = "Get-TransportService";
    let modelled: Vec<&str> = SERVICE_SETTINGS.iter().map(|(k, _)| *k).collect();
    ignored.check(
        obj,
        CMDLET,
        &modelled,
        &[
            "MaxOutboundConnections",
            "MaxConnectionRatePerMinute",
            "MaxConcurrentMailboxDeliveries",
            "MaxConcurrentMailboxSubmissions",
            "QueueMaxIdleTime",
            "MaxIdleTimeBeforeResubmit",
            "MailboxDeliveryQueueRetryInterval",
            "ExternalDelayDsnEnabled",
            "InternalDelayDsnEnabled",
            "ExternalDNSServers",
            "ExternalDNSProtocolOption",
            "ExternalDNSAdapterEnabled",
            "InternalDNSServers",
            "ReceiveProtocolLogPath",
            "SendProtocolLogPath",
            "MessageTrackingLogPath",
            "MessageTrackingLogEnabled",
            "ConnectivityLogPath",
            "PipelineTracingEnabled",
            "ContentConversionTracingEnabled",
            "PickupDirectoryPath",
            "ReplayDirectoryPath",
            "Fqdn",
            "NetworkAddress",
            "AdminDisplayVersion",
            "ServerRole",
            "Edition",
            "IntraOrgConnectorProtocolLoggingLevel",
            "PoisonThreshold",
            "RoutingTableLogPath",
            "ServerStatisticsLogPath",
        ],
    );
    let server = obj.required_str("Name", CMDLET)?;
    let mut settings = Vec::new();
    for (property, key) in SERVICE_SETTINGS {
        let value = if property.ends_with("Count") || property.starts_with("MaxPerDomain") {
            match obj.limit(property)? {
                Some(Limit::Value(n)) => Some(n),
                _ => None,
            }
        } else {
            obj.timespan(property)?
        };
        if let Some(v) = value {
            let prov = Prov::new(
                &obj.file,
                obj.line_of(property),
                format!("{CMDLET} {server} {property}"),
            );
            settings.push((key, v, prov));
        }
    }
    Ok(TransportService { server, settings })
}
