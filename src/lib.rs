//! mailflow: a discrete-event simulator of hybrid mail-routing topologies.
//!
//! The pipeline, in layers (each module imports only those before it; `tests/layers.rs`
//! checks it):
//!
//! ```text
//! time        SimTime, SimDuration (integer µs)
//! model       the typed scenario (no serde): nodes, connectors, domains, traffic, faults
//! sim         the engine: events, queues, routing, DNS, delivery; the observer records a run
//! scenario    load (YAML → located errors → model) and check (warnings, size, offered load)
//! import      a scenario from configuration exports (Exchange Online / Server, DNS, Postfix)
//! fit         a traffic section from message logs; the fit report's numbers; replay files
//! stats       pure numerics: confidence intervals, MSER-5
//! experiment  simulate (honours `warmup: auto`), Summary, replications, SLOs, sweeps, compare
//! report      exporters for run / compare / sweep outputs: JSON, CSV, SVG, HTML, console
//! cli, cmd    the command line and one file per command; errors and exit codes
//! ```
//!
//! `compare` and `sweep` are loops over [`experiment::simulate`] with shared seeds; `validate`
//! stops after [`scenario::check`]. docs/architecture.md says where to add a fault kind, a
//! retry preset or an output file.
//!
//! An M/M/1 queue written as a scenario, run through the library:
//!
//! ```
//! use mailflow::{experiment::Summary, scenario, sim::Engine};
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

pub mod cli;
pub mod cmd;
pub mod experiment;
pub mod fit;
pub mod import;
pub mod model;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod time;
