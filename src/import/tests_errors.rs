//! Bad, truncated and mislabelled exports: located errors with a fix, never a panic.

use super::tests::scenario;
use super::*;

fn src(kind: SourceKind, path: &str, text: &str) -> Source {
    Source {
        kind,
        path: path.into(),
        text: text.into(),
    }
}

fn error(sources: &[Source]) -> ImportError {
    match import(sources, &ImportOptions::default()) {
        Ok(i) => panic!("expected an error, got:\n{}", i.yaml),
        Err(e) => e,
    }
}

#[test]
fn truncated_json_is_located_at_its_end() {
    let text = "[\n  {\n    \"DomainName\": \"contoso.com\",\n    \"DomainType\": \"Authoritative\"\n  },\n  {\n    \"Domain";
    let e = error(&[src(SourceKind::ExchangeOnline, "ad.json", text)]);
    assert_eq!((e.file.as_str(), e.line), ("ad.json", 7), "{e}");
    assert!(e.to_string().starts_with("ad.json:7:"), "{e}");
    assert!(e.to_string().contains("\n  help: "), "{e}");
}

#[test]
fn a_wrong_value_is_located_at_its_property() {
    let text = "[{\n \"Name\": \"x\",\n \"UseMXRecord\": \"perhaps\",\n \"SmartHosts\": []\n}]";
    let e = error(&[src(SourceKind::Auto, "oc.json", text)]);
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("UseMXRecord"), "{e}");
    let text = "{\"Name\": \"x\", \"UseMXRecord\": false, \"SmartHosts\": []}";
    let e = error(&[src(SourceKind::Auto, "oc.json", text)]);
    assert!(e.help.contains("SmartHosts"), "{e}");
}

#[test]
fn mislabelled_and_unknown_files_say_what_they_look_like() {
    let send =
        "{\"Name\": \"Internet\", \"AddressSpaces\": [\"SMTP:*;1\"], \"DNSRoutingEnabled\": true}";
    let e = error(&[src(SourceKind::ExchangeOnline, "s.json", send)]);
    assert!(e.message.contains("Exchange Server"), "{e}");
    let e = error(&[src(SourceKind::Dns, "pc.txt", "myhostname = a.example\n")]);
    assert!(e.message.contains("postconf"), "{e}");
    let e = error(&[src(SourceKind::Auto, "x.json", "{\"Colour\": \"blue\"}")]);
    assert!(e.message.contains("none of the supported cmdlets"), "{e}");
    let e = error(&[src(
        SourceKind::Auto,
        "prose.txt",
        "Dear admin, here are our settings.\n",
    )]);
    assert!(e.message.contains("cannot tell"), "{e}");
    let ambiguous = "{\"DomainName\": \"contoso.com\", \"DomainType\": \"Authoritative\"}";
    let e = error(&[src(SourceKind::Auto, "ad.json", ambiguous)]);
    assert!(e.help.contains("exchange-online"), "{e}");
    assert!(
        import(
            &[src(SourceKind::ExchangeServer, "ad.json", ambiguous)],
            &ImportOptions::default()
        )
        .is_ok()
    );
}

#[test]
fn text_formats_give_located_errors() {
    let e = error(&[src(
        SourceKind::Dns,
        "z.zone",
        "$ORIGIN contoso.com.\n@ 3600 IN MX\n",
    )]);
    assert_eq!((e.line, e.file.as_str()), (2, "z.zone"), "{e}");
    let e = error(&[src(
        SourceKind::Postfix,
        "pc.txt",
        "myhostname = a\nrelayhost = b\nnot a setting\n",
    )]);
    assert_eq!(e.line, 3, "{e}");
    let e = error(&[src(
        SourceKind::Postfix,
        "transport",
        "contoso.com smtp:[a]\nfabrikam.com mail.fabrikam.com\n",
    )]);
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn windows_powershell_utf16_files_are_decoded() {
    let text = "{\"DomainName\": \"contoso.com\", \"DomainType\": \"Authoritative\", \"IsCoexistenceDomain\": false}";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let s = Source::from_bytes(SourceKind::Auto, "u16.json", &bytes).unwrap();
    let imported = import(&[s], &ImportOptions::default()).unwrap();
    assert!(imported.yaml.contains("contoso.com: authoritative"));
    let e = Source::from_bytes(SourceKind::Auto, "bin", b"ok\n\xff\xfe\xfd").err();
    assert!(matches!(e, Some(ImportError { line: 2, .. })), "{e:?}");
}

#[test]
fn every_truncation_of_every_sample_is_an_error_or_a_scenario_never_a_panic() {
    let root = format!("{}/examples/import", env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["exchange-online", "exchange-server", "dns", "postfix"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let mut outcomes = (0, 0);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        let cuts: Vec<usize> = (0..text.len())
            .step_by(23)
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for cut in cuts {
            let source = Source {
                kind: SourceKind::Auto,
                path: name.clone(),
                text: text[..cut].to_string(),
            };
            match import(&[source], &ImportOptions::default()) {
                Ok(_) => outcomes.0 += 1,
                Err(e) => {
                    assert_eq!(e.file, name);
                    assert!(e.line >= 1 && !e.help.is_empty(), "{e}");
                    outcomes.1 += 1;
                }
            }
        }
    }
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[test]
fn kinds_read_as_the_cli_writes_them() {
    for k in [
        "exchange-online",
        "exchange-server",
        "dns",
        "postfix",
        "auto",
    ] {
        assert_eq!(k.parse::<SourceKind>().unwrap().to_string(), k);
    }
    assert!("exchange".parse::<SourceKind>().is_err());
    let (_, imported) = scenario(&["dns/dig-mx.txt"], &ImportOptions::default());
    assert!(imported.yaml.contains("traffic:"));
}
