//! `mailflow validate --load`: the offered load of every node from the traffic and the routing
//! (arrival rate × mean service time / workers), before any simulation.
//!
//! Each stream's messages are followed through the routing table for every recipient domain,
//! mailbox location and tag combination, with the probability of each; equal-preference MX
//! hosts share the load, spam-filter quarantine removes its share. Faults and NDRs are left out.

use crate::model::{NodeId, Scenario, Workers};
use crate::sim::SimTime;
use crate::sim::message::{Message, SUBMITTED, UNKNOWN, is_submitted};
use crate::sim::routing::{Decision, QueueTarget, RouteTable};

/// The offered load of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLoad {
    /// Node name.
    pub name: String,
    /// Its workers.
    pub workers: Workers,
    /// Mean arrival rate, messages per second.
    pub rate: f64,
    /// Arrival rate with every stream at its profile's peak, messages per second.
    pub peak_rate: f64,
    /// Offered work at the mean rate, in Erlangs (busy workers needed).
    pub erlangs: f64,
    /// Offered work at the peak rates, in Erlangs.
    pub peak_erlangs: f64,
    /// Messages per second its inbound connection limit admits (`max_connections` sessions
    /// each taking two round trips of the senders' default path plus the transfer of a
    /// mean-size message), if it has a limit.
    pub admitted: Option<f64>,
    /// Exchange back pressure's first threshold (waiting messages), if the node applies it.
    pub back_pressure_at: Option<u64>,
}

impl NodeLoad {
    /// Utilisation `erlangs / workers` (mean, peak); `None` for unlimited workers.
    pub fn utilization(&self) -> Option<(f64, f64)> {
        match self.workers {
            Workers::Limited(k) => {
                let k = f64::from(k.max(1));
                Some((self.erlangs / k, self.peak_erlangs / k))
            }
            Workers::Unlimited => None,
        }
    }

    /// Mean service time per visit, seconds.
    pub fn service_s(&self) -> f64 {
        if self.rate > 0.0 {
            self.erlangs / self.rate
        } else {
            0.0
        }
    }
}

/// Follows messages through the routing table, adding up rates and work per node.
struct Walk<'a> {
    sc: &'a Scenario,
    routes: std::borrow::Cow<'a, RouteTable>,
    mean_size: f64,
    /// (rate, work in µs per second) per node, at the mean and the peak rates.
    acc: Vec<[f64; 4]>,
}

impl Walk<'_> {
    /// Mean service time (µs) of `m` at `node`, and the share quarantined there.
    fn service(&self, node: usize, m: &Message) -> (f64, f64) {
        let n = &self.sc.nodes[node];
        let mut micros = n.service_time.mean() + n.service_per_mb.0 as f64 * self.mean_size / 1e6;
        let mut quarantine = 0.0;
        if let Some(f) = &n.spam_filter
            && !is_submitted(m.prev)
            && !f.allow_list.iter().any(|a| a.0 == u32::from(m.prev))
        {
            micros += f.scan_time.mean();
            quarantine = f.quarantine;
        }
        (micros, quarantine)
    }

    fn visit(&mut self, node: usize, mut m: Message, p: f64, rates: (f64, f64)) {
        if p <= 0.0 {
            return;
        }
        let (micros, quarantine) = self.service(node, &m);
        let a = &mut self.acc[node];
        a[0] += rates.0 * p;
        a[1] += rates.0 * p * micros;
        a[2] += rates.1 * p;
        a[3] += rates.1 * p * micros;
        let p = p * (1.0 - quarantine);
        let name = &self.sc.domains[m.sender_domain as usize].name;
        if let Some((_, to)) = self.sc.nodes[node]
            .rewrite_sender
            .iter()
            .find(|(pat, _)| pat.matches(name))
        {
            m.sender_domain = to.0 as u16;
        }
        let Decision::Queue(q) = self.routes.decide(node, &m) else {
            return;
        };
        if u32::from(m.hops) + 1 >= self.sc.max_hops {
            return;
        }
        m.prev = node as u16;
        m.hops += 1;
        let next: Vec<NodeId> = match self.routes.queues[q as usize].target {
            QueueTarget::Node(n) => vec![n],
            QueueTarget::Mx(d) | QueueTarget::Host(d) => {
                let mx = &self.sc.domains[d.index()].mx;
                let best = mx.iter().map(|r| r.preference).min();
                mx.iter()
                    .filter(|r| Some(r.preference) == best)
                    .map(|r| r.host)
                    .collect()
            }
        };
        let share = p / next.len().max(1) as f64;
        for n in next {
            self.visit(n.index(), m, share, rates);
        }
    }
}

/// The offered load of every node, in file order.
pub fn offered_load(sc: &Scenario) -> Vec<NodeLoad> {
    let mut w = Walk {
        sc,
        routes: RouteTable::of(sc),
        mean_size: 0.0,
        acc: vec![[0.0; 4]; sc.nodes.len()],
    };
    for (s, t) in sc.traffic.iter().enumerate() {
        w.mean_size = t.size.mean();
        let rates = (t.rate_per_s, t.rate_per_s * t.profile.peak());
        // Tag combinations (all of them for up to 8 tags; rules by tag are rare beyond that).
        let tags = if t.tags.len() <= 8 {
            t.tags.as_slice()
        } else {
            &[]
        };
        for mask in 0u32..(1 << tags.len()) {
            let (mut bits, mut pt) = (0u32, 1.0);
            for (i, (tag, share)) in tags.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    bits |= 1 << tag.0;
                    pt *= share;
                } else {
                    pt *= 1.0 - share;
                }
            }
            for (d, weight) in &t.to {
                let dom = sc.domain(*d);
                let total: f64 = dom.mailboxes.iter().map(|b| b.1).sum();
                let mut locations: Vec<(u16, f64)> = Vec::new();
                if dom.mailboxes.is_empty() || total <= 0.0 {
                    locations.push((UNKNOWN, 1.0));
                } else {
                    let known = 1.0 - dom.unknown_recipients;
                    locations.extend(
                        dom.mailboxes
                            .iter()
                            .map(|(n, sh)| (n.0 as u16, known * sh / total)),
                    );
                    locations.push((UNKNOWN, dom.unknown_recipients));
                }
                for (location, pl) in locations {
                    let m = Message {
                        created: SimTime::ZERO,
                        node_arrival: SimTime::ZERO,
                        size: w.mean_size.clamp(0.0, u32::MAX as f64) as u32,
                        tags: bits,
                        rcpt_domain: d.0 as u16,
                        sender_domain: t.sender_domain.0 as u16,
                        location,
                        prev: SUBMITTED,
                        stream: s as u16,
                        hops: 0,
                        rcpts: 1,
                        flags: 0,
                    };
                    w.visit(t.from.index(), m, weight * pl * pt, rates);
                }
            }
        }
    }
    let mean_size = sc
        .traffic
        .iter()
        .map(|t| t.size.mean())
        .fold(0.0, f64::max)
        .max(1.0);
    sc.nodes
        .iter()
        .zip(&w.acc)
        .map(|(n, a)| NodeLoad {
            name: n.name.clone(),
            workers: n.workers,
            rate: a[0],
            peak_rate: a[2],
            erlangs: a[1] / 1e6,
            peak_erlangs: a[3] / 1e6,
            admitted: n.inbound.max_connections.map(|c| {
                let link = n.kind.default_link();
                let per = 2.0 * link.rtt.as_secs_f64() + mean_size / link.bandwidth;
                f64::from(c) / per.max(1e-6)
            }),
            back_pressure_at: n.inbound.back_pressure.as_ref().map(|b| b.low_to_medium),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mm1_fixture_offers_half_an_erlang() {
        let sc = crate::scenario::load(std::path::Path::new("scenarios/mm1.yaml"), &[])
            .unwrap()
            .scenario;
        let l = &offered_load(&sc)[0];
        assert!((l.rate - 0.5).abs() < 1e-12);
        assert!((l.erlangs - 0.5).abs() < 1e-9, "{}", l.erlangs);
        assert_eq!(l.utilization().map(|u| (u.0 * 1000.0).round()), Some(500.0));
    }
}
