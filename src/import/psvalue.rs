//! Reading PowerShell-printed property values leniently (text, booleans, lists, TimeSpans, sizes, enums) and locating wrong ones.

use serde_json::{Map, Value};

use super::error::ImportError;
use super::psjson::{DEPTH_HELP, PsObject};
use super::units::{Limit, parse_byte_size, parse_timespan};

impl PsObject {
    /// The line of a property (else of the object).
    pub(super) fn line_of(&self, key: &str) -> usize {
        self.key_lines
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map_or(self.line, |(_, l)| *l)
    }

    /// The property names, in file order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &String> {
        self.props.keys()
    }

    /// A property's value (names are case-insensitive, as in PowerShell).
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.props.get(key).or_else(|| {
            self.props
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    }

    /// A located error about one property.
    pub(super) fn error(
        &self,
        key: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ImportError {
        ImportError::at(&self.file, self.line_of(key), message, help)
    }

    fn expected(&self, key: &str, what: &str, found: &Value) -> ImportError {
        let shown = match found {
            Value::String(s) if s.starts_with("System.") || s.starts_with("Microsoft.") => {
                return self.error(
                    key,
                    format!("`{key}` holds the type name `{s}` instead of its value"),
                    format!("ConvertTo-Json cut the object short: {DEPTH_HELP}"),
                );
            }
            other => other.to_string(),
        };
        self.error(
            key,
            format!("`{key}` should be {what}, found {shown}"),
            format!("write {what}, as the cmdlet prints it"),
        )
    }

    /// A text property; numbers and booleans are taken as text, `{Domain: ...}`-style objects by
    /// their address, `null` as absent.
    pub(super) fn str(&self, key: &str) -> Result<Option<String>, ImportError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => scalar_text(v)
                .map(Some)
                .ok_or_else(|| self.expected(key, "a text value", v)),
        }
    }

    /// A text property that must be there.
    pub(super) fn required_str(&self, key: &str, cmdlet: &str) -> Result<String, ImportError> {
        match self.str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ImportError::at(
                &self.file,
                self.line,
                format!("this {cmdlet} object has no `{key}`"),
                format!(
                    "export the full objects (`{cmdlet} | ConvertTo-Json -Depth 5`), not a `Select-Object` of a few properties"
                ),
            )),
        }
    }

    /// A boolean property: `true`, `"True"`, `"$true"`, `1`.
    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
            Some(Value::String(s)) => match s
                .trim()
                .trim_start_matches('$')
                .to_ascii_lowercase()
                .as_str()
            {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(self.expected(key, "true or false", &Value::String(s.clone()))),
            },
            Some(v) => Err(self.expected(key, "true or false", v)),
        }
    }

    /// A multi-valued property: an array (of text or of `{Address: ...}` objects), one text value,
    /// or `null`/absent as empty.
    pub(super) fn list(&self, key: &str) -> Result<Vec<String>, ImportError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| {
                    scalar_text(v).ok_or_else(|| self.expected(key, "a list of text values", v))
                })
                .collect(),
            Some(Value::String(s)) if s.starts_with("System.") => {
                Err(self.expected(key, "a list", &Value::String(s.clone())))
            }
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
            Some(v) => scalar_text(v)
                .map(|s| vec![s])
                .ok_or_else(|| self.expected(key, "a list of text values", v)),
        }
    }

    /// A count that may be `Unlimited`.
    pub(super) fn limit(&self, key: &str) -> Result<Option<Limit>, ImportError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(|n| Some(Limit::Value(n))).ok_or_else(|| {
                self.expected(
                    key,
                    "a whole number or Unlimited",
                    &Value::Number(n.clone()),
                )
            }),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("unlimited") => {
                Ok(Some(Limit::Unlimited))
            }
            Some(Value::String(s)) => s
                .trim()
                .replace(',', "")
                .parse()
                .map(|n| Some(Limit::Value(n)))
                .map_err(|_| {
                    self.expected(
                        key,
                        "a whole number or Unlimited",
                        &Value::String(s.clone()),
                    )
                }),
            Some(Value::Object(m)) => limit_object(m).map(Some).ok_or_else(|| {
                self.expected(
                    key,
                    "a whole number or Unlimited",
                    &Value::Object(m.clone()),
                )
            }),
            Some(v) => Err(self.expected(key, "a whole number or Unlimited", v)),
        }
    }

    /// A TimeSpan (`1.00:00:00`, or the `{TotalSeconds: ...}` object Windows PowerShell writes), in seconds.
    pub(super) fn timespan(&self, key: &str) -> Result<Option<u64>, ImportError> {
        let what = "a time span such as 1.00:00:00";
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_timespan(s)
                .map(Some)
                .ok_or_else(|| self.expected(key, what, &Value::String(s.clone()))),
            Some(Value::Object(m)) => m
                .get("TotalSeconds")
                .and_then(Value::as_f64)
                .filter(|s| *s >= 0.0)
                .map(|s| Some(s as u64))
                .ok_or_else(|| self.expected(key, what, &Value::Object(m.clone()))),
            Some(v) => Err(self.expected(key, what, v)),
        }
    }

    /// A ByteQuantifiedSize (`36 MB (37,748,736 bytes)`), or `Unlimited`.
    pub(super) fn bytes(&self, key: &str) -> Result<Option<Limit>, ImportError> {
        let what = "a size such as `36 MB (37,748,736 bytes)`";
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_u64().map(Limit::Value)),
            Some(Value::String(s)) => parse_byte_size(s)
                .map(Some)
                .ok_or_else(|| self.expected(key, what, &Value::String(s.clone()))),
            Some(Value::Object(m)) => limit_object(m)
                .map(Some)
                .ok_or_else(|| self.expected(key, what, &Value::Object(m.clone()))),
            Some(v) => Err(self.expected(key, what, v)),
        }
    }

    /// An enumeration, printed as its name or (by Windows PowerShell) as its number.
    pub(super) fn enumeration(
        &self,
        key: &str,
        names: &[(&str, i64)],
    ) -> Result<Option<String>, ImportError> {
        let listed: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let what = format!("one of {}", listed.join(", "));
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => names
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(s.trim()))
                .map(|(n, _)| Some(n.to_string()))
                .ok_or_else(|| self.expected(key, &what, &Value::String(s.clone()))),
            Some(Value::Number(n)) => names
                .iter()
                .find(|(_, v)| Some(*v) == n.as_i64())
                .map(|(n, _)| Some(n.to_string()))
                .ok_or_else(|| self.expected(key, &what, &Value::Number(n.clone()))),
            Some(v) => Err(self.expected(key, &what, v)),
        }
    }
}

/// Text of a scalar, or the address-like member of an object (`SmtpDomain`, `Address`, `Domain`…).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(m) => [
            "Address",
            "Domain",
            "DomainName",
            "Name",
            "Value",
            "SmtpDomain",
        ]
        .iter()
        .find_map(|k| m.get(*k).and_then(scalar_text)),
        _ => None,
    }
}

fn limit_object(m: &Map<String, Value>) -> Option<Limit> {
    if m.get("IsUnlimited").and_then(Value::as_bool) == Some(true) {
        return Some(Limit::Unlimited);
    }
    match m.get("Value")? {
        Value::Number(n) => n.as_u64().map(Limit::Value),
        Value::String(s) => parse_byte_size(s),
        Value::Object(inner) => limit_object(inner),
        _ => None,
    }
}
