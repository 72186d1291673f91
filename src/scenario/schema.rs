//! Serde structs that mirror the scenario YAML key for key (unknown keys are errors).
//!
//! Values with units stay text ([`Unit`]) so `build` can parse them with located errors; keys
//! that take several shapes (`mx`, `workers`, `retry`, `to`, `profile`, distributions) have a
//! type each in [`shapes`] that keeps the raw value for the same reason. Every type here also
//! derives its JSON Schema ([`root::json_schema`]), so the schema editors use cannot drift from
//! what the loader reads. The top level and the entries of `domains`, `nodes`,
//! `connectors`, `rules`, `traffic` and `faults` are read one by one, so one bad entry does not
//! hide problems in the others.
//!
//! Extensions to the spec, accepted here: node `connect_timeout` (a duration, default 30s: how
//! long an attempt to a dead server holds a session), retry `expiry_code` (the NDR text written
//! on expiry), traffic `normalize` (`false` keeps a piecewise profile's multipliers as written)
//! and `warmup: auto` (MSER-5 truncation).

pub mod root;
pub mod shapes;

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

pub use shapes::{
    BackPressureValue, CountValue, DistValue, MxValue, ProfileValue, RecipientsValue, RetryValue,
    ToValue, WorkersValue,
};

/// The keys of the top level, in the spec's order.
pub const TOP_KEYS: [&str; 15] = [
    "name",
    "description",
    "duration",
    "warmup",
    "seed",
    "sample_every",
    "max_hops",
    "domains",
    "nodes",
    "connectors",
    "rules",
    "traffic",
    "faults",
    "changes",
    "alerts",
];

/// A value written with a unit (`90s`, `20/s`, `75KB`) or as a bare number, kept as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Unit {
    /// Text, to be parsed by `units`.
    Text(String),
    /// A bare YAML number.
    Number(f64),
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Text(s) => f.write_str(s),
            Unit::Number(n) => write!(f, "{n}"),
        }
    }
}

impl JsonSchema for Unit {
    fn schema_name() -> Cow<'static, str> {
        "Unit".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        shapes::unit_schema(
            "A value with its unit: a duration (`90s`, `1h30m`), a rate (`20/s`, `50000/d`), a size (`75KB`) or a share (`0.25`).",
            &["90s", "20/s", "75KB", "0.25"],
        )
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Unit, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Unit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value such as `90s`, `20/s`, `75KB` or `0.5`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Unit, E> {
                Ok(Unit::Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Unit, E> {
                Ok(Unit::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Unit, E> {
                Ok(Unit::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Unit, E> {
                Ok(Unit::Number(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// An entry of `domains`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    /// A node name, or a list of [`MxSpec`].
    pub mx: Option<MxValue>,
    /// MX record TTL (default 1h).
    pub ttl: Option<Unit>,
    /// Node → share of the domain's mailboxes.
    pub mailboxes: Option<IndexMap<String, Unit>>,
    /// Share of recipients that exist nowhere (default 0).
    pub unknown_recipients: Option<Unit>,
    /// The node the domain's address record points at: its implicit MX when it has no `mx`
    /// (RFC 5321 §5.1).
    pub a: Option<String>,
    /// `true`: the domain does not exist in DNS (NXDOMAIN, a permanent failure).
    pub nxdomain: Option<bool>,
    /// How long resolvers cache a negative answer (default 1h).
    pub negative_ttl: Option<Unit>,
    /// MTA-STS policy mode: none | testing | enforce (default none).
    pub mta_sts: Option<MtaStsSpec>,
    /// `true`: the MX hosts publish TLSA records under DNSSEC (DANE).
    pub dane: Option<bool>,
}

/// `mta_sts:` of a domain.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MtaStsSpec {
    /// No policy.
    None,
    /// Report only.
    Testing,
    /// Senders that apply MTA-STS must not deliver to a host that fails it.
    Enforce,
}

/// One MX record in list form.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MxSpec {
    /// Node name.
    pub host: String,
    /// Lower is tried first (default 0).
    #[serde(default)]
    pub preference: u32,
}

/// An entry of `nodes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// internet | exchange_online | exchange_server | gateway | smtp.
    pub kind: Option<String>,
    /// A positive integer or `unlimited`.
    pub workers: Option<WorkersValue>,
    /// A distribution of durations.
    pub service_time: Option<DistValue>,
    /// Extra service time per MB of message size.
    pub service_per_mb: Option<Unit>,
    /// Domain → authoritative | internal_relay.
    pub accepted_domains: Option<IndexMap<String, AcceptedSpec>>,
    /// A preset name or an explicit [`RetrySpec`].
    pub retry: Option<RetryValue>,
    /// Optional spam filter.
    pub spam_filter: Option<SpamFilterSpec>,
    /// Parallel sessions per destination.
    pub max_connections_per_destination: Option<CountValue>,
    /// Extension: how long an attempt to a dead server holds a session (default 30s).
    pub connect_timeout: Option<Unit>,
    /// Certificate the node presents.
    pub certificate: Option<CertificateSpec>,
    /// Sources allowed on port 25.
    pub firewall: Option<FirewallSpec>,
    /// Sender-domain pattern → new domain.
    pub rewrite_sender: Option<IndexMap<String, String>>,
    /// Partner restrictions on inbound sessions.
    pub accept_from: Option<AcceptFromSpec>,
    /// `internet` only: the population of independent senders it stands for.
    pub senders: Option<SendersSpec>,
    /// Receive-side limits and back pressure.
    pub inbound: Option<InboundSpec>,
    /// Round-trip time of its outgoing sessions (default 20ms).
    pub rtt: Option<Unit>,
    /// Bandwidth of one outgoing session, e.g. `100Mbit/s` (default 100Mbit/s).
    pub bandwidth: Option<Unit>,
    /// Messages one outgoing connection carries before it closes (`unlimited`: while the
    /// queue has mail; default 20 for Exchange, unlimited for other MTAs).
    pub max_messages_per_connection: Option<WorkersValue>,
    /// Recipients per delivery transaction it sends (Postfix
    /// `default_destination_recipient_limit`, default 50 for MTAs).
    pub recipients_per_delivery: Option<WorkersValue>,
    /// Private CAs (`ca_name` of a `private_ca` certificate) it trusts when it validates.
    pub trusted_cas: Option<Vec<String>>,
    /// Largest message it accepts, e.g. `25MB`, or `unlimited` (default per kind).
    pub max_message_size: Option<Unit>,
}

/// `senders:` of an internet node: many independent sending MTAs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendersSpec {
    /// Independent sender groups, each with its own resolver, queues and retry phase
    /// (default 32).
    pub cohorts: Option<u32>,
    /// Share of senders per retry preset (default: postfix 0.4, exchange_online 0.3,
    /// exchange_server 0.1, rfc5321 0.2 — an assumption).
    pub mix: Option<IndexMap<String, Unit>>,
}

/// `inbound:` of a node: what it admits.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundSpec {
    /// Most inbound connections at once (`unlimited` allowed).
    pub max_connections: Option<WorkersValue>,
    /// Most inbound connections from one source node (`unlimited` allowed).
    pub max_connections_per_source: Option<WorkersValue>,
    /// Most recipients accepted per message (`unlimited` allowed).
    pub max_recipients_per_message: Option<WorkersValue>,
    /// Exchange back pressure: `true`/`false`, or thresholds.
    pub back_pressure: Option<BackPressureValue>,
    /// Postfix `in_flow_delay` (`0s` turns it off).
    pub in_flow_delay: Option<Unit>,
}

/// Exchange back-pressure thresholds (waiting messages) and tarpit delays.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackPressureSpec {
    /// Normal → medium (default 9999).
    pub low_to_medium: Option<u64>,
    /// Medium → high (default 15000).
    pub medium_to_high: Option<u64>,
    /// High → medium (default 10000).
    pub high_to_medium: Option<u64>,
    /// Medium → normal (default 2000).
    pub medium_to_low: Option<u64>,
    /// First tarpit delay (default 10s).
    pub tarpit: Option<Unit>,
    /// Tarpit growth per minute at medium (default 5s).
    pub tarpit_step: Option<Unit>,
    /// Largest tarpit delay (default 55s).
    pub tarpit_max: Option<Unit>,
}

/// How a node treats an accepted domain.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptedSpec {
    /// Unknown recipients are rejected.
    Authoritative,
    /// Unknown recipients are relayed on.
    InternalRelay,
    /// No recipient is here: all are relayed on (Exchange Server, gateways).
    ExternalRelay,
}

/// `spam_filter:` of a node.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpamFilterSpec {
    /// Share quarantined (default 0).
    pub quarantine: Option<Unit>,
    /// Extra service time per filtered message (default `{fixed: 0s}`).
    pub scan_time: Option<DistValue>,
    /// Sources that skip the filter.
    pub allow_list: Option<Vec<String>>,
}

/// `certificate:` of a node.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// Subject name.
    pub subject: String,
    /// ca (a public CA, default) | self_signed | private_ca.
    pub issuer: Option<String>,
    /// The private CA's name (`issuer: private_ca`), matched against `trusted_cas`.
    pub ca_name: Option<String>,
    /// Expiry, as a duration from the start of the run.
    pub not_after: Option<Unit>,
}

/// `firewall:` of a node.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirewallSpec {
    /// Source nodes allowed on port 25.
    pub allow: Vec<String>,
}

/// `accept_from:` of a node.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptFromSpec {
    /// Previous-hop nodes allowed.
    pub nodes: Option<Vec<String>>,
    /// Sender domains (patterns) allowed.
    pub sender_domains: Option<Vec<String>>,
    /// Only TLS sessions are accepted.
    #[serde(default)]
    pub require_tls: bool,
    /// The sender must present a valid certificate with this subject.
    pub certificate_name: Option<String>,
}

/// A retry policy written as a mapping: a preset with some of its settings overridden under
/// the real setting's name (`{preset: postfix, queue_run_delay: 5s}`), or an explicit policy
/// (`{schedule: [1m, 5m], then: 1h, expire_after: 24h}`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// The preset whose settings the other keys override: exchange_online | exchange_server |
    /// postfix | rfc5321.
    pub preset: Option<String>,
    /// Postfix `queue_run_delay`: how often the deferred queue is scanned (default 300s).
    pub queue_run_delay: Option<Unit>,
    /// Postfix `minimal_backoff_time` (default 300s).
    pub minimal_backoff_time: Option<Unit>,
    /// Postfix `maximal_backoff_time` (default 4000s).
    pub maximal_backoff_time: Option<Unit>,
    /// Postfix `maximal_queue_lifetime` (default 5d).
    pub maximal_queue_lifetime: Option<Unit>,
    /// Postfix `bounce_queue_lifetime`: the lifetime of NDRs (default 5d).
    pub bounce_queue_lifetime: Option<Unit>,
    /// Postfix `initial_destination_concurrency` (default 5).
    pub initial_destination_concurrency: Option<u32>,
    /// Postfix `default_destination_concurrency_failed_cohort_limit` (default 1).
    pub destination_concurrency_failed_cohort_limit: Option<f64>,
    /// Postfix `delay_warning_time`: age at which a delay notice is sent (default 0s: none).
    pub delay_warning_time: Option<Unit>,
    /// Exchange Server `QueueGlitchRetryCount` (default 4).
    pub queue_glitch_retry_count: Option<u32>,
    /// Exchange Server `QueueGlitchRetryInterval` (default 1m).
    pub queue_glitch_retry_interval: Option<Unit>,
    /// Exchange Server `TransientFailureRetryCount` (default 6).
    pub transient_failure_retry_count: Option<u32>,
    /// Exchange Server `TransientFailureRetryInterval` (default 5m).
    pub transient_failure_retry_interval: Option<Unit>,
    /// Exchange Server `OutboundConnectionFailureRetryInterval` (default 10m).
    pub outbound_connection_failure_retry_interval: Option<Unit>,
    /// Exchange `MessageRetryInterval`: retry of one message whose session failed on its own
    /// (Exchange Server default 5m; Exchange Online 15m, an assumption).
    pub message_retry_interval: Option<Unit>,
    /// Exchange Server `MessageExpirationTimeout` (default 2d).
    pub message_expiration_timeout: Option<Unit>,
    /// Exchange Server `DelayNotificationTimeout` (default 4h).
    pub delay_notification_timeout: Option<Unit>,
    /// Exchange Online `MessageExpiration` (default 24h, from 12h to 24h).
    pub message_expiration: Option<Unit>,
    /// Waits after the 1st, 2nd, … failure.
    pub schedule: Option<Vec<Unit>>,
    /// Wait after every later failure.
    pub then: Option<Unit>,
    /// Exponential backoff instead of a schedule.
    pub backoff: Option<BackoffSpec>,
    /// Age after which a queued message expires (required).
    pub expire_after: Option<Unit>,
    /// Age after which a delay notice is sent.
    pub delay_notice: Option<Unit>,
    /// Extension: the NDR text written on expiry.
    pub expiry_code: Option<String>,
}

/// `backoff:` of a retry policy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackoffSpec {
    /// First wait.
    pub min: Unit,
    /// Largest wait.
    pub max: Unit,
    /// Growth per failure (default 2).
    pub factor: Option<f64>,
}

/// An entry of `connectors`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorSpec {
    /// Unique name.
    pub name: String,
    /// Node that uses it.
    pub from: String,
    /// A node, or `mx`.
    pub to: String,
    /// Recipient-domain patterns it serves.
    pub domains: Vec<String>,
    /// Only for recipients whose mailbox is on these nodes.
    pub mailboxes_on: Option<Vec<String>>,
    /// TLS settings.
    pub tls: Option<TlsSpec>,
    /// A distribution of durations (default `{fixed: 10ms}`).
    pub latency: Option<DistValue>,
    /// Parallel sessions on this connector.
    pub max_connections: Option<CountValue>,
    /// Round-trip time of its sessions (default: the sending node's).
    pub rtt: Option<Unit>,
    /// Bandwidth of one session, e.g. `100Mbit/s` (default: the sending node's).
    pub bandwidth: Option<Unit>,
    /// Used only when a rule selects it.
    #[serde(default)]
    pub rule_scoped: bool,
    /// `false`: the connector is switched off (default true).
    pub enabled: Option<bool>,
    /// The smart host's host name, resolved through DNS: a name, or `{name, ttl}`; its
    /// address record points at `to`.
    pub smart_host: Option<SmartHostValue>,
    /// Exchange hybrid centralised mail transport (`RouteAllMessagesViaOnPremises`).
    #[serde(default)]
    pub centralized_transport: bool,
    /// Largest message it sends, e.g. `25MB` (default: no limit of its own).
    pub max_message_size: Option<Unit>,
}

/// `smart_host:` of a connector: a host name, or a host name with its record's TTL.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SmartHostValue {
    /// `relay.contoso.net`.
    Name(String),
    /// `{name: relay.contoso.net, ttl: 5m}`.
    Record(SmartHostSpec),
}

/// A smart host's name with its address record's TTL.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmartHostSpec {
    /// Host name.
    pub name: String,
    /// TTL of its address record (default 1h).
    pub ttl: Option<Unit>,
}

/// `tls:` of a connector.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsSpec {
    /// none | opportunistic | required.
    pub mode: Option<TlsModeSpec>,
    /// none | certificate | domain.
    pub validate: Option<TlsValidateSpec>,
    /// Expected certificate subject.
    pub tls_domain: Option<String>,
    /// Subject of the certificate the sending node presents (Exchange `TlsCertificateName`).
    pub certificate_name: Option<String>,
}

/// `tls.mode`.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TlsModeSpec {
    /// No TLS.
    None,
    /// TLS when offered.
    Opportunistic,
    /// TLS or defer.
    Required,
}

/// `tls.validate`.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TlsValidateSpec {
    /// Encryption only.
    None,
    /// Trusted and unexpired.
    Certificate,
    /// Also subject = `tls_domain`.
    Domain,
}

/// An entry of `rules`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique name.
    pub name: String,
    /// Node where it is evaluated.
    pub at: String,
    /// Criteria (all must hold; none: every message).
    #[serde(default)]
    pub when: WhenSpec,
    /// Connector it selects.
    pub route_via: String,
    /// `false`: the rule is off (default true).
    pub enabled: Option<bool>,
}

/// `when:` of a rule.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhenSpec {
    /// The message carries this tag.
    pub tag: Option<String>,
    /// Sender-domain pattern.
    pub sender_domain: Option<String>,
    /// Recipient-domain pattern.
    pub recipient_domain: Option<String>,
}

/// An entry of `traffic`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = rate_or_replay)]
pub struct TrafficSpec {
    /// Unique name.
    pub name: String,
    /// Node where messages are submitted.
    pub from: String,
    /// Sender domain (default: the first domain with mailboxes on `from`, else `"*"`).
    pub sender_domain: Option<String>,
    /// A domain, or domain → weight (required unless `replay`).
    pub to: Option<ToValue>,
    /// Mean rate (required unless `replay`).
    pub rate: Option<Unit>,
    /// A replay file (`mailflow fit --replay`): its arrivals, sizes, recipients and recipient
    /// domains instead of `rate`, `profile`, `to`, `size` and `recipients`.
    pub replay: Option<String>,
    /// constant | business_hours | a list of [`PointSpec`] | `{weekday, weekend, start}`.
    pub profile: Option<ProfileValue>,
    /// Extension: `false` keeps a piecewise profile's multipliers as written.
    pub normalize: Option<bool>,
    /// A distribution of sizes (default `{lognormal: {median: 75KB, sigma: 1.0}}`).
    pub size: Option<DistValue>,
    /// Tag → share of messages carrying it.
    pub tags: Option<IndexMap<String, Unit>>,
    /// Stop generating this long before the end.
    pub stop: Option<Unit>,
    /// Recipients per message: a count, `{fixed: 3}`, `{weights: {1: 0.8, 2: 0.15, 5: 0.05}}`
    /// or `{geometric: {mean: 1.6}}` (default 1).
    pub recipients: Option<RecipientsValue>,
}

/// One point of a piecewise profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointSpec {
    /// Offset into the day.
    pub at: Unit,
    /// Multiplier from then on.
    pub x: f64,
}

/// An entry of `faults`: every target key is optional here; `faults` checks which each kind
/// needs and allows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// One of `FaultKind::NAMES`.
    pub kind: String,
    /// Target node.
    pub node: Option<String>,
    /// Target domain.
    pub domain: Option<String>,
    /// Blocked sources (`firewall_block`).
    pub sources: Option<Vec<String>>,
    /// Share of sessions dropped (`connection_drop`).
    pub probability: Option<Unit>,
    /// New MX (`mx_change`).
    pub mx: Option<MxValue>,
    /// Service-time multiplier (`slowdown`).
    pub factor: Option<f64>,
    /// Start (default 0s).
    pub at: Option<Unit>,
    /// Length (default: until the end).
    #[serde(rename = "for")]
    pub for_: Option<Unit>,
}

impl FaultSpec {
    /// The target keys present, by name.
    pub fn present_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let pairs = [
            ("node", self.node.is_some()),
            ("domain", self.domain.is_some()),
            ("sources", self.sources.is_some()),
            ("probability", self.probability.is_some()),
            ("mx", self.mx.is_some()),
            ("factor", self.factor.is_some()),
        ];
        for (k, present) in pairs {
            if present {
                keys.push(k);
            }
        }
        keys
    }
}

/// An entry of `changes`: every target key is optional here; `changes` checks which each kind
/// needs and allows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSpec {
    /// accepted_domain | connector | mx | firewall | certificate | rule.
    pub kind: String,
    /// When the change is made (default 0s).
    pub at: Option<Unit>,
    /// How long it takes to apply: a duration or a range such as `30m..1h` (default 0s).
    pub propagation: Option<Unit>,
    /// Target node (`accepted_domain`, `firewall`, `certificate`).
    pub node: Option<String>,
    /// Target domain (`accepted_domain`, `mx`).
    pub domain: Option<String>,
    /// New accepted-domain type: authoritative | internal_relay | external_relay | none.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// Target connector (`connector`).
    pub connector: Option<String>,
    /// On or off (`connector`, `rule`).
    pub enabled: Option<bool>,
    /// New target of a connector: a node or `mx`.
    pub to: Option<String>,
    /// New MX (`mx`): a node, a list of `{host, preference}`, or `"."` (null MX).
    pub mx: Option<MxValue>,
    /// New allow list (`firewall`); `[]` refuses everyone, absent allows everyone.
    pub allow: Option<Vec<String>>,
    /// New certificate subject (`certificate`; default: the old one's).
    pub subject: Option<String>,
    /// New issuer (`certificate`).
    pub issuer: Option<String>,
    /// New private CA name (`certificate`).
    pub ca_name: Option<String>,
    /// New expiry (`certificate`), from the start of the run.
    pub not_after: Option<Unit>,
    /// Target rule (`rule`).
    pub rule: Option<String>,
}

impl ChangeSpec {
    /// The target keys present, by name.
    pub fn present_keys(&self) -> Vec<&'static str> {
        let pairs = [
            ("node", self.node.is_some()),
            ("domain", self.domain.is_some()),
            ("type", self.type_.is_some()),
            ("connector", self.connector.is_some()),
            ("enabled", self.enabled.is_some()),
            ("to", self.to.is_some()),
            ("mx", self.mx.is_some()),
            ("allow", self.allow.is_some()),
            ("subject", self.subject.is_some()),
            ("issuer", self.issuer.is_some()),
            ("ca_name", self.ca_name.is_some()),
            ("not_after", self.not_after.is_some()),
            ("rule", self.rule.is_some()),
        ];
        pairs.iter().filter(|p| p.1).map(|p| p.0).collect()
    }
}

/// `alerts:` at the top level: when mail flow intelligence raises its queue alerts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsSpec {
    /// Queued messages at a connector or destination that raise "Messages have been delayed"
    /// (default 200).
    pub queued: Option<u64>,
    /// Age over which a queued message is listed (default 1h).
    pub queued_over: Option<Unit>,
}

/// A stream draws its arrivals (`to` and `rate`) or replays them (`replay`), not both.
fn rate_or_replay(schema: &mut schemars::Schema) {
    schema.insert(
        "oneOf".into(),
        serde_json::json!([{"required": ["to", "rate"]}, {"required": ["replay"]}]),
    );
}
