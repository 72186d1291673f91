//! A minimal, hand-written M/M/c simulator: the yardstick for the engine's speed.
//!
//! Included from the bench targets with `#[path = "reference.rs"] mod reference;`; it is not a
//! bench target itself (`autobenches = false` in `Cargo.toml`).
//!
//! Same conventions as the engine where they matter for speed: a binary heap of events keyed by
//! integer microseconds with a FIFO tie-break on a sequence number, ChaCha8 generators (one stream
//! for arrivals, one for service), exponential draws through `rand_distr::Exp1`, durations rounded
//! to the microsecond. It does nothing else: no routing, no messages, no time series.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};

/// What the reference run measured.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefResult {
    /// Customers that arrived at or after the warm-up and left before the horizon.
    pub served: u64,
    /// Their mean response time (waiting + service), seconds.
    pub mean_response_s: f64,
    /// Events handled (arrivals and departures).
    pub events: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// The next customer arrives.
    Arrival,
    /// `server` finishes the customer that arrived at `arrived_us`.
    Departure { server: u32, arrived_us: u64 },
}

/// Seconds to integer microseconds, rounded like the engine (`SimDuration::from_secs_f64`).
#[inline]
fn micros(secs: f64) -> u64 {
    if secs <= 0.0 {
        0
    } else {
        (secs * 1e6).round() as u64
    }
}

/// An exponential draw with the given rate (per second), in microseconds.
#[inline]
fn exp_us(rng: &mut ChaCha8Rng, rate: f64) -> u64 {
    let e: f64 = Exp1.sample(rng);
    micros(e / rate)
}

struct Sim {
    heap: BinaryHeap<(Reverse<u64>, Reverse<u64>, Ev)>,
    seq: u64,
}

impl Sim {
    #[inline]
    fn schedule(&mut self, t: u64, ev: Ev) {
        self.heap.push((Reverse(t), Reverse(self.seq), ev));
        self.seq += 1;
    }
}

/// Simulates an M/M/`servers` queue with arrival rate `lambda` and service rate `mu` (per
/// second) from 0 to `horizon_s`; customers arriving before `warmup_s` are not counted.
pub(crate) fn run_mmc(
    lambda: f64,
    mu: f64,
    servers: u32,
    horizon_s: f64,
    warmup_s: f64,
    seed: u64,
) -> RefResult {
    assert!(
        lambda > 0.0 && mu > 0.0 && servers > 0,
        "rates and servers must be positive"
    );
    let horizon = micros(horizon_s);
    let warmup = micros(warmup_s);
    let mut arrivals = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(2));
    let mut service = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(2).wrapping_add(1));

    let mut sim = Sim {
        heap: BinaryHeap::with_capacity(1024),
        seq: 0,
    };
    // Idle servers, used as a stack (the lowest index is taken first at the start).
    let mut idle: Vec<u32> = (0..servers).rev().collect();
    // Arrival times of the waiting customers, FIFO.
    let mut waiting: VecDeque<u64> = VecDeque::with_capacity(1024);

    let mut served = 0u64;
    let mut sum_response_us = 0u128;
    let mut events = 0u64;

    let first = exp_us(&mut arrivals, lambda);
    if first <= horizon {
        sim.schedule(first, Ev::Arrival);
    }

    while let Some((Reverse(now), _, ev)) = sim.heap.pop() {
        events += 1;
        match ev {
            Ev::Arrival => {
                let next = now + exp_us(&mut arrivals, lambda);
                if next <= horizon {
                    sim.schedule(next, Ev::Arrival);
                }
                match idle.pop() {
                    Some(server) => {
                        let done = now + exp_us(&mut service, mu);
                        if done <= horizon {
                            sim.schedule(
                                done,
                                Ev::Departure {
                                    server,
                                    arrived_us: now,
                                },
                            );
                        }
                    }
                    None => waiting.push_back(now),
                }
            }
            Ev::Departure { server, arrived_us } => {
                if arrived_us >= warmup {
                    served += 1;
                    sum_response_us += u128::from(now - arrived_us);
                }
                match waiting.pop_front() {
                    Some(arrived) => {
                        let done = now + exp_us(&mut service, mu);
                        if done <= horizon {
                            sim.schedule(
                                done,
                                Ev::Departure {
                                    server,
                                    arrived_us: arrived,
                                },
                            );
                        }
                    }
                    None => idle.push(server),
                }
            }
        }
    }

    let mean_response_s = if served == 0 {
        0.0
    } else {
        sum_response_us as f64 / served as f64 / 1e6
    };
    RefResult {
        served,
        mean_response_s,
        events,
    }
}

/// Simulates `stations` M/M/`servers` stations in series (a customer leaving one joins the next
/// at the same instant), arrival rate `lambda`, service rate `mu` at each; the response time is
/// from the arrival at the first station to the departure from the last.
pub(crate) fn run_tandem(
    lambda: f64,
    mu: f64,
    servers: u32,
    stations: usize,
    horizon_s: f64,
    warmup_s: f64,
    seed: u64,
) -> RefResult {
    assert!(
        lambda > 0.0 && mu > 0.0 && servers > 0 && stations > 0,
        "rates, servers and stations must be positive"
    );
    let horizon = micros(horizon_s);
    let warmup = micros(warmup_s);
    let mut arrivals = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(2));
    let mut service = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(2).wrapping_add(1));
    // Events: `Arrival`, or the departure of a customer from station `server / servers`.
    let mut sim = Sim {
        heap: BinaryHeap::with_capacity(1024),
        seq: 0,
    };
    let mut idle: Vec<u32> = vec![servers; stations];
    let mut waiting: Vec<VecDeque<u64>> = vec![VecDeque::with_capacity(1024); stations];
    let (mut served, mut sum_response_us, mut events) = (0u64, 0u128, 0u64);
    let first = exp_us(&mut arrivals, lambda);
    if first <= horizon {
        sim.schedule(first, Ev::Arrival);
    }
    while let Some((Reverse(now), _, ev)) = sim.heap.pop() {
        events += 1;
        // The station the customer joins now, if any, and when it first arrived.
        let join = match ev {
            Ev::Arrival => {
                let next = now + exp_us(&mut arrivals, lambda);
                if next <= horizon {
                    sim.schedule(next, Ev::Arrival);
                }
                Some((0, now))
            }
            Ev::Departure { server, arrived_us } => {
                let st = server as usize;
                match waiting[st].pop_front() {
                    Some(arrived) => {
                        let done = now + exp_us(&mut service, mu);
                        if done <= horizon {
                            let ev = Ev::Departure {
                                server,
                                arrived_us: arrived,
                            };
                            sim.schedule(done, ev);
                        }
                    }
                    None => idle[st] += 1,
                }
                if st + 1 < stations {
                    Some((st + 1, arrived_us))
                } else {
                    if arrived_us >= warmup {
                        served += 1;
                        sum_response_us += u128::from(now - arrived_us);
                    }
                    None
                }
            }
        };
        if let Some((st, arrived)) = join {
            if idle[st] > 0 {
                idle[st] -= 1;
                let done = now + exp_us(&mut service, mu);
                if done <= horizon {
                    let ev = Ev::Departure {
                        server: st as u32,
                        arrived_us: arrived,
                    };
                    sim.schedule(done, ev);
                }
            } else {
                waiting[st].push_back(arrived);
            }
        }
    }
    let mean_response_s = if served == 0 {
        0.0
    } else {
        sum_response_us as f64 / served as f64 / 1e6
    };
    RefResult {
        served,
        mean_response_s,
        events,
    }
}
