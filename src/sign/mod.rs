//! Stage 5: signing. Session keys, wallet signers (local key or remote JSON-RPC), AuthSigs,
//! capacity and payment delegations and SessionSigs, byte for byte as the Lit JS SDK v7 (and
//! v8, [`naga`]) makes them, plus a key store the SDK's storage providers can share (v7
//! `node-localstorage`, v8 `localStorageNode`) and the node handshake that supplies the SIWE
//! nonce. [`sign_session`] runs the whole flow for a policy session in one call.
//!
//! Every function that takes outside input returns a typed error; [`SignError::exit_code`]
//! maps it to the documented process exit codes.

pub mod authsig;
pub mod capacity;
pub mod check;
pub mod flow;
pub mod handshake;
pub mod http;
pub mod naga;
pub mod node_choice;
pub mod payment;
pub mod policy_session;
#[cfg(feature = "net")] // the JSON-RPC signer needs the network stack
pub mod remote;
pub mod session_key;
pub mod sessionsigs;
pub mod store;
pub mod store_v8;
pub mod wallet;

pub use authsig::{create_auth_sig, AuthSigParams};
pub use capacity::{create_capacity_delegation_auth_sig, CapacityDelegationParams};
pub use policy_session::{sign_session, FlowError, PolicySession, SignRequest, Signed};
pub use session_key::SessionKey;
pub use sessionsigs::{get_session_sigs, sign_session_sigs, SessionSig, SessionSigs};
pub use wallet::{LocalWallet, SignerError, WalletSigner};

use crate::diag::exit;

/// Any failure of the signing stage.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SignError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Signer(#[from] SignerError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Key(#[from] wallet::KeyLoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Handshake(#[from] handshake::HandshakeError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    SessionKey(#[from] session_key::SessionKeyError),
    #[error("the SDK would refuse to build this SIWE message: {0}")]
    #[diagnostic(code(litcap::sign::siwe))]
    Build(crate::siwe::BuildError),
    #[error("nonce `{0}` is not valid for SIWE: it needs at least 8 letters or digits")]
    #[diagnostic(
        code(litcap::sign::nonce),
        help("use the latest blockhash (`0x` and 64 hex digits), or `--handshake <node url>`")
    )]
    Nonce(String),
    #[error("{0}")]
    #[diagnostic(code(litcap::sign::input))]
    Input(String),
}

impl SignError {
    /// The process exit code for this error (see [`crate::diag::exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            SignError::Signer(_) => exit::SIGNER,
            SignError::Store(e) => e.exit_code(),
            SignError::Handshake(e) => e.exit_code(),
            SignError::Key(_)
            | SignError::SessionKey(_)
            | SignError::Nonce(_)
            | SignError::Input(_) => exit::USAGE,
            SignError::Build(_) => exit::ERRORS,
        }
    }
}
