//! The advice an alert gives: the documented cause of a code and the fix, in plain words, for
//! the system that recorded it — the mail-flow-intelligence fixes only where Exchange Online
//! sends (sources §1.2), the Exchange Server and generic-MTA views elsewhere.

use super::codes::{Cause, Style, key};

/// The cause and the fix for a deferral recorded by a sender of `style`.
pub fn deferral(style: Style, cause: Cause) -> (&'static str, &'static str) {
    match (style, cause) {
        (Style::ExchangeOnline, Cause::Dns) => (
            "The DNS lookup of the destination's MX failed: a problem at the domain's DNS host, an expired domain, or an MX that changed recently while resolvers still hold the old answer.",
            "Fix the DNS records at the domain's DNS host (or ask the partner to); before moving MX, lower its TTL to 1 hour or less.",
        ),
        (Style::ExchangeOnline, Cause::Timeout) => (
            "The destination did not answer on TCP 25: the server is down, or the connector points at a wrong smart host address.",
            "Bring the destination server back, or correct the smart host / IP address in the connector and the network path to it.",
        ),
        (Style::ExchangeOnline, Cause::Refused) => (
            "The destination refused the connection: its firewall blocks the sending service's addresses on TCP 25, or the server was shut down by design after a migration.",
            "Allow the sending service's addresses on TCP 25 in the destination's firewall; if on-premises was decommissioned, delete the connector to it and make the accepted domain Authoritative so unknown recipients are rejected at once.",
        ),
        (Style::ExchangeOnline | Style::ExchangeServer, Cause::BackPressure) => (
            "The receiving Exchange server is under back pressure: its queues (or disk or memory) passed a threshold and it refuses new mail for now (452 4.3.1).",
            "Find why the receiver cannot keep up (a slow or overloaded server, a full disk; Get-Queue and the back-pressure events on it); the senders keep the mail and retry meanwhile.",
        ),
        (
            Style::ExchangeOnline,
            Cause::Unavailable | Cause::TlsMissing | Cause::TooManyConnections,
        ) => (
            "The destination answered with an immediate error (421 Service not available) or does not offer the TLS the connector requires.",
            "Check that the destination accepts mail and offers STARTTLS with a valid certificate, and that the connector's TLS settings match what it offers.",
        ),
        (Style::ExchangeOnline, Cause::Dropped) => (
            "The connection was closed in the middle of the session: a firewall's SMTP inspection, an overloaded or crashing server, or the network.",
            "Turn off SMTP packet inspection on the firewall, check the destination server's resources and the network path.",
        ),
        (Style::ExchangeOnline, Cause::Certificate) => (
            "The destination's certificate failed validation: it expired, its subject does not match the connector's TLS domain, or it is no longer valid.",
            "Renew or replace the destination's certificate, or correct the connector's TLS domain / validation setting.",
        ),
        (Style::ExchangeServer, Cause::Dns) => (
            "The Exchange server could not resolve the destination: its DNS servers failed, or the domain's DNS host did.",
            "Check the DNS servers the Transport service uses (or its ExternalDNSServers) and the domain's records; a Send connector to a smart host avoids the MX lookup for that domain.",
        ),
        (Style::ExchangeServer, Cause::Timeout) => (
            "The destination did not answer on TCP 25 from the Exchange server: it is down, or outbound port 25 is blocked on the way.",
            "Check outbound TCP 25 from the Exchange server through the on-premises firewall, the destination's availability, and the Send connector's smart host address.",
        ),
        (Style::ExchangeServer, Cause::Refused) => (
            "The destination refused the Exchange server's connection: a firewall on the path, or the destination, does not allow it.",
            "Allow the Exchange server's outbound address on TCP 25 at the destination (for Exchange Online, check the inbound connector's IP and certificate restrictions) and check the Send connector's smart host.",
        ),
        (Style::ExchangeServer, Cause::TooManyConnections)
        | (Style::Mta, Cause::TooManyConnections) => (
            "The destination refuses new connections: it already has as many as it admits (in all, or from this sender).",
            "Raise the receiver's connection limits (MaxInboundConnection / MaxInboundConnectionPerSource, or Postfix's process and per-client limits) or lower the sender's parallel sessions to it.",
        ),
        (Style::Mta, Cause::BackPressure) => (
            "The receiving server is under back pressure and refuses new mail for now (452 4.3.1).",
            "Find why the receiver cannot keep up; the senders keep the mail and retry.",
        ),
        (Style::ExchangeServer, Cause::Unavailable) => (
            "The destination greeted the Exchange server with 421 Service not available.",
            "Check the receiving system (maintenance, back pressure); the queue retries by itself on its schedule.",
        ),
        (Style::ExchangeServer, Cause::TlsMissing) => (
            "The Send connector requires TLS but the destination does not offer STARTTLS.",
            "Enable TLS on the receiving side, or stop requiring it on the Send connector (RequireTLS).",
        ),
        (Style::ExchangeServer, Cause::Certificate) => (
            "The destination's certificate failed the Send connector's validation: expired, untrusted, or a name other than its TlsDomain.",
            "Renew or replace the destination's certificate, or correct the Send connector's TlsAuthLevel / TlsDomain.",
        ),
        (Style::ExchangeServer, Cause::Dropped) => (
            "Connections from the Exchange server drop in the middle of a session: the network, an SMTP-inspecting firewall, or an overloaded receiver.",
            "Check the network path and SMTP inspection on the firewalls; each affected message is retried alone after MessageRetryInterval while the queue keeps delivering.",
        ),
        (Style::Mta, Cause::Dns) => (
            "The senders' resolvers cannot look up the domain's MX (SERVFAIL), or hold an old answer after an MX change.",
            "Fix the domain's DNS at its DNS host; before moving MX, lower its TTL to 1 hour or less.",
        ),
        (Style::Mta, Cause::Timeout) => (
            "The destination does not answer on TCP 25.",
            "Bring the destination back or fix the network path to it; the mail waits in the senders' own queues meanwhile (Postfix: up to 5 days).",
        ),
        (Style::Mta, Cause::Refused) => (
            "The destination refuses connections on TCP 25: its firewall, or the server is stopped.",
            "Allow the senders' addresses on TCP 25 or bring the server back; until then the mail waits in the senders' own queues.",
        ),
        (Style::Mta, Cause::Unavailable) => (
            "The destination greets with 421 Service not available.",
            "Check the receiving server; senders retry on their own schedules.",
        ),
        (Style::Mta, Cause::TlsMissing) => (
            "The sender requires TLS (a forced-TLS policy, Postfix `encrypt`) but the destination offers no STARTTLS.",
            "Enable STARTTLS at the destination, or change the sender's TLS policy.",
        ),
        (Style::Mta, Cause::Certificate) => (
            "The destination's certificate failed the sender's verification: expired, untrusted, or a wrong name.",
            "Renew or replace the destination's certificate, or correct the sender's verification settings.",
        ),
        (Style::Mta, Cause::Dropped) => (
            "Sessions drop in the middle of the transfer.",
            "Check the network path and the receiving server's resources; each affected message is retried alone.",
        ),
        (_, Cause::StarttlsNotSupported) => (
            "The recipient domain publishes a DANE or MTA-STS (enforce) policy, and its MX host does not offer STARTTLS: the sender may not deliver in clear.",
            "Enable STARTTLS on the domain's MX hosts, or (the domain's owner) switch the MTA-STS policy to testing while it is fixed; senders retry meanwhile and return the mail after their queue lifetime.",
        ),
        (_, Cause::CertificateExpired) => (
            "The recipient domain's DANE or MTA-STS policy requires a valid certificate and its MX host's certificate has expired.",
            "Renew the MX host's certificate (and its TLSA records, with DANE).",
        ),
        (_, Cause::TlsaInvalid) => (
            "The MX host's certificate matches none of its TLSA records: typically a certificate renewed without publishing the new TLSA record first.",
            "Publish TLSA records for the current certificate (keep both while rolling over), or roll back the certificate.",
        ),
        (_, Cause::DnssecInvalid) => (
            "DNSSEC validation of the recipient domain's records failed (bogus signatures), so DANE cannot be trusted.",
            "Fix the zone's DNSSEC signing (expired signatures, a DS record that no longer matches the keys) at the domain's DNS host.",
        ),
        (_, Cause::CertificateHostMismatch) => (
            "The recipient domain's MTA-STS policy requires a certificate that names the MX host, and the MX host's certificate names another.",
            "Install a certificate whose subject or SAN covers the MX host name, or correct the MX / the policy's `mx:` patterns.",
        ),
    }
}

/// The cause and the fix for any code text the engine writes.
pub fn for_code(text: &str) -> (&'static str, &'static str) {
    match super::codes::deferral_of_text(text) {
        Some((style, cause)) => deferral(style, cause),
        None => permanent(text),
    }
}

/// The cause and the fix for a permanent code (expiry, loops, unknown recipients, refusals),
/// by its enhanced status; empty when there is no advice.
pub fn permanent(code: &str) -> (&'static str, &'static str) {
    let k = key(code);
    let enhanced = k.split(' ').next_back().unwrap_or("");
    match enhanced {
        "4.4.7" | "5.4.7" => (
            "Messages stayed queued past the sender's expiry time because the destination kept failing.",
            "Fix the destination (see the deferral alerts for the same connector) before the queue expires; expired messages must be resent by their senders.",
        ),
        "5.4.14" | "5.4.6" => (
            "The message looped between systems until the hop count was exceeded: a connector routes by MX while MX points back, or both sides treat the domain as internal relay.",
            "Make the connector to on-premises use a smart host instead of MX, and make one side of the shared domain Authoritative.",
        ),
        "5.4.1" | "5.1.1" => (
            "The recipient does not exist in a system that is authoritative for the domain.",
            "Nothing to fix if the address is wrong; otherwise create the recipient or make the domain Internal Relay where the mailbox lives elsewhere.",
        ),
        "5.7.1" => (
            "The destination does not accept this mail: it does not relay for the domain, or a partner connector allows only certain senders, source servers or TLS.",
            "Accept the domain where its MX points, or align the partner connector's allowed senders, source and TLS requirement with the route mail takes.",
        ),
        "5.7.64" => (
            "Exchange Online could not attribute the mail to an inbound connector of the tenant (the on-premises server's certificate or address no longer matches the connector), so it refused to relay it.",
            "Renew or re-bind the certificate the on-premises Send connector presents (TlsCertificateName) and make it match the inbound connector's TlsSenderCertificateName, or correct the connector's sender IP addresses.",
        ),
        "5.3.4" => (
            "The message is larger than the receiving system (or the sending connector) accepts.",
            "Send large files another way, or raise the size limits along the route (receive connector, organisation and connector limits) consistently.",
        ),
        "5.4.310" | "5.4.4" => (
            "The recipient domain does not exist in DNS (NXDOMAIN), or has no mail host at all: nothing can deliver to it.",
            "Check the address for a typo; if the domain is yours, register it or publish its MX (resolvers keep the negative answer for its negative-caching time).",
        ),
        "5.1.10" => (
            "The recipient domain publishes a null MX: it states that it accepts no mail.",
            "Nothing to fix on the sending side; use another address.",
        ),
        _ => ("", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eop_fixes_are_given_only_where_exchange_online_sends() {
        let (_, eop) = deferral(Style::ExchangeOnline, Cause::Refused);
        assert!(eop.contains("Authoritative"), "{eop}");
        let (_, onprem) = deferral(Style::ExchangeServer, Cause::Refused);
        assert!(!onprem.contains("Authoritative") && onprem.contains("Send connector"));
        let (_, mta) = deferral(Style::Mta, Cause::Refused);
        assert!(mta.contains("senders' own queues"), "{mta}");
        assert!(
            permanent("550 4.4.7 QUEUE.Expired; message expired")
                .1
                .contains("Fix the destination")
        );
    }
}
