//! Checks of a built scenario that go beyond the format: configuration warnings (each with its
//! fix), the size of a run before it starts, and the offered load per node.

pub mod config;
pub mod estimate;
pub mod load;
pub mod warnings;
