//! Which node a host name or address stands for: names and addresses gathered from every export, DNS aliases and addresses followed.

use indexmap::IndexMap;

use super::facts::DnsRecord;

/// Host name → node and address → node.
#[derive(Debug, Default)]
pub(super) struct Hosts {
    names: IndexMap<String, String>,
    ips: Vec<(u32, String)>,
    /// The Exchange Online node, which answers for every `*.protection.outlook.com` host.
    pub exo: Option<String>,
}

/// A host as connectors write it (`[10.0.0.5]:25`, `Mail.Contoso.com.`) reduced to `10.0.0.5` / `mail.contoso.com`.
pub(super) fn bare_host(host: &str) -> String {
    let h = host.trim();
    let h = match h.strip_prefix('[') {
        Some(inner) => inner.split(']').next().unwrap_or(inner),
        None if h.matches(':').count() == 1 => h.split(':').next().unwrap_or(h),
        None => h,
    };
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a host is Exchange Online Protection's (`contoso-com.mail.protection.outlook.com`).
pub(super) fn is_eop_host(host: &str) -> bool {
    let h = bare_host(host);
    h.ends_with(".protection.outlook.com")
        || h == "mail.protection.outlook.com"
        || h.ends_with(".mail.eo.outlook.com")
}

/// Parses a dotted IPv4 address.
pub(super) fn parse_ipv4(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut ip = 0u32;
    for p in parts {
        ip = (ip << 8) | u32::from(p.parse::<u8>().ok()?);
    }
    Some(ip)
}

/// Parses an IPv4 address, CIDR block or `first-last` range into an inclusive range.
pub(super) fn ipv4_range(text: &str) -> Option<(u32, u32)> {
    let t = text.trim();
    if let Some((a, b)) = t.split_once('-') {
        return Some((parse_ipv4(a)?, parse_ipv4(b)?));
    }
    if let Some((a, bits)) = t.split_once('/') {
        let base = parse_ipv4(a)?;
        let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        return Some((base & mask, (base & mask) | !mask));
    }
    parse_ipv4(t).map(|ip| (ip, ip))
}

impl Hosts {
    /// Registers a host name for a node (the first registration of a name wins).
    pub(super) fn add(&mut self, host: &str, node: &str) {
        let h = bare_host(host);
        if !h.is_empty() {
            self.names.entry(h).or_insert_with(|| node.to_string());
        }
    }

    /// Registers an address (or block) of a node.
    pub(super) fn add_ip(&mut self, ip: &str, node: &str) {
        if let Some((lo, hi)) = ipv4_range(ip) {
            // Blocks are recorded by their ends; enough to match single addresses inside them.
            self.ips.push((lo, node.to_string()));
            if hi != lo {
                self.ips.push((hi, node.to_string()));
            }
        }
    }

    /// The node with an address in this range, if any.
    pub(super) fn node_in_range(&self, range: &str) -> Vec<String> {
        let Some((lo, hi)) = ipv4_range(range) else {
            return Vec::new();
        };
        let mut nodes: Vec<String> = Vec::new();
        for (ip, node) in &self.ips {
            if (lo..=hi).contains(ip) && !nodes.contains(node) {
                nodes.push(node.clone());
            }
        }
        nodes
    }

    /// Nodes whose addresses lie in a range, following DNS A records of the registered names too.
    pub(super) fn nodes_in_range(&self, range: &str, dns: &[DnsRecord]) -> Vec<String> {
        let mut nodes = self.node_in_range(range);
        let Some((lo, hi)) = ipv4_range(range) else {
            return nodes;
        };
        for r in dns.iter().filter(|r| r.rtype == "A") {
            let inside = parse_ipv4(&r.data).is_some_and(|ip| (lo..=hi).contains(&ip));
            if let Some(node) = self.names.get(&r.name).filter(|_| inside)
                && !nodes.contains(node)
            {
                nodes.push(node.clone());
            }
        }
        nodes
    }

    /// The node a host stands for: by name, by EOP's naming, through CNAMEs, or by address.
    pub(super) fn resolve(&self, host: &str, dns: &[DnsRecord]) -> Option<String> {
        let mut name = bare_host(host);
        for _ in 0..6 {
            if let Some(ip) = parse_ipv4(&name) {
                return self
                    .ips
                    .iter()
                    .find(|(i, _)| *i == ip)
                    .map(|(_, n)| n.clone());
            }
            if let Some(node) = self.names.get(&name) {
                return Some(node.clone());
            }
            if is_eop_host(&name) {
                return self.exo.clone();
            }
            let addresses: Vec<&DnsRecord> = dns
                .iter()
                .filter(|r| r.name == name && r.rtype == "A")
                .collect();
            if let Some(node) = addresses.iter().find_map(|a| {
                let ip = parse_ipv4(&a.data)?;
                self.ips
                    .iter()
                    .find(|(i, _)| *i == ip)
                    .map(|(_, n)| n.clone())
            }) {
                return Some(node);
            }
            match dns.iter().find(|r| r.name == name && r.rtype == "CNAME") {
                Some(alias) => name = alias.data.clone(),
                None => return None,
            }
        }
        None
    }

    /// The DNS TTL of a host's address record, if the DNS input has one.
    pub(super) fn ttl(host: &str, dns: &[DnsRecord]) -> Option<u64> {
        let h = bare_host(host);
        dns.iter()
            .find(|r| r.name == h && (r.rtype == "A" || r.rtype == "CNAME"))
            .map(|r| r.ttl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::error::Prov;

    fn rec(name: &str, rtype: &str, data: &str) -> DnsRecord {
        DnsRecord {
            name: name.into(),
            ttl: 300,
            rtype: rtype.into(),
            preference: 0,
            data: data.into(),
            prov: Prov::default(),
        }
    }

    #[test]
    fn hosts_resolve_by_name_alias_address_and_eop_naming() {
        let mut hosts = Hosts {
            exo: Some("exo".into()),
            ..Hosts::default()
        };
        hosts.add("Mail.Contoso.com.", "onprem");
        hosts.add_ip("203.0.113.25", "fabrikam");
        let dns = [
            rec("smtp.contoso.com", "CNAME", "mail.contoso.com"),
            rec("mx.fabrikam.com", "A", "203.0.113.25"),
        ];
        assert_eq!(
            hosts.resolve("[mail.contoso.com]:25", &dns).as_deref(),
            Some("onprem")
        );
        assert_eq!(
            hosts.resolve("smtp.contoso.com", &dns).as_deref(),
            Some("onprem")
        );
        assert_eq!(
            hosts.resolve("mx.fabrikam.com", &dns).as_deref(),
            Some("fabrikam")
        );
        assert_eq!(
            hosts.resolve("[203.0.113.25]", &dns).as_deref(),
            Some("fabrikam")
        );
        assert_eq!(
            hosts
                .resolve("contoso-com.mail.protection.outlook.com", &dns)
                .as_deref(),
            Some("exo")
        );
        assert_eq!(hosts.resolve("unknown.example", &dns), None);
    }

    #[test]
    fn address_ranges_find_the_nodes_inside() {
        assert_eq!(
            ipv4_range("198.51.100.0/24"),
            Some((0xC633_6400, 0xC633_64FF))
        );
        assert_eq!(ipv4_range("10.0.0.1-10.0.0.9").map(|(a, b)| b - a), Some(8));
        assert_eq!(ipv4_range("::1"), None);
        let mut hosts = Hosts::default();
        hosts.add("mail.contoso.com", "onprem");
        let dns = [rec("mail.contoso.com", "A", "198.51.100.10")];
        assert_eq!(
            hosts.nodes_in_range("198.51.100.0/24", &dns),
            vec!["onprem".to_string()]
        );
        assert!(hosts.nodes_in_range("192.0.2.0/24", &dns).is_empty());
    }
}
