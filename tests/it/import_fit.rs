//! `mailflow fit` and trace-driven runs end to end: a log written by a real Postfix with a known
//! Poisson rate and profile is fitted back within sampling error and replayed with the same
//! arrivals hour by hour; a synthetic organisation's logs go through fit → import → run and
//! the run's hourly arrivals agree with the truth; cut and bad logs fail cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mailflow::fit::synth::{SynthLog, contoso};
use mailflow::sim::{Engine, LogEntry};

fn mailflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The conformance suite's capture of a real Postfix fed a known Poisson load for one day.
fn capture(mode: &str) -> (PathBuf, serde_json::Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("conformance/postfix/logs")
        .join(mode);
    (dir.join("maillog.gz"), json(&dir.join("truth.json")))
}

/// `mailflow fit` of a capture into `out`, the organisation being the load's senders.
fn fit_capture(mode: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let (log, truth) = capture(mode);
    let log = log.display().to_string();
    let out_s = out.display().to_string();
    let mut args = vec!["fit", &log, "--year", "2026", "--out", &out_s, "--quiet"];
    let domains: Vec<String> = truth["sender_domains"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for d in &domains {
        args.extend(["--accepted-domain", d]);
    }
    args.extend(extra);
    let o = mailflow(&args);
    assert!(o.status.success(), "{}", text(&o));
    truth
}

/// Arrivals per hour of a run, from the creation time of every delivered message (every
/// message of these scenarios is delivered).
fn created_per_hour(sc: &mailflow::model::Scenario, hours: usize) -> Vec<u64> {
    let mut e = Engine::new(sc, 1);
    e.enable_log();
    e.run();
    let mut per_hour = vec![0u64; hours];
    for entry in e.log() {
        if let LogEntry::Delivered { created, .. } = entry {
            per_hour[(created.0 / 3_600_000_000) as usize] += 1;
        }
    }
    per_hour
}

#[test]
fn a_real_postfix_log_is_fitted_back_within_sampling_error() {
    let dir = tempfile::tempdir().unwrap();
    let truth = fit_capture("day", dir.path(), &[]);
    let report = json(&dir.path().join("fit.json"));
    let stream = &report["streams"][0];
    assert_eq!(stream["name"], "outbound");
    let n = stream["messages"].as_u64().unwrap();
    assert_eq!(n, truth["messages"].as_u64().unwrap());
    // One day observed (a Tuesday): the rate is that day's count; Poisson standard error √n.
    let fed: f64 = truth["profile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["expected"].as_f64().unwrap())
        .sum();
    let rate = stream["rate_per_day"].as_f64().unwrap();
    assert!(
        (rate - fed).abs() < 3.0 * fed.sqrt(),
        "rate {rate}/d, fed {fed}/d"
    );
    // Hour by hour, the fitted weekday profile against the fed one: Pearson's statistic on 24
    // degrees of freedom stays below 45.6 (p = 0.005) unless the fit is wrong.
    let weekday = stream["profile"]["weekday"].as_array().unwrap();
    let mut chi2 = 0.0;
    for (h, p) in truth["profile"].as_array().unwrap().iter().enumerate() {
        let expected = p["expected"].as_f64().unwrap();
        let fitted = weekday[h].as_f64().unwrap() * rate / 24.0;
        chi2 += (fitted - expected).powi(2) / expected;
    }
    assert!(chi2 < 45.6, "chi-square {chi2} on 24 dof");
    // Recipients per message are counted exactly.
    let by_count = &truth["messages_by_nrcpt"];
    for (k, w) in stream["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_u64().unwrap(), r[1].as_f64().unwrap()))
    {
        let want = by_count[k.to_string()].as_f64().unwrap() / n as f64;
        assert!((w - want).abs() < 1e-9, "{k} recipients: {w} vs {want}");
    }
    // Sizes: Postfix's size= is the submitted body plus the headers it adds, so the median
    // lies somewhat above the fed 4000 bytes and the spread somewhat below σ = 1.
    let size = &stream["size"];
    let median = size["median"].as_f64().unwrap();
    let sigma = size["sigma"].as_f64().unwrap();
    assert!((4000.0..5500.0).contains(&median), "{size}");
    assert!((0.8..1.0).contains(&sigma), "{size}");
    // Delivery delays per destination, and no address in any output.
    assert_eq!(report["delays"].as_array().unwrap().len(), 4);
    for f in ["fit.json", "traffic.yaml"] {
        let t = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(!t.contains('@'), "{f} holds an address");
    }
    let svg = std::fs::read_to_string(dir.path().join("hourly.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
}

#[test]
fn a_real_postfix_log_is_replayed_with_its_arrivals_hour_by_hour() {
    let dir = tempfile::tempdir().unwrap();
    let truth = fit_capture("day", dir.path(), &["--replay"]);
    let report = json(&dir.path().join("fit.json"));
    let replay = std::fs::read_to_string(dir.path().join("replay.yaml")).unwrap();
    // The log's day (t = 0 is its midnight) with one more hour to deliver the last messages.
    let scenario = format!(
        "name: replay-day\nduration: 25h\n\
         domains:\n  \"*\": {{mx: onprem, mailboxes: {{onprem: 1.0}}}}\n\
         nodes:\n  onprem: {{kind: smtp}}\n{replay}"
    );
    let path = dir.path().join("replay-day.yaml");
    std::fs::write(&path, scenario).unwrap();
    let sc = match mailflow::scenario::load(&path, &[]) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{e}"),
    };
    let per_hour = created_per_hour(&sc, 25);
    // The log's Tuesday is hours 24..48 of its week.
    let logged: Vec<u64> = report["observed"][0].as_array().unwrap()[24..48]
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    assert_eq!(per_hour[..24], logged[..]);
    assert_eq!(
        per_hour.iter().sum::<u64>(),
        truth["messages"].as_u64().unwrap()
    );
    // The same through the command line, sizes included.
    let out = dir.path().join("run");
    let o = mailflow(&[
        "run",
        &path.display().to_string(),
        "--out",
        &out.display().to_string(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["messages"]["generated"], truth["messages"]);
    assert_eq!(summary["recipients"]["generated"], truth["recipients"]);
    // An imported organisation takes the replay in, written in another folder.
    let exports = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/import/exchange-server");
    let org = dir.path().join("elsewhere/org.yaml");
    let mut args: Vec<String> = vec!["import".into(), "exchange-server".into()];
    for e in std::fs::read_dir(exports).unwrap() {
        args.push(e.unwrap().path().display().to_string());
    }
    args.extend([
        "--traffic".into(),
        dir.path().join("replay.yaml").display().to_string(),
        "--out".into(),
        org.display().to_string(),
        "--quiet".into(),
    ]);
    let o = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let sc = mailflow::scenario::load(&org, &[]).unwrap().scenario;
    let replayed = sc.traffic[0].replay.as_ref().unwrap();
    assert_eq!(
        replayed.arrivals.len() as u64,
        truth["messages"].as_u64().unwrap()
    );
}

#[test]
fn a_short_capture_with_bursts_is_fitted_and_replayed_message_for_message() {
    let dir = tempfile::tempdir().unwrap();
    let truth = fit_capture("piecewise", dir.path(), &["--replay"]);
    let report = json(&dir.path().join("fit.json"));
    assert_eq!(report["streams"][0]["messages"], truth["messages"]);
    let replay = std::fs::read_to_string(dir.path().join("outbound.replay")).unwrap();
    let arrivals: Vec<u64> = replay
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(arrivals.len() as u64, truth["messages"].as_u64().unwrap());
    // The fed rate was 10/s in the fourth 4-minute window: the log shows it.
    let start = arrivals[0] / 1_000_000;
    let in_window = |a: u64, b: u64| {
        arrivals
            .iter()
            .filter(|t| (start + a..start + b).contains(&(*t / 1_000_000)))
            .count() as f64
    };
    let burst = in_window(720, 960);
    assert!((burst - 2400.0).abs() < 4.0 * 2400f64.sqrt(), "{burst}");
}

/// Two weeks of a synthetic organisation's Postfix log (known rates and office-hours profile)
/// go through `fit`, then `import --traffic`: the scenario loads, runs, and a week of it
/// arrives hour by hour as the truth says.
#[test]
fn synthetic_logs_go_through_fit_and_import_and_the_run_follows_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let log = SynthLog {
        start: (2024, 3, 4),
        days: 14,
        hostname: "relay1".into(),
        rfc3339: false,
        defer_share: 0.02,
        seed: 17,
        streams: contoso([3000.0, 2000.0, 1000.0]),
    };
    let log_path = dir.path().join("maillog");
    let mut bytes = Vec::new();
    let summary = log.write(&mut bytes).unwrap();
    std::fs::write(&log_path, &bytes).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/import");
    let exports: Vec<String> = ["exchange-online", "exchange-server", "dns"]
        .iter()
        .flat_map(|f| std::fs::read_dir(samples.join(f)).unwrap())
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let first = dir.path().join("first.yaml");
    let mut args = vec!["import", "auto"];
    args.extend(exports.iter().map(String::as_str));
    let first_s = first.display().to_string();
    args.extend(["--out", &first_s, "--quiet"]);
    let o = mailflow(&args);
    assert!(o.status.success(), "{}", text(&o));
    let fit_dir = dir.path().join("fit");
    let o = mailflow(&[
        "fit",
        &log_path.display().to_string(),
        "--scenario",
        &first_s,
        "--year",
        "2024",
        "--out",
        &fit_dir.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("inbound") && table.contains("KS D"),
        "{table}"
    );
    let report = json(&fit_dir.join("fit.json"));
    // The scenario's nodes start the streams; the accepted domains split them.
    let streams = report["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 3);
    assert_eq!(streams[0]["from"], "internet");
    assert_eq!(streams[1]["from"], "exo");
    for (s, want) in streams.iter().zip(&summary.messages) {
        assert_eq!(s["messages"].as_u64().unwrap(), *want);
    }
    let fitted = dir.path().join("contoso.yaml");
    let mut args = vec!["import", "auto"];
    args.extend(exports.iter().map(String::as_str));
    let traffic = fit_dir.join("traffic.yaml").display().to_string();
    let fitted_s = fitted.display().to_string();
    args.extend([
        "--traffic",
        &traffic,
        "--duration",
        "7d",
        "--out",
        &fitted_s,
        "--quiet",
    ]);
    let o = mailflow(&args);
    assert!(o.status.success(), "{}", text(&o));
    let sc = mailflow::scenario::load(&fitted, &[]).unwrap().scenario;
    let mut e = Engine::new(&sc, 3);
    e.run();
    let s = mailflow::experiment::Summary::from_engine(&e, 0.0);
    // A week of the three streams: 7 × 6000 messages expected, Poisson spread (copies made by
    // splitting a message whose recipients' next hops differ are not new messages).
    let generated = (s.messages.generated - s.messages.split) as f64;
    assert!(
        (generated - 42_000.0).abs() < 4.0 * 42_000f64.sqrt(),
        "{generated}"
    );
    // Weekdays carry more than weekends, as the office profile says (the run starts on Monday).
    let inbound = sc.traffic.iter().find(|t| t.name == "inbound").unwrap();
    let mailflow::model::Profile::Weekly(points) = &inbound.profile else {
        panic!("not weekly: {:?}", inbound.profile);
    };
    let day_mean = |d: usize| points[d * 24..d * 24 + 24].iter().map(|p| p.1).sum::<f64>() / 24.0;
    assert!(
        day_mean(0) > 1.15 && day_mean(6) < 0.7,
        "{} {}",
        day_mean(0),
        day_mean(6)
    );
}

/// A weekly profile makes arrivals follow it hour by hour (chi-square against the profile).
#[test]
fn a_weekly_profile_drives_arrivals_hour_by_hour() {
    let mut weekday = vec![1.0; 24];
    weekday[9] = 4.0;
    let weekend = vec![0.25; 24];
    let fmt = |v: &[f64]| format!("{v:?}");
    let yaml = format!(
        "name: week\nduration: 7d\n\
         domains:\n  \"*\": {{mx: sink, mailboxes: {{sink: 1.0}}}}\n\
         nodes:\n  sink: {{kind: smtp, workers: unlimited, service_time: {{fixed: 0s}}}}\n\
         traffic:\n  - name: t\n    from: sink\n    to: example.net\n    rate: 2400/d\n    \
         profile: {{weekday: {}, weekend: {}, start: saturday}}\n",
        fmt(&weekday),
        fmt(&weekend)
    );
    let sc = mailflow::scenario::load_str(&yaml, "week.yaml", &[])
        .unwrap()
        .scenario;
    let per_hour = created_per_hour(&sc, 168);
    let mean: f64 = (5.0 * weekday.iter().sum::<f64>() + 2.0 * weekend.iter().sum::<f64>()) / 168.0;
    let mut chi2 = 0.0;
    for (h, got) in per_hour.iter().enumerate() {
        // Starting on Saturday: days 0 and 1 are the weekend.
        let x = if h < 48 {
            weekend[h % 24]
        } else {
            weekday[h % 24]
        };
        let expected = 100.0 * x / mean;
        chi2 += (*got as f64 - expected).powi(2) / expected;
    }
    // 168 degrees of freedom: mean 168, sd 18.3; 230 is beyond p = 0.001.
    assert!(chi2 < 230.0, "chi-square {chi2}");
    // Monday 09:00 is busy, Saturday 09:00 quiet.
    assert!(per_hour[48 + 9] > 4 * per_hour[9], "{per_hour:?}");
}

#[test]
fn replay_and_profile_mistakes_are_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.replay"),
        "# mailflow replay v1\n0 100 1 inbound contoso.com\n5 ten 1 inbound contoso.com\n",
    )
    .unwrap();
    let base = "name: x\nduration: 1d\ndomains:\n  contoso.com: {mx: a, mailboxes: {a: 1.0}}\n\
                nodes:\n  a: {kind: smtp}\ntraffic:\n  - name: t\n    from: a\n";
    let load = |stream: &str| {
        let path = dir.path().join("x.yaml");
        std::fs::write(&path, format!("{base}{stream}")).unwrap();
        match mailflow::scenario::load(&path, &[]) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    };
    let e = load("    replay: bad.replay\n");
    assert!(
        e.contains("x.yaml:10:13: error:") && e.contains("bad.replay:3: size_bytes `ten`"),
        "{e}"
    );
    let e = load("    replay: missing.replay\n");
    assert!(e.contains("cannot read the replay file"), "{e}");
    let e = load("    replay: bad.replay\n    rate: 10/h\n");
    assert!(e.contains("`rate` comes from the replay file"), "{e}");
    let e = load("    to: contoso.com\n");
    assert!(e.contains("x.yaml:8:5: error: missing key `rate`"), "{e}");
    std::fs::write(
        dir.path().join("far.replay"),
        "0 100 1 outbound example.org\n",
    )
    .unwrap();
    let e = load("    replay: far.replay\n");
    assert!(
        e.contains("recipient domain `example.org` has no entry"),
        "{e}"
    );
    let e = load("    to: contoso.com\n    rate: 1/h\n    profile: {weekday: [1, 2]}\n");
    assert!(e.contains("2 multipliers instead of 24"), "{e}");
    let e =
        load("    to: contoso.com\n    rate: 1/h\n    profile: {weekday: [1], start: someday}\n");
    assert!(e.contains("`someday` is not a day of the week"), "{e}");
}

/// Cut logs (mid-line, mid-gzip) and garbage: exit 0 with counted skipped lines, or exit 2
/// with a located error; never a panic.
#[test]
fn cut_and_bad_logs_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = capture("piecewise");
    let gz = std::fs::read(&log).unwrap();
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let out = dir.path().join("out");
    let o = mailflow(&[
        "fit",
        &cut.display().to_string(),
        "--accepted-domain",
        "example.com",
        "--out",
        &out.display().to_string(),
    ]);
    // A log cut mid-gzip (copied while being rotated) is read up to the cut, with a note.
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("cut.gz: the compressed log ends early"),
        "{}",
        text(&o)
    );
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/import/logs");
    for name in ["maillog", "MSGTRK2024030409-1.LOG", "messagetrace.csv"] {
        let o = mailflow(&[
            "fit",
            &samples.join(name).display().to_string(),
            "--accepted-domain",
            "contoso.com",
            "--year",
            "2024",
            "--out",
            &dir.path().join(name).display().to_string(),
        ]);
        assert!(o.status.success(), "{name}: {}", text(&o));
        // The samples end with a cut line, which is counted, not fatal.
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("skipped"),
            "{}",
            text(&o)
        );
    }
    let garbage = dir.path().join("garbage.log");
    std::fs::write(&garbage, "this is not a mail log\n").unwrap();
    let o = mailflow(&[
        "fit",
        &garbage.display().to_string(),
        "--accepted-domain",
        "x.com",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("garbage.log:1:1: error: cannot tell what log this is")
    );
    let o = mailflow(&["fit", &samples.join("maillog").display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no accepted domains"));
}

/// `--against` simulates a scenario and sets its delays per recipient domain beside the ones the
/// log observed: here the log's own arrivals replayed through a relay to a sink 50 ms away.
#[test]
fn observed_delays_are_set_beside_a_scenarios_simulated_ones() {
    let dir = tempfile::tempdir().unwrap();
    fit_capture("day", &dir.path().join("fit"), &["--replay"]);
    let replay = std::fs::read_to_string(dir.path().join("fit/replay.yaml")).unwrap();
    let replay = replay.replace("\"outbound.replay\"", "\"fit/outbound.replay\"");
    let domains: String = [
        "sink.test",
        "partner.test",
        "customer.example",
        "lists.example.org",
    ]
    .iter()
    .map(|d| format!("  {d}: {{mx: sink, mailboxes: {{sink: 1.0}}}}\n"))
    .collect();
    let scenario = format!(
        "name: calibrate\nduration: 25h\ndomains:\n{domains}  \"*\": {{mx: sink, mailboxes: {{sink: 1.0}}}}\n\
         nodes:\n  onprem: {{kind: smtp}}\n  sink: {{kind: smtp}}\n\
         connectors:\n  - {{name: out, from: onprem, to: sink, domains: [\"*\"], latency: {{fixed: 50ms}}}}\n{replay}"
    );
    let path = dir.path().join("calibrate.yaml");
    std::fs::write(&path, scenario).unwrap();
    let (log, _) = capture("day");
    let o = mailflow(&[
        "fit",
        &log.display().to_string(),
        "--accepted-domain",
        "example.com",
        "--accepted-domain",
        "corp.example.net",
        "--year",
        "2026",
        "--against",
        &path.display().to_string(),
        "--out",
        &dir.path().join("against").display().to_string(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sim = out["simulated_delays"].as_array().unwrap();
    let sink = sim.iter().find(|d| d["domain"] == "sink.test").unwrap();
    let p50 = sink["p50_s"].as_f64().unwrap();
    assert!(p50 > 0.05 && p50 < 5.0, "{sink}");
    let observed = out["report"]["delays"].as_array().unwrap();
    assert!(observed.iter().any(|d| d["domain"] == "sink.test"));
}
