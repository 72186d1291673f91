//! `cargo run --release --example engine_vs_reference -- TARGET SIDE`: one run of a benchmark
//! target, to count its instructions (`valgrind --tool=callgrind`) or time it alone.
//!
//! TARGET is `mm4` (`scenarios/mm4.yaml`), `pass` (`benches/mm4-pass-through.yaml`, the M/M/4
//! behind a zero-time hop from an internet node) or `tandem` (`scenarios/tandem.yaml`); SIDE is
//! `engine` (the simulation alone, as `cargo bench --bench engine` times it) or `reference` (the
//! minimal heap-based simulator of `benches/reference.rs`). Prints the events handled.

#[path = "../benches/reference.rs"]
#[allow(dead_code)]
mod reference;

use mailflow::model::Warmup;
use mailflow::sim::Engine;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (target, side) = match args.as_slice() {
        [t, s] => (t.as_str(), s.as_str()),
        _ => {
            eprintln!("usage: engine_vs_reference mm4|pass|tandem engine|reference");
            std::process::exit(2);
        }
    };
    let file = match target {
        "mm4" => "scenarios/mm4.yaml",
        "pass" => "benches/mm4-pass-through.yaml",
        "tandem" => "scenarios/tandem.yaml",
        other => {
            eprintln!("unknown target `{other}`: mm4, pass or tandem");
            std::process::exit(2);
        }
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let sc = match mailflow::scenario::load(&path, &[]) {
        Ok(loaded) => loaded.scenario,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let horizon_s = sc.duration.as_secs_f64();
    let warmup_s = match sc.warmup {
        Warmup::Fixed(d) => d.as_secs_f64(),
        Warmup::Auto => 0.0,
    };
    let events = match (side, target) {
        ("engine", _) => {
            let mut e = Engine::new(&sc, sc.seed);
            e.run();
            e.events_handled
        }
        ("reference", "tandem") => {
            reference::run_tandem(1.6, 1.0, 2, 4, horizon_s, warmup_s, sc.seed).events
        }
        ("reference", _) => reference::run_mmc(3.2, 1.0, 4, horizon_s, warmup_s, sc.seed).events,
        (other, _) => {
            eprintln!("unknown side `{other}`: engine or reference");
            std::process::exit(2);
        }
    };
    println!("{target} {side}: {events} events");
}
