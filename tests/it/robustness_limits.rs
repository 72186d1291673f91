//! Issue 16, sizes and counters: every count a user can write is bounded with a clear error
//! before work starts, no counter wraps, and arrivals cannot stall simulated time.

use std::path::Path;
use std::time::Duration;

use mailflow::experiment::Summary;
use mailflow::scenario;

use super::{mailflow, root};
use crate::common::{assert_conserved, load};

const QUICK: Duration = Duration::from_secs(10);

/// Runs the command and expects exit 2 with `words`, quickly, and nothing written.
fn refused(args: &[&str], words: &str) -> String {
    let o = mailflow(args, QUICK);
    let what = format!("`mailflow {}`:\n{}", args.join(" "), o.text());
    assert_eq!(o.code, Some(2), "{what}");
    assert!(o.text().contains(words), "expected `{words}` in {what}");
    assert!(!o.text().contains("panicked"), "{what}");
    assert!(o.took < Duration::from_secs(5), "{what} took {:?}", o.took);
    o.text()
}

/// Regression (issue 16): `name: ../../x` or an absolute path wrote report folders anywhere.
#[test]
fn a_scenario_name_cannot_put_the_report_outside_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("escape.yaml");
    let text = std::fs::read_to_string(root().join("scenarios/mm1.yaml"))
        .unwrap()
        .replace("name: mm1", "name: ../../escaped");
    std::fs::write(&file, text).unwrap();
    let f = file.to_str().unwrap();
    let t = refused(
        &["run", f, "--quiet"],
        ":12:7: error: `name` cannot contain `/`",
    );
    assert!(t.contains("pass --out DIR"), "{t}");
    refused(&["validate", f], ":12:7: error: `name` cannot contain `/`");
    for name in ["/tmp/abs", "..", ".hidden", "a\\b", "line\nbreak"] {
        let set = format!("name={name:?}");
        refused(
            &["run", "scenarios/mm1.yaml", "--set", &set, "--quiet"],
            "error: `name",
        );
    }
    assert!(!root().join("../escaped").exists());
    assert!(!Path::new("/tmp/abs").exists());
}

const LOOP: &str = r#"
name: loop
duration: 2h
max_hops: HOPS
domains:
  contoso.com: {mx: eop, mailboxes: {eop: 1.0}, unknown_recipients: 1.0}
  "*": {mx: internet, mailboxes: {internet: 1.0}}
nodes:
  internet: {kind: internet}
  eop: {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  onprem: {kind: exchange_server, accepted_domains: {contoso.com: internal_relay}}
connectors:
  - {name: eop-to-onprem, from: eop, to: onprem, domains: [contoso.com]}
  - {name: onprem-to-eop, from: onprem, to: eop, domains: [contoso.com]}
traffic:
  - {name: t, from: internet, to: contoso.com, rate: 10/h}
"#;

/// Regression (issue 16): with `max_hops` above 65,535 the 16-bit hop count wrapped and a
/// routing loop never ended, growing memory until the process aborted.
#[test]
fn a_routing_loop_with_a_huge_max_hops_is_refused_and_the_largest_allowed_ends() {
    let e = scenario::load_str(&LOOP.replace("HOPS", "70000"), "loop.yaml", &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("loop.yaml:4:11: error: `max_hops` 70000 is above the limit of 1000"),
        "{text}"
    );
    let sc = load(&LOOP.replace("HOPS", "1000"));
    let s: Summary = crate::common::run(&sc, 1);
    assert_conserved(&s);
    assert!(s.messages.ndr > 0, "{s:?}");
    assert!(s.engine.peak_in_flight < 10, "{s:?}");
}

fn stream(rate: &str, profile: &str) -> String {
    format!(
        "name: fast\nduration: 10s\ndomains:\n  a.test: {{mx: n, mailboxes: {{n: 1.0}}}}\n\
         nodes:\n  n: {{kind: smtp, workers: unlimited}}\ntraffic:\n  - name: s\n    from: n\n    \
         to: a.test\n    rate: {rate}\n    profile: {profile}\n"
    )
}

/// Regression (issue 16): above about 10⁶ messages/s inter-arrival gaps rounded to 0 µs and
/// simulated time stalled (at 2M/s, 17.5% more messages than asked); a spike profile made the
/// same happen within one segment. Rates the microsecond clock cannot tell apart are refused.
#[test]
fn rates_microsecond_time_cannot_represent_are_refused_where_they_are_written() {
    let e = scenario::load_str(&stream("2M/s", "constant"), "r.yaml", &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("r.yaml:11:11: error: the stream peaks at 2.0e6/s; at most 100000/s"),
        "{text}"
    );
    assert!(text.contains("whole microseconds"), "{text}");
    // A spike: the whole day's traffic in one microsecond, 86.4e9 times the mean rate.
    let spike = "[{at: 0h, x: 0}, {at: 12h, x: 1}, {at: 43200000001us, x: 0}]";
    let e = scenario::load_str(&stream("1/h", spike), "r.yaml", &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("r.yaml:12:14: error: the stream peaks at"),
        "{text}"
    );
    assert!(text.contains("the profile's peak multiplier"), "{text}");
}

/// At the highest allowed rate arrivals are generated as asked: the count is within Poisson
/// noise of rate × time (rounding to the microsecond biases it by under 0.05%).
#[test]
fn at_the_highest_allowed_rate_the_count_is_what_was_asked() {
    let sc = load(&stream("100000/s", "constant").replace("duration: 10s", "duration: 2s"));
    let s = crate::common::run(&sc, 3);
    assert_conserved(&s);
    crate::common::assert_poisson_count(s.messages.generated, 200_000.0);
}

/// Regression (issue 16): `--max-messages` looked at the day's mean rate, so a run shorter than
/// a day over a profile's peak was let through with a far smaller estimate.
#[test]
fn the_message_ceiling_sees_a_profile_peak_inside_a_short_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("peak.yaml");
    let text = stream("3/s", "[{at: 0h, x: 1}, {at: 1h, x: 0}]").replace("10s", "1h");
    std::fs::write(&file, text).unwrap();
    // 3/s on average over the day is 72/s during the first hour: 259,200 messages, not 10,800.
    refused(
        &[
            "run",
            file.to_str().unwrap(),
            "--max-messages",
            "100k",
            "--quiet",
        ],
        "about 259,200 messages (traffic `s`: 72/s for 1h)",
    );
}

/// Regression (issue 16): `--replications 4294967296` allocated 34 GB and aborted, `--jobs
/// 100000` hung starting threads, a 10⁹-point grid ran out of memory, `--max-messages` had no
/// upper bound. Each is refused before anything starts, saying what is allowed.
#[test]
fn absurd_counts_on_the_command_line_are_refused_at_once() {
    let mm1 = "scenarios/mm1.yaml";
    refused(
        &["run", mm1, "--replications", "4294967296", "--quiet"],
        "write a number from 1 to 10000",
    );
    refused(
        &["run", mm1, "--replications", "0", "--quiet"],
        "write a number from 1 to 10000",
    );
    refused(
        &["compare", mm1, mm1, "--jobs", "100000", "--quiet"],
        "write a number from 1 to 1024",
    );
    refused(
        &["run", mm1, "--max-messages", "1e12", "--quiet"],
        "above the largest ceiling, 1e9 messages",
    );
    refused(
        &[
            "sweep",
            mm1,
            "--vary",
            "traffic.arrivals.rate=0.1/s..0.9/s:1000",
            "--vary",
            "nodes.server.workers=1..1000:1000",
            "--vary",
            "seed=1..1000:1000",
            "--quiet",
        ],
        "the grid has 1000000000 points (1000 × 1000 × 1000); at most 10000",
    );
    refused(
        &[
            "sweep",
            mm1,
            "--vary",
            "traffic.arrivals.rate=0.1/s..0.9/s:5000",
            "--replications",
            "1000",
            "--quiet",
        ],
        "5000 points × 1000 replications = 5000000 simulations; at most 1000000",
    );
}

/// Regression (issue 16): an allowed 8.6M-row time series made a 276 MB `index.html`, and 100k
/// faults a 148 MB one. The report's size is estimated before the run and refused above
/// `--max-report-size`.
#[test]
fn a_report_too_large_to_open_is_refused_before_the_run() {
    let t = refused(
        &[
            "run",
            "scenarios/mm1.yaml",
            "--set",
            "sample_every=1s",
            "--set",
            "duration=100d",
            "--set",
            "traffic.arrivals.rate=1/d",
            "--quiet",
        ],
        "the report would take about 1,",
    );
    assert!(t.contains("raise --max-report-size"), "{t}");
    refused(
        &[
            "validate",
            "scenarios/mm1.yaml",
            "--set",
            "sample_every=1s",
            "--set",
            "duration=100d",
            "--set",
            "traffic.arrivals.rate=1/d",
        ],
        "scenarios/mm1.yaml: error: the report would take about 1,",
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("faults.yaml");
    let mut text = std::fs::read_to_string(root().join("scenarios/mm1.yaml")).unwrap();
    text.push_str("\nfaults:\n");
    for i in 0..40_000 {
        text.push_str(&format!(
            "  - {{kind: server_down, node: server, at: {}s, for: 1s}}\n",
            i * 4
        ));
    }
    std::fs::write(&file, text).unwrap();
    let o = mailflow(&["run", file.to_str().unwrap(), "--quiet"], QUICK * 6);
    assert_eq!(o.code, Some(2), "{}", o.text());
    assert!(o.text().contains("40000 faults"), "{}", o.text());
}

/// The report-size estimate stays above what the exporters write, and within 2.5 times it.
#[test]
fn the_report_size_estimate_bounds_the_real_size() {
    let tmp = tempfile::tempdir().unwrap();
    let mut faults = std::fs::read_to_string(root().join("scenarios/mm1.yaml")).unwrap();
    faults.push_str("\nfaults:\n");
    for i in 0..300 {
        faults.push_str(&format!(
            "  - {{kind: server_down, node: server, at: {}s, for: 10s}}\n",
            i * 200
        ));
    }
    let faulty = tmp.path().join("faults.yaml");
    std::fs::write(&faulty, faults).unwrap();
    let cases = [
        ("scenarios/mm1.yaml", "10s"),
        ("scenarios/mx-to-eop.yaml", "10s"),
        (faulty.to_str().unwrap(), "5m"),
    ];
    for (i, (file, every)) in cases.iter().enumerate() {
        let sets = [
            format!("sample_every={every}"),
            "duration=1d".into(),
            "warmup=0s".into(),
        ];
        let overrides: Vec<scenario::Override> = sets
            .iter()
            .map(|s| scenario::Override::parse(s).unwrap())
            .collect();
        let path = root().join(file);
        let sc = scenario::load(&path, &overrides).unwrap().scenario;
        let estimate = mailflow::cmd::output::report_bytes(&sc);
        let out = tmp.path().join(format!("r{i}"));
        let mut args = vec!["run", file, "--quiet", "--out", out.to_str().unwrap()];
        for s in &sets {
            args.extend(["--set", s.as_str()]);
        }
        let o = mailflow(&args, Duration::from_secs(120));
        assert_eq!(o.code, Some(0), "{}", o.text());
        let actual: u64 = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(
            actual <= estimate && estimate as f64 <= 2.5 * actual as f64,
            "{file} every {every}: estimate {estimate} B, actual {actual} B"
        );
    }
}

/// Regression (issue 16): 1 µs retry waits were accepted silently. Under a second is warned
/// about; so short that one destination could be tried over 10⁹ times in the run is refused.
#[test]
fn retry_waits_under_a_second_are_warned_about_and_absurd_ones_refused() {
    let policy =
        |w: &str| format!("nodes.server.retry={{schedule: [{w}], then: {w}, expire_after: 1d}}");
    let slow = policy("100ms");
    let o = mailflow(&["validate", "scenarios/mm1.yaml", "--set", &slow], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.text());
    assert!(
        o.text()
            .contains("warning: `schedule` of 100ms on `server`"),
        "{}",
        o.text()
    );
    let absurd = policy("1us");
    refused(
        &["validate", "scenarios/mm1.yaml", "--set", &absurd],
        "a retry wait of 1us lets one destination be tried about 1.7e11 times in 2d",
    );
}

/// The peak resident memory, in kB, of `mailflow ARGS` run from the checkout. Blocks of 128 kB
/// and more are given back to the system when freed (glibc's threshold, fixed instead of
/// adaptive), so the peak measures what the program keeps, not how the heap fragments.
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which std's `Child` does not see
fn peak_kb(args: &[&str]) -> i64 {
    use std::process::{Command, Stdio};
    let child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .env("MALLOC_MMAP_THRESHOLD_", "131072")
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills; the child is ours and waited once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{args:?}"
    );
    usage.ru_maxrss
}

/// Regression (issue 16): every replication's time series was kept to the end, so memory grew
/// with `--replications`. Only the first run's is kept: with a time series of 86,400 samples
/// (megabytes a run), 120 replications take no more memory than 10. Keeping every run's, as
/// before, 120 took 645 MB and 10 took 61 MB.
#[cfg(target_os = "linux")]
#[test]
fn memory_does_not_grow_with_replications() {
    let tmp = tempfile::tempdir().unwrap();
    let peak = |n: &str| {
        let out = tmp.path().join(n);
        peak_kb(&[
            "run",
            "scenarios/mm1.yaml",
            "--set",
            "sample_every=1s",
            "--set",
            "duration=1d",
            "--set",
            "warmup=0s",
            "--set",
            "traffic.arrivals.rate=0.01/s",
            "--replications",
            n,
            "--jobs",
            "2",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (ten, many) = (peak("10"), peak("120"));
    assert!(
        many < ten + 10_000,
        "10 runs: {ten} kB, 120 runs: {many} kB"
    );
}

/// `nodes` node entries and `domains` domains, each domain hosted on a node.
fn topology(nodes: usize, domains: usize) -> String {
    let mut t = String::from("name: many\nduration: 1h\ndomains:\n");
    for d in 0..domains {
        let n = d % nodes;
        t.push_str(&format!(
            "  d{d}.test: {{mx: n{n}, mailboxes: {{n{n}: 1.0}}}}\n"
        ));
    }
    t.push_str("nodes:\n");
    for n in 0..nodes {
        t.push_str(&format!("  n{n}: {{kind: smtp}}\n"));
    }
    t.push_str("traffic:\n  - {name: t, from: n0, to: d0.test, rate: 1/h}\n");
    t
}

/// Regression (issue 16, found while checking it): 65,534 nodes, within the 16-bit id limit,
/// made the dense routing table (a decision per node, domain and place) ask for 34 GB and abort.
/// Since issue 15 the table holds a cell per (node, domain): above 20M cells it is refused before
/// it is built, located at `nodes`.
#[test]
fn a_topology_whose_routing_table_would_not_fit_is_refused_before_it_is_built() {
    let tmp = tempfile::tempdir().unwrap();
    for (nodes, domains, words) in [
        (
            5_000,
            5_000,
            "the routing table would hold 25,000,000 cells (5000 nodes × 5000 domains); at most \
             20,000,000",
        ),
        (65_534, 400, "the routing table would hold 26,213,600 cells"),
    ] {
        let file = tmp.path().join(format!("n{nodes}.yaml"));
        std::fs::write(&file, topology(nodes, domains)).unwrap();
        let o = mailflow(
            &["validate", file.to_str().unwrap()],
            Duration::from_secs(60),
        );
        assert_eq!(o.code, Some(2), "{}", o.text());
        assert!(o.text().contains(words), "{}", o.text());
        assert!(o.text().contains("(at nodes)"), "{}", o.text());
    }
    // A thousand nodes and ten domains (10,000 cells; 10M decisions when the table was dense) load.
    let sc = load(&topology(1_000, 10));
    assert_eq!(sc.nodes.len(), 1_000);
}

/// Regression (issue 16, found while checking it): 65,534 traffic streams, within the 16-bit id
/// limit, each kept latency histograms of about 0.6 MB: the run grew past 22 GB and was killed.
/// More than 1,000 streams are refused, located at `traffic`.
#[test]
fn more_traffic_streams_than_their_histograms_allow_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for n in [1_001, 65_534] {
        let mut t = String::from(
            "name: streams\nduration: 1h\ndomains:\n  a.test: {mx: n, mailboxes: {n: 1.0}}\n\
             nodes:\n  n: {kind: smtp}\ntraffic:\n",
        );
        for i in 0..n {
            t.push_str(&format!(
                "  - {{name: t{i}, from: n, to: a.test, rate: 1/h}}\n"
            ));
        }
        let file = tmp.path().join(format!("s{n}.yaml"));
        std::fs::write(&file, t).unwrap();
        let o = mailflow(
            &["run", file.to_str().unwrap(), "--quiet"],
            Duration::from_secs(60),
        );
        assert_eq!(o.code, Some(2), "{}", o.text());
        let words = format!("`traffic` has {n} streams; at most 1000");
        assert!(o.text().contains(&words), "{}", o.text());
        assert!(o.text().contains("(at traffic)"), "{}", o.text());
    }
}

/// A time series too long to keep in memory (samples × nodes and connectors above 10M rows) is
/// refused at `sample_every`, with the smallest interval that fits, which then loads.
#[test]
fn a_time_series_above_ten_million_rows_is_refused_with_the_interval_that_fits() {
    let text = std::fs::read_to_string(root().join("scenarios/mm1.yaml")).unwrap();
    let fine = text.replace("sample_every: 5m", "sample_every: 1ms");
    let e = scenario::load_str(&fine, "mm1.yaml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "mm1.yaml:17:15: error: sampling every 1ms over 2d makes 172,800,001 samples for \
             each of 1 nodes and connectors; the time series holds at most 10,000,000 rows"
        ),
        "{e}"
    );
    assert!(e.contains("set `sample_every` to at least 18ms"), "{e}");
    load(&text.replace("sample_every: 5m", "sample_every: 18ms"));
}
