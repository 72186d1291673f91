//! Exchange Online mail flow rules that route to a connector (`RouteMessageOutboundConnector`); others leave a note.

use super::error::{ImportError, Note, NoteKind, Prov};
use super::facts::TransportRule;
use super::ignored::Ignored;
use super::psjson::PsObject;

/// Conditions of a mail flow rule that the simulator cannot evaluate; a rule with any of them
/// matches messages carrying a tag instead.
const CONTENT_CONDITIONS: &[&str] = &[
    "SubjectContainsWords",
    "SubjectOrBodyContainsWords",
    "SubjectMatchesPatterns",
    "SubjectOrBodyMatchesPatterns",
    "MessageContainsDataClassifications",
    "HeaderContainsMessageHeader",
    "HeaderContainsWords",
    "HeaderMatchesMessageHeader",
    "HeaderMatchesPatterns",
    "FromAddressContainsWords",
    "FromAddressMatchesPatterns",
    "AttachmentContainsWords",
    "AttachmentMatchesPatterns",
    "AttachmentExtensionMatchesWords",
    "AttachmentNameMatchesPatterns",
    "AttachmentSizeOver",
    "MessageSizeOver",
    "HasClassification",
    "SentTo",
    "From",
    "FromMemberOf",
    "SentToMemberOf",
    "MessageTypeMatches",
    "SCLOver",
    "WithImportance",
    "AnyOfRecipientAddressContainsWords",
    "AnyOfRecipientAddressMatchesPatterns",
    "RecipientAddressContainsWords",
    "RecipientAddressMatchesPatterns",
    "AnyOfToHeader",
    "AnyOfCcHeader",
    "AnyOfToCcHeader",
    "SenderIpRanges",
    "SenderADAttributeContainsWords",
    "RecipientADAttributeContainsWords",
    "AttachmentHasExecutableContent",
    "AttachmentIsPasswordProtected",
    "HasNoClassification",
];

/// Reads one `Get-TransportRule` object; rules that do not route, or are off, give a note instead.
pub(super) fn transport_rule(
    obj: &PsObject,
    ignored: &mut Ignored,
    notes: &mut Vec<Note>,
) -> Result<Option<TransportRule>, ImportError> {
    const CMDLET: &str = "Get-TransportRule";
    let name = obj.required_str("Name", CMDLET)?;
    let state = obj.str("State")?.unwrap_or_else(|| "Enabled".into());
    let mode = obj.str("Mode")?.unwrap_or_else(|| "Enforce".into());
    let Some(connector) = obj.str("RouteMessageOutboundConnector")? else {
        let msg = format!(
            "mail flow rule \"{name}\" does not route to a connector; its actions are not modelled, ignored"
        );
        notes.push(Note::at(NoteKind::Ignored, &obj.file, obj.line, msg));
        return Ok(None);
    };
    if !state.eq_ignore_ascii_case("Enabled") || !mode.eq_ignore_ascii_case("Enforce") {
        let msg = format!(
            "mail flow rule \"{name}\" is {state} in mode {mode}: it routes nothing; ignored"
        );
        notes.push(Note::at(
            NoteKind::Ignored,
            &obj.file,
            obj.line_of("State"),
            msg,
        ));
        return Ok(None);
    }
    let mut modelled = vec![
        "State",
        "Mode",
        "Priority",
        "RouteMessageOutboundConnector",
        "RecipientDomainIs",
        "SenderDomainIs",
        "SentToScope",
        "FromScope",
        "Conditions",
        "Actions",
        "Exceptions",
    ];
    modelled.extend_from_slice(CONTENT_CONDITIONS);
    let known = [
        "RuleVersion",
        "DlpPolicy",
        "DlpPolicyId",
        "Comments",
        "ManuallyModified",
        "ActivationDate",
        "ExpiryDate",
        "RuleErrorAction",
        "RuleSubType",
        "SenderAddressLocation",
        "UseLegacyRegex",
        "StopRuleProcessing",
        "IsRuleConfigurationSupported",
        "RecipientAddressType",
        "RouteMessageOutboundRequireTls",
        "LastModifiedBy",
        "SetAuditSeverity",
        "Quarantine",
        "ApplyRightsProtectionCustomizationTemplate",
    ];
    ignored.check(obj, CMDLET, &modelled, &known);
    for key in obj.keys().filter(|k| k.starts_with("ExceptIf")) {
        if obj.list(key).map(|l| !l.is_empty()).unwrap_or(true) {
            let msg = format!(
                "mail flow rule \"{name}\" has the exception `{key}`, which is not modelled; ignored"
            );
            notes.push(Note::at(
                NoteKind::Ignored,
                &obj.file,
                obj.line_of(key),
                msg,
            ));
        }
    }
    for scope in ["SentToScope", "FromScope"] {
        if let Some(v) = obj.str(scope)? {
            let msg = format!(
                "mail flow rule \"{name}\" condition `{scope}: {v}` cannot be expressed; the rule matches regardless of it"
            );
            notes.push(Note::at(
                NoteKind::Warning,
                &obj.file,
                obj.line_of(scope),
                msg,
            ));
        }
    }
    let content_conditions = CONTENT_CONDITIONS
        .iter()
        .filter(|k| {
            obj.get(k)
                .is_some_and(|v| !v.is_null() && v != &serde_json::Value::Bool(false))
        })
        .map(|k| k.to_string())
        .collect();
    let lower = |v: Vec<String>| v.into_iter().map(|d| d.to_ascii_lowercase()).collect();
    Ok(Some(TransportRule {
        prov: Prov::new(&obj.file, obj.line, format!("{CMDLET} \"{name}\"")),
        priority: obj
            .str("Priority")?
            .and_then(|p| p.parse().ok())
            .unwrap_or(0),
        recipient_domains: lower(obj.list("RecipientDomainIs")?),
        sender_domains: lower(obj.list("SenderDomainIs")?),
        content_conditions,
        connector,
        name,
    }))
}
