//! Memory stays bounded on long steady runs: the engine keeps the messages in flight, never the
//! messages finished (a run ten times longer holds no more message slots, queue entries or
//! pending events). No timing assertions: speed is the benches' business.

use crate::common::*;

use mailflow::sim::Engine;

/// Two M/M/1 stations in series joined by a connector (utilisation 0.25 each), with a few
/// unknown recipients so NDRs travel too; `{days}` is the horizon.
const STEADY: &str = r#"
name: steady
duration: {days}d
warmup: 1h
seed: 11
sample_every: 6h
domains:
  steady.test:
    mx: mbx
    mailboxes: {mbx: 1.0}
    unknown_recipients: 0.01
nodes:
  edge:
    kind: smtp
    workers: 1
    service_time: {exponential: {mean: 1s}}
  mbx:
    kind: smtp
    workers: 1
    service_time: {exponential: {mean: 1s}}
    accepted_domains: {steady.test: authoritative}
connectors:
  - name: edge-to-mbx
    from: edge
    to: mbx
    domains: [steady.test]
    latency: {fixed: 20ms}
traffic:
  - name: arrivals
    from: edge
    sender_domain: steady.test
    to: steady.test
    rate: 0.25/s
    profile: constant
    size: {fixed: 75KB}
"#;

/// What a run of `days` days leaves behind.
#[derive(Debug)]
struct Footprint {
    generated: u64,
    peak_in_flight: usize,
    message_capacity: usize,
    pending_events: usize,
    state_bytes: usize,
}

fn footprint(days: u32) -> Footprint {
    let sc = load(&STEADY.replace("{days}", &days.to_string()));
    let mut e = Engine::new(&sc, sc.seed);
    e.run();
    Footprint {
        generated: e.obs.total.generated,
        peak_in_flight: e.peak_in_flight(),
        message_capacity: e.message_capacity(),
        pending_events: e.pending_events(),
        state_bytes: e.message_state_bytes(),
    }
}

#[test]
fn a_run_ten_times_longer_generates_ten_times_more_but_holds_no_more_messages() {
    let short = footprint(3);
    let long = footprint(30);
    let growth = long.generated as f64 / short.generated as f64;
    assert!(
        (9.0..=11.0).contains(&growth),
        "generated grows with the horizon: {short:?} vs {long:?}"
    );
    // The longest queue of a 30-day run is a little longer than a 3-day run's (the maximum of
    // more draws), never ten times: same order, not proportional to the messages finished.
    assert!(
        long.peak_in_flight < 2 * short.peak_in_flight,
        "peak in flight: {short:?} vs {long:?}"
    );
    assert!(
        long.message_capacity <= 2 * short.message_capacity,
        "message slots: {short:?} vs {long:?}"
    );
    assert!(
        long.state_bytes <= 2 * short.state_bytes,
        "bytes of message state: {short:?} vs {long:?}"
    );
    assert!(long.pending_events <= 8, "pending events: {long:?}");
}

/// A firewall that refuses `edge` for the whole run: every message waits in edge's delivery
/// queue, so the run ends with about 100,000 messages in flight.
const BLOCKED: &str = r#"
name: blocked
duration: 2h
seed: 5
sample_every: 10m
domains:
  steady.test:
    mx: mbx
    mailboxes: {mbx: 1.0}
nodes:
  edge:
    kind: smtp
    workers: unlimited
  mbx:
    kind: smtp
    workers: 1
connectors:
  - name: edge-to-mbx
    from: edge
    to: mbx
    domains: [steady.test]
traffic:
  - name: arrivals
    from: edge
    sender_domain: steady.test
    to: steady.test
    rate: 14/s
    profile: constant
    size: {fixed: 75KB}
faults:
  - {kind: firewall_block, node: mbx, sources: [edge], at: 0s, for: 2h}
"#;

#[test]
fn a_queue_of_100_000_messages_costs_under_200_bytes_a_message() {
    let sc = load(BLOCKED);
    let mut e = Engine::new(&sc, sc.seed);
    e.run();
    let peak = e.peak_in_flight();
    assert!(peak > 90_000, "the block queues the run's messages: {peak}");
    // A message is a 40-byte slot, a free-list entry once it has finished and a 4-byte id in
    // a queue; vectors grow by doubling, so up to twice that is allocated.
    let per_message = e.message_state_bytes() as f64 / peak as f64;
    assert!(
        per_message < 200.0,
        "{per_message:.0} bytes per message in flight ({} bytes for {peak})",
        e.message_state_bytes()
    );
}

/// Delivery queues are created when a message first goes to them: a topology whose
/// configuration allows many destinations holds state only for those its mail uses, and every
/// queue id still names its destination.
#[test]
fn delivery_queues_exist_only_where_mail_went() {
    let small = mailflow::scenario::generate::Enterprise {
        nodes: 20,
        connectors: 200,
        domains: 500,
        messages_per_day: 200_000,
    };
    let generated = load(&small.yaml("20m"));
    let shipped = load_file("scenarios/mx-to-eop.yaml", &["duration=6h", "warmup=0s"]);
    for sc in [&shipped, &generated] {
        let mut e = Engine::new(sc, sc.seed);
        assert_eq!(e.queues_created(), 0, "{}: none before a message", sc.name);
        e.run();
        let (ids, created) = (e.queue_count(), e.queues_created());
        assert!(
            created > 0 && created * 2 < ids,
            "{}: {created} of {ids} queues created",
            sc.name
        );
        for id in 0..ids {
            let key = e.queue_key(id);
            assert!(key.node.index() < sc.nodes.len(), "{}: queue {id}", sc.name);
        }
        assert_conserved(&mailflow::experiment::Summary::from_engine(&e, 0.0));
    }
}

/// The routing table is built once: the configuration checks leave theirs with the scenario
/// when no timed change is in force at time 0, and it is the table a fresh build makes (the
/// engine uses it). With a change landing at time 0 the checks trace the changed
/// configuration, so nothing is left and the engine builds the scenario's own.
#[test]
fn the_checks_routing_table_is_the_scenarios_own_or_none() {
    use mailflow::sim::routing::RouteTable;
    let mut cached = 0;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let sc = load_file(path.to_str().unwrap(), &[]);
        if let Some(table) = sc.derived.get::<RouteTable>() {
            cached += 1;
            assert_eq!(
                format!("{table:?}"),
                format!("{:?}", RouteTable::build(&sc)),
                "{}",
                path.display()
            );
        }
    }
    assert!(
        cached >= 10,
        "only {cached} shipped scenarios kept their table"
    );
    let now = load_file(
        "scenarios/fix-now.yaml",
        &["changes[0].at=0s", "changes[0].propagation=0s"],
    );
    assert!(now.derived.get::<RouteTable>().is_none());
    assert!(now.clone().derived.get::<RouteTable>().is_none());
    let plain = load_file("scenarios/fix-now.yaml", &[]);
    assert!(plain.derived.get::<RouteTable>().is_some());
    assert!(
        plain.clone().derived.get::<RouteTable>().is_none(),
        "a clone, which may be changed, starts without it"
    );
    // A copy that differs only in what the table does not depend on (the warm-up chosen by
    // `warmup: auto`'s pilot run) shares the very table; `of` lends the kept one, builds else.
    let shared = plain.derived.share();
    assert!(std::ptr::eq(
        shared.get::<RouteTable>().unwrap(),
        plain.derived.get::<RouteTable>().unwrap()
    ));
    assert!(matches!(
        RouteTable::of(&plain),
        std::borrow::Cow::Borrowed(_)
    ));
    assert!(matches!(RouteTable::of(&now), std::borrow::Cow::Owned(_)));
}
