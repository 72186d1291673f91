//! SMTP reply codes the engine writes, in the wording of the system that writes them, and the
//! advice that explains them.
//!
//! A deferral is recorded the way the *sending* system records it (sources §1.2, §2.4, §3):
//! Exchange Online writes the mail-flow-intelligence codes (`450 4.4.316 Connection refused`),
//! Exchange Server its queue's LastError (`451 4.4.0 …`, `4.4.1`, `4.4.2`), Postfix and other
//! MTAs their delivery status (`4.4.1 connect to host: Connection refused`, as a real Postfix
//! logs it; conformance/postfix/). Permanent codes (loops, unknown recipients, relay denial)
//! are written by the system that refuses.

use crate::model::NodeKind;

/// Whose wording a deferral is recorded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Exchange Online / EOP: mail-flow-intelligence codes.
    ExchangeOnline,
    /// On-premises Exchange Server: the delivery queue's LastError.
    ExchangeServer,
    /// Postfix and other MTAs (the internet's senders, gateways, partners).
    Mta,
}

impl Style {
    /// Every style, in code-table order.
    pub const ALL: [Style; 3] = [Style::ExchangeOnline, Style::ExchangeServer, Style::Mta];

    /// The wording of a node of this kind.
    pub fn of(kind: NodeKind) -> Style {
        match kind {
            NodeKind::ExchangeOnline => Style::ExchangeOnline,
            NodeKind::ExchangeServer => Style::ExchangeServer,
            NodeKind::Internet | NodeKind::Gateway | NodeKind::Smtp => Style::Mta,
        }
    }
}

/// Why a delivery attempt failed temporarily.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The MX lookup failed (SERVFAIL).
    Dns,
    /// The destination did not answer within the connect timeout.
    Timeout,
    /// The destination refused the connection.
    Refused,
    /// The destination greeted with `421 4.3.2 Service not available`.
    Unavailable,
    /// TLS is required but the destination offers no STARTTLS.
    TlsMissing,
    /// The destination's certificate failed validation.
    Certificate,
    /// The session dropped after the connection, mid-transfer.
    Dropped,
    /// The destination refused the connection at its greeting because it already has as many
    /// connections as it admits (`421 4.3.2`, sources §2.2, §3.2).
    TooManyConnections,
    /// The destination refused the message under back pressure (`452 4.3.1 Insufficient system
    /// resources` to MAIL FROM, sources §2.4–2.5).
    BackPressure,
    /// MTA-STS (enforce) or DANE: the MX host offers no STARTTLS.
    StarttlsNotSupported,
    /// MTA-STS or DANE: the MX host's certificate has expired.
    CertificateExpired,
    /// DANE: the MX host's certificate matches none of its TLSA records.
    TlsaInvalid,
    /// DANE: DNSSEC validation of the destination's records failed.
    DnssecInvalid,
    /// MTA-STS: the MX host's certificate does not match its name.
    CertificateHostMismatch,
}

impl Cause {
    /// Every cause, in code-table order.
    pub const ALL: [Cause; 14] = [
        Cause::Dns,
        Cause::Timeout,
        Cause::Refused,
        Cause::Unavailable,
        Cause::TlsMissing,
        Cause::Certificate,
        Cause::Dropped,
        Cause::TooManyConnections,
        Cause::BackPressure,
        Cause::StarttlsNotSupported,
        Cause::CertificateExpired,
        Cause::TlsaInvalid,
        Cause::DnssecInvalid,
        Cause::CertificateHostMismatch,
    ];

    /// Whether the failure concerns the destination host (connection level) rather than the
    /// one message whose session it was (session level).
    pub fn is_connection_level(self) -> bool {
        !matches!(self, Cause::Dropped | Cause::BackPressure)
    }
}

/// `450 4.4.312`: MX lookup failed (SERVFAIL), as Exchange Online writes it.
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
/// The refusal of a receiver under back pressure, as the sender records it (sources §2.4).
pub const BACK_PRESSURE: &str = "452 4.3.1 Insufficient system resources";
/// The Exchange Online deferrals of its DANE and MTA-STS checks (sources §1.2: `4.7.321`
/// starttls-not-supported … `4.7.325` certificate-host-mismatch).
pub const EXO_TLS_POLICY: [&str; 5] = [
    "450 4.7.321 starttls-not-supported",
    "450 4.7.322 certificate-expired",
    "450 4.7.323 tlsa-invalid",
    "450 4.7.324 dnssec-invalid",
    "450 4.7.325 certificate-host-mismatch",
];
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
/// Exchange Online refused to relay for a sender no inbound connector attributes to the
/// tenant (sources §1.4).
pub const TENANT_ATTRIBUTION: &str = "550 5.7.64 TenantAttribution; Relay Access Denied";
/// A message larger than the receiver (or the sender's connector) allows: RFC 5321's `552`
/// with RFC 3463's X.3.4 "message too big for system".
pub const TOO_BIG: &str = "552 5.3.4 Message too big for system";
/// NXDOMAIN as Exchange Online writes it (an observed NDR, sources §1.4).
pub const NXDOMAIN_EXCHANGE_ONLINE: &str = "550 5.4.310 DNS domain does not exist";
/// NXDOMAIN as Exchange Server writes it: RFC 3463's X.4.4 "unable to route" (the exact
/// wording of Exchange Server was not found).
pub const NXDOMAIN_EXCHANGE_SERVER: &str = "550 5.4.4 Unable to route: domain does not exist";
/// NXDOMAIN as Postfix writes it (the permanent form of its DNS deferral).
pub const NXDOMAIN_MTA: &str =
    "5.4.4 Host or domain name not found. Name service error for type=MX: Host not found";
/// A recipient domain with a null MX (RFC 7505 §4.2).
pub const NULL_MX: &str = "556 5.1.10 Recipient address has null MX";
/// A domain with neither MX nor address record (RFC 5321 §5.1: an error; RFC 3463 X.4.4).
pub const NO_MAIL_HOST: &str = "550 5.4.4 Unable to route: no MX or address record";

/// The text a sender of `style` records for `cause`.
///
/// Exchange Online: the mail-flow-intelligence codes (sources §1.2). Exchange Server: `4.4.0`
/// for DNS and for every failure the queue reports as "Primary target IP address responded
/// with …" after failing over, `4.4.1` timed out, `4.4.2` dropped (sources §2.4; the quoted
/// reason inside `4.4.0` is mailflow's wording). Postfix: its status text, as a real Postfix
/// 3.7 logged it for refusals and `421` greetings (conformance/postfix/); the DNS, TLS and
/// certificate texts follow Postfix's messages for those cases.
pub fn text(style: Style, cause: Cause) -> &'static str {
    match (style, cause) {
        (Style::ExchangeOnline, Cause::Dns) => DNS_FAILED,
        (Style::ExchangeOnline, Cause::Timeout) => CONNECTION_TIMED_OUT,
        (Style::ExchangeOnline, Cause::Refused) => CONNECTION_REFUSED,
        (Style::ExchangeOnline, Cause::Unavailable | Cause::TlsMissing) => CANNOT_CONNECT,
        (Style::ExchangeOnline, Cause::Certificate) => CERTIFICATE_FAILED,
        (Style::ExchangeOnline, Cause::Dropped) => CLOSED_ABRUPTLY,
        (Style::ExchangeOnline, Cause::TooManyConnections) => CANNOT_CONNECT,
        (Style::ExchangeOnline | Style::ExchangeServer, Cause::BackPressure) => BACK_PRESSURE,
        (Style::ExchangeServer, Cause::Dns) => "451 4.4.0 DNS query failed",
        (Style::ExchangeServer, Cause::Timeout) => "451 4.4.1 Connection timed out",
        (Style::ExchangeServer, Cause::Refused) => {
            "451 4.4.0 Primary target IP address responded with: \"Connection refused\". Attempted failover to alternate host, but that did not succeed"
        }
        (Style::ExchangeServer, Cause::Unavailable) => {
            "451 4.4.0 Primary target IP address responded with: \"421 4.3.2 Service not available\". Attempted failover to alternate host, but that did not succeed"
        }
        (Style::ExchangeServer, Cause::TlsMissing) => {
            "451 4.4.0 Primary target IP address responded with: \"STARTTLS required but not offered\". Attempted failover to alternate host, but that did not succeed"
        }
        (Style::ExchangeServer, Cause::Certificate) => {
            "451 4.4.0 Primary target IP address responded with: \"certificate validation failed\". Attempted failover to alternate host, but that did not succeed"
        }
        (Style::ExchangeServer, Cause::Dropped) => "451 4.4.2 Connection dropped",
        (Style::ExchangeServer, Cause::TooManyConnections) => {
            "451 4.4.0 Primary target IP address responded with: \"421 4.3.2 The maximum number of concurrent connections has exceeded a limit\". Attempted failover to alternate host, but that did not succeed"
        }
        (Style::Mta, Cause::Dns) => {
            "4.4.3 Host or domain name not found. Name service error for type=MX: Host not found, try again"
        }
        (Style::Mta, Cause::Timeout) => "4.4.1 connect to host: Connection timed out",
        (Style::Mta, Cause::Refused) => "4.4.1 connect to host: Connection refused",
        (Style::Mta, Cause::Unavailable) => {
            "4.3.2 host refused to talk to me: 421 4.3.2 Service not available"
        }
        (Style::Mta, Cause::TlsMissing) => "4.7.4 TLS is required, but was not offered by host",
        (Style::Mta, Cause::Certificate) => "4.7.5 Server certificate not verified",
        (Style::Mta, Cause::Dropped) => {
            "4.4.2 lost connection with host while sending message body"
        }
        (Style::Mta, Cause::TooManyConnections) => {
            "4.3.2 host refused to talk to me: 421 4.3.2 Too many connections"
        }
        (Style::Mta, Cause::BackPressure) => {
            "4.3.1 host said: 452 4.3.1 Insufficient system resources (in reply to MAIL FROM command)"
        }
        (Style::ExchangeOnline, Cause::StarttlsNotSupported) => EXO_TLS_POLICY[0],
        (Style::ExchangeOnline, Cause::CertificateExpired) => EXO_TLS_POLICY[1],
        (Style::ExchangeOnline, Cause::TlsaInvalid) => EXO_TLS_POLICY[2],
        (Style::ExchangeOnline, Cause::DnssecInvalid) => EXO_TLS_POLICY[3],
        (Style::ExchangeOnline, Cause::CertificateHostMismatch) => EXO_TLS_POLICY[4],
        // Only Exchange Online applies DANE and MTA-STS here; the others' wordings are never
        // written and follow their certificate failure.
        (Style::ExchangeServer, Cause::StarttlsNotSupported) => {
            "451 4.4.0 Primary target IP address responded with: \"STARTTLS required by the domain's policy but not offered\". Attempted failover to alternate host, but that did not succeed"
        }
        (
            Style::ExchangeServer,
            Cause::CertificateExpired
            | Cause::TlsaInvalid
            | Cause::DnssecInvalid
            | Cause::CertificateHostMismatch,
        ) => {
            "451 4.4.0 Primary target IP address responded with: \"certificate rejected by the domain's policy\". Attempted failover to alternate host, but that did not succeed"
        }
        (Style::Mta, Cause::StarttlsNotSupported) => {
            "4.7.4 TLS is required by the domain's policy, but was not offered by host"
        }
        (
            Style::Mta,
            Cause::CertificateExpired
            | Cause::TlsaInvalid
            | Cause::DnssecInvalid
            | Cause::CertificateHostMismatch,
        ) => "4.7.5 Server certificate rejected by the domain's policy",
    }
}

/// Number of deferral codes: one per (style, cause).
pub const DEFERRALS: u16 = (Style::ALL.len() * Cause::ALL.len()) as u16;

/// The code-table index of `cause` written by `style`.
pub fn deferral(style: Style, cause: Cause) -> u16 {
    let s = Style::ALL.iter().position(|x| *x == style).unwrap_or(0);
    let c = Cause::ALL.iter().position(|x| *x == cause).unwrap_or(0);
    (s * Cause::ALL.len() + c) as u16
}

/// The (style, cause) of a deferral code index, if it is one.
pub fn deferral_of(code: u16) -> Option<(Style, Cause)> {
    (code < DEFERRALS).then(|| {
        let n = Cause::ALL.len();
        (Style::ALL[code as usize / n], Cause::ALL[code as usize % n])
    })
}

/// The (style, cause) of a deferral code text, if it is one.
pub fn deferral_of_text(code: &str) -> Option<(Style, Cause)> {
    Style::ALL
        .iter()
        .flat_map(|s| Cause::ALL.iter().map(move |c| (*s, *c)))
        .find(|(s, c)| text(*s, *c) == code)
}

/// Index of the loop NDR written by Exchange Online, after the deferral codes.
pub const C_LOOP_EXO: u16 = DEFERRALS;
/// Index of the loop NDR written by others.
pub const C_LOOP: u16 = DEFERRALS + 1;
/// Index of Exchange Online's unknown-recipient NDR.
pub const C_UNKNOWN_EXO: u16 = DEFERRALS + 2;
/// Index of the unknown-recipient NDR of others.
pub const C_UNKNOWN: u16 = DEFERRALS + 3;
/// Index of the relay denial.
pub const C_RELAY: u16 = DEFERRALS + 4;
/// Index of the partner restriction's refusal.
pub const C_NOT_AUTHORIZED: u16 = DEFERRALS + 5;
/// Index of Exchange Online's refusal to relay for an unattributed sender.
pub const C_TENANT_ATTRIBUTION: u16 = DEFERRALS + 6;
/// Index of the size refusal.
pub const C_TOO_BIG: u16 = DEFERRALS + 7;
/// Index of NXDOMAIN written by Exchange Online.
pub const C_NXDOMAIN_EXO: u16 = DEFERRALS + 8;
/// Index of NXDOMAIN written by Exchange Server.
pub const C_NXDOMAIN_EXCHANGE: u16 = DEFERRALS + 9;
/// Index of NXDOMAIN written by other MTAs.
pub const C_NXDOMAIN: u16 = DEFERRALS + 10;
/// Index of the null-MX NDR.
pub const C_NULL_MX: u16 = DEFERRALS + 11;
/// Index of the no-mail-host NDR.
pub const C_NO_MAIL_HOST: u16 = DEFERRALS + 12;

/// The index of the NXDOMAIN NDR a sender of `style` writes.
pub fn nxdomain(style: Style) -> u16 {
    match style {
        Style::ExchangeOnline => C_NXDOMAIN_EXO,
        Style::ExchangeServer => C_NXDOMAIN_EXCHANGE,
        Style::Mta => C_NXDOMAIN,
    }
}

/// The engine's fixed code table: every deferral code, then the permanent ones.
pub fn fixed_codes() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Style::ALL
        .iter()
        .flat_map(|s| Cause::ALL.iter().map(move |c| text(*s, *c)))
        .collect();
    out.extend([
        LOOP_EXCHANGE_ONLINE,
        LOOP_OTHER,
        UNKNOWN_EXCHANGE_ONLINE,
        UNKNOWN_OTHER,
        RELAY_DENIED,
        NOT_AUTHORIZED,
        TENANT_ATTRIBUTION,
        TOO_BIG,
        NXDOMAIN_EXCHANGE_ONLINE,
        NXDOMAIN_EXCHANGE_SERVER,
        NXDOMAIN_MTA,
        NULL_MX,
        NO_MAIL_HOST,
    ]);
    out
}

/// The key reports group a code by: the reply code and enhanced status (`"450 4.4.316"`), or
/// the enhanced status alone where the sender writes no reply code (`"4.4.1"`, Postfix).
pub fn key(code: &str) -> &str {
    let first = code.split(' ').next().unwrap_or("");
    let reply = first.len() == 3 && first.bytes().all(|b| b.is_ascii_digit());
    let mut it = code.match_indices(' ');
    match (reply, it.next(), it.next()) {
        (true, Some(_), Some((second, _))) => &code[..second],
        (false, Some((first, _)), _) => &code[..first],
        _ => code,
    }
}

/// The words after the key (`"Connection refused"`).
pub fn title(code: &str) -> &str {
    code.get(key(code).len()..).map(str::trim).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_reply_code_and_enhanced_status_or_the_status_alone() {
        assert_eq!(key(CONNECTION_REFUSED), "450 4.4.316");
        assert_eq!(title(CONNECTION_REFUSED), "Connection refused");
        assert_eq!(key("550 4.4.7 QUEUE.Expired; message expired"), "550 4.4.7");
        assert_eq!(key(text(Style::Mta, Cause::Refused)), "4.4.1");
        assert_eq!(
            title(text(Style::Mta, Cause::Refused)),
            "connect to host: Connection refused"
        );
        assert_eq!(
            key(text(Style::ExchangeServer, Cause::Timeout)),
            "451 4.4.1"
        );
    }

    #[test]
    fn deferral_indices_round_trip_and_precede_the_permanent_codes() {
        for s in Style::ALL {
            for c in Cause::ALL {
                let i = deferral(s, c);
                assert_eq!(deferral_of(i), Some((s, c)));
                assert_eq!(fixed_codes()[i as usize], text(s, c));
            }
        }
        assert_eq!(fixed_codes()[C_RELAY as usize], RELAY_DENIED);
        assert_eq!(deferral_of(C_LOOP), None);
    }

    #[test]
    fn each_sender_writes_its_own_wording() {
        assert_eq!(
            text(Style::ExchangeOnline, Cause::Refused),
            CONNECTION_REFUSED
        );
        assert!(text(Style::ExchangeServer, Cause::Dns).starts_with("451 4.4.0"));
        assert!(text(Style::Mta, Cause::Refused).contains("Connection refused"));
        assert!(!Cause::Dropped.is_connection_level());
        assert!(Cause::Certificate.is_connection_level());
    }
}
