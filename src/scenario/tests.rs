//! Loader stories: whole scenarios in, diagnostics or a model out.

use super::*;
use crate::time::SimDuration;

/// A small valid scenario the stories below vary.
pub(super) const BASE: &str = r#"name: mx-to-eop
duration: 3d
domains:
  contoso.com:
    mx: eop
    ttl: 1h
    mailboxes: {exo: 0.7, onprem: 0.3}
  "*":
    mx: internet
    mailboxes: {internet: 1.0}
nodes:
  internet:
    kind: internet
  eop:
    {kind: exchange_online, accepted_domains: {contoso.com: internal_relay}}
  exo:
    kind: exchange_online
  onprem:
    kind: exchange_server
    workers: 64
connectors:
  - name: eop-to-exo
    from: eop
    to: exo
    domains: [contoso.com]
    mailboxes_on: [exo]
  - name: eop-to-onprem
    from: eop
    to: onprem
    domains: [contoso.com]
    mailboxes_on: [onprem]
traffic:
  - name: inbound
    from: internet
    to: contoso.com
    rate: 50000/d
"#;

pub(super) fn ok(text: &str) -> Loaded {
    match load_str(text, "s.yaml", &[]) {
        Ok(l) => l,
        Err(e) => panic!("expected a clean load, got:\n{e}"),
    }
}

pub(super) fn errors(text: &str) -> Vec<Diagnostic> {
    errors_with(text, &[])
}

pub(super) fn errors_with(text: &str, sets: &[&str]) -> Vec<Diagnostic> {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    match load_str(text, "s.yaml", &overrides) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.errors().cloned().collect(),
    }
}

pub(super) fn with(find: &str, replace: &str) -> String {
    assert!(BASE.contains(find), "{find}");
    BASE.replacen(find, replace, 1)
}

#[test]
fn unknown_key_under_a_node_says_did_you_mean_and_points_at_its_line() {
    let e = errors(&with("    workers: 64", "    workrs: 64"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].line, e[0].column), (20, 5));
    assert_eq!(e[0].path, "nodes.onprem.workrs");
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `workers`?"));
    assert!(
        e[0].to_string()
            .starts_with("s.yaml:20:5: error: unknown key `workrs`"),
        "{}",
        e[0]
    );
}

#[test]
fn unknown_node_in_a_connector_is_located_and_named_by_the_connector() {
    let e = errors(&with("    to: onprem\n", "    to: onprme\n"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].to_string(),
        "s.yaml:29:9: error: unknown node `onprme` (at connectors[eop-to-onprem].to)\n  help: did you mean `onprem`?"
    );
}

#[test]
fn shares_summing_to_0_9_name_the_domain() {
    let e = errors(&with("{exo: 0.7, onprem: 0.3}", "{exo: 0.6, onprem: 0.3}"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message.contains("`contoso.com` sum to 0.9"),
        "{}",
        e[0]
    );
    assert!(
        e[0].hint
            .as_deref()
            .unwrap()
            .contains("set `onprem` to 0.4"),
        "{}",
        e[0]
    );
    assert_eq!(e[0].line, 7);
}

#[test]
fn a_scenario_with_three_independent_mistakes_reports_all_three() {
    let text = with("    workers: 64", "    workers: 0")
        .replacen("    to: exo", "    to: exx", 1)
        .replacen("rate: 50000/d", "rate: -5/s", 1);
    let e = errors(&text);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e.windows(2).all(|w| w[0].line <= w[1].line));
    assert!(e[0].message.contains("workers"));
    assert!(e[1].message.contains("unknown node `exx`"));
    assert!(e[2].message.contains("negative"));
}

#[test]
fn set_changes_a_dotted_domain_ttl() {
    let o = [Override::parse("domains.contoso.com.ttl=1d").unwrap()];
    let l = load_str(BASE, "s.yaml", &o).unwrap();
    assert_eq!(l.scenario.domains[0].ttl, SimDuration::from_days(1));
}

#[test]
fn set_changes_a_stream_rate() {
    let o = [Override::parse("traffic.inbound.rate=80000/d").unwrap()];
    let l = load_str(BASE, "s.yaml", &o).unwrap();
    assert!((l.scenario.traffic[0].rate_per_s - 80_000.0 / 86_400.0).abs() < 1e-12);
}

#[test]
fn a_bad_set_value_is_blamed_on_the_set() {
    let e = errors_with(BASE, &["traffic.inbound.rate=lots"]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].file, "--set traffic.inbound.rate=lots");
    assert_eq!(e[0].line, 0);
    assert!(
        e[0].to_string()
            .starts_with("--set traffic.inbound.rate=lots: error:"),
        "{}",
        e[0]
    );
    let e = errors_with(BASE, &["trafic.inbound.rate=1/s"]);
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `traffic`?"));
}

#[test]
fn an_empty_file_says_what_a_scenario_needs() {
    for text in ["", "\n\n", "# just a comment\n"] {
        let e = errors(text);
        assert_eq!((e[0].line, e[0].column), (1, 1));
        assert!(
            e[0].message
                .starts_with("the file is empty: a scenario needs at least `name`")
        );
    }
}

#[test]
fn malformed_yaml_reports_line_and_column() {
    let e = errors("name: x\nduration: [1d\nnodes: {}\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].message.starts_with("invalid YAML"), "{}", e[0]);
    assert!(e[0].line >= 2, "{}", e[0]);
    let e = errors("name: x\n  bad: indent: here\n");
    assert!(e[0].line >= 1 && e[0].column >= 1, "{}", e[0]);
}

#[test]
fn negative_rate_is_rejected() {
    let e = errors(&with("rate: 50000/d", "rate: -3/s"));
    assert!(e[0].message.contains("cannot be negative"), "{}", e[0]);
    assert_eq!(e[0].path, "traffic[inbound].rate");
}

#[test]
fn missing_duration_is_reported() {
    let e = errors(&with("duration: 3d\n", ""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "the scenario needs `duration`");
}

#[test]
fn a_number_where_a_duration_is_expected_asks_for_a_unit() {
    let e = errors(&with("ttl: 1h", "ttl: 3600"));
    assert!(e[0].message.contains("`3600s`"), "{}", e[0]);
    assert_eq!(e[0].path, "domains.contoso.com.ttl");
}

#[test]
fn random_text_never_panics() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet: Vec<char> = "ab: -[]{}&*!|>'\"#\n\t 0.5%@`,?~\\é".chars().collect();
    for _ in 0..2000 {
        let mut s = String::new();
        for _ in 0..(x % 80) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let _ = load_str(&s, "r.yaml", &[]);
    }
    // Mutations of a real scenario reach deeper into the checks.
    for i in 0..BASE.len() {
        if BASE.is_char_boundary(i) && BASE.is_char_boundary(i + 1) {
            let mut t = BASE.to_string();
            t.remove(i);
            let _ = load_str(&t, "m.yaml", &[]);
        }
    }
}

#[test]
fn random_bytes_report_the_first_bad_byte_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, b"name: x\nduration: 1d\n\xff\xfe\x00junk").unwrap();
    let e = load(&path, &[]).unwrap_err();
    assert_eq!(e.diagnostics[0].line, 3);
    assert!(e.diagnostics[0].message.contains("UTF-8"));
    let e = load(&dir.path().join("missing.yaml"), &[]).unwrap_err();
    assert_eq!(e.diagnostics[0].line, 0);
}

#[test]
fn alias_bombs_and_deep_nesting_are_rejected() {
    let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    assert!(load_str(&bomb, "b.yaml", &[]).is_err());
    let deep = format!("name: {}x{}", "[".repeat(200), "]".repeat(200));
    assert!(load_str(&deep, "d.yaml", &[]).is_err());
}

#[test]
fn two_mistakes_in_one_node_are_both_reported() {
    let text = with(
        "    kind: exchange_server\n    workers: 64",
        "    kind: exchange_sever\n    workrs: 64",
    );
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].message.contains("unknown node kind `exchange_sever`"),
        "{}",
        e[0]
    );
    assert_eq!(e[1].message, "unknown key `workrs`");
}

#[test]
fn a_traffic_list_over_the_limit_is_refused_before_it_is_loaded_and_an_override_is_heard() {
    // 1,001 streams: counted by the checking pass and refused at the list, with the same
    // words as the check made after loading (which still runs when `--set` touches `traffic`).
    let streams: String = (0..1001)
        .map(|i| format!("  - {{name: s{i}, from: internet, to: contoso.com, rate: 1/h}}\n"))
        .collect();
    let text = BASE.replace(
        "  - name: inbound\n    from: internet\n    to: contoso.com\n    rate: 50000/d\n",
        &streams,
    );
    let early = errors(&text);
    assert_eq!(early.len(), 1, "{early:?}");
    let e = &early[0];
    let list = 1 + text
        .lines()
        .position(|l| l.starts_with("  - {name: s0,"))
        .unwrap();
    assert_eq!((e.line, e.column, e.path.as_str()), (list, 3, "traffic"));
    assert!(
        e.message
            .starts_with("`traffic` has 1001 streams; at most 1000"),
        "{}",
        e.message
    );
    // With an override of a stream the list is loaded: the same error from the loaded check.
    let late = errors_with(&text, &["traffic[s0].rate=2/h"]);
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(
        (
            late[0].line,
            late[0].column,
            &late[0].message,
            &late[0].hint
        ),
        (e.line, e.column, &e.message, &e.hint)
    );
    // A repeated top-level key is reported as such, not hidden behind the count.
    let repeated = errors(&format!("{text}duration: 1d\n"));
    assert!(
        repeated
            .iter()
            .all(|d| !d.message.contains("streams; at most")),
        "{repeated:?}"
    );
    // At the limit the list loads.
    let at_limit: String = streams
        .lines()
        .take(1000)
        .map(|l| format!("{l}\n"))
        .collect();
    let l = ok(&BASE.replace(
        "  - name: inbound\n    from: internet\n    to: contoso.com\n    rate: 50000/d\n",
        &at_limit,
    ));
    assert_eq!(l.scenario.traffic.len(), 1000);
}
