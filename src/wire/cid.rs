//! IPFS CIDs as one identity: a CIDv0 (`Qm…`) and the CIDv1 of the same content (`bafy…`)
//! name the same Lit Action, so `auth-action` lines and an auth context's `actionIpfsIds` are
//! compared by their binary CIDv1 ([`same_cid`]), not as strings.
//!
//! Rules and their sources (multiformats/cid `README.md`, "Decoding Algorithm"):
//!
//! 1. a string of 46 characters starting with `Qm` is a CIDv0: base58btc of a multihash, with
//!    codec dag-pb (0x70) and version 0 implied; its CIDv1 is `0x01 0x70 <multihash>`;
//! 2. any other string is multibase: `b` base32 (RFC 4648 lowercase, no padding), `z`
//!    base58btc; the bytes are `<version varint = 1><codec varint><multihash>`, the multihash
//!    `<code varint><length varint><digest of that length>`, nothing after it;
//! 3. two CIDs are the same when their CIDv1 bytes are; a string that does not decode is
//!    compared as written (the shape check, `model::signer::check_cid`, reports it).
//!
//! Base58btc and base32 are written out here (a few lines each) rather than adding a crate.

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// The multicodec of dag-pb, what a CIDv0 implies.
const DAG_PB: u64 = 0x70;

/// Base58btc digits to bytes (leading `1`s are leading zero bytes); `None` for another digit.
fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes() {
        let mut carry = BASE58.iter().position(|&d| d == c)? as u32;
        // `out` is little-endian base 256: multiply by 58, add the digit.
        for byte in out.iter_mut() {
            carry += (*byte as u32) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    out.extend(std::iter::repeat_n(0, zeros));
    out.reverse();
    Some(out)
}

/// RFC 4648 base32, lowercase, without padding; `None` for another digit or bits left over.
fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        acc = (acc << 5) | BASE32.iter().position(|&d| d == c)? as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A canonical encoding leaves only zero bits, fewer than 5.
    (bits < 5 && acc == 0).then_some(out)
}

/// RFC 4648 base32, lowercase, without padding.
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(BASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// An unsigned LEB128 varint (multiformats `unsigned-varint`, at most 9 bytes) and the rest.
fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        value |= ((b & 0x7f) as u64) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// Whether `bytes` is exactly one multihash (rule 2).
fn is_multihash(bytes: &[u8]) -> bool {
    let Some((_code, rest)) = varint(bytes) else {
        return false;
    };
    matches!(varint(rest), Some((len, digest)) if digest.len() as u64 == len)
}

/// The binary CIDv1 of a CID string (rules 1 and 2); `None` when it does not decode.
pub fn cid_v1_bytes(cid: &str) -> Option<Vec<u8>> {
    if cid.len() == 46 && cid.starts_with("Qm") {
        let multihash = base58_decode(cid)?;
        if multihash.len() != 34 || multihash[..2] != [0x12, 0x20] {
            return None;
        }
        let mut v1 = vec![0x01, DAG_PB as u8];
        v1.extend_from_slice(&multihash);
        return Some(v1);
    }
    let bytes = match cid.as_bytes().first()? {
        b'b' => base32_decode(&cid[1..])?,
        b'z' => base58_decode(&cid[1..])?,
        _ => return None,
    };
    let (version, rest) = varint(&bytes)?;
    let (_codec, multihash) = varint(rest)?;
    (version == 1 && is_multihash(multihash)).then_some(bytes)
}

/// The CIDv1 of a CID in base32 (`bafy…` for dag-pb sha2-256), as `ipfs cid format -v 1 -b
/// base32` writes it; `None` when it does not decode.
pub fn to_v1_base32(cid: &str) -> Option<String> {
    cid_v1_bytes(cid).map(|b| format!("b{}", base32_encode(&b)))
}

/// Whether two CID strings name the same content (rule 3).
pub fn same_cid(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (cid_v1_bytes(a), cid_v1_bytes(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A public v0/v1 pair of the same content (MetaMask controllers `src/util.test.ts`,
    // `IPFS_CID_V0` / `IPFS_CID_V1`), confirmed by an independent conversion (Python's
    // `base64.b32encode` of `0x01 0x70` and the base58-decoded multihash).
    const V0: &str = "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n";
    const V1: &str = "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    // The Lit Action of the BLS vectors, and its CIDv1 (same independent conversion).
    const ACTION_V0: &str = "QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA";
    const ACTION_V1: &str = "bafybeieqi2usvgfavoxwbh6bqjv5riwjhw736s6gyhkehl3vskomqe45xm";

    #[test]
    fn a_v0_and_its_v1_are_the_same_cid() {
        assert_eq!(to_v1_base32(V0).as_deref(), Some(V1));
        assert_eq!(to_v1_base32(V1).as_deref(), Some(V1));
        assert!(same_cid(V0, V1) && same_cid(V1, V0));
        assert!(same_cid(ACTION_V0, ACTION_V1));
        assert!(!same_cid(V0, ACTION_V1));
        assert!(!same_cid(ACTION_V0, V1));
    }

    #[test]
    fn base58btc_v1_and_raw_codec() {
        // The CID spec's example: base58btc CIDv1, codec raw (0x55), sha2-256.
        let z = "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA";
        let bytes = cid_v1_bytes(z).unwrap();
        assert_eq!(&bytes[..4], &[0x01, 0x55, 0x12, 0x20]);
        assert_eq!(
            hex::encode(&bytes[4..]),
            "6e6ff7950a36187a801613426e858dce686cd7d7e3c0fc42ee0330072d245c95"
        );
        // Same digest, other codec: another CID.
        let mut dag_pb = bytes.clone();
        dag_pb[1] = 0x70;
        assert!(!same_cid(z, &format!("b{}", base32_encode(&dag_pb))));
        assert!(same_cid(z, &format!("b{}", base32_encode(&bytes))));
    }

    #[test]
    fn what_does_not_decode_is_compared_as_written() {
        for bad in [
            "",
            "Qm",
            "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR10", // `0` is no base58 digit
            "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv", // bits left over
            "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvy", // digest cut short
            "bAFY",
            "hello",
        ] {
            assert_eq!(cid_v1_bytes(bad), None, "{bad}");
            assert!(!same_cid(bad, V1), "{bad}");
        }
        assert!(same_cid("hello", "hello"));
    }

    #[test]
    fn base32_round_trips() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
        }
    }
}
