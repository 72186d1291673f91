//! Values that take several shapes (`mx`, `workers`, `retry`, `to`, `profile`, distributions):
//! each has its own type, read as the raw YAML value so that `build` can explain a wrong shape
//! with a located error and a "did you mean", and described precisely in the JSON Schema so
//! that editors complete and check it.

use std::borrow::Cow;
use std::ops::Deref;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_yaml::Value;

/// Declares a wrapper around the raw value with its JSON Schema.
macro_rules! shape {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Deserialize, PartialEq)]
        #[serde(transparent)]
        pub struct $name(pub Value);

        impl Deref for $name {
            type Target = Value;
            fn deref(&self) -> &Value {
                &self.0
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                let f: fn(&mut SchemaGenerator) -> Schema = $schema;
                f(generator)
            }
        }
    };
}

/// The schema of a value written with a unit, or a bare number.
pub fn unit_schema(what: &str, examples: &[&str]) -> Schema {
    json_schema!({
        "type": ["string", "number"],
        "description": what,
        "examples": examples,
    })
}

fn dist_schema(_: &mut SchemaGenerator) -> Schema {
    let unit = unit_schema("a duration (`50ms`) or a size (`75KB`)", &["50ms", "75KB"]);
    json_schema!({
        "description": "A distribution: `{fixed: 50ms}`, `{exponential: {mean: 80ms}}`, `{lognormal: {median: 75KB, sigma: 1.0}}` or `{uniform: {min: 10ms, max: 90ms}}`.",
        "oneOf": [
            {"type": "object", "additionalProperties": false, "required": ["fixed"],
             "properties": {"fixed": unit}},
            {"type": "object", "additionalProperties": false, "required": ["exponential"],
             "properties": {"exponential": {"type": "object", "additionalProperties": false,
                 "required": ["mean"], "properties": {"mean": unit}}}},
            {"type": "object", "additionalProperties": false, "required": ["lognormal"],
             "properties": {"lognormal": {"type": "object", "additionalProperties": false,
                 "required": ["median", "sigma"],
                 "properties": {"median": unit, "sigma": {"type": "number", "minimum": 0}}}}},
            {"type": "object", "additionalProperties": false, "required": ["uniform"],
             "properties": {"uniform": {"type": "object", "additionalProperties": false,
                 "required": ["min", "max"], "properties": {"min": unit, "max": unit}}}}
        ]
    })
}

shape!(
    /// A distribution of durations or sizes.
    DistValue,
    dist_schema
);

shape!(
    /// `workers`: a positive whole number or `unlimited`.
    WorkersValue,
    |_| json_schema!({
        "description": "Concurrent sessions / processing slots: a positive whole number or `unlimited`.",
        "oneOf": [{"type": "integer", "minimum": 1}, {"const": "unlimited"}]
    })
);

shape!(
    /// A positive whole number (connection limits).
    CountValue,
    |_| json_schema!({"type": "integer", "minimum": 1})
);

shape!(
    /// `mx`: a node name, or a list of `{host, preference}` records.
    MxValue,
    |_| json_schema!({
        "description": "A node name (shorthand for one record of preference 0), `\".\"` (a null MX: the domain accepts no mail), `[]` (no MX records: the address record `a` is the implicit MX), or a list of MX records.",
        "oneOf": [
            {"type": "string"},
            {"type": "array", "maxItems": 0},
            {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": false, "required": ["host"],
                "properties": {"host": {"type": "string", "description": "Node name."},
                               "preference": {"type": "integer", "minimum": 0,
                                              "description": "Lower is tried first (default 0)."}}}}
        ]
    })
);

shape!(
    /// `to` of a traffic stream: a domain, or domain → weight.
    ToValue,
    |_| json_schema!({
        "description": "A recipient domain, or weights per domain such as `{contoso.com: 0.8, fabrikam.com: 0.2}`.",
        "oneOf": [
            {"type": "string"},
            {"type": "object", "minProperties": 1, "additionalProperties": {"type": "number", "minimum": 0}}
        ]
    })
);

shape!(
    /// `profile` of a traffic stream.
    ProfileValue,
    |_| json_schema!({
        "description": "`constant` (default), `business_hours`, daily points `[{at: 0h, x: 0.2}, {at: 8h, x: 1.6}, ...]` (t = 0 is midnight; repeats every 24h), or hourly weekday and weekend multipliers `{weekday: [24 numbers], weekend: [24 numbers], start: monday}` (repeats every week; `start` is the day t = 0 falls on).",
        "oneOf": [
            {"enum": ["constant", "business_hours"]},
            {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": false, "required": ["at", "x"],
                "properties": {"at": {"type": ["string", "number"], "examples": ["8h"]},
                               "x": {"type": "number", "minimum": 0}}}},
            {"type": "object", "additionalProperties": false, "required": ["weekday"],
             "properties": {
                "weekday": {"type": "array", "minItems": 24, "maxItems": 24, "items": {"type": "number", "minimum": 0},
                            "description": "Monday to Friday, hour by hour from 0h."},
                "weekend": {"type": "array", "minItems": 24, "maxItems": 24, "items": {"type": "number", "minimum": 0},
                            "description": "Saturday and Sunday, hour by hour (default: as weekday)."},
                "start": {"enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
                          "description": "The day t = 0 falls on (default monday)."}}}
        ]
    })
);

shape!(
    /// `retry`: a preset name or an explicit policy.
    RetryValue,
    |generator| {
        let explicit = generator.subschema_for::<super::RetrySpec>();
        json_schema!({
            "description": "A preset (`exchange_online`, `exchange_server`, `postfix`, `rfc5321`) or an explicit policy.",
            "oneOf": [
                {"enum": ["exchange_online", "exchange_server", "postfix", "rfc5321"]},
                explicit
            ]
        })
    }
);

shape!(
    /// `recipients` of a traffic stream.
    RecipientsValue,
    |_| json_schema!({
        "description": "Recipients per message: a count, `{fixed: 3}`, `{weights: {1: 0.8, 2: 0.15, 5: 0.05}}` or `{geometric: {mean: 1.6}}`.",
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "object", "additionalProperties": false, "required": ["fixed"],
             "properties": {"fixed": {"type": "integer", "minimum": 1}}},
            {"type": "object", "additionalProperties": false, "required": ["weights"],
             "properties": {"weights": {"type": "object", "minProperties": 1,
                 "additionalProperties": {"type": "number", "minimum": 0}}}},
            {"type": "object", "additionalProperties": false, "required": ["geometric"],
             "properties": {"geometric": {"type": "object", "additionalProperties": false,
                 "required": ["mean"], "properties": {"mean": {"type": "number", "minimum": 1}}}}}
        ]
    })
);

shape!(
    /// `back_pressure` of a node's `inbound`: on/off, or thresholds.
    BackPressureValue,
    |generator| {
        let spec = generator.subschema_for::<super::BackPressureSpec>();
        json_schema!({
            "description": "Exchange back pressure: `true` (the defaults), `false`, or thresholds.",
            "oneOf": [{"type": "boolean"}, spec]
        })
    }
);
