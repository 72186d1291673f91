//! Scenario-level tests: each family of sample exports gives the connectors and domains it describes; bad input gives located errors, never a panic.

use serde_yaml::Value;

use super::*;

fn sample(rel: &str) -> Source {
    let path = format!("{}/examples/import/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Source::from_bytes(SourceKind::Auto, rel, &bytes).unwrap()
}

const EXO: [&str; 6] = [
    "exchange-online/accepted-domains.json",
    "exchange-online/outbound-connectors.json",
    "exchange-online/inbound-connectors.json",
    "exchange-online/transport-rules.json",
    "exchange-online/connection-filter.json",
    "exchange-online/transport-config.json",
];
const SERVER: [&str; 4] = [
    "exchange-server/accepted-domains.json",
    "exchange-server/send-connectors.json",
    "exchange-server/receive-connectors.json",
    "exchange-server/transport-services.json",
];
const DNS: [&str; 2] = ["dns/contoso.com.zone", "dns/dig-mx.txt"];
const POSTFIX: [&str; 2] = ["postfix/postconf-n.txt", "postfix/transport"];

/// Imports sample files and parses the scenario back.
pub(super) fn scenario(files: &[&str], opts: &ImportOptions) -> (Value, Imported) {
    let sources: Vec<Source> = files.iter().map(|f| sample(f)).collect();
    let imported = import(&sources, opts).unwrap_or_else(|e| panic!("{e}"));
    let value: Value =
        serde_yaml::from_str(&imported.yaml).unwrap_or_else(|e| panic!("{e}\n{}", imported.yaml));
    (value, imported)
}

/// Options that write every key the importer knows (the writer's tests).
fn full() -> ImportOptions {
    ImportOptions {
        keys: Keys::all(),
        ..ImportOptions::default()
    }
}

fn all_files() -> Vec<&'static str> {
    EXO.iter()
        .chain(&SERVER)
        .chain(&DNS)
        .chain(&POSTFIX)
        .copied()
        .collect()
}

fn connector<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["connectors"]
        .as_sequence()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no connector {name} in {:?}", s["connectors"]))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn exchange_online_exports_give_their_connectors_rules_and_domains() {
    let (s, imported) = scenario(&EXO, &full());
    let exo = &s["nodes"]["exo"];
    assert_eq!(exo["kind"], "exchange_online");
    assert_eq!(exo["accepted_domains"]["contoso.com"], "internal_relay");
    assert_eq!(
        exo["accepted_domains"]["contoso.onmicrosoft.com"],
        "authoritative"
    );
    assert_eq!(exo["retry"]["preset"], "exchange_online");
    assert_eq!(exo["retry"]["message_expiration"], "12h");
    assert_eq!(exo["max_message_size"], "36MiB");
    // OnPremises connector: smart host to the on-premises node (assumed: no server export here).
    let hybrid = connector(&s, "exo-to-onprem");
    assert_eq!(
        (hybrid["to"].as_str(), strings(&hybrid["domains"])),
        (Some("onprem"), vec!["contoso.com".to_string()])
    );
    assert_eq!(hybrid["tls"]["validate"], "domain");
    assert_eq!(hybrid["tls"]["tls_domain"], "mail.contoso.com");
    assert_eq!(hybrid["smart_host"]["name"], "mail.contoso.com");
    let partner = connector(&s, "exo-to-fabrikam");
    assert_eq!(partner["tls"]["mode"], "required");
    assert_eq!(partner["tls"]["tls_domain"], "mail.fabrikam.com");
    let dlp = connector(&s, "exo-to-dlp");
    assert_eq!(
        (
            dlp["rule_scoped"].as_bool(),
            dlp["tls"]["validate"].as_str()
        ),
        (Some(true), Some("certificate"))
    );
    assert_eq!(s["nodes"]["dlp"]["kind"], "gateway");
    let retired = connector(&s, "exo-mx-northwindtraders-com");
    assert_eq!(
        (retired["to"].as_str(), retired["enabled"].as_bool()),
        (Some("mx"), Some(false))
    );
    let rule = &s["rules"][0];
    assert_eq!(
        (rule["at"].as_str(), rule["route_via"].as_str()),
        (Some("exo"), Some("exo-to-dlp"))
    );
    assert_eq!(rule["when"]["recipient_domain"], "fabrikam.com");
    assert_eq!(rule["when"]["tag"], "finance-to-dlp");
    let accept = &exo["accept_from"];
    assert_eq!(
        (
            strings(&accept["sender_domains"]),
            strings(&accept["nodes"])
        ),
        (vec!["fabrikam.com".into()], vec!["fabrikam".into()])
    );
    assert_eq!(accept["require_tls"], true);
    let allow = strings(&exo["spam_filter"]["allow_list"]);
    assert!(
        allow.contains(&"onprem".to_string()) && allow.contains(&"fabrikam".to_string()),
        "{allow:?}"
    );
    assert_eq!(s["domains"]["contoso.com"]["mx"], "exo");
    assert_eq!(
        s["domains"]["fabrikam.com"]["mailboxes"]["fabrikam"].as_f64(),
        Some(1.0)
    );
    let noted = |needle: &str| imported.notes.iter().any(|n| n.message.contains(needle));
    assert!(noted("JournalArchivingEnabled"), "{:?}", imported.notes);
    assert!(noted("External disclaimer"));
    assert!(noted("192.0.2.77"));
}

#[test]
fn exchange_server_exports_give_send_connectors_limits_and_retry() {
    let (s, _) = scenario(&SERVER, &full());
    let onprem = &s["nodes"]["onprem"];
    assert_eq!(onprem["kind"], "exchange_server");
    assert_eq!(onprem["accepted_domains"]["contoso.com"], "authoritative");
    assert_eq!(
        onprem["accepted_domains"]["lists.contoso.com"],
        "external_relay"
    );
    let retry = &onprem["retry"];
    assert_eq!(
        (
            retry["preset"].as_str(),
            retry["message_expiration_timeout"].as_str()
        ),
        (Some("exchange_server"), Some("3d"))
    );
    assert_eq!(retry["transient_failure_retry_count"].as_u64(), Some(6));
    assert_eq!(retry["delay_notification_timeout"], "4h");
    assert_eq!(onprem["max_connections_per_destination"].as_u64(), Some(40));
    assert_eq!(
        onprem["inbound"]["max_connections_per_source"].as_u64(),
        Some(20)
    );
    assert_eq!(
        onprem["inbound"]["max_recipients_per_message"].as_u64(),
        Some(200)
    );
    assert_eq!(onprem["certificate"]["subject"], "mail.contoso.com");
    let internet = connector(&s, "onprem-to-internet");
    assert_eq!(
        (internet["to"].as_str(), strings(&internet["domains"])),
        (Some("mx"), vec!["*".to_string()])
    );
    let cloud = connector(&s, "onprem-to-exo");
    assert_eq!(cloud["tls"]["tls_domain"], "mail.protection.outlook.com");
    assert_eq!(cloud["tls"]["certificate_name"], "mail.contoso.com");
    assert_eq!(strings(&cloud["mailboxes_on"]), vec!["exo".to_string()]);
    assert!(strings(&cloud["domains"]).contains(&"contoso.com".to_string()));
    // The list server is a host no export describes, inside the organisation: a gateway.
    let lists = connector(&s, "onprem-to-relay1");
    assert_eq!(lists["to"], "relay1");
    assert_eq!(s["nodes"]["relay1"]["kind"], "gateway");
    assert_eq!(
        s["domains"]["lists.contoso.com"]["mailboxes"]["relay1"].as_f64(),
        Some(1.0)
    );
}

#[test]
fn dns_inputs_give_mx_ttl_and_the_organisations_they_point_at() {
    let (s, _) = scenario(&DNS, &full());
    let d = &s["domains"];
    assert_eq!(
        (
            d["contoso.com"]["mx"].as_str(),
            d["contoso.com"]["ttl"].as_str()
        ),
        (Some("exo"), Some("1h"))
    );
    assert_eq!(d["lists.contoso.com"]["ttl"], "30m");
    assert_eq!(
        d["lists.contoso.com"]["mx"][0]["preference"].as_u64(),
        Some(10)
    );
    // Both of Fabrikam's MX hosts are Fabrikam's system.
    let fab = d["fabrikam.com"]["mx"].as_sequence().unwrap();
    assert_eq!(fab.len(), 1, "{fab:?}");
    assert_eq!(fab[0]["host"], "fabrikam");
    assert_eq!(s["nodes"]["exo"]["kind"], "exchange_online");
}

#[test]
fn postfix_exports_give_domains_retry_and_transport_routes() {
    let (s, imported) = scenario(&POSTFIX, &full());
    let relay = &s["nodes"]["relay1"];
    assert_eq!(
        relay["accepted_domains"]["lists.contoso.com"],
        "authoritative"
    );
    assert_eq!(relay["accepted_domains"]["contoso.com"], "internal_relay");
    let retry = &relay["retry"];
    assert_eq!(retry["preset"], "postfix");
    assert_eq!(
        (
            retry["maximal_queue_lifetime"].as_str(),
            retry["bounce_queue_lifetime"].as_str()
        ),
        (Some("2d"), Some("1d"))
    );
    assert_eq!(relay["max_message_size"], "25MiB");
    assert_eq!(relay["max_connections_per_destination"].as_u64(), Some(10));
    let to_exchange = connector(&s, "relay1-to-mail");
    assert_eq!(
        strings(&to_exchange["domains"]),
        vec!["contoso.com".to_string()]
    );
    assert_eq!(
        to_exchange["tls"],
        serde_yaml::from_str::<Value>("{mode: required, validate: none}").unwrap()
    );
    let relayhost = connector(&s, "relay1-to-exo");
    assert_eq!(strings(&relayhost["domains"]), vec!["*".to_string()]);
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.message.contains("tailspintoys.com"))
    );
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.message.contains("header_size_limit"))
    );
}

#[test]
fn all_exports_together_make_one_organisation() {
    let (s, _) = scenario(&all_files(), &full());
    let nodes = s["nodes"].as_mapping().unwrap();
    let names: Vec<&str> = nodes.keys().filter_map(Value::as_str).collect();
    assert_eq!(
        names,
        ["internet", "exo", "onprem", "relay1", "fabrikam", "dlp"]
    );
    // Hosts named in one export resolve to nodes built from another.
    assert_eq!(connector(&s, "exo-to-onprem")["to"], "onprem");
    assert_eq!(connector(&s, "relay1-to-onprem")["to"], "onprem");
    assert_eq!(connector(&s, "onprem-to-relay1")["to"], "relay1");
    assert_eq!(s["nodes"]["relay1"]["kind"], "smtp");
    let shares = &s["domains"]["contoso.com"]["mailboxes"];
    assert_eq!(
        (shares["exo"].as_f64(), shares["onprem"].as_f64()),
        (Some(0.5), Some(0.5))
    );
    let allow = strings(&s["nodes"]["exo"]["spam_filter"]["allow_list"]);
    assert_eq!(allow, ["onprem", "fabrikam", "relay1", "dlp"]);
    let streams: Vec<String> = s["traffic"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(streams.contains(&"inbound".to_string()) && streams.contains(&"outbound".to_string()));
}

#[test]
fn with_the_base_keys_only_the_first_contract_is_written() {
    let opts = ImportOptions {
        keys: Keys::base(),
        ..ImportOptions::default()
    };
    let (s, imported) = scenario(&all_files(), &opts);
    for key in [
        "smart_host:",
        "preset:",
        "max_message_size:",
        "inbound:",
        "external_relay",
        "source_ips:",
        "enabled: false",
    ] {
        let used = imported.yaml.lines().any(|l| {
            !l.trim_start().starts_with('#') && l.split('#').next().unwrap_or("").contains(key)
        });
        assert!(!used, "{key} written:\n{}", imported.yaml);
    }
    assert_eq!(s["nodes"]["exo"]["retry"]["expire_after"], "12h");
    assert_eq!(
        s["nodes"]["onprem"]["accepted_domains"]["lists.contoso.com"],
        "internal_relay"
    );
    assert!(imported.notes.iter().any(|n| n.kind == NoteKind::NewKey));
}

#[test]
fn a_fitted_traffic_section_replaces_the_placeholders() {
    let traffic =
        "traffic:\n  - name: fitted\n    from: internet\n    to: contoso.com\n    rate: 10/h\n";
    let opts = ImportOptions {
        traffic: Some(traffic.into()),
        ..ImportOptions::default()
    };
    let (s, _) = scenario(&EXO, &opts);
    assert_eq!(s["traffic"][0]["name"], "fitted");
    let bad = ImportOptions {
        traffic: Some("streams: []".into()),
        ..ImportOptions::default()
    };
    assert!(import(&[], &bad).is_err());
}

/// The scenario loader accepts what the importer writes, with the keys the loader knows (the
/// default) and with the first contract's keys only.
#[test]
fn emitted_scenarios_load() {
    for keys in [Keys::of_loader(), Keys::base()] {
        let opts = ImportOptions {
            keys,
            ..ImportOptions::default()
        };
        let (_, imported) = scenario(&all_files(), &opts);
        if let Err(e) = crate::scenario::load_str(&imported.yaml, "imported.yaml", &[]) {
            panic!("{e}\n{}", imported.yaml);
        }
    }
}
