//! Trace-driven traffic: a log's arrivals as `(offset µs, size, recipients, recipient domain)` in time order, the replay file of them (its format is the scenario loader's, `scenario::replay`), and a streaming reader.

use std::io::{BufRead, Write};

use super::clock::{self, DAY_US, hour_of_week};
use super::error::{FitError, Skipped};
use super::message::{Direction, Domains, Message, Sink};

/// One replayed arrival.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayRecord {
    /// Microseconds after midnight of the day of the replay's first arrival (all streams):
    /// a run's t = 0 is that midnight, so simulated hours are the log's hours.
    pub offset_us: u64,
    /// Size, bytes.
    pub size_bytes: u32,
    /// Recipients.
    pub recipients: u16,
    /// First recipient's domain (its address with `keep_addresses`).
    pub recipient_domain: String,
    /// The stream it belongs to.
    pub direction: Direction,
}

#[derive(Clone, Copy, Debug)]
struct Compact {
    time_us: i64,
    size: u32,
    recipients: u16,
    domain: u32,
    direction: Direction,
}

/// The arrivals of a set of logs, sorted by time (20 bytes per message in memory).
#[derive(Debug, Default)]
pub struct Replay {
    records: Vec<Compact>,
    names: Vec<String>,
    /// Skipped lines by reason.
    pub skipped: Vec<Skipped>,
}

/// Collects compact records; domain names are copied once per distinct domain.
#[derive(Default)]
pub struct ReplaySink {
    records: Vec<Compact>,
    names: Vec<String>,
    lookup: super::message::FxMap<String, u32>,
}

impl ReplaySink {
    fn name_id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.lookup.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.lookup.insert(name.to_string(), id);
        id
    }

    /// The sorted replay.
    pub fn finish(mut self, skipped: Vec<Skipped>) -> Replay {
        // Stable: equal stamps keep log order.
        self.records.sort_by_key(|r| r.time_us);
        Replay {
            records: self.records,
            names: self.names,
            skipped,
        }
    }
}

impl Sink for ReplaySink {
    fn message(&mut self, m: &Message<'_>, domains: &Domains, direction: Direction) {
        let name = match m.first_address {
            Some(a) => a.to_string(),
            None => domains
                .name(m.rcpt.first().copied().unwrap_or(0))
                .to_string(),
        };
        let domain = self.name_id(&name);
        let size = u32::try_from(m.size).unwrap_or(u32::MAX);
        let recipients = u16::try_from(m.recipients).unwrap_or(u16::MAX);
        self.records.push(Compact {
            time_us: m.time_us,
            size,
            recipients,
            domain,
            direction,
        });
    }

    fn delay(&mut self, _: u32, _: u64) {}
}

impl Replay {
    /// Number of arrivals.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Wall-clock microseconds of the first arrival.
    pub fn first_arrival_us(&self) -> Option<i64> {
        self.records.first().map(|r| r.time_us)
    }

    /// Wall-clock microseconds of midnight before the first arrival: offsets count from it.
    pub fn origin_us(&self) -> Option<i64> {
        self.first_arrival_us()
            .map(|t| t.div_euclid(DAY_US) * DAY_US)
    }

    /// Wall-clock time of the first arrival (`YYYY-MM-DD HH:MM`) and its hour of week (0 = Monday 00:00).
    pub fn first_arrival(&self) -> Option<(String, usize)> {
        self.records
            .first()
            .map(|r| (clock::format(r.time_us), hour_of_week(r.time_us)))
    }

    /// The arrivals in time order, of one stream or all.
    pub fn iter(&self, only: Option<Direction>) -> impl Iterator<Item = ReplayRecord> + '_ {
        let start = self.origin_us().unwrap_or(0);
        self.records
            .iter()
            .filter(move |r| only.is_none_or(|d| d == r.direction))
            .map(move |r| ReplayRecord {
                offset_us: (r.time_us - start).max(0) as u64,
                size_bytes: r.size,
                recipients: r.recipients,
                recipient_domain: self
                    .names
                    .get(r.domain as usize)
                    .cloned()
                    .unwrap_or_default(),
                direction: r.direction,
            })
    }

    /// Writes the replay file (one stream or all): a header, then one arrival per line.
    pub fn write(&self, w: &mut dyn Write, only: Option<Direction>) -> std::io::Result<()> {
        writeln!(w, "{}", crate::scenario::replay::HEADER)?;
        if let (Some((at, how)), Some(origin)) = (self.first_arrival(), self.origin_us()) {
            writeln!(
                w,
                "# first arrival {at} (hour of week {how}); offsets are from {} (t = 0 of a run)",
                clock::format(origin)
            )?;
        }
        writeln!(
            w,
            "# offset_us size_bytes recipients stream recipient_domain"
        )?;
        for r in self.iter(only) {
            writeln!(
                w,
                "{} {} {} {} {}",
                r.offset_us,
                r.size_bytes,
                r.recipients,
                r.direction.name(),
                r.recipient_domain
            )?;
        }
        Ok(())
    }
}

impl Replay {
    /// Traffic streams that replay files written by [`Replay::write`], one per (stream, file).
    pub fn traffic_yaml(&self, files: &[(Direction, String)], opts: &super::FitOptions) -> String {
        let mut y = String::from("traffic:\n");
        let first = self.first_arrival().map_or(String::new(), |(at, how)| {
            format!(" from {at} (hour of week {how})")
        });
        for (direction, file) in files {
            let from = if *direction == Direction::Inbound {
                &opts.inbound_from
            } else {
                &opts.internal_from
            };
            let count = self.iter(Some(*direction)).count();
            y.push_str(&format!(
                "  - name: {}-replay\n    from: {from}\n",
                direction.name()
            ));
            y.push_str(&format!(
                "    replay: \"{}\"  # {count} arrivals{first}\n",
                file.replace('"', "\\\"")
            ));
        }
        y
    }
}

/// Reads a replay file line by line (the whole file is never held in memory).
pub struct ReplayReader<R> {
    reader: R,
    name: String,
    line: u64,
    buf: String,
}

impl<R: BufRead> ReplayReader<R> {
    /// A reader over a replay file.
    pub fn new(name: &str, reader: R) -> Self {
        ReplayReader {
            reader,
            name: name.to_string(),
            line: 0,
            buf: String::new(),
        }
    }

    fn parse(&self) -> Result<Option<ReplayRecord>, FitError> {
        let bad = |what: String| {
            FitError::input(
                &self.name,
                self.line,
                format!("replay record: {what}"),
                crate::scenario::replay::LINE_FORM,
            )
        };
        let Some(line) = crate::scenario::replay::parse_line(&self.buf).map_err(bad)? else {
            return Ok(None);
        };
        let direction = Direction::ALL
            .into_iter()
            .find(|d| d.name() == line.stream)
            .ok_or_else(|| bad(format!("unknown stream `{}`", line.stream)))?;
        Ok(Some(ReplayRecord {
            offset_us: line.offset_us,
            size_bytes: line.size_bytes,
            recipients: line.recipients,
            recipient_domain: line.recipient.to_string(),
            direction,
        }))
    }
}

impl<R: BufRead> Iterator for ReplayReader<R> {
    type Item = Result<ReplayRecord, FitError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    return Some(Err(FitError::Io {
                        file: self.name.clone(),
                        source,
                    }));
                }
            }
            self.line += 1;
            match self.parse() {
                Ok(None) => continue,
                Ok(Some(r)) => return Some(Ok(r)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_file_reads_back_record_for_record_and_bad_lines_are_located() {
        let mut sink = ReplaySink::default();
        let mut d = Domains::new(&["contoso.com".into()]);
        let c = d.of_address(b"a@contoso.com");
        let x = d.of_address(b"b@example.net");
        for (t, rcpt, dir) in [
            (5_000_000, c, Direction::Inbound),
            (1_000_000, x, Direction::Outbound),
        ] {
            let m = Message {
                time_us: t,
                size: 1234,
                recipients: 2,
                sender: x,
                sender_inside: None,
                rcpt: &[rcpt],
                first_address: None,
            };
            sink.message(&m, &d, dir);
        }
        let replay = sink.finish(Vec::new());
        let mut file = Vec::new();
        replay.write(&mut file, None).unwrap();
        let back: Vec<ReplayRecord> = ReplayReader::new("r", &file[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, replay.iter(None).collect::<Vec<_>>());
        // Offsets count from midnight of the first arrival's day (here the epoch).
        assert_eq!(
            (back[0].offset_us, back[0].recipient_domain.as_str()),
            (1_000_000, "example.net")
        );
        assert_eq!(back[1].offset_us, 5_000_000);
        let yaml = replay.traffic_yaml(
            &[(Direction::Inbound, "in.replay".into())],
            &crate::fit::FitOptions::default(),
        );
        assert!(
            yaml.contains("from: internet\n    replay: \"in.replay\"  # 1 arrivals"),
            "{yaml}"
        );
        let bad = b"# mailflow replay v1\n0 10 1 inbound a.com\n5 ten 1 inbound a.com\n";
        let results: Vec<_> = ReplayReader::new("r", &bad[..]).collect();
        assert!(results[0].is_ok());
        let e = results[1].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with("r:3:1: error: replay record: size_bytes `ten`"),
            "{e}"
        );
    }
}
