//! libFuzzer target: any bytes as a scenario file. The loader must return a scenario or
//! located errors, never panic, and never take long (libFuzzer's `-timeout` catches hangs).

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../examples/fuzz/check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    // The command line refuses invalid UTF-8 before loading; so does the target.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check::load(text, &[]);
    }
});
