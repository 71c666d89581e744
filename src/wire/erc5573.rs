//! Stage 3 for the plain ERC-5573 profile: a checked session → the SIWE message with its
//! ReCap as spruceid's `siwe-recap` 0.2 writes it (`Capability::build_message`), for any
//! relying party. No Lit SDK quirk applies.
//!
//! Rules and sources (siwe-recap 0.2 `src/capability.rs`, ucan-capabilities-object 0.1):
//! - the recap is the grant's allows merged with `Capabilities::with_action`
//!   (`model`); it is encoded as JCS (RFC 8785) and unpadded base64url, which is
//!   litcap's canonical JSON ([`Recap::encode`]);
//! - the sentence: `I further authorize the stated URI to perform the following actions on my
//!   behalf:` then ` (n) '<namespace>': '<name>', '<name>' for '<uri>'.` per URI (byte
//!   order) and namespace (byte order of the namespace alone, where the Lit SDK groups in the
//!   order of the sorted `namespace/name` keys and puts array-index namespaces first);
//! - the statement: the grant's statement, a space, the sentence; with no statement or an
//!   empty one, the sentence alone (the Lit SDK v8 keeps the space after an empty one);
//! - the recap is the last resource; a grant without allows adds no resource and leaves the
//!   statement as it is;
//! - the message is siwe-rs 0.5's rendering (`Display`), with the URI the caller names (the
//!   relying party, e.g. `did:key:…`), `Version: 1`, and no Lit default (no test statement,
//!   no `localhost`, no 7-day expiration).

use crate::model::{Policy, Session};
use crate::time::Timestamp;
use crate::wire::compile::{find_session, CompileError};
use crate::wire::recap::{Recap, STATEMENT_PREFIX};
use crate::wire::siwe::{Flavor, SiweMessage};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What the SIWE message needs beyond the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inputs {
    pub address: String,
    /// The SIWE `URI`: who is authorised (the delegee).
    pub uri: String,
    pub nonce: String,
    pub issued_at: Timestamp,
    /// Default: `issued_at` + the session's `ttl`.
    pub expiration: Option<Timestamp>,
}

/// One session compiled for a plain ERC-5573 relying party.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    pub session: String,
    pub grant: String,
    /// What the session will ask the relying party for: `(uri, namespace/name)`.
    pub requests: Vec<(String, String)>,
    pub recap: Recap,
    pub recap_urn: Option<String>,
    /// `None`: the grant has neither a statement nor an allow.
    pub statement: Option<String>,
    pub siwe: Option<SiweMessage>,
}

impl Compiled {
    /// `{network, requests, recap, recapUrn, statement[, siweMessage]}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("network".into(), json!("erc5573"));
        m.insert(
            "requests".into(),
            Value::Array(
                self.requests
                    .iter()
                    .map(|(uri, ability)| json!({"resource": uri, "ability": ability}))
                    .collect(),
            ),
        );
        m.insert("recap".into(), self.recap.to_value());
        m.insert("recapUrn".into(), json!(self.recap_urn));
        m.insert("statement".into(), json!(self.statement));
        if let Some(s) = &self.siwe {
            m.insert("siweMessage".into(), json!(s.render(Flavor::Node)));
        }
        Value::Object(m)
    }
}

/// siwe-recap 0.2 `Capability::to_statement`.
pub fn statement(recap: &Recap) -> String {
    let mut out = String::from(STATEMENT_PREFIX);
    let mut n = 0usize;
    // `BTreeMap<UriString, …>`: byte order of the URIs.
    let mut keys: Vec<(&str, _)> = recap.attenuations().collect();
    keys.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (uri, abilities) in keys {
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut names: Vec<&str> = abilities.keys().map(|k| k.0.as_str()).collect();
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for ability in names {
            let (ns, name) = ability.split_once('/').unwrap_or((ability, ""));
            groups.entry(ns).or_default().push(name);
        }
        for (ns, names) in groups {
            n += 1;
            let names: Vec<String> = names.iter().map(|x| format!("'{x}'")).collect();
            out.push_str(&format!(" ({n}) '{ns}': {} for '{uri}'.", names.join(", ")));
        }
    }
    out
}

/// siwe-recap 0.2 `build_message`'s statement: the recap's sentence after the grant's own.
pub fn full_statement(own: Option<&str>, recap: &Recap) -> Option<String> {
    if recap.is_empty() {
        return own.map(str::to_string);
    }
    let sentence = statement(recap);
    Some(match own {
        Some(s) if !s.is_empty() => format!("{s} {sentence}"),
        _ => sentence,
    })
}

/// Compiles one session of a policy built for the ERC-5573 profile.
pub fn compile(
    policy: &Policy,
    session_name: &str,
    inputs: Option<&Inputs>,
) -> Result<Compiled, CompileError> {
    let session = find_session(policy, session_name).map_err(|d| {
        let mut diags = crate::diag::Diagnostics::new();
        diags.push(*d);
        CompileError::Policy(diags)
    })?;
    let grant = policy.grant_of(session);
    let recap = grant.signed_recap().clone();
    let statement = full_statement(grant.statement.as_ref().map(|s| s.value.as_str()), &recap);
    let recap_urn = (!recap.is_empty()).then(|| recap.encode());
    let siwe = match inputs {
        Some(i) => Some(message(
            policy,
            session,
            i,
            statement.clone(),
            recap_urn.clone(),
        )?),
        None => None,
    };
    Ok(Compiled {
        session: session.name.clone(),
        grant: grant.name.clone(),
        requests: session
            .requests
            .iter()
            .map(|r| (r.resource.key(), r.ability.as_str().to_string()))
            .collect(),
        recap,
        recap_urn,
        statement,
        siwe,
    })
}

fn message(
    policy: &Policy,
    session: &Session,
    i: &Inputs,
    statement: Option<String>,
    recap_urn: Option<String>,
) -> Result<SiweMessage, CompileError> {
    let grant = policy.grant_of(session);
    let address = crate::eth::Address::parse_any_case(&i.address)
        .map_err(|e| CompileError::Usage(e.to_string()))?
        .to_checksum();
    crate::wire::siwe::uri::check_uri(&i.uri)
        .map_err(|why| CompileError::Usage(format!("--uri `{}` is not a URI: {why}", i.uri)))?;
    if i.nonce.len() < 8 || !i.nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CompileError::Usage(format!(
            "nonce `{}` is not valid for SIWE: it needs at least 8 letters or digits",
            i.nonce
        )));
    }
    let expiration = i
        .expiration
        .unwrap_or_else(|| i.issued_at.add_secs(session.ttl.secs() as i64));
    if expiration.millis_since(&i.issued_at) <= 0 {
        return Err(CompileError::Usage(format!(
            "expiration `{expiration}` is not after issued-at `{}`",
            i.issued_at
        )));
    }
    let domain = grant
        .domain
        .as_ref()
        .map(|d| d.value.clone())
        .ok_or_else(|| CompileError::Usage(format!("grant `{}` has no domain", grant.name)))?;
    Ok(SiweMessage {
        scheme: None,
        domain,
        address,
        statement,
        uri: i.uri.clone(),
        version: "1".into(),
        chain_id: grant.chain_id,
        nonce: i.nonce.clone(),
        issued_at: i.issued_at.to_iso_string(),
        expiration_time: Some(expiration.to_iso_string()),
        not_before: None,
        request_id: None,
        resources: recap_urn.map(|u| vec![u]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::load::clean_dsl_policy as policy;

    const P: &str = "network \"erc5573\"\n\ngrant \"api\" {\n  domain \"example.com\"\n  statement \"Some custom statement.\"\n  allow \"kv/get\" on \"kepler:ens:example.eth://default/kv\"\n  allow \"kv/list\" on \"kepler:ens:example.eth://default/kv\"\n  allow \"credential/present\" on \"urn:credential:type:type1\" where { type: \"type1\" }\n}\n\nsession \"s\" from \"api\" {\n  ttl 1h\n  request \"kv/get\" on \"kepler:ens:example.eth://default/kv\"\n}\n";

    #[test]
    fn statement_groups_by_uri_then_namespace() {
        let p = policy(P);
        assert_eq!(p.profile().name, "erc5573");
        let c = compile(&p, "s", None).unwrap();
        assert_eq!(
            c.statement.as_deref(),
            Some("Some custom statement. I further authorize the stated URI to perform the following actions on my behalf: (1) 'kv': 'get', 'list' for 'kepler:ens:example.eth://default/kv'. (2) 'credential': 'present' for 'urn:credential:type:type1'.")
        );
        assert_eq!(
            c.recap.to_canonical_json(),
            r#"{"att":{"kepler:ens:example.eth://default/kv":{"kv/get":[{}],"kv/list":[{}]},"urn:credential:type:type1":{"credential/present":[{"type":"type1"}]}},"prf":[]}"#
        );
    }

    #[test]
    fn namespaces_sort_alone_unlike_the_lit_sdk() {
        let p = policy("network \"erc5573\"\ngrant \"g\" {\n domain \"a.example\"\n allow \"a-b/x\" on \"https://a.example\"\n allow \"a/y\" on \"https://a.example\"\n}\n");
        let r = p.grants[0].signed_recap();
        assert!(statement(r).ends_with(
            "(1) 'a': 'y' for 'https://a.example'. (2) 'a-b': 'x' for 'https://a.example'."
        ));
        assert!(r.statement().contains("(1) 'a-b': 'x'"));
    }

    #[test]
    fn empty_statement_and_no_allows() {
        let r = Recap::new();
        assert_eq!(full_statement(None, &r), None);
        assert_eq!(full_statement(Some("x"), &r).as_deref(), Some("x"));
        let p = policy("network \"erc5573\"\ngrant \"g\" {\n domain \"a.example\"\n statement \"\"\n allow \"crud/read\" on \"https://a.example/items\"\n}\n");
        let s = full_statement(Some(""), p.grants[0].signed_recap()).unwrap();
        assert!(s.starts_with(STATEMENT_PREFIX), "{s}");
    }

    #[test]
    fn the_siwe_message() {
        let p = policy(P);
        let i = Inputs {
            address: "0x0000000000000000000000000000000000000000".into(),
            uri: "did:key:example".into(),
            nonce: "mynonce1".into(),
            issued_at: "2022-06-21T12:00:00.000Z".parse().unwrap(),
            expiration: None,
        };
        let c = compile(&p, "s", Some(&i)).unwrap();
        let text = c.siwe.unwrap().render(Flavor::Node);
        assert!(text.starts_with("example.com wants you to sign in with your Ethereum account:\n0x0000000000000000000000000000000000000000\n\nSome custom statement. I further"), "{text}");
        assert!(text.contains("\nURI: did:key:example\nVersion: 1\nChain ID: 1\nNonce: mynonce1\nIssued At: 2022-06-21T12:00:00.000Z\nExpiration Time: 2022-06-21T13:00:00.000Z\nResources:\n- urn:recap:"), "{text}");
        let bad = Inputs {
            uri: "not a uri".into(),
            ..i
        };
        assert!(matches!(
            compile(&p, "s", Some(&bad)),
            Err(CompileError::Usage(_))
        ));
    }
}
