//! litcap: least privilege for Lit Protocol session signatures, declared in policy files,
//! compiled byte-identically to the Lit JS SDK v7, verified statically with the nodes' rules,
//! and signed.
//!
//! # The API
//!
//! Everything a program needs is re-exported at the crate root, by pipeline stage:
//!
//! | stage | items |
//! |---|---|
//! | load policy files | [`load_paths`], [`load_inputs`], [`Loaded`], [`PolicyFormat`], [`LoadError`]; the checked [`Policy`], [`Grant`], [`Session`] |
//! | compile a session to the SDK's inputs | [`compile()`], [`SiweInputs`], [`Compiled`], [`CompileError`] |
//! | check a policy, alone or against an AuthSig | [`check_policy`], [`check_with_authsig`], [`CheckOptions`], [`LintOptions`], [`AuthSigInput`], [`CheckReport`] |
//! | sign AuthSigs and SessionSigs | [`sign_message`], [`create_auth_sig`], [`AuthSigParams`], [`get_session_sigs`], [`GetSessionSigsParams`], [`sign_session_sigs`], [`SessionSigsParams`], [`SessionKey`], [`LocalWallet`], [`WalletSigner`], [`SignError`] |
//! | verify SessionSigs as each node would | [`verify_text`], [`verify_path`], [`VerifyOptions`], [`FileResult`], [`Outcome`], [`NodeVerdict`], [`DecodedCapability`], [`Operation`]; the report's JSON and text in [`report`] |
//! | the wire formats | [`AuthSig`], [`SessionSigs`], [`SiweMessage`], [`Recap`], [`CapabilityRequest`], [`Ability`], [`Resource`], [`NetworkKey`] |
//! | the published JSON Schemas | [`Schema`], [`validate_json_document`] |
//! | networks and time | [`Profile`], [`DATIL`], [`NAGA`], [`Timestamp`], [`Ttl`] |
//!
//! Every finding is a [`diag::Diagnostic`] with a stable [`diag::Code`], a span into
//! [`diag::Sources`], a lowercase message and a `help`; [`diag`] renders them for people
//! ([`diag::render_human`]) and machines ([`diag::to_json`], [`diag::to_sarif`]), and
//! [`diag::exit`] holds the documented exit codes. Errors that are not findings are typed
//! (`thiserror` enums whose `Display` is the same kind of message).
//!
//! The modules behind these items are private; `litcap::internal` (hidden, no stability
//! promise) reaches them for the command line, the tests, the benches and the fuzz targets.
//! `docs/architecture.md` maps them.
//!
//! # Example
//!
//! Load a policy, check it, compile its session, sign the AuthSig with a wallet and check the
//! policy against that AuthSig:
//!
//! ```
//! use litcap::{
//!     check_policy, check_with_authsig, compile, load_inputs, sign_message, AuthSigInput,
//!     CheckOptions, LocalWallet, PolicyFormat, SessionKey, SiweInputs, Timestamp,
//! };
//!
//! let policy = r#"
//! grant "signer" {
//!   domain "app.example.com"
//!   statement "Sign with the app's PKP."
//!   max-ttl 1h
//!   allow pkp-signing on "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
//! }
//! session "app" from "signer" {
//!   ttl 15m
//!   request pkp-signing on "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
//! }
//! "#;
//! let mut loaded = load_inputs(vec![(
//!     "app.litcap".into(),
//!     PolicyFormat::Dsl,
//!     policy.as_bytes().to_vec(),
//! )]);
//! let options = CheckOptions::default();
//! let report = check_policy(&loaded, &options);
//! assert!(!report.diagnostics.has_errors());
//! assert!(report.coverage.iter().all(|c| c.covered));
//!
//! // The AuthSig's SIWE message, byte for byte as the SDK would build it.
//! let wallet = LocalWallet::from_hex(
//!     "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", // a test key
//! )?;
//! let session_key = SessionKey::from_seed(&[7; 32]);
//! let issued_at = Timestamp::parse_rfc3339("2025-01-01T00:00:00Z")?;
//! let inputs = SiweInputs {
//!     address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
//!     session_key: session_key.public_key_hex().into(),
//!     nonce: "0x1bd5a4b5b0a4a2c6b3d2c8f5b7e9a1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5".into(),
//!     issued_at,
//!     expiration: None,
//! };
//! let compiled = compile(&loaded.policy, "app", Some(&inputs))?;
//! assert_eq!(compiled.resource_ability_requests[0]["ability"], "pkp-signing");
//! let message = compiled.siwe.expect("inputs were given").to_message();
//! assert!(message.starts_with("app.example.com wants you to sign in"));
//!
//! // Sign it, and check the policy against the signed AuthSig five minutes later.
//! let auth_sig = sign_message(&wallet, message)?;
//! let report = check_with_authsig(
//!     &mut loaded,
//!     &options,
//!     &AuthSigInput {
//!         name: "authsig.json".into(),
//!         text: auth_sig.to_value().to_string(),
//!         at: issued_at.add_secs(300),
//!         session_key: Some(session_key.public_key_hex().into()),
//!         network_key: None,
//!         uri: None,
//!     },
//! );
//! assert!(!report.diagnostics.has_errors(), "{:?}", report.diagnostics);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![recursion_limit = "256"]
// Diagnostics are large and only built on failure paths; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod diag;
pub(crate) mod eth;
pub(crate) mod fit;
pub(crate) mod fsutil;
pub(crate) mod infer;
pub(crate) mod json;
pub(crate) mod load;
pub(crate) mod lsp;
pub(crate) mod model;
pub(crate) mod profile;
pub(crate) mod schema;
pub(crate) mod schema_gen;
pub(crate) mod sign;
pub(crate) mod suggest;
pub(crate) mod syntax;
pub(crate) mod time;
pub(crate) mod verify;
pub(crate) mod wire;

// The wire-format modules lived at the crate root until the layout step of issue #9; inside
// the crate, `crate::siwe::…` paths still name them.
pub(crate) use wire::{authsig, compile, coverage, lit, recap, siwe};

// ------------------------------------------------------------------------ the façade --

// Load policy files.
pub use load::{load_inputs, load_paths, LoadError, Loaded, PolicyFormat};
pub use model::{Grant, Policy, Session};
// Compile a session to what the SDK puts on the wire.
pub use wire::compile::{compile, CompileError, Compiled, SiweInputs};
// Compile a plain ERC-5573 session (`network "erc5573"`): siwe-recap's statement, URN and SIWE.
pub use wire::erc5573;
// Check a policy, alone or against a signed AuthSig.
pub use verify::check::{
    check_policy, check_with_authsig, AuthSigInput, CheckOptions, CheckReport, CoverageEntry,
    CoveredBy,
};
pub use verify::lints::LintOptions;
// Sign AuthSigs and SessionSigs.
pub use sign::authsig::sign_message;
pub use sign::sessionsigs::{GetSessionSigsParams, SessionSigsParams};
pub use sign::{
    create_auth_sig, get_session_sigs, sign_session_sigs, AuthSigParams, LocalWallet, SessionKey,
    SessionSig, SessionSigs, SignError, SignerError, WalletSigner,
};
// Verify SessionSigs (or a lone AuthSig) as each node would, optionally against a session.
pub use verify::operation::Operation;
pub use verify::report::{verify_path, verify_text, FileResult, Outcome};

/// The `litcap verify` report of verified inputs ([`verify_text`], [`verify_path`]): its JSON
/// and text, as the command line prints them, and its exit status.
pub mod report {
    pub use crate::verify::report::{
        checking, exit_code, human, to_json, verify_path, verify_text, FileResult, LoneAuthSig,
        Outcome,
    };
}
pub use verify::request_error::RequestError;
pub use verify::sessionsigs::{
    DecodedCapability, NodeError, NodeErrorKind, NodeVerdict, VerifyOptions,
};
// The wire formats.
pub use wire::authsig::AuthSig;
pub use wire::bls::NetworkKey;
pub use wire::lit::{Ability, Resource, ResourcePrefix};
pub use wire::recap::Recap;
pub use wire::siwe::{CapabilityRequest, SiweMessage};
// The published JSON Schemas, and validation against them with positions.
pub use schema::{validate_json_document, Schema};
// Networks and time.
pub use profile::{Profile, DATIL, NAGA};
pub use time::{TimeError, Timestamp, Ttl, TtlError};

// ---------------------------------------------------------------------- not the API --

/// Not API: every module behind the façade, for the `litcap` command line, the tests, the
/// benches and the fuzz targets. No stability promise: paths here move
/// when the code does. Programs use the crate root and [`diag`].
#[doc(hidden)]
pub mod internal {
    pub mod eth {
        pub use crate::eth::*;
    }
    pub mod fit {
        pub use crate::fit::*;
    }
    pub mod fsutil {
        pub use crate::fsutil::*;
    }
    pub mod infer {
        pub use crate::infer::*;
    }
    pub mod json {
        pub use crate::json::*;
    }
    pub mod load {
        pub use crate::load::*;
    }
    pub mod lsp {
        pub use crate::lsp::*;
    }
    pub mod model {
        pub use crate::model::*;
    }
    pub mod profile {
        pub use crate::profile::*;
    }
    pub mod schema {
        pub use crate::schema::*;
    }
    pub mod schema_gen {
        pub use crate::schema_gen::*;
    }
    pub mod sign {
        pub use crate::sign::*;
    }
    pub mod suggest {
        pub use crate::suggest::*;
    }
    pub mod syntax {
        pub use crate::syntax::*;
    }
    pub mod time {
        pub use crate::time::*;
    }
    pub mod verify {
        pub use crate::verify::*;
    }
    pub mod wire {
        pub use crate::wire::*;
    }
    // The wire formats under their short names too (`internal::siwe` = `internal::wire::siwe`).
    pub mod acc {
        pub use crate::wire::acc::*;
    }
    pub mod authsig {
        pub use crate::wire::authsig::*;
    }
    pub mod bls {
        pub use crate::wire::bls::*;
    }
    pub mod compile {
        pub use crate::wire::compile::*;
    }
    pub mod coverage {
        pub use crate::wire::coverage::*;
    }
    pub mod lit {
        pub use crate::wire::lit::*;
    }
    pub mod recap {
        pub use crate::wire::recap::*;
    }
    pub mod siwe {
        pub use crate::wire::siwe::*;
    }
}
