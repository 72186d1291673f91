//! Random streams: one master seed, one ChaCha8 stream per purpose and entity.
//!
//! A stream's seed depends on the master seed, the purpose and the entity's *name*, so adding a
//! node or a fault does not reshuffle other draws, and compared scenarios share random numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere in the engine.
pub type SimRng = ChaCha8Rng;

/// FNV-1a, stable across platforms and releases (unlike `std`'s hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64 finaliser: spreads nearby inputs over the whole range.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of the stream for `purpose` (e.g. `"service"`) and `entity` (e.g. a node name).
pub fn stream_seed(master: u64, purpose: &str, entity: &str) -> u64 {
    let h = fnv1a(purpose.as_bytes()) ^ fnv1a(entity.as_bytes()).rotate_left(17);
    mix(master ^ mix(h))
}

/// A generator for `purpose` and `entity` under `master`.
pub fn stream(master: u64, purpose: &str, entity: &str) -> SimRng {
    SimRng::seed_from_u64(stream_seed(master, purpose, entity))
}

/// The seed of replication `index` derived from the master seed (replication 0 is the master).
pub fn replication_seed(master: u64, index: u64) -> u64 {
    if index == 0 {
        master
    } else {
        mix(master ^ mix(index.wrapping_mul(0xa076_1d64_78bd_642f)))
    }
}

/// A uniform draw in [0, 1) with 53 random bits.
#[inline]
pub fn unit<R: rand::Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_purpose_and_entity_but_repeat_for_the_same_names() {
        let a = stream(7, "service", "eop").next_u64();
        assert_eq!(a, stream(7, "service", "eop").next_u64());
        assert_ne!(a, stream(7, "service", "onprem").next_u64());
        assert_ne!(a, stream(7, "latency", "eop").next_u64());
        assert_ne!(a, stream(8, "service", "eop").next_u64());
    }
}
