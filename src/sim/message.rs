//! Messages in flight, kept in a slab indexed by `u32`: memory grows with the messages in
//! flight, never with the messages finished.

use crate::time::SimTime;

/// Location value for a recipient that exists nowhere.
pub const UNKNOWN: u16 = u16::MAX;
/// `prev` value for a message submitted at its current node; `SUBMITTED + k` is a message
/// submitted by sender cohort `k` of that node (the internet's population of senders).
pub const SUBMITTED: u16 = 0xFF00;

/// Whether `prev` says the message was submitted at its current node (by any cohort).
#[inline]
pub fn is_submitted(prev: u16) -> bool {
    prev >= SUBMITTED
}
/// `stream` value of an NDR.
pub const NDR_STREAM: u16 = u16::MAX;

/// Flag: created after the warm-up, so it counts in the statistics.
pub const COUNTED: u16 = 1;
/// Flag: this message is an NDR (never NDR'd again).
pub const IS_NDR: u16 = 2;
/// Flag: a delay DSN was sent for it at its current node.
pub const DELAY_NOTIFIED: u16 = 4;
/// Flag: it arrived at its current node by MX (an anonymous internet session), not a connector.
pub const VIA_MX: u16 = 8;
/// Flag: its last transfer used TLS.
pub const TLS_USED: u16 = 16;
/// Flag: the spam filter at its current node quarantines it when service ends.
pub const QUARANTINE: u16 = 32;
/// Flag: this message is a delay notice (a DSN saying the original is still queued); like an
/// NDR it is never NDR'd itself.
pub const DELAY_DSN: u16 = 64;
/// Flag: this copy's recipients are at several locations (their groups are kept beside the
/// slab, in the engine's `groups`).
pub const MULTI: u16 = 128;
/// Flag: it was waiting in a delivery queue when a configuration change landed, and its
/// outcome is recorded for that change (the change is in the engine's `marked`).
pub const MARKED: u16 = 256;

/// One message (or one copy of a message split by routing) in flight: 40 bytes.
#[derive(Clone, Copy, Debug)]
pub struct Message {
    /// When it was created (latency is measured from here).
    pub created: SimTime,
    /// When it arrived at its current node (expiry and delay notices count from here).
    pub node_arrival: SimTime,
    /// Size in bytes.
    pub size: u32,
    /// Tags carried, one bit per `TagId`.
    pub tags: u32,
    /// Recipient domain (`DomainId`).
    pub rcpt_domain: u16,
    /// Sender domain (`DomainId`); rewritten by gateways.
    pub sender_domain: u16,
    /// Node holding the recipient's mailbox, or `UNKNOWN`.
    pub location: u16,
    /// Node it came from, or `SUBMITTED` (+ the cohort that submitted it).
    pub prev: u16,
    /// Traffic stream, or `NDR_STREAM`.
    pub stream: u16,
    /// Hops made so far.
    pub hops: u16,
    /// Recipients this copy carries (all in `rcpt_domain`).
    pub rcpts: u16,
    /// Bit flags (`COUNTED`, `IS_NDR`, …).
    pub flags: u16,
}

impl Message {
    /// Whether a flag is set.
    #[inline]
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// Slab of messages with a free list.
#[derive(Debug, Default)]
pub struct Slab {
    slots: Vec<Message>,
    free: Vec<u32>,
    live: usize,
    peak: usize,
}

impl Slab {
    /// Stores a message, reusing a freed slot when there is one.
    #[inline]
    pub fn insert(&mut self, m: Message) -> u32 {
        self.live += 1;
        self.peak = self.peak.max(self.live);
        if let Some(id) = self.free.pop() {
            self.slots[id as usize] = m;
            id
        } else {
            self.slots.push(m);
            (self.slots.len() - 1) as u32
        }
    }
    /// Frees a message's slot.
    #[inline]
    pub fn remove(&mut self, id: u32) {
        self.live -= 1;
        self.free.push(id);
    }
    /// The message with this id.
    #[inline]
    pub fn get(&self, id: u32) -> &Message {
        &self.slots[id as usize]
    }
    /// The message with this id, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: u32) -> &mut Message {
        &mut self.slots[id as usize]
    }
    /// Every message in flight, in slot order.
    pub fn iter_live(&self) -> impl Iterator<Item = &Message> {
        let mut free = vec![false; self.slots.len()];
        for &f in &self.free {
            free[f as usize] = true;
        }
        self.slots
            .iter()
            .zip(free)
            .filter(|(_, f)| !f)
            .map(|(m, _)| m)
    }

    /// Messages in flight now.
    pub fn live(&self) -> usize {
        self.live
    }
    /// Most messages in flight at once.
    pub fn peak(&self) -> usize {
        self.peak
    }
    /// Slots allocated (live + free), for memory accounting.
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }
    /// Bytes the slab holds allocated: slots and free list.
    pub fn allocated_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Message>()
            + self.free.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_takes_40_bytes_and_a_freed_slot_is_reused() {
        assert_eq!(std::mem::size_of::<Message>(), 40);
        let m = Message {
            created: SimTime(0),
            node_arrival: SimTime(0),
            size: 0,
            tags: 0,
            rcpt_domain: 0,
            sender_domain: 0,
            location: 0,
            prev: SUBMITTED,
            stream: 0,
            hops: 0,
            rcpts: 1,
            flags: 0,
        };
        let mut slab = Slab::default();
        let a = slab.insert(m);
        slab.insert(m);
        slab.remove(a);
        assert_eq!(slab.insert(m), a);
        assert_eq!((slab.live(), slab.peak()), (2, 2));
    }
}
