//! Soak: a month of traffic with a fault every few days runs to the end in bounded memory.

use std::time::{Duration, Instant};

use mailflow::experiment::Summary;
use mailflow::sim::{Engine, SimTime};

use crate::common;

const SOAK: &str = "\
name: soak
duration: 30d
sample_every: 1h
domains:
  contoso.com: {mx: eop, ttl: 1h, mailboxes: {eop: 0.5, onprem: 0.5}}
  '*': {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop:
    kind: exchange_online
    workers: 8
    accepted_domains: {contoso.com: internal_relay}
  onprem:
    kind: exchange_server
    workers: 4
    accepted_domains: {contoso.com: authoritative}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com], mailboxes_on: [onprem]}
  - {name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com], mailboxes_on: [eop]}
traffic:
  - {name: inbound, from: internet, to: contoso.com, rate: 2000/d, profile: business_hours}
  - {name: outbound, from: onprem, sender_domain: contoso.com, to: example.net, rate: 1000/d}
faults:
  - {kind: firewall_block, node: onprem, sources: [eop], at: 2d, for: 6h}
  - {kind: server_down, node: onprem, at: 5d, for: 30h}
  - {kind: dns_failure, domain: example.net, at: 9d, for: 2h}
  - {kind: slowdown, node: eop, factor: 20, at: 12d, for: 12h}
  - {kind: connection_drop, node: onprem, probability: 0.3, at: 16d, for: 1d}
  - {kind: service_unavailable, node: eop, at: 20d, for: 4h}
  - {kind: tls_unavailable, node: onprem, at: 23d, for: 1d}
  - {kind: server_down, node: internet, at: 26d, for: 3d}
";

#[test]
fn a_month_with_a_fault_every_few_days_runs_to_the_end_in_bounded_memory() {
    let sc = common::load(SOAK);
    let start = Instant::now();
    let mut engine = Engine::new(&sc, 3);
    let day = mailflow::sim::SimDuration::from_days(1);
    let mut live_by_day = Vec::new();
    for d in 1..=30u64 {
        engine.run_until(SimTime(day.0 * d));
        live_by_day.push(engine.live_messages());
    }
    engine.run();
    let s = Summary::from_engine(&engine, start.elapsed().as_secs_f64());
    common::assert_conserved(&s);
    assert_eq!(engine.now(), engine.horizon());
    let peak = engine.peak_in_flight();
    eprintln!(
        "soak: {} messages, {} events, peak in flight {peak}, {} message slots, {} KiB of \
         message state, {:.1}s; in flight at each day's end: {live_by_day:?}",
        s.messages.generated,
        engine.events_handled,
        engine.message_capacity(),
        engine.message_state_bytes() / 1024,
        start.elapsed().as_secs_f64(),
    );
    assert!(s.messages.generated > 80_000, "{:?}", s.messages);
    // The longest outage (3 days of internet mail, 1000/d) bounds what is in flight at once;
    // message slots are reused, so memory follows the peak, not the total.
    assert!(peak < 10_000, "peak in flight {peak}");
    assert!(engine.message_capacity() <= 2 * peak + 1024);
    // Queues drain after each fault: nothing piles up from one to the next.
    for day in [4, 10, 15, 20, 25] {
        assert!(
            live_by_day[day - 1] < 100,
            "in flight at the end of day {day}: {live_by_day:?}"
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}
