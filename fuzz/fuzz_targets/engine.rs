//! libFuzzer target: any bytes as a scenario file, and the scenarios that load and are small
//! simulated twice under one seed: the runs must give the same numbers and conserve messages
//! (`generated = delivered + ndr + quarantined + in_flight`), without panicking or hanging.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../examples/fuzz/check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    // The first eight bytes pick the seed, the rest is the scenario.
    if data.len() < 8 {
        return;
    }
    let (seed, text) = data.split_at(8);
    let seed = u64::from_le_bytes(seed.try_into().unwrap_or([0; 8]));
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Some(sc) = check::load(text, &[])
        && check::small_enough(&sc)
        && let Err(e) = check::check_engine(&sc, seed)
    {
        panic!("{e}");
    }
});
