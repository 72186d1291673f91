//! Report folders end to end: well-formed SVGs with the expected series, a self-contained
//! index.html, exporter snapshots at a fixed seed, and `compare` under common random numbers.
//!
//! Snapshots live in `tests/snapshots/`; `UPDATE_SNAPSHOTS=1 cargo test --test reports`
//! rewrites them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mailflow::report::svg::{FAULT_RED, colour, hex};

const CLOUD_MX: &str = "tests/fixtures/reports-cloud-mx.yaml";
const ONPREM_MX: &str = "tests/fixtures/reports-onprem-mx.yaml";
const EMPTY: &str = "tests/fixtures/reports-empty.yaml";

fn mailflow(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        // The console snapshot is laid out for a terminal 100 columns wide.
        .env("COLUMNS", "100")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the mailflow binary runs");
    assert!(
        out.status.success(),
        "mailflow {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `scenario` into a fresh folder and returns (the temp dir guard, the folder, stdout).
fn run_report(scenario: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let mut args = vec!["run", scenario, "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = mailflow(&args);
    (tmp, dir, String::from_utf8(out.stdout).unwrap())
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses an SVG, failing the test when it is not well-formed XML.
fn parse(name: &str, text: &str) {
    if let Err(e) = roxmltree::Document::parse(text) {
        panic!("{name} is not well-formed XML: {e}");
    }
}

fn count_elements(text: &str, tag: &str, pred: impl Fn(&roxmltree::Node<'_, '_>) -> bool) -> usize {
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name(tag) && pred(n))
        .count()
}

#[test]
fn every_svg_is_well_formed_with_a_line_per_node_and_a_band_per_fault_window() {
    let (_tmp, dir, _) = run_report(CLOUD_MX, &["--quiet"]);
    for name in ["queues.svg", "outcomes.svg", "latency.svg", "topology.svg"] {
        parse(name, &read(&dir, name));
    }
    let queues = read(&dir, "queues.svg");
    // Nodes internet, cloud, onprem (palette 0..3) and connector cloud-to-onprem (palette 3):
    // one line in the plot and one swatch in the legend under it.
    for i in 0..4 {
        let stroke = hex(colour(i));
        let lines = count_elements(&queues, "polyline", |n| {
            n.attribute("stroke") == Some(&stroke)
        });
        assert_eq!(
            lines, 2,
            "a line and its legend swatch of colour {stroke} in queues.svg"
        );
    }
    // One fault window, shaded in every panel (nodes, connectors, oldest message in flight)
    // and named in each legend with the code senders see.
    let red = hex(FAULT_RED);
    let bands = count_elements(&queues, "rect", |n| n.attribute("fill") == Some(&red));
    assert_eq!(bands, 3, "one band per fault window per panel");
    assert!(queues.contains("firewall_block onprem · 450 4.4.316 (9h00m–11h00m)"));
    assert!(queues.contains("time since start (hours)"));
    assert!(queues.contains("messages waiting (messages)"));
    assert!(queues.contains("exact peak"));
    let outcomes = read(&dir, "outcomes.svg");
    for text in [
        "delivered",
        "NDR rate (% of messages finished)",
        "per 10 min",
    ] {
        assert!(outcomes.contains(text), "outcomes.svg mentions {text}");
    }
    let latency = read(&dir, "latency.svg");
    for text in [
        "all traffic: p50",
        "inbound: p50",
        "outbound: p50",
        "(time, log scale)",
        "share of delivered messages within (%)",
    ] {
        assert!(latency.contains(text), "latency.svg mentions {text}");
    }
    let topology = read(&dir, "topology.svg");
    for text in [
        "cloud-to-onprem",
        "TLS required",
        "for contoso.com",
        "MX contoso.com",
        "mailboxes: contoso.com 50%",
    ] {
        assert!(topology.contains(text), "topology.svg mentions {text}");
    }
    // The faulted node and the alerted connector are drawn in red.
    assert!(
        count_elements(&topology, "g", |n| n.attribute("class")
            == Some("node fault"))
            >= 1
    );
    assert!(
        count_elements(&topology, "polyline", |n| n.attribute("stroke")
            == Some(&red))
            >= 1
    );
}

#[test]
fn index_html_embeds_every_chart_and_links_nothing_remote() {
    let (_tmp, dir, _) = run_report(CLOUD_MX, &["--quiet"]);
    let html = read(&dir, "index.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 4, "the four charts inline");
    for text in [
        "Small hybrid with MX at the cloud",
        "Alerts",
        "Cause:",
        "Fix:",
        "450 4.4.316",
        "latency by stream",
    ] {
        assert!(html.contains(text), "index.html mentions {text}");
    }
    for remote in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "url(http",
        "@import",
    ] {
        assert!(
            !html.contains(remote),
            "index.html links something remote: {remote}"
        );
    }
}

#[test]
fn a_scenario_with_no_connectors_faults_or_deliveries_still_renders() {
    let (_tmp, dir, _) = run_report(EMPTY, &["--quiet"]);
    for name in ["queues.svg", "outcomes.svg", "latency.svg", "topology.svg"] {
        parse(name, &read(&dir, name));
    }
    assert!(read(&dir, "latency.svg").contains("no deliveries"));
    assert!(read(&dir, "index.html").contains("No mail flow alerts"));
}

#[test]
fn the_same_seed_gives_byte_identical_charts_and_page() {
    let (_a, first, _) = run_report(CLOUD_MX, &["--quiet"]);
    let (_b, second, _) = run_report(CLOUD_MX, &["--quiet"]);
    for name in [
        "queues.svg",
        "outcomes.svg",
        "latency.svg",
        "topology.svg",
        "index.html",
    ] {
        assert!(
            read(&first, name) == read(&second, name),
            "{name} differs between runs"
        );
    }
}

/// Compares `actual` with `tests/snapshots/<name>`, or rewrites it with `UPDATE_SNAPSHOTS=1`.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from its snapshot from line {}:\n expected: {:?}\n   actual: {:?}\n(if the change is intended: UPDATE_SNAPSHOTS=1 cargo test --test reports)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn json_csv_and_console_exporters_match_their_snapshots() {
    let (_tmp, dir, stdout) = run_report(CLOUD_MX, &["--seed", "7"]);
    let mut json: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).unwrap();
    json.as_object_mut().unwrap().remove("engine");
    snapshot(
        "reports-cloud-mx.summary.json",
        &(serde_json::to_string_pretty(&json).unwrap() + "\n"),
    );
    snapshot(
        "reports-cloud-mx.timeseries.csv",
        &read(&dir, "timeseries.csv"),
    );
    // The first lines (to the first blank one) have wall-clock timing; the last names the
    // temporary folder.
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with("report: "))
        .collect();
    snapshot("reports-cloud-mx.console.txt", &(table.join("\n") + "\n"));
}

fn compare(a: &str, b: &str) -> (tempfile::TempDir, PathBuf, serde_json::Value) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cmp");
    mailflow(&["compare", a, b, "--out", dir.to_str().unwrap(), "--quiet"]);
    let json = serde_json::from_str(&read(&dir, "comparison.json")).unwrap();
    (tmp, dir, json)
}

#[test]
fn compare_runs_scenarios_with_equal_traffic_on_the_same_random_numbers() {
    let (_tmp, dir, json) = compare(CLOUD_MX, ONPREM_MX);
    assert_eq!(
        json["scenarios"],
        serde_json::json!(["reports-cloud-mx", "reports-onprem-mx"])
    );
    let cols = json["columns"].as_array().unwrap();
    assert_eq!(
        cols[0]["generated"], cols[1]["generated"],
        "same traffic, same seed"
    );
    assert!(cols[0]["generated"].as_u64().unwrap() > 1000);
    assert!(json["differences"][0].as_str().unwrap().contains("same"));
    for name in ["queues.svg", "outcomes.svg", "latency.svg"] {
        parse(name, &read(&dir, name));
    }
    let html = read(&dir, "index.html");
    assert!(html.contains("What differs"));
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "three charts and both topologies"
    );
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

#[test]
fn compare_of_mx_to_onprem_and_mx_to_eop_names_both() {
    let (_tmp, _dir, json) = compare("scenarios/mx-to-onprem.yaml", "scenarios/mx-to-eop.yaml");
    assert_eq!(
        json["scenarios"],
        serde_json::json!(["mx-to-onprem", "mx-to-eop"])
    );
    assert_eq!(json["seed"], 7);
    let text = json["differences"].to_string();
    assert!(text.contains("mx-to-onprem") && text.contains("mx-to-eop"));
}

#[test]
fn compare_refuses_a_folder_mailflow_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["compare", CLOUD_MX, ONPREM_MX, "--quiet", "--out"])
        .arg(tmp.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
}

#[test]
fn compare_with_replications_shares_every_replications_seed_across_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cmp");
    let args = [
        "compare",
        CLOUD_MX,
        ONPREM_MX,
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
    ];
    mailflow(&[&args[..], &["--replications", "3", "--jobs", "2"]].concat());
    let json: serde_json::Value = serde_json::from_str(&read(&dir, "comparison.json")).unwrap();
    let reps = &json["replications"];
    let (a, b) = (&reps["reports-cloud-mx"], &reps["reports-onprem-mx"]);
    assert_eq!(a["count"], 3);
    assert_eq!(
        a["seeds"], b["seeds"],
        "the same derived seeds for every scenario"
    );
    let runs = &a["messages"]["generated"]["runs"];
    assert_eq!(runs.as_array().unwrap().len(), 3);
    assert_eq!(
        runs, &b["messages"]["generated"]["runs"],
        "equal traffic in every replication"
    );
    assert_ne!(runs[0], runs[1], "replications differ from one another");
}
