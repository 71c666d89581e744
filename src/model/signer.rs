//! Who may sign a grant's AuthSig when it is not a wallet: `signer pkp "0x<eth address>"` and
//! the Lit Actions allowed to authorize the session, `auth-action "<IPFS CID>"`.
//!
//! Rules and their sources:
//!
//! 1. A PKP / Lit Action session's AuthSig is written and BLS-signed by the nodes
//!    (`derivedVia: lit.bls`); its SIWE address and JSON `address` are the PKP's Ethereum
//!    address (js-sdk v7 `signSessionKey`: `walletAddress: computeAddress(pkpPublicKey)`).
//!    The policy names that address: `0x` and 40 hex digits, EIP-55 checksummed when it is
//!    written in mixed case (EIP-55: all-lowercase or all-uppercase carries no checksum).
//! 2. The Lit Actions that authorized the session are the auth context's `actionIpfsIds`
//!    (lit-peer `auth/resources.rs`; see [`crate::wire::auth_context`]): IPFS CIDs, compared
//!    as CIDs (a CIDv0 and its CIDv1 are one, [`crate::wire::cid`]). A CID here is CIDv0 (`Qm` and 44 base58btc digits, what the v7 SDK's
//!    `litActionIpfsId` takes) or CIDv1 in base32 (`b...`) or base58btc (`z...`).
//! 3. The signer kind is a word so that a misspelling gets a did-you-mean; `pkp` is the only
//!    kind (a wallet signer needs no line: it is the default).
//! 4. A capacity delegation is a wallet's `personal_sign`: SDK 7.4.0
//!    `createCapacityDelegationAuthSig` signs with its `dAppOwnerWallet`, the holder of the
//!    capacity-credit NFT (`generateAuthSig`, `derivedVia: web3.eth.personal.sign`, URI
//!    `lit:capability:delegation`), as auth-helpers 8.2.1 `createPaymentDelegationAuthSig` does
//!    with the payer's account; the network's `lit.bls` AuthSigs come from `signSessionKey`,
//!    for a session key. So `delegate --grant` refuses a grant with `signer pkp`
//!    ([`delegation_refusal`]): what it signs would never be that signer's.

use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::eth::{Address, AddressError};
use crate::syntax::ast::Spanned;

/// The signer kinds a grant may name.
pub const SIGNER_KINDS: [&str; 1] = ["pkp"];

/// `signer pkp "0x..."`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkpSigner {
    pub address: Address,
    /// The address as written.
    pub span: Span,
    /// The whole line.
    pub stmt_span: Span,
}

/// One `auth-action "<CID>"` line, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthAction {
    pub cid: String,
    pub span: Span,
}

/// Checks a `signer` line.
pub fn build_signer(
    kind: &Spanned<String>,
    address: &Spanned<String>,
    stmt_span: Span,
    diags: &mut Diagnostics,
) -> Option<PkpSigner> {
    if kind.value != "pkp" {
        let help = match crate::suggest::closest(&kind.value, SIGNER_KINDS) {
            Some(k) => format!("did you mean `{k}`? write `signer pkp \"0x<the PKP's Ethereum address>\"`; a wallet signer needs no `signer` line"),
            None => "the only signer kind is `pkp`: `signer pkp \"0x<the PKP's Ethereum address>\"`; a wallet signer needs no `signer` line".to_string(),
        };
        diags.push(
            Diagnostic::new(
                Code::UnknownSigner,
                format!("unknown signer kind `{}`", kind.value),
            )
            .at(kind.span, "unknown signer kind")
            .help(help),
        );
        return None;
    }
    match parse_pkp_address(&address.value) {
        Ok(a) => Some(PkpSigner {
            address: a,
            span: address.span,
            stmt_span,
        }),
        Err(e) => {
            let (message, help) = match e {
                AddressError::Checksum { .. } => (
                    format!("`{}` fails its EIP-55 checksum", address.value),
                    "a letter's case is wrong, so a character is probably mistyped: copy the PKP's address again (`pkp.ethAddress`); written all in lowercase it carries no checksum".to_string(),
                ),
                AddressError::Syntax(_) => (
                    format!("`{}` is not an Ethereum address", address.value),
                    address_help(&address.value),
                ),
            };
            diags.push(
                Diagnostic::new(Code::InvalidAddress, message)
                    .at(address.span, "not a PKP address")
                    .help(help),
            );
            None
        }
    }
}

/// `0x` and 40 hex digits; a mixed-case address must be EIP-55 checksummed.
pub fn parse_pkp_address(s: &str) -> Result<Address, AddressError> {
    let a = Address::parse_any_case(s)?;
    let digits = &s[2..];
    let mixed = digits.chars().any(|c| c.is_ascii_lowercase())
        && digits.chars().any(|c| c.is_ascii_uppercase());
    if mixed {
        Address::parse_checksummed(s)
    } else {
        Ok(a)
    }
}

fn address_help(s: &str) -> String {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    if hex.len() == 130 || hex.len() == 128 {
        "this looks like the PKP's public key; name the PKP by its Ethereum address (`pkp.ethAddress`, `0x` and 40 hex digits)".to_string()
    } else if hex.len() == 64 {
        "this looks like the PKP's token id (as in `lit-pkp://`); name the PKP by its Ethereum address (`pkp.ethAddress`, `0x` and 40 hex digits)".to_string()
    } else if !s.starts_with("0x") && hex.len() == 40 {
        format!("did you mean `0x{hex}`?")
    } else {
        "write the PKP's Ethereum address: `0x` and 40 hex digits (`pkp.ethAddress`)".to_string()
    }
}

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Whether a string has the shape of an IPFS CID (rule 2); `Err` says why not.
pub fn check_cid(cid: &str) -> Result<(), &'static str> {
    let base58 = |s: &str| s.chars().all(|c| BASE58.contains(c));
    if let Some(rest) = cid.strip_prefix("Qm") {
        return match (rest.len(), base58(rest)) {
            (44, true) => Ok(()),
            (44, false) => Err("a CIDv0 holds only base58 digits (no `0`, `O`, `I` or `l`)"),
            _ => Err("a CIDv0 is `Qm` and 44 base58 digits (46 characters)"),
        };
    }
    if let Some(rest) = cid.strip_prefix('b') {
        let base32 = rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c));
        return if base32 && rest.len() >= 50 {
            Ok(())
        } else {
            Err("a base32 CIDv1 is `b` and at least 50 lowercase base32 digits (`a`-`z`, `2`-`7`)")
        };
    }
    if let Some(rest) = cid.strip_prefix('z') {
        return if base58(rest) && rest.len() >= 40 {
            Ok(())
        } else {
            Err("a base58 CIDv1 is `z` and at least 40 base58 digits")
        };
    }
    Err("an IPFS CID starts with `Qm` (CIDv0) or `b`/`z` (CIDv1)")
}

/// `delegate --grant` of a grant naming `signer pkp` (rule 4): why not, at the signer line.
pub fn delegation_refusal(grant: &super::Grant) -> Option<Diagnostic> {
    let pkp = grant.signer.as_ref()?;
    let d = Diagnostic::new(
        Code::SignerNotPkp,
        format!(
            "grant `{}` names the PKP `{}` as its signer, but a capacity delegation is signed by the wallet that holds the credits",
            grant.name,
            pkp.address.to_checksum()
        ),
    )
    .at(pkp.stmt_span, "the grant's signer")
    .help("`createCapacityDelegationAuthSig` signs with its `dAppOwnerWallet` (`personal_sign`), not through the network's `signSessionKey`: describe the delegation in a grant without `signer pkp` and `auth-action` lines (a PKP that holds the credits signs like a wallet: `--signer-url URL --address 0x<the PKP>`)");
    Some(d)
}

/// Checks an `auth-action` line; a CID listed twice is a warning.
pub fn build_auth_action(
    cid: &Spanned<String>,
    earlier: &[AuthAction],
    diags: &mut Diagnostics,
) -> Option<AuthAction> {
    let value = cid.value.as_str();
    if let Err(why) = check_cid(value) {
        let bare = ["ipfs://", "/ipfs/", "lit-litaction://"]
            .iter()
            .find_map(|p| value.strip_prefix(p))
            .filter(|rest| check_cid(rest).is_ok());
        let help = match bare {
            Some(rest) => format!("did you mean `{rest}`? write the CID alone"),
            None => "write the Lit Action's IPFS CID, as the SDK's `litActionIpfsId` takes it (e.g. `QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA`)".to_string(),
        };
        diags.push(
            Diagnostic::new(
                Code::InvalidCid,
                format!("`{value}` is not an IPFS CID: {why}"),
            )
            .at(cid.span, "not a CID")
            .help(help),
        );
        return None;
    }
    if let Some(first) = earlier
        .iter()
        .find(|a| crate::wire::cid::same_cid(&a.cid, value))
    {
        let message = if first.cid == value {
            format!("auth-action `{value}` is listed twice")
        } else {
            format!(
                "auth-action `{value}` is listed twice: `{}` is the same CID in another version",
                first.cid
            )
        };
        diags.push(
            Diagnostic::new(Code::DuplicateCapability, message)
                .at(cid.span, "listed again here")
                .related(first.span, "first listed here")
                .help("remove one"),
        );
        return None;
    }
    Some(AuthAction {
        cid: value.to_string(),
        span: cid.span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Spanned<String> {
        Spanned::new(v.to_string(), Span::default())
    }

    #[test]
    fn addresses() {
        let pkp = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
        assert!(parse_pkp_address(pkp).is_ok());
        assert!(parse_pkp_address(&pkp.to_ascii_lowercase()).is_ok());
        assert!(parse_pkp_address(&format!("0x{}", pkp[2..].to_ascii_uppercase())).is_ok());
        // One letter's case changed: the checksum fails.
        let typo = pkp.replacen("E7E", "e7E", 1);
        assert!(matches!(
            parse_pkp_address(&typo),
            Err(AddressError::Checksum { .. })
        ));
        let mut d = Diagnostics::new();
        assert!(build_signer(&s("pkp"), &s(&typo), Span::default(), &mut d).is_none());
        assert_eq!(d.0[0].code, Code::InvalidAddress);
        let mut d = Diagnostics::new();
        assert!(build_signer(&s("pkp"), &s(&pkp[2..]), Span::default(), &mut d).is_none());
        assert!(
            d.0[0].help.as_deref().unwrap().contains(pkp),
            "{:?}",
            d.0[0]
        );
        let mut d = Diagnostics::new();
        assert!(build_signer(&s("pkpp"), &s(pkp), Span::default(), &mut d).is_none());
        assert_eq!(d.0[0].code, Code::UnknownSigner);
        assert!(d.0[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `pkp`"));
    }

    #[test]
    fn cids() {
        assert!(check_cid("QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA").is_ok());
        assert!(check_cid("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi").is_ok());
        assert!(check_cid("QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1Pr").is_err());
        assert!(check_cid("QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1Pr0").is_err());
        assert!(check_cid("hello").is_err());
        let mut d = Diagnostics::new();
        let cid = s("ipfs://QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA");
        assert!(build_auth_action(&cid, &[], &mut d).is_none());
        assert_eq!(d.0[0].code, Code::InvalidCid);
        assert!(d.0[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `QmY3"));
        let ok = s("QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA");
        let first = build_auth_action(&ok, &[], &mut d).unwrap();
        assert!(build_auth_action(&ok, std::slice::from_ref(&first), &mut d).is_none());
        assert_eq!(d.0.last().unwrap().code, Code::DuplicateCapability);
        // The same action by its CIDv1 is listed twice too.
        let v1 = s("bafybeieqi2usvgfavoxwbh6bqjv5riwjhw736s6gyhkehl3vskomqe45xm");
        assert!(build_auth_action(&v1, &[first], &mut d).is_none());
        assert!(d.0.last().unwrap().message.contains("another version"));
    }
}
