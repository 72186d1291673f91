//! The fit's sink: per-stream statistics streamed from the messages (counts by hour of week, sizes, recipients, domains) and delays per destination.

use std::collections::BTreeMap;

use super::clock::hour_of_week;
use super::message::{Direction, Domains, FxMap, Message, Sink};
use super::profile::WEEK_HOURS;
use super::stats::{DelayHist, SizeHist};

/// What one stream's messages add up to.
#[derive(Debug)]
pub(super) struct StreamStats {
    /// Messages.
    pub count: u64,
    /// Arrivals per hour-of-week bin.
    pub by_hour: [u64; WEEK_HOURS],
    /// Sizes.
    pub sizes: SizeHist,
    /// Recipients per message → messages.
    pub recipients: BTreeMap<u32, u64>,
    /// Recipient domain → recipients.
    pub rcpt_domains: FxMap<u32, u64>,
    /// Sender domain → messages.
    pub senders: FxMap<u32, u64>,
}

impl Default for StreamStats {
    fn default() -> Self {
        StreamStats {
            count: 0,
            by_hour: [0; WEEK_HOURS],
            sizes: SizeHist::default(),
            recipients: BTreeMap::new(),
            rcpt_domains: FxMap::default(),
            senders: FxMap::default(),
        }
    }
}

/// Statistics of the three streams and the delays per recipient domain.
#[derive(Debug, Default)]
pub(super) struct Collector {
    /// Indexed by [`Direction::index`].
    pub streams: [StreamStats; 3],
    /// Recipient domain → delivery delays.
    pub delays: FxMap<u32, DelayHist>,
}

impl Sink for Collector {
    fn message(&mut self, m: &Message<'_>, _: &Domains, direction: Direction) {
        let s = &mut self.streams[direction.index()];
        s.count += 1;
        s.by_hour[hour_of_week(m.time_us)] += 1;
        s.sizes.add(m.size);
        *s.recipients.entry(m.recipients.max(1)).or_default() += 1;
        for d in m.rcpt {
            *s.rcpt_domains.entry(*d).or_default() += 1;
        }
        *s.senders.entry(m.sender).or_default() += 1;
    }

    fn delay(&mut self, domain: u32, us: u64) {
        self.delays.entry(domain).or_default().add(us);
    }
}

/// Shares of the most frequent keys, the rest folded into a count and share.
pub(super) fn top_shares(
    counts: &FxMap<u32, u64>,
    domains: &Domains,
    keep: usize,
) -> (Vec<(String, f64)>, usize, f64) {
    let total: u64 = counts.values().sum();
    if total == 0 {
        return (Vec::new(), 0, 0.0);
    }
    let mut all: Vec<(&u32, &u64)> = counts.iter().collect();
    // Ties broken by name so the output does not depend on hash order.
    all.sort_by(|a, b| {
        b.1.cmp(a.1)
            .then_with(|| domains.name(*a.0).cmp(domains.name(*b.0)))
    });
    let top: Vec<(String, f64)> = all
        .iter()
        .take(keep)
        .map(|(d, c)| (domains.name(**d).to_string(), **c as f64 / total as f64))
        .collect();
    let rest: u64 = all.iter().skip(keep).map(|(_, c)| **c).sum();
    (
        top,
        all.len().saturating_sub(keep),
        rest as f64 / total as f64,
    )
}

/// Recipient-count weights: values holding at least 0.1 % of messages; the rarer ones are folded
/// into the nearest kept value below them so the weights still sum to 1.
pub(super) fn recipient_weights(counts: &BTreeMap<u32, u64>) -> Vec<(u32, f64)> {
    let total: u64 = counts.values().sum();
    if total == 0 {
        return vec![(1, 1.0)];
    }
    let mut kept: Vec<(u32, u64)> = Vec::new();
    for (&k, &c) in counts {
        if c as f64 >= 0.001 * total as f64 || kept.is_empty() {
            kept.push((k, c));
        } else if let Some(last) = kept.last_mut() {
            last.1 += c;
        }
    }
    kept.into_iter()
        .map(|(k, c)| (k, c as f64 / total as f64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_recipient_counts_fold_into_their_neighbour() {
        let counts: BTreeMap<u32, u64> = [(1, 8000), (2, 1500), (3, 5), (5, 495)]
            .into_iter()
            .collect();
        let w = recipient_weights(&counts);
        assert_eq!(w.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 2, 5]);
        assert!((w[1].1 - 0.1505).abs() < 1e-12);
        assert!((w.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn top_shares_fold_the_tail() {
        let mut d = Domains::new(&[]);
        let ids: Vec<u32> = ["a@x.com", "b@y.com", "c@z.com"]
            .iter()
            .map(|a| d.of_address(a.as_bytes()))
            .collect();
        let counts: FxMap<u32, u64> = [(ids[0], 6), (ids[1], 3), (ids[2], 1)]
            .into_iter()
            .collect();
        let (top, others, rest) = top_shares(&counts, &d, 2);
        assert_eq!(
            top,
            vec![("x.com".to_string(), 0.6), ("y.com".to_string(), 0.3)]
        );
        assert_eq!((others, rest), (1, 0.1));
    }
}
