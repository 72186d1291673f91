//! Synthetic Postfix mail logs with a known Poisson rate, hour-of-week profile, size, recipient and delay distributions (for tests, examples and the speed check).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use super::clock::{DAY_US, HOUR_US, civil_from_days, days_from_civil, hour_of_week};
use super::message::Direction;

/// SplitMix64: small, fast and good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// An index drawn from weights.
    pub fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len().saturating_sub(1)
    }
}

/// One stream of synthetic traffic.
#[derive(Clone, Debug)]
pub struct SynthStream {
    /// Which way it goes (decides sender and recipient domains).
    pub direction: Direction,
    /// Mean messages per day over the week.
    pub rate_per_day: f64,
    /// Weekday multipliers by hour (normalised with `weekend` to a weekly mean of 1).
    pub weekday: [f64; 24],
    /// Weekend multipliers by hour.
    pub weekend: [f64; 24],
    /// Median size, bytes.
    pub size_median: f64,
    /// σ of ln(size).
    pub size_sigma: f64,
    /// (recipients per message, weight).
    pub recipients: Vec<(u32, f64)>,
    /// Sender domain.
    pub sender_domain: String,
    /// (recipient domain, weight).
    pub recipient_domains: Vec<(String, f64)>,
    /// Median delivery delay, seconds (lognormal, σ 0.8).
    pub delay_median_s: f64,
}

/// A synthetic log: when, where, which streams.
#[derive(Clone, Debug)]
pub struct SynthLog {
    /// First day (year, month, day), from 00:00 local time.
    pub start: (i32, u32, u32),
    /// Days of traffic.
    pub days: u32,
    /// Host name in the lines.
    pub hostname: String,
    /// RFC 3339 stamps instead of syslog ones.
    pub rfc3339: bool,
    /// Share of recipients deferred once before delivery (exercises repeated `qmgr` lines).
    pub defer_share: f64,
    /// Seed.
    pub seed: u64,
    /// The streams.
    pub streams: Vec<SynthStream>,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct SynthSummary {
    /// Messages per stream, in `SynthLog::streams` order.
    pub messages: Vec<u64>,
    /// Arrivals per hour since the start, all streams.
    pub per_hour: Vec<u64>,
    /// Lines written.
    pub lines: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// A business-day curve (peak about 2× the mean) and a quiet weekend, normalised to a weekly mean of 1.
pub fn office_profile() -> ([f64; 24], [f64; 24]) {
    let day = [
        0.2, 0.15, 0.12, 0.12, 0.15, 0.3, 0.6, 1.2, 2.0, 2.4, 2.4, 2.2, 1.8, 2.1, 2.3, 2.2, 1.9,
        1.4, 0.9, 0.6, 0.5, 0.4, 0.3, 0.25,
    ];
    let mut weekend = [0.0; 24];
    for (w, d) in weekend.iter_mut().zip(day) {
        *w = 0.15 + 0.2 * d;
    }
    normalise(day, weekend)
}

/// Scales a profile so its mean over the 168 hours of a week is 1.
pub fn normalise(weekday: [f64; 24], weekend: [f64; 24]) -> ([f64; 24], [f64; 24]) {
    let mean = (5.0 * weekday.iter().sum::<f64>() + 2.0 * weekend.iter().sum::<f64>()) / 168.0;
    (weekday.map(|x| x / mean), weekend.map(|x| x / mean))
}

/// A line due later: (time, sequence, text).
type Due = Reverse<(i64, u64, String)>;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl SynthLog {
    fn stamp(&self, t: i64) -> String {
        let (y, m, d) = civil_from_days(t.div_euclid(DAY_US));
        let us = t.rem_euclid(DAY_US);
        let (h, min, s, frac) = (
            us / HOUR_US,
            us / 60_000_000 % 60,
            us / 1_000_000 % 60,
            us % 1_000_000,
        );
        if self.rfc3339 {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{frac:06}+00:00")
        } else {
            format!("{} {d:>2} {h:02}:{min:02}:{s:02}", MONTHS[(m - 1) as usize])
        }
    }

    /// Writes the log; returns what it holds.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<SynthSummary> {
        let mut rng = Rng::new(self.seed);
        let start = days_from_civil(i64::from(self.start.0), self.start.1, self.start.2) * DAY_US;
        let end = start + i64::from(self.days) * DAY_US;
        let mut summary = SynthSummary {
            messages: vec![0; self.streams.len()],
            per_hour: vec![0; self.days as usize * 24],
            ..Default::default()
        };
        // Thinning: candidates at the peak rate, kept with probability rate(t) / peak.
        let peaks: Vec<f64> = self
            .streams
            .iter()
            .map(|s| {
                s.weekday
                    .iter()
                    .chain(&s.weekend)
                    .fold(0.0f64, |a, b| a.max(*b))
                    * s.rate_per_day
                    / DAY_US as f64
            })
            .collect();
        let mut next: Vec<f64> = peaks
            .iter()
            .map(|p| start as f64 + exp(&mut rng, *p))
            .collect();
        let mut due: BinaryHeap<Due> = BinaryHeap::new();
        let (mut seq, mut qid) = (0u64, 0x3A0_0000u64);
        // The stream whose next candidate comes first, until the end.
        let first = |next: &[f64]| {
            next.iter()
                .copied()
                .enumerate()
                .filter(|(_, t)| t.is_finite())
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        while let Some((i, t)) = first(&next).filter(|(_, t)| *t < end as f64) {
            next[i] = t + exp(&mut rng, peaks[i]);
            let t = t as i64;
            let s = &self.streams[i];
            let how = hour_of_week(t);
            let m = if how / 24 < 5 {
                s.weekday[how % 24]
            } else {
                s.weekend[how % 24]
            };
            if rng.uniform() * peaks[i] * DAY_US as f64 / s.rate_per_day > m {
                continue;
            }
            while due.peek().is_some_and(|Reverse((at, _, _))| *at <= t) {
                if let Some(Reverse((at, _, text))) = due.pop() {
                    self.line(w, at, &text, &mut summary)?;
                }
            }
            summary.messages[i] += 1;
            summary.per_hour[((t - start) / HOUR_US) as usize] += 1;
            qid += 1 + rng.next_u64() % 7;
            let id = format!("{qid:010X}");
            let size = (s.size_median * (s.size_sigma * rng.normal()).exp())
                .round()
                .max(300.0) as u64;
            let counts: Vec<f64> = s.recipients.iter().map(|r| r.1).collect();
            let n = s
                .recipients
                .get(rng.pick(&counts))
                .map_or(1, |r| r.0.max(1));
            let sender = format!("user{}@{}", rng.next_u64() % 5000, s.sender_domain);
            self.line(
                w,
                t,
                &format!(
                    "postfix/smtpd[{}]: {id}: client=unknown[192.0.2.{}]",
                    3000 + i,
                    rng.next_u64() % 250 + 1
                ),
                &mut summary,
            )?;
            self.line(w, t, &format!("postfix/qmgr[2201]: {id}: from=<{sender}>, size={size}, nrcpt={n} (queue active)"), &mut summary)?;
            let weights: Vec<f64> = s.recipient_domains.iter().map(|d| d.1).collect();
            let mut last = t;
            for r in 0..n {
                let domain = s
                    .recipient_domains
                    .get(rng.pick(&weights))
                    .map_or("example.com", |d| d.0.as_str());
                let to = format!("r{r}.{}@{domain}", rng.next_u64() % 100_000);
                let mut delay = (s.delay_median_s * 1e6 * (0.8 * rng.normal()).exp()) as i64;
                if rng.uniform() < self.defer_share {
                    let retry = delay + 300_000_000;
                    let failed = format!(
                        "postfix/smtp[4400]: {id}: to=<{to}>, relay=none, delay={:.2}, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.{domain}[198.51.100.7]:25: Connection refused)",
                        delay as f64 / 1e6
                    );
                    due.push(Reverse((t + delay, seq, failed)));
                    due.push(Reverse((t + retry - 1000, seq + 1, format!("postfix/qmgr[2201]: {id}: from=<{sender}>, size={size}, nrcpt={n} (queue active)"))));
                    seq += 2;
                    delay = retry;
                }
                let agent = if s.direction == Direction::Outbound {
                    "smtp"
                } else {
                    "lmtp"
                };
                let sent = format!(
                    "postfix/{agent}[4401]: {id}: to=<{to}>, relay=mx.{domain}[203.0.113.9]:25, delay={:.2}, delays=0.01/0/0.2/{:.2}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)",
                    delay as f64 / 1e6,
                    delay as f64 / 1e6
                );
                due.push(Reverse((t + delay, seq, sent)));
                seq += 1;
                last = last.max(t + delay);
            }
            due.push(Reverse((
                last + 1000,
                seq,
                format!("postfix/qmgr[2201]: {id}: removed"),
            )));
            seq += 1;
        }
        while let Some(Reverse((at, _, text))) = due.pop() {
            self.line(w, at, &text, &mut summary)?;
        }
        Ok(summary)
    }

    fn line(
        &self,
        w: &mut dyn Write,
        t: i64,
        text: &str,
        summary: &mut SynthSummary,
    ) -> io::Result<()> {
        let line = format!("{} {} {text}\n", self.stamp(t), self.hostname);
        summary.lines += 1;
        summary.bytes += line.len() as u64;
        w.write_all(line.as_bytes())
    }
}

fn exp(rng: &mut Rng, rate_per_us: f64) -> f64 {
    if rate_per_us <= 0.0 {
        f64::INFINITY
    } else {
        -rng.uniform().ln() / rate_per_us
    }
}

/// The three streams of a small organisation (contoso.com), with an office-hours profile.
pub fn contoso(rates_per_day: [f64; 3]) -> Vec<SynthStream> {
    let (weekday, weekend) = office_profile();
    let stream = |direction, rate, sender: &str, to: Vec<(&str, f64)>, median| SynthStream {
        direction,
        rate_per_day: rate,
        weekday,
        weekend,
        size_median: median,
        size_sigma: 1.0,
        recipients: vec![(1, 0.8), (2, 0.15), (5, 0.05)],
        sender_domain: sender.to_string(),
        recipient_domains: to.into_iter().map(|(d, w)| (d.to_string(), w)).collect(),
        delay_median_s: 2.0,
    };
    vec![
        stream(
            Direction::Inbound,
            rates_per_day[0],
            "example.net",
            vec![("contoso.com", 0.9), ("lists.contoso.com", 0.1)],
            45_000.0,
        ),
        stream(
            Direction::Outbound,
            rates_per_day[1],
            "contoso.com",
            vec![("fabrikam.com", 0.3), ("example.org", 0.7)],
            60_000.0,
        ),
        stream(
            Direction::Internal,
            rates_per_day[2],
            "contoso.com",
            vec![("contoso.com", 1.0)],
            30_000.0,
        ),
    ]
}
