//! Which of the keys the importer can write the scenario loader accepts, read from the loader's own serde schema: keys the format gains are written as soon as the loader knows them, and until then held back as comments.

use serde_json::Value;

use crate::scenario::schema::{
    AcceptFromSpec, AcceptedSpec, ConnectorSpec, NodeSpec, RetrySpec, TlsSpec,
};

/// Keys beyond the first contract that an imported scenario may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keys {
    /// `retry: {preset, <setting>: ...}`.
    pub retry_overrides: bool,
    /// `nodes.*.inbound`.
    pub inbound: bool,
    /// `nodes.*.max_message_size`.
    pub max_message_size: bool,
    /// `accepted_domains: {d: external_relay}`.
    pub external_relay: bool,
    /// `nodes.*.accept_from.certificate_name`.
    pub accept_certificate_name: bool,
    /// `nodes.*.accept_from.source_ips`.
    pub source_ips: bool,
    /// `connectors[].smart_host`.
    pub smart_host: bool,
    /// `connectors[].enabled`.
    pub enabled: bool,
    /// `connectors[].tls.certificate_name`.
    pub tls_certificate_name: bool,
    /// `connectors[].centralized_transport`.
    pub centralized_transport: bool,
}

impl Keys {
    /// The keys this build's scenario loader accepts.
    pub fn of_loader() -> Keys {
        let props = |schema: schemars::Schema| -> Value {
            schema
                .as_value()
                .get("properties")
                .cloned()
                .unwrap_or(Value::Null)
        };
        let has = |p: &Value, key: &str| p.get(key).is_some();
        let node = props(schemars::schema_for!(NodeSpec));
        let connector = props(schemars::schema_for!(ConnectorSpec));
        let accept = props(schemars::schema_for!(AcceptFromSpec));
        let tls = props(schemars::schema_for!(TlsSpec));
        let retry = props(schemars::schema_for!(RetrySpec));
        let accepted = schemars::schema_for!(AcceptedSpec).as_value().to_string();
        Keys {
            retry_overrides: has(&retry, "preset"),
            inbound: has(&node, "inbound"),
            max_message_size: has(&node, "max_message_size"),
            external_relay: accepted.contains("\"external_relay\""),
            accept_certificate_name: has(&accept, "certificate_name"),
            source_ips: has(&accept, "source_ips"),
            smart_host: has(&connector, "smart_host"),
            enabled: has(&connector, "enabled"),
            tls_certificate_name: has(&tls, "certificate_name"),
            centralized_transport: has(&connector, "centralized_transport"),
        }
    }

    /// Every key the importer knows how to write (for tests of the writer).
    pub fn all() -> Keys {
        Keys {
            retry_overrides: true,
            inbound: true,
            max_message_size: true,
            external_relay: true,
            accept_certificate_name: true,
            source_ips: true,
            smart_host: true,
            enabled: true,
            tls_certificate_name: true,
            centralized_transport: true,
        }
    }

    /// Only the keys of the first scenario contract.
    pub fn base() -> Keys {
        Keys {
            retry_overrides: false,
            inbound: false,
            max_message_size: false,
            external_relay: false,
            accept_certificate_name: false,
            source_ips: false,
            smart_host: false,
            enabled: false,
            tls_certificate_name: false,
            centralized_transport: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaders_keys_are_read_from_its_schema() {
        let k = Keys::of_loader();
        // Keys this branch's loader has: preset overrides and receive limits.
        assert!(k.retry_overrides && k.inbound);
        // A key no loader has yet.
        assert!(!k.source_ips);
    }
}
