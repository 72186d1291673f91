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
