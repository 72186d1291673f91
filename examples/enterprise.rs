//! `cargo run --release --example enterprise -- [NODES] [CONNECTORS] [DOMAINS] [MESSAGES_PER_DAY] [DURATION]`:
//! prints a generated enterprise scenario (`mailflow::scenario::generate`, the topology
//! `cargo bench --bench enterprise` times) as YAML, to run, validate or profile on its own.
//! Defaults: 200 nodes, 2,000 connectors, 5,000 domains, 4,000,000 messages a day, `1d`.

use mailflow::scenario::generate::Enterprise;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> u64 {
        args.get(i)
            .map(|a| a.replace('_', ""))
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let size = Enterprise {
        nodes: num(0, 200) as usize,
        connectors: num(1, 2_000) as usize,
        domains: num(2, 5_000) as usize,
        messages_per_day: num(3, 4_000_000),
    };
    print!("{}", size.yaml(args.get(4).map_or("1d", String::as_str)));
}
