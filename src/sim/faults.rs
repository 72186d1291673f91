//! The faults in force: per-node conditions switched on and off by fault events.

use crate::model::{FaultKind, NodeId, Scenario};

/// Conditions of one node (counters, so overlapping faults nest).
#[derive(Clone, Debug, Default)]
pub struct NodeFaults {
    /// `server_down` in force.
    pub down: u32,
    /// `service_unavailable` in force.
    pub unavailable: u32,
    /// `tls_unavailable` in force.
    pub tls_off: u32,
    /// `certificate_expired` in force.
    pub cert_expired: u32,
    /// `certificate_mismatch` in force.
    pub cert_mismatch: u32,
    /// `tlsa_mismatch` in force.
    pub tlsa_mismatch: u32,
    /// Active `connection_drop` faults: (fault index, probability).
    pub drops: Vec<(u32, f64)>,
    /// Active `slowdown` faults: (fault index, factor).
    pub slowdowns: Vec<(u32, f64)>,
    /// Active `firewall_block` faults: (fault index, sources; empty = everyone).
    pub blocks: Vec<(u32, Vec<NodeId>)>,
}

impl NodeFaults {
    /// Probability that a session to the node drops (independent active faults combined).
    pub fn drop_probability(&self) -> f64 {
        1.0 - self.drops.iter().map(|(_, p)| 1.0 - p).product::<f64>()
    }
    /// Service-time multiplier.
    pub fn slowdown(&self) -> f64 {
        self.slowdowns.iter().map(|(_, f)| f).product()
    }
    /// Whether an active firewall block refuses `source`.
    pub fn blocks(&self, source: NodeId) -> bool {
        self.blocks
            .iter()
            .any(|(_, s)| s.is_empty() || s.contains(&source))
    }
}

/// Every node's fault conditions.
#[derive(Clone, Debug)]
pub struct FaultState {
    /// Indexed by node.
    pub nodes: Vec<NodeFaults>,
    /// `dnssec_failure` in force, by domain.
    pub dnssec_bogus: Vec<u32>,
}

impl FaultState {
    /// No fault in force.
    pub fn new(sc: &Scenario) -> FaultState {
        FaultState {
            nodes: vec![NodeFaults::default(); sc.nodes.len()],
            dnssec_bogus: vec![0; sc.domains.len()],
        }
    }

    /// Switches a node fault (or a DNSSEC failure) on or off. DNS and MX faults are DNS's
    /// business and ignored here.
    pub fn apply(&mut self, index: u32, kind: &FaultKind, on: bool) {
        if let FaultKind::DnssecFailure { domain } = kind {
            let c = &mut self.dnssec_bogus[domain.index()];
            *c = if on { *c + 1 } else { c.saturating_sub(1) };
            return;
        }
        let Some(node) = kind.node() else { return };
        let f = &mut self.nodes[node.index()];
        let bump = |c: &mut u32| *c = if on { *c + 1 } else { c.saturating_sub(1) };
        match kind {
            FaultKind::ServerDown { .. } => bump(&mut f.down),
            FaultKind::ServiceUnavailable { .. } => bump(&mut f.unavailable),
            FaultKind::TlsUnavailable { .. } => bump(&mut f.tls_off),
            FaultKind::CertificateExpired { .. } => bump(&mut f.cert_expired),
            FaultKind::CertificateMismatch { .. } => bump(&mut f.cert_mismatch),
            FaultKind::TlsaMismatch { .. } => bump(&mut f.tlsa_mismatch),
            FaultKind::ConnectionDrop { probability, .. } => {
                toggle(&mut f.drops, index, *probability, on)
            }
            FaultKind::Slowdown { factor, .. } => toggle(&mut f.slowdowns, index, *factor, on),
            FaultKind::FirewallBlock { sources, .. } => {
                toggle(&mut f.blocks, index, sources.clone(), on)
            }
            FaultKind::DnsFailure { .. }
            | FaultKind::MxChange { .. }
            | FaultKind::DnssecFailure { .. } => {}
        }
    }
}

fn toggle<T>(list: &mut Vec<(u32, T)>, index: u32, value: T, on: bool) {
    if on {
        list.push((index, value));
    } else {
        list.retain(|(i, _)| *i != index);
    }
}
