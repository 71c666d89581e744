//! ed25519 `verify_strict` for many signatures by few session keys, with the verdicts of
//! ed25519-dalek 2.2.0 `VerifyingKey::verify_strict` (the version in `Cargo.lock`) and the
//! per-key work done once per key instead of once per signature.
//!
//! What `verify_strict` checks (ed25519-dalek 2.2.0 source), and where each check is here:
//! - The key: `VerifyingKey::from_bytes` (`src/verifying.rs` 165-173) keeps the 32 bytes as
//!   given and their decompression (`CompressedEdwardsY::decompress`, curve25519-dalek 4.1.3
//!   `src/edwards.rs` 194). Here: [`PreparedKey::new`], the same two, once per key.
//! - `s`: `InternalSignature::try_from` → `check_scalar` (`src/signature.rs` 91-96, the
//!   `legacy_compatibility` feature being off): `s < ℓ`. Here: the same call.
//! - `R` decompresses (`src/verifying.rs` 365-368), and neither `R` nor the key is of small
//!   order (line 370, `is_small_order` = `[8]P = 0`, curve25519-dalek `src/edwards.rs` 1227).
//!   The key's half is decided once per key; `R`'s is below.
//! - `k = SHA-512(R ‖ A ‖ M)` over the signature's `R` bytes, the key's bytes as given and the
//!   message (`src/verifying.rs` 524-545), `R' = [k](-A) + [s]B`
//!   (`vartime_double_scalar_mul_basepoint`, 547-553), and `compress(R')` equal to the
//!   signature's `R` bytes (374-379). Here: the same hash and the same equation; `R'` is the
//!   same group element whichever way it is computed (see `comb.rs`), and `compress`
//!   is canonical.
//!
//! One reordering, and why it keeps the verdicts: `R` is not decompressed. If
//! `compress(R') = R` then `R` is the canonical encoding of the point `R'`, so `R` decompresses
//! (to `R'`) and `R` is of small order exactly when `R'` is: checking `R'` after the equation
//! gives `verify_strict`'s verdict. And `R'` is of small order exactly when its canonical
//! encoding, `R`, is one of the eight points of order dividing 8 (curve25519-dalek's
//! `EIGHT_TORSION`, compressed): `compress` is one-to-one, so the check is a comparison of `R`
//! with eight encodings instead of `is_small_order`'s three doublings. If `compress(R') ≠ R`, `verify_strict` fails too (at the
//! decompression, the small-order check or the equation). Every failure is one verdict here
//! (`false`), as the caller reports every `verify_strict` error as one.
//!
//! Per-key work, kept in a bounded per-thread cache: the decompression and small-order check
//! of the key, and, from a key's `COMB_FROM`th signature on, a comb table for `-A` (64 rows of
//! 8 multiples, 80 KB) that replaces the 256 doublings of the double-scalar multiplication by
//! 64 + 32 additions (with the basepoint's process-wide table). Building a key's table costs
//! about as much as 6 to 10 verifications, hence the threshold: a key that signs one to three
//! entries (one map's worth) never pays for it. The table is built before the signature that
//! reaches the threshold is checked, so that signature already uses it.

use super::comb::Comb;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use ed25519_dalek::Signature;
use sha2::{Digest, Sha512};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

/// The signature of one key (counting from 1) that is checked with its comb table, built for it.
const COMB_FROM: u32 = 4;
/// Keys (with or without a table) one thread remembers; more clear the cache.
const MAX_KEYS: usize = 4096;
/// Key tables one thread keeps (80 KB each); more drop the oldest.
const MAX_COMBS: usize = 32;

/// The basepoint's table (window 8: 32 rows of 128 multiples, 640 KB), built on first use.
fn basepoint_comb() -> &'static Comb {
    static TABLE: OnceLock<Comb> = OnceLock::new();
    TABLE.get_or_init(|| Comb::new(&ED25519_BASEPOINT_POINT, 8))
}

/// The canonical encodings of the eight points of small order (`[8]P = 0`).
fn small_order_encodings() -> &'static [[u8; 32]; 8] {
    static ENCODINGS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    ENCODINGS.get_or_init(|| EIGHT_TORSION.map(|t| t.compress().to_bytes()))
}

/// A session key ready to check signatures: what `VerifyingKey::from_bytes` keeps, whether
/// it is of small order, and once it has signed enough, its comb table.
pub struct PreparedKey {
    /// The key's bytes as given: the challenge hashes them (not a re-encoding).
    bytes: [u8; 32],
    minus_a: EdwardsPoint,
    small_order: bool,
    checked: u32,
    comb: Option<Box<Comb>>,
}

impl PreparedKey {
    /// `None` where `VerifyingKey::from_bytes` fails: no curve point has these bytes.
    pub fn new(bytes: &[u8; 32]) -> Option<PreparedKey> {
        let a = CompressedEdwardsY(*bytes).decompress()?;
        Some(PreparedKey {
            bytes: *bytes,
            minus_a: -a,
            small_order: a.is_small_order(),
            checked: 0,
            comb: None,
        })
    }

    /// The key with its comb table built now (as [`verify_strict`] does for its
    /// [`COMB_FROM`]th signature; benches and tests force it).
    pub fn with_table(mut self) -> PreparedKey {
        if !self.small_order && self.comb.is_none() {
            self.comb = Some(Box::new(Comb::new(&self.minus_a, 4)));
        }
        self
    }

    /// `verify_strict(message, signature).is_ok()`, computing `[k](-A)` with the key's table
    /// once it has one.
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*signature.s_bytes()))
        else {
            return false;
        };
        if self.small_order {
            return false;
        }
        let r = signature.r_bytes();
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(self.bytes)
                .chain_update(message),
        );
        let expected_r = match &self.comb {
            // One sum: `[s]B`'s first entry is not added to the identity, and `[k](-A)`'s
            // entries are added onto `[s]B` (`Comb::mul_add`).
            Some(comb) => comb
                .mul_add(&k, basepoint_comb().mul_add(&s, None))
                .unwrap_or_else(EdwardsPoint::identity),
            None => EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &self.minus_a, &s),
        };
        // `R` is `R'`'s encoding, so `R'` is of small order exactly when `R` is one of theirs.
        expected_r.compress().as_bytes() == r && !small_order_encodings().contains(r)
    }
}

/// One thread's prepared keys (`None`: not a key), and the order their tables were built in.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<[u8; 32], Option<PreparedKey>>,
    combs: VecDeque<[u8; 32]>,
}

thread_local! {
    static KEYS: RefCell<KeyCache> = RefCell::new(KeyCache::default());
}

/// `f` with the thread's key cache, made room in for `bytes` (cleared once it holds
/// [`MAX_KEYS`] other keys).
fn with_cache<T>(bytes: &[u8; 32], f: impl FnOnce(&mut KeyCache) -> T) -> T {
    KEYS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.keys.len() >= MAX_KEYS && !cache.keys.contains_key(bytes) {
            cache.keys.clear();
            cache.combs.clear();
        }
        f(&mut cache)
    })
}

/// Whether `VerifyingKey::from_bytes(bytes)` succeeds (the key is then prepared for
/// [`verify_strict`]).
pub fn is_public_key(bytes: &[u8; 32]) -> bool {
    with_cache(bytes, |cache| {
        cache
            .keys
            .entry(*bytes)
            .or_insert_with(|| PreparedKey::new(bytes))
            .is_some()
    })
}

/// `VerifyingKey::from_bytes(key)` and then `verify_strict(message, signature)`, both `Ok`:
/// the key prepared once per thread, and its `COMB_FROM`th signature checked with its new
/// table.
pub fn verify_strict(key: &[u8; 32], message: &[u8], signature: &Signature) -> bool {
    with_cache(key, |cache| {
        let wants_table = match cache
            .keys
            .entry(*key)
            .or_insert_with(|| PreparedKey::new(key))
        {
            None => return false,
            Some(prepared) => {
                prepared.checked = prepared.checked.saturating_add(1);
                prepared.comb.is_none() && prepared.checked >= COMB_FROM && !prepared.small_order
            }
        };
        if wants_table {
            build_table(cache, key);
        }
        cache
            .keys
            .get(key)
            .and_then(Option::as_ref)
            .is_some_and(|prepared| prepared.verify_strict(message, signature))
    })
}

/// Gives `key` its table; once the thread holds [`MAX_COMBS`], the oldest key's table is
/// dropped and its memory reused (not an 80 KB allocation and free per key).
fn build_table(cache: &mut KeyCache, key: &[u8; 32]) {
    let KeyCache { keys, combs } = cache;
    let recycled = if combs.len() >= MAX_COMBS {
        combs
            .pop_front()
            .and_then(|old| keys.get_mut(&old))
            .and_then(Option::as_mut)
            .and_then(|old| old.comb.take())
    } else {
        None
    };
    if let Some(Some(prepared)) = keys.get_mut(key) {
        let comb = match recycled {
            Some(mut table) => {
                table.rebuild(&prepared.minus_a);
                table
            }
            None => Box::new(Comb::new(&prepared.minus_a, 4)),
        };
        prepared.comb = Some(comb);
        combs.push_back(*key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
    use proptest::prelude::*;

    /// The eight torsion points: multiples of a point of order 8 (its encoding from
    /// "Taming the many EdDSAs", Chalkias et al. 2020, table 6).
    fn torsion() -> Vec<EdwardsPoint> {
        let t8 = CompressedEdwardsY(
            hex::decode("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
                .unwrap()
                .try_into()
                .unwrap(),
        )
        .decompress()
        .unwrap();
        let all: Vec<EdwardsPoint> = (0u8..8).map(|i| t8 * Scalar::from(i)).collect();
        let distinct: std::collections::HashSet<[u8; 32]> =
            all.iter().map(|t| t.compress().to_bytes()).collect();
        assert!(t8.is_small_order() && distinct.len() == 8);
        all
    }

    /// `verify_strict`'s verdict, and this module's with and without a comb table for the key.
    fn both(key: &[u8; 32], message: &[u8], sig: &Signature) -> (bool, bool, bool) {
        let dalek = VerifyingKey::from_bytes(key)
            .map(|k| k.verify_strict(message, sig).is_ok())
            .unwrap_or(false);
        let Some(prepared) = PreparedKey::new(key) else {
            return (dalek, false, false);
        };
        let plain = prepared.verify_strict(message, sig);
        let combed = prepared.with_table().verify_strict(message, sig);
        (dalek, plain, combed)
    }

    fn assert_same(key: &[u8; 32], message: &[u8], sig: &Signature) -> bool {
        let (dalek, plain, combed) = both(key, message, sig);
        assert_eq!((plain, combed), (dalek, dalek), "key {}", hex::encode(key));
        assert_eq!(verify_strict(key, message, sig), dalek);
        dalek
    }

    /// A signature whose `R` is `[r]B + T` and whose `s` makes the cofactorless equation hold
    /// for the key `A + T_key` when `-[k]T_key = T`: the mixed-order cases.
    fn forged(
        secret: &Scalar,
        key_bytes: &[u8; 32],
        nonce: &Scalar,
        r_torsion: &EdwardsPoint,
        message: &[u8],
    ) -> Signature {
        let r = (ED25519_BASEPOINT_POINT * nonce + r_torsion).compress();
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r.as_bytes())
                .chain_update(key_bytes)
                .chain_update(message),
        );
        let s = nonce + k * secret;
        Signature::from_components(*r.as_bytes(), *s.as_bytes())
    }

    #[test]
    fn small_order_encodings_are_the_small_order_points() {
        let encodings = small_order_encodings();
        for t in torsion() {
            assert!(t.is_small_order());
            assert!(encodings.contains(t.compress().as_bytes()));
        }
        let distinct: std::collections::HashSet<_> = encodings.iter().collect();
        assert_eq!(distinct.len(), 8);
        // A point of large order (and one with a torsion component) is not among them.
        let a = ED25519_BASEPOINT_POINT * Scalar::from(5u8);
        for p in [a, a + torsion()[1]] {
            assert!(!p.is_small_order());
            assert!(!encodings.contains(p.compress().as_bytes()));
        }
    }

    #[test]
    fn small_order_and_non_canonical_keys_and_r() {
        let message = b"m";
        for t in torsion() {
            let bytes = t.compress().to_bytes();
            // A small-order key fails every signature, a small-order R every key.
            let sig = Signature::from_components(bytes, [0; 32]);
            assert!(!assert_same(&bytes, message, &sig));
            let signer = SigningKey::from_bytes(&[3; 32]);
            let key = signer.verifying_key().to_bytes();
            assert!(!assert_same(&key, message, &sig));
        }
        // Non-canonical encodings (y ≥ p) that decompress: keys and R's.
        for y in 0u8..19 {
            let mut b = [0xff; 32];
            b[0] = 0xed + y;
            b[31] = 0x7f;
            let sig = Signature::from_components(b, [1; 32]);
            assert_same(&b, message, &sig);
            let key = SigningKey::from_bytes(&[5; 32]).verifying_key().to_bytes();
            assert!(!assert_same(&key, message, &sig));
        }
        // Bytes that are no point at all.
        let mut none = [0u8; 32];
        none[0] = 2;
        assert_eq!(
            PreparedKey::new(&none).is_none(),
            VerifyingKey::from_bytes(&none).is_err()
        );
        assert!(!is_public_key(&none) || VerifyingKey::from_bytes(&none).is_ok());
    }

    #[test]
    fn mixed_order_keys_pass_exactly_when_verify_strict_does() {
        let torsion = torsion();
        let (mut passed, mut failed) = (0, 0);
        for seed in 0u8..6 {
            let secret = Scalar::from_bytes_mod_order([seed + 1; 32]);
            let a = ED25519_BASEPOINT_POINT * secret;
            for t_key in &torsion {
                let key = (a + t_key).compress().to_bytes();
                for t_r in &torsion {
                    let nonce = Scalar::from_bytes_mod_order([seed + 40; 32]);
                    let sig = forged(&secret, &key, &nonce, t_r, b"mixed");
                    if assert_same(&key, b"mixed", &sig) {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                }
            }
        }
        // Both verdicts occur: the cases test something.
        assert!(passed > 0 && failed > 0, "{passed} passed, {failed} failed");
    }

    #[test]
    fn tables_dropped_and_reused_keep_the_verdicts() {
        // A fresh thread: an empty cache. More keys than tables kept, each past the threshold.
        std::thread::spawn(|| {
            let signers: Vec<SigningKey> = (0..MAX_COMBS as u8 + 3)
                .map(|i| SigningKey::from_bytes(&[i + 1; 32]))
                .collect();
            for round in 0..2 {
                for signer in &signers {
                    let key = signer.verifying_key().to_bytes();
                    for n in 0..COMB_FROM + 1 {
                        let message = [round, n as u8];
                        let sig = signer.sign(&message);
                        assert!(verify_strict(&key, &message, &sig));
                        assert!(!verify_strict(&key, &[round, n as u8, 0], &sig));
                    }
                }
            }
            KEYS.with(|cache| {
                let cache = cache.borrow();
                let tabled = cache.keys.values().flatten().filter(|k| k.comb.is_some());
                assert_eq!(tabled.count(), MAX_COMBS);
                assert_eq!(cache.combs.len(), MAX_COMBS);
            });
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_key_gets_its_table_for_its_fourth_signature() {
        // A fresh thread: an empty cache.
        std::thread::spawn(|| {
            let signer = SigningKey::from_bytes(&[77; 32]);
            let key = signer.verifying_key().to_bytes();
            let tabled = || {
                KEYS.with(|cache| {
                    cache.borrow().keys[&key]
                        .as_ref()
                        .is_some_and(|k| k.comb.is_some())
                })
            };
            // Checks 1 to COMB_FROM - 1 without a table (one of them a failing signature: it
            // counts too), the COMB_FROM-th and later with one.
            for n in 1..=COMB_FROM + 1 {
                let message = [n as u8; 3];
                let sig = signer.sign(&message);
                let verdict = if n == 2 {
                    verify_strict(&key, b"other", &sig)
                } else {
                    verify_strict(&key, &message, &sig)
                };
                assert_eq!(verdict, n != 2);
                assert_eq!(tabled(), n >= COMB_FROM, "after {n} checks");
            }
        })
        .join()
        .unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn same_verdicts_as_verify_strict(
            seed in any::<[u8; 32]>(),
            message in proptest::collection::vec(any::<u8>(), 0..200),
            flip in any::<(u8, u8)>(),
            tamper in 0u8..6,
        ) {
            let signer = SigningKey::from_bytes(&seed);
            let key = signer.verifying_key().to_bytes();
            let good = signer.sign(&message);
            prop_assert!(assert_same(&key, &message, &good));
            let mut bytes = good.to_bytes();
            let mut msg = message.clone();
            match tamper {
                // A flipped bit of R or s.
                0 => bytes[usize::from(flip.0) % 64] ^= 1 << (flip.1 % 8),
                // A changed message.
                1 => msg.push(flip.0),
                // s + ℓ: the same equation, a non-canonical s.
                2 => {
                    let s = Scalar::from_canonical_bytes(good.s_bytes().to_owned()).unwrap();
                    let mut wide = [0u8; 33];
                    let l = (-Scalar::ONE).to_bytes();
                    let mut carry = 1u16; // ℓ = (ℓ - 1) + 1
                    for i in 0..32 {
                        let v = u16::from(s.as_bytes()[i]) + u16::from(l[i]) + carry;
                        wide[i] = v as u8;
                        carry = v >> 8;
                    }
                    wide[32] = carry as u8;
                    if wide[32] == 0 {
                        bytes[32..].copy_from_slice(&wide[..32]);
                    }
                }
                // A torsion component added to R (and s unchanged).
                3 => {
                    let r = CompressedEdwardsY(*good.r_bytes()).decompress().unwrap();
                    let t = torsion()[usize::from(flip.0) % 8];
                    bytes[..32].copy_from_slice((r + t).compress().as_bytes());
                }
                // Another key's signature.
                4 => bytes = SigningKey::from_bytes(&[flip.0; 32]).sign(&message).to_bytes(),
                _ => {}
            }
            let sig = Signature::from_bytes(&bytes);
            let verdict = assert_same(&key, &msg, &sig);
            prop_assert_eq!(verdict, bytes == good.to_bytes() && msg == message);
        }
    }
}
