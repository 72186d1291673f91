//! Mail-flow configuration as administrators configure it: certificate issuers and sender
//! certificates, partner restrictions, edge blocking, NDRs and rules, smart hosts by name,
//! centralised transport, timed changes, queued-volume alerts, DNS statuses and size limits,
//! DANE / MTA-STS, and what `validate` finds. One test (or more) per capability.

use crate::common::{assert_conserved, failures, load, load_file, run, run_logged};
use mailflow::sim::SimTime;
use mailflow::sim::trace::trace;

/// Codes of failed attempts in the log, deduplicated.
fn attempt_codes(log: &[mailflow::sim::LogEntry]) -> Vec<String> {
    let mut v: Vec<String> = failures(log).into_iter().map(|(_, c)| c).collect();
    v.sort();
    v.dedup();
    v
}

fn warnings(yaml: &str) -> Vec<String> {
    let l = mailflow::scenario::load_str(yaml, "t.yaml", &[]).unwrap();
    l.warnings.iter().map(|w| format!("{w}")).collect()
}

/// Exchange Online sends to a partner over forced TLS with `validate`, the partner presenting
/// a certificate from `issuer`; `trusted` lists the private CAs the sender trusts.
fn partner(validate: &str, issuer: &str, trusted: &str) -> String {
    format!(
        r#"
name: issuers
duration: 6h
domains:
  fabrikam.com: {{mx: partner, mailboxes: {{partner: 1.0}}}}
  contoso.com: {{mx: eop, mailboxes: {{eop: 1.0}}}}
nodes:
  eop: {{kind: exchange_online, trusted_cas: [{trusted}]}}
  partner: {{kind: smtp, certificate: {{subject: mail.fabrikam.com, {issuer}}}}}
connectors:
  - {{name: eop-to-partner, from: eop, to: partner, domains: [fabrikam.com], tls: {{mode: required, validate: {validate}, tls_domain: mail.fabrikam.com}}}}
traffic:
  - {{name: out, from: eop, sender_domain: contoso.com, to: fabrikam.com, rate: 20/h}}
"#
    )
}

#[test]
fn certificate_issuers_decide_validation_and_encryption_only_accepts_any_certificate() {
    let outcome = |yaml: String| {
        let (s, log) = run_logged(&load(&yaml), 1, &[]);
        assert_conserved(&s);
        (
            s.messages.delivered,
            s.messages.generated,
            attempt_codes(&log),
        )
    };
    // Self-signed: refused by `certificate` and `domain` validation with 450 4.7.320.
    for validate in ["certificate", "domain"] {
        let (delivered, generated, codes) = outcome(partner(validate, "issuer: self_signed", ""));
        assert!(generated > 50);
        assert_eq!(delivered, 0, "{validate}: {codes:?}");
        assert_eq!(codes, ["450 4.7.320"], "{validate}");
    }
    // Encryption only (`validate: none`) accepts it.
    let (delivered, generated, codes) = outcome(partner("none", "issuer: self_signed", ""));
    assert_eq!(delivered, generated, "{codes:?}");
    // A private CA: refused unless the sender trusts that CA.
    let private = "issuer: private_ca, ca_name: fabrikam-root";
    let (delivered, _, codes) = outcome(partner("certificate", private, ""));
    assert_eq!(
        (delivered, codes.as_slice()),
        (0, ["450 4.7.320".to_string()].as_slice())
    );
    let (delivered, generated, _) = outcome(partner("certificate", private, "fabrikam-root"));
    assert_eq!(delivered, generated);
    // A public CA passes.
    let (delivered, generated, _) = outcome(partner("domain", "issuer: ca", ""));
    assert_eq!(delivered, generated);
}

#[test]
fn an_unknown_issuer_is_a_located_error() {
    let yaml = partner("domain", "issuer: public-ca", "");
    let e = mailflow::scenario::load_str(&yaml, "t.yaml", &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("t.yaml:") && text.contains("public-ca"),
        "{text}"
    );
    assert!(
        text.contains("self_signed"),
        "the error lists the choices: {text}"
    );
}

/// Hybrid mutual TLS: on-prem presents mail.contoso.com to Exchange Online, whose inbound
/// connector checks it; the on-prem certificate expires at `expiry`.
fn hybrid_mutual(expiry: &str) -> String {
    format!(
        r#"
name: mutual
duration: 8h
domains:
  contoso.com: {{mx: eop, mailboxes: {{eop: 0.5, onprem: 0.5}}}}
nodes:
  eop:
    kind: exchange_online
    accepted_domains: {{contoso.com: internal_relay}}
    accept_from: {{nodes: [onprem], sender_domains: [contoso.com], require_tls: true, certificate_name: mail.contoso.com}}
  onprem:
    kind: exchange_server
    accepted_domains: {{contoso.com: authoritative}}
    certificate: {{subject: mail.contoso.com, issuer: ca, not_after: {expiry}}}
connectors:
  - {{name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com], mailboxes_on: [onprem], tls: {{mode: required, validate: domain, tls_domain: mail.contoso.com}}}}
  - {{name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com], mailboxes_on: [eop], tls: {{mode: required, validate: domain, tls_domain: mail.protection.outlook.com, certificate_name: mail.contoso.com}}}}
traffic:
  - {{name: onprem-users, from: onprem, sender_domain: contoso.com, to: contoso.com, rate: 60/h}}
"#
    )
}

#[test]
fn exchange_online_checks_the_certificate_on_premises_presents() {
    // Valid all run: everything delivered both ways.
    let s = run(&load(&hybrid_mutual("30d")), 2);
    assert_eq!(s.messages.delivered, s.messages.generated);
    // Expired at 4h: on-prem → EOP is refused as the inbound connector no longer matches
    // (5.7.64 TenantAttribution), not only EOP → on-prem.
    let s = run(&load(&hybrid_mutual("4h")), 2);
    assert_conserved(&s);
    let refused = s.ndr_by_code.get("550 5.7.64").copied().unwrap_or(0);
    assert!(refused > 50, "{:?}", s.ndr_by_code);
    assert!(
        s.traffic["onprem-users"].delivered > 50,
        "before 4h it flowed"
    );
    // A connector naming a certificate its node does not have is a warning.
    let w = warnings(&hybrid_mutual("30d").replace(
        "certificate_name: mail.contoso.com}}\ntraffic",
        "certificate_name: relay.contoso.com}}\ntraffic",
    ));
    assert!(
        w.iter()
            .any(|w| w.contains("relay.contoso.com") && w.contains("onprem-to-eop")),
        "{w:#?}"
    );
}

#[test]
fn a_partner_restriction_concerns_only_the_partners_sender_domains() {
    let yaml = r#"
name: restriction
duration: 6h
domains:
  fabrikam.com: {mx: partner, mailboxes: {partner: 1.0}}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online}
  partner:
    kind: smtp
    certificate: {subject: mail.fabrikam.com, issuer: ca}
    accept_from: {nodes: [eop], sender_domains: [contoso.com], require_tls: true}
traffic:
  - {name: contoso, from: eop, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h}
  - {name: others, from: internet, sender_domain: example.net, to: fabrikam.com, rate: 30/h}
  - {name: spoofed, from: internet, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h}
"#;
    let s = run(&load(yaml), 4);
    assert_conserved(&s);
    let t = &s.traffic;
    assert_eq!(t["contoso"].delivered, t["contoso"].generated);
    assert_eq!(t["others"].delivered, t["others"].generated, "unaffected");
    assert_eq!(t["spoofed"].delivered, 0);
    assert_eq!(t["spoofed"].ndr, t["spoofed"].generated);
    assert_eq!(s.ndr_by_code["550 5.7.1"], t["spoofed"].generated);
}

#[test]
fn exchange_online_rejects_unknown_recipients_at_the_edge_before_filtering() {
    let yaml = r#"
name: edge
duration: 2d
domains:
  contoso.com: {mx: eop, mailboxes: {eop: 1.0}, unknown_recipients: 0.5}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop:
    kind: exchange_online
    accepted_domains: {contoso.com: authoritative}
    spam_filter: {quarantine: 0.5}
traffic:
  - {name: inbound, from: internet, sender_domain: example.net, to: contoso.com, rate: 200/h}
"#;
    let s = run(&load(yaml), 5);
    assert_conserved(&s);
    let g = s.messages.generated as f64;
    let ndr = s.messages.ndr as f64 / g;
    let quarantined = s.messages.quarantined as f64 / g;
    // 50 % unknown rejected first; half of the rest quarantined: 50 % / 25 % (not 23 % / 50 %).
    assert!((ndr - 0.5).abs() < 0.03, "NDR share {ndr}");
    assert!(
        (quarantined - 0.25).abs() < 0.03,
        "quarantined {quarantined}"
    );
    // Rejected in the session: the sending server writes the NDRs, Exchange Online none.
    assert_eq!(s.nodes["eop"].ndr, 0);
    assert_eq!(s.nodes["internet"].ndr, s.messages.ndr);
    assert_eq!(s.ndr_by_code["550 5.4.1"], s.messages.ndr);
}

#[test]
fn ndrs_are_not_matched_by_sender_rules_and_route_like_other_mail() {
    let yaml = r#"
name: ndr-rules
duration: 1d
domains:
  contoso.com: {mx: eop, mailboxes: {onprem: 1.0}, unknown_recipients: 0.2}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: authoritative}}
  dlp: {kind: gateway}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}
  - {name: onprem-out, from: onprem, to: eop, domains: ["*"]}
  - {name: eop-to-dlp, from: eop, to: dlp, domains: ["*"], rule_scoped: true}
rules:
  - {name: every-sender-via-dlp, at: eop, when: {sender_domain: "*", recipient_domain: example.net}, route_via: eop-to-dlp}
traffic:
  - {name: inbound, from: internet, sender_domain: example.net, to: contoso.com, rate: 60/h}
  - {name: outbound, from: onprem, sender_domain: contoso.com, to: example.net, rate: 10/h}
"#;
    let s = run(&load(yaml), 6);
    assert_conserved(&s);
    // Unknown recipients: on-prem writes the NDRs, sends them out through eop, and they go
    // straight to the internet: the sender rule does not catch a null reverse-path.
    assert!(s.ndr_traffic.sent > 100, "{:?}", s.ndr_traffic);
    assert_eq!(s.ndr_traffic.delivered, s.ndr_traffic.sent);
    let dlp = &s.connectors["eop-to-dlp"];
    assert_eq!(
        dlp.delivered, s.traffic["outbound"].generated,
        "only real senders"
    );
    assert_eq!(
        s.connectors["onprem-out"].delivered,
        s.traffic["outbound"].generated + s.ndr_traffic.sent
    );
}

fn smart_host(faults: &str) -> String {
    format!(
        r#"
name: smarthost
duration: 6h
domains:
  example.net: {{mx: internet, mailboxes: {{internet: 1.0}}}}
  contoso.com: {{mx: eop, mailboxes: {{eop: 1.0}}}}
nodes:
  internet: {{kind: internet}}
  eop: {{kind: exchange_online}}
  relay: {{kind: gateway}}
connectors:
  - name: eop-via-relay
    from: eop
    to: relay
    smart_host: {{name: relay.contoso.net, ttl: 5m}}
    domains: ["*"]
  - {{name: relay-out, from: relay, to: mx, domains: ["*"]}}
traffic:
  - {{name: out, from: eop, sender_domain: contoso.com, to: example.net, rate: 60/h}}
faults: {faults}
"#
    )
}

#[test]
fn a_smart_host_is_resolved_by_name_and_its_dns_failure_is_4_4_312() {
    let ok = run(&load(&smart_host("[]")), 7);
    assert_eq!(ok.messages.delivered, ok.messages.generated);
    assert_eq!(
        ok.connectors["eop-via-relay"].delivered,
        ok.messages.generated
    );
    let sc = load(&smart_host(
        "[{kind: dns_failure, domain: relay.contoso.net, at: 1h, for: 1h}]",
    ));
    let (s, log) = run_logged(&sc, 7, &[]);
    assert_conserved(&s);
    assert_eq!(attempt_codes(&log), ["450 4.4.312"]);
    assert!(!s.connectors["eop-via-relay"].deferrals_by_code.is_empty());
    // The failure lasts the fault (plus the cached answers): mail is delivered afterwards.
    assert_eq!(s.messages.delivered, s.messages.generated);
    let last = failures(&log).last().unwrap().0;
    assert!(last.as_secs_f64() < 2.0 * 3600.0 + 600.0, "{last:?}");
}

#[test]
fn inbound_centralised_transport_sends_cloud_recipients_through_on_premises_first() {
    let yaml = r#"
name: central
duration: 6h
domains:
  contoso.com: {mx: eop, mailboxes: {eop: 1.0}}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: authoritative}}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com], centralized_transport: true}
  - {name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com], mailboxes_on: [eop]}
traffic:
  - {name: inbound, from: internet, sender_domain: example.net, to: contoso.com, rate: 60/h}
  - {name: internal, from: eop, sender_domain: contoso.com, to: contoso.com, rate: 60/h}
"#;
    let sc = load(yaml);
    let n = |name: &str| sc.node_by_name(name).unwrap();
    let d = sc.domain_by_name("contoso.com").unwrap().index();
    let hops = trace(&sc, n("internet"), d, Some(n("eop")), SimTime::ZERO);
    let path: Vec<&str> = hops.iter().map(|h| h.node.as_str()).collect();
    assert_eq!(path, ["internet", "eop", "onprem", "eop"], "{hops:?}");
    let s = run(&sc, 8);
    assert_conserved(&s);
    assert_eq!(s.messages.delivered, s.messages.generated);
    // Internet mail takes the detour; mail sent inside the cloud does not.
    assert_eq!(
        s.connectors["eop-to-onprem"].delivered,
        s.traffic["inbound"].generated
    );
    assert_eq!(
        s.connectors["onprem-to-eop"].delivered,
        s.traffic["inbound"].generated
    );
}

/// The decommission story, small: unknown recipients queue at EOP behind a refused on-prem.
fn decommission(changes: &str) -> String {
    format!(
        r#"
name: small-decommission
duration: 2d
domains:
  contoso.com: {{mx: eop, mailboxes: {{eop: 1.0}}, unknown_recipients: 0.1}}
  "*": {{mx: internet, mailboxes: {{internet: 1.0}}}}
nodes:
  internet: {{kind: internet}}
  eop: {{kind: exchange_online, accepted_domains: {{contoso.com: internal_relay}}}}
  onprem: {{kind: exchange_server, accepted_domains: {{contoso.com: authoritative}}}}
connectors:
  - {{name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}}
traffic:
  - {{name: inbound, from: internet, sender_domain: example.net, to: contoso.com, rate: 100/h}}
faults:
  - {{kind: firewall_block, node: onprem, at: 1h}}
changes: {changes}
"#
    )
}

#[test]
fn fix_now_lands_within_its_propagation_window_and_returns_the_backlog_at_once() {
    let change = "[{kind: accepted_domain, at: 30h, node: eop, domain: contoso.com, type: authoritative, propagation: 30m..1h}]";
    let sc = load(&decommission(change));
    let s = run(&sc, 9);
    assert_conserved(&s);
    let c = &s.changes[0];
    let landed = c.landed_s.unwrap();
    assert!(
        (30.5 * 3600.0..=31.0 * 3600.0).contains(&landed),
        "landed at {landed}"
    );
    // About 10 unknown recipients an hour queued since 6h (older ones expired at 24h): ~240.
    assert!(c.queued > 150, "{c:?}");
    assert_eq!(
        c.queued,
        c.delivered + c.ndr_at_once + c.ndr_later + c.quarantined + c.in_flight
    );
    assert!(c.ndr_at_once > c.queued * 3 / 4, "{c:?}");
    assert_eq!(c.in_flight, 0);
    // Expiries before the fix, 550 5.4.1 at once and at the edge after it.
    assert!(s.ndr_by_code["550 4.4.7"] > 0 && s.ndr_by_code["550 5.4.1"] > c.ndr_at_once);
    assert!(s.messages.in_flight < 5);
    // Without the fix the backlog is still queued at the end.
    let none = run(&load(&decommission("[]")), 9);
    assert!(none.messages.in_flight > 150);
    // The time series shows the queue emptied within the window.
    let same = run(&sc, 9);
    assert_eq!(
        serde_json::to_string(&same.changes).unwrap(),
        serde_json::to_string(&s.changes).unwrap(),
        "the landing time is drawn from the seed"
    );
}

#[test]
fn disabling_a_connector_or_renewing_a_certificate_re_evaluates_the_queue() {
    // Disable the leftover connector: with internal_relay and no connector, EOP has nowhere to
    // relay unknown recipients, so they are returned.
    let disable =
        "[{kind: connector, at: 10h, connector: eop-to-onprem, enabled: false, propagation: 30m}]";
    let s = run(&load(&decommission(disable)), 10);
    assert_conserved(&s);
    let c = &s.changes[0];
    assert_eq!(c.landed_s, Some(10.5 * 3600.0));
    assert!(c.queued > 50 && c.ndr_at_once == c.queued, "{c:?}");
    // Renew an expired partner certificate: the waiting messages are delivered.
    let yaml = partner("domain", "issuer: ca, not_after: 1h", "").replace(
        "traffic:",
        "changes:\n  - {kind: certificate, at: 3h, node: partner, subject: mail.fabrikam.com, issuer: ca, propagation: 10m}\ntraffic:",
    );
    let s = run(&load(&yaml), 11);
    assert_conserved(&s);
    let c = &s.changes[0];
    assert!(c.queued > 20, "{c:?}");
    assert_eq!(c.delivered, c.queued, "{c:?}");
    assert_eq!(s.messages.delivered, s.messages.generated);
}

#[test]
fn a_bad_change_is_a_located_error() {
    let bad = "[{kind: connector, at: 1h, connector: eop-to-onprem}]";
    let e = mailflow::scenario::load_str(&decommission(bad), "t.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.yaml:") && e.contains("needs `enabled` or `to`"),
        "{e}"
    );
    let bad = "[{kind: accepted_domain, at: 1h, node: eop, domain: contoso.com, type: relay}]";
    let e = mailflow::scenario::load_str(&decommission(bad), "t.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown accepted-domain type `relay`"), "{e}");
    let bad = "[{kind: rule, at: 3d, rule: x, enabled: false}]";
    let e = mailflow::scenario::load_str(&decommission(bad), "t.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("after the run ends"), "{e}");
}

fn dns(domain: &str, faults: &str) -> String {
    format!(
        r#"
name: dns
duration: 4h
domains:
{domain}
  contoso.com: {{mx: eop, mailboxes: {{eop: 1.0}}}}
nodes:
  eop: {{kind: exchange_online}}
  onprem: {{kind: exchange_server}}
  partner: {{kind: smtp}}
traffic:
  - {{name: cloud, from: eop, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h}}
  - {{name: onprem, from: onprem, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h}}
faults: {faults}
"#
    )
}

#[test]
fn implicit_mx_null_mx_and_nxdomain_follow_the_rfcs() {
    // No MX, an address record: delivered to it (implicit MX).
    let s = run(
        &load(&dns(
            "  fabrikam.com: {mx: [], a: partner, mailboxes: {partner: 1.0}}",
            "[]",
        )),
        12,
    );
    assert_eq!(s.messages.delivered, s.messages.generated);
    // Null MX: returned at once, 556 5.1.10 (RFC 7505).
    let s = run(
        &load(&dns(
            "  fabrikam.com: {mx: \".\", mailboxes: {partner: 1.0}}",
            "[]",
        )),
        12,
    );
    assert_eq!(s.ndr_by_code["556 5.1.10"], s.messages.generated);
    // NXDOMAIN: permanent, in each sender's words; Exchange Online writes 5.4.310.
    let s = run(
        &load(&dns(
            "  fabrikam.com: {nxdomain: true, mailboxes: {partner: 1.0}}",
            "[]",
        )),
        12,
    );
    assert_eq!(s.messages.ndr, s.messages.generated);
    assert_eq!(s.ndr_by_code["550 5.4.310"], s.traffic["cloud"].generated);
    assert_eq!(s.messages.in_flight, 0);
}

#[test]
fn message_size_limits_return_big_messages_with_5_3_4() {
    let yaml = r#"
name: sizes
duration: 6h
domains:
  fabrikam.com: {mx: partner, mailboxes: {partner: 1.0}}
  contoso.com: {mx: onprem, mailboxes: {onprem: 1.0}}
nodes:
  onprem: {kind: exchange_server, max_message_size: unlimited}
  partner: {kind: smtp, max_message_size: 5MB}
traffic:
  - {name: small, from: onprem, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h, size: {fixed: 1MB}}
  - {name: big, from: onprem, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h, size: {fixed: 8MB}}
"#;
    let s = run(&load(yaml), 13);
    assert_conserved(&s);
    assert_eq!(s.traffic["small"].delivered, s.traffic["small"].generated);
    assert_eq!(s.traffic["big"].ndr, s.traffic["big"].generated);
    assert_eq!(s.ndr_by_code["552 5.3.4"], s.traffic["big"].generated);
    // The default Exchange Server limit (10 MB) applies where none is set.
    let yaml = yaml
        .replace(", max_message_size: unlimited", "")
        .replace("5MB", "unlimited")
        .replace("8MB", "12MB");
    let s = run(&load(&yaml), 13);
    assert_eq!(s.traffic["big"].ndr, s.traffic["big"].generated);
}

#[test]
fn an_external_relay_domain_is_never_delivered_locally() {
    let yaml = r#"
name: external-relay
duration: 4h
domains:
  contoso.com: {mx: onprem, mailboxes: {hosted: 1.0}, unknown_recipients: 0.2}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: external_relay}}
  hosted: {kind: smtp, accepted_domains: {contoso.com: authoritative}}
connectors:
  - {name: onprem-to-hosted, from: onprem, to: hosted, domains: [contoso.com]}
traffic:
  - {name: inbound, from: internet, sender_domain: example.net, to: contoso.com, rate: 60/h}
"#;
    let s = run(&load(yaml), 14);
    assert_conserved(&s);
    // Every recipient, unknown ones included, is passed on: the hosted system decides.
    assert_eq!(s.nodes["onprem"].delivered, 0);
    assert_eq!(s.nodes["onprem"].ndr, 0);
    assert_eq!(
        s.connectors["onprem-to-hosted"].delivered,
        s.messages.generated
    );
    assert!(s.nodes["hosted"].ndr > 0);
    // Mailboxes on the external-relay node itself are never delivered there: a warning.
    let w = warnings(&yaml.replace(
        "mailboxes: {hosted: 1.0}",
        "mailboxes: {hosted: 0.5, onprem: 0.5}",
    ));
    assert!(
        w.iter()
            .any(|w| w.contains("external_relay") && w.contains("onprem")),
        "{w:#?}"
    );
    // Exchange Online has no External Relay type: a located error.
    let bad = yaml.replace(
        "kind: exchange_server, accepted",
        "kind: exchange_online, accepted",
    );
    let e = mailflow::scenario::load_str(&bad, "t.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("External Relay"), "{e}");
}

fn policy(domain_keys: &str, partner_keys: &str, faults: &str) -> String {
    format!(
        r#"
name: policies
duration: 4h
domains:
  fabrikam.com: {{mx: partner, mailboxes: {{partner: 1.0}}, {domain_keys}}}
  contoso.com: {{mx: eop, mailboxes: {{eop: 1.0}}}}
nodes:
  eop: {{kind: exchange_online}}
  onprem: {{kind: exchange_server}}
  partner: {{kind: smtp, {partner_keys}}}
traffic:
  - {{name: cloud, from: eop, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h}}
  - {{name: onprem, from: onprem, sender_domain: contoso.com, to: fabrikam.com, rate: 30/h}}
faults: {faults}
"#
    )
}

#[test]
fn exchange_online_enforces_dane_and_mta_sts_with_the_4_7_32x_codes() {
    let good = "certificate: {subject: mail.fabrikam.com, issuer: ca}";
    let cases = [
        ("mta_sts: enforce", "workers: 8", "[]", "450 4.7.321"),
        (
            "mta_sts: enforce",
            "certificate: {subject: mail.fabrikam.com, issuer: ca, not_after: 0s}",
            "[]",
            "450 4.7.322",
        ),
        (
            "dane: true",
            good,
            "[{kind: tlsa_mismatch, node: partner, at: 0s}]",
            "450 4.7.323",
        ),
        (
            "dane: true",
            good,
            "[{kind: dnssec_failure, domain: fabrikam.com, at: 0s}]",
            "450 4.7.324",
        ),
        (
            "mta_sts: enforce",
            good,
            "[{kind: certificate_mismatch, node: partner, at: 0s}]",
            "450 4.7.325",
        ),
    ];
    for (domain, partner, faults, code) in cases {
        let (s, log) = run_logged(&load(&policy(domain, partner, faults)), 15, &[]);
        assert_conserved(&s);
        assert_eq!(attempt_codes(&log), [code], "{domain} {partner} {faults}");
        assert_eq!(s.traffic["cloud"].delivered, 0, "{code}");
        // An on-premises Exchange server applies neither policy.
        assert_eq!(
            s.traffic["onprem"].delivered, s.traffic["onprem"].generated,
            "{code}"
        );
    }
    // `testing` only reports.
    let s = run(&load(&policy("mta_sts: testing", "workers: 8", "[]")), 15);
    assert_eq!(s.messages.delivered, s.messages.generated);
}

#[test]
fn validate_traces_unknown_recipients_and_checks_tls_domain_against_every_kind() {
    let loop_yaml = r#"
name: relay-loop
duration: 1h
domains:
  contoso.com: {mx: eop, mailboxes: {eop: 0.5, onprem: 0.5}}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: internal_relay}}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}
  - {name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com]}
traffic:
  - {name: inbound, from: internet, sender_domain: example.net, to: contoso.com, rate: 1/h}
"#;
    let w = warnings(loop_yaml);
    assert!(
        w.iter().any(|w| w.contains("unknown recipient")
            && w.contains("loops")
            && w.contains("authoritative")),
        "{w:#?}"
    );
    let fixed = loop_yaml.replace(
        "onprem: {kind: exchange_server, accepted_domains: {contoso.com: internal_relay}}",
        "onprem: {kind: exchange_server, accepted_domains: {contoso.com: authoritative}}",
    );
    assert!(warnings(&fixed).is_empty(), "{:#?}", warnings(&fixed));
    // A wrong tls_domain towards Exchange Online no longer passes.
    let wrong = fixed.replace(
        "{name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com]}",
        "{name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com], mailboxes_on: [eop], tls: {mode: required, validate: domain, tls_domain: mail.contoso.com}}",
    );
    let w = warnings(&wrong.replace("rate: 1/h}", "rate: 1/h}\n  - {name: up, from: onprem, sender_domain: contoso.com, to: contoso.com, rate: 1/h}"));
    assert!(
        w.iter()
            .any(|w| w.contains("4.7.") || w.contains("certificate")),
        "{w:#?}"
    );
}

#[test]
fn shipped_stories_hold_partner_mail_from_the_internet_and_fix_now() {
    let s = run(
        &load_file("scenarios/partner-tls.yaml", &["duration=1d", "warmup=0s"]),
        7,
    );
    let t = &s.traffic["internet-to-partner"];
    assert!(t.generated > 10_000);
    assert_eq!(t.delivered, t.generated, "accept_from does not touch it");
    let s = run(&load_file("scenarios/fix-now.yaml", &[]), 7);
    let c = &s.changes[0];
    assert!(c.ndr_at_once > 4_000 && c.in_flight == 0, "{c:?}");
    assert!(s.messages.in_flight < 10);
}

fn backlog(alerts: &str) -> String {
    format!(
        r#"
name: backlog
duration: 6h
domains:
  fabrikam.com: {{mx: partner, mailboxes: {{partner: 1.0}}}}
  contoso.com: {{mx: onprem, mailboxes: {{onprem: 1.0}}}}
nodes:
  onprem: {{kind: exchange_server, max_connections_per_destination: 1}}
  partner: {{kind: smtp}}
connectors:
  - {{name: to-partner, from: onprem, to: partner, domains: [fabrikam.com], latency: {{fixed: 2s}}}}
traffic:
  - {{name: out, from: onprem, sender_domain: contoso.com, to: fabrikam.com, rate: 2400/h}}
{alerts}
"#
    )
}

#[test]
fn a_backlog_without_deferrals_raises_the_queued_volume_alert() {
    // One session carrying a message every 2 s or more, 0.67/s arriving: the queue grows
    // without a single deferral.
    let s = run(&load(&backlog("")), 16);
    assert!(s.connectors["to-partner"].deferrals_by_code.is_empty());
    let a: Vec<_> = s.alerts.iter().filter(|a| a.code == "delayed").collect();
    assert_eq!(a.len(), 1, "{:?}", s.alerts);
    assert_eq!(a[0].connector, "to-partner");
    assert_eq!(a[0].peak_queued, s.connectors["to-partner"].peak_queue);
    assert!(a[0].peak_queued > 1000);
    // Over 1 h: the queue is hours deep by the end.
    assert!(a[0].queued_over.unwrap() > 500, "{:?}", a[0]);
    // Configurable: a threshold above the peak raises nothing.
    let s = run(
        &load(&backlog("alerts: {queued: 100000, queued_over: 1d}")),
        16,
    );
    assert!(
        s.alerts.iter().all(|a| a.code != "delayed"),
        "{:?}",
        s.alerts
    );
}
