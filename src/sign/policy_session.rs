//! Signing a policy's session end to end, for a Rust caller as for `litcap sign`: one call,
//! [`sign_session`], from a loaded policy, a session key (given or kept in a store), a wallet or
//! a prepared AuthSig, and the nodes to sign for, to the SessionSigs of the chosen profile.
//!
//! The steps, in order (each decision is [`super::flow`]'s; whether an AuthSig fits is the fit
//! engine's, through [`super::check::check_auth_sig`]):
//! 1. the session's lifetime is at most its `ttl` (and the nodes' 30 days);
//! 2. the session key: the given one, else the store's (v7: `lit-session-key`; v8: the
//!    `lit-auth:<app>:<network>:<address>` entry while its `expiresAt` is ahead), else a new
//!    one, stored only together with its AuthSig;
//! 3. the profile's vocabulary (Naga refuses Datil-only capabilities);
//! 4. the delegation (capacity on Datil, payment on Naga) fits as a delegation, and on Naga the
//!    session's `maxPrice` is at most its `max_price` (lit-peer `payment_delegation.rs`);
//! 5. the AuthSig: a prepared one must fit (the session then ends no later than it); else a
//!    stored one that fits is reused, one that no longer fits is replaced, a broken or foreign
//!    one stops the run; a new one lives as long as the grant allows when kept in a store;
//! 6. the SessionSigs: the `getSessionSigs` tail (Datil) or `issueSessionFromContext` (Naga).
//!
//! What happens on the way is reported through a callback ([`Event`]), in order, so that a
//! caller can show it as it happens.

use super::check::{check_auth_sig, problem_lines, Expectations, Problem};
use super::flow::{self, StoredAuthSig};
use super::sessionsigs::SessionSigs;
use super::store::{KeyStore, StoreError, WALLET_SIG};
use super::store_v8::V8Layout;
use super::{SessionKey, SignError, WalletSigner};
use crate::authsig::AuthSig;
use crate::compile::{self, CompileError, SiweInputs};
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::eth::Address;
use crate::fit::PkpExpectation;
use crate::model::{Grant, Policy, Session};
use crate::profile::{DelegationKind, Profile};
use crate::recap::Recap;
use crate::siwe::CapabilityRequest;
use crate::time::{Timestamp, Ttl};
use crate::wire::bls::NetworkKey;

/// Why signing stopped. Nothing was written to a store.
#[derive(Debug)]
pub enum FlowError {
    /// Findings about the policy or an input (render them with the policy's sources; exit 1).
    Findings(Diagnostics),
    /// A usage error (exit 2).
    Usage {
        message: String,
        help: Option<String>,
    },
    /// A signer, store, handshake or key failure (its own exit code).
    Sign(SignError),
}

impl FlowError {
    pub fn usage(message: impl Into<String>) -> FlowError {
        FlowError::Usage {
            message: message.into(),
            help: None,
        }
    }

    fn finding(d: Diagnostic) -> FlowError {
        FlowError::Findings(Diagnostics(vec![d]))
    }
}

impl From<SignError> for FlowError {
    fn from(e: SignError) -> FlowError {
        FlowError::Sign(e)
    }
}

impl From<StoreError> for FlowError {
    fn from(e: StoreError) -> FlowError {
        FlowError::Sign(e.into())
    }
}

/// Something the flow did or noticed on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// What was done (a key stored, an AuthSig reused).
    Note(String),
    /// What the user should know (a store others can read).
    Warning(String),
}

/// A policy session and what signing for it needs from the policy.
#[derive(Clone, Copy)]
pub struct PolicySession<'a> {
    pub policy: &'a Policy,
    pub session: &'a Session,
}

impl<'a> PolicySession<'a> {
    pub fn grant(&self) -> &'a Grant {
        self.policy.grant_of(self.session)
    }

    /// The session's requests, in the SDK's request form.
    pub fn requests(&self) -> Vec<CapabilityRequest> {
        self.session
            .requests
            .iter()
            .map(|c| c.to_request())
            .collect()
    }

    /// A `lifetime-too-long` finding (at `span`) when `issued`..`expiration` outlives `limit`.
    pub fn lifetime_finding(
        &self,
        what: &str,
        issued: Timestamp,
        expiration: Timestamp,
        limit: Ttl,
        limit_name: String,
        span: Option<Span>,
    ) -> Option<Diagnostic> {
        let (lifetime, limit) = flow::lifetime_over(issued, expiration, limit)?;
        let limit_name = if limit == Ttl::NODE_MAX && !limit_name.contains("max-ttl") {
            "the nodes' 30-day limit".to_string()
        } else {
            limit_name
        };
        let mut d = Diagnostic::new(
            Code::LifetimeTooLong,
            format!("the {what} would live {lifetime}, longer than {limit_name} allows ({limit})"),
        )
        .help(format!(
            "pass an `--expiration` at most {limit} after `--issued-at` (`{issued}`)"
        ));
        if let Some(s) = span {
            d = d.at(s, "the limit");
        }
        Some(d)
    }

    /// A capability outside the profile's vocabulary: (message, help naming the replacement).
    pub fn outside_vocabulary(&self, profile: &Profile) -> Option<(String, String)> {
        crate::wire::compile_naga::outside_vocabulary(self.policy, self.session, profile)
            .into_iter()
            .next()
            .map(|o| (o.message(profile), o.help().to_string()))
    }

    /// What an AuthSig for this session must satisfy.
    pub fn expectations(
        &self,
        uri: &'a str,
        wallet: Option<Address>,
        requests: &'a [CapabilityRequest],
        grant_recap: &'a Recap,
        now: Timestamp,
        session_expiration: Timestamp,
    ) -> Expectations<'a> {
        let grant = self.grant();
        Expectations {
            pkp: grant.signer.as_ref().map(|s| PkpExpectation {
                address: s.address,
                actions: &grant.auth_actions,
            }),
            network_key: None,
            uri,
            wallet,
            requests,
            now,
            session_expiration: Some(session_expiration),
            grant: Some(grant_recap),
            max_lifetime: Some(grant.max_ttl),
            domain: Some(
                grant
                    .domain
                    .as_ref()
                    .map(|d| d.value.as_str())
                    .unwrap_or("localhost"),
            ),
            chain_id: Some(grant.chain_id),
        }
    }

    /// Signs a fresh AuthSig for the session key with the grant's recap and SIWE fields; `naga`
    /// writes the SIWE as SDK v8 does (`crate::wire::compile_naga::to_naga`).
    pub fn new_auth_sig(
        &self,
        signer: &dyn WalletSigner,
        session_key: &str,
        nonce: String,
        issued_at: Timestamp,
        expiration: Timestamp,
        naga: bool,
    ) -> Result<AuthSig, FlowError> {
        let inputs = SiweInputs {
            address: signer.address().to_checksum(),
            session_key: session_key.to_string(),
            nonce,
            issued_at,
            expiration: Some(expiration),
        };
        let mut compiled = compile::compile(self.policy, &self.session.name, Some(&inputs))
            .map_err(|e| match e {
                CompileError::Usage(m) => FlowError::usage(m),
                CompileError::Policy(d) => FlowError::Findings(d),
            })?;
        if naga {
            crate::wire::compile_naga::to_naga(&mut compiled, self.policy, self.session);
        }
        let Some(siwe) = compiled.siwe else {
            return Err(FlowError::usage("no SIWE message was compiled"));
        };
        // The model proves coverage; check the compiled recap once more before signing.
        let mut diags = Diagnostics::new();
        for r in &self.session.requests {
            if !crate::coverage::check(&compiled.recap, &r.resource, r.ability).is_covered() {
                diags.push(
                    Diagnostic::new(
                        Code::NotCovered,
                        format!(
                            "session `{}` requests `{}`, which grant `{}` does not give",
                            self.session.name,
                            r.describe(),
                            self.grant().name
                        ),
                    )
                    .at(r.span(), "not covered"),
                );
            }
        }
        if !diags.is_empty() {
            return Err(FlowError::Findings(diags));
        }
        super::authsig::sign_message(signer, siwe.to_message())
            .map_err(|e| FlowError::Sign(e.into()))
    }
}

/// Problems of an AuthSig as diagnostics about `file`.
pub fn problem_diags(what: &str, file: &str, problems: &[Problem]) -> Diagnostics {
    problem_lines(problems)
        .into_iter()
        .map(|(code, sentence)| {
            let d = Diagnostic::new(code, format!("{what} cannot be used: {sentence}"))
                .in_file(file.to_string());
            match code {
                Code::NetworkKeyMissing => d.help("pass the Lit network's BLS key with `--network-key HEX`, or `--handshake URL` to take it from a node"),
                _ => d,
            }
        })
        .collect()
}

/// Where the session key comes from, and where it and the AuthSig are kept.
pub struct KeySource<'s> {
    /// A given key (seed); it wins over a stored one.
    pub key: Option<SessionKey>,
    /// A store, locked by the caller, and its layout.
    pub store: Option<(&'s mut KeyStore, StoreLayout)>,
}

/// A store's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreLayout {
    /// SDK v7 `new LocalStorage(DIR)`: `lit-session-key`, `lit-wallet-sig`.
    V7,
    /// SDK v8 `localStorageNode({appName, networkName, storagePath: DIR})`.
    V8(V8Layout),
}

/// Where the AuthSig comes from.
pub enum AuthSource<'s> {
    /// A prepared AuthSig (`shown`: how to name it in messages, e.g. its path).
    Given { auth_sig: AuthSig, shown: String },
    /// A wallet, and the SIWE nonce when a new AuthSig has to be signed (asked for only then).
    Wallet {
        signer: &'s dyn WalletSigner,
        nonce: &'s mut dyn FnMut() -> Result<String, FlowError>,
    },
}

/// The nodes to sign for.
#[derive(Clone, Debug)]
pub enum Nodes {
    /// Datil: every node, in order (URLs as the nodes compare them).
    Datil(Vec<String>),
    /// Naga: each node with its `maxPrice` in wei, in order (cheapest first when chosen by
    /// [`super::node_choice`]).
    Naga(Vec<(String, u128)>),
}

/// Everything [`sign_session`] needs.
pub struct SignRequest<'s> {
    pub target: PolicySession<'s>,
    pub profile: &'static Profile,
    pub issued_at: Timestamp,
    /// An explicit session end; by default `issued_at` plus the session's `ttl`.
    pub expiration: Option<Timestamp>,
    pub nodes: Nodes,
    /// A capacity (Datil) or payment (Naga) delegation AuthSig, and how to name it.
    pub delegation: Option<(AuthSig, String)>,
    pub auth: AuthSource<'s>,
    pub keys: KeySource<'s>,
    /// The Lit network's BLS key: a given `lit.bls` AuthSig (a PKP session's) is usable only
    /// when its signature verifies against it.
    pub network_key: Option<NetworkKey>,
}

/// What [`sign_session`] made.
#[derive(Debug)]
pub struct Signed {
    pub sigs: SessionSigs,
    pub issued_at: Timestamp,
    /// The session's end (shortened to a prepared AuthSig's when none was given).
    pub expiration: Timestamp,
}

/// Signs the session (see the module documentation for the steps).
pub fn sign_session(
    req: SignRequest<'_>,
    on_event: &mut dyn FnMut(Event),
) -> Result<Signed, FlowError> {
    let SignRequest {
        target,
        profile,
        issued_at,
        expiration: explicit,
        nodes,
        delegation,
        mut auth,
        keys,
        network_key,
    } = req;
    let session = target.session;
    let grant = target.grant();
    let mut expiration = explicit.unwrap_or_else(|| issued_at.add_secs(session.ttl.secs() as i64));
    if let Some(d) = target.lifetime_finding(
        "session",
        issued_at,
        expiration,
        session.ttl,
        format!("session `{}` (`ttl {}`)", session.name, session.ttl),
        session.ttl_span().or(Some(session.name_span())),
    ) {
        return Err(FlowError::finding(d));
    }
    let (session_key, new_key, mut kept) = choose_session_key(keys, &auth, issued_at, on_event)?;
    let uri = session_key.uri();
    let requests = target.requests();
    let naga = matches!(nodes, Nodes::Naga(_));
    if naga {
        if let Some((message, help)) = target.outside_vocabulary(profile) {
            return Err(FlowError::Usage {
                message,
                help: Some(help),
            });
        }
    }
    let grant_recap = grant.signed_recap();
    let delegation = check_delegation(delegation, profile, &nodes, issued_at, expiration)?;

    let auth_sig = match &mut auth {
        AuthSource::Given { auth_sig, shown } => {
            let (end, shortened) =
                flow::session_end_with(auth_sig, issued_at, expiration, explicit.is_some());
            if shortened {
                on_event(Event::Note(format!(
                    "the session expires with the AuthSig, at `{end}`"
                )));
                expiration = end;
            }
            let mut x =
                target.expectations(&uri, None, &requests, grant_recap, issued_at, expiration);
            x.network_key = network_key.as_ref();
            if let Err(mut p) = check_auth_sig(auth_sig, &x) {
                redact_seed_uri(&mut p, &session_key);
                return Err(FlowError::Findings(key_help(
                    problem_diags("AuthSig", shown, &p),
                    &session_key,
                )));
            }
            if let Some(k) = kept.as_mut() {
                k.store_new_key(&session_key, new_key, expiration, issued_at, on_event)?;
            }
            auth_sig.clone()
        }
        AuthSource::Wallet { signer, nonce } => {
            let x = target.expectations(
                &uri,
                Some(signer.address()),
                &requests,
                grant_recap,
                issued_at,
                expiration,
            );
            let reused = match kept.as_mut() {
                Some(k) => k.reusable(&x, on_event)?,
                None => None,
            };
            match reused {
                Some(a) => a,
                None => {
                    let nonce = nonce()?;
                    let auth_expiration = flow::new_authsig_expiration(
                        kept.is_some(),
                        grant.max_ttl,
                        issued_at,
                        expiration,
                    );
                    let a = target.new_auth_sig(
                        *signer,
                        session_key.public_key_hex(),
                        nonce,
                        issued_at,
                        auth_expiration,
                        naga,
                    )?;
                    if let Err(p) = check_auth_sig(&a, &x) {
                        // The compiled AuthSig always fits; this guards the guard.
                        return Err(FlowError::Findings(problem_diags(
                            "the new AuthSig",
                            "(generated)",
                            &p,
                        )));
                    }
                    if let Some(k) = kept.as_mut() {
                        k.store_new(
                            &session_key,
                            new_key,
                            &a,
                            auth_expiration,
                            issued_at,
                            on_event,
                        )?;
                    }
                    a
                }
            }
        }
    };

    let sigs = match &nodes {
        Nodes::Naga(prices) => super::naga::sign_for_nodes(
            &session_key,
            &requests,
            delegation.as_slice(),
            &auth_sig,
            issued_at,
            expiration,
            prices,
        ),
        Nodes::Datil(urls) => flow::session_sigs(
            &session_key,
            &requests,
            delegation.as_ref(),
            &auth_sig,
            issued_at,
            expiration,
            urls,
        ),
    };
    Ok(Signed {
        sigs,
        issued_at,
        expiration,
    })
}

/// Step 2: the session key (the given one, else the store's, else a new one: the `bool` says
/// it is new) and the store it is kept in, named for the wallet (v8) as `auth` gives it.
fn choose_session_key<'s>(
    keys: KeySource<'s>,
    auth: &AuthSource<'_>,
    issued_at: Timestamp,
    on_event: &mut dyn FnMut(Event),
) -> Result<(SessionKey, bool, Option<Kept<'s>>), FlowError> {
    let address = match auth {
        AuthSource::Wallet { signer, .. } => Some(signer.address().to_checksum()),
        AuthSource::Given { auth_sig, .. } => Address::parse_any_case(&auth_sig.address)
            .ok()
            .map(|a| a.to_checksum()),
    };
    let KeySource {
        key: given_key,
        store,
    } = keys;
    if matches!(store, Some((_, StoreLayout::V8(_)))) && address.is_none() {
        return Err(FlowError::usage(
            "the SDK v8 store names its entries by the wallet address, and the AuthSig's `address` is not one",
        ));
    }
    let mut kept = store.map(|(store, layout)| Kept {
        store,
        layout,
        address: address.clone().unwrap_or_default(),
    });
    let (session_key, new_key) = match (given_key, kept.as_mut()) {
        (Some(key), _) => (key, false),
        (None, Some(k)) => match k.session_key(issued_at)? {
            Some(key) => (key, false),
            None => (SessionKey::generate().map_err(SignError::from)?, true),
        },
        (None, None) => return Err(FlowError::usage(
            "pass `--session-key-seed-file FILE`, `--session-key-seed-env VAR` or `--store DIR`",
        )),
    };
    if let Some(k) = &kept {
        for n in k.store.notices() {
            on_event(Event::Warning(n.clone()));
        }
    }
    Ok((session_key, new_key, kept))
}

/// Step 4: the delegation fits as a delegation; on Naga it pays for every node's `maxPrice`.
fn check_delegation(
    delegation: Option<(AuthSig, String)>,
    profile: &Profile,
    nodes: &Nodes,
    issued_at: Timestamp,
    expiration: Timestamp,
) -> Result<Option<AuthSig>, FlowError> {
    let Some((a, shown)) = delegation else {
        return Ok(None);
    };
    let what = match profile.delegation.as_ref().map(|d| d.kind) {
        Some(DelegationKind::CapacityCredits) => "capacity delegation",
        Some(DelegationKind::Payment) => "payment delegation",
        // A profile without delegations (ERC-5573) never signs through this flow.
        None => "delegation",
    };
    let x = Expectations {
        uri: crate::siwe::DELEGATION_URI,
        wallet: None,
        requests: &[],
        now: issued_at,
        session_expiration: Some(expiration),
        grant: None,
        max_lifetime: None,
        domain: None,
        chain_id: None,
        pkp: None,
        network_key: None,
    };
    if let Err(p) = check_auth_sig(&a, &x) {
        return Err(FlowError::Findings(problem_diags(what, &shown, &p)));
    }
    if let Nodes::Naga(prices) = nodes {
        // lit-peer `payment_delegation.rs` `validate_delegation_requirements`: a delegation
        // pays only when the session's `maxPrice` is at most its `max_price`.
        match crate::wire::payment::delegation_max_price(&a.signed_message) {
            None => {
                return Err(FlowError::usage(
                    "--payment-delegation grants no payment (no `max_price` under `Auth/Auth` on `lit-paymentdelegation://*`); make one with `litcap delegate --network naga`",
                ))
            }
            Some(cap) => {
                if let Some((url, p)) = prices.iter().find(|(_, p)| *p > cap) {
                    return Err(FlowError::usage(format!(
                        "--max-price {p} for `{url}` exceeds the payment delegation's `max_price` {cap}, so the Naga nodes would not charge the delegator; lower --max-price to at most {cap}"
                    )));
                }
            }
        }
    }
    Ok(Some(a))
}

/// A locked store, its layout and the wallet address its v8 entries are named by.
struct Kept<'s> {
    store: &'s mut KeyStore,
    layout: StoreLayout,
    address: String,
}

impl Kept<'_> {
    /// The stored session key still usable at `now` (a v8 key past its `expiresAt` is not).
    fn session_key(&mut self, now: Timestamp) -> Result<Option<SessionKey>, FlowError> {
        Ok(match &self.layout {
            StoreLayout::V7 => self.store.session_key()?,
            StoreLayout::V8(l) => self
                .store
                .v8_session_key(l, &self.address)?
                .filter(|k| k.usable_at(now))
                .map(|k| k.key),
        })
    }

    fn auth_sig_entry(&self) -> String {
        match &self.layout {
            StoreLayout::V7 => WALLET_SIG.to_string(),
            StoreLayout::V8(l) => l.auth_sig_entry(&self.address),
        }
    }

    fn auth_sig_path(&self) -> String {
        self.store
            .path_of(&self.auth_sig_entry())
            .display()
            .to_string()
    }

    /// The stored AuthSig when it fits; notes a replacement; stops at a broken or foreign one.
    fn reusable(
        &mut self,
        x: &Expectations,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Option<AuthSig>, FlowError> {
        let stored = match &self.layout {
            StoreLayout::V7 => self.store.wallet_sig()?,
            StoreLayout::V8(l) => self.store.v8_auth_sig(l, &self.address)?,
        };
        let Some(a) = stored else { return Ok(None) };
        let path = self.auth_sig_path();
        match flow::judge_stored(&a, x) {
            StoredAuthSig::Reuse => {
                on_event(Event::Note(format!(
                    "reusing the AuthSig stored in `{path}`"
                )));
                Ok(Some(a))
            }
            StoredAuthSig::Replace(problems) => {
                let why: Vec<String> = problem_lines(&problems)
                    .into_iter()
                    .map(|(_, sentence)| sentence)
                    .collect();
                on_event(Event::Note(format!(
                    "replacing the AuthSig stored in `{path}`: {}",
                    why.join("; ")
                )));
                Ok(None)
            }
            refused @ StoredAuthSig::Refuse { .. } => {
                match refused.store_error_named(&self.auth_sig_entry(), path) {
                    Some(e) => Err(e.into()),
                    None => Ok(None),
                }
            }
        }
    }

    /// Stores a key this run generated (v7), or the v8 key entry ending at `expires_at`.
    fn store_new_key(
        &mut self,
        key: &SessionKey,
        new_key: bool,
        expires_at: Timestamp,
        now: Timestamp,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), FlowError> {
        if !new_key {
            return Ok(());
        }
        match &self.layout {
            StoreLayout::V7 => self.store.put_session_key(key)?,
            StoreLayout::V8(l) => {
                self.store
                    .put_v8_session_key(l, &self.address, key, expires_at, now)?
            }
        }
        on_event(Event::Note(format!(
            "stored a new session key `{}` in `{}`",
            key.public_key_hex(),
            self.store.dir().display()
        )));
        Ok(())
    }

    /// Stores a new AuthSig (and the key it names, when new). v7 keeps the key only once both
    /// are written; v8 rewrites the key entry so that it expires with the AuthSig.
    fn store_new(
        &mut self,
        key: &SessionKey,
        new_key: bool,
        auth_sig: &AuthSig,
        auth_expiration: Timestamp,
        now: Timestamp,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), FlowError> {
        match self.layout.clone() {
            StoreLayout::V7 => {
                self.store_new_key(key, new_key, auth_expiration, now, on_event)?;
                if let Err(e) = self.store.put_wallet_sig(auth_sig) {
                    if new_key {
                        self.store.forget_new_session_key(key);
                    }
                    return Err(e.into());
                }
            }
            StoreLayout::V8(l) => {
                // The AuthSig entry is checked (readable) before the key entry is touched.
                self.store.v8_auth_sig(&l, &self.address)?;
                self.store
                    .put_v8_session_key(&l, &self.address, key, auth_expiration, now)?;
                if new_key {
                    on_event(Event::Note(format!(
                        "stored a new session key `{}` in `{}`",
                        key.public_key_hex(),
                        self.store.dir().display()
                    )));
                }
                self.store.put_v8_auth_sig(&l, &self.address, auth_sig)?;
            }
        }
        on_event(Event::Note(format!(
            "stored the new AuthSig in `{}`",
            self.auth_sig_path()
        )));
        Ok(())
    }
}

/// An AuthSig issued for the session key's seed instead of its public key (what `authsig
/// --session-key <seed>` made): said so, without printing the seed. Any other URI mismatch
/// gets the session key's public key in its help (see [`key_help`]).
fn redact_seed_uri(problems: &mut [Problem], key: &SessionKey) {
    for p in problems.iter_mut() {
        if let crate::fit::Finding::UriMismatch { found, .. } = p {
            let named = found
                .strip_prefix(crate::siwe::SESSION_KEY_URI_PREFIX)
                .unwrap_or_default();
            if key.is_seed_hex(named) {
                *found = format!(
                    "{}<the session key's secret seed> (the seed was given where the public key belongs)",
                    crate::siwe::SESSION_KEY_URI_PREFIX
                );
            }
        }
    }
}

/// The `session-key-mismatch` help: the public key an AuthSig must name.
fn key_help(mut diags: Diagnostics, key: &SessionKey) -> Diagnostics {
    for d in diags.0.iter_mut() {
        if d.code == Code::SessionKeyMismatch && d.help.is_none() {
            let k = key.public_key_hex();
            d.help = Some(format!(
                "the session key's public key is `{k}`: sign an AuthSig for it with `litcap authsig ... --session-key {k}`, or give `authsig` the same `--session-key-seed-file`/`--session-key-seed-env` as `sign`"
            ));
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::LocalWallet;

    const POLICY: &str = r#"grant "g" {
  domain "localhost"
  max-ttl 1d
  allow pkp-signing on "lit-pkp://*"
}
session "s" from "g" {
  ttl 1h
  request pkp-signing on "lit-pkp://*"
}
"#;
    const NONCE: &str = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";

    fn policy() -> Policy {
        let loaded = crate::load::load_dsl(POLICY);
        assert!(!loaded.diagnostics.has_errors());
        loaded.policy
    }

    fn wallet() -> LocalWallet {
        LocalWallet::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// One call, as a Rust user makes it: Datil with a given key, then Naga with a v8 store
    /// (first a new key and AuthSig, then both reused; the nonce is asked for only once).
    #[test]
    fn sign_session_in_one_call() {
        let policy = policy();
        let target = PolicySession {
            policy: &policy,
            session: &policy.sessions[0],
        };
        let w = wallet();
        let mut asked = 0;
        let mut nonce = || {
            asked += 1;
            Ok(NONCE.to_string())
        };
        let key = SessionKey::from_seed(&[7u8; 32]);
        let signed = sign_session(
            SignRequest {
                target,
                profile: &crate::profile::DATIL,
                issued_at: ts("2024-09-19T13:00:00Z"),
                expiration: None,
                nodes: Nodes::Datil(vec!["https://a:1".into(), "https://b:2".into()]),
                delegation: None,
                auth: AuthSource::Wallet {
                    signer: &w,
                    nonce: &mut nonce,
                },
                keys: KeySource {
                    key: Some(key),
                    store: None,
                },
                network_key: None,
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(signed.sigs.entries.len(), 2);
        assert_eq!(signed.expiration, ts("2024-09-19T14:00:00Z"));

        let dir = crate::sign::store::tests::temp_dir("flow-v8");
        let layout = V8Layout {
            app_name: "app".into(),
            network_name: "naga-dev".into(),
        };
        let run = |at: &str, nonce: &mut dyn FnMut() -> Result<String, FlowError>| {
            let mut store = KeyStore::open(&dir).unwrap();
            let mut events = Vec::new();
            let signed = sign_session(
                SignRequest {
                    target,
                    profile: &crate::profile::NAGA,
                    issued_at: ts(at),
                    expiration: None,
                    nodes: Nodes::Naga(vec![("https://a:1".into(), 5)]),
                    delegation: None,
                    auth: AuthSource::Wallet { signer: &w, nonce },
                    keys: KeySource {
                        key: None,
                        store: Some((&mut store, StoreLayout::V8(layout.clone()))),
                    },
                    network_key: None,
                },
                &mut |e| events.push(e),
            )
            .unwrap();
            (signed, events)
        };
        let (first, events) = run("2024-09-19T13:00:00Z", &mut nonce);
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::Note(n) if n.contains("stored the new AuthSig"))));
        let (second, events) = run("2024-09-19T13:30:00Z", &mut nonce);
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::Note(n) if n.contains("reusing"))));
        let payload = |s: &Signed| s.sigs.entries[0].1.address.clone();
        assert_eq!(payload(&first), payload(&second));
        assert!(first.sigs.entries[0]
            .1
            .signed_message
            .ends_with("\"maxPrice\":\"0x5\"}"));
        assert_eq!(
            asked, 2,
            "a nonce for each new AuthSig, none for a reused one"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
