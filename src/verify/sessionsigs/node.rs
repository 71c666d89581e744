//! The node rules: each entry judged as lit-peer's `validate_session_sig` does, in its order
//! (see the list in [`super`]), with the per-bundle work (session key, each distinct
//! capability's SIWE parse, signer recovery, recap decoding) done once.

use super::capability::*;
use super::input::*;
use super::strict_verifier;
use super::*;
use crate::fit::time::{node_issued_at, node_session_time, SessionTimeFault};
use crate::time::Timestamp;
use crate::verify::operation::{entry_admits, wildcard_coverage, Operation, WildcardCoverage};
use crate::verify::request_error::RequestError;
use crate::wire::authsig::{self, AuthSigKind};
use crate::wire::bls::NetworkKey;
use crate::wire::coverage::Request;
use crate::wire::lit::{Ability, Resource, ResourcePrefix};

/// The first capability of a payload with a key the Naga nodes do not accept.
fn unknown_capability_key(signed_message: &str) -> Option<(usize, String)> {
    const KNOWN: [&str; 5] = ["sig", "derivedVia", "signedMessage", "address", "algo"];
    let v: serde_json::Value = serde_json::from_str(signed_message).ok()?;
    v.get("capabilities")?
        .as_array()?
        .iter()
        .enumerate()
        .find_map(|(i, c)| {
            c.as_object()?
                .keys()
                .find(|k| !KNOWN.contains(&k.as_str()))
                .map(|k| (i, k.clone()))
        })
}

/// One request as an operation a node of the profile could see: `Err` if none can match it.
pub(super) fn operation_in(
    r: &PayloadRequest<'_>,
    profile: &crate::profile::Profile,
) -> Result<Request, RequestError> {
    let prefix = ResourcePrefix::parse_in(&r.resource.resource_prefix, profile.prefixes)
        .ok_or_else(|| RequestError::NodeUnknownPrefix {
            prefix: r.resource.resource_prefix.to_string(),
        })?;
    let ability = Ability::parse_in(&r.ability, profile.abilities).ok_or_else(|| {
        RequestError::NodeUnknownAbility {
            ability: r.ability.to_string(),
        }
    })?;
    if !prefix.supports(ability) {
        return Err(RequestError::Unsupported { ability, prefix });
    }
    Ok(Request {
        // As written: the nodes do not normalise ids.
        resource: Resource {
            prefix,
            id: r.resource.resource.to_string(),
        },
        ability,
    })
}

/// Verifies a SessionSigs text. `Err` only when the text is not a JSON object.
pub fn verify_text(text: &str, opts: &VerifyOptions) -> Result<Vec<NodeVerdict>, InputError> {
    let file = SessionSigsFile::parse(text)?;
    Ok(verify_file(&file, opts))
}

pub(super) struct KeyCacheEntry<'a> {
    address: &'a str,
    key: Result<[u8; 32], (NodeErrorKind, String)>,
}

/// The session key of an entry, as the nodes decode it: bytes `VerifyingKey::from_bytes`
/// accepts (prepared for [`strict_verifier::verify_strict`] on this thread).
pub(super) fn session_key(address: &str) -> Result<[u8; 32], (NodeErrorKind, String)> {
    let bytes = hex_bytes(address).ok_or_else(|| {
        (
            NodeErrorKind::NodeAuthSigAddressConversionError,
            format!("`address` `{}` is not hex", short(address)),
        )
    })?;
    let arr = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        (
            NodeErrorKind::NodeAuthSigAddressConversionError,
            format!(
                "`address` `{}` is {} bytes; a session public key is 32 (64 hex digits)",
                short(address),
                bytes.len()
            ),
        )
    })?;
    if strict_verifier::is_public_key(&arr) {
        return Ok(arr);
    }
    Err((
        NodeErrorKind::NodeAuthSigSessionKeyConversionError,
        format!(
            "`address` `{}` is not an ed25519 public key",
            short(address)
        ),
    ))
}

/// Verifies every entry of a read map with the Datil nodes' rules.
pub fn verify_file(file: &SessionSigsFile<'_>, opts: &VerifyOptions) -> Vec<NodeVerdict> {
    verify_file_in(file, opts, &crate::profile::DATIL)
}

/// [`verify_text`] with the node rules of a profile (`verify --network`).
pub fn verify_text_in(
    text: &str,
    opts: &VerifyOptions,
    profile: &'static crate::profile::Profile,
) -> Result<Vec<NodeVerdict>, InputError> {
    let file = SessionSigsFile::parse(text)?;
    Ok(verify_file_in(&file, opts, profile))
}

/// [`verify_file`] with the node rules of a profile.
pub fn verify_file_in(
    file: &SessionSigsFile<'_>,
    opts: &VerifyOptions,
    profile: &'static crate::profile::Profile,
) -> Vec<NodeVerdict> {
    // Step 2 for every entry first, so capability work can be shared across entries.
    let payloads: Vec<Option<Result<Payload<'_>, serde_json::Error>>> = file
        .entries
        .iter()
        .map(|(_, e)| {
            e.signed_message
                .as_ref()
                .and_then(Str::text)
                .map(serde_json::from_str::<Payload<'_>>)
        })
        .collect();
    let mut caps: Vec<CapCacheEntry<'_>> = Vec::new();
    let mut keys: Vec<KeyCacheEntry<'_>> = Vec::new();
    let mut out = Vec::with_capacity(file.entries.len());
    for ((url, entry), payload) in file.entries.iter().zip(&payloads) {
        let own = opts.node.as_deref().unwrap_or(url);
        let checked_as = if profile.node.normalises_own_address {
            node_identity(own)
        } else {
            node_identity_raw(own)
        };
        let outcome = verify_entry(
            url,
            entry,
            payload.as_ref(),
            &checked_as,
            profile,
            opts,
            &mut keys,
            &mut caps,
        );
        let capabilities = match payload {
            Some(Ok(p)) => p
                .capabilities
                .iter()
                .map(DecodedCapability::decode)
                .collect(),
            _ => Vec::new(),
        };
        out.push(NodeVerdict {
            node: url.to_string(),
            checked_as,
            error: outcome.error,
            capabilities,
            operations: outcome.operations,
            notes: outcome.notes,
        });
    }
    out
}

pub(super) const ENTRY_SHAPE: &str = "each entry is `{sig, derivedVia, signedMessage, address, algo}` as `getSessionSigs` returns it";

/// What one entry comes to: the node's error (for `--request`, the first operation's), each
/// operation's verdict, and notes that are not refusals.
pub(super) struct EntryOutcome {
    pub error: Option<NodeError>,
    pub operations: Vec<OperationVerdict>,
    pub notes: Vec<EntryNote>,
}

/// Judges one entry: the operations of `opts`, or, without any, each listed request as one.
// The entry, its payload, whose node judges it (address, rules, options) and the two caches.
#[allow(clippy::too_many_arguments)]
pub(super) fn verify_entry<'p>(
    url: &str,
    entry: &'p RawEntry<'_>,
    payload: Option<&'p Result<Payload<'p>, serde_json::Error>>,
    checked_as: &str,
    profile: &'static crate::profile::Profile,
    opts: &VerifyOptions,
    keys: &mut Vec<KeyCacheEntry<'p>>,
    caps: &mut Vec<CapCacheEntry<'p>>,
) -> EntryOutcome {
    let ops = &opts.operations;
    let (payload, address) = match entry_payload(url, entry, payload, profile, keys) {
        Ok(p) => p,
        Err(e) => {
            return EntryOutcome {
                operations: ops
                    .iter()
                    .map(|op| OperationVerdict {
                        operation: op.clone(),
                        error: Some(e.clone()),
                    })
                    .collect(),
                error: Some(e),
                notes: Vec::new(),
            }
        }
    };
    // 7. Naga: a payment delegation pays only up to its `max_price` (once the nodes accept).
    let payment = |error: Option<NodeError>| match error {
        None if profile.delegation.as_ref().map(|d| d.kind)
            == Some(crate::profile::DelegationKind::Payment) =>
        {
            check_payment_delegations(payload).err()
        }
        e => e,
    };
    if ops.is_empty() {
        let mut notes = Vec::new();
        let error = listed_requests(
            payload,
            address,
            checked_as,
            profile,
            opts.now,
            opts.network_key.as_ref(),
            caps,
            &mut notes,
        )
        .err();
        return EntryOutcome {
            error: payment(error),
            operations: Vec::new(),
            notes,
        };
    }
    let mut outcome = judge_operations(
        payload,
        address,
        checked_as,
        profile,
        opts.now,
        opts.network_key.as_ref(),
        caps,
        ops,
    );
    outcome.error = payment(outcome.error);
    outcome
}

/// Steps 1 and 2 (and the entry's shape): the session key's signature and the payload.
fn entry_payload<'p>(
    url: &str,
    entry: &'p RawEntry<'_>,
    payload: Option<&'p Result<Payload<'p>, serde_json::Error>>,
    profile: &crate::profile::Profile,
    keys: &mut Vec<KeyCacheEntry<'p>>,
) -> Result<(&'p Payload<'p>, &'p str), NodeError> {
    use NodeErrorKind as K;
    if let Some(what) = entry.not_object {
        return Err(NodeError::new(
            K::NodeInvalidAuthSig,
            format!("the entry for `{url}` is {what}, not a session signature object"),
            ENTRY_SHAPE,
        ));
    }
    let field = |name: &str, v: &'p Option<Str<'_>>| -> Result<&'p str, NodeError> {
        match v {
            Some(Str::Text(t)) => Ok(t.as_ref()),
            Some(Str::Other(what)) => Err(NodeError::new(
                K::NodeInvalidAuthSig,
                format!("`{name}` of the entry for `{url}` is {what}, not a string"),
                ENTRY_SHAPE,
            )),
            None => Err(NodeError::new(
                K::NodeInvalidAuthSig,
                format!("the entry for `{url}` has no `{name}`"),
                ENTRY_SHAPE,
            )),
        }
    };
    let sig = field("sig", &entry.sig)?;
    let derived_via = field("derivedVia", &entry.derived_via)?;
    let signed_message = field("signedMessage", &entry.signed_message)?;
    let address = field("address", &entry.address)?;
    let algo = match &entry.algo {
        Some(Str::Text(a)) => Some(a.as_ref()),
        _ => None,
    };
    if authsig::kind_of(derived_via, algo) != AuthSigKind::Session {
        return Err(NodeError::new(
            K::NodeInvalidAuthSig,
            format!(
                "the entry for `{url}` is not a session signature (`derivedVia` `{derived_via}`, `algo` {})",
                algo.map_or("absent".to_string(), |a| format!("`{a}`"))
            ),
            "pass the map `getSessionSigs` returns: its entries have `derivedVia: litSessionSignViaNacl` and `algo: ed25519`",
        ));
    }

    // 1. The session key's signature.
    let key = match keys.iter().find(|k| k.address == address) {
        Some(k) => k.key.clone(),
        None => {
            let key = session_key(address);
            keys.push(KeyCacheEntry {
                address,
                key: key.clone(),
            });
            key
        }
    };
    let key = key.map_err(|(kind, message)| {
        NodeError::new(
            kind,
            message,
            "`address` is the session public key: 64 hex digits, as `getSessionSigs` writes it",
        )
    })?;
    // `ed25519::Signature::from_str`'s verdicts, decoded without its per-pair parsing.
    let signature = super::signature_hex::signature_from_hex(sig).ok_or_else(|| {
        NodeError::new(
            K::NodeAuthSigSignatureConversionError,
            format!(
                "`sig` `{}` is not an ed25519 signature: the nodes expect 128 hex digits in one letter case, without `0x`",
                short(sig)
            ),
            "use the `sig` exactly as `getSessionSigs` wrote it",
        )
    })?;
    // `verify_strict`'s verdict with the per-key work done once (`strict_verifier`).
    strict_verifier::verify_strict(&key, signed_message.as_bytes(), &signature)
        .then_some(())
        .ok_or_else(|| {
            NodeError::new(
                K::NodeInvalidAuthSigSessionKeySignature,
                "the session key's signature does not match `signedMessage`: the message was changed after signing, or another key signed it",
                "do not edit signed session signatures; call `getSessionSigs` again to sign a new one",
            )
        })?;

    // 2. The payload.
    let payload = match payload {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                format!("`signedMessage` is not the session payload the nodes expect: {e}"),
                "the payload is `JSON.stringify({sessionKey, resourceAbilityRequests, capabilities, issuedAt, expiration, nodeAddress})` with string values and AuthSig objects in `capabilities`",
            ))
        }
        None => {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                "`signedMessage` is not a string",
                ENTRY_SHAPE,
            ))
        }
    };
    // Naga: `max_price: U256` has no `#[serde(default)]` (lit-peer `models/auth.rs`
    // `SessionKeySignedMessageV2`), and a capability key outside the five known ones fails
    // `JsonAuthSig`'s deserializer (lit-node-core `models/auth_sig.rs`).
    if profile.payload.max_price == crate::profile::MaxPrice::Required
        && payload.max_price.is_none()
    {
        return Err(NodeError::new(
            K::NodeAuthSigSignedMessageConversionError,
            format!(
                "the session payload has no `maxPrice`, which the {} nodes require",
                profile.name
            ),
            "sign with `--network naga` (the SDK v8 adds `maxPrice` to every node's payload); SDK v7 session signatures do not work on Naga",
        ));
    }
    if profile.node.strict_capability_keys {
        if let Some((index, key)) = unknown_capability_key(signed_message) {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                format!(
                    "capability {index} of the session payload has the key `{key}`; the {} nodes accept only `sig`, `derivedVia`, `signedMessage`, `address` and `algo`",
                    profile.name
                ),
                "pass capability AuthSigs as `{sig, derivedVia, signedMessage, address[, algo]}` (the SDK v8 `AuthSigSchema` drops other keys)",
            ));
        }
    }
    if let Some(p) = &payload.max_price {
        if !valid_max_price(p) {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                format!(
                    "`maxPrice` `{}` is not a 256-bit unsigned integer",
                    short(p)
                ),
                "write `maxPrice` as a decimal or `0x` hex string, or leave it out",
            ));
        }
    }

    Ok((payload, address))
}

/// Steps 4 and 5: time (times parsed as the nodes' chrono does, [`Timestamp::parse_node`]) and
/// the node address. The same for every operation.
fn time_and_node(
    payload: &Payload<'_>,
    checked_as: &str,
    profile: &crate::profile::Profile,
    now: Timestamp,
) -> Result<(), NodeError> {
    use NodeErrorKind as K;

    // 4. Time.
    let parse_time =
        |name: &str, v: &str| {
            Timestamp::parse_node(v).map_err(|_| {
                NodeError::new(
                K::NodeParserError,
                format!("`{name}` `{}` of the session payload is not an RFC 3339 time", short(v)),
                "write times as `new Date().toISOString()` does, e.g. `2024-09-19T13:07:33.606Z`",
            )
            })
        };

    let issued = parse_time("issuedAt", &payload.issued_at)?;
    // The nodes read `expiration` only once `issuedAt` is within the grace period.
    if let Err(fault) = node_issued_at(issued, now, profile.node.grace_secs) {
        return Err(session_time_error(fault, now, profile.node.grace_secs));
    }
    let expiration = parse_time("expiration", &payload.expiration)?;
    if let Err(fault) = node_session_time(
        issued,
        expiration,
        now,
        profile.node.grace_secs,
        profile.node.max_session,
    ) {
        return Err(session_time_error(fault, now, profile.node.grace_secs));
    }

    // 5. The node.
    let signed_for = prepare_domain_name(&payload.node_address);
    if signed_for != checked_as {
        return Err(NodeError::new(
            K::NodeNotAuthorized,
            format!(
                "the entry is signed for node `{}`, not for this node (`{checked_as}`)",
                payload.node_address
            ),
            "each node accepts only the entry signed for its own address: send each node its own entry (the SDK's `getSessionSigByUrl` does), or check `--node`",
        ));
    }

    Ok(())
}

/// lit-peer `payment/payment_delegation.rs` `validate_delegation_requirements`: a delegation is
/// skipped when `session_sig_max_price > delegation.max_price`. The delegation AuthSig's own
/// validity (`validate_capability_auth_sig`) is not re-checked here.
fn check_payment_delegations(payload: &Payload<'_>) -> Result<(), NodeError> {
    let Some(price) = payload.max_price.as_deref() else {
        return Ok(());
    };
    // Beyond u128 is beyond any delegation litcap can read, so it exceeds them all.
    let price = crate::wire::naga::parse_price(price).unwrap_or(u128::MAX);
    for (index, cap) in payload.capabilities.iter().enumerate() {
        let Some(limit) = crate::wire::payment::delegation_max_price(&cap.signed_message) else {
            continue;
        };
        if price > limit {
            return Err(NodeError::new(
                NodeErrorKind::PaymentDelegationUnusable,
                format!(
                    "the nodes accept this session signature, but capability {index}, a payment delegation with `max_price` {limit} wei, will not pay: the payload's `maxPrice` is {price} wei"
                ),
                "sign with `--max-price` at most the delegation's `max_price`, or have the payer sign a delegation with a higher `--max-price`",
            ));
        }
    }
    Ok(())
}

/// Without `--request`: every `resourceAbilityRequests` entry judged as an operation (the
/// SDK's intent), steps 3 to 6. An entry no operation can be judged from (an ability that is
/// unknown or not for its resource type: the nodes never read it) and a wildcard entry the
/// capabilities cover for some ids only are notes, not refusals.
#[allow(clippy::too_many_arguments)]
fn listed_requests<'p>(
    payload: &'p Payload<'p>,
    address: &'p str,
    checked_as: &str,
    profile: &crate::profile::Profile,
    now: Timestamp,
    network_key: Option<&NetworkKey>,
    caps: &mut Vec<CapCacheEntry<'p>>,
    notes: &mut Vec<EntryNote>,
) -> Result<(), NodeError> {
    use NodeErrorKind as K;
    // 3. An operation needs its resource in `resourceAbilityRequests`.
    if payload.resource_ability_requests.is_empty() {
        return Err(NodeError::new(
            K::NodeResourceIdNotFound,
            "the session signature requests no resources, so the nodes reject every operation made with it",
            "pass the resources and abilities the session needs as `resourceAbilityRequests` to `getSessionSigs`",
        ));
    }
    time_and_node(payload, checked_as, profile, now)?;

    // 6. Capabilities, for every request as an operation.
    let mut first: Option<NodeError> = None;
    let mut failing = 0;
    for (index, req) in payload.resource_ability_requests.iter().enumerate() {
        let rref = RequestRef {
            index,
            resource_prefix: req.resource.resource_prefix.to_string(),
            resource: req.resource.resource.to_string(),
            ability: req.ability.to_string(),
        };
        let op = match operation_in(req, profile) {
            Ok(op) => op,
            Err(why) => {
                let admits = if ResourcePrefix::parse_in(&rref.resource_prefix, profile.prefixes)
                    .is_some()
                {
                    "the nodes never read an entry's ability: an operation on the resource it names is judged by the capabilities alone; pass `--request \"<ability> on <resource>\"` to judge the operations you will perform"
                } else {
                    "no operation of the nodes has that prefix, so the entry admits none"
                };
                notes.push(EntryNote {
                    kind: NoteKind::NotJudged,
                    message: format!(
                        "request {index} ({}) is not judged: {why}; {admits}",
                        rref.describe()
                    ),
                    request: rref,
                    covers: Vec::new(),
                });
                continue;
            }
        };
        let describe = rref.describe();
        let result = check_capabilities(
            &payload.capabilities,
            &op,
            &describe,
            Some(&rref),
            address,
            now,
            network_key,
            caps,
        );
        let Err(e) = result else { continue };
        if op.resource.is_wildcard() && e.kind == K::NodeResourceIdNotFound && e.inner.is_some() {
            let recaps = valid_recaps(&payload.capabilities, address, caps);
            if let WildcardCoverage::Some(ids) =
                wildcard_coverage(&recaps, op.resource.prefix, op.ability)
            {
                let covers: Vec<String> = ids
                    .iter()
                    .map(|id| format!("{}://{id}", op.resource.prefix))
                    .collect();
                notes.push(EntryNote {
                    kind: NoteKind::PartialWildcard,
                    message: format!(
                        "request {index} ({describe}) is partly covered: the capabilities grant `{}` on {} only; the nodes accept that operation on {} and refuse it on any other `{}://` resource (`NodeResourceIdNotFound`)",
                        op.ability,
                        covers.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                        if covers.len() == 1 { "it" } else { "those" },
                        op.resource.prefix
                    ),
                    request: rref,
                    covers,
                });
                continue;
            }
        }
        failing += 1;
        if first.is_none() {
            first = Some(e);
        }
    }
    finish_first(first, failing, "request")
}

/// With `--request`: exactly these operations, each as the node judges it (step 3 for the
/// operation's own resource, then 4, 5 and 6 for its own resource and ability).
#[allow(clippy::too_many_arguments)]
fn judge_operations<'p>(
    payload: &'p Payload<'p>,
    address: &'p str,
    checked_as: &str,
    profile: &crate::profile::Profile,
    now: Timestamp,
    network_key: Option<&NetworkKey>,
    caps: &mut Vec<CapCacheEntry<'p>>,
    ops: &[Operation],
) -> EntryOutcome {
    let mut time_node: Option<Result<(), NodeError>> = None;
    let mut operations = Vec::with_capacity(ops.len());
    let mut first: Option<NodeError> = None;
    let mut failing = 0;
    for op in ops {
        let describe = op.describe();
        let rars = &payload.resource_ability_requests;
        let result = if !rars.iter().any(|r| {
            entry_admits(
                &r.resource.resource_prefix,
                &r.resource.resource,
                &op.resource,
            )
        }) {
            Err(not_listed(op, payload))
        } else if let Err(e) = time_node
            .get_or_insert_with(|| time_and_node(payload, checked_as, profile, now))
            .clone()
        {
            Err(e)
        } else {
            check_capabilities(
                &payload.capabilities,
                &op.request(),
                &describe,
                None,
                address,
                now,
                network_key,
                caps,
            )
        };
        if let Err(e) = &result {
            failing += 1;
            if first.is_none() {
                first = Some(e.clone());
            }
        }
        operations.push(OperationVerdict {
            operation: op.clone(),
            error: result.err(),
        });
    }
    EntryOutcome {
        error: finish_first(first, failing, "operation").err(),
        operations,
        notes: Vec::new(),
    }
}

/// `validate_session_sig_resource_ability_requests` failing for `op`, with the entry that
/// comes closest when it differs only in how the id is written.
fn not_listed(op: &Operation, payload: &Payload<'_>) -> NodeError {
    let listed: Vec<String> = payload
        .resource_ability_requests
        .iter()
        .map(|r| format!("`{}://{}`", r.resource.resource_prefix, r.resource.resource))
        .collect();
    let near = payload.resource_ability_requests.iter().find(|r| {
        r.resource.resource_prefix == op.resource.prefix.as_str()
            && op.resource.prefix == ResourcePrefix::Pkp
            && crate::verify::operation::node_pkp_id(&r.resource.resource)
                .ok()
                .as_deref()
                == Some(op.resource.id.as_str())
    });
    let help = match near {
        Some(r) => format!(
            "the session lists `{}://{}`, but the node derives a PKP id as 64 lowercase hex digits without `0x` (`{}`) and compares the strings; sign the session with `lit-pkp://{}` (or `lit-pkp://*`)",
            r.resource.resource_prefix, r.resource.resource, op.resource.id, op.resource.id
        ),
        None => format!(
            "sign a session whose `resourceAbilityRequests` lists `{}` (or `{}`)",
            op.resource.key(),
            op.resource.wildcard_key()
        ),
    };
    NodeError::new(
        NodeErrorKind::NodeResourceIdNotFound,
        format!(
            "{} is not in the session's `resourceAbilityRequests` (it lists {}): the node compares the prefix and the id (`*` for any), not the ability",
            op.describe(),
            if listed.is_empty() { "nothing".to_string() } else { listed.join(", ") }
        ),
        help,
    )
}

/// The first failure, its message noting how many more there are.
fn finish_first(first: Option<NodeError>, failing: usize, what: &str) -> Result<(), NodeError> {
    match first {
        None => Ok(()),
        Some(mut e) => {
            e.failing_requests = failing;
            if failing > 1 {
                e.message.push_str(&format!(
                    " ({} more {what}{} fail{})",
                    failing - 1,
                    if failing == 2 { "" } else { "s" },
                    if failing == 2 { "s" } else { "" }
                ));
            }
            Err(e)
        }
    }
}

/// The nodes' refusal of a session payload's times, in words.
fn session_time_error(fault: SessionTimeFault, now: Timestamp, grace: i64) -> NodeError {
    use NodeErrorKind as K;
    match fault {
        SessionTimeFault::IssuedInTheFuture { issued } => NodeError::new(
            K::NodeIatOutsideGracePeriod,
            format!("the session signature is issued at `{issued}`, more than {grace} s after now (`{now}`)"),
            "check the clock of the machine that signed it: the nodes allow 60 s of drift",
        ),
        SessionTimeFault::ExpiresBeforeIssue { issued, expiration } => NodeError::new(
            K::NodeExpWrongOrTooLarge,
            format!("the session expires at `{expiration}`, before it is issued (`{issued}`)"),
            "pass an `expiration` after the issue time to `getSessionSigs`",
        ),
        SessionTimeFault::Expired { expiration } => NodeError::new(
            K::NodeExpWrongOrTooLarge,
            format!("the session signature expired at `{expiration}`, more than {grace} s before now (`{now}`)"),
            "call `getSessionSigs` again for fresh session signatures",
        ),
        SessionTimeFault::TooLong {
            issued,
            expiration,
            lifetime,
        } => NodeError::new(
            K::NodeSIWEMessageError,
            format!("the session lasts {lifetime} (`{issued}` to `{expiration}`), longer than the 30 days the nodes allow"),
            "pass an `expiration` at most 30 days after the issue time (the SDK's default is 24 hours)",
        ),
    }
}
