//! `mailflow fit`: a `traffic:` section fitted from message logs (Exchange message tracking, Exchange Online message trace, Postfix), its fit report, and trace-driven replay.
//!
//! Logs are read as streams, line by line; each message is classified inbound, outbound or
//! internal by the accepted domains and added to per-stream statistics that do not grow with the
//! log (hour-of-week counts, a size histogram, recipient counts, domain counts). Only domains are
//! kept unless `keep_addresses` is set; subjects are never read.

mod clock;
mod collect;
mod error;
mod message;
mod msgtrk;
mod postfix;
mod profile;
mod render;
pub mod replay;
mod report;
mod stats;
mod svg;
pub mod synth;
mod trace;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_logs;

use std::io::{BufRead, BufReader, Read};

pub use error::{FitError, Skipped};
pub use message::Direction;
pub use profile::ProfileFit;
pub use replay::{Replay, ReplayReader, ReplayRecord};
pub use report::{DomainDelay, FitReport, SimulatedDelay, StreamFit};
pub use stats::LognormalFit;

use message::{Ctx, FxMap, Sink};

/// What kind of log a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    /// Detect from the first lines.
    Auto,
    /// Exchange Server message tracking (`MSGTRK*.LOG`).
    MessageTracking,
    /// Exchange Online message trace CSV.
    MessageTrace,
    /// Postfix mail log.
    Postfix,
}

/// One log to read: a name for messages, its kind, and a buffered reader.
pub struct LogSource<'a> {
    /// The name errors show (usually the path).
    pub name: String,
    /// Its kind, or [`LogKind::Auto`].
    pub kind: LogKind,
    /// The text.
    pub reader: Box<dyn BufRead + 'a>,
    /// Set when a gzipped log turned out cut or corrupt: it was read up to there.
    cut: Option<std::rc::Rc<std::cell::RefCell<Option<String>>>>,
}

impl<'a> LogSource<'a> {
    /// A log of a kind to detect.
    pub fn new(name: &str, reader: impl BufRead + 'a) -> Self {
        LogSource {
            name: name.to_string(),
            kind: LogKind::Auto,
            reader: Box::new(reader),
            cut: None,
        }
    }

    /// Opens a file, gunzipping it when it starts with the gzip magic (rotated logs).
    pub fn open(path: &str) -> Result<LogSource<'static>, FitError> {
        let io = |source| FitError::Io {
            file: path.to_string(),
            source,
        };
        let mut file = BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(io)?);
        let gz = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let cut = gz.then(Default::default);
        let reader: Box<dyn BufRead> = match &cut {
            Some(flag) => Box::new(BufReader::with_capacity(
                1 << 16,
                UntilBroken {
                    inner: flate2::read::MultiGzDecoder::new(file),
                    broken: std::rc::Rc::clone(flag),
                },
            )),
            None => Box::new(file),
        };
        Ok(LogSource {
            name: path.to_string(),
            kind: LogKind::Auto,
            reader,
            cut,
        })
    }
}

/// How to fit.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// The organisation's accepted domains (`*.x` for subdomains): they split the streams.
    pub accepted_domains: Vec<String>,
    /// Keep recipient addresses in replay records (default: domains only).
    pub keep_addresses: bool,
    /// Node the inbound stream starts at.
    pub inbound_from: String,
    /// Node the outbound and internal streams start at.
    pub internal_from: String,
    /// Added to UTC stamps (message tracking, message trace) to get the organisation's local time.
    pub utc_offset_minutes: i32,
    /// Year of syslog stamps, which have none (default: the current year).
    pub year: Option<i32>,
    /// Message trace dates are day/month/year.
    pub day_first: bool,
    /// Recipient domains listed per stream; the rest are folded together.
    pub top_domains: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            accepted_domains: Vec::new(),
            keep_addresses: false,
            inbound_from: "internet".into(),
            internal_from: "onprem".into(),
            utc_offset_minutes: 0,
            year: None,
            day_first: false,
            top_domains: 20,
        }
    }
}

/// Fits the traffic of these logs; `progress` is called with the bytes read so far (every MiB).
pub fn fit(
    logs: Vec<LogSource<'_>>,
    opts: &FitOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<FitReport, FitError> {
    check(opts)?;
    let mut collector = collect::Collector::default();
    let mut ctx = Ctx::new(opts, progress);
    read_all(logs, &mut ctx, &mut collector)?;
    let bytes = ctx.finish();
    if collector.streams.iter().all(|s| s.count == 0) {
        return Err(nothing_usable(&ctx));
    }
    Ok(report::build(&collector, &mut ctx, opts, bytes))
}

/// Fits the traffic of these logs and keeps their arrivals for a replay, in one pass.
pub fn fit_and_replay(
    logs: Vec<LogSource<'_>>,
    opts: &FitOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<(FitReport, Replay), FitError> {
    check(opts)?;
    let mut tee = Tee {
        fit: collect::Collector::default(),
        replay: replay::ReplaySink::default(),
    };
    let mut ctx = Ctx::new(opts, progress);
    read_all(logs, &mut ctx, &mut tee)?;
    let bytes = ctx.finish();
    if tee.fit.streams.iter().all(|s| s.count == 0) {
        return Err(nothing_usable(&ctx));
    }
    let skipped = ctx.skipped.list();
    let report = report::build(&tee.fit, &mut ctx, opts, bytes);
    Ok((report, tee.replay.finish(skipped)))
}

/// Both consumers of a parsed log at once.
struct Tee {
    fit: collect::Collector,
    replay: replay::ReplaySink,
}

impl Sink for Tee {
    fn message(&mut self, m: &message::Message<'_>, d: &message::Domains, dir: Direction) {
        self.fit.message(m, d, dir);
        self.replay.message(m, d, dir);
    }
    fn delay(&mut self, domain: u32, us: u64) {
        self.fit.delay(domain, us);
    }
}

fn nothing_usable(ctx: &Ctx<'_>) -> FitError {
    FitError::Options {
        message: format!(
            "no message in the logs could be used ({} lines read, {} skipped)",
            ctx.lines,
            ctx.skipped.total()
        ),
        help: "check the log kind and that --accepted-domain names the organisation's domains"
            .into(),
    }
}

/// Reads logs into a replay: every usable arrival, in time order.
pub fn replay(
    logs: Vec<LogSource<'_>>,
    opts: &FitOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Replay, FitError> {
    check(opts)?;
    let mut sink = replay::ReplaySink::default();
    let mut ctx = Ctx::new(opts, progress);
    read_all(logs, &mut ctx, &mut sink)?;
    ctx.finish();
    Ok(sink.finish(ctx.skipped.list()))
}

fn check(opts: &FitOptions) -> Result<(), FitError> {
    if opts.accepted_domains.is_empty() {
        return Err(FitError::Options {
            message:
                "no accepted domains: inbound, outbound and internal mail cannot be told apart"
                    .into(),
            help: "pass --accepted-domain contoso.com (repeatable), or an imported scenario".into(),
        });
    }
    Ok(())
}

fn read_all(
    logs: Vec<LogSource<'_>>,
    ctx: &mut Ctx<'_>,
    sink: &mut dyn Sink,
) -> Result<(), FitError> {
    let mut tracked: FxMap<u64, i64> = FxMap::default();
    for mut log in logs {
        ctx.spans.push((i64::MAX, i64::MIN));
        let kind = match log.kind {
            LogKind::Auto => detect(&log.name, &mut log.reader)?,
            k => k,
        };
        match kind {
            LogKind::Postfix | LogKind::Auto => {
                postfix::parse(&log.name, &mut log.reader, ctx, sink)?
            }
            LogKind::MessageTracking => {
                msgtrk::parse(&log.name, &mut log.reader, ctx, sink, &mut tracked)?
            }
            LogKind::MessageTrace => trace::parse(
                &log.name,
                &mut BomSkip {
                    inner: &mut log.reader,
                    checked: false,
                },
                ctx,
                sink,
            )?,
        }
        if let Some(why) = log.cut.as_ref().and_then(|c| c.borrow().clone()) {
            ctx.notes.push(format!(
                "{}: the compressed log ends early ({why}): read up to there",
                log.name
            ));
        }
        if ctx.spans.last().is_some_and(|s| s.0 > s.1) {
            ctx.spans.pop();
            ctx.notes
                .push(format!("{}: no time stamp could be read", log.name));
        }
    }
    Ok(())
}

/// Tells the log kind from the first bytes (they stay in the reader's buffer).
fn detect(name: &str, reader: &mut Box<dyn BufRead + '_>) -> Result<LogKind, FitError> {
    let head = reader.fill_buf().map_err(|source| FitError::Io {
        file: name.to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&head[..head.len().min(8192)]);
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("#Software: Microsoft Exchange") || text.contains("#Fields: date-time") {
        return Ok(LogKind::MessageTracking);
    }
    let header = text.lines().find(|l| !l.starts_with('#')).unwrap_or("");
    if header.contains("Received") && header.contains("SenderAddress") {
        return Ok(LogKind::MessageTrace);
    }
    let stamped = |l: &str| {
        let l = postfix::strip_receive_stamp(l.as_bytes());
        clock::syslog(l).is_some() || clock::iso(l).is_some()
    };
    if text.lines().any(|l| stamped(l) && l.contains("]: ")) {
        return Ok(LogKind::Postfix);
    }
    Err(FitError::input(
        name,
        1,
        "cannot tell what log this is",
        "give a Postfix mail log, an Exchange message tracking log (MSGTRK*.LOG) or a message trace CSV with Received, SenderAddress, RecipientAddress, Size",
    ))
}

/// A decompressing reader that ends where the compressed data is cut or corrupt (a log copied
/// while it was being rotated), remembering why, instead of failing the whole fit.
struct UntilBroken<R> {
    inner: R,
    broken: std::rc::Rc<std::cell::RefCell<Option<String>>>,
}

impl<R: Read> Read for UntilBroken<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.broken.borrow().is_some() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Err(e) if e.kind() != std::io::ErrorKind::Interrupted => {
                *self.broken.borrow_mut() = Some(e.to_string());
                Ok(0)
            }
            other => other,
        }
    }
}

/// Drops a UTF-8 byte order mark at the start of a CSV (Export-Csv writes one).
struct BomSkip<'r> {
    inner: &'r mut dyn BufRead,
    checked: bool,
}

impl Read for BomSkip<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let data = self.fill_buf()?;
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for BomSkip<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if !self.checked {
            self.checked = true;
            if self.inner.fill_buf()?.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.inner.consume(3);
            }
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
    }
}
