//! `litcap explain --authsig FILE`: an AuthSig in words: who signed it (a wallet, or the Lit
//! network for a PKP), whether the signature holds, for which session key and how long, what
//! it grants, and for a PKP / Lit Action session (`lit.bls`) its auth context: which PKP,
//! which Lit Actions and which auth methods minted it.
//!
//! Rules and their sources: the verdicts are the fit engine's ([`crate::fit::inspect_with_key`],
//! [`crate::fit::judge_authsig`], [`crate::fit::judge_time`]); the auth context is the nodes'
//! (`lit-resolvedauthcontext://*`, [`crate::wire::auth_context`]); auth method type numbers are
//! the SDK's `AUTH_METHOD_TYPE` (js-sdk v7 `packages/constants/src/lib/constants/constants.ts`).

use crate::fit::{self, Finding};
use crate::profile::Profile;
use crate::time::Timestamp;
use crate::wire::auth_context::AuthContext;
use crate::wire::authsig::{AuthSig, AuthSigKind};
use crate::wire::bls::NetworkKey;
use serde_json::Value;

/// The explanation: its lines, and whether the AuthSig is usable (signature valid, within its
/// time window at `at`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSigExplanation {
    pub text: String,
    pub ok: bool,
}

/// The SDK's name of an auth method type (`AUTH_METHOD_TYPE`).
pub fn auth_method_name(t: u64) -> Option<&'static str> {
    Some(match t {
        1 => "EthWallet",
        2 => "LitAction",
        3 => "WebAuthn",
        4 => "Discord",
        5 => "Google",
        6 => "GoogleJwt",
        8 => "AppleJwt",
        9 => "StytchOtp",
        10 => "StytchEmailFactorOtp",
        11 => "StytchSmsFactorOtp",
        12 => "StytchWhatsAppFactorOtp",
        13 => "StytchTotpFactorOtp",
        _ => return None,
    })
}

/// The auth context in words, one line each (indented by the caller).
pub fn auth_context_lines(ctx: &AuthContext) -> Vec<String> {
    let mut out = Vec::new();
    if ctx.action_ipfs_ids.is_empty() {
        out.push("Lit Actions: none (an auth method of the PKP minted the session directly, `getPkpSessionSigs`)".to_string());
    } else {
        out.push(format!(
            "Lit Actions: {} (`getLitActionSessionSigs`: the action ran on the nodes and authorized the session)",
            ctx.action_ipfs_ids.join(", ")
        ));
    }
    let methods = ctx
        .raw
        .get("authMethodContexts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if methods.is_empty() {
        out.push("auth methods: none".to_string());
    }
    for m in &methods {
        let t = m.get("authMethodType").and_then(Value::as_u64);
        let name = match t {
            Some(t) => match auth_method_name(t) {
                Some(n) => format!("{n} (type {t})"),
                None => format!("type {t}"),
            },
            None => "an auth method of unknown type".to_string(),
        };
        let mut line = format!("auth method: {name}");
        if let Some(user) = m.get("userId").and_then(Value::as_str) {
            line.push_str(&format!(", user `{user}`"));
        }
        if let Some(app) = m.get("appId").and_then(Value::as_str) {
            line.push_str(&format!(", app `{app}`"));
        }
        if let Some(exp) = m.get("expiration").and_then(Value::as_i64) {
            line.push_str(&format!(
                ", valid until `{}`",
                Timestamp::from_unix_secs(exp)
            ));
        }
        out.push(line);
    }
    match ctx.raw.get("customAuthResource") {
        Some(Value::Null) | None => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(v) => out.push(format!(
            "the Lit Action returned (`customAuthResource`): {}",
            match v {
                Value::String(s) => format!("`{s}`"),
                other => other.to_string(),
            }
        )),
    }
    if let Some(a) = ctx.raw.get("authSigAddress").and_then(Value::as_str) {
        out.push(format!("wallet AuthSig given with the request: `{a}`"));
    }
    out
}

/// Explains an AuthSig at `at`.
pub fn explain_authsig(
    a: &AuthSig,
    profile: &Profile,
    network_key: Option<&NetworkKey>,
    at: Timestamp,
) -> AuthSigExplanation {
    let ins = fit::inspect_with_key(a, profile, network_key);
    let own = fit::judge_authsig(&ins, profile);
    let mut lines = Vec::new();
    let mut ok = true;
    let defect = own.iter().find(|f| f.is_defect() && !f.is_foreign());
    match ins.kind {
        AuthSigKind::BlsNetwork => {
            lines.push("a PKP session's AuthSig, signed by the Lit network (`derivedVia: lit.bls`), as `getPkpSessionSigs` / `getLitActionSessionSigs` return it".to_string());
            let verdict = match (&ins.bls, network_key) {
                (Some(Ok(())), Some(k)) => format!(
                    "valid: a threshold of nodes signed it with the network key `{}`",
                    k.to_hex()
                ),
                (_, None) => {
                    ok = false;
                    "not checked: no network key (pass `--network-key HEX` or `--handshake URL`)"
                        .to_string()
                }
                _ => {
                    ok = false;
                    own.iter()
                        .find(|f| {
                            matches!(
                                f,
                                Finding::BlsSignatureFormat { .. }
                                    | Finding::BlsSignatureInvalid { .. }
                            )
                        })
                        .map(|f| format!("NOT valid: {}", f.sentence()))
                        .unwrap_or_else(|| "NOT valid".to_string())
                }
            };
            lines.push(format!("signature: {verdict}"));
        }
        AuthSigKind::Wallet => {
            lines.push("a wallet's AuthSig (EIP-191 `personal_sign` of a SIWE message), as `getSessionSigs`' `authNeededCallback` returns it".to_string());
            lines.push(match defect {
                None => "signature: valid".to_string(),
                Some(f) => {
                    ok = false;
                    format!("signature: NOT valid: {}", f.sentence())
                }
            });
        }
        _ => {
            ok = false;
            lines.push(format!(
                "not an AuthSig a session can carry: {}",
                own.first()
                    .map(Finding::sentence)
                    .unwrap_or_else(|| format!("`derivedVia` is `{}`", a.derived_via))
            ));
        }
    }
    let Some(m) = &ins.siwe else {
        lines.push("its SIWE message cannot be read".to_string());
        return finish(lines, false);
    };
    match ins.kind {
        AuthSigKind::BlsNetwork => {
            lines.push(format!("PKP: `{}` (the signed SIWE address)", m.address));
            if !a.address.eq_ignore_ascii_case(&m.address) {
                lines.push(format!(
                    "its `address` says `{}`, which the signature does not cover",
                    a.address
                ));
            }
        }
        _ => lines.push(format!("signer: `{}`", m.address)),
    }
    lines.push(format!(
        "for: `{}` (domain `{}`, chain {})",
        m.uri, m.domain, m.chain_id
    ));
    let window = match m.expiration_time.as_deref() {
        Some(exp) => format!("issued `{}`, expires `{exp}`", m.issued_at),
        None => format!("issued `{}`, never expires", m.issued_at),
    };
    let time = fit::judge_time(m, at, None, profile);
    let when = match time.first() {
        None => format!("valid at `{at}`"),
        Some(f) => {
            ok = false;
            f.sentence()
        }
    };
    lines.push(format!("time: {window}; {when}"));
    let recaps: Vec<_> = ins.usable_recaps().map(|(_, r)| r.clone()).collect();
    let mut grants = Vec::new();
    for r in &recaps {
        for (key, ability) in crate::wire::coverage::grants(r) {
            if key == crate::wire::auth_context::RESOURCE_KEY {
                continue;
            }
            grants.push(format!("`{ability}` on `{key}`"));
        }
    }
    if grants.is_empty() {
        lines.push("grants: nothing".to_string());
    } else {
        lines.push(format!("grants: {}", grants.join(", ")));
    }
    if ins.kind == AuthSigKind::BlsNetwork {
        match AuthContext::from_recaps(&recaps) {
            Some(ctx) => {
                lines.push("auth context (written by the nodes):".to_string());
                lines.extend(auth_context_lines(&ctx).into_iter().map(|l| format!("  {l}")));
            }
            None => lines.push(
                "auth context: none (the nodes always add `lit-resolvedauthcontext://*`; this message was not written by them)".to_string(),
            ),
        }
    }
    finish(lines, ok)
}

fn finish(lines: Vec<String>, ok: bool) -> AuthSigExplanation {
    let mut text = String::new();
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    AuthSigExplanation { text, ok }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DATIL;

    fn vector(name: &str) -> (AuthSig, NetworkKey, Timestamp) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/bls/");
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}{name}.json")).unwrap())
                .unwrap();
        let a: AuthSig = serde_json::from_value(v["input"]["authSig"].clone()).unwrap();
        let key = NetworkKey::parse(v["input"]["networkKey"].as_str().unwrap()).unwrap();
        let now = Timestamp::parse_rfc3339(v["input"]["now"].as_str().unwrap()).unwrap();
        (a, key, now)
    }

    #[test]
    fn a_lit_action_session_in_words() {
        let (a, key, now) = vector("valid-action");
        let e = explain_authsig(&a, &DATIL, Some(&key), now);
        assert!(e.ok, "{}", e.text);
        assert!(
            e.text
                .contains("Lit Actions: QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA"),
            "{}",
            e.text
        );
        assert!(
            e.text.contains("auth method: EthWallet (type 1)"),
            "{}",
            e.text
        );
        assert!(e
            .text
            .contains("PKP: `0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A`"));
        assert!(!e.text.contains("lit-resolvedauthcontext"), "{}", e.text);
        // Without the key: not checked, not ok.
        let e = explain_authsig(&a, &DATIL, None, now);
        assert!(!e.ok);
        assert!(e.text.contains("not checked"));
    }

    #[test]
    fn a_tampered_one_is_not_valid() {
        let (a, key, now) = vector("tampered-siwe");
        let e = explain_authsig(&a, &DATIL, Some(&key), now);
        assert!(!e.ok);
        assert!(e.text.contains("NOT valid"), "{}", e.text);
    }
}
