//! mailflow: a discrete-event simulator of hybrid mail-routing topologies.
//!
//! The pipeline, one line:
//!
//! ```text
//! scenarios/x.yaml → scenario::schema (serde, located errors) → scenario::validate (every problem
//! at once) → scenario::build → model::Scenario (typed, petgraph topology)
//! → sim::Engine::new(&scenario, seed) → run_until(horizon) (faults arrive as events; an observer
//! records) → stats::Summary → report exporters (JSON, CSV, SVG, HTML, console) → reports/…
//! ```
//!
//! `compare` and `sweep` are loops over this pipeline with shared seeds; `validate` stops after
//! validation.
//!
//! An M/M/1 queue written as a scenario, run through the library:
//!
//! ```
//! use mailflow::{scenario, sim::Engine, stats::Summary};
//!
//! let yaml = r#"
//! name: mm1
//! duration: 1d
//! domains:
//!   example.com: {mx: server, mailboxes: {server: 1.0}}
//! nodes:
//!   server: {kind: smtp, workers: 1, service_time: {exponential: {mean: 1s}}}
//! traffic:
//!   - {name: arrivals, from: server, to: example.com, rate: 0.5/s}
//! "#;
//! let loaded = scenario::load_str(yaml, "mm1.yaml", &[]).expect("a valid scenario");
//! let mut engine = Engine::new(&loaded.scenario, 1);
//! engine.run();
//! let s = Summary::from_engine(&engine, 0.0);
//! let m = &s.messages;
//! // Every message ends delivered, NDR'd, quarantined or in flight.
//! assert_eq!(m.generated, m.delivered + m.ndr + m.quarantined + m.in_flight);
//! // M/M/1 with λ = 0.5/s, μ = 1/s: mean time in system 1/(μ − λ) = 2 s.
//! assert!((s.latency_s.mean - 2.0).abs() < 0.3, "{}", s.latency_s.mean);
//! ```

pub mod app;
pub mod cli;
pub mod compare;
pub mod load_check;
pub mod model;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod slo;
pub mod stats;
pub mod sweep;
