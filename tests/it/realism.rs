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
