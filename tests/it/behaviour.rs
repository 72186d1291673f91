//! Stories of mail flow: retry schedules, expiry, routing steps and every fault kind.

use crate::common::*;
use mailflow::sim::{LogEntry, SimDuration, SimTime};

/// A hybrid base: internet → EOP (MX) → on-prem over a forced-TLS connector. `{retry}` is EOP's
/// retry policy, `{faults}` the faults, `{rate}` the inbound rate.
fn hybrid(retry: &str, faults: &str, rate: &str, extra_node_keys: &str) -> String {
    format!(
        r#"
name: hybrid
duration: 1d
seed: 3
domains:
  contoso.com:
    mx: eop
    ttl: 1h
    mailboxes: {{onprem: 1.0}}
  "*":
    mx: internet
    mailboxes: {{internet: 1.0}}
nodes:
  internet: {{kind: internet}}
  eop:
    kind: exchange_online
    accepted_domains: {{contoso.com: internal_relay}}
    retry: {retry}
  onprem:
    kind: exchange_server
    accepted_domains: {{contoso.com: authoritative}}
    certificate: {{subject: mail.contoso.com, issuer: ca}}
{extra_node_keys}
connectors:
  - name: eop-to-onprem
    from: eop
    to: onprem
    domains: [contoso.com]
    tls: {{mode: required, validate: domain, tls_domain: mail.contoso.com}}
traffic:
  - name: inbound
    from: internet
    to: contoso.com
    rate: {rate}
faults: {faults}
"#
    )
}

/// Times of the failed attempts of the message injected at `at`, as offsets from the first.
fn attempt_offsets(log: &[LogEntry]) -> Vec<u64> {
    let f = failures(log);
    let first = f[0].0;
    f.iter().map(|(t, _)| (t.0 - first.0) / 1_000_000).collect()
}

#[test]
fn exchange_online_retries_at_15m_30m_1h30m_then_hourly_and_expires_after_24h() {
    let yaml = hybrid(
        "exchange_online",
        "[{kind: firewall_block, node: onprem}]",
        "0.000001/s",
        "",
    )
    .replace("duration: 1d", "duration: 2d");
    let sc = load(&yaml);
    let (_, log) = run_logged(&sc, 1, &[(0, SimDuration::ZERO)]);
    let offs = attempt_offsets(&log);
    assert_eq!(
        &offs[..5],
        &[0, 900, 1800, 5400, 9000],
        "first attempts: {offs:?}"
    );
    assert!(
        offs.windows(2).skip(2).all(|w| w[1] - w[0] == 3600),
        "hourly after: {offs:?}"
    );
    let ndr: Vec<_> = log
        .iter()
        .filter_map(|l| match l {
            LogEntry::Ndr {
                time,
                code,
                created,
                ..
            } => Some((*time - *created, code.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(ndr.len(), 1);
    assert!(ndr[0].1.starts_with("550 4.4.7"), "{ndr:?}");
    let age = ndr[0].0.as_secs_f64() / 3600.0;
    assert!(
        (24.0..25.0).contains(&age),
        "expired at age {age} h: first queue check after 24 h"
    );
}

#[test]
fn exchange_server_retries_four_times_a_minute_six_times_five_minutes_then_every_ten() {
    let yaml = hybrid(
        "exchange_server",
        "[{kind: firewall_block, node: onprem}]",
        "0.000001/s",
        "",
    );
    let sc = load(&yaml);
    let (_, log) = run_logged(&sc, 1, &[(0, SimDuration::ZERO)]);
    let offs = attempt_offsets(&log);
    let gaps: Vec<u64> = offs
        .windows(2)
        .map(|w| (w[1] - w[0]) / 60)
        .take(13)
        .collect();
    assert_eq!(
        gaps,
        [1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 10, 10, 10],
        "minutes between attempts"
    );
}

#[test]
fn postfix_waits_the_message_age_clamped_to_300_4000s_on_300s_queue_runs() {
    let yaml = hybrid(
        "postfix",
        "[{kind: firewall_block, node: onprem}]",
        "0.000001/s",
        "",
    );
    let sc = load(&yaml);
    let (_, log) = run_logged(&sc, 1, &[(0, SimDuration::ZERO)]);
    let f = failures(&log);
    assert!(f.len() >= 12, "{} attempts", f.len());
    // Every later attempt is on the deferred-queue scan grid (300 s, at the node's phase).
    let scan = f[1].0.as_secs_f64();
    for w in f.windows(2).take(12) {
        let (t0, t1) = (w[0].0.as_secs_f64(), w[1].0.as_secs_f64());
        let wait = t0.clamp(300.0, 4000.0); // the message was created at ~0: age = t0
        assert!(
            t1 - t0 >= wait - 1.0 && t1 - t0 < wait + 300.0 + 1.0,
            "{t0} → {t1}, wait {wait}"
        );
        let off = (t1 - scan).rem_euclid(300.0);
        assert!(
            !(1.0..=299.0).contains(&off),
            "attempts on queue runs: {t1}"
        );
    }
}

#[test]
fn expiry_ndrs_come_after_each_senders_lifetime_never_before() {
    for (retry, hours_min, hours_max) in [
        ("exchange_online", 24.0, 25.0),
        ("exchange_server", 48.0, 48.2),
        ("postfix", 120.0, 121.2),
    ] {
        let yaml = hybrid(
            retry,
            "[{kind: firewall_block, node: onprem, at: 1h}]",
            "20/h",
            "",
        )
        .replace("duration: 1d", "duration: 6d");
        let sc = load(&yaml);
        let (s, log) = run_logged(&sc, 2, &[]);
        let ages: Vec<f64> = log
            .iter()
            .filter_map(|l| match l {
                LogEntry::Ndr {
                    time,
                    created,
                    code,
                    ..
                } if code.contains("4.7") => Some((*time - *created).as_secs_f64() / 3600.0),
                _ => None,
            })
            .collect();
        assert!(ages.len() > 50, "{retry}: NDRs {}", ages.len());
        let min = ages.iter().cloned().fold(f64::MAX, f64::min);
        let max = ages.iter().cloned().fold(0.0, f64::max);
        assert!(
            min >= hours_min && max < hours_max,
            "{retry}: NDR ages {min:.2}..{max:.2} h"
        );
        let code = if retry == "postfix" {
            "550 5.4.7"
        } else {
            "550 4.4.7"
        };
        assert!(
            s.ndr_by_code.contains_key(code),
            "{retry}: {:?}",
            s.ndr_by_code
        );
        assert_conserved(&s);
    }
}

/// Each fault kind: its code on the right connector, only inside its window, and the queue
/// drains afterwards.
#[test]
fn each_fault_kind_defers_with_its_documented_code_only_inside_its_window() {
    let window = "at: 4h, for: 4h";
    let cases = [
        (
            format!("{{kind: server_down, node: onprem, {window}}}"),
            "450 4.4.315",
        ),
        (
            format!("{{kind: firewall_block, node: onprem, sources: [eop], {window}}}"),
            "450 4.4.316",
        ),
        (
            format!("{{kind: service_unavailable, node: onprem, {window}}}"),
            "450 4.4.317",
        ),
        (
            format!("{{kind: tls_unavailable, node: onprem, {window}}}"),
            "450 4.4.317",
        ),
        (
            format!("{{kind: connection_drop, node: onprem, probability: 0.5, {window}}}"),
            "450 4.4.318",
        ),
        (
            format!("{{kind: certificate_expired, node: onprem, {window}}}"),
            "450 4.7.320",
        ),
        (
            format!("{{kind: certificate_mismatch, node: onprem, {window}}}"),
            "450 4.7.320",
        ),
        // The MX lookup fails at the internet's senders, who write Postfix's 4.4.3.
        (
            format!("{{kind: dns_failure, domain: contoso.com, {window}}}"),
            "4.4.3",
        ),
    ];
    for (fault, code) in cases {
        let sc = load(&hybrid(
            "exchange_online",
            &format!("[{fault}]"),
            "0.5/s",
            "",
        ));
        let (s, log) = run_logged(&sc, 4, &[]);
        let f = failures(&log);
        assert!(!f.is_empty(), "{fault}: no deferral");
        for (t, c) in &f {
            assert_eq!(c, code, "{fault}");
            // A connect timeout ends 30 s after the attempt started.
            let h = t.as_secs_f64() / 3600.0;
            assert!((4.0..8.01).contains(&h), "{fault}: deferral at {h:.3} h");
        }
        if code != "4.4.3" {
            let c = &s.connectors["eop-to-onprem"];
            assert!(
                c.deferrals_by_code.contains_key(code),
                "{fault}: {:?}",
                c.deferrals_by_code
            );
        }
        assert!(
            s.messages.in_flight < 20,
            "{fault}: the queue drains, in flight {}",
            s.messages.in_flight
        );
        assert_eq!(s.messages.ndr, 0, "{fault}: nothing expires in 4 h");
        assert_conserved(&s);
        if fault.contains("connection_drop") {
            assert!(s.duplicates > 0, "drops after the final dot duplicate mail");
        }
    }
}

#[test]
fn an_outage_raises_a_mail_flow_alert_with_the_fix() {
    let sc = load(&hybrid(
        "exchange_online",
        "[{kind: firewall_block, node: onprem, at: 4h, for: 4h}]",
        "0.5/s",
        "",
    ));
    let s = run(&sc, 4);
    let a = s
        .alerts
        .iter()
        .find(|a| a.code == "450 4.4.316")
        .expect("alert raised");
    assert_eq!(a.connector, "eop-to-onprem");
    assert!(a.peak_queued > 200, "{a:?}");
    assert!(
        (a.first_s / 3600.0 - 4.0).abs() < 0.01 && a.last_s / 3600.0 < 8.01,
        "{a:?}"
    );
    assert!(a.fix.contains("firewall"), "{}", a.fix);
}

#[test]
fn validate_none_still_delivers_through_an_expired_certificate() {
    let yaml = hybrid(
        "exchange_online",
        "[{kind: certificate_expired, node: onprem}]",
        "0.1/s",
        "",
    )
    .replace(
        "validate: domain, tls_domain: mail.contoso.com",
        "validate: none",
    );
    let s = run(&load(&yaml), 4);
    assert!(s.connectors["eop-to-onprem"].deferrals_by_code.is_empty());
    assert!(s.messages.delivered > 0);
}

#[test]
fn a_certificate_passing_its_not_after_defers_by_itself() {
    let yaml = hybrid("exchange_online", "[]", "0.1/s", "")
        .replace("issuer: ca}", "issuer: ca, not_after: 12h}");
    let (s, log) = run_logged(&load(&yaml), 4, &[]);
    let f = failures(&log);
    assert!(
        f.iter()
            .all(|(t, c)| c == "450 4.7.320" && t.as_secs_f64() >= 12.0 * 3600.0)
    );
    assert!(
        s.messages.in_flight > 1000,
        "mail queues from 12 h on: {}",
        s.messages.in_flight
    );
}

#[test]
fn a_slowdown_grows_the_queue_without_any_code() {
    let yaml = hybrid(
        "exchange_online",
        "[{kind: slowdown, node: onprem, factor: 50}]",
        "20/s",
        "",
    );
    let fast = run(&load(&hybrid("exchange_online", "[]", "20/s", "")), 4);
    let slow = run(&load(&yaml), 4);
    assert!(slow.nodes["onprem"].utilization > 5.0 * fast.nodes["onprem"].utilization);
    assert!(slow.latency_s.p99 > fast.latency_s.p99);
    assert!(
        slow.connectors["eop-to-onprem"]
            .deferrals_by_code
            .is_empty()
    );
}

#[test]
fn static_configuration_refuses_mail_without_any_fault() {
    // on-prem's firewall lets only the internet in: EOP is refused from the start.
    let fw = hybrid(
        "exchange_online",
        "[]",
        "0.1/s",
        "    firewall: {allow: [internet]}",
    );
    let s = run(&load(&fw), 4);
    assert!(
        s.connectors["eop-to-onprem"]
            .deferrals_by_code
            .contains_key("450 4.4.316")
    );
    // Forced TLS towards a node without a certificate.
    let no_cert = hybrid("exchange_online", "[]", "0.1/s", "").replace(
        "    certificate: {subject: mail.contoso.com, issuer: ca}\n",
        "",
    );
    let s = run(&load(&no_cert), 4);
    assert!(
        s.connectors["eop-to-onprem"]
            .deferrals_by_code
            .contains_key("450 4.4.317")
    );
    // A partner-style accept_from that does not list EOP: rejected, NDR'd at once.
    let partner = hybrid(
        "exchange_online",
        "[]",
        "0.1/s",
        "    accept_from: {nodes: [internet]}",
    );
    let s = run(&load(&partner), 4);
    assert_eq!(s.messages.delivered, 0);
    assert!(
        s.ndr_by_code.contains_key("550 5.7.1"),
        "{:?}",
        s.ndr_by_code
    );
}

#[test]
fn mx_change_is_followed_once_the_cached_answer_expires() {
    // MX moves from on-prem to EOP at 6 h with a 2 h TTL; on-prem refuses the internet from 6 h.
    let yaml = r#"
name: cutover
duration: 1d
domains:
  contoso.com: {mx: onprem, ttl: 2h, mailboxes: {onprem: 1.0}}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: authoritative}}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}
traffic:
  - {name: inbound, from: internet, to: contoso.com, rate: 0.2/s}
faults:
  - {kind: mx_change, domain: contoso.com, mx: eop, at: 6h}
  - {kind: firewall_block, node: onprem, sources: [internet], at: 6h}
"#;
    let (s, log) = run_logged(&load(yaml), 4, &[]);
    let direct: Vec<f64> = log
        .iter()
        .filter_map(|l| match l {
            LogEntry::Attempt {
                time,
                from,
                to: Some(to),
                ..
            } if from.0 == 0 && to.0 == 2 => Some(time.as_secs_f64() / 3600.0),
            _ => None,
        })
        .collect();
    let last_direct = direct.iter().cloned().fold(0.0, f64::max);
    assert!(
        last_direct < 6.0,
        "no delivery to the old host after the block: {last_direct}"
    );
    let refused: Vec<f64> = failures(&log)
        .iter()
        .map(|(t, _)| t.as_secs_f64() / 3600.0)
        .collect();
    // Deferrals only while the cached answer lives: TTL (2 h) + one postfix retry (≤ 4000 s + a queue run).
    let last = refused.iter().cloned().fold(0.0, f64::max);
    assert!(
        !refused.is_empty() && last <= 6.0 + 2.0 + 4300.0 / 3600.0,
        "last refusal at {last:.2} h"
    );
    assert!(s.messages.in_flight < 10);
}

#[test]
fn routing_follows_the_five_steps() {
    use mailflow::sim::trace::trace;
    let yaml = r#"
name: steps
duration: 1h
domains:
  contoso.com: {mx: [{host: eop, preference: 10}, {host: backup, preference: 20}], mailboxes: {exo: 0.5, onprem: 0.5}, unknown_recipients: 0.1}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: authoritative}}
  exo: {kind: exchange_online, accepted_domains: {contoso.com: authoritative}}
  backup: {kind: smtp, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: authoritative}}
  dlp: {kind: gateway}
connectors:
  - {name: eop-any, from: eop, to: exo, domains: ["*"]}
  - {name: eop-contoso, from: eop, to: exo, domains: [contoso.com]}
  - {name: eop-onprem, from: eop, to: onprem, domains: [contoso.com], mailboxes_on: [onprem]}
  - {name: eop-dlp, from: eop, to: dlp, domains: ["*"], rule_scoped: true}
  - {name: dlp-onprem, from: dlp, to: onprem, domains: [contoso.com]}
  - {name: backup-onprem, from: backup, to: onprem, domains: [contoso.com]}
rules:
  - {name: finance, at: eop, when: {tag: finance}, route_via: eop-dlp}
traffic:
  - {name: t, from: internet, to: contoso.com, rate: 1/h, tags: {finance: 0.1}}
"#;
    let sc = load(yaml);
    let n = |name: &str| sc.node_by_name(name).unwrap();
    let d = sc.domain_by_name("contoso.com").unwrap().index();
    let names = |hops: &[mailflow::sim::trace::TraceHop]| {
        hops.iter().map(|h| h.node.clone()).collect::<Vec<_>>()
    };
    // (5) MX by preference, (4) exact domain beats "*", (1) delivered at the mailbox.
    let h = trace(&sc, n("internet"), d, Some(n("exo")), SimTime::ZERO);
    assert_eq!(names(&h), ["internet", "eop", "exo"]);
    assert!(h[1].action.contains("eop-contoso"), "{h:?}");
    // (4) a mailboxes_on match beats none.
    let h = trace(&sc, n("internet"), d, Some(n("onprem")), SimTime::ZERO);
    assert!(h[1].action.contains("eop-onprem"), "{h:?}");
    // (2) unknown recipient at an authoritative node: 5.4.1 at Exchange Online.
    let h = trace(&sc, n("internet"), d, None, SimTime::ZERO);
    assert!(
        h[1].failure.as_deref().unwrap().starts_with("550 5.4.1"),
        "{h:?}"
    );
    // Next-MX fallback: eop down → backup (preference 20) in the same attempt.
    let mut down = sc.clone();
    down.faults.push(mailflow::model::Fault {
        kind: mailflow::model::FaultKind::ServerDown { node: n("eop") },
        at: SimTime::ZERO,
        until: None,
    });
    let h = trace(&down, n("internet"), d, Some(n("onprem")), SimTime::ZERO);
    assert_eq!(names(&h), ["internet", "backup", "onprem"], "{h:?}");
    // The internet's sender writes Postfix's wording for the timed-out first MX.
    assert!(
        h[0].detail
            .contains("4.4.1 connect to host: Connection timed out"),
        "{h:?}"
    );
    // (3) the rule routes tagged mail (10%) via the rule-scoped connector. With cloud mailboxes
    // it would loop eop → dlp → onprem → MX eop → dlp…, so every mailbox is on-prem here.
    let onprem_only = yaml
        .replace(
            "mailboxes: {exo: 0.5, onprem: 0.5}, unknown_recipients: 0.1",
            "mailboxes: {onprem: 1.0}",
        )
        .replace("rate: 1/h", "rate: 1/s");
    let busy = load(&onprem_only);
    let (s, log) = run_logged(&busy, 1, &[]);
    let via_dlp = log
        .iter()
        .filter(|l| matches!(l, LogEntry::Attempt { connector: Some(c), .. } if busy.connector(*c).name == "eop-dlp"))
        .count();
    let share = via_dlp as f64 / s.messages.generated as f64;
    assert!(
        (0.08..0.12).contains(&share),
        "10% tagged finance go via dlp: {share}"
    );
    assert_eq!(s.messages.ndr, 0);
}

#[test]
fn internal_relay_on_both_sides_loops_into_the_hop_count_ndr() {
    let yaml = r#"
name: loop
duration: 2h
domains:
  contoso.com: {mx: eop, mailboxes: {eop: 1.0}, unknown_recipients: 1.0}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: internal_relay}}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}
  - {name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com]}
traffic:
  - {name: t, from: internet, to: contoso.com, rate: 10/h}
"#;
    let s = run(&load(yaml), 1);
    assert!(s.messages.ndr > 0);
    let loops: u64 = s
        .ndr_by_code
        .iter()
        .filter(|(k, _)| k.contains("5.4.14") || k.contains("5.4.6"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(loops, s.messages.ndr, "{:?}", s.ndr_by_code);
    assert!(
        s.alerts.iter().any(|a| a.code.contains("5.4.")),
        "a loop alert: {:?}",
        s.alerts
    );
}

#[test]
fn a_node_that_does_not_accept_the_domain_refuses_to_relay() {
    let yaml = r#"
name: relay
duration: 2h
domains:
  contoso.com: {mx: gw, mailboxes: {onprem: 1.0}}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  gw: {kind: gateway}
  onprem: {kind: exchange_server}
traffic:
  - {name: t, from: internet, to: contoso.com, rate: 10/h}
"#;
    let s = run(&load(yaml), 1);
    assert_eq!(s.ndr_by_code.get("550 5.7.1"), Some(&s.messages.ndr));
    assert!(s.messages.ndr > 0);
}

#[test]
fn delay_notices_are_sent_once_per_message_after_four_hours() {
    let yaml = hybrid(
        "exchange_server",
        "[{kind: firewall_block, node: onprem, at: 1h, for: 6h}]",
        "10/h",
        "",
    );
    let s = run(&load(&yaml), 1);
    let notices = s.nodes["eop"].delay_notices;
    // Messages queued from 1 h to 7 h: those older than 4 h at some queue check (1 h..3 h ≈ 20).
    assert!(notices > 5 && notices < 40, "delay notices {notices}");
}

#[test]
fn ndrs_travel_back_to_the_sender_and_are_counted_apart() {
    let yaml = hybrid(
        "exchange_online",
        "[{kind: firewall_block, node: onprem, at: 1h}]",
        "20/h",
        "",
    )
    .replace("duration: 1d", "duration: 2d");
    let s = run(&load(&yaml), 1);
    assert!(s.messages.ndr > 0);
    assert_eq!(s.ndr_traffic.sent, s.messages.ndr);
    assert_eq!(
        s.ndr_traffic.delivered + s.ndr_traffic.dropped,
        s.ndr_traffic.sent
    );
    assert_conserved(&s);
}

#[test]
fn validate_warns_about_configuration_that_refuses_mail_naming_the_connector_and_fix() {
    let warnings = |yaml: &str| -> Vec<String> {
        let l = mailflow::scenario::load_str(yaml, "t.yaml", &[]).unwrap();
        l.warnings.iter().map(|w| format!("{w}")).collect()
    };
    let fw = warnings(&hybrid(
        "exchange_online",
        "[]",
        "0.1/s",
        "    firewall: {allow: [internet]}",
    ));
    assert!(
        fw.iter().any(|w| w.contains("eop-to-onprem")
            && w.contains("4.4.316")
            && w.contains("firewall.allow")),
        "{fw:#?}"
    );
    let no_cert = hybrid("exchange_online", "[]", "0.1/s", "").replace(
        "    certificate: {subject: mail.contoso.com, issuer: ca}\n",
        "",
    );
    let w = warnings(&no_cert);
    assert!(
        w.iter().any(|w| w.contains("eop-to-onprem")
            && w.contains("4.4.317")
            && w.contains("certificate")),
        "{w:#?}"
    );
    let partner = warnings(&hybrid(
        "exchange_online",
        "[]",
        "0.1/s",
        "    accept_from: {nodes: [internet]}",
    ));
    assert!(
        partner
            .iter()
            .any(|w| w.contains("550 5.7.1") && w.contains("t.yaml:")),
        "{partner:#?}"
    );
    let expiring = warnings(
        &hybrid("exchange_online", "[]", "0.1/s", "")
            .replace("issuer: ca}", "issuer: ca, not_after: 12h}"),
    );
    assert!(
        expiring
            .iter()
            .any(|w| w.contains("expires") && w.contains("eop-to-onprem") && w.contains("4.7.320")),
        "{expiring:#?}"
    );
    let clean = warnings(&hybrid("exchange_online", "[]", "0.1/s", ""));
    assert!(clean.is_empty(), "{clean:#?}");
}
