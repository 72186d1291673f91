//! The discrete-event engine: events, queues, random streams, routing, delivery and the
//! observer that records a run.

pub mod advice;
pub mod calendar;
pub mod changes;
pub mod codes;
pub mod delivery;
pub mod dns;
pub mod engine;
pub mod event;
pub mod faults;
mod hop;
pub mod inbound;
pub mod message;
pub mod observer;
pub(crate) mod queue;
mod recipients;
mod retry;
pub mod rng;
pub mod routing;
pub mod session;
pub mod trace;

pub use crate::time::{SimDuration, SimTime};
pub use engine::{Engine, LogEntry};
pub use observer::{Latency, Observer, SampleRow, TimeSeries};
