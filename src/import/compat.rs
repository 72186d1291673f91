//! Placeholder traffic for an imported scenario, and retry policies spelled with the current contract's keys only.

use super::org::{Org, Retry, Setting};
use super::units::duration;
use super::yaml::{Yaml, flow_map, number, scalar};

fn secs(r: &Retry, key: &str, default: u64) -> u64 {
    r.overrides
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(default, |(_, v, _)| match v {
            Setting::Secs(s) | Setting::Count(s) => *s,
        })
}

/// A preset with overrides as an explicit `{schedule, then, expire_after}` / `{backoff}` policy,
/// and what the translation loses, if anything.
pub(super) fn explicit_retry(r: &Retry) -> (String, Option<String>) {
    match r.preset {
        "exchange_online" => {
            let exp = secs(r, "message_expiration", 86_400);
            (
                format!(
                    "{{schedule: [15m, 15m], then: 1h, expire_after: {}}}",
                    duration(exp)
                ),
                None,
            )
        }
        "exchange_server" => {
            // Four queue-glitch retries a minute apart, then the transient retries, then the
            // outbound-connection-failure interval (domain-facts §2.1).
            let mut schedule = vec!["1m".to_string(); 4];
            let interval = duration(secs(r, "transient_failure_retry_interval", 300));
            schedule.extend(std::iter::repeat_n(
                interval,
                secs(r, "transient_failure_retry_count", 6) as usize,
            ));
            let text = format!(
                "{{schedule: [{}], then: {}, expire_after: {}, delay_notice: {}}}",
                schedule.join(", "),
                duration(secs(r, "outbound_connection_failure_retry_interval", 600)),
                duration(secs(r, "message_expiration_timeout", 172_800)),
                duration(secs(r, "delay_notification_timeout", 14_400)),
            );
            let lossy = r
                .overrides
                .iter()
                .any(|(k, _, _)| *k == "message_retry_interval");
            (
                text,
                lossy.then(|| "message_retry_interval has no explicit equivalent".to_string()),
            )
        }
        _ => {
            let text = format!(
                "{{backoff: {{min: {}, max: {}, factor: 2}}, expire_after: {}}}",
                duration(secs(r, "minimal_backoff_time", 300)),
                duration(secs(r, "maximal_backoff_time", 4_000)),
                duration(secs(r, "maximal_queue_lifetime", 432_000)),
            );
            let lossy = "Postfix's age-based backoff on queue_run_delay scans becomes a doubling backoff; queue_run_delay and bounce_queue_lifetime are lost";
            (text, Some(lossy.into()))
        }
    }
}

/// The traffic section written when no fitted one is given: a few streams that use every route.
pub(super) fn default_traffic(org: &Org) -> String {
    let mut y = Yaml::default();
    y.comment(0, "assumption: no message log was fitted (`mailflow fit LOG...` derives this section from real\ntraffic). These placeholder streams exercise the imported routes; replace their rates.");
    let (Some(home), Some(origin)) = (org.default_domain.clone(), org.origin.clone()) else {
        y.line(
            0,
            "traffic: []",
            Some("no accepted domain in the exports: nothing to send".into()),
        );
        return y.render();
    };
    let tags: Vec<(&str, String)> = org
        .rules
        .iter()
        .filter_map(|r| r.tag.as_deref())
        .map(|t| (t, "0.1".to_string()))
        .collect();
    let mut to_out: Vec<(&str, String)> = Vec::new();
    let partner_share = 0.05;
    for p in &org.partner_domains {
        to_out.push((p.as_str(), number(partner_share)));
    }
    to_out.insert(
        0,
        (
            "example.net",
            number(1.0 - partner_share * org.partner_domains.len() as f64),
        ),
    );
    let size = "{lognormal: {median: 45KB, sigma: 1.0}}";
    let mut streams: Vec<(String, String, String, String, &str)> = vec![
        (
            "inbound".into(),
            "internet".into(),
            "example.net".into(),
            scalar(&home),
            "20k/d",
        ),
        (
            "outbound".into(),
            origin.clone(),
            scalar(&home),
            flow_map(&to_out),
            "15k/d",
        ),
        (
            "internal".into(),
            origin.clone(),
            scalar(&home),
            scalar(&home),
            "10k/d",
        ),
    ];
    for (name, _) in org
        .nodes
        .iter()
        .filter(|(n, node)| node.kind == "exchange_server" && **n != origin)
    {
        streams.push((
            format!("{name}-outbound"),
            name.clone(),
            scalar(&home),
            scalar("example.net"),
            "5k/d",
        ));
    }
    for (domain, node) in org.partner_domains.iter().filter_map(|d| {
        org.domains
            .get(d)
            .and_then(|x| x.mailboxes.first())
            .map(|m| (d, m.0.clone()))
    }) {
        streams.push((
            format!("from-{node}"),
            node.clone(),
            scalar(domain),
            scalar(&home),
            "1k/d",
        ));
    }
    y.line(0, "traffic:", None);
    for (name, from, sender, to, rate) in streams {
        y.line(2, format!("- name: {}", scalar(&name)), None);
        y.pair(4, "from", scalar(&from), None);
        y.pair(4, "sender_domain", sender, None);
        y.pair(4, "to", to, None);
        y.pair(4, "rate", rate, Some("assumption".into()));
        y.pair(
            4,
            "profile",
            "business_hours",
            Some("assumption: peak about 2x the mean (domain-facts §7.2)".into()),
        );
        y.pair(
            4,
            "size",
            size,
            Some("assumption: mean 74 KB, the 75 KB sizing average (domain-facts §7.1)".into()),
        );
        if name == "outbound" && !tags.is_empty() {
            y.pair(
                4,
                "tags",
                flow_map(&tags),
                Some("assumption: share of mail the content-based rules match".into()),
            );
        }
    }
    y.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::org::Src;

    fn retry(preset: &'static str, o: &[(&'static str, u64)]) -> Retry {
        let overrides = o
            .iter()
            .map(|(k, v)| (*k, Setting::Secs(*v), Src::Derived(String::new())))
            .collect();
        Retry { preset, overrides }
    }

    #[test]
    fn presets_become_explicit_policies() {
        let (t, lossy) =
            explicit_retry(&retry("exchange_online", &[("message_expiration", 43_200)]));
        assert_eq!(t, "{schedule: [15m, 15m], then: 1h, expire_after: 12h}");
        assert!(lossy.is_none());
        let (t, _) = explicit_retry(&retry(
            "exchange_server",
            &[("message_expiration_timeout", 259_200)],
        ));
        assert_eq!(
            t,
            "{schedule: [1m, 1m, 1m, 1m, 5m, 5m, 5m, 5m, 5m, 5m], then: 10m, expire_after: 3d, delay_notice: 4h}"
        );
        let (t, lossy) = explicit_retry(&retry("postfix", &[("maximal_queue_lifetime", 172_800)]));
        assert_eq!(
            t,
            "{backoff: {min: 5m, max: 1h6m40s, factor: 2}, expire_after: 2d}"
        );
        assert!(lossy.is_some());
    }
}
