//! The `mailflow` command line (placeholder).
fn main() {}
