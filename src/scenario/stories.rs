//! Model-building stories: what a valid scenario becomes, and the checks between its parts.

use super::tests::{BASE, errors, ok, with};
use super::*;
use crate::model::{Dist, FaultKind, Profile, RetrySchedule, Warmup, Workers};
use crate::time::{SimDuration, SimTime};

#[test]
fn the_minimal_scenario_builds_with_defaults() {
    let l = ok(BASE);
    let s = &l.scenario;
    assert_eq!(s.duration, SimDuration::from_days(3));
    assert_eq!(
        (s.seed, s.max_hops, s.sample_every),
        (1, 20, SimDuration::from_mins(5))
    );
    assert_eq!(s.warmup, Warmup::Fixed(SimDuration::ZERO));
    assert_eq!(s.domains[0].name, "contoso.com");
    assert_eq!(s.domains[1].name, "*");
    let inbound = &s.traffic[0];
    assert!((inbound.rate_per_s - 50_000.0 / 86_400.0).abs() < 1e-12);
    // The internet has no mailboxes of its own domain, so it sends as "*".
    assert_eq!(s.domain(inbound.sender_domain).name, "*");
    assert_eq!(inbound.profile, Profile::Constant);
    let onprem = s.node(s.node_by_name("onprem").unwrap());
    assert_eq!(onprem.workers, Workers::Limited(64));
    assert_eq!(onprem.connect_timeout, SimDuration::from_secs(30));
    assert_eq!(onprem.retry.name, "exchange_server");
    assert_eq!(
        s.node(s.node_by_name("internet").unwrap()).workers,
        Workers::Unlimited
    );
    // The connector's extra time per message is 0; the path is the node's default.
    assert_eq!(s.connectors[0].latency, Dist::Fixed(0.0));
    assert_eq!(s.connectors[0].rtt, None);
    assert_eq!(onprem.link.rtt, SimDuration::from_millis(20));
    assert_eq!(onprem.max_messages_per_connection, 20);
    let internet = s.node(s.node_by_name("internet").unwrap());
    assert_eq!(internet.senders.len(), 32, "the internet's sender cohorts");
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn fault_keys_are_checked_per_kind() {
    let text = format!(
        "{BASE}faults:\n  - {{kind: slowdown, node: onprem}}\n  - {{kind: server_down, node: onprem, domain: contoso.com}}\n  - {{kind: server_dwn, node: onprem}}\n"
    );
    let e = errors(&text);
    assert_eq!(e.len(), 3, "{e:?}");
    assert_eq!(e[0].message, "fault kind `slowdown` needs `factor`");
    assert_eq!(
        e[1].message,
        "`domain` is not a key of a `server_down` fault"
    );
    assert!(
        e[2].hint
            .as_deref()
            .unwrap()
            .starts_with("did you mean `server_down`?")
    );
}

#[test]
fn faults_build_with_their_window() {
    let text = format!(
        "{BASE}faults:\n  - {{kind: server_down, node: onprem, at: 2h, for: 30m}}\n  - {{kind: mx_change, domain: contoso.com, mx: [{{host: onprem, preference: 5}}]}}\n"
    );
    let s = ok(&text).scenario;
    assert_eq!(s.faults[0].at, SimTime(2 * 3_600_000_000));
    assert_eq!(s.faults[0].until, Some(SimTime(9_000_000_000)));
    assert!(matches!(s.faults[1].kind, FaultKind::MxChange { .. }));
    assert_eq!(s.faults[1].until, None);
}

#[test]
fn explicit_retry_policies_and_presets() {
    let text = with(
        "    workers: 64",
        "    workers: 64\n    retry: {schedule: [1m, 5m], then: 1h, expire_after: 24h, delay_notice: 4h}",
    );
    let s = ok(&text).scenario;
    let r = &s.node(s.node_by_name("onprem").unwrap()).retry;
    let crate::model::retry::Machinery::Queue(q) = &r.machinery else {
        panic!("an explicit policy is a destination-level policy");
    };
    assert_eq!(
        q.schedule,
        RetrySchedule::Fixed {
            steps: vec![SimDuration::from_mins(1), SimDuration::from_mins(5)],
            then: SimDuration::from_hours(1)
        }
    );
    assert_eq!(r.delay_notice, Some(SimDuration::from_hours(4)));
    let e = errors(&with("    workers: 64", "    retry: postfx"));
    assert!(
        e[0].hint
            .as_deref()
            .unwrap()
            .starts_with("did you mean `postfix`?"),
        "{}",
        e[0]
    );
    let e = errors(&with("    workers: 64", "    retry: {schedule: [1m]}"));
    assert!(e[0].message.contains("needs `expire_after`"), "{}", e[0]);
}

#[test]
fn domains_mentioned_only_by_traffic_copy_the_star_entry() {
    let text = with(
        "    to: contoso.com\n",
        "    to: {contoso.com: 0.8, Fabrikam.com: 0.2}\n    sender_domain: example.net\n",
    );
    let s = ok(&text).scenario;
    let fab = s.domain(s.domain_by_name("fabrikam.com").unwrap());
    assert!(!fab.explicit);
    assert_eq!(fab.mx, s.domain(s.domain_by_name("*").unwrap()).mx);
    assert_eq!(s.domain(s.traffic[0].sender_domain).name, "example.net");
}

#[test]
fn weights_not_summing_to_one_are_an_error() {
    let e = errors(&with(
        "    to: contoso.com\n",
        "    to: {contoso.com: 0.5, fabrikam.com: 0.2}\n",
    ));
    assert!(e[0].message.contains("sum to 0.7"), "{}", e[0]);
}

#[test]
fn a_piecewise_profile_is_normalised_unless_told_not_to() {
    let text = with(
        "rate: 50000/d",
        "rate: 50000/d\n    profile: [{at: 0h, x: 1}, {at: 12h, x: 3}]",
    );
    let s = ok(&text).scenario;
    assert_eq!(
        s.traffic[0].profile,
        Profile::Daily(vec![
            (SimDuration::ZERO, 0.5),
            (SimDuration::from_hours(12), 1.5)
        ])
    );
    let e = errors(&with(
        "rate: 50000/d",
        "rate: 50000/d\n    profile: [{at: 1h, x: 1}, {at: 25h, x: 3}]",
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    let e = errors(&with(
        "rate: 50000/d",
        "rate: 50000/d\n    profile: business_hour",
    ));
    assert!(
        e[0].hint
            .as_deref()
            .unwrap()
            .starts_with("did you mean `business_hours`?")
    );
}

#[test]
fn rules_must_select_a_connector_leaving_their_node() {
    let text = format!(
        "{BASE}rules:\n  - {{name: r, at: onprem, when: {{tag: finance}}, route_via: eop-to-exo}}\n"
    );
    let e = errors(&text);
    assert!(
        e[0].message.contains("starts at `eop`, not at `onprem`"),
        "{}",
        e[0]
    );
}

#[test]
fn warnings_for_unused_parts() {
    let text = with(
        "    mailboxes_on: [exo]\n",
        "    mailboxes_on: [exo]\n    rule_scoped: true\n",
    )
    .replacen("  onprem:\n", "  spare:\n    kind: smtp\n  onprem:\n", 1);
    let l = ok(&text);
    let msgs: Vec<String> = l.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(l.warnings.len(), 3, "{msgs:?}");
    assert!(msgs[0].contains("nobody routes to node `spare`"));
    assert!(msgs[1].contains("`eop-to-exo` is `rule_scoped`"));
    // Without its connector, cloud mail goes back to `eop` by MX until the hop count runs out.
    assert!(msgs[2].contains("5.4.14 Hop count exceeded"), "{}", msgs[2]);
    assert!(
        l.warnings
            .iter()
            .all(|w| w.severity == Severity::Warning && w.hint.is_some())
    );
}

#[test]
fn a_mailbox_node_that_traffic_cannot_reach_is_a_warning() {
    let text = with(
        "  - name: eop-to-exo\n    from: eop\n    to: exo\n    domains: [contoso.com]\n    mailboxes_on: [exo]\n",
        "",
    );
    let l = ok(&text);
    let msgs: Vec<String> = l.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("whose mailboxes on `exo` cannot be reached from `internet`")),
        "{msgs:?}"
    );
}

#[test]
fn tls_domain_validation_needs_a_tls_domain() {
    let e = errors(&with(
        "    mailboxes_on: [onprem]\n",
        "    mailboxes_on: [onprem]\n    tls: {mode: required, validate: domain}\n",
    ));
    assert_eq!(e[0].message, "`validate: domain` needs `tls_domain`");
    let e = errors(&with(
        "    mailboxes_on: [onprem]\n",
        "    mailboxes_on: [onprem]\n    tls: {mode: requird}\n",
    ));
    assert!(
        e[0].hint
            .as_deref()
            .unwrap()
            .starts_with("did you mean `required`?"),
        "{}",
        e[0]
    );
}

#[test]
fn duplicate_connector_names_are_an_error() {
    let e = errors(&with("  - name: eop-to-onprem", "  - name: eop-to-exo"));
    assert!(
        e[0].message.contains("already named `eop-to-exo`"),
        "{}",
        e[0]
    );
}

#[test]
fn warmup_auto_and_new_keys_set_from_the_command_line() {
    let o =
        ["warmup=auto", "nodes.onprem.connect_timeout=10s"].map(|s| Override::parse(s).unwrap());
    let s = load_str(BASE, "s.yaml", &o).unwrap().scenario;
    assert_eq!(s.warmup, Warmup::Auto);
    let onprem = s.node(s.node_by_name("onprem").unwrap());
    assert_eq!(onprem.connect_timeout, SimDuration::from_secs(10));
}

#[test]
fn a_domain_without_entry_or_star_is_an_error_with_a_suggestion() {
    let text = with(
        "  \"*\":\n    mx: internet\n    mailboxes: {internet: 1.0}\n",
        "",
    )
    .replacen(
        "    to: contoso.com\n",
        "    to: contso.com\n    sender_domain: contoso.com\n",
        1,
    );
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message.contains("`contso.com` has no entry"),
        "{}",
        e[0]
    );
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `contoso.com`?"));
}

#[test]
fn more_than_32_tags_is_an_error() {
    let tags: Vec<String> = (0..33).map(|i| format!("t{i}: 0.01")).collect();
    let text = with(
        "rate: 50000/d",
        &format!("rate: 50000/d\n    tags: {{{}}}", tags.join(", ")),
    );
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message.contains("tag `t32` is one too many"),
        "{}",
        e[0]
    );
}

#[test]
fn the_default_sender_domain_is_the_first_with_mailboxes_on_the_source() {
    let text = format!("{BASE}  - {{name: outbound, from: onprem, to: example.net, rate: 10/s}}\n");
    let s = ok(&text).scenario;
    assert_eq!(s.domain(s.traffic[1].sender_domain).name, "contoso.com");
    // example.net has no entry: it is interned after the explicit domains with "*" settings.
    let d = s.domain(s.traffic[1].to[0].0);
    assert_eq!((d.name.as_str(), d.explicit), ("example.net", false));
    assert_eq!(s.domain_by_name("example.net").unwrap().index(), 2);
}
