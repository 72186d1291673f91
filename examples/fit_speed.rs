//! `cargo run --release --example fit_speed -- [MB] [PATH]`: writes a synthetic Postfix log of about MB megabytes (default 1024) and times `fit` on it.

use std::io::{BufWriter, Write};
use std::time::Instant;

use mailflow::fit::synth::{SynthLog, contoso};
use mailflow::fit::{FitOptions, LogSource, fit};

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024.0);
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/mailflow-fit-speed.log".into());
    // About 550 bytes of log per message at these rates (60,000 messages a day).
    let days = ((mb * 1e6) / (60_000.0 * 550.0)).ceil().max(1.0) as u32;
    let have = std::fs::metadata(&path)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    if (have - mb).abs() > mb * 0.2 {
        let log = SynthLog {
            start: (2024, 3, 4),
            days,
            hostname: "relay1".into(),
            rfc3339: false,
            defer_share: 0.02,
            seed: 7,
            streams: contoso([30_000.0, 20_000.0, 10_000.0]),
        };
        let started = Instant::now();
        let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let summary = log
            .write(&mut out)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        out.flush().unwrap_or_else(|e| panic!("{path}: {e}"));
        eprintln!(
            "wrote {path}: {:.0} MB, {} lines, {} messages in {:.1} s",
            summary.bytes as f64 / 1e6,
            summary.lines,
            summary.messages.iter().sum::<u64>(),
            started.elapsed().as_secs_f64()
        );
    }
    let opts = FitOptions {
        accepted_domains: vec!["contoso.com".into(), "*.contoso.com".into()],
        year: Some(2024),
        ..FitOptions::default()
    };
    let source = LogSource::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut last = 0;
    let report =
        fit(vec![source], &opts, &mut |bytes| last = bytes).unwrap_or_else(|e| panic!("{e}"));
    let secs = started.elapsed().as_secs_f64();
    println!("{}", report.summary());
    println!(
        "fit: {:.0} MB in {secs:.2} s = {:.0} MB/s",
        last as f64 / 1e6,
        last as f64 / 1e6 / secs
    );
}
