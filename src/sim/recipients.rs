//! Messages with several recipients: their mailbox locations at creation, the split into
//! copies where the recipients' next hops differ (as Exchange Online splits cloud and
//! on-premises recipients of one domain), and the split into deliveries of at most as many
//! recipients as the sender sends together (Postfix `default_destination_recipient_limit` 50)
//! and the receiver accepts (Exchange Online 200 from one domain, Exchange Server 5,000 on its
//! default receive connector, Postfix `smtpd_recipient_limit` 1,000; sources §1.4, §2.2, §3.2).
//!
//! A copy counts as a message from then on (`generated`, and `split` says how many of those
//! were made by splitting), so `generated = delivered + ndr + quarantined + in_flight` holds
//! for copies; recipients are counted apart and are conserved too.

use super::engine::Engine;
use super::hop::draw_mailbox;
use super::message::{COUNTED, MULTI};
use super::routing::{Decision, QueueTarget};

/// Recipient counts by mailbox location: `(location, recipients)`.
pub(crate) type Groups = Vec<(u16, u16)>;

impl Engine<'_> {
    /// Draws the mailbox locations of `count` recipients of `domain` for stream `s`, grouped;
    /// returns the first location and, when they differ, every group.
    pub(crate) fn draw_recipients(
        &mut self,
        s: usize,
        domain: u16,
        count: u16,
    ) -> (u16, Option<Groups>) {
        let rng = &mut self.rng.attributes[s];
        let mut groups: Groups = Vec::new();
        for _ in 0..count {
            let loc = draw_mailbox(self.sc, domain as usize, rng, true);
            match groups.iter_mut().find(|g| g.0 == loc) {
                Some(g) => g.1 += 1,
                None => groups.push((loc, 1)),
            }
        }
        let first = groups.first().map_or(super::message::UNKNOWN, |g| g.0);
        (first, (groups.len() > 1).then_some(groups))
    }

    /// Counts a copy of counted message `id` made from it (a split): in the totals and in
    /// its stream's and recipient domain's fates.
    fn count_copy(&mut self, id: u32) {
        let m = self.msgs.get(id);
        if m.has(COUNTED) {
            let s = m.stream as usize;
            self.obs.total.generated += 1;
            self.obs.total.split += 1;
            if let Some(st) = self.obs.streams.get_mut(s) {
                st.generated += 1;
                st.split += 1;
            }
            self.obs.in_flight += 1;
            // The copy has its own fate (delivered, NDR'd, quarantined or in flight) from the
            // original's creation on, as in the message totals above.
            if !m.has(super::message::IS_NDR) {
                let (domain, created) = (m.rcpt_domain, m.created);
                self.obs.message_created(s, domain, created);
            }
        }
    }

    /// Makes a copy of message `id` carrying `groups`; returns its id.
    fn copy_with(&mut self, id: u32, groups: Groups) -> u32 {
        let mut m = *self.msgs.get(id);
        m.flags &= !(MULTI | super::message::MARKED);
        let copy = self.msgs.insert(m);
        self.set_groups(copy, groups);
        self.count_copy(copy);
        copy
    }

    /// Gives message `id` these recipient groups.
    fn set_groups(&mut self, id: u32, groups: Groups) {
        let m = self.msgs.get_mut(id);
        m.location = groups.first().map_or(m.location, |g| g.0);
        m.rcpts = groups.iter().map(|g| g.1).sum::<u16>().max(1);
        if groups.len() > 1 {
            m.flags |= MULTI;
            self.groups.insert(id, groups);
        } else {
            m.flags &= !MULTI;
            self.groups.remove(&id);
        }
    }

    /// Takes the recipients at `location` out of message `id` (which has several recipient
    /// groups) into a copy of their own; returns the copy, if `id` had any there.
    pub(crate) fn split_off(&mut self, id: u32, location: u16) -> Option<u32> {
        let groups = self.groups.get(&id)?;
        let (take, keep): (Groups, Groups) = groups.iter().partition(|g| g.0 == location);
        if take.is_empty() {
            return None;
        }
        if keep.is_empty() {
            return None;
        }
        self.set_groups(id, keep);
        Some(self.copy_with(id, take))
    }

    /// Routes a message whose recipients are at several locations: one copy per distinct
    /// routing decision; returns the copies with their decisions (the first is `id` itself).
    pub(crate) fn split_by_route(&mut self, node: usize, id: u32) -> Vec<(u32, Decision)> {
        let groups = self.groups.remove(&id).unwrap_or_default();
        let mut by: Vec<(Decision, Groups)> = Vec::new();
        let mut probe = *self.msgs.get(id);
        for g in groups {
            probe.location = g.0;
            let d = self.routes.decide(node, &probe);
            match by.iter_mut().find(|(x, _)| *x == d) {
                Some((_, gs)) => gs.push(g),
                None => by.push((d, vec![g])),
            }
        }
        let mut out = Vec::with_capacity(by.len());
        for (i, (d, gs)) in by.into_iter().enumerate() {
            let cid = if i == 0 {
                self.set_groups(id, gs);
                id
            } else {
                self.copy_with(id, gs)
            };
            out.push((cid, d));
        }
        out
    }

    /// The most recipients one delivery from queue `q` may carry: the sender's own limit and,
    /// for a fixed next hop, what the receiver accepts per message.
    fn delivery_limit(&self, q: usize) -> u16 {
        let key = self.queues[q].key;
        let mut limit = self.sc.node(key.node).recipients_per_delivery;
        if let QueueTarget::Node(to) = key.target
            && let Some(r) = self.sc.node(to).inbound.max_recipients_per_message
        {
            limit = limit.min(r);
        }
        limit.clamp(1, u32::from(u16::MAX)) as u16
    }

    /// Splits message `id`, about to enter queue `q`, into deliveries of at most the queue's
    /// recipient limit; returns them (the first is `id` itself).
    pub(crate) fn split_for_delivery(&mut self, q: usize, id: u32) -> Vec<u32> {
        let limit = self.delivery_limit(q);
        let m = *self.msgs.get(id);
        if m.rcpts <= limit {
            return vec![id];
        }
        let groups = if m.has(MULTI) {
            self.groups.remove(&id).unwrap_or_default()
        } else {
            vec![(m.location, m.rcpts)]
        };
        let mut chunks: Vec<Groups> = vec![Vec::new()];
        let mut room = limit;
        for (loc, mut n) in groups {
            while n > 0 {
                if room == 0 {
                    chunks.push(Vec::new());
                    room = limit;
                }
                let take = n.min(room);
                if let Some(c) = chunks.last_mut() {
                    c.push((loc, take));
                }
                n -= take;
                room -= take;
            }
        }
        let mut out = Vec::with_capacity(chunks.len());
        for (i, gs) in chunks.into_iter().enumerate() {
            if i == 0 {
                self.set_groups(id, gs);
                out.push(id);
            } else {
                out.push(self.copy_with(id, gs));
            }
        }
        out
    }

    /// Frees message `id`'s slot and its recipient groups.
    pub(crate) fn free_message(&mut self, id: u32) {
        if self.msgs.get(id).has(MULTI) {
            self.groups.remove(&id);
        }
        self.msgs.remove(id);
    }
}
