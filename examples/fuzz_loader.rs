//! A fuzzer for the scenario loader that runs on the stable toolchain (no cargo-fuzz, no nightly).
//!
//! It mutates the shipped scenarios (`scenarios/`, `tests/fixtures/`, `tests/bad/`) and random
//! bytes — byte flips, insertions, deletions, spliced and swapped lines, replaced values, YAML
//! tokens such as anchors, aliases, merge keys and deep brackets — and sometimes adds random
//! `--set` overrides. Every input goes through `mailflow::scenario::load_str` under
//! `catch_unwind`. It stops with a non-zero exit code, and the input saved to
//! `target/fuzz-crash-<seed>-<n>.yaml`, when a load panics or takes more than 2 s (a watchdog
//! thread notices loads that never return).
//!
//! ```text
//! cargo run --release --example fuzz_loader -- --seconds 20            # what CI runs
//! cargo run --release --example fuzz_loader -- --seconds 600 --seed 42 # a longer session
//! cargo run --release --example fuzz_loader -- --replay target/fuzz-crash-42-1234.yaml
//! ```
//!
//! `--engine` also simulates every mutated scenario that loads and is small (a few thousand
//! messages, retry waits of a second or more), twice under one seed, and reports a finding when
//! the runs differ, lose or invent a message, panic, or take more than 10 s: the engine fuzzer
//! of the stable toolchain (`fuzz/` has the coverage-guided ones, on nightly).
//!
//! `--unhinted` also lists the most frequent error messages that come without a `help:` line
//! and those without a line number: the places where a user is told what is wrong but not how
//! to fix it, or not where.
//!
//! The seed makes a session reproducible (same seed, same inputs; the count done in the time
//! budget varies). A saved crash comes with its `--set` overrides, if any, in a comment on the
//! first line; `--replay FILE` loads one file the same way, without `catch_unwind`, so the panic
//! shows with its backtrace.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailflow::scenario::{self, Override};

#[path = "fuzz/check.rs"]
mod check;

/// A load slower than this is a finding (alias bombs, quadratic paths, hangs).
const SLOW: Duration = Duration::from_secs(2);

/// With `--engine`, a load and two small runs slower than this are a finding.
const SLOW_ENGINE: Duration = Duration::from_secs(10);

/// Inputs are cut to this length so one iteration stays cheap.
const MAX_LEN: usize = 64 * 1024;

/// SplitMix64: small, seedable, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that have broken parsers before: units at their limits, wrong types, YAML oddities.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "0s",
    "-5m",
    "1e308",
    "-1e308",
    ".nan",
    ".inf",
    "-.inf",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999d",
    "584942y",
    "213503982d",
    "5124095576h",
    "1e12/s",
    "1e308/s",
    "0/s",
    "0.0000001/d",
    "999999999M/s",
    "1e300GiB",
    "18446744073709551615B",
    "1.5",
    "-0.1",
    "2",
    "unlimited",
    "4294967296",
    "4294967295",
    "~",
    "null",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "{fixed: 0s}",
    "{fixed: 99999999d}",
    "{uniform: {min: 9s, max: 1s}}",
    "{lognormal: {median: 1s, sigma: 1e308}}",
    "{exponential: {mean: 0s}}",
    "[{at: 0h, x: 0}]",
    "[{at: 0h, x: 1e308}, {at: 1h, x: 1e308}]",
    "[{at: 23h59m59s999999us, x: 1}]",
    "\"\"",
    "'*'",
    "\"*.\"",
    "mx",
    "internet",
    "*a",
    "&a x",
    "!!binary aGVsbG8=",
    "!custom tag",
    "\u{feff}",
    "é",
    "\u{10ffff}",
];

/// Fragments that stress the YAML layer itself.
const TOKENS: &[&str] = &[
    "&a ",
    "*a",
    "<<: *a\n",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    "- ",
    ": ",
    "? ",
    "\t",
    "\"",
    "'",
    "#",
    "|\n",
    ">\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "!!str ",
    "!!map ",
    ",",
    "\n",
    "  ",
    "\r\n",
    "\0",
    "\\u0000",
];

/// How many files at the start of the corpus load without errors.
static VALID: AtomicU64 = AtomicU64::new(0);

/// The seed corpus: every YAML file the repository ships, those that load first.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures", "tests/bad"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if let Ok(bytes) = std::fs::read(&p) {
                files.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    if files.is_empty() {
        files.push("name: x\nduration: 1h\n".into());
    }
    files.sort_by_key(|f| scenario::load_str(f, "corpus.yaml", &[]).is_err());
    let valid = files
        .iter()
        .filter(|f| scenario::load_str(f, "corpus.yaml", &[]).is_ok())
        .count();
    VALID.store(valid as u64, Ordering::Relaxed);
    files
}

/// A byte position of `s` that is a char boundary.
fn boundary(s: &str, rng: &mut Rng) -> usize {
    let mut i = rng.below(s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Nested alias expansions: `levels` of `width` references each.
fn alias_bomb(levels: usize, width: usize) -> String {
    let mut s = String::from("a0: &a0 [x, x]\n");
    for l in 1..levels {
        let refs = vec![format!("*a{}", l - 1); width].join(", ");
        s.push_str(&format!("a{l}: &a{l} [{refs}]\n"));
    }
    s.push_str(&format!("name: *a{}\n", levels - 1));
    s
}

/// One mutation of `s`, using `corpus` for splices.
fn mutate(s: &mut String, rng: &mut Rng, corpus: &[String]) {
    match rng.below(13) {
        // Flip one bit of one byte (kept as text: `load_str` takes `&str`).
        0 if !s.is_empty() => {
            let mut bytes = std::mem::take(s).into_bytes();
            let i = rng.below(bytes.len());
            bytes[i] ^= 1 << rng.below(8);
            *s = String::from_utf8_lossy(&bytes).into_owned();
        }
        1 => {
            let i = boundary(s, rng);
            let c = char::from_u32(rng.below(0x250) as u32).unwrap_or('?');
            s.insert(i, c);
        }
        2 if !s.is_empty() => {
            let a = boundary(s, rng);
            let mut b = (a + 1 + rng.below(40)).min(s.len());
            while !s.is_char_boundary(b) {
                b += 1;
            }
            s.replace_range(a..b, "");
        }
        3 => {
            let i = boundary(s, rng);
            let token: &&str = rng.pick(TOKENS);
            s.insert_str(i, token);
        }
        // Replace the value after a `key:` with an odd one.
        4..=6 => {
            let lines: Vec<&str> = s.lines().collect();
            if lines.is_empty() {
                return;
            }
            let n = rng.below(lines.len());
            let line = lines[n];
            let value = rng.pick(VALUES);
            let new_line = match line.find(": ") {
                Some(i) => format!("{}: {value}", &line[..i]),
                None => match line.find("- ") {
                    Some(i) => format!("{}- {value}", &line[..i]),
                    None => return,
                },
            };
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[n] = new_line;
            *s = out.join("\n");
        }
        // Drop, duplicate or swap lines.
        7..=8 => {
            let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
            if lines.len() < 2 {
                return;
            }
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            match rng.below(3) {
                0 => {
                    lines.remove(a);
                }
                1 => {
                    let l = lines[a].clone();
                    lines.insert(b, l);
                }
                _ => lines.swap(a, b),
            }
            *s = lines.join("\n");
        }
        // Splice a line from another file.
        9 => {
            let other = rng.pick(corpus);
            let theirs: Vec<&str> = other.lines().collect();
            if theirs.is_empty() {
                return;
            }
            let line = *rng.pick(&theirs);
            let mut lines: Vec<&str> = s.lines().collect();
            let at = rng.below(lines.len() + 1);
            lines.insert(at, line);
            *s = lines.join("\n");
        }
        // Change the indentation of a line.
        10 => {
            let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
            if lines.is_empty() {
                return;
            }
            let n = rng.below(lines.len());
            let trimmed = lines[n].trim_start().to_string();
            lines[n] = format!("{}{trimmed}", " ".repeat(rng.below(12)));
            *s = lines.join("\n");
        }
        // Truncate.
        11 => {
            let i = boundary(s, rng);
            s.truncate(i);
        }
        // Deep nesting or an alias bomb at a random place.
        _ => {
            let piece = match rng.below(3) {
                0 => "[".repeat(1 + rng.below(200)),
                1 => "{a: ".repeat(1 + rng.below(200)),
                _ => alias_bomb(2 + rng.below(9), 2 + rng.below(9)),
            };
            let i = boundary(s, rng);
            s.insert_str(i, &piece);
        }
    }
}

/// A new input: a mutated corpus file, or (rarely) random bytes.
fn input(rng: &mut Rng, corpus: &[String]) -> (String, Vec<Override>) {
    let mut s = if rng.chance(3) {
        let bytes: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        // Valid scenarios come first in the corpus: start from one of them most of the time,
        // so that mutations reach the checks behind the YAML and schema layers.
        let valid = corpus
            .len()
            .min(VALID.load(Ordering::Relaxed).max(1) as usize);
        if rng.chance(75) {
            rng.pick(&corpus[..valid]).clone()
        } else {
            rng.pick(corpus).clone()
        }
    };
    for _ in 0..1 + rng.below(4) {
        mutate(&mut s, rng, corpus);
    }
    if s.len() > MAX_LEN {
        let mut i = MAX_LEN;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        s.truncate(i);
    }
    let mut overrides = Vec::new();
    if rng.chance(10) {
        const KEYS: &[&str] = &[
            "duration",
            "seed",
            "sample_every",
            "traffic[0].rate",
            "traffic.inbound.rate",
            "nodes.onprem.workers",
            "nodes.eop.retry",
            "faults[0].for",
            "domains.contoso.com.ttl",
            "connectors[0].to",
            "a..b",
            "x[",
            "[]",
            "nodes.new.kind",
        ];
        let arg = format!("{}={}", rng.pick(KEYS), rng.pick(VALUES));
        if let Ok(o) = Override::parse(&arg) {
            overrides.push(o);
        }
    }
    (s, overrides)
}

/// Where crashing inputs go: `$CARGO_TARGET_DIR` or `target/` of the checkout.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Saves a finding with its overrides in a first-line comment; returns the path.
fn save(seed: u64, n: u64, text: &str, overrides: &[Override]) -> PathBuf {
    let dir = target_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("fuzz-crash-{seed}-{n}.yaml"));
    let mut content = String::new();
    if !overrides.is_empty() {
        let sets: Vec<String> = overrides.iter().map(Override::label).collect();
        content.push_str(&format!("# fuzz overrides: {}\n", sets.join(" ")));
    }
    content.push_str(text);
    if let Err(e) = std::fs::write(&path, content) {
        eprintln!("cannot save {}: {e}", path.display());
    }
    path
}

struct Options {
    seconds: f64,
    seed: u64,
    replay: Option<PathBuf>,
    unhinted: bool,
    engine: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        seconds: 10.0,
        seed: 1,
        replay: None,
        unhinted: false,
        engine: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seconds" => {
                o.seconds = value("--seconds")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?
            }
            "--seed" => {
                o.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--replay" => o.replay = Some(PathBuf::from(value("--replay")?)),
            "--unhinted" => o.unhinted = true,
            "--engine" => o.engine = true,
            "-h" | "--help" => {
                return Err(
                    "usage: fuzz_loader [--seconds N] [--seed N] [--engine] [--unhinted] \
                     [--replay FILE]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(o)
}

/// A message with the specifics (quoted names, numbers) blanked, so that messages group.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("`…`");
                }
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Loads one saved input the way the fuzzer did, without catching the panic.
fn replay(path: &Path) -> ExitCode {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let overrides: Vec<Override> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# fuzz overrides: "))
        .map(|sets| {
            sets.split(" --set ")
                .map(|s| s.trim_start_matches("--set "))
                .filter_map(|s| Override::parse(s).ok())
                .collect()
        })
        .unwrap_or_default();
    let start = Instant::now();
    let result = scenario::load_str(&text, &path.display().to_string(), &overrides);
    match result {
        Ok(l) if check::small_enough(&l.scenario) => {
            let verdict = check::check_engine(&l.scenario, l.scenario.seed);
            println!(
                "loads fine; two runs: {} ({:.3}s)",
                verdict
                    .err()
                    .unwrap_or_else(|| "agree and conserve messages".into()),
                start.elapsed().as_secs_f64()
            )
        }
        Ok(_) => println!("loads fine in {:.3}s", start.elapsed().as_secs_f64()),
        Err(e) => println!("{e}\n(load error in {:.3}s)", start.elapsed().as_secs_f64()),
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &opts.replay {
        return replay(path);
    }
    let corpus = corpus();
    let mut rng = Rng(opts.seed);
    // The current input and when its load started (ns since `epoch`; 0 = idle), for the watchdog.
    let current: Arc<Mutex<(String, Vec<Override>)>> = Arc::default();
    let started = Arc::new(AtomicU64::new(0));
    let iteration = Arc::new(AtomicU64::new(0));
    let epoch = Instant::now();
    let slow = if opts.engine { SLOW_ENGINE } else { SLOW };
    {
        let (current, started, iteration) = (current.clone(), started.clone(), iteration.clone());
        let seed = opts.seed;
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let s = started.load(Ordering::SeqCst);
                if s == 0 {
                    continue;
                }
                let running = epoch.elapsed().saturating_sub(Duration::from_nanos(s));
                if running > slow {
                    let n = iteration.load(Ordering::SeqCst);
                    let (text, overrides) = current
                        .lock()
                        .map(|g| g.clone())
                        .unwrap_or_else(|e| e.into_inner().clone());
                    let path = save(seed, n, &text, &overrides);
                    eprintln!(
                        "SLOW: load #{n} has run for more than {}s; input saved to {}",
                        slow.as_secs(),
                        path.display()
                    );
                    std::process::exit(1);
                }
            }
        });
    }
    // Panics are caught and reported below; the default hook would print each one.
    let panic_message: Arc<Mutex<String>> = Arc::default();
    {
        let panic_message = panic_message.clone();
        panic::set_hook(Box::new(move |info| {
            if let Ok(mut m) = panic_message.lock() {
                *m = info.to_string();
            }
        }));
    }
    let deadline = Duration::from_secs_f64(opts.seconds.max(0.0));
    let (mut n, mut ok, mut errors, mut slowest) = (0u64, 0u64, 0u64, Duration::ZERO);
    let mut simulated = 0u64;
    let mut unhinted: std::collections::BTreeMap<String, u64> = Default::default();
    while epoch.elapsed() < deadline {
        n += 1;
        let (text, overrides) = input(&mut rng, &corpus);
        if let Ok(mut g) = current.lock() {
            g.0.clone_from(&text);
            g.1.clone_from(&overrides);
        }
        iteration.store(n, Ordering::SeqCst);
        let t0 = Instant::now();
        started.store((t0 - epoch).as_nanos().max(1) as u64, Ordering::SeqCst);
        let run_seed = rng.next();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let loaded = scenario::load_str(&text, "fuzz.yaml", &overrides)?;
            if opts.engine && check::small_enough(&loaded.scenario) {
                simulated += 1;
                if let Err(e) = check::check_engine(&loaded.scenario, run_seed) {
                    panic!("engine check failed under seed {run_seed}: {e}");
                }
            }
            Ok::<(), scenario::LoadError>(())
        }));
        started.store(0, Ordering::SeqCst);
        let took = t0.elapsed();
        slowest = slowest.max(took);
        match result {
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => {
                errors += 1;
                if opts.unhinted {
                    for d in e.errors().filter(|d| !d.file.starts_with("--set")) {
                        if d.hint.is_none() {
                            let key = format!("no help: {}", shape(&d.message));
                            *unhinted.entry(key).or_default() += 1;
                        }
                        if d.line == 0 {
                            let key = format!("no line: {}", shape(&d.message));
                            *unhinted.entry(key).or_default() += 1;
                        }
                    }
                }
            }
            Err(_) => {
                let path = save(opts.seed, n, &text, &overrides);
                let message = panic_message.lock().map(|m| m.clone()).unwrap_or_default();
                eprintln!(
                    "PANIC in load #{n}: {message}\ninput saved to {}",
                    path.display()
                );
                eprintln!(
                    "replay: cargo run --example fuzz_loader -- --replay {}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        }
        if took > slow {
            let path = save(opts.seed, n, &text, &overrides);
            eprintln!(
                "SLOW: load #{n} took {:.1}s; input saved to {}",
                took.as_secs_f64(),
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let secs = epoch.elapsed().as_secs_f64();
    println!(
        "fuzz_loader: seed {}, {n} inputs in {secs:.1}s ({:.0}/s): {ok} loaded, {errors} rejected, 0 panics; slowest load {:.1} ms",
        opts.seed,
        n as f64 / secs,
        slowest.as_secs_f64() * 1e3
    );
    if opts.engine {
        println!("  {simulated} simulated twice: same numbers, messages conserved");
    }
    if opts.unhinted {
        let mut top: Vec<(String, u64)> = unhinted.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (message, count) in top.iter().take(40) {
            println!("{count:>8}  {message}");
        }
    }
    ExitCode::SUCCESS
}
