//! Generated enterprise topologies for benchmarks: sites with on-premises Exchange servers, an
//! Exchange Online tenant, partners reached over forced TLS, many domains and connectors, and
//! traffic in the proportions of the shipped scenarios' arithmetic.
//!
//! The layout, for `nodes` N, `connectors` C and `domains` D:
//! - one `internet` node and one `eop` (Exchange Online) node;
//! - S = N / 4 sites, each an on-premises Exchange server hosting 40 % of its own domain's
//!   mailboxes (60 % are in the cloud), with hybrid connectors both ways (forced TLS);
//! - P = N − 2 − S partners, each a non-Microsoft MTA hosting a few domains, with forced-TLS
//!   partner connectors both ways; more connectors (sites sending to partners directly) fill C;
//! - the remaining domains are internet correspondents, plus `"*"` for every other one.
//!
//! Traffic (sources §7.1: 100 messages per mailbox and day, sent + received; 40 % of what is
//! sent is internal, 60 % external, of which a tenth to partners): per site, cloud and on-prem
//! senders, and inbound mail from the internet and from partners, spread over `messages_per_day`.

use std::fmt::Write;

/// The size of a generated enterprise.
#[derive(Clone, Copy, Debug)]
pub struct Enterprise {
    /// Nodes, at least 4 (internet, Exchange Online, one site, one partner).
    pub nodes: usize,
    /// Connectors, at least the hybrid and partner ones (2 per site and partner).
    pub connectors: usize,
    /// Domains, at least one per site and one per partner.
    pub domains: usize,
    /// Messages generated per simulated day, over every stream.
    pub messages_per_day: u64,
}

impl Enterprise {
    /// The scenario as YAML, for a run of `duration` (e.g. `1d`).
    pub fn yaml(&self, duration: &str) -> String {
        let n = self.nodes.max(4);
        let sites = (n / 4).max(1);
        let partners = n - 2 - sites;
        let org: Vec<String> = (0..sites).map(|s| format!("site{s}.contoso.com")).collect();
        // Partner domains: a share of what is left after the organisation's own.
        let left = self.domains.saturating_sub(sites + 1).max(partners);
        let per_partner = (left / 2 / partners).max(1);
        let partner_domains: Vec<Vec<String>> = (0..partners)
            .map(|p| {
                (0..per_partner)
                    .map(|k| format!("p{p}-{k}.example"))
                    .collect()
            })
            .collect();
        let external = self
            .domains
            .saturating_sub(sites + partners * per_partner + 1);
        let ext: Vec<String> = (0..external)
            .map(|k| format!("ext{k}.example.net"))
            .collect();

        let mut y = String::new();
        let _ = writeln!(
            y,
            "name: enterprise-{n}\nduration: {duration}\nwarmup: 0s\nseed: 1\nsample_every: 1h\n"
        );
        y.push_str("domains:\n");
        for (s, d) in org.iter().enumerate() {
            let _ = writeln!(
                y,
                "  {d}: {{mx: eop, mailboxes: {{eop: 0.6, site{s}: 0.4}}, unknown_recipients: 0.001}}"
            );
        }
        for (p, ds) in partner_domains.iter().enumerate() {
            for d in ds {
                let _ = writeln!(
                    y,
                    "  {d}: {{mx: partner{p}, mailboxes: {{partner{p}: 1.0}}}}"
                );
            }
        }
        for d in &ext {
            let _ = writeln!(y, "  {d}: {{mx: internet, mailboxes: {{internet: 1.0}}}}");
        }
        y.push_str("  \"*\": {mx: internet, mailboxes: {internet: 1.0}}\n\nnodes:\n");
        y.push_str("  internet: {kind: internet}\n");
        let _ = writeln!(
            y,
            "  eop:\n    kind: exchange_online\n    accepted_domains: {{{}}}\n    certificate: {{subject: mail.protection.outlook.com, issuer: ca}}",
            org.iter()
                .map(|d| format!("{d}: internal_relay"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for s in 0..sites {
            let _ = writeln!(
                y,
                "  site{s}: {{kind: exchange_server, certificate: {{subject: mail.site{s}.contoso.com, issuer: ca}}}}"
            );
        }
        for p in 0..partners {
            let _ = writeln!(
                y,
                "  partner{p}: {{kind: smtp, certificate: {{subject: mail.p{p}.example, issuer: ca}}}}"
            );
        }

        y.push_str("\nconnectors:\n");
        let tls = |host: &str| format!("{{mode: required, validate: domain, tls_domain: {host}}}");
        let list = |ds: &[String]| ds.join(", ");
        let mut count = 0;
        for (s, d) in org.iter().enumerate() {
            let _ = writeln!(
                y,
                "  - {{name: eop-to-site{s}, from: eop, to: site{s}, domains: [{d}], mailboxes_on: [site{s}], tls: {}, rtt: 25ms}}",
                tls(&format!("mail.site{s}.contoso.com"))
            );
            let _ = writeln!(
                y,
                "  - {{name: site{s}-to-eop, from: site{s}, to: eop, domains: [\"*\"], tls: {}, rtt: 25ms}}",
                tls("mail.protection.outlook.com")
            );
            count += 2;
        }
        for (p, ds) in partner_domains.iter().enumerate() {
            let _ = writeln!(
                y,
                "  - {{name: eop-to-partner{p}, from: eop, to: partner{p}, domains: [{}], tls: {}, rtt: 40ms}}",
                list(ds),
                tls(&format!("mail.p{p}.example"))
            );
            let _ = writeln!(
                y,
                "  - {{name: partner{p}-to-eop, from: partner{p}, to: eop, domains: [{}], tls: {}, rtt: 40ms}}",
                list(&org),
                tls("mail.protection.outlook.com")
            );
            count += 2;
        }
        // Sites that send to partners directly, over forced TLS, until C is reached: first one
        // connector per (site, partner) for all its domains, then exact-domain ones.
        let mut k = 0;
        while count < self.connectors {
            let (s, p) = (k % sites, (k / sites + k) % partners);
            let round = k / (sites * partners);
            let domains = if round == 0 {
                list(&partner_domains[p])
            } else {
                partner_domains[p][round % per_partner].clone()
            };
            let _ = writeln!(
                y,
                "  - {{name: site{s}-to-partner{p}-{k}, from: site{s}, to: partner{p}, domains: [{domains}], tls: {}, rtt: 40ms}}",
                tls(&format!("mail.p{p}.example"))
            );
            count += 1;
            k += 1;
        }

        // Traffic: per site, mail sent by its cloud (60 %) and on-prem (40 %) users, and mail it
        // receives from the internet and from partners; the day's total spread evenly.
        y.push_str("\ntraffic:\n");
        let per_site = self.messages_per_day as f64 / sites as f64;
        // Of a site's day: sent 50 % (internal 40 %, internet 54 %, partners 6 %), received
        // from the internet 45 % and from partners 5 %.
        let mix = |s: usize| -> String {
            let mut to = vec![(org[s].clone(), 0.2), (org[(s + 1) % sites].clone(), 0.2)];
            for j in 0..4 {
                let d = if ext.is_empty() {
                    format!("mail{j}.example.org")
                } else {
                    ext[(s * 4 + j) % ext.len()].clone()
                };
                to.push((d, 0.135));
            }
            to.push((partner_domains[s % partners][0].clone(), 0.06));
            to.iter()
                .map(|(d, w)| format!("{d}: {w}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let stream = |y: &mut String,
                      name: String,
                      from: &str,
                      sender: &str,
                      to: String,
                      rate: f64| {
            let _ = writeln!(
                y,
                "  - {{name: {name}, from: {from}, sender_domain: {sender}, to: {{{to}}}, rate: {rate:.1}/d, profile: business_hours, size: {{lognormal: {{median: 45KB, sigma: 1.0}}}}}}"
            );
        };
        for (s, d) in org.iter().enumerate() {
            stream(
                &mut y,
                format!("cloud{s}"),
                "eop",
                d,
                mix(s),
                per_site * 0.3,
            );
            stream(
                &mut y,
                format!("onprem{s}"),
                &format!("site{s}"),
                d,
                mix(s),
                per_site * 0.2,
            );
            stream(
                &mut y,
                format!("inbound{s}"),
                "internet",
                "example.org",
                format!("{d}: 1.0"),
                per_site * 0.45,
            );
            let p = s % partners;
            stream(
                &mut y,
                format!("partner{p}-to-site{s}"),
                &format!("partner{p}"),
                &partner_domains[p][0],
                format!("{d}: 1.0"),
                per_site * 0.05,
            );
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::Enterprise;

    #[test]
    fn a_generated_enterprise_loads_with_the_sizes_asked_for() {
        let e = Enterprise {
            nodes: 20,
            connectors: 200,
            domains: 500,
            messages_per_day: 100_000,
        };
        let loaded = crate::scenario::load_str(&e.yaml("1d"), "enterprise.yaml", &[])
            .unwrap_or_else(|err| panic!("{err}"));
        let sc = loaded.scenario;
        assert_eq!(sc.nodes.len(), 20);
        assert_eq!(sc.connectors.len(), 200);
        assert!(sc.domains.len() >= 500, "{}", sc.domains.len());
    }
}
