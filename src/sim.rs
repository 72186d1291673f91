//! The discrete-event engine: time, events, queues, random streams, routing and delivery.

pub mod time;
