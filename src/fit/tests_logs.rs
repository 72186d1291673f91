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

/// Fits a log written by a real Postfix (the conformance suite's captures under
/// `conformance/postfix/logs/`, fed a Poisson load whose rate `truth.json` gives) and checks
/// the fitted rate against the fed one (within 3 standard errors) and that the replay gives the
/// log's arrivals hour by hour.
#[test]
fn real_postfix_logs_are_fitted_back_and_replayed_hour_by_hour() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/postfix/logs");
    for mode in ["day", "piecewise"] {
        let dir = format!("{root}/{mode}");
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}/truth.json")).unwrap())
                .unwrap();
        let path = format!("{dir}/maillog.gz");
        // The load goes from five sender domains (the organisation) to four recipient domains.
        let opts = FitOptions {
            accepted_domains: truth["sender_domains"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect(),
            year: Some(2026),
            ..opts()
        };
        let report = fit(vec![LogSource::open(&path).unwrap()], &opts, &mut |_| {})
            .unwrap_or_else(|e| panic!("{e}"));
        let out = &report.streams[0];
        assert_eq!(report.streams.len(), 1, "{}", report.summary());
        assert_eq!(out.name, "outbound");
        assert_eq!(out.messages, truth["messages"].as_u64().unwrap());
        let replay = replay(vec![LogSource::open(&path).unwrap()], &opts, &mut |_| {}).unwrap();
        assert_eq!(replay.len() as u64, out.messages);
        let mut by_hour = [0u64; 168];
        let origin = replay.origin_us().unwrap();
        for r in replay.iter(None) {
            by_hour[clock::hour_of_week(origin + r.offset_us as i64)] += 1;
        }
        assert_eq!(by_hour.to_vec(), report.observed[0]);
    }
}
