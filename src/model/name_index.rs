//! Name → position tables for the policy's grants and sessions, keeping 4 bytes a slot instead
//! of a copy of every name (issue #13: a `HashMap<String, usize>` of 100k session names was
//! about 12 MiB of the model).
//!
//! Rules: an open-addressing table (linear probing, at most half full) of positions into the
//! list that holds the names; the caller passes the lookup of a position's name, so the names
//! are stored once. Each slot also keeps 32 bits of its name's hash: a probe reads a name only
//! when those match, and growing re-places the slots without reading any (issue #13: at 100k
//! sessions each read of a name was two cache misses, the list's entry and the string). Hashing is a multiply-rotate hash (FxHash's step, 8 bytes at a time) seeded
//! per table from std's `RandomState`: SipHash was 4% of `check`'s time. The table is derived
//! from the list, so it takes no part in comparisons.

use std::hash::BuildHasher;

const EMPTY: u32 = u32::MAX;

/// A position (`EMPTY`: none) and the low 32 bits of its name's hash.
#[derive(Clone, Copy, Debug)]
struct Slot {
    pos: u32,
    hash: u32,
}

const EMPTY_SLOT: Slot = Slot {
    pos: EMPTY,
    hash: 0,
};

#[derive(Clone, Debug, Default)]
pub(super) struct NameIndex {
    /// A power of two long (the low bits of a hash are its first slot).
    slots: Box<[Slot]>,
    len: usize,
    seed: u64,
}

impl PartialEq for NameIndex {
    fn eq(&self, _: &NameIndex) -> bool {
        true
    }
}

impl NameIndex {
    /// A table for about `n` names.
    pub(super) fn with_capacity(n: usize) -> NameIndex {
        NameIndex {
            slots: vec![EMPTY_SLOT; (2 * n).next_power_of_two().max(8)].into_boxed_slice(),
            len: 0,
            seed: new_seed(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The position of `name`, where `name_of` gives the name at a position.
    pub(super) fn get<'a>(&self, name: &str, name_of: impl Fn(usize) -> &'a str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let hash = self.hash(name);
        let mut at = hash as usize & mask;
        loop {
            match self.slots[at] {
                Slot { pos: EMPTY, .. } => return None,
                Slot { pos, hash: h } if h == hash && name_of(pos as usize) == name => {
                    return Some(pos as usize)
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Records `pos` for `name` (not already in the table).
    pub(super) fn insert(&mut self, name: &str, pos: usize) {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let Ok(pos) = u32::try_from(pos) else {
            return;
        };
        self.place(self.hash(name), pos);
        self.len += 1;
    }

    fn hash(&self, name: &str) -> u32 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
        let bytes = name.as_bytes();
        let mut chunks = bytes.chunks_exact(8);
        let mut h = self.seed;
        for c in chunks.by_ref() {
            h = step(
                h,
                u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
            );
        }
        let tail = chunks
            .remainder()
            .iter()
            .rev()
            .fold(bytes.len() as u64, |w, &b| (w << 8) | u64::from(b));
        h = step(h, tail);
        (h ^ (h >> 32)) as u32
    }

    fn place(&mut self, hash: u32, pos: u32) {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at].pos != EMPTY {
            at = (at + 1) & mask;
        }
        self.slots[at] = Slot { pos, hash };
    }

    /// Doubles the table. A table is at most 2^31 slots long here (positions are 32-bit and it
    /// is at most half full), so the stored 32 bits place every slot.
    fn grow(&mut self) {
        let size = (2 * self.slots.len()).max(8);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; size].into_boxed_slice());
        for slot in old.iter().copied().filter(|s| s.pos != EMPTY) {
            self.place(slot.hash, slot.pos);
        }
    }
}

fn new_seed() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(0x6c69_7463_6170_u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_and_grows() {
        let names: Vec<String> = (0..1000).map(|i| format!("s{i}")).collect();
        let mut index = NameIndex::default();
        assert!(index.is_empty() && index.get("s1", |i| &names[i]).is_none());
        for (i, n) in names.iter().enumerate() {
            index.insert(n, i);
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.get(n, |i| &names[i]), Some(i));
        }
        assert_eq!(index.get("s1000", |i| &names[i]), None);
        let sized = NameIndex::with_capacity(3);
        assert_eq!(sized.get("x", |i| &names[i]), None);
    }
}
