//! `mailflow import` end to end: each family of sample exports (examples/import/) gives a
//! scenario that loads, whose `route` output follows the connectors and domains of the exports;
//! all of them together make one organisation that runs; bad or cut exports give located
//! errors, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mailflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

/// The sample exports of a family.
fn samples(family: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/import")
        .join(family);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    files
}

/// Imports `files` as `kind` into `dir/name.yaml`; panics unless it loads.
fn import(dir: &Path, name: &str, kind: &str, files: &[String]) -> PathBuf {
    let out = dir.join(format!("{name}.yaml"));
    let mut args = vec!["import", kind];
    args.extend(files.iter().map(String::as_str));
    let out_s = out.display().to_string();
    args.extend(["--out", &out_s]);
    let o = mailflow(&args);
    assert!(o.status.success(), "{}", text(&o));
    let v = mailflow(&["validate", &out_s]);
    assert!(v.status.success(), "{}", text(&v));
    out
}

/// `mailflow route` of a scenario, as text.
fn route(scenario: &Path, from: &str, to: &str) -> String {
    let o = mailflow(&[
        "route",
        &scenario.display().to_string(),
        "--from",
        from,
        "--to",
        to,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Whether the route text holds `needle`, reading a smart host's resolved address
/// (`→ onprem (address mail.contoso.com preference 0) via …`) as the hop it is.
fn has(route: &str, needle: &str) {
    let mut plain = route.to_string();
    while let Some(at) = plain.find(" (address ") {
        let end = plain[at..].find(')').map_or(plain.len(), |e| at + e + 1);
        plain.replace_range(at..end, "");
    }
    assert!(
        route.contains(needle) || plain.contains(needle),
        "`{needle}` not in:\n{route}"
    );
}

#[test]
fn exchange_online_exports_route_by_their_outbound_connectors() {
    let dir = tempfile::tempdir().unwrap();
    let sc = import(
        dir.path(),
        "exo",
        "exchange-online",
        &samples("exchange-online"),
    );
    // Partner connector "Fabrikam Secure": forced TLS with domain validation.
    let r = route(&sc, "exo", "user@fabrikam.com");
    has(&r, "exo          → fabrikam via connector exo-to-fabrikam");
    has(&r, "TLS required, domain validated (mail.fabrikam.com)");
    // OnPremises connector: on-premises mailboxes of contoso.com (InternalRelay) go to the
    // on-premises smart host.
    let r = route(&sc, "exo", "user@contoso.com");
    has(&r, "→ onprem via connector exo-to-onprem");
    has(&r, "TLS required, domain validated (mail.contoso.com)");
    // The onmicrosoft.com domain is Authoritative: its mailboxes are in the cloud.
    has(
        &route(&sc, "exo", "user@contoso.onmicrosoft.com"),
        "delivered to the mailbox",
    );
    let yaml = std::fs::read_to_string(&sc).unwrap();
    // The rule-scoped connector is used only by the rule that routes to it.
    assert!(yaml.contains("rule_scoped: true"), "{yaml}");
    assert!(yaml.contains("route_via: exo-to-dlp"), "{yaml}");
    assert!(yaml.contains("message_expiration: 12h"), "{yaml}");
}

#[test]
fn exchange_server_exports_route_by_their_send_connectors() {
    let dir = tempfile::tempdir().unwrap();
    let sc = import(
        dir.path(),
        "server",
        "exchange-server",
        &samples("exchange-server"),
    );
    // "Internet" Send connector: address space *, DNS MX.
    has(&route(&sc, "onprem", "user@example.org"), "→ internet (MX");
    // "To list server": smart host for lists.contoso.com.
    has(
        &route(&sc, "onprem", "user@lists.contoso.com"),
        "→ relay1 via connector onprem-to-relay1",
    );
    // Hybrid Send connector: cloud mailboxes of contoso.com over forced TLS.
    let r = route(&sc, "onprem", "user@contoso.com");
    has(&r, "→ exo via connector onprem-to-exo");
    has(
        &r,
        "TLS required, domain validated (mail.protection.outlook.com)",
    );
    let yaml = std::fs::read_to_string(&sc).unwrap();
    assert!(yaml.contains("message_expiration_timeout: 3d"), "{yaml}");
    assert!(yaml.contains("max_connections_per_source: 20"), "{yaml}");
}

#[test]
fn dns_answers_give_the_mx_hosts_mail_from_the_internet_uses() {
    let dir = tempfile::tempdir().unwrap();
    let sc = import(dir.path(), "dns", "dns", &samples("dns"));
    has(
        &route(&sc, "internet", "user@fabrikam.com"),
        "→ fabrikam (MX fabrikam.com preference 10) via DNS MX",
    );
    has(
        &route(&sc, "internet", "user@lists.contoso.com"),
        "→ lists (MX lists.contoso.com preference 10) via DNS MX",
    );
    let yaml = std::fs::read_to_string(&sc).unwrap();
    assert!(yaml.contains("ttl: 30m"), "{yaml}");
}

#[test]
fn postfix_settings_route_by_the_transport_map_and_the_relayhost() {
    let dir = tempfile::tempdir().unwrap();
    let sc = import(dir.path(), "postfix", "postfix", &samples("postfix"));
    // transport: contoso.com smtp:[mail.contoso.com]:25, with smtp_tls_security_level = encrypt.
    let r = route(&sc, "relay1", "user@contoso.com");
    has(&r, "→ mail via connector relay1-to-mail");
    has(&r, "TLS required");
    // relayhost for everything else.
    has(
        &route(&sc, "relay1", "user@example.org"),
        "→ exo via connector relay1-to-exo",
    );
    // virtual_mailbox_domains: delivered on the relay itself.
    has(
        &route(&sc, "relay1", "user@lists.contoso.com"),
        "relay1       delivered to the mailbox",
    );
}

#[test]
fn all_exports_together_make_one_organisation_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = ["exchange-online", "exchange-server", "dns", "postfix"]
        .iter()
        .flat_map(|f| samples(f))
        .collect();
    let sc = import(dir.path(), "contoso", "auto", &files);
    // A host named in one export is the node another export describes.
    has(
        &route(&sc, "relay1", "user@contoso.com"),
        "→ onprem via connector relay1-to-onprem",
    );
    has(
        &route(&sc, "exo", "user@contoso.com"),
        "→ onprem via connector exo-to-onprem",
    );
    let out = dir.path().join("run");
    let o = mailflow(&[
        "run",
        &sc.display().to_string(),
        "--set",
        "duration=2h",
        "--out",
        &out.display().to_string(),
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary["messages"]["generated"].as_u64().unwrap() > 100);
    assert!(summary["messages"]["delivered"].as_u64().unwrap() > 0);
    // Importing again over its own output is allowed; over a foreign file it is not.
    let again = mailflow(&[
        "import",
        "dns",
        &samples("dns")[0],
        "--out",
        &sc.display().to_string(),
    ]);
    assert!(again.status.success(), "{}", text(&again));
    let foreign = dir.path().join("mine.yaml");
    std::fs::write(&foreign, "name: mine\n").unwrap();
    let refused = mailflow(&[
        "import",
        "dns",
        &samples("dns")[0],
        "--out",
        &foreign.display().to_string(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "name: mine\n");
}

#[test]
fn the_scenario_goes_to_standard_output_with_its_sources_in_comments() {
    let o = mailflow(&["import", "postfix", &samples("postfix")[0], "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let yaml = String::from_utf8_lossy(&o.stdout);
    assert!(
        yaml.starts_with("# Imported by `mailflow import`"),
        "{yaml}"
    );
    assert!(yaml.contains("# postconf-n.txt:"), "{yaml}");
    assert!(yaml.contains("# assumption:"), "{yaml}");
    assert!(o.stderr.is_empty(), "{}", text(&o));
}

/// Every cut of every sample export, and some garbage: exit 0 or 2 with a located error,
/// never a panic (exit 101).
#[test]
fn cut_and_malformed_exports_give_located_errors_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = 0;
    for family in ["exchange-online", "exchange-server", "dns", "postfix"] {
        for file in samples(family) {
            let bytes = std::fs::read(&file).unwrap();
            let name = Path::new(&file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 9 / 10] {
                let path = dir.path().join(format!("{cut}-{name}"));
                std::fs::write(&path, &bytes[..cut]).unwrap();
                let o = mailflow(&["import", "auto", &path.display().to_string(), "--quiet"]);
                let code = o.status.code();
                assert!(
                    matches!(code, Some(0 | 2)),
                    "{name} cut at {cut}: {}",
                    text(&o)
                );
                if code == Some(2) {
                    failures += 1;
                    let err = String::from_utf8_lossy(&o.stderr);
                    assert!(err.contains(": error: ") && err.contains("help: "), "{err}");
                }
            }
        }
    }
    // The JSON exports cut short cannot parse.
    assert!(failures >= 10, "{failures}");
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "[{\"Name\": \"x\", \"DomainType\": }]").unwrap();
    let o = mailflow(&["import", "exchange-online", &garbage.display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("garbage.json:1:"), "{err}");
    let missing = mailflow(&["import", "dns", "/nonexistent/zone"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
}
