//! The discrete-event engine: time, events, queues, random streams, routing and delivery.

pub mod codes;
pub mod delivery;
pub mod dns;
pub mod engine;
pub mod event;
pub mod faults;
mod hop;
pub mod message;
pub mod rng;
pub mod routing;
pub mod session;
pub mod time;
pub mod trace;

pub use engine::{Engine, LogEntry};
pub use time::{SimDuration, SimTime};
