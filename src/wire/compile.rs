//! Stage 3: a checked session → what the Lit JS SDK v7 puts on the wire for it: the ReCap
//! object and its `urn:recap:` resource (from the session's grant), the SIWE statement and
//! message the wallet signs, and the session's `resourceAbilityRequests`.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::eth::Address;
use crate::model::{Capability, Grant, Policy, Session};
use crate::time::{Timestamp, Ttl};
use crate::wire::recap::Recap;
use crate::wire::siwe::{self, CapabilityRequest, LitSiweParams, SiweMessage};
use serde_json::{Map, Value};

/// What the wallet signature needs beyond the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiweInputs {
    /// The wallet address (any letter case; written EIP-55 checksummed).
    pub address: String,
    /// The session public key, 64 hex digits.
    pub session_key: String,
    /// The SIWE nonce; the SDK uses the latest blockhash.
    pub nonce: String,
    pub issued_at: Timestamp,
    /// Default: `issued_at` + the session's `ttl`.
    pub expiration: Option<Timestamp>,
}

/// The compiled form of one session.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    pub session: String,
    pub grant: String,
    /// The session's requests, as `LitResourceAbilityRequest` JSON objects.
    pub resource_ability_requests: Vec<Value>,
    /// The grant's ReCap (what the AuthSig grants).
    pub recap: Recap,
    /// `None` when the grant allows nothing (then the SIWE message has no recap).
    pub recap_urn: Option<String>,
    /// The full SIWE statement: the grant's statement (or the SDK default) and the recap text.
    pub statement: String,
    /// The SIWE message fields, when [`SiweInputs`] were given.
    pub siwe: Option<SiweMessage>,
    /// For a grant with `signer pkp`: what `getPkpSessionSigs` / `getLitActionSessionSigs`
    /// take (printed as `pkpSession`).
    pub pkp: Option<crate::wire::compile_pkp::PkpSession>,
}

impl Compiled {
    /// `{resourceAbilityRequests, recap, recapUrn, statement[, siweMessage]}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "resourceAbilityRequests".into(),
            Value::Array(self.resource_ability_requests.clone()),
        );
        m.insert("recap".into(), self.recap.to_value());
        m.insert(
            "recapUrn".into(),
            self.recap_urn
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null),
        );
        m.insert("statement".into(), Value::String(self.statement.clone()));
        if let Some(s) = &self.siwe {
            m.insert("siweMessage".into(), Value::String(s.to_message()));
        }
        if let Some(p) = &self.pkp {
            m.insert(
                "pkpSession".into(),
                p.to_json(&self.resource_ability_requests),
            );
        }
        Value::Object(m)
    }
}

/// Why a session could not be compiled.
#[derive(Debug)]
pub enum CompileError {
    /// A bad input value (a flag), not a policy problem: exit code 2.
    Usage(String),
    /// Policy-level problems (unknown session, lifetime over the grant's limit): exit code 1.
    Policy(Diagnostics),
}

impl std::fmt::Display for CompileError {
    /// The usage message, or the policy diagnostics' messages joined by `; `.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Usage(m) => f.write_str(m),
            CompileError::Policy(d) => {
                let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
                f.write_str(&messages.join("; "))
            }
        }
    }
}

impl std::error::Error for CompileError {}

/// A `LitResourceAbilityRequest` as `JSON.stringify` writes it:
/// `{"resource":{"resource":id,"resourcePrefix":prefix},"ability":…}` plus `"data"` if present.
pub fn resource_ability_request(r: &CapabilityRequest) -> Value {
    let mut resource = Map::new();
    resource.insert("resource".into(), Value::String(r.resource.id.clone()));
    resource.insert(
        "resourcePrefix".into(),
        Value::String(r.resource.prefix.as_str().into()),
    );
    let mut m = Map::new();
    m.insert("resource".into(), Value::Object(resource));
    m.insert("ability".into(), Value::String(r.ability.as_str().into()));
    if let Some(data) = &r.data {
        m.insert("data".into(), Value::Object(data.clone()));
    }
    Value::Object(m)
}

/// The parameters `createSiweMessageWithRecaps` gets for a grant.
pub fn siwe_params(grant: &Grant, inputs: &SiweInputs, expiration: Timestamp) -> LitSiweParams {
    LitSiweParams {
        domain: grant.domain.as_ref().map(|d| d.value.clone()),
        wallet_address: inputs.address.clone(),
        statement: grant.statement.as_ref().map(|s| s.value.clone()),
        uri: Some(siwe::session_key_uri(&inputs.session_key)),
        chain_id: Some(grant.chain_id),
        nonce: inputs.nonce.clone(),
        issued_at: inputs.issued_at,
        expiration: Some(expiration),
        resources: (!grant.allows.is_empty())
            .then(|| grant.allows.iter().map(Capability::to_request).collect()),
    }
}

/// Finds a session by name, with a did-you-mean when it does not exist.
pub fn find_session<'p>(policy: &'p Policy, name: &str) -> Result<&'p Session, Box<Diagnostic>> {
    policy.session(name).ok_or_else(|| {
        let help = match crate::suggest::closest(name, policy.session_names()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if policy.sessions.is_empty() => "the files define no sessions".to_string(),
            None => format!(
                "the sessions are {}",
                policy
                    .session_names()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Box::new(
            Diagnostic::new(
                Code::UnknownSession,
                format!("there is no session `{name}`"),
            )
            .help(help),
        )
    })
}

/// Checks and normalises the SIWE inputs against the grant: EIP-55 address, 64-hex session
/// key, EIP-4361 nonce, and a lifetime within the grant's `max-ttl`.
pub fn check_siwe_inputs(
    grant: &Grant,
    session: &Session,
    inputs: &SiweInputs,
) -> Result<(SiweInputs, Timestamp), CompileError> {
    let address = Address::parse_any_case(&inputs.address)
        .map_err(|e| CompileError::Usage(e.to_string()))?
        .to_checksum();
    let key = inputs
        .session_key
        .strip_prefix("0x")
        .unwrap_or(&inputs.session_key);
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CompileError::Usage(format!(
            "session key `{}` is not 64 hex digits (an ed25519 public key)",
            inputs.session_key
        )));
    }
    if inputs.nonce.len() < 8 || !inputs.nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CompileError::Usage(format!(
            "nonce `{}` is not valid for SIWE: it needs at least 8 letters or digits",
            inputs.nonce
        )));
    }
    let expiration = inputs
        .expiration
        .unwrap_or_else(|| inputs.issued_at.add_secs(session.ttl.secs() as i64));
    let lifetime_ms = expiration.millis_since(&inputs.issued_at);
    if lifetime_ms <= 0 {
        return Err(CompileError::Usage(format!(
            "expiration `{expiration}` is not after issued-at `{}`",
            inputs.issued_at
        )));
    }
    if lifetime_ms > (grant.max_ttl.secs() as i64).saturating_mul(1000) {
        let mut d = Diagnostic::new(
            Code::LifetimeTooLong,
            format!(
                "the AuthSig would live {}, longer than grant `{}` allows (`max-ttl {}`)",
                Ttl((lifetime_ms / 1000) as u64),
                grant.name,
                grant.max_ttl
            ),
        )
        .help(format!(
            "pass an `--expiration` at most {} after `--issued-at`",
            grant.max_ttl
        ));
        if let Some(s) = grant.max_ttl_span {
            d = d.at(s, "the grant's limit");
        }
        let mut diags = Diagnostics::new();
        diags.push(d);
        return Err(CompileError::Policy(diags));
    }
    Ok((
        SiweInputs {
            address,
            session_key: key.to_ascii_lowercase(),
            nonce: inputs.nonce.clone(),
            issued_at: inputs.issued_at,
            expiration: Some(expiration),
        },
        expiration,
    ))
}

/// Compiles one session of a checked policy.
pub fn compile(
    policy: &Policy,
    session_name: &str,
    inputs: Option<&SiweInputs>,
) -> Result<Compiled, CompileError> {
    let session = find_session(policy, session_name).map_err(|d| {
        let mut diags = Diagnostics::new();
        diags.push(*d);
        CompileError::Policy(diags)
    })?;
    let grant = policy.grant_of(session);
    let recap = grant.signed_recap();
    // `addRecapToSiweMessage`: the statement, then one space, then the recap's sentence.
    let base = grant
        .statement
        .as_ref()
        .map(|s| s.value.clone())
        .unwrap_or_else(|| siwe::DEFAULT_STATEMENT.to_string());
    let statement = if grant.allows.is_empty() {
        base
    } else {
        format!("{base} {}", recap.statement())
    };
    let siwe = match inputs {
        Some(i) => {
            let (checked, exp) = check_siwe_inputs(grant, session, i)?;
            let msg = siwe::create_lit_siwe(&siwe_params(grant, &checked, exp)).map_err(|e| {
                CompileError::Usage(format!("the SDK would refuse this message: {e}"))
            })?;
            Some(msg)
        }
        None => None,
    };
    Ok(Compiled {
        session: session.name.clone(),
        grant: grant.name.clone(),
        resource_ability_requests: session
            .requests
            .iter()
            .map(|c| resource_ability_request(&c.to_request()))
            .collect(),
        recap_urn: (!grant.allows.is_empty()).then(|| recap.encode()),
        recap: recap.clone(),
        statement,
        siwe,
        pkp: crate::wire::compile_pkp::PkpSession::of(grant),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::load::clean_dsl_policy as policy;

    const P: &str = "grant \"dapp\" {\n  domain \"app.example.com\"\n  statement \"Sign in to Example.\"\n  chain-id 175188\n  max-ttl 1d\n  allow pkp-signing on \"lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f\"\n  allow lit-action-execution on \"lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3\"\n  allow access-control-condition-decryption on \"lit-accesscontrolcondition://4fc0cc9ac4a1074ab45c43e306b22be3c86c1e17160e30d64187ac536e6b243b/03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4\"\n  allow access-control-condition-signing on \"lit-accesscontrolcondition://4fc0cc9ac4a1074ab45c43e306b22be3c86c1e17160e30d64187ac536e6b243b/03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4\"\n}\nsession \"s\" from \"dapp\" {\n  ttl 1d\n  request pkp-signing on \"lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f\"\n}\n";

    #[test]
    fn reproduces_sdk_vector_12() {
        let p = policy(P);
        let inputs = SiweInputs {
            address: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".into(),
            session_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: "2024-09-19T13:07:33.606Z".parse().unwrap(),
            expiration: None,
        };
        let c = compile(&p, "s", Some(&inputs)).unwrap();
        let vector: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/vectors/lit/12-siwe-custom-multi-merge.json"
            ))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            c.siwe.unwrap().to_message(),
            vector["expected"]["message"].as_str().unwrap()
        );
        assert_eq!(
            c.statement,
            vector["expected"]["fields"]["statement"].as_str().unwrap()
        );
        assert_eq!(
            c.resource_ability_requests[0].to_string(),
            r#"{"resource":{"resource":"b03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}"#
        );
    }

    #[test]
    fn lifetime_is_bounded_by_the_grant() {
        let p = policy(P);
        let mut inputs = SiweInputs {
            address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            session_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
            nonce: "abcdefgh".into(),
            issued_at: "2024-09-19T00:00:00Z".parse().unwrap(),
            expiration: Some("2024-09-20T00:00:00Z".parse().unwrap()),
        };
        assert!(compile(&p, "s", Some(&inputs)).is_ok());
        inputs.expiration = Some("2024-09-20T00:00:00.001Z".parse().unwrap());
        assert!(matches!(
            compile(&p, "s", Some(&inputs)),
            Err(CompileError::Policy(_))
        ));
        inputs.expiration = Some("2024-09-19T00:00:00Z".parse().unwrap());
        assert!(matches!(
            compile(&p, "s", Some(&inputs)),
            Err(CompileError::Usage(_))
        ));
        inputs.expiration = None;
        inputs.nonce = "short".into();
        assert!(matches!(
            compile(&p, "s", Some(&inputs)),
            Err(CompileError::Usage(_))
        ));
    }

    #[test]
    fn unknown_session_suggests() {
        let p = policy(P);
        let Err(CompileError::Policy(d)) = compile(&p, "ss", None) else {
            panic!()
        };
        assert_eq!(d.0[0].help.as_deref(), Some("did you mean `s`?"));
    }
}
