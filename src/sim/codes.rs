//! SMTP reply codes the engine writes, and the mail-flow-intelligence text that explains them.
//!
//! Codes and fixes are from sources §1.2 ([MFI]), §1.4 and §1.5.

/// `450 4.4.312`: MX lookup failed (SERVFAIL).
pub const DNS_FAILED: &str = "450 4.4.312 DNS query failed";
/// `450 4.4.315`: the destination did not answer within the connect timeout.
pub const CONNECTION_TIMED_OUT: &str = "450 4.4.315 Connection timed out";
/// `450 4.4.316`: the destination refused the connection.
pub const CONNECTION_REFUSED: &str = "450 4.4.316 Connection refused";
/// `450 4.4.317`: connected, but the destination failed at once or lacks TLS.
pub const CANNOT_CONNECT: &str = "450 4.4.317 Cannot connect to remote server";
/// `450 4.4.318`: the session dropped mid-transfer.
pub const CLOSED_ABRUPTLY: &str = "450 4.4.318 Connection closed abruptly";
/// `450 4.7.320`: the destination's certificate failed validation.
pub const CERTIFICATE_FAILED: &str = "450 4.7.320 Certificate validation failed";
/// Loop NDR written by Exchange Online.
pub const LOOP_EXCHANGE_ONLINE: &str = "554 5.4.14 Hop count exceeded - possible mail loop";
/// Loop NDR written by Exchange Server and other MTAs.
pub const LOOP_OTHER: &str = "554 5.4.6 Hop count exceeded - possible mail loop";
/// Unknown recipient rejected by Exchange Online (Directory-Based Edge Blocking).
pub const UNKNOWN_EXCHANGE_ONLINE: &str = "550 5.4.1 Recipient address rejected: Access denied";
/// Unknown recipient at Exchange Server and other MTAs.
pub const UNKNOWN_OTHER: &str = "550 5.1.1 Bad destination mailbox address";
/// A node that does not accept the domain refuses to relay.
pub const RELAY_DENIED: &str = "550 5.7.1 Unable to relay";
/// A partner's `accept_from` restriction refused the session.
pub const NOT_AUTHORIZED: &str = "550 5.7.1 Delivery not authorized";

/// The key reports group a code by: reply code and enhanced status (`"450 4.4.316"`).
pub fn key(code: &str) -> &str {
    let mut it = code.match_indices(' ');
    match (it.next(), it.next()) {
        (Some(_), Some((second, _))) => &code[..second],
        _ => code,
    }
}

/// The words after the key (`"Connection refused"`).
pub fn title(code: &str) -> &str {
    code.get(key(code).len()..).map(str::trim).unwrap_or("")
}

/// The documented cause and the fix for a code, in plain words.
pub fn cause_and_fix(code: &str) -> (&'static str, &'static str) {
    let k = key(code);
    let enhanced = k.split(' ').nth(1).unwrap_or("");
    match enhanced {
        "4.4.312" => (
            "The DNS lookup of the destination's MX failed: a problem at the domain's DNS host, an expired domain, or an MX that changed recently while resolvers still hold the old answer.",
            "Fix the DNS records at the domain's DNS host (or ask the partner to); before moving MX, lower its TTL to 1 hour or less.",
        ),
        "4.4.315" => (
            "The destination did not answer on TCP 25: the server is down, or the connector points at a wrong smart host address.",
            "Bring the destination server back, or correct the smart host / IP address in the connector and the network path to it.",
        ),
        "4.4.316" => (
            "The destination refused the connection: its firewall blocks the sending service's addresses on TCP 25, or the server was shut down by design after a migration.",
            "Allow the sending service's addresses on TCP 25 in the destination's firewall; if on-premises was decommissioned, delete the connector to it and make the accepted domain Authoritative so unknown recipients are rejected at once.",
        ),
        "4.4.317" => (
            "The destination answered with an immediate error (421 Service not available) or does not offer the TLS the connector requires.",
            "Check that the destination accepts mail and offers STARTTLS with a valid certificate, and that the connector's TLS settings match what it offers.",
        ),
        "4.4.318" => (
            "The connection was closed in the middle of the session: a firewall's SMTP inspection, an overloaded or crashing server, or the network.",
            "Turn off SMTP packet inspection on the firewall, check the destination server's resources and the network path.",
        ),
        "4.7.320" => (
            "The destination's certificate failed validation: it expired, its subject does not match the connector's TLS domain, or it is no longer valid.",
            "Renew or replace the destination's certificate, or correct the connector's TLS domain / validation setting.",
        ),
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
        _ => ("", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_reply_code_and_enhanced_status() {
        assert_eq!(key(CONNECTION_REFUSED), "450 4.4.316");
        assert_eq!(title(CONNECTION_REFUSED), "Connection refused");
        assert_eq!(key("550 4.4.7 QUEUE.Expired; message expired"), "550 4.4.7");
        assert!(cause_and_fix(CERTIFICATE_FAILED).1.contains("certificate"));
    }
}
