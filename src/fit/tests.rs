//! Statistical tests on synthetic Postfix logs with known parameters: the fit finds them within sampling error; a replay keeps every hour's arrivals.

use super::clock::HOUR_US;
use super::synth::{SynthLog, SynthSummary, contoso};
use super::*;

pub(super) fn opts() -> FitOptions {
    FitOptions {
        accepted_domains: vec!["contoso.com".into(), "*.contoso.com".into()],
        year: Some(2024),
        ..FitOptions::default()
    }
}

/// Two weeks of the three contoso streams, starting on a Monday.
fn two_weeks(seed: u64, rfc3339: bool) -> (SynthLog, Vec<u8>, SynthSummary) {
    let log = SynthLog {
        start: (2024, 3, 4),
        days: 14,
        hostname: "relay1".into(),
        rfc3339,
        defer_share: 0.02,
        seed,
        streams: contoso([3000.0, 2000.0, 1000.0]),
    };
    let mut bytes = Vec::new();
    let summary = log.write(&mut bytes).unwrap();
    (log, bytes, summary)
}

/// Within `k` standard errors.
fn near(got: f64, want: f64, se: f64, k: f64, what: &str) {
    assert!(
        (got - want).abs() <= k * se,
        "{what}: got {got}, want {want} ± {k}×{se}"
    );
}

#[test]
fn a_synthetic_log_is_fitted_back_within_sampling_error() {
    let (log, bytes, summary) = two_weeks(11, false);
    let mut calls = Vec::new();
    let report = fit(
        vec![LogSource::new("synthetic", &bytes[..])],
        &opts(),
        &mut |b| calls.push(b),
    )
    .unwrap();
    assert_eq!(report.streams.len(), 3);
    assert_eq!(calls.last().copied(), Some(bytes.len() as u64));
    assert!(calls.windows(2).all(|w| w[0] <= w[1]));
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    for (fitted, (truth, messages)) in report
        .streams
        .iter()
        .zip(log.streams.iter().zip(&summary.messages))
    {
        let n = fitted.messages as f64;
        assert_eq!(fitted.messages, *messages, "{}", fitted.name);
        near(
            fitted.rate_per_day,
            truth.rate_per_day,
            truth.rate_per_day / n.sqrt(),
            3.0,
            "rate",
        );
        // Each of the 48 cell multipliers: standard error m/√(count in the cell).
        let observed = &report.observed[report
            .streams
            .iter()
            .position(|s| s.name == fitted.name)
            .unwrap()];
        let mut worst: f64 = 0.0;
        let mut sum_sq = 0.0;
        for c in 0..48 {
            let (got, want) = if c < 24 {
                (fitted.profile.weekday[c], truth.weekday[c])
            } else {
                (fitted.profile.weekend[c - 24], truth.weekend[c - 24])
            };
            let count: u64 = (0..168)
                .filter(|b| {
                    if c < 24 {
                        b / 24 < 5 && b % 24 == c
                    } else {
                        b / 24 >= 5 && b % 24 == c - 24
                    }
                })
                .map(|b| observed[b])
                .sum();
            let z = (got - want) / (want / (count.max(1) as f64).sqrt());
            worst = worst.max(z.abs());
            sum_sq += z * z;
        }
        assert!(
            worst < 4.0 && (sum_sq / 48.0).sqrt() < 1.5,
            "{}: profile z max {worst}, rms {}",
            fitted.name,
            (sum_sq / 48.0).sqrt()
        );
        assert!(
            fitted.profile.p_value > 0.001,
            "{}: {:?}",
            fitted.name,
            fitted.profile.p_value
        );
        assert_eq!(fitted.profile.dof, 120);
        let size = fitted.size.unwrap();
        near(
            size.median.ln(),
            truth.size_median.ln(),
            truth.size_sigma / n.sqrt(),
            3.0,
            "ln median size",
        );
        near(
            size.sigma,
            truth.size_sigma,
            truth.size_sigma / (2.0 * n).sqrt(),
            3.0,
            "size sigma",
        );
        assert!(size.ks_distance < 0.02, "{size:?}");
        for (k, w) in &truth.recipients {
            let got = fitted
                .recipients
                .iter()
                .find(|r| r.0 == *k)
                .map_or(0.0, |r| r.1);
            near(got, *w, (w * (1.0 - w) / n).sqrt(), 3.0, "recipient weight");
        }
    }
    let inbound = &report.streams[0];
    let (top, share) = &inbound.recipient_domains[0];
    assert_eq!(top, "contoso.com");
    near(
        *share,
        0.9,
        (0.09 / inbound.messages as f64).sqrt(),
        4.0,
        "domain share",
    );
    let delay = report
        .delays
        .iter()
        .find(|d| d.domain == "contoso.com")
        .unwrap();
    assert!((delay.p50_s / 2.0 - 1.0).abs() < 0.05, "{delay:?}");
}

#[test]
fn the_traffic_section_parses_and_the_chart_draws() {
    let (_, bytes, _) = two_weeks(3, true);
    let report = fit(
        vec![LogSource::new("synthetic", &bytes[..])],
        &opts(),
        &mut |_| {},
    )
    .unwrap();
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&report.yaml).unwrap_or_else(|e| panic!("{e}\n{}", report.yaml));
    let streams = doc["traffic"].as_sequence().unwrap();
    assert_eq!(streams.len(), 3);
    let outbound = &streams[1];
    assert_eq!(
        (outbound["name"].as_str(), outbound["from"].as_str()),
        (Some("outbound"), Some("onprem"))
    );
    assert_eq!(
        outbound["profile"]["weekday"].as_sequence().map(Vec::len),
        Some(24)
    );
    assert_eq!(outbound["profile"]["start"], "monday");
    assert!(outbound["rate"].as_str().unwrap().ends_with("/d"));
    assert!(
        outbound["size"]["lognormal"]["median"]
            .as_str()
            .unwrap()
            .ends_with("KB")
    );
    assert!(outbound["recipients"]["weights"][1].as_f64().unwrap() > 0.7);
    assert!(report.yaml.contains("chi-square") && report.yaml.contains("KS distance"));
    assert!(report.yaml.contains("fabrikam.com") && !report.yaml.contains('@'));
    let svg = report.svg().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("outbound") && svg.contains("polyline"));
    let text = report.summary();
    assert!(text.contains("inbound") && text.contains("p50 s"), "{text}");
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"rate_per_day\""));
}

#[test]
fn a_replay_keeps_every_hours_arrivals_and_sizes() {
    let (log, bytes, summary) = two_weeks(5, false);
    let replay = replay(
        vec![LogSource::new("synthetic", &bytes[..])],
        &opts(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(replay.len() as u64, summary.messages.iter().sum::<u64>());
    let start =
        clock::days_from_civil(i64::from(log.start.0), log.start.1, log.start.2) * clock::DAY_US;
    let first = replay.origin_us().unwrap();
    let mut per_hour = vec![0u64; summary.per_hour.len()];
    let mut file = Vec::new();
    replay.write(&mut file, None).unwrap();
    let mut last = 0;
    for r in ReplayReader::new("replay", &file[..]) {
        let r = r.unwrap();
        assert!(r.offset_us >= last);
        last = r.offset_us;
        per_hour[((first + r.offset_us as i64 - start) / HOUR_US) as usize] += 1;
        assert!(!r.recipient_domain.contains('@'));
    }
    assert_eq!(per_hour, summary.per_hour);
    let inbound = replay.iter(Some(Direction::Inbound)).count() as u64;
    assert_eq!(inbound, summary.messages[0]);
    let keep = FitOptions {
        keep_addresses: true,
        ..opts()
    };
    let with_addresses = super::replay(
        vec![LogSource::new("synthetic", &bytes[..])],
        &keep,
        &mut |_| {},
    )
    .unwrap();
    assert!(
        with_addresses
            .iter(None)
            .all(|r| r.recipient_domain.contains('@'))
    );
}

#[test]
fn gzipped_logs_are_read_through() {
    use std::io::Write;
    let (_, bytes, summary) = two_weeks(9, false);
    let path = std::env::temp_dir().join(format!("importfit-{}.log.gz", std::process::id()));
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(&bytes).unwrap();
    gz.finish().unwrap();
    let source = LogSource::open(path.to_str().unwrap()).unwrap();
    let report = fit(vec![source], &opts(), &mut |_| {}).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        report.streams.iter().map(|s| s.messages).sum::<u64>(),
        summary.messages.iter().sum::<u64>()
    );
}
