//! The fit engine: does an AuthSig fit what it is used for?
//!
//! One module judges, every command renders. [`inspect`] reads an AuthSig once (its kind, the
//! SIWE message as the SDK and as the nodes parse it, the signers the SDK and the nodes
//! recover, every recap); [`judge`] compares it with typed [`Expectations`] (session key,
//! wallet, grant, requests, time, profile) and returns [`Finding`]s, each carrying the
//! expected and found values, the node's error kind and the SDK's reaction. Callers holding
//! an already parsed message use the parts: [`judge_grant`], [`judge_time`],
//! [`judge_audience`], [`judge_requests`].
//!
//! Who renders what: `check --authsig` (`authsig.rs`, `verify/check.rs`) turns findings into
//! diagnostics with spans; `verify --policy` (`verify/sessionsigs.rs`) into per-capability
//! findings; `sign` (`sign/check.rs`) into one sentence each; the key store into notes.
//!
//! Rules and their sources:
//!
//! 1. kind by `derivedVia`/`algo` as the nodes classify it (lit-peer `auth_material.rs`);
//!    wallet signatures by secp256k1 recovery, `lit.bls` ones against the network key when one
//!    is given ([`inspect_with_key`], [`crate::wire::bls`]);
//! 2. the SIWE message as siwe 2.3.2 parses it (the SDK throws otherwise), falling back to
//!    siwe-rs 0.5 (the nodes);
//! 3. the signature as the nodes verify it: the signer of the re-rendered message must be the
//!    SIWE address (siwe-rs `verify`); the SDK also needs the `0x` (ethers `verifyMessage`);
//! 4. the JSON `address` names the SIWE address (case-insensitive: an address is a number);
//! 5. every `urn:recap:` decodes and ends the statement (lit-peer `capabilities/recap.rs`);
//! 6. the URI is `lit:session:<key>`, or the delegation URI (node `validators/siwe.rs`);
//! 7. time by [`time::sdk_siwe_time`] and [`time::node_siwe_time`]: usable only when both
//!    accept it;
//! 8. coverage by the nodes' rule over every recap, and the SDK's over the first
//!    ([`crate::wire::coverage`]);
//! 9. the grant (litcap's policy, which neither the SDK nor the nodes check): no capability
//!    beyond it, its domain, chain id and `max-ttl`.

pub mod finding;
pub mod node_error;
pub mod sdk;
pub mod signer;
pub mod time;

pub use finding::{Finding, SdkEffect};
pub use signer::{judge_signer, PkpExpectation, PkpField};

use crate::eth::{self, Address, Signature, SignatureError};
use crate::profile::Profile;
use crate::time::{Timestamp, Ttl};
use crate::wire::authsig::{AuthSig, AuthSigKind};
use crate::wire::bls::{self, BlsSignature, NetworkKey, SigError, VerifyError};
use crate::wire::coverage::{self, Request, Verdict};
use crate::wire::lit::Resource;
use crate::wire::recap::{Decoded, Recap, RecapError};
use crate::wire::siwe::{Flavor, SiweMessage, SiweParseError, SiweSpans};

/// Who the AuthSig must be for (its SIWE `URI`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience<'a> {
    /// This session key (64 hex digits): `lit:session:<key>`.
    SessionKey(&'a str),
    /// A delegation AuthSig: the profile's delegation URI.
    Delegation,
    /// Exactly this URI.
    Uri(&'a str),
    /// Not known: a URI that names no session key and is no delegation is worth a warning.
    Unknown,
}

/// What the grant allows the AuthSig to say.
#[derive(Clone, Copy, Debug)]
pub struct GrantExpectation<'a> {
    /// It may grant nothing beyond this recap.
    pub recap: &'a Recap,
    pub domain: Option<&'a str>,
    pub chain_id: Option<u64>,
    /// Longest lifetime, `Issued At` to `Expiration Time`.
    pub max_lifetime: Option<Ttl>,
    /// `signer pkp`: a network-signed AuthSig for this PKP, authorized by these Lit Actions
    /// ([`signer::judge_signer`]).
    pub pkp: Option<PkpExpectation<'a>>,
}

/// What an AuthSig must satisfy.
#[derive(Clone, Copy, Debug)]
pub struct Expectations<'a> {
    pub profile: &'a Profile,
    pub audience: Audience<'a>,
    /// The wallet that must have signed it, when known.
    pub wallet: Option<Address>,
    pub grant: Option<GrantExpectation<'a>>,
    /// What the session will request; each must be covered.
    pub requests: &'a [Request],
    /// The instant it must be valid at.
    pub now: Option<Timestamp>,
    /// It must not expire before the session does.
    pub session_end: Option<Timestamp>,
}

impl<'a> Expectations<'a> {
    /// Nothing expected yet but the profile's own rules.
    pub fn new(profile: &'a Profile) -> Expectations<'a> {
        Expectations {
            profile,
            audience: Audience::Unknown,
            wallet: None,
            grant: None,
            requests: &[],
            now: None,
            session_end: None,
        }
    }
}

/// One `urn:recap:` resource of the SIWE message.
#[derive(Clone, Debug, PartialEq)]
pub struct RecapResource {
    /// Its index in `Resources`.
    pub resource_index: usize,
    pub urn: String,
    pub decoded: Result<Decoded, RecapError>,
}

/// An AuthSig read once, for every judgement.
#[derive(Clone, Debug)]
pub struct Inspected<'a> {
    pub authsig: &'a AuthSig,
    pub kind: AuthSigKind,
    /// The SIWE message: as the SDK parses it, or as only the nodes parse it (then
    /// `siwe_error` holds the SDK's objection).
    pub siwe: Option<SiweMessage>,
    pub siwe_spans: Option<SiweSpans>,
    pub siwe_error: Option<SiweParseError>,
    /// `sig` as a 65-byte signature with a valid recovery byte.
    pub signature: Result<Signature, SignatureError>,
    /// The signer of the `signedMessage` text as written.
    pub signer_as_written: Option<Address>,
    /// The signer of the nodes' rendering (`None`: no usable signature or no message).
    pub node_signer: Option<Option<Address>>,
    /// The signer of the SDK's rendering (`None`: no usable signature, no `0x`, or a
    /// message the SDK does not parse).
    pub sdk_signer: Option<Option<Address>>,
    pub recaps: Vec<RecapResource>,
    /// `decode(resources[0])`: the only recap the SDK reads (`None` without resources).
    pub sdk_recap: Option<Result<Recap, RecapError>>,
    /// A `lit.bls` AuthSig's BLS check against the network key (`None`: not `lit.bls`, no
    /// key given, or no SIWE message to hash).
    pub bls: Option<Result<(), BlsFault>>,
    /// Flavors whose validation of `siwe` is known to pass ([`Validated`]).
    pub validated: Validated,
}

/// Why a `lit.bls` signature fails (lit-peer `validate_bls_auth_sig_basic`; see
/// [`crate::wire::bls`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlsFault {
    /// `sig` does not decode: `NodeSIWESigConversionError`.
    Format(SigError),
    /// It decodes but does not verify: `NodeSIWEMessageError`.
    Invalid(VerifyError),
}

impl Inspected<'_> {
    /// The recaps that decode, with their `Resources` index.
    pub fn usable_recaps(&self) -> impl Iterator<Item = (usize, &Recap)> {
        self.recaps.iter().filter_map(|r| {
            r.decoded
                .as_ref()
                .ok()
                .map(|d| (r.resource_index, &d.recap))
        })
    }

    /// `sig` starts with `0x` (ethers needs it).
    pub fn sig_has_0x(&self) -> bool {
        self.authsig.sig.starts_with("0x")
    }
}

/// Reads an AuthSig once. Signature recovery is the expensive step: the text as written is
/// recovered once, and re-used for each verifier whose rendering is that same text (every
/// SDK-made AuthSig).
pub fn inspect<'a>(a: &'a AuthSig, profile: &Profile) -> Inspected<'a> {
    inspect_with_key(a, profile, None)
}

/// [`inspect`], and for a `lit.bls` AuthSig its BLS signature against the network key over
/// the nodes' signed data (`sha256("lit_session:" + hex(eip191 of the nodes' rendering))`).
pub fn inspect_with_key<'a>(
    a: &'a AuthSig,
    profile: &Profile,
    network_key: Option<&NetworkKey>,
) -> Inspected<'a> {
    let kind = a.kind();
    let mut siwe_error = None;
    let parsed = match SiweMessage::parse_with_spans(&a.signed_message, Flavor::Sdk) {
        Ok(p) => Some(p),
        Err(e) => {
            siwe_error = Some(e);
            SiweMessage::parse_with_spans(&a.signed_message, Flavor::Node).ok()
        }
    };
    let (siwe, siwe_spans) = match parsed {
        Some((m, s)) => (Some(m), Some(s)),
        None => (None, None),
    };
    let signature = Signature::parse_hex(&a.sig).and_then(|s| match s.0[64] {
        0 | 1 | 27 | 28 => Ok(s),
        v => Err(SignatureError::RecoveryByte(v)),
    });
    let signer_as_written = signature
        .as_ref()
        .ok()
        .and_then(|s| eth::recover_personal(a.signed_message.as_bytes(), s).ok());
    // Each flavor's rendering once: compared with the text as written (equal for every
    // SDK-made AuthSig), it decides both the signer and whether validation can be skipped.
    let renders = siwe.as_ref().map(|m| Renders::of(m, &a.signed_message));
    let validated = match (&siwe, &renders) {
        (Some(m), Some(r)) => Validated::of(m, r, siwe_error.is_none()),
        _ => Validated::default(),
    };
    let signer_for = |flavor: Flavor, sig: &Signature| {
        let (r, m) = (renders.as_ref()?, siwe.as_ref()?);
        let as_written = match flavor {
            Flavor::Sdk => r.sdk_as_written,
            Flavor::Node => r.node_as_written,
        };
        Some(if as_written {
            signer_as_written
        } else {
            eth::recover_personal(m.render(flavor).as_bytes(), sig).ok()
        })
    };
    let usable = signature.as_ref().ok();
    let node_signer = usable.and_then(|s| signer_for(Flavor::Node, s));
    let sdk_sig = usable.filter(|_| a.sig.starts_with("0x") || !profile.sdk.sig_needs_0x);
    let sdk_signer = sdk_sig
        .filter(|_| siwe_error.is_none())
        .and_then(|s| signer_for(Flavor::Sdk, s));
    let mut recaps = Vec::new();
    let mut sdk_recap = None;
    if let Some(m) = &siwe {
        let resources = m.resources.as_deref().unwrap_or(&[]);
        // siwe-recap 0.2 `Capability::extract` reads the last resource only, and only if it
        // is a `urn:recap:`; an earlier one is an opaque resource to it. The Lit nodes read
        // every one.
        let read_from = match profile.coverage.recaps {
            coverage::RecapsRead::Every => 0,
            coverage::RecapsRead::Last => resources.len().saturating_sub(1),
        };
        for (i, urn) in resources.iter().enumerate().skip(read_from) {
            if !urn.starts_with(crate::wire::recap::URN_PREFIX) {
                continue;
            }
            recaps.push(RecapResource {
                resource_index: i,
                urn: urn.clone(),
                decoded: profile.recap_reader.decode(urn),
            });
        }
        sdk_recap = resources.first().map(|first| match recaps.first() {
            Some(r) if r.resource_index == 0 => r.decoded.clone().map(|d| d.recap),
            _ => Recap::decode(first).map(|d| d.recap),
        });
    }
    let bls = match (kind, network_key, &siwe) {
        (AuthSigKind::BlsNetwork, Some(key), Some(m)) => Some(
            BlsSignature::parse(&a.sig)
                .map_err(BlsFault::Format)
                .and_then(|sig| {
                    let data = bls::session_hash_of_digest(&m.eip191_digest(Flavor::Node));
                    sig.verify(key, &data).map_err(BlsFault::Invalid)
                }),
        ),
        _ => None,
    };
    Inspected {
        bls,
        authsig: a,
        kind,
        siwe,
        siwe_spans,
        siwe_error,
        signature,
        signer_as_written,
        node_signer,
        sdk_signer,
        recaps,
        sdk_recap,
        validated,
    }
}

/// Whether a parsed message's rendering in each flavor is the text as written, compared
/// without building it ([`SiweMessage::renders_as`]); the rendering itself is built only to
/// recover the signer of a text that differs.
struct Renders {
    sdk_as_written: bool,
    node_as_written: bool,
}

impl Renders {
    fn of(m: &SiweMessage, written: &str) -> Renders {
        let sdk_as_written = m.renders_as(Flavor::Sdk, written);
        // The flavors differ only on an empty `Request ID` or an empty `Resources:` list (see
        // [`SiweMessage::render_with_spans`]).
        let differ =
            m.request_id.as_deref() == Some("") || m.resources.as_ref().is_some_and(Vec::is_empty);
        let node_as_written = match differ {
            true => m.renders_as(Flavor::Node, written),
            false => sdk_as_written,
        };
        Renders {
            sdk_as_written,
            node_as_written,
        }
    }
}

/// Flavors whose [`SiweMessage::validate_as`] is known to pass without running it.
///
/// Validation checks each field by the grammar the parser applies, then renders the message and
/// parses it back. For a message the parser of flavor F read from text T that is also its
/// rendering in F, both parts are already done: the parser ran the same field checks
/// (`check_address`, `check_statement`, `check_nonce`, `check_time`, `check_request_id`,
/// `check_uri`, `check_authority`, version `1`) on the same values, and re-parsing the
/// rendering re-parses T. The nodes' parser (siwe-rs) differs from the SDK's only in those
/// checks, each more lenient, and in refusing a `scheme://`; so a scheme-less message the SDK's
/// parser read passes the nodes' validation when the nodes' rendering is T as well. Anything
/// else (a rendering that differs from T, a scheme) is validated as before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Validated {
    pub sdk: bool,
    pub node: bool,
}

impl Validated {
    fn of(m: &SiweMessage, r: &Renders, parsed_by_sdk: bool) -> Validated {
        Validated {
            sdk: parsed_by_sdk && r.sdk_as_written,
            node: r.node_as_written && (m.scheme.is_none() || !parsed_by_sdk),
        }
    }
}

/// Everything about an AuthSig that does not fit: first what is wrong with the AuthSig
/// itself, then its fit (URI, time, coverage, grant), in that order.
pub fn judge(ins: &Inspected<'_>, x: &Expectations<'_>) -> Vec<Finding> {
    let mut out = judge_authsig(ins, x.profile);
    let Some(m) = &ins.siwe else { return out };
    if let (Some(expected), Some(Some(actual))) = (x.wallet, ins.node_signer) {
        if expected != actual && ins.kind == AuthSigKind::Wallet {
            out.push(Finding::OtherWallet { expected, actual });
        }
    }
    out.extend(judge_audience(m, x.audience, x.profile));
    if let Some(now) = x.now {
        out.extend(judge_time(m, now, x.session_end, x.profile));
    }
    let usable: Vec<&Recap> = ins.usable_recaps().map(|(_, r)| r).collect();
    let indices: Vec<usize> = ins.usable_recaps().map(|(i, _)| i).collect();
    let cov = coverage_of(x.profile, &usable, ins.sdk_recap.as_ref(), x.requests);
    out.extend(judge_requests(&cov, &indices, x.requests));
    if let Some(g) = &x.grant {
        let recaps: Vec<(usize, &Recap)> = ins.usable_recaps().collect();
        out.extend(judge_grant(x.profile, m, &recaps, g));
        // Without `pkp` (a grant without `signer pkp`) the signer is not judged here; `check`
        // and `verify` call `signer::judge_undeclared_signer` themselves for its warning.
        if let Some(pkp) = &g.pkp {
            out.extend(judge_signer(
                ins.kind,
                &ins.authsig.address,
                m,
                &recaps,
                pkp,
            ));
        }
    }
    out
}

/// What is wrong with the AuthSig itself, whatever it is used for, in the order `check`
/// lists it: kind, message, signature, address, recaps, then the SDK's own objections.
pub fn judge_authsig(ins: &Inspected<'_>, profile: &Profile) -> Vec<Finding> {
    let a = ins.authsig;
    let mut out = Vec::new();
    match ins.kind {
        AuthSigKind::Wallet => {}
        AuthSigKind::BlsNetwork => match &ins.bls {
            None => out.push(Finding::BlsUnverifiable {
                derived_via: a.derived_via.clone(),
            }),
            Some(Ok(())) => {}
            Some(Err(BlsFault::Format(e))) => {
                out.push(Finding::BlsSignatureFormat { why: e.to_string() })
            }
            Some(Err(BlsFault::Invalid(e))) => {
                out.push(Finding::BlsSignatureInvalid { why: e.to_string() })
            }
        },
        kind => out.push(Finding::NotAWalletSignature {
            kind,
            derived_via: a.derived_via.clone(),
        }),
    }
    if let Some(e) = &ins.siwe_error {
        out.push(Finding::SiweUnreadable {
            error: e.clone(),
            nodes_accept: ins.siwe.is_some(),
        });
    }
    match &ins.signature {
        Err(e) if ins.kind != AuthSigKind::BlsNetwork => {
            out.push(Finding::SignatureFormat { error: e.clone() })
        }
        Ok(_) if !ins.sig_has_0x() && profile.sdk.sig_needs_0x => {
            out.push(Finding::SignatureWithout0x)
        }
        _ => {}
    }
    if let Some(m) = &ins.siwe {
        if ins.kind == AuthSigKind::Wallet && ins.signature.is_ok() {
            if let Err(crate::wire::siwe::SiweVerifyError::SignatureMismatch {
                recovered,
                address,
            }) = m.match_signer(ins.node_signer.flatten())
            {
                let claimed = Address::parse_any_case(&address).ok();
                out.push(Finding::SignatureMismatch {
                    recovered,
                    matches_text_as_written: ins.signer_as_written.is_some()
                        && ins.signer_as_written == claimed,
                    address,
                });
            }
        }
        // The nodes do not compare a `lit.bls` AuthSig's `address` (siwe.rs: the network
        // wrote the message and set the address itself).
        if ins.kind != AuthSigKind::BlsNetwork && !a.address.eq_ignore_ascii_case(&m.address) {
            out.push(Finding::AddressField {
                field: a.address.clone(),
                siwe: m.address.clone(),
            });
        }
        out.extend(judge_recaps(ins, m, profile));
    }
    if ins.siwe_error.is_none() && ins.siwe.is_some() {
        if matches!(ins.sdk_recap, Some(Err(RecapError::NotARecapUrn))) {
            out.push(Finding::FirstResourceNotRecap);
        }
        if !profile.sdk_knows_algo(a.algo.as_deref()) {
            out.push(Finding::UnknownAlgo {
                algo: a.algo.clone().unwrap_or_default(),
            });
        }
    }
    out
}

/// Every recap decodes, and ends the statement (lit-peer `capabilities/recap.rs`).
fn judge_recaps(ins: &Inspected<'_>, m: &SiweMessage, profile: &Profile) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &ins.recaps {
        match &r.decoded {
            Err(e) => out.push(Finding::RecapUndecodable {
                resource_index: r.resource_index,
                urn: r.urn.clone(),
                error: e.clone(),
            }),
            Ok(d) => out.extend(recap_statement_in(profile, m, r.resource_index, &d.recap)),
        }
    }
    out
}

/// The statement must end with the recap's sentence (the nodes check it only when there is
/// a statement).
pub fn recap_statement(m: &SiweMessage, resource_index: usize, recap: &Recap) -> Option<Finding> {
    recap_statement_in(&crate::profile::DATIL, m, resource_index, recap)
}

/// [`recap_statement`] with the profile's sentence. siwe-recap 0.2 `extract_and_verify`
/// requires the statement even when there is none (`IncorrectStatement`), so under a
/// non-Lit profile a missing statement counts as one that does not end with the sentence.
pub fn recap_statement_in(
    profile: &Profile,
    m: &SiweMessage,
    resource_index: usize,
    recap: &Recap,
) -> Option<Finding> {
    let sentence = profile.recap_reader.sentence(recap);
    let ends = m
        .statement
        .as_deref()
        .is_some_and(|s| s.ends_with(&sentence));
    (!ends).then(|| Finding::RecapStatementMismatch {
        resource_index,
        sentence,
        has_statement: m.statement.is_some() || !profile.is_lit(),
    })
}

/// The URI against who the AuthSig is for (node `validators/siwe.rs`: a byte-for-byte
/// compare; the SDK: `uri !== sessionKeyUri`).
pub fn judge_audience(
    m: &SiweMessage,
    audience: Audience<'_>,
    profile: &Profile,
) -> Option<Finding> {
    let expected = match audience {
        // Compared without building the expected URI (issue #13): it is built only to report.
        Audience::SessionKey(key) if names_session_key(profile, &m.uri, key) => return None,
        Audience::SessionKey(key) => profile.session_uri(key),
        Audience::Delegation => profile.delegation_uri().unwrap_or_default().to_string(),
        Audience::Uri(u) => u.to_string(),
        Audience::Unknown => {
            let names_one = m.uri.starts_with(profile.session_uri_prefix)
                || Some(m.uri.as_str()) == profile.delegation_uri();
            return (!names_one).then(|| Finding::UriNamesNoSessionKey {
                found: m.uri.clone(),
            });
        }
    };
    (m.uri != expected).then(|| Finding::UriMismatch {
        expected,
        found: m.uri.clone(),
    })
}

/// `uri == profile.session_uri(key)`, without building it.
pub(crate) fn names_session_key(profile: &Profile, uri: &str, key: &str) -> bool {
    uri.strip_prefix(profile.session_uri_prefix) == Some(key)
}

/// The SIWE window at `now` by the SDK's and the nodes' rules, and the session's end.
pub fn judge_time(
    m: &SiweMessage,
    now: Timestamp,
    session_end: Option<Timestamp>,
    profile: &Profile,
) -> Vec<Finding> {
    use crate::wire::siwe::SiweVerifyError as E;
    let sdk = (profile.sdk.siwe_time)(m, now);
    let node = (profile.node.siwe_time)(m, now);
    let mut out = Vec::new();
    let sdk_expired = matches!(sdk, Err(E::Expired { .. }));
    let node_expired = matches!(node, Err(E::Expired { .. }));
    let expiration = m.expiration().and_then(Result::ok);
    if let Some(exp) = expiration {
        if sdk_expired || node_expired {
            out.push(Finding::Expired {
                expiration: exp,
                at: now,
                sdk: sdk_expired,
                node: node_expired,
            });
        } else if let Some(end) = session_end.filter(|end| *end > exp) {
            out.push(Finding::ExpiresBeforeSession {
                expiration: exp,
                session_end: end,
            });
        }
    }
    let sdk_early = matches!(sdk, Err(E::NotYetValid { .. }));
    let node_early = matches!(node, Err(E::NotYetValid { .. }));
    if let (Some(Ok(nbf)), true) = (m.not_before_time(), sdk_early || node_early) {
        out.push(Finding::NotYetValid {
            not_before: nbf,
            at: now,
            sdk: sdk_early,
            node: node_early,
        });
    }
    out
}

/// What each request gets: from the nodes (every usable recap; the verdict and which recap,
/// counted among the usable ones) and from the SDK (the first resource only).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestCoverage {
    pub node: Vec<(Verdict, Option<usize>)>,
    pub sdk: Vec<bool>,
}

/// Coverage of each request by the nodes over `recaps` (the usable ones), and by the SDK over
/// the first resource.
pub fn coverage_of(
    profile: &Profile,
    recaps: &[&Recap],
    sdk_recap: Option<&Result<Recap, RecapError>>,
    requests: &[Request],
) -> RequestCoverage {
    let node: Vec<(Verdict, Option<usize>)> = requests
        .iter()
        .map(|q| coverage::check_any_in(profile, recaps, &q.resource, q.ability))
        .collect();
    // A profile without a client SDK (ERC-5573) has one reader: the verdict is the same.
    let sdk = if profile.sdk.reads_first_recap_only {
        requests
            .iter()
            .map(|q| match sdk_recap {
                Some(Ok(r)) => coverage::check_in(profile, r, &q.resource, q.ability).is_covered(),
                _ => false,
            })
            .collect()
    } else {
        node.iter().map(|(v, _)| v.is_covered()).collect()
    };
    RequestCoverage { node, sdk }
}

/// The requests the nodes do not cover, and those only a recap the SDK does not read covers.
/// `indices` are the `Resources` indices of the usable recaps.
pub fn judge_requests(
    cov: &RequestCoverage,
    indices: &[usize],
    requests: &[Request],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, q) in requests.iter().enumerate() {
        let Some((verdict, found)) = cov.node.get(i) else {
            continue;
        };
        match verdict {
            Verdict::NotCovered(gap) => out.push(Finding::NotCovered {
                request: i,
                resource: q.resource.clone(),
                ability: q.ability,
                gap: gap.clone(),
            }),
            Verdict::Covered { .. } if !cov.sdk.get(i).copied().unwrap_or(false) => {
                out.push(Finding::SdkNotCovered {
                    request: i,
                    resource: q.resource.clone(),
                    ability: q.ability,
                    granted_by: found.and_then(|k| indices.get(k).copied()).unwrap_or(0),
                })
            }
            Verdict::Covered { .. } => {}
        }
    }
    out
}

/// The AuthSig against its grant: nothing beyond the grant's recap, and the grant's domain,
/// chain id and longest lifetime. `recaps` are the decodable recaps with their `Resources`
/// index.
pub fn judge_grant(
    profile: &Profile,
    m: &SiweMessage,
    recaps: &[(usize, &Recap)],
    g: &GrantExpectation<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (index, recap) in recaps {
        // The auth context the nodes add to a PKP session's recap is metadata: it grants
        // nothing (the nodes parse no `lit-resolvedauthcontext` resource).
        let granted = coverage::uncovered_grants_in(profile, g.recap, recap)
            .into_iter()
            .filter(|(key, ability)| {
                !(key == crate::wire::auth_context::RESOURCE_KEY
                    && ability == crate::wire::auth_context::ABILITY)
            });
        for (resource, ability) in granted {
            out.push(Finding::OverPrivilege {
                resource_index: *index,
                resource,
                ability,
            });
        }
    }
    if let (Some(max), Ok(iat), Some(Ok(exp))) =
        (g.max_lifetime, m.issued_at_time(), m.expiration())
    {
        let lifetime_ms = exp.millis_since(&iat);
        if lifetime_ms > (max.secs() as i64).saturating_mul(1000) {
            out.push(Finding::LifetimeTooLong { lifetime_ms, max });
        }
    }
    if let Some(expected) = g.domain.filter(|d| *d != m.domain) {
        out.push(Finding::DomainMismatch {
            expected: expected.to_string(),
            found: m.domain.clone(),
        });
    }
    if let Some(expected) = g.chain_id.filter(|c| *c != m.chain_id) {
        out.push(Finding::ChainMismatch {
            expected,
            found: m.chain_id,
        });
    }
    out
}

/// Whether the message names this domain and chain id: the AuthSig could have been signed
/// from a grant with them (a grant without a domain names no site).
pub fn names_site(m: &SiweMessage, domain: Option<&str>, chain_id: u64) -> bool {
    domain == Some(m.domain.as_str()) && chain_id == m.chain_id
}

/// The nodes' first check of an operation (lit-peer `session_sigs.rs`
/// `validate_session_sig_resource_ability_requests`): its resource is in
/// `resourceAbilityRequests` with the same prefix and the same id or `*`. The ability is not
/// compared.
pub fn requested(in_requests: &Resource, operation: &Resource) -> bool {
    in_requests.prefix == operation.prefix
        && (in_requests.is_wildcard() || in_requests.id == operation.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use crate::profile::DATIL;
    use crate::sign::authsig::{create_auth_sig, AuthSigParams};
    use crate::wire::lit::{Ability, ResourcePrefix};
    use crate::wire::siwe::CapabilityRequest;

    const KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// `Validated` only ever skips a validation that passes: for messages the SDK's parser
    /// reads, those only the nodes' parser reads (a line break in the nonce is neither), a
    /// scheme, an empty `Request ID`, an empty `Resources:` list and non-canonical spacing.
    #[test]
    fn validated_flavors_are_the_ones_that_validate() {
        let base = authsig().signed_message;
        let variants = [
            base.clone(),
            format!("https://{base}"),
            base.replace("Statement", "Statement ©"),
            base.replace("\nResources:", "\nRequest ID: \nResources:"),
            base.replace("\nRequest ID", "\nRequest ID: x"),
            format!("{}\nResources:", base.split("\nResources:").next().unwrap()),
            base.replace("Nonce: ", "Nonce: a-b-c-d-"),
            base.replace("Version: 1", "Version: 2"),
        ];
        let mut seen = 0;
        for text in variants {
            let mut a = authsig();
            a.signed_message = text.clone();
            let ins = inspect(&a, &DATIL);
            let Some(m) = &ins.siwe else { continue };
            seen += 1;
            if ins.validated.sdk {
                assert!(m.validate_as(Flavor::Sdk).is_ok(), "{text}");
            }
            if ins.validated.node {
                assert!(m.validate_as(Flavor::Node).is_ok(), "{text}");
            }
        }
        assert!(seen >= 4);
        let a = authsig();
        assert_eq!(
            inspect(&a, &DATIL).validated,
            Validated {
                sdk: true,
                node: true
            }
        );
    }

    fn authsig() -> AuthSig {
        let wallet = WalletKey::from_hex(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        )
        .unwrap();
        create_auth_sig(
            &wallet,
            &AuthSigParams {
                session_public_key: KEY.into(),
                capabilities: vec![
                    CapabilityRequest {
                        resource: Resource::wildcard(ResourcePrefix::Pkp),
                        ability: Ability::PkpSigning,
                        data: None,
                    },
                    CapabilityRequest {
                        resource: Resource::wildcard(ResourcePrefix::LitAction),
                        ability: Ability::LitActionExecution,
                        data: None,
                    },
                ],
                domain: Some("app.example.com".into()),
                chain_id: Some(1),
                nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
                issued_at: ts("2024-09-19T00:00:00Z"),
                expiration: Some(ts("2024-09-20T00:00:00Z")),
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn a_fitting_authsig_has_no_findings() {
        let a = authsig();
        let ins = inspect(&a, &DATIL);
        let requests = [Request {
            resource: Resource::wildcard(ResourcePrefix::Pkp),
            ability: Ability::PkpSigning,
        }];
        let mut grant = Recap::new();
        grant.add_all_capabilities(&Resource::wildcard(ResourcePrefix::Pkp));
        grant.add_all_capabilities(&Resource::wildcard(ResourcePrefix::LitAction));
        let x = Expectations {
            audience: Audience::SessionKey(KEY),
            grant: Some(GrantExpectation {
                recap: &grant,
                domain: Some("app.example.com"),
                chain_id: Some(1),
                max_lifetime: Some(Ttl(86_400)),
                pkp: None,
            }),
            requests: &requests,
            now: Some(ts("2024-09-19T12:00:00Z")),
            ..Expectations::new(&DATIL)
        };
        assert_eq!(judge(&ins, &x), vec![]);
    }

    #[test]
    fn each_finding_carries_both_verdicts() {
        let a = authsig();
        let ins = inspect(&a, &DATIL);
        let requests = [Request {
            resource: Resource::wildcard(ResourcePrefix::AccessControlCondition),
            ability: Ability::AccessControlConditionDecryption,
        }];
        let mut grant = Recap::new();
        grant.add_all_capabilities(&Resource::wildcard(ResourcePrefix::Pkp));
        let x = Expectations {
            audience: Audience::SessionKey("00"),
            grant: Some(GrantExpectation {
                recap: &grant,
                domain: Some("other.example"),
                chain_id: Some(2),
                max_lifetime: Some(Ttl(3600)),
                pkp: None,
            }),
            requests: &requests,
            now: Some(ts("2024-09-20T00:00:00Z")),
            ..Expectations::new(&DATIL)
        };
        let found = judge(&ins, &x);
        let codes: Vec<Code> = found.iter().map(Finding::code).collect();
        use crate::diag::Code;
        assert_eq!(
            codes,
            vec![
                Code::SessionKeyMismatch,
                Code::Expired,
                Code::RequestNotCovered,
                Code::OverPrivilege,
                Code::LifetimeTooLong,
                Code::DomainMismatch,
                Code::DomainMismatch,
            ]
        );
        // At the expiration instant the SDK already re-signs; the nodes still accept.
        assert!(matches!(
            found[1],
            Finding::Expired {
                sdk: true,
                node: false,
                ..
            }
        ));
        assert_eq!(found[1].sdk(), SdkEffect::Resigns);
        assert_eq!(found[1].node_error(), None);
        assert_eq!(
            found[0].node_error(),
            Some(node_error::NodeErrorKind::NodeSIWEMessageError)
        );
        assert_eq!(
            found[2].node_error(),
            Some(node_error::NodeErrorKind::NodeResourceIdNotFound)
        );
        // The policy's findings: the nodes and the SDK do not look at them.
        for f in &found[3..] {
            assert_eq!(
                (f.node_error(), f.sdk()),
                (None, SdkEffect::Ignores),
                "{f:?}"
            );
        }
    }
}
