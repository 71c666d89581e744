//! `litcap init`: a policy inferred from what an app already signs.
//!
//! From an AuthSig, the grant that reproduces it exactly: its SIWE domain, statement (without
//! the ReCap sentence), chain id, every capability of its ReCap with its nota bene, and its
//! lifetime as `max-ttl`. From SessionSigs files, one session per distinct
//! `resourceAbilityRequests` list; without them, one session that requests what the grant
//! allows, leaving out (with a comment) what a wildcard key shadows.
//!
//! The round-trip law: compiling the inferred grant with the AuthSig's own address, session
//! key, nonce and times gives back its SIWE message byte for byte. [`infer`] checks it before
//! returning, so an AuthSig the language cannot express is an `inexpressible` error naming
//! what is missing, never a policy that signs something else.
//!
//! A PKP session's AuthSig (`lit.bls`) is the exception: the nodes wrote its message (their
//! statement, the auth context `lit-resolvedauthcontext://*` in the recap), so its grant names
//! the PKP (`signer pkp`, the SIWE address) and the auth context's Lit Actions (`auth-action`)
//! instead of a statement, and no round trip is checked; `check --authsig` proves the fit.

use crate::authsig::AuthSigFile;
use crate::compile::{self, SiweInputs};
use crate::coverage::{self, Gap, Verdict};
use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Span};
use crate::lit::{Ability, Resource, ResourcePrefix};
use crate::load::{self, PolicyFormat};
use crate::recap::{NotaBene, Recap, URN_PREFIX};
use crate::siwe::{SiweMessage, SESSION_KEY_URI_PREFIX};
use crate::syntax::format::{self, quote};
use crate::time::{Timestamp, Ttl};
use serde_json::Value;

/// One input text, already registered in the caller's `Sources` as `file`.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub file: FileId,
    pub name: &'a str,
    pub text: &'a str,
}

/// A policy inferred from an AuthSig.
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    /// The policy in the DSL, formatted canonically, with comments.
    pub text: String,
    pub grant: String,
    pub sessions: Vec<String>,
    /// The AuthSig's own SIWE inputs: compiling any session with them gives back `message`.
    pub inputs: SiweInputs,
    /// The AuthSig's SIWE message.
    pub message: String,
    /// A PKP / Lit Action session's AuthSig (`lit.bls`): the grant names the PKP (`signer pkp`)
    /// and the Lit Actions of its auth context (`auth-action`); the network wrote the message,
    /// so compiling does not give it back (no round trip).
    pub pkp: bool,
}

impl Inferred {
    /// The `litcap compile` flags that reproduce the AuthSig's message.
    pub fn compile_flags(&self) -> String {
        format!(
            "--session {} --address {} --session-key {} --nonce {} --issued-at {} --expiration {}",
            shell_word(&self.sessions[0]),
            self.inputs.address,
            self.inputs.session_key,
            self.inputs.nonce,
            self.inputs.issued_at,
            self.inputs
                .expiration
                .map(|e| e.to_string())
                .unwrap_or_default()
        )
    }
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The policy `litcap init` writes without inputs: every statement, commented.
pub const STARTER: &str = r#"# A litcap policy: what a wallet lets a session key do (a grant), and what each
# session key asks for (its sessions). `litcap check` this file, then `litcap compile` a
# session to get the `resourceAbilityRequests` and SIWE message the Lit SDK v7 would build.
# The language is described in litcap's README ("The policy language").

grant "my-app" {
  # The SIWE domain the wallet shows: your app's host, without scheme or path.
  domain "app.example.com"
  # What the wallet shows above the capabilities; say in plain words what the app may do.
  statement "Let my-app sign with its PKP and run its Lit Action."
  # The chain id in the SIWE message (1: Ethereum; 175188: Chronicle Yellowstone).
  chain-id 1
  # The longest AuthSig lifetime the wallet signs (at most 30d).
  max-ttl 1d
  # Name exact resources; `<prefix>://*` grants every resource of the type.
  allow pkp-signing on "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
  allow lit-action-execution on "lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"
}

# One session key's requests: each must be covered by the grant.
session "my-app" from "my-app" {
  # How long the session signatures live (at most the grant's max-ttl).
  ttl 15m
  request pkp-signing on "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
  request lit-action-execution on "lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"
}
"#;

/// An error about the AuthSig at `span` (the `signedMessage`, or a part of it).
fn inexpressible(span: Span, what: impl Into<String>, help: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::Inexpressible, what)
        .at(span, "")
        .help(help)
}

const RESIGN: &str = "a policy can only reproduce AuthSigs built by `createSiweMessageWithRecaps` from Lit capabilities; write the grant by hand, then re-sign the AuthSig from it with `litcap authsig`";

/// Infers the policy of an AuthSig (and of SessionSigs files made under it).
///
/// `name` names the grant (default: the SIWE domain); sessions are named after it.
pub fn infer(
    authsig: Input<'_>,
    sessionsigs: &[Input<'_>],
    name: Option<&str>,
) -> Result<Inferred, Diagnostics> {
    let af = AuthSigFile::parse(authsig.file, authsig.text)?;
    let message = af.authsig.signed_message.clone();
    let whole = af.signed_message;
    let span_of = |needle: &str| match (needle.is_empty(), message.find(needle)) {
        (false, Some(i)) => af.message_span(i..i + needle.len()),
        _ => whole,
    };
    let one = |d: Diagnostic| Diagnostics(vec![d]);
    let siwe = SiweMessage::parse(&message).map_err(|e| {
        one(Diagnostic::new(
            Code::SiweSyntax,
            format!(
                "the `signedMessage` of `{}` is not a SIWE message: {}",
                authsig.name, e.message
            ),
        )
        .at(af.message_span(e.span.clone()), "")
        .help(e.help()))
    })?;
    let mut diags = Diagnostics::new();
    let file = authsig.name;
    let pkp = af.authsig.kind() == crate::wire::authsig::AuthSigKind::BlsNetwork;

    // The SIWE fields `createSiweMessageWithRecaps` never writes.
    let session_key = unwritten_fields(&siwe, file, &span_of, &mut diags);

    // The recap, and the statement before its sentence.
    let (recap, statement) = recap_and_statement(&siwe, whole, file, &span_of, &mut diags);
    // Every capability, in a form the language has.
    let allows = match &recap {
        Some(r) => capabilities_of(r, pkp, file, &span_of, &mut diags),
        None => Vec::new(),
    };

    // Times and lifetime.
    let issued_at = siwe.issued_at_time().ok();
    let expiration = siwe.expiration().and_then(Result::ok);
    let max_ttl = lifetime(&siwe, issued_at, expiration, file, &span_of, &mut diags);
    if !diags.is_empty() {
        return Err(diags);
    }

    let grant_name = name
        .map(str::to_string)
        .unwrap_or_else(|| siwe.domain.clone());
    let inputs = SiweInputs {
        address: siwe.address.clone(),
        session_key: session_key.unwrap_or_default().to_string(),
        nonce: siwe.nonce.clone(),
        issued_at: issued_at.unwrap_or_default(),
        expiration,
    };

    let grant = grant_block(
        &grant_name,
        &siwe,
        statement,
        pkp,
        recap.as_ref(),
        max_ttl,
        &allows,
    );

    // The round-trip law, checked on the grant alone (sessions do not change the message).
    // A PKP session's message is the network's, not a compilation of the grant.
    if !pkp {
        let probe = format!(
            "{grant}\nsession \"init-probe\" from {} {{}}\n",
            quote(&grant_name)
        );
        round_trip(&probe, "init-probe", &inputs, &message).map_err(|why| {
            one(inexpressible(
                whole,
                format!(
                    "the policy inferred from `{file}` does not reproduce its SIWE message: {why}"
                ),
                RESIGN,
            ))
        })?;
    }

    // Sessions.
    let mut sessions: Vec<SessionOut> = Vec::new();
    if sessionsigs.is_empty() {
        sessions.push(session_from_grant(recap.as_ref(), &allows, max_ttl));
    } else {
        for input in sessionsigs {
            for s in read_sessionsigs(*input, max_ttl, &af)? {
                match sessions.iter_mut().find(|x| x.requests == s.requests) {
                    Some(x) => {
                        x.ttl = x.ttl.max(s.ttl);
                        for c in s.comments {
                            if !x.comments.contains(&c) {
                                x.comments.push(c);
                            }
                        }
                    }
                    None => sessions.push(s),
                }
            }
        }
        if sessions.is_empty() {
            return Err(one(Diagnostic::new(
                Code::InvalidJson,
                "the SessionSigs files hold no session signatures",
            )
            .in_file(sessionsigs[0].name.to_string())
            .help(
                "pass the object `getSessionSigs` returns (node URL → signature)",
            )));
        }
    }
    let names: Vec<String> = if sessions.len() == 1 {
        vec![grant_name.clone()]
    } else {
        (1..=sessions.len())
            .map(|i| format!("{grant_name}-{i}"))
            .collect()
    };

    let text = policy_text(file, &inputs, pkp, &grant, &grant_name, &sessions, &names);
    let (file_ast, parse_diags) = crate::syntax::parse(0, &text);
    if parse_diags.has_errors() {
        // A bug: everything above is written from checked values.
        return Err(parse_diags);
    }
    let text = format::format(&file_ast, &text);
    Ok(Inferred {
        text,
        grant: grant_name,
        sessions: names,
        inputs,
        message,
        pkp,
    })
}

/// The session key the AuthSig is for, with a diagnostic for each SIWE field
/// `createSiweMessageWithRecaps` never writes (or always does, and is missing).
fn unwritten_fields<'m>(
    siwe: &'m SiweMessage,
    file: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Diagnostics,
) -> Option<&'m str> {
    let session_key = siwe
        .uri
        .strip_prefix(SESSION_KEY_URI_PREFIX)
        .filter(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()));
    if session_key.is_none() {
        diags.push(inexpressible(
            span_of(&siwe.uri),
            format!(
                "the AuthSig in `{file}` is not for a session key: its URI is `{}`, not `lit:session:<64 hex digits>`",
                siwe.uri
            ),
            "`litcap init` reads the AuthSigs of session flows (`getSessionSigs`); capacity delegations and sign-in messages have no session",
        ));
    }
    for (field, present, text) in [
        ("Not Before", siwe.not_before.is_some(), "Not Before: "),
        ("Request ID", siwe.request_id.is_some(), "Request ID: "),
        ("scheme", siwe.scheme.is_some(), ""),
        ("Expiration Time", siwe.expiration_time.is_none(), ""),
    ] {
        if present {
            let what = if field == "Expiration Time" {
                format!(
                    "the AuthSig in `{file}` has no `Expiration Time`, which the SDK always writes"
                )
            } else {
                format!("the AuthSig in `{file}` has a `{field}`, which the SDK never writes")
            };
            diags.push(inexpressible(span_of(text), what, RESIGN));
        }
    }
    session_key
}

/// The AuthSig's recap, when it has exactly one in a form a policy reproduces, and its
/// statement without the recap's sentence (`None`: it does not end with it).
fn recap_and_statement(
    siwe: &SiweMessage,
    whole: Span,
    file: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Diagnostics,
) -> (Option<Recap>, Option<String>) {
    let resources = siwe.resources.clone().unwrap_or_default();
    let mut recap: Option<Recap> = None;
    match resources.as_slice() {
        [] => {}
        [urn] if urn.starts_with(URN_PREFIX) => match Recap::decode(urn) {
            Ok(d) if !d.canonical => diags.push(inexpressible(
                span_of(urn),
                format!("the recap of the AuthSig in `{file}` is not in canonical form"),
                "the SDK writes recaps canonically; a policy compiles to the canonical form, so it cannot reproduce this one",
            )),
            Ok(d) if !d.recap.proofs().is_empty() => diags.push(inexpressible(
                span_of(urn),
                format!("the recap of the AuthSig in `{file}` carries proofs (`prf`)"),
                "the policy language has no delegation proofs",
            )),
            Ok(d) => recap = Some(d.recap),
            Err(e) => diags.push(
                Diagnostic::new(
                    Code::RecapInvalid,
                    format!("the recap of the AuthSig in `{file}` does not decode: {e}"),
                )
                .at(span_of(urn), "")
                .help("the nodes reject this AuthSig; sign a new one"),
            ),
        },
        _ => diags.push(inexpressible(
            whole,
            format!(
                "the AuthSig in `{file}` has {} resource(s) other than one `urn:recap:`: {}",
                resources.len(),
                resources
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "the SDK merges all capabilities into one `urn:recap:` resource; a policy compiles to exactly that",
        )),
    }
    let full_statement = siwe.statement.clone().unwrap_or_default();
    let statement = match &recap {
        None => Some(full_statement.clone()),
        Some(r) => {
            let sentence = format!(" {}", r.statement());
            let base = full_statement.strip_suffix(&sentence).map(str::to_string);
            if base.is_none() {
                diags.push(
                    Diagnostic::new(
                        Code::RecapStatementMismatch,
                        format!("the statement of the AuthSig in `{file}` does not end with its recap's sentence"),
                    )
                    .at(span_of(&full_statement), "")
                    .help(RESIGN),
                );
            }
            base
        }
    };
    (recap, statement)
}

/// The inferred policy's text, before formatting: a header saying where it comes from, the
/// grant, and the sessions with their names.
fn policy_text(
    file: &str,
    inputs: &SiweInputs,
    pkp: bool,
    grant: &str,
    grant_name: &str,
    sessions: &[SessionOut],
    names: &[String],
) -> String {
    let mut text = String::new();
    let exp = inputs.expiration.map(|e| e.to_string()).unwrap_or_default();
    let signer = if pkp {
        format!("the Lit network signed for the PKP {}", inputs.address)
    } else {
        format!("{} signed", inputs.address)
    };
    text.push_str(&format!(
        "# Inferred by `litcap init` from `{file}`:\n# the AuthSig that {signer}\n# for session key {},\n# issued {} and expiring {exp},\n# nonce {}.\n",
        inputs.session_key, inputs.issued_at, inputs.nonce
    ));
    if pkp {
        text.push_str("# A PKP session: `litcap check FILE --authsig AUTHSIG --network-key HEX` proves the\n# AuthSig fits this grant, and `litcap compile` gives `getPkpSessionSigs`' parameters.\n");
    } else {
        text.push_str("# Compiling the grant with those inputs gives back that AuthSig's SIWE message\n# byte for byte.\n");
    }
    text.push_str("# Review it: tighten wildcards and lifetimes before you sign with it.\n\n");
    text.push_str(grant);
    for (s, n) in sessions.iter().zip(names) {
        text.push('\n');
        if let Some(src) = &s.source {
            text.push_str(&format!("# {src}\n"));
        }
        text.push_str(&format!(
            "session {} from {} {{\n  ttl {}\n",
            quote(n),
            quote(grant_name),
            s.ttl
        ));
        for (r, a) in &s.requests {
            text.push_str(&format!("  request {a} on {}\n", quote(&written(r))));
        }
        for c in &s.comments {
            text.push_str(&format!("  # {c}\n"));
        }
        text.push_str("}\n");
    }
    text
}

/// Every capability of the AuthSig's recap, in a form the language has (what has none is a
/// diagnostic); a PKP session's auth context is left to the grant's `signer` lines.
fn capabilities_of(
    r: &Recap,
    pkp: bool,
    file: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Diagnostics,
) -> Vec<(Resource, Ability, Option<NotaBene>)> {
    let mut allows = Vec::new();
    for (key, abilities) in r.attenuations() {
        // The auth context the nodes add to a PKP session's recap is metadata, written
        // as the grant's `signer pkp` and `auth-action` lines instead.
        if pkp && key == crate::wire::auth_context::RESOURCE_KEY {
            continue;
        }
        let resource = match Resource::parse_key(key) {
            Ok(res) if res.key() == key => res,
            Ok(res) => {
                diags.push(inexpressible(
                    span_of(key),
                    format!("the recap of the AuthSig in `{file}` names `{key}`, which the SDK would write as `{}`", res.key()),
                    RESIGN,
                ));
                continue;
            }
            Err(e) => {
                diags.push(inexpressible(
                    span_of(key),
                    format!("the recap of the AuthSig in `{file}` grants on `{key}`, not a Lit resource: {e}"),
                    RESIGN,
                ));
                continue;
            }
        };
        for (recap_ability, nbs) in abilities {
            let recap_ability = recap_ability.0.as_str();
            let Some(ability) = resource
                .prefix
                .abilities()
                .find(|a| a.recap_ability() == recap_ability)
            else {
                let help = if recap_ability == "*/*" {
                    format!("`*/*` grants every ability, which a policy cannot write; allow the abilities the app uses, e.g. {}", abilities_of(resource.prefix))
                } else {
                    format!(
                        "on `{}://` resources the Lit SDK v7 knows {}",
                        resource.prefix,
                        abilities_of(resource.prefix)
                    )
                };
                diags.push(inexpressible(
                    span_of(key),
                    format!("the recap of the AuthSig in `{file}` grants `{recap_ability}` on `{key}`, which is not a Lit ability litcap knows"),
                    help,
                ));
                continue;
            };
            // `allow` lines merge as `Recap.merge` does: an all-`{}` list is replaced,
            // any other list is appended to.
            let expressible = match nbs.as_slice() {
                [] => false,
                [first, _, ..] => !first.is_empty(),
                [_] => true,
            };
            if !expressible {
                diags.push(inexpressible(
                    span_of(key),
                    format!(
                        "the recap of the AuthSig in `{file}` lists the restrictions {} for `{ability}` on `{key}`, which no sequence of `allow` lines produces",
                        Value::Array(nbs.iter().cloned().map(Value::Object).collect())
                    ),
                    RESIGN,
                ));
                continue;
            }
            for nb in nbs {
                allows.push((
                    resource.clone(),
                    ability,
                    (!nb.is_empty()).then(|| nb.clone()),
                ));
            }
        }
    }
    allows
}

/// The grant's `max-ttl`: the AuthSig's lifetime, when it has a valid one within the nodes' 30
/// days (else a diagnostic, and the nodes' maximum).
fn lifetime(
    siwe: &SiweMessage,
    issued_at: Option<Timestamp>,
    expiration: Option<Timestamp>,
    file: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Diagnostics,
) -> Ttl {
    let mut max_ttl = Ttl::NODE_MAX;
    if let (Some(iat), Some(exp)) = (issued_at, expiration) {
        let ms = exp.millis_since(&iat);
        if ms <= 0 {
            diags.push(inexpressible(
                span_of(siwe.expiration_time.as_deref().unwrap_or_default()),
                format!("the AuthSig in `{file}` expires before it is issued"),
                RESIGN,
            ));
        } else {
            let secs = (ms as u64).div_ceil(1000);
            if secs > Ttl::NODE_MAX.secs() {
                diags.push(
                    Diagnostic::new(
                        Code::LifetimeTooLong,
                        format!(
                            "the AuthSig in `{file}` lives {}, longer than the 30 days the Lit nodes accept",
                            Ttl(secs)
                        ),
                    )
                    .at(span_of(siwe.expiration_time.as_deref().unwrap_or_default()), "")
                    .help("a policy's `max-ttl` is at most `30d`; sign an AuthSig that lives at most 30 days"),
                );
            } else {
                max_ttl = Ttl(secs);
            }
        }
    }
    max_ttl
}

/// The grant block, in the DSL.
fn grant_block(
    grant_name: &str,
    siwe: &SiweMessage,
    statement: Option<String>,
    pkp: bool,
    recap: Option<&Recap>,
    max_ttl: Ttl,
    allows: &[(Resource, Ability, Option<NotaBene>)],
) -> String {
    let mut grant = format!("grant {} {{\n", quote(grant_name));
    grant.push_str(&format!("  domain {}\n", quote(&siwe.domain)));
    // The SDK's test statement is what a grant without `statement` compiles to; leaving it
    // out lets `check` say so (`default-statement`).
    let statement = statement.unwrap_or_default();
    if pkp {
        // The SDK writes a PKP session's statement ("Lit Protocol PKP session signature");
        // the policy names who signs instead.
        grant.push_str(&format!("  signer pkp {}\n", quote(&siwe.address)));
        let context = recap.and_then(|r| crate::wire::auth_context::AuthContext::from_recaps([r]));
        for cid in context.iter().flat_map(|c| &c.action_ipfs_ids) {
            grant.push_str(&format!("  auth-action {}\n", quote(cid)));
        }
    } else if statement != crate::siwe::DEFAULT_STATEMENT {
        grant.push_str(&format!("  statement {}\n", quote(&statement)));
    }
    grant.push_str(&format!("  chain-id {}\n", siwe.chain_id));
    grant.push_str(&format!("  max-ttl {max_ttl}\n"));
    let mut previous: Option<(&Resource, Ability)> = None;
    for (resource, ability, nb) in allows {
        if previous == Some((resource, *ability)) {
            grant.push_str("  # the AuthSig lists several restrictions for this ability, one per line\n  # litcap: allow(duplicate-capability)\n");
        }
        grant.push_str(&format!(
            "  allow {ability} on {}",
            quote(&written(resource))
        ));
        if let Some(nb) = nb {
            grant.push_str(" where ");
            grant.push_str(&Value::Object(nb.clone()).to_string());
        }
        grant.push('\n');
        previous = Some((resource, *ability));
    }
    grant.push_str("}\n");
    grant
}

/// Without SessionSigs files, one session requesting every capability the grant covers (as
/// the nodes judge coverage), with a comment for each one it leaves out.
fn session_from_grant(
    recap: Option<&Recap>,
    allows: &[(Resource, Ability, Option<NotaBene>)],
    max_ttl: Ttl,
) -> SessionOut {
    let recap = recap.cloned().unwrap_or_default();
    let mut s = SessionOut {
        ttl: max_ttl,
        ..SessionOut::default()
    };
    for (resource, ability, _) in allows {
        if s.requests
            .iter()
            .any(|(r, a)| r == resource && a == ability)
        {
            continue;
        }
        match coverage::check(&recap, resource, *ability) {
            Verdict::NotCovered(Gap::Shadowed { wildcard_key, .. }) => s.comments.push(format!(
                "left out: {ability} on {}: the grant's `{wildcard_key}` key shadows it (the nodes only look at the wildcard key)",
                quote(&resource.key())
            )),
            Verdict::NotCovered(_) => s.comments.push(format!(
                "left out: {ability} on {}: the grant does not cover it",
                quote(&resource.key())
            )),
            Verdict::Covered { .. } => s.requests.push((resource.clone(), *ability)),
        }
    }
    s
}

/// Why an inferred policy does not compile back to the AuthSig's SIWE message (reported as
/// `inexpressible`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoundTripError {
    /// The inferred policy has an error diagnostic (its message).
    #[error("the grant does not check: {0}")]
    DoesNotCheck(String),
    /// Compiling it failed on an input (the message).
    #[error("{0}")]
    CompileUsage(String),
    /// Compiling it failed on the policy (the diagnostics' messages).
    #[error("{}", .0.join("; "))]
    CompilePolicy(Vec<String>),
    /// The first line (1-based) where the messages differ; `<end>` past a message's end.
    #[error("line {line} is `{in_authsig}` in the AuthSig but `{compiled}` compiled")]
    LineDiffers {
        line: usize,
        in_authsig: String,
        compiled: String,
    },
}

impl RoundTripError {
    pub fn code(&self) -> Code {
        Code::Inexpressible
    }
}

/// Compiles `session` of the DSL `text` with `inputs`; `Err` says how the message differs.
pub fn round_trip(
    text: &str,
    session: &str,
    inputs: &SiweInputs,
    expected: &str,
) -> Result<(), RoundTripError> {
    let loaded = load::load_inputs(vec![(
        "inferred.litcap".into(),
        PolicyFormat::Dsl,
        text.as_bytes().to_vec(),
    )]);
    if let Some(d) = loaded.diagnostics.iter().find(|d| d.is_error()) {
        return Err(RoundTripError::DoesNotCheck(d.message.clone()));
    }
    let compiled = match compile::compile(&loaded.policy, session, Some(inputs)) {
        Ok(c) => c,
        Err(compile::CompileError::Usage(m)) => return Err(RoundTripError::CompileUsage(m)),
        Err(compile::CompileError::Policy(d)) => {
            return Err(RoundTripError::CompilePolicy(
                d.iter().map(|d| d.message.clone()).collect(),
            ))
        }
    };
    let got = compiled.siwe.map(|m| m.to_message()).unwrap_or_default();
    if got == expected {
        return Ok(());
    }
    let (n, (want, have)) = expected
        .split('\n')
        .map(Some)
        .chain(std::iter::repeat(None))
        .zip(got.split('\n').map(Some).chain(std::iter::repeat(None)))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((0, (None, None)));
    Err(RoundTripError::LineDiffers {
        line: n + 1,
        in_authsig: want.unwrap_or("<end>").to_string(),
        compiled: have.unwrap_or("<end>").to_string(),
    })
}

/// A resource key as a policy writes it: PKP ids with `0x`, so that an id of decimal digits
/// is not mistaken for a decimal token id (`decimal-pkp-id`).
fn written(r: &Resource) -> String {
    if r.prefix == ResourcePrefix::Pkp && !r.is_wildcard() {
        format!("{}://0x{}", r.prefix, r.id)
    } else {
        r.key()
    }
}

fn abilities_of(prefix: ResourcePrefix) -> String {
    prefix
        .abilities()
        .map(|a| format!("`{a}` (`{}`)", a.recap_ability()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone, Debug, Default)]
struct SessionOut {
    ttl: Ttl,
    requests: Vec<(Resource, Ability)>,
    comments: Vec<String>,
    source: Option<String>,
}

/// One [`SessionOut`] per entry of a SessionSigs file (node URL → signature).
fn read_sessionsigs(
    input: Input<'_>,
    max_ttl: Ttl,
    authsig: &AuthSigFile,
) -> Result<Vec<SessionOut>, Diagnostics> {
    let name = input.name;
    let whole = Span::new(input.file, 0, input.text.len());
    let bad = |what: String, help: &str| {
        Diagnostics(vec![Diagnostic::new(Code::InvalidJson, what)
            .at(whole, "")
            .help(help.to_string())])
    };
    const SHAPE: &str = "pass the object `getSessionSigs` returns: node URL → `{sig, derivedVia, signedMessage, address, algo}`, where `signedMessage` is the JSON text holding `resourceAbilityRequests`";
    let value: Value = serde_json::from_str(input.text)
        .map_err(|e| bad(format!("`{name}` is not valid JSON: {e}"), SHAPE))?;
    let Value::Object(map) = value else {
        return Err(bad(
            format!(
                "`{name}` holds {}, not a SessionSigs object",
                crate::json::type_name(&value)
            ),
            SHAPE,
        ));
    };
    let mut out = Vec::new();
    for (node, entry) in &map {
        let payload: Value = entry
            .get("signedMessage")
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| {
                bad(
                    format!("the entry `{node}` of `{name}` has no `signedMessage` JSON text"),
                    SHAPE,
                )
            })?;
        let requests = payload
            .get("resourceAbilityRequests")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                bad(
                    format!("the `signedMessage` of entry `{node}` in `{name}` has no `resourceAbilityRequests` list"),
                    SHAPE,
                )
            })?;
        let mut s = SessionOut {
            ttl: max_ttl,
            source: Some(format!("the requests of the SessionSigs in `{name}`")),
            ..SessionOut::default()
        };
        let mut errors = Diagnostics::new();
        for r in requests {
            let prefix = r["resource"]["resourcePrefix"].as_str().unwrap_or_default();
            let id = r["resource"]["resource"].as_str().unwrap_or_default();
            let ability_text = r["ability"].as_str().unwrap_or_default();
            let ability = Ability::parse(ability_text);
            let resource = ResourcePrefix::parse(prefix)
                .ok_or(())
                .and_then(|p| Resource::new(p, id).map_err(|_| ()));
            match (ability, resource) {
                (Some(a), Ok(res)) if res.prefix.supports(a) => {
                    if !s.requests.iter().any(|(x, y)| *x == res && *y == a) {
                        s.requests.push((res.clone(), a));
                    }
                    if let Some(data) = r.get("data").filter(|d| !d.is_null()) {
                        let c = format!(
                            "the SessionSigs also sent `data` {data} with {a} on {}; sessions do not carry data",
                            quote(&res.key())
                        );
                        if !s.comments.contains(&c) {
                            s.comments.push(c);
                        }
                    }
                }
                _ => errors.push(
                    Diagnostic::new(
                        Code::Inexpressible,
                        format!(
                            "entry `{node}` of `{name}` requests `{ability_text}` on `{prefix}://{id}`, which is not a Lit capability litcap knows"
                        ),
                    )
                    .at(whole, "")
                    .help("the Lit SDK v7 abilities are `access-control-condition-decryption`, `access-control-condition-signing`, `pkp-signing`, `rate-limit-increase-auth`, `lit-action-execution`, each on its own resource prefix (see the README's table)"),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let time = |k: &str| {
            payload
                .get(k)
                .and_then(Value::as_str)
                .and_then(|t| Timestamp::parse_rfc3339(t).ok())
        };
        if let (Some(iat), Some(exp)) = (time("issuedAt"), time("expiration")) {
            let ms = exp.millis_since(&iat);
            if ms > 0 {
                let secs = (ms as u64).div_ceil(1000);
                if secs > max_ttl.secs() {
                    s.comments.push(format!(
                        "the SessionSigs lived {}, longer than the grant's max-ttl",
                        Ttl(secs)
                    ));
                } else {
                    s.ttl = Ttl(secs);
                }
            }
        }
        let signed_under_other = payload
            .get("capabilities")
            .and_then(Value::as_array)
            .is_some_and(|caps| {
                !caps.is_empty()
                    && !caps.iter().any(|c| {
                        c.get("signedMessage").and_then(Value::as_str)
                            == Some(authsig.authsig.signed_message.as_str())
                    })
            });
        if signed_under_other {
            let c =
                "these SessionSigs were made under another AuthSig than the one given".to_string();
            if !s.comments.contains(&c) {
                s.comments.push(c);
            }
        }
        out.push(s);
    }
    Ok(out)
}
