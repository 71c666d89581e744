//! An entry's `sig` read as an ed25519 signature, accepting exactly the strings
//! `ed25519::Signature::from_str` accepts (ed25519 2.2.3, the version in `Cargo.lock`,
//! `src/hex.rs` 52-86), without its per-pair `str::from_utf8` and `u8::from_str_radix`.
//!
//! Rules (`from_str`, in its order):
//! - exactly 128 bytes (`Signature::BYTE_SIZE * 2`);
//! - every byte an ASCII digit or letter, and the letters not of both cases (its first loop;
//!   a letter past `f`/`F` passes that loop but fails `from_str_radix`, so it fails too);
//! - each pair of hex digits one byte, most significant digit first (`from_str_radix(_, 16)`
//!   on two digits: no sign can occur, the first loop refused `+`);
//! - the 64 bytes are a signature (`try_from(&[u8])`, which takes any 64 bytes).
//!
//! So a string is accepted exactly when it has 128 bytes, each in `0-9a-fA-F`, not both a
//! lowercase and an uppercase letter among them.

use ed25519_dalek::Signature;

/// The signature `hex` spells, where `Signature::from_str(hex)` is `Ok`; `None` where it errs.
pub(super) fn signature_from_hex(hex: &str) -> Option<Signature> {
    let hex = hex.as_bytes();
    if hex.len() != Signature::BYTE_SIZE * 2 {
        return None;
    }
    let (mut lower, mut upper) = (false, false);
    let mut nibble = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => {
                lower = true;
                Some(c - b'a' + 10)
            }
            b'A'..=b'F' => {
                upper = true;
                Some(c - b'A' + 10)
            }
            _ => None,
        }
    };
    let mut bytes = [0u8; Signature::BYTE_SIZE];
    for (pair, byte) in hex.chunks_exact(2).zip(bytes.iter_mut()) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    if lower && upper {
        return None;
    }
    Some(Signature::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn same(hex: &str) {
        let theirs = Signature::from_str(hex).ok().map(|s| s.to_bytes());
        let ours = signature_from_hex(hex).map(|s| s.to_bytes());
        assert_eq!(ours, theirs, "{hex:?}");
    }

    #[test]
    fn fixed_cases() {
        let good = "570f55b121381ba4a27fc7a42933cfdde4d976cafacb5f29ea118eeecac21fdb99f8dad94bee18e53c585cf6a9187ad739174fd534c1229465efc1e1d83ce707";
        assert!(signature_from_hex(good).is_some());
        same(good);
        same(&good.to_uppercase());
        // Mixed case, a letter past `f` in either case, a sign, `0x`, lengths around 128,
        // whitespace, non-ASCII.
        let mut mixed = good.to_string();
        mixed.replace_range(0..1, "F");
        mixed.replace_range(3..4, "f");
        for bad in [
            mixed.clone(),
            good.replacen('a', "g", 1),
            good.to_uppercase().replacen('A', "G", 1),
            good.replacen('a', "z", 1),
            format!("+{}", &good[1..]),
            format!("0x{}", &good[2..]),
            good[..126].to_string(),
            format!("{good}00"),
            format!("{} ", &good[..127]),
            format!("é{}", &good[2..]),
            String::new(),
            "0".repeat(128),
            "F".repeat(128),
        ] {
            same(&bad);
        }
        // Digits only: no case at all.
        assert!(signature_from_hex(&"09".repeat(64)).is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn same_as_ed25519_from_str(
            bytes in any::<[u8; 32]>(),
            more in any::<[u8; 32]>(),
            at in 0usize..128,
            with in prop::sample::select(b"0123456789abcdefABCDEFgzGZ+- x\xc3".to_vec()),
            upper in any::<bool>(),
        ) {
            let mut hex = hex::encode([bytes, more].concat());
            if upper {
                hex = hex.to_uppercase();
            }
            same(&hex);
            let mut changed = hex.into_bytes();
            changed[at] = with;
            if let Ok(changed) = String::from_utf8(changed) {
                same(&changed);
            }
        }
    }
}
