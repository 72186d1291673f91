//! Sender queues behave like the MTAs they stand for: failure classes, Postfix's per-message
//! backoff and dead-destination detection, Exchange's expiry at the message's own expiration
//! time, each sender's own codes, and counters that mean what real logs mean.

use crate::common::*;
use mailflow::experiment::Summary;
use mailflow::sim::{Engine, LogEntry, SimDuration};

/// One sender `mta` relaying `rate` to `sink` over connector `mta-to-sink`; `retry` and
/// `kind` are the sender's, `faults` the sink's.
fn relay(kind: &str, retry: &str, rate: &str, duration: &str, faults: &str) -> String {
    format!(
        r#"
name: relay
duration: {duration}
sample_every: 1s
seed: 5
domains:
  sink.test: {{mx: sink, mailboxes: {{sink: 1.0}}}}
  bench.test: {{mx: mta, mailboxes: {{mta: 1.0}}}}
nodes:
  mta: {{kind: {kind}, workers: unlimited, service_time: {{fixed: 0s}}, max_connections_per_destination: 20, retry: {retry}}}
  sink: {{kind: smtp, workers: unlimited, service_time: {{fixed: 0s}}}}
connectors:
  - {{name: mta-to-sink, from: mta, to: sink, domains: [sink.test], latency: {{fixed: 3ms}}}}
traffic:
  - {{name: load, from: mta, sender_domain: bench.test, to: sink.test, rate: {rate}}}
faults: {faults}
"#
    )
}

const FAST_POSTFIX: &str = "{preset: postfix, queue_run_delay: 5s, minimal_backoff_time: 5s, maximal_backoff_time: 67s, maximal_queue_lifetime: 10m}";

fn connector(s: &Summary) -> &mailflow::experiment::summary::ConnectorSummary {
    &s.connectors["mta-to-sink"]
}

#[test]
fn a_refused_destination_is_declared_dead_and_its_messages_are_deferred_without_connecting() {
    let sc = load(&relay(
        "smtp",
        FAST_POSTFIX,
        "5/s",
        "600s",
        "[{kind: firewall_block, node: sink, at: 120s, for: 180s}]",
    ));
    let s = run(&sc, 1);
    assert_conserved(&s);
    let c = connector(&s);
    // Postfix made 174 failed connections and 4,366 deferrals in the real run of this
    // experiment (conformance/postfix/): bursts of probes, one deferral per message per scan.
    assert!(
        (120..=240).contains(&c.failed_connections),
        "failed connections {}",
        c.failed_connections
    );
    assert!(
        (2800..=5900).contains(&c.message_deferrals),
        "message deferrals {}",
        c.message_deferrals
    );
    assert!(c.message_deferrals > 10 * c.failed_connections);
    assert_eq!(s.messages.ndr, 0, "10 minutes of lifetime: nothing bounces");
}

#[test]
fn after_recovery_new_mail_passes_at_once_and_the_backlog_drains_oldest_last() {
    let sc = load(&relay(
        "smtp",
        FAST_POSTFIX,
        "5/s",
        "500s",
        "[{kind: firewall_block, node: sink, at: 120s, for: 180s}]",
    ));
    let mut e = Engine::new(&sc, 2);
    e.enable_log();
    e.run();
    let delivered: Vec<(f64, f64)> = e
        .log()
        .iter()
        .filter_map(|l| match l {
            LogEntry::Delivered { time, created, .. } => {
                Some((created.as_secs_f64(), time.as_secs_f64()))
            }
            _ => None,
        })
        .collect();
    let after: Vec<f64> = delivered
        .iter()
        .filter(|(c, _)| *c > 310.0)
        .map(|(c, t)| t - c)
        .collect();
    let slow = after.iter().filter(|w| **w > 1.0).count();
    assert!(
        slow * 20 < after.len(),
        "{slow} of {} messages created after the fault waited over 1 s",
        after.len()
    );
    // Messages from the start of the fault leave after those from its end (their backoff grew).
    let wait_after_recovery = |from: f64, to: f64| {
        let w: Vec<f64> = delivered
            .iter()
            .filter(|(c, _)| (from..to).contains(c))
            .map(|(_, t)| t - 300.0)
            .collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    let early = wait_after_recovery(120.0, 140.0);
    let late = wait_after_recovery(280.0, 300.0);
    assert!(
        early > late + 15.0,
        "early {early:.1} s vs late {late:.1} s"
    );
    let first = delivered
        .iter()
        .filter(|(c, t)| *c < 300.0 && *t >= 300.0)
        .map(|(_, t)| *t)
        .fold(f64::INFINITY, f64::min);
    assert!(
        first < 300.0 + 11.0,
        "first backlog delivery at {first:.1} s"
    );
}

#[test]
fn postfix_bounces_at_the_first_failed_attempt_after_the_lifetime_and_delivers_older_mail_once_back()
 {
    let retry = "{preset: postfix, queue_run_delay: 5s, minimal_backoff_time: 5s, maximal_backoff_time: 67s, maximal_queue_lifetime: 2m}";
    let sc = load(&relay(
        "smtp",
        retry,
        "5/s",
        "500s",
        "[{kind: firewall_block, node: sink, at: 120s, for: 180s}]",
    ));
    let mut e = Engine::new(&sc, 2);
    e.enable_log();
    e.run();
    let mut bounced_ages = Vec::new();
    let mut old_delivered = 0;
    for l in e.log() {
        match l {
            LogEntry::Ndr { time, created, .. } => {
                bounced_ages.push(time.since(*created).as_secs_f64())
            }
            LogEntry::Delivered { time, created, .. }
                if time.since(*created).as_secs_f64() > 120.0 =>
            {
                old_delivered += 1
            }
            _ => {}
        }
    }
    // Real Postfix: 171 bounced, 146–151 s old; 356 delivered although older than 2 min.
    assert!(
        (100..=260).contains(&bounced_ages.len()),
        "{} bounced",
        bounced_ages.len()
    );
    assert!(bounced_ages.iter().all(|a| *a >= 120.0 && *a < 200.0));
    assert!(
        old_delivered > 100,
        "{old_delivered} delivered past the lifetime"
    );
}

#[test]
fn two_percent_dropped_sessions_delay_only_the_dropped_messages_at_a_postfix_sender() {
    let sc = load(&relay(
        "smtp",
        "postfix",
        "10/s",
        "2h",
        "[{kind: connection_drop, node: sink, probability: 0.02}]",
    ));
    let s = run(&sc, 3);
    assert_conserved(&s);
    let delivered = s.messages.delivered as f64 / s.messages.generated as f64;
    assert!(delivered > 0.97, "{delivered}");
    let quick = s.latency_s.p95;
    assert!(quick < 1.0, "p95 {quick} s: the queue kept delivering");
    let peak = s.nodes["mta"].peak_queue;
    assert!((20..2000).contains(&peak), "peak {peak}");
    assert_eq!(
        connector(&s).failed_connections,
        0,
        "drops are not connection failures"
    );
}

#[test]
fn one_percent_dropped_sessions_delay_only_the_dropped_messages_at_an_eop_sender() {
    let sc = load(&relay(
        "exchange_online",
        "exchange_online",
        "10/s",
        "2h",
        "[{kind: connection_drop, node: sink, probability: 0.01}]",
    ));
    let s = run(&sc, 3);
    assert_conserved(&s);
    assert!(s.latency_s.p95 < 1.0, "p95 {}", s.latency_s.p95);
    let peak = s.nodes["mta"].peak_queue;
    assert!((20..2000).contains(&peak), "peak {peak}");
    let c = connector(&s);
    assert!(
        c.deferrals_by_code.contains_key("450 4.4.318"),
        "{:?}",
        c.deferrals_by_code
    );
}

#[test]
fn eop_refusing_on_premises_from_the_start_expires_every_message_within_24h15m() {
    let sc = load(&relay(
        "exchange_online",
        "exchange_online",
        "1/m",
        "30h",
        "[{kind: firewall_block, node: sink}]",
    ));
    let mut e = Engine::new(&sc, 4);
    e.enable_log();
    e.run();
    let ages: Vec<f64> = e
        .log()
        .iter()
        .filter_map(|l| match l {
            LogEntry::Ndr {
                time,
                created,
                code,
                ..
            } => {
                assert!(code.starts_with("550 4.4.7"), "{code}");
                Some(time.since(*created).as_secs_f64() / 3600.0)
            }
            _ => None,
        })
        .collect();
    assert!(ages.len() > 300, "{} expired", ages.len());
    assert!(
        ages.iter().all(|h| (24.0..=24.25).contains(h)),
        "expiry ages from {:.3} h to {:.3} h",
        ages.iter().cloned().fold(f64::INFINITY, f64::min),
        ages.iter().cloned().fold(0.0, f64::max)
    );
}

#[test]
fn each_sender_records_its_own_codes() {
    let fault = "[{kind: firewall_block, node: sink, at: 1h, for: 1h}]";
    let codes = |kind: &str, retry: &str| -> Vec<String> {
        let s = run(&load(&relay(kind, retry, "1/m", "4h", fault)), 1);
        connector(&s).deferrals_by_code.keys().cloned().collect()
    };
    assert_eq!(codes("exchange_online", "exchange_online"), ["450 4.4.316"]);
    assert_eq!(codes("exchange_server", "exchange_server"), ["451 4.4.0"]);
    assert_eq!(codes("smtp", "postfix"), ["4.4.1"]);
}

#[test]
fn exchange_server_sends_delay_notices_as_messages_to_the_sender() {
    let sc = load(&relay(
        "exchange_server",
        "exchange_server",
        "1/m",
        "8h",
        "[{kind: server_down, node: sink, at: 1h, for: 6h}]",
    ));
    let s = run(&sc, 1);
    assert_conserved(&s);
    // Messages queued before 3h have waited 4 h by the time the sink is back at 7h.
    assert!(s.delay_dsn_traffic.sent > 60, "{:?}", s.delay_dsn_traffic);
    assert_eq!(s.delay_dsn_traffic.sent, s.nodes["mta"].delay_notices);
    assert_eq!(
        s.delay_dsn_traffic.sent,
        s.delay_dsn_traffic.delivered + s.delay_dsn_traffic.dropped
    );
}

#[test]
fn presets_take_their_settings_under_the_real_names_and_refuse_others() {
    let ok = relay("smtp", FAST_POSTFIX, "1/m", "1h", "[]");
    load(&ok);
    let bad = relay(
        "smtp",
        "{preset: postfix, message_expiration: 12h}",
        "1/m",
        "1h",
        "[]",
    );
    let err = mailflow::scenario::load_str(&bad, "t.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a setting of the `postfix` preset"),
        "{err}"
    );
    let range = relay(
        "exchange_online",
        "{preset: exchange_online, message_expiration: 48h}",
        "1/m",
        "1h",
        "[]",
    );
    let err = mailflow::scenario::load_str(&range, "t.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("between 12h and 24h"), "{err}");
    let onprem = relay(
        "exchange_server",
        "{preset: exchange_server, message_expiration_timeout: 1h, transient_failure_retry_count: 0}",
        "1/m",
        "3h",
        "[{kind: firewall_block, node: sink}]",
    );
    let s = run(&load(&onprem), 1);
    assert!(s.messages.ndr > 0, "expired after 1 h");
    let _ = SimDuration::ZERO;
}

#[test]
fn an_explicit_policy_on_a_non_exchange_node_writes_the_mta_expiry_code() {
    let sc = load(&relay(
        "gateway",
        "{schedule: [1m], then: 5m, expire_after: 1h}",
        "1/m",
        "3h",
        "[{kind: firewall_block, node: sink}]",
    ));
    let s = run(&sc, 1);
    assert!(
        s.ndr_by_code.contains_key("550 5.4.7"),
        "{:?}",
        s.ndr_by_code
    );
}
