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
use curve25519_dalek::traits::Identity;

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

    /// `[x]P`, for a reduced scalar `x` (`< ℓ`).
    pub(crate) fn mul(&self, x: &Scalar) -> EdwardsPoint {
        let half = 1usize << (self.window - 1);
        let mut acc = EdwardsPoint::identity();
        for (row, digit) in signed_digits(x, self.window).into_iter().enumerate() {
            let magnitude = digit.unsigned_abs() as usize;
            if magnitude == 0 {
                continue;
            }
            let entry = &self.multiples[row * half + magnitude - 1];
            acc = if digit > 0 { acc + entry } else { acc - entry };
        }
        acc
    }
}

/// The 256/w digits of `x` in `[-2^(w-1), 2^(w-1))`, least significant first, whose sum
/// `Σ d_j·2^(w·j)` is `x`.
fn signed_digits(x: &Scalar, window: u32) -> Vec<i16> {
    let bytes = x.as_bytes();
    debug_assert!(bytes[31] < 0x20, "a reduced scalar is below 2^253");
    let per_byte = 8 / window as usize;
    let mask = (1u16 << window) - 1;
    let mut digits: Vec<i16> = (0..256 / window as usize)
        .map(|j| {
            let shift = (j % per_byte) * window as usize;
            ((u16::from(bytes[j / per_byte]) >> shift) & mask) as i16
        })
        .collect();
    let half = 1i16 << (window - 1);
    let last = digits.len() - 1;
    for j in 0..last {
        let carry = (digits[j] + half) >> window;
        digits[j] -= carry << window;
        digits[j + 1] += carry;
    }
    // Below 2^253 the top digit is at most 2^(253 - 256 + w) plus a carry of 1: under 2^(w-1).
    debug_assert!(digits[last] < half);
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use proptest::prelude::*;

    fn point_of(seed: [u8; 32]) -> EdwardsPoint {
        ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(seed)
    }

    #[test]
    fn digits_sum_to_the_scalar() {
        let x = -Scalar::ONE; // ℓ - 1, the largest reduced scalar
        for window in [4, 8] {
            let sum = signed_digits(&x, window)
                .iter()
                .rev()
                .fold(Scalar::ZERO, |acc, &d| {
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
            }
        }
    }
}
