//! Capacity realism: the internet as many senders (an MX change ramps over one TTL, one failing
//! domain does not hold up others), receivers that push back, SMTP sessions that cost what they
//! cost, and messages with several recipients.

use crate::common::*;
use mailflow::model::NodeId;
use mailflow::sim::{Engine, LogEntry, SimTime};

/// Internet senders to contoso.com, whose MX moves from `old` to `new` at 2h (TTL 1h).
const CUTOVER: &str = r#"
name: cutover
duration: 5h
seed: 11
domains:
  contoso.com:
    mx: old
    ttl: 1h
    mailboxes: {old: 0.5, new: 0.5}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  old: {kind: smtp, workers: unlimited, service_time: {fixed: 0s}, accepted_domains: {contoso.com: authoritative}}
  new: {kind: smtp, workers: unlimited, service_time: {fixed: 0s}, accepted_domains: {contoso.com: authoritative}}
connectors:
  - {name: old-to-new, from: old, to: new, domains: [contoso.com], mailboxes_on: [new]}
  - {name: new-to-old, from: new, to: old, domains: [contoso.com], mailboxes_on: [old]}
traffic:
  - {name: inbound, from: internet, to: contoso.com, rate: 6000/h}
faults:
  - {kind: mx_change, domain: contoso.com, mx: new, at: 2h}
"#;

#[test]
fn an_mx_change_reaches_the_internet_senders_gradually_over_one_ttl() {
    let sc = load(CUTOVER);
    let mut e = Engine::new(&sc, 1);
    e.enable_log();
    e.run();
    let (internet, old, new) = (NodeId(0), NodeId(1), NodeId(2));
    // Share of the internet's handovers that went to the new MX, per 10 minutes.
    let mut bins = [(0u32, 0u32); 30];
    for l in e.log() {
        if let LogEntry::Attempt {
            time,
            from,
            to: Some(to),
            ..
        } = l
            && *from == internet
        {
            let b = (time.0 / 600_000_000) as usize;
            if b < bins.len() {
                if *to == new {
                    bins[b].1 += 1;
                } else if *to == old {
                    bins[b].0 += 1;
                }
            }
        }
    }
    let share = |b: usize| f64::from(bins[b].1) / f64::from(bins[b].0 + bins[b].1).max(1.0);
    for b in 0..12 {
        assert_eq!(share(b), 0.0, "before the change, bin {b}");
    }
    for b in 18..30 {
        assert_eq!(share(b), 1.0, "after change + TTL, bin {b}");
    }
    // Between the change and change + TTL both carry mail, the new one's share rising roughly
    // linearly: about 1/12, 3/12, … 11/12 in the six 10-minute bins.
    let ramp: Vec<f64> = (12..18).map(share).collect();
    for (i, s) in ramp.iter().enumerate() {
        let want = (2 * i + 1) as f64 / 12.0;
        assert!(
            (s - want).abs() < 0.2,
            "bin {i} of the TTL: {s:.2} vs {want:.2} ({ramp:?})"
        );
    }
    assert!(ramp.windows(2).all(|w| w[1] >= w[0] - 0.1), "{ramp:?}");
}

#[test]
fn one_failing_external_domain_does_not_delay_mail_to_the_others() {
    let yaml = r#"
name: two-domains
duration: 6h
seed: 2
domains:
  contoso.com: {mx: eop, mailboxes: {eop: 1.0}}
  broken.example: {mx: internet, mailboxes: {internet: 1.0}}
  fine.example: {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: authoritative}}
traffic:
  - {name: to-broken, from: eop, sender_domain: contoso.com, to: broken.example, rate: 5/m}
  - {name: to-fine, from: eop, sender_domain: contoso.com, to: fine.example, rate: 5/m}
faults:
  - {kind: dns_failure, domain: broken.example, at: 1h, for: 3h}
"#;
    let s = run(&load(yaml), 3);
    assert_conserved(&s);
    let broken = &s.traffic["to-broken"].latency_s;
    let fine = &s.traffic["to-fine"].latency_s;
    assert!(
        broken.max > 3600.0,
        "broken.example waited: max {}",
        broken.max
    );
    assert!(
        fine.max < 5.0,
        "fine.example was held up: max {} s",
        fine.max
    );
    assert!(
        s.connectors.is_empty() && s.nodes["eop"].deferrals > 0,
        "EOP deferred the broken domain's mail"
    );
}

/// EOP relaying `rate` to an on-premises Exchange server over a connector; `faults` on it.
fn eop_to_onprem(rate: &str, duration: &str, faults: &str, extra: &str) -> String {
    format!(
        r#"
name: eop-onprem
duration: {duration}
sample_every: 1m
seed: 4
domains:
  contoso.com: {{mx: eop, mailboxes: {{onprem: 1.0}}}}
  "*": {{mx: internet, mailboxes: {{internet: 1.0}}}}
nodes:
  internet: {{kind: internet}}
  eop: {{kind: exchange_online, accepted_domains: {{contoso.com: internal_relay}}}}
  onprem: {{kind: exchange_server, workers: 16, service_time: {{exponential: {{mean: 50ms}}}}, accepted_domains: {{contoso.com: authoritative}}{extra}}}
connectors:
  - {{name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com], rtt: 10ms}}
traffic:
  - {{name: inbound, from: internet, to: contoso.com, rate: {rate}}}
faults: {faults}
"#
    )
}

#[test]
fn a_slowed_onprem_server_pushes_back_and_eop_holds_the_backlog() {
    // Service time × 20 for 2 h at 20 msg/s: 16 workers at 1 s each serve 16/s.
    let sc = load(&eop_to_onprem(
        "20/s",
        "4h",
        "[{kind: slowdown, node: onprem, factor: 20, at: 30m, for: 2h}]",
        "",
    ));
    let s = run(&sc, 1);
    assert_conserved(&s);
    let onprem = s.nodes["onprem"].peak_queue;
    assert!(
        (9_000..=16_000).contains(&onprem),
        "on-prem's queue stays near its back-pressure thresholds: peak {onprem}"
    );
    let eop = s.nodes["eop"].peak_queue;
    assert!(eop > 5_000, "EOP holds the rest: peak {eop}");
    let c = &s.connectors["eop-to-onprem"];
    assert!(
        c.deferrals_by_code.contains_key("452 4.3.1"),
        "EOP records the back-pressure code: {:?}",
        c.deferrals_by_code
    );
    assert!(
        s.alerts
            .iter()
            .any(|a| a.connector == "eop-to-onprem" && a.code == "452 4.3.1"),
        "an alert names the connector: {:?}",
        s.alerts
    );
}

#[test]
fn after_an_outage_behind_internet_senders_the_backlog_arrives_over_tens_of_minutes() {
    let yaml = r#"
name: outage
duration: 10h
sample_every: 1m
seed: 9
domains:
  contoso.com: {mx: onprem, mailboxes: {onprem: 1.0}}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  onprem: {kind: exchange_server, workers: 32, accepted_domains: {contoso.com: authoritative}, inbound: {max_connections: 200}}
traffic:
  - {name: inbound, from: internet, to: contoso.com, rate: 5/s}
faults:
  - {kind: server_down, node: onprem, at: 1h, for: 6h}
"#;
    let sc = load(yaml);
    let mut e = Engine::new(&sc, 2);
    e.enable_log();
    e.run();
    // Messages created during the outage, by the minute they reached on-prem after it.
    let end = 7.0 * 3600.0;
    let mut arrivals: Vec<f64> = e
        .log()
        .iter()
        .filter_map(|l| match l {
            LogEntry::Delivered { time, created, .. }
                if created.as_secs_f64() > 3600.0 && created.as_secs_f64() < end =>
            {
                Some(time.as_secs_f64() - end)
            }
            _ => None,
        })
        .collect();
    arrivals.sort_by(f64::total_cmp);
    let n = arrivals.len();
    assert!(n > 50_000, "{n} backlog messages");
    let q = |p: f64| arrivals[((n - 1) as f64 * p) as usize] / 60.0;
    assert!(
        q(0.5) > 3.0,
        "half the backlog arrived within {:.1} min",
        q(0.5)
    );
    assert!(q(0.9) > 15.0, "90% within {:.1} min", q(0.9));
    let s = mailflow::experiment::Summary::from_engine(&e, 0.0);
    assert_conserved(&s);
    assert!(
        s.nodes["onprem"].peak_queue < 20_000,
        "peak {}",
        s.nodes["onprem"].peak_queue
    );
}

/// One sender, one receiver, `n` messages of `size` queued at once, `sessions` connections.
fn drain(n: u32, size: &str, sessions: u32, rtt: &str) -> f64 {
    let yaml = format!(
        r#"
name: drain
duration: 2d
sample_every: 1m
domains:
  sink.test: {{mx: sink, mailboxes: {{sink: 1.0}}}}
nodes:
  mta: {{kind: smtp, workers: unlimited, max_message_size: unlimited, service_time: {{fixed: 0s}}, max_connections_per_destination: {sessions}, rtt: {rtt}, bandwidth: 100Mbit/s}}
  sink: {{kind: smtp, workers: unlimited, max_message_size: unlimited, service_time: {{fixed: 0s}}, inbound: {{max_connections: unlimited, max_connections_per_source: unlimited}}}}
traffic:
  - {{name: burst, from: mta, sender_domain: sink.test, to: sink.test, rate: 0.000001/s, size: {{fixed: {size}}}}}
"#
    );
    let sc = load(&yaml);
    let mut e = Engine::new(&sc, 1);
    e.enable_log();
    for _ in 0..n {
        e.inject(0, SimTime(1_000_000));
    }
    e.run();
    e.log()
        .iter()
        .filter_map(|l| match l {
            LogEntry::Delivered { time, .. } => Some(time.as_secs_f64() - 1.0),
            _ => None,
        })
        .fold(0.0, f64::max)
}

#[test]
fn a_big_message_takes_longer_on_the_wire_than_a_small_one() {
    let small = drain(1, "25KB", 1, "50ms");
    let big = drain(1, "25MB", 1, "50ms");
    // 25 MB at 100 Mbit/s is 2 s on the wire; 25 KB 2 ms; both pay the same round trips.
    assert!(
        big - small > 1.9 && big - small < 2.1,
        "{small} s vs {big} s"
    );
    assert!(
        small > 0.2 && small < 0.4,
        "3 + 4 + 2 round trips of 50 ms: {small} s"
    );
}

#[test]
fn a_drain_of_40000_messages_at_40_sessions_with_50ms_rtt_takes_minutes() {
    let t = drain(40_000, "75KB", 40, "50ms");
    // 1,000 messages per session × (2 round trips + 6 ms on the wire) ≈ 106 s.
    assert!(t > 90.0 && t < 200.0, "{t} s");
}

/// Multi-recipient mail from the internet to contoso.com, whose mailboxes are in EOP and
/// on-prem: EOP splits a message whose recipients are in both. `extra` adds sections.
fn split_scenario(duration: &str, seed: u64, extra: &str) -> String {
    format!(
        r#"
name: split
duration: {duration}
seed: {seed}
domains:
  contoso.com: {{mx: eop, mailboxes: {{eop: 0.6, onprem: 0.4}}, unknown_recipients: 0.01}}
  "*": {{mx: internet, mailboxes: {{internet: 1.0}}}}
nodes:
  internet: {{kind: internet}}
  eop: {{kind: exchange_online, accepted_domains: {{contoso.com: internal_relay}}}}
  onprem: {{kind: exchange_server, accepted_domains: {{contoso.com: authoritative}}}}
connectors:
  - {{name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}}
traffic:
  - {{name: inbound, from: internet, to: contoso.com, rate: 1/s, recipients: {{weights: {{1: 0.5, 3: 0.3, 10: 0.2}}}}}}
{extra}
"#
    )
}

#[test]
fn a_message_is_split_where_its_recipients_next_hops_differ_and_recipients_are_conserved() {
    let s = run(&load(&split_scenario("6h", 5, "")), 2);
    assert_conserved(&s);
    let m = &s.messages;
    let r = &s.recipients;
    // Mean 0.5 + 0.9 + 2 = 3.4 recipients per message.
    let per = r.generated as f64 / (m.generated - m.split) as f64;
    assert!((per - 3.4).abs() < 0.1, "{per} recipients per message");
    // Messages with cloud and on-prem recipients split at EOP: one copy each way.
    assert!(m.split > 1_000, "{} copies split off", m.split);
    // One transfer internet → EOP per message, not per recipient.
    let internet_to_eop = s.nodes["internet"].connection_attempts;
    assert!(
        internet_to_eop < m.generated - m.split + 100,
        "{internet_to_eop} connections for {} messages",
        m.generated - m.split
    );
    assert!(r.ndr > 0 && r.delivered > r.generated * 9 / 10);
}

#[test]
fn split_copies_have_their_own_fates_in_the_impact_and_the_ages_in_flight() {
    // Multi-recipient mail split at EOP, and on-prem down for the last two hours: copies are
    // delivered, NDR'd and still queued at the end. Each copy counts as a message everywhere.
    let faults = "faults:\n  - {kind: server_down, node: onprem, at: 6h, for: 3h}";
    let s = run(&load(&split_scenario("8h", 9, faults)), 2);
    assert_conserved(&s);
    let m = &s.messages;
    assert!(m.split > 1_000 && m.in_flight > 1_000, "{m:?}");
    let groups = s.impact.streams.iter().chain(s.impact.domains.iter());
    for (name, i) in groups.filter(|(_, i)| i.generated > 0) {
        assert_eq!(
            i.generated,
            i.delivered + i.ndr + i.quarantined + i.in_flight,
            "{name}: {i:?}"
        );
        assert!(
            i.affected <= i.generated && i.affected_share <= 1.0,
            "{name}: {i:?}"
        );
    }
    let inbound = &s.impact.streams["inbound"];
    assert_eq!(
        (inbound.generated, inbound.delivered, inbound.in_flight),
        (m.generated, m.delivered, m.in_flight)
    );
    // The ages in flight count the copies queued for on-prem, and they are at most 2 h old.
    let ages = &s.outcomes.in_flight_age_s;
    assert_eq!(ages.count, m.in_flight);
    assert!(ages.oldest <= 2.0 * 3600.0 + 60.0, "{ages:?}");
}

/// A sender of `kind` sending one message of `n` recipients to `receiver` (kind).
fn deliveries(sender: &str, receiver: &str, n: u32) -> (u64, u64) {
    let yaml = format!(
        r#"
name: limits
duration: 1h
domains:
  dest.test: {{mx: rx, mailboxes: {{rx: 1.0}}}}
  src.test: {{mx: tx, mailboxes: {{tx: 1.0}}}}
nodes:
  tx: {{kind: {sender}, workers: unlimited, service_time: {{fixed: 0s}}}}
  rx: {{kind: {receiver}, workers: unlimited, service_time: {{fixed: 0s}}, accepted_domains: {{dest.test: authoritative}}}}
connectors:
  - {{name: tx-to-rx, from: tx, to: rx, domains: [dest.test]}}
traffic:
  - {{name: one, from: tx, sender_domain: src.test, to: dest.test, rate: 0.000001/s, recipients: {n}}}
"#
    );
    let sc = load(&yaml);
    let mut e = Engine::new(&sc, 1);
    e.inject(0, SimTime(1_000_000));
    e.run();
    let s = mailflow::experiment::Summary::from_engine(&e, 0.0);
    assert_conserved(&s);
    assert_eq!(s.recipients.delivered, u64::from(n));
    (s.connectors["tx-to-rx"].delivered, s.messages.split)
}

#[test]
fn postfix_sends_at_most_50_recipients_per_delivery() {
    assert_eq!(deliveries("smtp", "smtp", 120), (3, 2));
    assert_eq!(deliveries("smtp", "smtp", 50), (1, 0));
}

#[test]
fn exchange_online_accepts_200_recipients_per_message_and_exchange_server_5000() {
    assert_eq!(
        deliveries("exchange_server", "exchange_online", 500),
        (3, 2)
    );
    assert_eq!(
        deliveries("exchange_online", "exchange_server", 500),
        (1, 0)
    );
}
