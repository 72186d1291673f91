//! `mailflow schema`: the JSON Schema editors use is the one shipped in the repository, and
//! every shipped scenario validates against it (and a misspelt key does not).

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn printed_schema() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn as_json(yaml: &str) -> serde_json::Value {
    let mut v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    v.apply_merge().unwrap();
    serde_json::to_value(v).unwrap()
}

#[test]
fn the_shipped_schema_file_is_what_mailflow_schema_prints() {
    let shipped = std::fs::read_to_string(root().join("docs/scenario.schema.json")).unwrap();
    assert!(
        shipped == printed_schema(),
        "docs/scenario.schema.json is stale: run `mailflow schema > docs/scenario.schema.json`"
    );
}

#[test]
fn every_shipped_scenario_validates_against_the_schema_and_names_it() {
    let schema: serde_json::Value = serde_json::from_str(&printed_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut count = 0;
    for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../docs/scenario.schema.json\n"),
            "{} lacks the yaml-language-server modeline",
            path.display()
        );
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        count += 1;
    }
    assert!(count >= 10, "only {count} scenarios found");
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema: serde_json::Value = serde_json::from_str(&printed_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = std::fs::read_to_string(root().join("scenarios/mm1.yaml")).unwrap();
    assert!(validator.is_valid(&as_json(&good)));
    for (what, from, to) in [
        ("a misspelt top-level key", "duration:", "duraton:"),
        ("an unknown distribution", "exponential:", "exponentail:"),
        ("zero workers", "workers: 1", "workers: 0"),
    ] {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good, "{what}: the fixture changed");
        assert!(
            !validator.is_valid(&as_json(&bad)),
            "{what} passed the schema"
        );
    }
}
