//! Lints on a grant's `signer pkp` and `auth-action` lines (PKP and Lit Action sessions).
//!
//! Rules and their sources:
//!
//! 1. `pkp-without-auth-action`: with no `auth-action`, the policy accepts a session minted by
//!    any of the PKP's auth methods (the auth context's `authMethodContexts`) or by any Lit
//!    Action the PKP permits; naming the action limits who mints it. The nodes sign whatever
//!    the PKP's on-chain permissions allow (lit-peer `auth/resources.rs`).
//! 2. `auth-action-without-pkp`: only a network-signed (`lit.bls`) AuthSig carries an auth
//!    context; a wallet's AuthSig names no Lit Action, so the lines are never checked.
//! 3. `pkp-chain-id`: js-sdk v7 `getPkpSessionSigs` calls `signSessionKey` with `chainId: 1`
//!    whatever it is given, so every PKP AuthSig is for chain 1 and a grant for another chain
//!    fails `domain-mismatch` on each of them.
//! 4. `default-statement` does not apply to a PKP grant: no wallet shows the statement (the
//!    SDK writes "Lit Protocol PKP session signature" and its own words).

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Grant;

/// The signer lints of one grant.
pub fn signer_lints(grant: &Grant, d: &mut Diagnostics) {
    match &grant.signer {
        Some(pkp) => {
            if grant.auth_actions.is_empty() {
                d.push(
                    Diagnostic::new(
                        Code::PkpWithoutAuthAction,
                        format!(
                            "grant `{}` is for PKP `{}` but names no `auth-action`: a session minted by any of the PKP's auth methods or Lit Actions fits it",
                            grant.name,
                            pkp.address.to_checksum()
                        ),
                    )
                    .at(pkp.stmt_span, "no auth-action")
                    .help("add `auth-action \"<IPFS CID>\"` for each Lit Action allowed to authorize the session (`getLitActionSessionSigs`' `litActionIpfsId`), or `# litcap: allow(pkp-without-auth-action)` for a session authorized by auth methods alone"),
                );
            }
            if grant.chain_id != 1 {
                if let Some(span) = grant.chain_id_span {
                    d.push(
                        Diagnostic::new(
                            Code::PkpChainId,
                            format!(
                                "grant `{}` is for chain {}, but `getPkpSessionSigs` signs every PKP session for chain 1",
                                grant.name, grant.chain_id
                            ),
                        )
                        .at(span, "not chain 1")
                        .help("remove `chain-id` (or write `chain-id 1`): the SDK passes `chainId: 1` to `signSessionKey`, so each PKP AuthSig would fail `domain-mismatch`"),
                    );
                }
            }
        }
        // A `signer` line the model rejected is already an error.
        None if grant.signer_written => {}
        None => {
            if let Some(first) = grant.auth_actions.first() {
                d.push(
                    Diagnostic::new(
                        Code::AuthActionWithoutPkp,
                        format!(
                            "grant `{}` lists `auth-action` but has no `signer pkp`, so no AuthSig it judges carries an auth context",
                            grant.name
                        ),
                    )
                    .at(first.span, "never checked")
                    .help("add `signer pkp \"0x<the PKP's Ethereum address>\"` if the grant is for a PKP or Lit Action session, or remove the `auth-action` lines"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Code;

    fn codes(src: &str) -> Vec<Code> {
        let (file, diags) = crate::syntax::parser::parse(0, src);
        assert!(diags.is_empty(), "{diags:?}");
        let (policy, diags) = crate::model::build(&[file]);
        assert!(!diags.has_errors(), "{diags:?}");
        let mut d = crate::diag::Diagnostics::new();
        for g in &policy.grants {
            super::signer_lints(g, &mut d);
        }
        d.iter().map(|d| d.code).collect()
    }

    const PKP: &str = "signer pkp \"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\"\n";
    const ACTION: &str = "auth-action \"QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA\"\n";

    #[test]
    fn each_lint() {
        let g = |body: &str| format!("grant \"g\" {{\n domain \"a\"\n{body}}}\n");
        assert_eq!(codes(&g(PKP)), vec![Code::PkpWithoutAuthAction]);
        assert_eq!(codes(&g(&format!("{PKP}{ACTION}"))), vec![]);
        assert_eq!(codes(&g(ACTION)), vec![Code::AuthActionWithoutPkp]);
        assert_eq!(
            codes(&g(&format!("{PKP}{ACTION}chain-id 5\n"))),
            vec![Code::PkpChainId]
        );
        assert_eq!(codes(&g(&format!("{PKP}{ACTION}chain-id 1\n"))), vec![]);
    }
}
