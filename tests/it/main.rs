//! mailflow's integration tests, in one binary (one link instead of one per file): behaviour
//! stories, fidelity against closed-form queueing results, capacity planning, reports,
//! robustness, scale, the layering of the crate, the JSON Schema and the documentation's
//! examples.

mod behaviour;
mod browser;
mod capacity;
mod cluster;
mod common;
mod config;
mod docs;
mod fidelity;
mod import;
mod import_fit;
mod layers;
mod queues;
mod realism;
mod reports;
mod reports_truth;
mod robustness;
mod scale;
mod schema;
mod topology;
