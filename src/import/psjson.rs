//! PowerShell `ConvertTo-Json` exports: parsed with serde_json, each object located by line, values read leniently but checked.

use serde_json::{Map, Value};

use super::error::ImportError;

/// One exported object (one connector, domain, rule…) with the line of each property.
#[derive(Debug)]
pub(super) struct PsObject {
    /// The source's path.
    pub file: String,
    /// Line of the object's opening brace (0 if it could not be located).
    pub line: usize,
    /// The properties, in file order.
    pub props: Map<String, Value>,
    /// Property name → line, in file order.
    pub key_lines: Vec<(String, usize)>,
}

/// How to re-export when ConvertTo-Json cut objects short.
pub(super) const DEPTH_HELP: &str =
    "export again with `... | ConvertTo-Json -Depth 5 | Out-File -Encoding utf8 FILE`";

/// Parses a file of one or more JSON values (an object, an array of objects, or several of those
/// one after another, as appending exports produces) into located objects.
pub(super) fn load(file: &str, text: &str) -> Result<Vec<PsObject>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut values = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match item {
            Ok(v) => values.push(v),
            Err(e) => return Err(json_error(file, &e)),
        }
    }
    let located = locate(text);
    let mut objects = Vec::new();
    let mut bad = None;
    for value in values {
        match value {
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(map) => objects.push(map),
                        other => bad = bad.or(Some(other)),
                    }
                }
            }
            Value::Object(map) => objects.push(map),
            other => bad = bad.or(Some(other)),
        }
    }
    if let Some(other) = bad {
        return Err(ImportError::at(
            file,
            1,
            format!("expected exported objects, found {}", kind_of(&other)),
            format!("export the cmdlet's objects: {DEPTH_HELP}"),
        ));
    }
    // The locator sees exactly the objects serde_json saw, in the same order, because it only runs
    // on text serde_json accepted; if the shapes ever disagree, lines are simply unknown.
    let same_shape = located.len() == objects.len();
    Ok(objects
        .into_iter()
        .enumerate()
        .map(|(i, props)| {
            let (line, key_lines) = if same_shape {
                located[i].clone()
            } else {
                (0, Vec::new())
            };
            PsObject {
                file: file.to_string(),
                line,
                props,
                key_lines,
            }
        })
        .collect())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_error(file: &str, e: &serde_json::Error) -> ImportError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the location goes in front instead.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    let help = match e.classify() {
        serde_json::error::Category::Eof => {
            format!("the file ends before the JSON does (truncated copy?): {DEPTH_HELP}")
        }
        _ => format!("this is not valid JSON here: {DEPTH_HELP}"),
    };
    ImportError::at(file, e.line(), format!("invalid JSON: {message}"), help).column(e.column())
}

/// Finds each item object (a top-level object, or an element of a top-level array) and the lines
/// of its own keys. Runs only on text serde_json has accepted.
fn locate(text: &str) -> Vec<(usize, Vec<(String, usize)>)> {
    let bytes = text.as_bytes();
    let mut items: Vec<(usize, Vec<(String, usize)>)> = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    // Depth of the open item object's members (stack length inside it), if one is open.
    let mut item_depth: Option<usize> = None;
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                let start_line = line;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                let end = i.min(bytes.len());
                let is_member = item_depth == Some(stack.len()) && stack.last() == Some(&b'{');
                if is_member && next_is_colon(bytes, i + 1) {
                    let raw = &text[start..end];
                    let key = serde_json::from_str::<String>(&format!("\"{raw}\""))
                        .unwrap_or_else(|_| raw.to_string());
                    if let Some(item) = items.last_mut() {
                        item.1.push((key, start_line));
                    }
                }
            }
            b'{' => {
                let top_level = stack.is_empty() || (stack.len() == 1 && stack[0] == b'[');
                stack.push(b'{');
                if top_level {
                    items.push((line, Vec::new()));
                    item_depth = Some(stack.len());
                }
            }
            b'[' => stack.push(b'['),
            b'}' | b']' => {
                if item_depth == Some(stack.len()) {
                    item_depth = None;
                }
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    items
}

fn next_is_colon(bytes: &[u8], mut i: usize) -> bool {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    bytes.get(i) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::units::Limit;

    const PS51: &str = "[\n    {\n        \"Name\":  \"A\",\n        \"Enabled\":  \"True\",\n        \"SmartHosts\":  [\n                           \"mail.contoso.com\"\n                       ]\n    },\n    {\n        \"Name\":  \"B\",\n        \"Nested\":  { \"Name\": \"inner\" },\n        \"Enabled\":  false\n    }\n]\n";

    #[test]
    fn objects_and_their_properties_are_located_by_line() {
        let objs = load("x.json", PS51).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].line, 2);
        assert_eq!(objs[0].line_of("SmartHosts"), 5);
        assert_eq!(objs[1].line, 9);
        // A nested object's keys are not mistaken for the item's own.
        assert_eq!(objs[1].line_of("Enabled"), 12);
        assert_eq!(objs[1].line_of("Name"), 10);
        assert_eq!(objs[0].bool("Enabled").unwrap(), Some(true));
        assert_eq!(objs[1].bool("enabled").unwrap(), Some(false));
        assert_eq!(
            objs[0].list("SmartHosts").unwrap(),
            vec!["mail.contoso.com"]
        );
    }

    #[test]
    fn a_single_object_and_appended_exports_are_accepted() {
        let objs = load("x.json", "\u{feff}{\"A\": 1}\n[{\"B\": 2}, {\"C\": 3}]").unwrap();
        assert_eq!(objs.len(), 3);
        assert_eq!(objs[2].line, 2);
    }

    #[test]
    fn truncated_json_is_a_located_error_with_a_fix() {
        let cut = &PS51[..PS51.len() - 30];
        let e = load("cut.json", cut).unwrap_err();
        assert!(e.message.starts_with("invalid JSON"), "{e}");
        assert!(e.help.contains("truncated"), "{e}");
        assert!(e.line > 5, "{e}");
    }

    #[test]
    fn scalars_at_top_level_are_refused() {
        let e = load("n.json", "42").unwrap_err();
        assert!(e.message.contains("a number"), "{e}");
    }

    #[test]
    fn values_are_read_in_their_printed_forms_and_wrong_ones_are_located() {
        let text = r#"{"Exp": "12:00:00", "Size": "36 MB (37,748,736 bytes)", "Max": "Unlimited",
            "Type": 2, "Cut": "System.Object[]", "Span": {"TotalSeconds": 300.0}, "Bad": [1, [2]]}"#;
        let o = load("v.json", text).unwrap().remove(0);
        assert_eq!(o.timespan("Exp").unwrap(), Some(43_200));
        assert_eq!(o.timespan("Span").unwrap(), Some(300));
        assert_eq!(o.bytes("Size").unwrap(), Some(Limit::Value(37_748_736)));
        assert_eq!(o.limit("Max").unwrap(), Some(Limit::Unlimited));
        let names = [
            ("Authoritative", 0),
            ("ExternalRelay", 1),
            ("InternalRelay", 2),
        ];
        assert_eq!(
            o.enumeration("Type", &names).unwrap().as_deref(),
            Some("InternalRelay")
        );
        let cut = o.list("Cut").unwrap_err();
        assert!(cut.help.contains("-Depth"), "{cut}");
        assert!(o.list("Bad").is_err());
        assert!(o.timespan("Size").is_err());
        assert!(o.required_str("DomainName", "Get-AcceptedDomain").is_err());
    }
}
