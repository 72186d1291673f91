//! The table `validate --load` prints: offered load per node, with a line per node at or
//! above 100%.

use std::fmt::Write;

use super::console;
use crate::model::Workers;
use crate::scenario::check::load::NodeLoad;

/// The table `validate --load` prints, with a line per node at or above 100%.
pub fn render(loads: &[NodeLoad]) -> String {
    let rows: Vec<Vec<String>> = loads
        .iter()
        .map(|l| {
            let (workers, mean, peak) = match (l.workers, l.utilization()) {
                (Workers::Limited(k), Some((u, p))) => (
                    k.to_string(),
                    format!("{:.1}%", u * 100.0),
                    format!("{:.1}%", p * 100.0),
                ),
                _ => (
                    "unlimited".into(),
                    format!("{:.2} Erl", l.erlangs),
                    format!("{:.2} Erl", l.peak_erlangs),
                ),
            };
            vec![
                l.name.clone(),
                workers,
                format!("{:.3}", l.rate),
                console::secs(l.service_s()),
                mean,
                peak,
            ]
        })
        .collect();
    let mut out =
        String::from("offered load (traffic × routing, no faults), before any simulation:\n");
    out += &console::table(
        &[
            "node",
            "workers",
            "arrivals/s",
            "service",
            "mean load",
            "peak-hour load",
        ],
        &rows,
    );
    for l in loads {
        if let Some(a) = l.admitted
            && l.peak_rate > a
        {
            let _ = writeln!(
                out,
                "  ! {}: peak-hour arrivals {:.1}/s exceed the about {:.1}/s its inbound connection \
                 limit admits: senders get 421 and keep the rest; raise `inbound.max_connections`",
                l.name, l.peak_rate, a
            );
        }
        if let (Some(t), Some((_, p))) = (l.back_pressure_at, l.utilization())
            && p >= 1.0
        {
            let _ = writeln!(
                out,
                "  ! {}: at the peak hour its queue grows; past {} waiting messages back pressure \
                 refuses mail (452 4.3.1) and the backlog moves to the senders",
                l.name,
                console::count(t)
            );
        }
        if let Some((u, p)) = l.utilization() {
            if u >= 1.0 {
                let _ = writeln!(
                    out,
                    "  ! {}: mean load {:.0}% ≥ 100%: its queue grows without bound; add workers or \
                     shorten the service time",
                    l.name,
                    u * 100.0
                );
            } else if p >= 1.0 {
                let _ = writeln!(
                    out,
                    "  ! {}: peak-hour load {:.0}% ≥ 100%: queues build up at the daily peak and drain \
                     afterwards",
                    l.name,
                    p * 100.0
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mm1_fixture_prints_half_a_worker_busy() {
        let sc = crate::scenario::load(std::path::Path::new("scenarios/mm1.yaml"), &[])
            .unwrap()
            .scenario;
        let loads = crate::scenario::check::load::offered_load(&sc);
        assert!(render(&loads).contains("50.0%"));
    }
}
