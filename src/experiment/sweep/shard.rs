//! `--shard K/N`: which slice of the grid this process runs (1-based, round-robin so every
//! slice gets light and heavy points alike).

/// Slice `k` (1..=n) of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This slice, from 1.
    pub k: usize,
    /// Number of slices.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let fail = |what: &str| {
            format!(
                "--shard {s}: {what} (write `K/N` with K from 1 to N, e.g. `1/4`; from a 0-based \
                 index such as JOB_COMPLETION_INDEX pass `$((INDEX + 1))/N`)"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(|| fail("no `/`"))?;
        let k: usize = k.trim().parse().map_err(|_| fail("K is not a number"))?;
        let n: usize = n.trim().parse().map_err(|_| fail("N is not a number"))?;
        if n == 0 {
            return Err(fail("N must be at least 1"));
        }
        if k == 0 || k > n {
            return Err(fail(&format!("K must be between 1 and {n}")));
        }
        Ok(Shard { k, n })
    }

    /// Whether grid point `index` belongs to this slice.
    pub fn contains(&self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_the_grid_once() {
        let shards: Vec<Shard> = (1..=3)
            .map(|k| Shard::parse(&format!("{k}/3")).unwrap())
            .collect();
        for i in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.contains(i)).count(), 1);
        }
        assert!(Shard::parse("0/4").unwrap_err().contains("between 1 and 4"));
        assert!(Shard::parse("5/4").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("a").is_err());
    }
}
