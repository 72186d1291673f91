//! Collecting the properties the importer does not model, so each gets one note per file (not one per object).

use indexmap::IndexMap;
use serde_json::Value;

use super::error::{Note, NoteKind};
use super::psjson::PsObject;

/// Properties every Exchange object prints that say nothing about mail flow.
const METADATA: &[&str] = &[
    "Identity",
    "Guid",
    "Id",
    "Name",
    "DistinguishedName",
    "ObjectState",
    "OrganizationId",
    "OriginatingServer",
    "IsValid",
    "ExchangeVersion",
    "ExchangeObjectId",
    "ObjectCategory",
    "ObjectClass",
    "WhenChanged",
    "WhenCreated",
    "WhenChangedUTC",
    "WhenCreatedUTC",
    "PSComputerName",
    "RunspaceId",
    "PSShowComputerName",
    "Comment",
    "AdminDisplayName",
    "Description",
    "OrganizationalUnitRoot",
    "ImmutableId",
    "Guid",
];

/// Unmodelled properties seen so far: (file, cmdlet, property) → (first line, objects).
#[derive(Debug, Default)]
pub(super) struct Ignored {
    seen: IndexMap<(String, &'static str, String), (usize, usize)>,
}

/// Whether a value is empty: PowerShell prints every property, unset ones as null, "", [] or false.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Number(_) | Value::Bool(true) => false,
    }
}

impl Ignored {
    /// Records the object's set properties that are neither modelled (`modelled`), known and
    /// deliberately left out (`known`), nor metadata.
    pub(super) fn check(
        &mut self,
        obj: &PsObject,
        cmdlet: &'static str,
        modelled: &[&str],
        known: &[&str],
    ) {
        for key in obj.keys() {
            let listed = |list: &[&str]| list.iter().any(|k| k.eq_ignore_ascii_case(key));
            if listed(modelled) || listed(known) || listed(METADATA) {
                continue;
            }
            if obj.get(key).is_none_or(is_empty) {
                continue;
            }
            let entry = self
                .seen
                .entry((obj.file.clone(), cmdlet, key.clone()))
                .or_insert((obj.line_of(key), 0));
            entry.1 += 1;
        }
    }

    /// One note per (file, cmdlet, property).
    pub(super) fn into_notes(self) -> Vec<Note> {
        self.seen
            .into_iter()
            .map(|((file, cmdlet, key), (line, count))| {
                let objects = if count == 1 {
                    String::new()
                } else {
                    format!(" (set in {count} objects)")
                };
                Note::at(
                    NoteKind::Ignored,
                    &file,
                    line,
                    format!(
                        "{cmdlet} property `{key}` is not modelled by mailflow; ignored{objects}"
                    ),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::psjson::load;

    #[test]
    fn only_set_unknown_properties_are_noted_once_per_file() {
        let json = r#"[{"Name":"a","Enabled":true,"Flux":7,"Unset":null,"Off":false,"Known":"x"},
                       {"Name":"b","Enabled":true,"Flux":8}]"#;
        let mut ignored = Ignored::default();
        for obj in load("c.json", json).unwrap() {
            ignored.check(&obj, "Get-OutboundConnector", &["Enabled"], &["Known"]);
        }
        let notes = ignored.into_notes();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].line, Some(1));
        assert!(notes[0].message.contains("`Flux`"));
        assert!(notes[0].message.contains("2 objects"));
    }
}
