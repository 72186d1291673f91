//! Reports that answer the architect's questions truthfully (issue #14): the decommission
//! comparison says both designs bounce the same mail and the fix tells senders a day sooner;
//! the share delayed over 1 h or not delivered is on the first screen; one number per fact
//! (alert peak = table peak); axes in their units; a 2-D sweep gives a capacity per value of the
//! other key; console text wrapped to the terminal; delay thresholds chosen by the user.

use std::path::Path;
use std::process::Command;

fn mailflow(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the mailflow binary runs");
    assert!(
        out.status.success(),
        "mailflow {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(dir: &Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&read(dir, name)).unwrap()
}

#[test]
fn the_decommission_compare_says_both_bounce_the_same_mail_and_the_fix_tells_senders_a_day_sooner()
{
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cmp");
    let out = mailflow(
        &[
            "compare",
            "scenarios/decommission.yaml",
            "scenarios/decommission-fixed.yaml",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[("COLUMNS", "400")],
    );
    let c = json(&dir, "comparison.json");
    let words = c["differences"].to_string();
    assert!(
        words.contains("fail to deliver about the same (9,954 against 9,955")
            && words.contains("both bounce the same unknown-recipient mail"),
        "{words}"
    );
    assert!(
        words.contains("decommission returns 4,830 as NDRs")
            && words.contains("still holds 5,124 in flight")
            && words.contains("they expire as NDRs too"),
        "{words}"
    );
    assert!(
        words.contains("Senders learn about 1d00h sooner in decommission-fixed: mean time to NDR"),
        "{words}"
    );
    // No claim inside the noise: a millisecond of p99 is no change; not "loses the most mail".
    assert!(words.contains("does not change"), "{words}");
    assert!(!words.contains("loses the most mail") && !words.contains("slowest"));
    // The one setting that differs, by its path.
    let settings = &c["settings"]["decommission-fixed"];
    assert_eq!(settings.as_array().unwrap().len(), 1, "{settings}");
    assert_eq!(
        settings[0]["path"],
        "nodes.eop.accepted_domains.contoso.com"
    );
    assert_eq!(settings[0]["baseline"], "internal_relay");
    assert_eq!(settings[0]["value"], "authoritative");
    let ndr_time = c["deltas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric"] == "mean time to NDR")
        .unwrap();
    assert_eq!(ndr_time["verdict"], "lower");
    assert!(ndr_time["difference"].as_f64().unwrap() < -86_000.0);
    assert!(out.contains("nodes.eop.accepted_domains.contoso.com"));
    let html = read(&dir, "index.html");
    assert!(html.contains("Settings that differ") && html.contains("Topologies"));
}

#[test]
fn with_replications_every_difference_has_a_paired_ci_and_noise_is_no_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cmp");
    mailflow(
        &[
            "compare",
            "scenarios/decommission.yaml",
            "scenarios/decommission-fixed.yaml",
            "--set",
            "duration=1d",
            "--replications",
            "3",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let c = json(&dir, "comparison.json");
    for d in c["deltas"].as_array().unwrap() {
        let [lo, hi] = [
            d["ci95"][0].as_f64().unwrap(),
            d["ci95"][1].as_f64().unwrap(),
        ];
        if lo <= 0.0 && hi >= 0.0 {
            assert_eq!(d["verdict"], "no_change", "{d}");
        }
    }
    let p99 = c["deltas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric"] == "delivery latency p99")
        .unwrap();
    assert_eq!(p99["verdict"], "no_change", "{p99}");
}

#[test]
fn the_decommission_run_shows_the_share_delayed_over_an_hour_or_not_delivered_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = mailflow(
        &[
            "run",
            "scenarios/decommission.yaml",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let s = json(&dir, "summary.json");
    let d = &s["outcomes"]["delayed"]["1h"];
    let generated = s["messages"]["generated"].as_u64().unwrap();
    assert_eq!(
        d["count"].as_u64().unwrap(),
        d["delivered_late"].as_u64().unwrap()
            + d["ndr"].as_u64().unwrap()
            + d["in_flight_older"].as_u64().unwrap()
    );
    assert!((d["share"].as_f64().unwrap() - 0.0199).abs() < 0.001, "{d}");
    // About 2 % of recipients are unknown: every one of them is late or returned.
    let count = d["count"].as_u64().unwrap();
    assert!(
        count * 1000 / generated >= 19 && count * 1000 / generated <= 21,
        "{d}"
    );
    // Time to NDR is the 24 h expiry; what is still queued is up to a day old.
    let ndr = &s["outcomes"]["time_to_ndr_s"];
    assert!(
        (ndr["mean"].as_f64().unwrap() - 86_400.0).abs() < 60.0,
        "{ndr}"
    );
    assert!(s["outcomes"]["in_flight_age_s"]["oldest"].as_f64().unwrap() > 80_000.0);
    // Who: the recipient domain, the streams.
    assert_eq!(
        s["impact"]["domains"]["contoso.com"]["affected"],
        d["count"]
    );
    // The incident: a firewall block that never clears; the queue never drains.
    let i = &s["incidents"][0];
    assert_eq!(i["kind"], "fault");
    assert_eq!(i["events"][3]["event"], "cleared");
    assert!(i["events"][3]["at_s"].is_null());
    // On the first screen: before the alerts and the charts.
    let html = read(&dir, "index.html");
    let headline = html.find("were delayed over 1 h or not delivered").unwrap();
    assert!(headline < html.find("<h2>Alerts").unwrap());
    assert!(html[..headline].contains("2.0% of messages"));
    // The outcome times, who is affected and the timeline come before the alerts too.
    let alerts = html.find("<h2>Alerts").unwrap();
    for first in [
        "time to NDR (550 4.4.7)",
        "age still in flight",
        "to contoso.com",
        "first NDR",
    ] {
        assert!(html.find(first).is_some_and(|at| at < alerts), "{first}");
    }
    assert!(
        out.contains("2.0% of messages (") && out.contains(" of 494,035) were delayed over 1 h"),
        "{out}"
    );
    // Usable as an SLO.
    let status = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args([
            "run",
            "scenarios/decommission.yaml",
            "--quiet",
            "--slo",
            "delayed_1h<0.1%",
        ])
        .arg("--out")
        .arg(tmp.path().join("slo"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(3));
}

#[test]
fn one_number_per_fact_the_alert_peak_is_the_table_peak_and_the_chart_marks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    mailflow(
        &[
            "run",
            "scenarios/mx-to-eop.yaml",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let s = json(&dir, "summary.json");
    let table = s["connectors"]["eop-to-onprem"]["peak_queue"]
        .as_u64()
        .unwrap();
    let alert = &s["alerts"][0];
    assert_eq!(alert["peak_queued_exact"].as_u64(), Some(table));
    assert!(
        alert["peak_queued"].as_u64().unwrap() < table,
        "sampled at the retries"
    );
    let peak = format!("peak {}", mailflow::report::format::count(table));
    assert!(read(&dir, "queues.svg").contains(&peak));
    let html = read(&dir, "index.html");
    assert!(html.contains(&format!("{peak} queued (exact;")));
    // The incident clears at 1d15h and its queue drains after.
    let i = &s["incidents"][0];
    assert_eq!(i["events"][3]["at_s"], 39.0 * 3600.0);
    let drained = i["events"][4]["at_s"].as_f64().unwrap();
    assert!(drained > 39.0 * 3600.0 && drained < 41.0 * 3600.0, "{i}");
    assert!(read(&dir, "queues.svg").contains("eop-to-onprem drained at"));
}

#[test]
fn a_two_key_sweep_gives_a_capacity_per_value_of_the_other_key_in_human_units() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let out = mailflow(
        &[
            "sweep",
            "scenarios/mm1.yaml",
            "--vary",
            "traffic.arrivals.rate=0.30/s,0.50/s,0.70/s",
            "--vary",
            "nodes.server.workers=1,2",
            "--slo",
            "latency.p99<10s",
            "--set",
            "duration=6h",
            "--replications",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let j = json(&dir, "sweep.json");
    let by = j["capacity_by"].as_array().unwrap();
    assert_eq!(by.len(), 2);
    assert_eq!(by[0]["at"]["nodes.server.workers"], "1");
    assert_eq!(
        by[1]["value"], "0.70/s",
        "two workers carry every load: {by:?}"
    );
    assert!(out.contains("with nodes.server.workers=2: traffic.arrivals.rate = 0.70/s"));
    let svg = read(&dir, "sweep.svg");
    assert!(svg.contains("arrivals traffic rate (traffic.arrivals.rate)"));
    assert!(svg.contains("delivery latency p99 (time)"));
    assert!(svg.contains("nodes.server.workers=2 · capacity 0.70/s"));
    let html = read(&dir, "index.html");
    assert!(html.contains("Capacity per value of the other keys"));
    assert!(!out.contains("6.4758"), "seconds written as durations");
}

#[test]
fn console_lines_wrap_to_the_terminal_width() {
    let tmp = tempfile::tempdir().unwrap();
    let out = mailflow(
        &[
            "run",
            "tests/fixtures/reports-cloud-mx.yaml",
            "--out",
            tmp.path().join("r").to_str().unwrap(),
        ],
        &[("COLUMNS", "60")],
    );
    assert!(out.contains("Mail flow intelligence alerts:"));
    // Every line: the headline, the tables (cut into tables that repeat their first column),
    // the incidents and the alerts.
    for line in out.lines().filter(|l| !l.starts_with("report: ")) {
        assert!(
            line.chars().count() <= 60,
            "{line:?} is wider than 60 columns"
        );
    }
    assert!(out.contains("  node ") && out.contains("delay DSNs"));
}

#[test]
fn delay_thresholds_are_chosen_with_delayed_over_and_by_the_slos() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let status = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args([
            "run",
            "tests/fixtures/reports-cloud-mx.yaml",
            "--quiet",
            "--delayed-over",
            "30m,2h",
            "--slo",
            "delayed_90m<1%",
            "--out",
        ])
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    // 5.2% are delayed over 1 h: over 90 min is above 1% too.
    assert_eq!(status.code(), Some(3));
    let s = json(&dir, "summary.json");
    let keys: Vec<&str> = s["outcomes"]["delayed"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["30m", "1h", "90m", "2h"], "1h is always counted");
    let d = &s["outcomes"]["delayed"];
    let count = |k: &str| d[k]["count"].as_u64().unwrap();
    assert!(count("30m") >= count("1h") && count("1h") >= count("90m"));
    assert!(count("90m") >= count("2h"));
    assert_eq!(s["slo"][0]["value"], d["90m"]["share"]);
    // Sub-minute thresholds are refused with the reason.
    let out = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args([
            "run",
            "tests/fixtures/reports-cloud-mx.yaml",
            "--delayed-over",
            "30s",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("whole minutes"));
}
