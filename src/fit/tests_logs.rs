//! The sample logs of each kind; bad and truncated logs (located errors or counted skips, never a panic); a real Postfix log when one is given.

use super::tests::opts;
use super::*;

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/examples/import/logs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn counts(r: &FitReport) -> Vec<(String, u64)> {
    r.streams
        .iter()
        .map(|s| (s.name.clone(), s.messages))
        .collect()
}

fn stream(n: &str, c: u64) -> (String, u64) {
    (n.to_string(), c)
}

#[test]
fn the_postfix_sample_gives_streams_delays_and_skips() {
    let bytes = sample("maillog");
    let r = fit(
        vec![LogSource::new("maillog", &bytes[..])],
        &opts(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        counts(&r),
        [
            stream("inbound", 3),
            stream("outbound", 1),
            stream("internal", 1)
        ]
    );
    let reasons: Vec<&str> = r.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|s| s.starts_with("null or local sender")),
        "{reasons:?}"
    );
    let no_stamp = r
        .skipped
        .iter()
        .find(|s| s.reason.starts_with("no time stamp"))
        .unwrap();
    assert_eq!((no_stamp.count, no_stamp.first_line), (1, 37));
    let tailwind = r
        .delays
        .iter()
        .find(|d| d.domain == "tailwind.example")
        .unwrap();
    assert!((tailwind.max_s - 332.0).abs() < 1e-9);
    let outbound = &r.streams[1];
    assert_eq!(outbound.recipients, [(2, 1.0)]);
    assert_eq!(
        outbound.sender_domain.as_ref().map(|s| s.0.as_str()),
        Some("contoso.com")
    );
}

#[test]
fn the_message_tracking_sample_uses_directionality_and_event_times() {
    let bytes = sample("MSGTRK2024030409-1.LOG");
    let r = fit(
        vec![LogSource::new("MSGTRK", &bytes[..])],
        &opts(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        counts(&r),
        [
            stream("inbound", 1),
            stream("outbound", 1),
            stream("internal", 2)
        ]
    );
    let fab = r
        .delays
        .iter()
        .find(|d| d.domain == "fabrikam.com")
        .unwrap();
    assert!((fab.max_s - 2.86).abs() < 0.001, "{fab:?}");
    assert!(
        r.skipped
            .iter()
            .any(|s| s.reason.contains("too few fields") && s.first_line == 15),
        "{:?}",
        r.skipped
    );
    // UTC stamps shifted to local time: 08:00Z is 09:00 at UTC+1.
    let shifted = FitOptions {
        utc_offset_minutes: 60,
        ..opts()
    };
    let r = fit(
        vec![LogSource::new("MSGTRK", &bytes[..])],
        &shifted,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.observed[0][9], 1, "{:?}", r.observed[0]);
}

#[test]
fn the_message_trace_sample_groups_rows_into_messages() {
    let bytes = sample("messagetrace.csv");
    let r = fit(
        vec![LogSource::new("trace.csv", &bytes[..])],
        &opts(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        counts(&r),
        [
            stream("inbound", 2),
            stream("outbound", 2),
            stream("internal", 1)
        ]
    );
    assert_eq!(r.streams[1].recipients, [(1, 0.5), (2, 0.5)]);
    assert!(r.skipped.iter().any(|s| s.reason.contains("Size")));
    assert!(r.delays.is_empty() && r.notes.iter().any(|n| n.contains("no delivery times")));
    let mut with_bom = vec![0xEF, 0xBB, 0xBF];
    with_bom.extend(
        bytes
            .iter()
            .skip_while(|b| **b == b'#')
            .skip_while(|b| **b != b'\n')
            .skip(1),
    );
    let r = fit(
        vec![LogSource::new("bom.csv", &with_bom[..])],
        &opts(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.streams.iter().map(|s| s.messages).sum::<u64>(), 5);
}

fn error_of(name: &str, text: &str) -> String {
    match fit(
        vec![LogSource::new(name, text.as_bytes())],
        &opts(),
        &mut |_| {},
    ) {
        Ok(r) => panic!("expected an error, got {:?}", counts(&r)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_logs_give_located_errors() {
    let e = error_of("x.log", "hello\nworld\n");
    assert!(
        e.starts_with("x.log:1:1: error: cannot tell what log"),
        "{e}"
    );
    let e = error_of(
        "t.LOG",
        "#Software: Microsoft Exchange Server\n#Fields: date-time,event-id\n2024-03-04T08:00:00Z,RECEIVE\n",
    );
    assert!(
        e.starts_with("t.LOG:2:1: error: the #Fields: header has no `message-id`"),
        "{e}"
    );
    let e = error_of(
        "t.csv",
        "Received,SenderAddress,RecipientAddress\n3/4/2024 9:00,a@b.c,d@contoso.com\n",
    );
    assert!(e.contains("no `Size` column"), "{e}");
    let e = error_of(
        "m.log",
        "Mar  4 09:00:00 h postfix/qmgr[1]: ABCDE12345: from=<>, size=1, nrcpt=1 (queue active)\n",
    );
    assert!(e.contains("no message in the logs could be used"), "{e}");
    let none = FitOptions {
        accepted_domains: Vec::new(),
        ..opts()
    };
    let e = fit(vec![], &none, &mut |_| {}).unwrap_err().to_string();
    assert!(e.contains("--accepted-domain"), "{e}");
    let e = LogSource::open("/nonexistent/maillog")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.starts_with("/nonexistent/maillog: error: cannot read"),
        "{e}"
    );
}

#[test]
fn every_truncation_of_every_sample_log_fits_or_fails_cleanly() {
    let mut outcomes = (0, 0);
    for name in ["maillog", "MSGTRK2024030409-1.LOG", "messagetrace.csv"] {
        let bytes = sample(name);
        for cut in (0..bytes.len()).step_by(17) {
            let result = fit(
                vec![LogSource::new(name, &bytes[..cut])],
                &opts(),
                &mut |_| {},
            );
            match result {
                Ok(_) => outcomes.0 += 1,
                Err(e) => {
                    assert!(e.to_string().contains("error:"), "{e}");
                    outcomes.1 += 1;
                }
            }
            // The same bytes through replay must not panic either.
            let _ = replay(
                vec![LogSource::new(name, &bytes[..cut])],
                &opts(),
                &mut |_| {},
            );
        }
    }
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

/// Fits a log written by a real Postfix and checks the arrival rate against the one it was fed
/// (within 3 standard errors) and that the replay gives the log's arrivals hour by hour.
pub(super) fn fit_real_postfix_log(path: &str, accepted: &[&str], rate_per_day: Option<f64>) {
    let opts = FitOptions {
        accepted_domains: accepted.iter().map(|s| s.to_string()).collect(),
        year: None,
        ..opts()
    };
    let report = fit(vec![LogSource::open(path).unwrap()], &opts, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", report.summary());
    let total: u64 = report.streams.iter().map(|s| s.messages).sum();
    if let Some(want) = rate_per_day {
        let got: f64 = report.streams.iter().map(|s| s.rate_per_day).sum();
        let se = want / (total as f64).sqrt();
        assert!(
            (got - want).abs() <= 3.0 * se,
            "rate {got}/d, fed {want}/d ± 3×{se}"
        );
    }
    let replay = replay(vec![LogSource::open(path).unwrap()], &opts, &mut |_| {}).unwrap();
    assert_eq!(replay.len() as u64, total);
    let mut by_hour = [0u64; 168];
    let first = replay.first_arrival_us().unwrap_or(0);
    for r in replay.iter(None) {
        by_hour[clock::hour_of_week(first + r.offset_us as i64)] += 1;
    }
    let observed: Vec<u64> = (0..168)
        .map(|h| report.observed.iter().map(|o| o[h]).sum())
        .collect();
    assert_eq!(by_hour.to_vec(), observed);
}

/// Runs [`fit_real_postfix_log`] on `MAILFLOW_REAL_POSTFIX_LOG` (accepted domains in
/// `MAILFLOW_REAL_POSTFIX_DOMAINS`, comma-separated; fed rate in `MAILFLOW_REAL_POSTFIX_RATE`
/// messages/day), else on the logs the conformance harness left in the main repository
/// (`conformance/postfix/logs/*`, `conformance/postfix/results/*/postfix-stamped.log.gz`, whose
/// `meta.json` gives the fed rate); skipped when there are none.
#[test]
fn real_postfix_logs_are_fitted_when_present() {
    if let Ok(path) = std::env::var("MAILFLOW_REAL_POSTFIX_LOG") {
        let domains = std::env::var("MAILFLOW_REAL_POSTFIX_DOMAINS")
            .unwrap_or_else(|_| "bounces.test".into());
        let accepted: Vec<&str> = domains.split(',').collect();
        let rate = std::env::var("MAILFLOW_REAL_POSTFIX_RATE")
            .ok()
            .and_then(|r| r.parse().ok());
        fit_real_postfix_log(&path, &accepted, rate);
        return;
    }
    let root = "/work/main/conformance/postfix";
    let mut logs: Vec<(String, Option<f64>)> = Vec::new();
    for entry in std::fs::read_dir(format!("{root}/logs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        logs.push((entry.path().display().to_string(), None));
    }
    for entry in std::fs::read_dir(format!("{root}/results"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let log = entry.path().join("postfix-stamped.log.gz");
        let meta: Option<serde_json::Value> =
            std::fs::read_to_string(entry.path().join("meta.json"))
                .ok()
                .and_then(|m| serde_json::from_str(&m).ok());
        let rate = meta
            .and_then(|m| m["rate_per_s"].as_f64())
            .map(|r| r * 86_400.0);
        if log.exists() {
            logs.push((log.display().to_string(), rate));
        }
    }
    logs.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, rate) in logs {
        // The harness's load comes from load@bounces.test and goes to sink.test.
        fit_real_postfix_log(&path, &["bounces.test"], rate);
    }
}
