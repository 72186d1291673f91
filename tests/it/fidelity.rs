//! The engine against closed-form queueing results, conservation and determinism.

use crate::common::*;

/// Erlang C: M/M/4, λ = 3.2/s, μ = 1/s → mean response time 1.7455 s.
#[test]
fn mm4_mean_latency_is_within_2_5_percent_of_erlang_c() {
    let sc = load_file("scenarios/mm4.yaml", &[]);
    let s = run(&sc, 1);
    assert!(
        s.messages.generated > 900_000,
        "about 1M messages: {}",
        s.messages.generated
    );
    let erlang_c = 1.7455;
    let err = (s.latency_s.mean - erlang_c).abs() / erlang_c;
    assert!(
        err < 0.025,
        "mean {} vs Erlang C {erlang_c}: {:.2}% off",
        s.latency_s.mean,
        err * 100.0
    );
    // Utilisation ρ = λ / (c μ) = 0.8.
    let u = s.nodes["server"].utilization;
    assert!((u - 0.8).abs() < 0.01, "utilisation {u}");
}

/// M/M/1 response time is exponential with rate μ − λ: p99 = ln(100) / (μ − λ) = 9.21 s.
#[test]
fn mm1_p99_is_near_ln100_over_mu_minus_lambda() {
    let sc = load_file("scenarios/mm1.yaml", &[]);
    let s = run(&sc, 1);
    let theory = 100f64.ln() / (1.0 - 0.5);
    let err = (s.latency_s.p99 - theory).abs() / theory;
    assert!(
        err < 0.08,
        "p99 {} vs {theory}: {:.1}% off",
        s.latency_s.p99,
        err * 100.0
    );
    let mean_err = (s.latency_s.mean - 2.0).abs() / 2.0;
    assert!(mean_err < 0.05, "mean {} vs 2 s", s.latency_s.mean);
}

/// Four M/M/2 stations in tandem (Jackson network): each has mean response 1/(μ(1−ρ²)) with
/// ρ = 0.8, so 2.778 s each and 11.11 s in all.
#[test]
fn tandem_of_four_mm2_matches_the_jackson_network() {
    let sc = load_file("scenarios/tandem.yaml", &[]);
    let s = run(&sc, 1);
    let theory = 4.0 / (1.0 - 0.64);
    let err = (s.latency_s.mean - theory).abs() / theory;
    assert!(err < 0.05, "mean {} vs {theory}", s.latency_s.mean);
}

#[test]
fn every_shipped_scenario_conserves_messages() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    for f in files {
        let sc = load_file(f.to_str().unwrap(), &[]);
        let s = run(&sc, sc.seed);
        assert_conserved(&s);
        assert!(
            s.messages.generated > 0,
            "{} generates traffic",
            f.display()
        );
        // NDR traffic is counted apart and conserved too.
        let n = &s.ndr_traffic;
        assert!(n.delivered + n.dropped <= n.sent, "{}: {n:?}", f.display());
    }
}

#[test]
fn the_same_seed_gives_the_same_summary_and_another_seed_a_different_one() {
    let sc = load_file("scenarios/mx-to-eop.yaml", &["duration=12h", "warmup=1h"]);
    let strip = |mut s: mailflow::experiment::Summary| {
        s.engine = mailflow::experiment::summary::EngineStats {
            events: s.engine.events,
            wall_s: 0.0,
            events_per_s: 0.0,
            peak_in_flight: s.engine.peak_in_flight,
        };
        serde_json::to_string(&s).unwrap()
    };
    let a = strip(run(&sc, 7));
    let b = strip(run(&sc, 7));
    let c = strip(run(&sc, 8));
    assert_eq!(a, b, "same seed, byte-identical summary");
    assert_ne!(a, c, "another seed, another summary");
}

#[test]
fn messages_created_during_the_warmup_are_not_counted() {
    let sc = load_file("scenarios/mm1.yaml", &["duration=1d", "warmup=12h"]);
    let s = run(&sc, 1);
    // λ = 0.5/s over the 12 h after the warm-up: 21,600 expected, Poisson spread ~147.
    let expected = 0.5 * 12.0 * 3600.0;
    assert_poisson_count(s.messages.generated, expected);
    assert_eq!(s.warmup_s, 12.0 * 3600.0);
}

#[test]
fn business_hours_traffic_peaks_near_twice_the_mean_without_losing_messages() {
    let yaml = r#"
name: profile
duration: 10d
domains:
  d.test: {mx: s, mailboxes: {s: 1.0}}
nodes:
  s: {kind: smtp, workers: unlimited, service_time: {fixed: 0s}}
traffic:
  - {name: t, from: s, to: d.test, rate: 100/h, profile: business_hours}
"#;
    let sc = load(yaml);
    let s = run(&sc, 5);
    let expected = 100.0 * 24.0 * 10.0;
    assert_poisson_count(s.messages.generated, expected);
    assert!(
        (sc.traffic[0].profile.peak() - 2.0).abs() < 0.15,
        "peak/mean {}",
        sc.traffic[0].profile.peak()
    );
}
