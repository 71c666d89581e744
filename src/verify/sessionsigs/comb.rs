//! Fixed-base scalar multiplication by a comb of precomputed multiples, for the points every
//! signature of a bulk `verify` multiplies: the basepoint `B` (one table per process) and
//! `-A` of a session key that signs many entries (one table per key, see
//! [`super::strict_verifier`]).
//!
//! Rules:
//! - A table for `P` with window `w` holds `d·2^(w·j)·P` for every window `j` (256/w of them)
//!   and every digit `d` in `1..=2^(w-1)`; `[x]P` is then the sum of one signed table entry
//!   per window: no doublings, 256/w additions.
//! - The digits are the scalar's radix-2^w digits recoded into `[-2^(w-1), 2^(w-1))`, as
//!   curve25519-dalek 4.1.3 `Scalar::as_radix_16` does for `w = 4` (`src/scalar.rs`, the
//!   carry loop of `as_radix_2w`). The recoding leaves no carry out of the top window when the
//!   scalar is below 2^253, which every reduced scalar (`< ℓ`) is.
//! - Additions are curve25519-dalek's complete twisted Edwards formulas (`EdwardsPoint +
//!   EdwardsPoint`, exact for every pair of curve points, torsion components included), so
//!   the sum is the group element `[x]P` itself, whatever the decomposition: its canonical
//!   encoding (`compress`) is the one every other method of computing `[x]P` gives.
//!
//! Why not curve25519-dalek's own `VartimeEdwardsPrecomputation`: in 4.1.3 it builds width-8
//! tables but reads the static scalars in width-5 NAF (`src/backend/serial/scalar_mul/
//! precomputed_straus.rs` and `src/backend/vector/scalar_mul/precomputed_straus.rs`,
//! `non_adjacent_form(5)`), with the same 256 doublings as `vartime_double_scalar_mul_basepoint`:
//! it measured no faster than the per-signature double-scalar multiplication
//! (`docs/benchmarks.md`, "Bulk verify: per-key precomputation").

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;

/// The multiples of one point a comb of window `w` adds up.
pub(crate) struct Comb {
    window: u32,
    /// Row `j` (`2^(w-1)` points): `d·2^(w·j)·P` for `d = 1..=2^(w-1)`.
    multiples: Vec<EdwardsPoint>,
}

impl Comb {
    /// The table of `point` for windows of `window` bits (4 or 8: windows never straddle a
    /// byte of the scalar).
    pub(crate) fn new(point: &EdwardsPoint, window: u32) -> Comb {
        debug_assert!(window == 4 || window == 8);
        let mut comb = Comb {
            window,
            multiples: Vec::with_capacity((256 / window as usize) << (window - 1)),
        };
        comb.rebuild(point);
        comb
    }

    /// The table of another point, in this table's memory and window.
    pub(crate) fn rebuild(&mut self, point: &EdwardsPoint) {
        let rows = 256 / self.window as usize;
        let half = 1usize << (self.window - 1);
        self.multiples.clear();
        let mut base = *point;
        for _ in 0..rows {
            let mut acc = base;
            self.multiples.push(acc);
            for _ in 1..half {
                acc += base;
                self.multiples.push(acc);
            }
            // The next row's base, 2^w·base, is twice this row's last entry 2^(w-1)·base.
            base = acc + acc;
        }
    }

    /// `[x]P`, for a reduced scalar `x` (`< ℓ`) (the tests' reference form of [`Comb::mul_add`]).
    #[cfg(test)]
    pub(crate) fn mul(&self, x: &Scalar) -> EdwardsPoint {
        use curve25519_dalek::traits::Identity;
        self.mul_add(x, None).unwrap_or_else(EdwardsPoint::identity)
    }

    /// `[x]P + acc` for a reduced scalar `x` (`< ℓ`), where `None` is the identity (and is
    /// returned for `[0]P + None`). The first entry is taken as it is, not added to the
    /// identity, and a caller summing two combs passes the first one's result as `acc`: the
    /// additions skipped are ones whose sum is known, so the result is the same group element.
    pub(crate) fn mul_add(&self, x: &Scalar, acc: Option<EdwardsPoint>) -> Option<EdwardsPoint> {
        let half = 1usize << (self.window - 1);
        let (digits, count) = signed_digits(x, self.window);
        let entry = |row: usize, digit: i16| {
            &self.multiples[row * half + digit.unsigned_abs() as usize - 1]
        };
        let mut rows = digits[..count].iter().enumerate().filter(|(_, &d)| d != 0);
        // The running sum, held in place (no `Option` moved per addition).
        let mut sum = match acc {
            Some(sum) => sum,
            None => {
                let (row, &digit) = rows.next()?;
                let first = entry(row, digit);
                if digit > 0 {
                    *first
                } else {
                    -first
                }
            }
        };
        for (row, &digit) in rows {
            if digit > 0 {
                sum += entry(row, digit);
            } else {
                sum -= entry(row, digit);
            }
        }
        Some(sum)
    }
}

/// The most digits a scalar has here (window 4).
const MAX_DIGITS: usize = 64;

/// The 256/w digits of `x` in `[-2^(w-1), 2^(w-1))`, least significant first, whose sum
/// `Σ d_j·2^(w·j)` is `x`, and their number (in an array: no allocation per signature).
fn signed_digits(x: &Scalar, window: u32) -> ([i16; MAX_DIGITS], usize) {
    let bytes = x.as_bytes();
    debug_assert!(bytes[31] < 0x20, "a reduced scalar is below 2^253");
    let count = 256 / window as usize;
    let per_byte = 8 / window as usize;
    let mask = (1u16 << window) - 1;
    let mut digits = [0i16; MAX_DIGITS];
    for (j, digit) in digits[..count].iter_mut().enumerate() {
        let shift = (j % per_byte) * window as usize;
        *digit = ((u16::from(bytes[j / per_byte]) >> shift) & mask) as i16;
    }
    let half = 1i16 << (window - 1);
    let last = count - 1;
    for j in 0..last {
        let carry = (digits[j] + half) >> window;
        digits[j] -= carry << window;
        digits[j + 1] += carry;
    }
    // Below 2^253 the top digit is at most 2^(253 - 256 + w) plus a carry of 1: under 2^(w-1).
    debug_assert!(digits[last] < half);
    (digits, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::traits::Identity;
    use proptest::prelude::*;

    fn point_of(seed: [u8; 32]) -> EdwardsPoint {
        ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(seed)
    }

    #[test]
    fn digits_sum_to_the_scalar() {
        let x = -Scalar::ONE; // ℓ - 1, the largest reduced scalar
        for window in [4, 8] {
            let (digits, count) = signed_digits(&x, window);
            let sum = digits[..count].iter().rev().fold(Scalar::ZERO, |acc, &d| {
                let d = if d >= 0 {
                    Scalar::from(d as u16)
                } else {
                    -Scalar::from((-d) as u16)
                };
                acc * Scalar::from(1u32 << window) + d
            });
            assert_eq!(sum, x);
        }
    }

    #[test]
    fn edge_scalars_and_sums() {
        let p = point_of([7; 32]);
        let r = point_of([9; 32]);
        for window in [4, 8] {
            let comb = Comb::new(&p, window);
            for x in [
                Scalar::ZERO,
                Scalar::ONE,
                -Scalar::ONE,
                Scalar::from(8u8),
                Scalar::from(128u8),
            ] {
                assert_eq!(comb.mul(&x).compress(), (p * x).compress());
                assert_eq!(
                    comb.mul_add(&x, Some(r)).map(|q| q.compress()),
                    Some((p * x + r).compress())
                );
                // -[x]P onto [x]P: the identity, whose encoding is canonical too.
                assert_eq!(
                    comb.mul_add(&x, Some(-(p * x))).map(|q| q.compress()),
                    Some(EdwardsPoint::identity().compress())
                );
            }
            assert!(comb.mul_add(&Scalar::ZERO, None).is_none());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn comb_is_scalar_multiplication(seed in any::<[u8; 32]>(), x in any::<[u8; 32]>()) {
            let p = point_of(seed);
            let x = Scalar::from_bytes_mod_order(x);
            for window in [4, 8] {
                let mut comb = Comb::new(&p, window);
                prop_assert_eq!(comb.mul(&x).compress(), (p * x).compress());
                let q = point_of(x.to_bytes());
                comb.rebuild(&q);
                prop_assert_eq!(comb.mul(&x).compress(), (q * x).compress());
                // Summed onto another point, and onto nothing.
                let r = point_of(seed.map(|b| b ^ 0x5a));
                prop_assert_eq!(
                    comb.mul_add(&x, Some(r)).map(|p| p.compress()),
                    Some((q * x + r).compress())
                );
                prop_assert_eq!(
                    comb.mul_add(&x, None).map(|p| p.compress()),
                    (x != Scalar::ZERO).then(|| (q * x).compress())
                );
            }
        }
    }
}
