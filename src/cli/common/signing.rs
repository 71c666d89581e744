//! What the signing commands share around the library's sign flow
//! ([`litcap::internal::sign::policy_session`]): the loaded policy session ([`Target`]), reading an AuthSig
//! file, and reporting failures, findings and the flow's events in the common style.

use super::{print_human, print_note, print_warning, read_text, usage_error, usage_error_help};
use litcap::diag::{exit, Code, Diagnostic, Diagnostics, Sources};
use litcap::internal::authsig::AuthSig;
use litcap::internal::compile;
use litcap::internal::model::{Grant, Policy, Session};
use litcap::internal::sign::policy_session::{Event, FlowError, PolicySession};
use litcap::internal::sign::SignError;
use litcap::internal::time::{Timestamp, Ttl};
use std::path::{Path, PathBuf};

/// A failure already reported on stderr, carrying the exit code.
pub struct Reported(pub u8);

/// Prints an error with its code and help, like every diagnostic; returns its exit code.
pub fn report(e: &SignError) -> Reported {
    super::print_error(e);
    Reported(e.exit_code())
}

/// Prints diagnostics; returns exit code 1.
pub fn report_diags(diags: &Diagnostics, sources: &Sources) -> Reported {
    print_human(diags, sources);
    Reported(exit::ERRORS)
}

/// Prints a failure of the library's sign flow (findings against `sources`).
pub fn report_flow(e: FlowError, sources: &Sources) -> Reported {
    match e {
        FlowError::Findings(d) => report_diags(&d, sources),
        FlowError::Usage {
            message,
            help: Some(help),
        } => Reported(usage_error_help(message, help)),
        FlowError::Usage {
            message,
            help: None,
        } => Reported(usage_error(message)),
        FlowError::Sign(e) => report(&e),
    }
}

/// Prints an event of the sign flow as it happens.
pub fn print_event(e: Event) {
    match e {
        Event::Note(n) => print_note(n),
        Event::Warning(w) => print_warning(w),
    }
}

pub fn one(d: Diagnostic) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.push(d);
    diags
}

/// Warns when the output is dead on arrival: already expired (e.g. `--issued-at 2020-…`), or,
/// for SessionSigs (`session` true), issued more than the nodes' 60 s grace in the future
/// (lit-peer `auth/session_sigs.rs` `validate_session_sig_time_parameters`; an AuthSig's
/// `Issued At` is not checked by the node's siwe-rs `verify`, only its expiration).
pub fn warn_if_unusable(what: &str, issued_at: Timestamp, expiration: Timestamp, session: bool) {
    let now = Timestamp::now();
    if expiration.millis_since(&now) <= 0 {
        print_warning(format!("the {what} expired at `{expiration}`, before now: every node will refuse it; leave out `--issued-at` (it defaults to now) or pass a later `--issued-at`/`--expiration`"));
    } else if session && issued_at.millis_since(&now) > 60_000 {
        print_warning(format!("the {what} is issued at `{issued_at}`, more than 60 s after now: the nodes refuse it until then (`NodeIatOutsideGracePeriod`)"));
    }
}

/// The loaded policy and its session (unknown sessions and policy errors are reported).
pub struct Target {
    pub sources: Sources,
    pub policy: Policy,
    pub session: usize,
}

impl Target {
    pub fn load(files: &[PathBuf], session: &str) -> Result<Target, Reported> {
        let loaded = super::load_policy(files).map_err(Reported)?;
        if loaded.diagnostics.has_errors() {
            return Err(Reported(exit::ERRORS));
        }
        let Some(index) = loaded
            .policy
            .sessions
            .iter()
            .position(|s| s.name == session)
        else {
            let d = match compile::find_session(&loaded.policy, session) {
                Err(d) => *d,
                Ok(_) => Diagnostic::new(
                    Code::UnknownSession,
                    format!("there is no session `{session}`"),
                ),
            };
            return Err(report_diags(&one(d), &loaded.sources));
        };
        Ok(Target {
            sources: loaded.sources,
            policy: loaded.policy,
            session: index,
        })
    }

    /// The library's view of the session.
    pub fn policy_session(&self) -> PolicySession<'_> {
        PolicySession {
            policy: &self.policy,
            session: self.session(),
        }
    }

    pub fn session(&self) -> &Session {
        &self.policy.sessions[self.session]
    }

    pub fn grant(&self) -> &Grant {
        self.policy.grant_of(self.session())
    }

    /// Refuses a lifetime over `limit` (a `lifetime-too-long` diagnostic at `span`).
    pub fn check_lifetime(
        &self,
        what: &str,
        issued: Timestamp,
        expiration: Timestamp,
        limit: Ttl,
        limit_name: String,
        span: Option<litcap::diag::Span>,
    ) -> Result<(), Reported> {
        match self
            .policy_session()
            .lifetime_finding(what, issued, expiration, limit, limit_name, span)
        {
            Some(d) => Err(report_diags(&one(d), &self.sources)),
            None => Ok(()),
        }
    }

    /// Refuses to have a wallet sign for a grant whose signer is a PKP (`signer pkp`): its
    /// AuthSig comes from the Lit network (`getPkpSessionSigs`), and a wallet's would be
    /// `signer-not-pkp` wherever it is judged.
    pub fn check_wallet_signer(&self) -> Result<(), Reported> {
        let grant = self.grant();
        let Some(pkp) = &grant.signer else {
            return Ok(());
        };
        let d = Diagnostic::new(
            Code::SignerNotPkp,
            format!(
                "grant `{}` is signed by the Lit network for the PKP `{}`, not by a wallet",
                grant.name,
                pkp.address.to_checksum()
            ),
        )
        .at(pkp.stmt_span, "the grant's signer")
        .help("mint the session with the SDK's `getPkpSessionSigs` / `getLitActionSessionSigs` (`litcap compile --session NAME` prints their parameters as `pkpSession`), then check it with `litcap verify --policy`; or wrap the network's AuthSig with `litcap sign --authsig FILE --network-key HEX`");
        Err(report_diags(&one(d), &self.sources))
    }

    /// Refuses a session (or its grant) with capabilities outside the profile's vocabulary,
    /// naming the replacement.
    pub fn check_vocabulary(
        &self,
        profile: &litcap::internal::profile::Profile,
    ) -> Result<(), Reported> {
        match self.policy_session().outside_vocabulary(profile) {
            Some((message, help)) => Err(Reported(usage_error_help(message, help))),
            None => Ok(()),
        }
    }
}

/// Reads an AuthSig JSON file: unreadable is exit 2, not an AuthSig is an `invalid-json` error.
pub fn read_auth_sig(path: &Path, what: &str) -> Result<AuthSig, Reported> {
    let shown = path.display().to_string();
    let text = read_text(path).map_err(Reported)?;
    let parsed = serde_json::from_str::<serde_json::Value>(&text.text)
        .map_err(|e| e.to_string())
        .and_then(|v| AuthSig::from_value(&v).map_err(|e| e.to_string()));
    parsed.map_err(|e| {
        report_diags(
            &one(Diagnostic::new(
                Code::InvalidJson,
                format!("{what} `{shown}` is not an AuthSig: {e}"),
            )
            .in_file(shown.clone())
            .help("an AuthSig is a JSON object `{sig, derivedVia, signedMessage, address}`")),
            &Sources::new(),
        )
    })
}
