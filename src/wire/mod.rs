//! Stage 3: the wire formats, byte-identical with the Lit JS SDK v7.
//!
//! A checked session ([`crate::model`]) becomes what the SDK puts on the wire
//! ([`compile`]): a ReCap object and its `urn:recap:` resource ([`recap`]) over the Lit
//! vocabulary ([`lit`], [`acc`]), inside a SIWE message ([`siwe`]) that a wallet signs into an
//! AuthSig ([`authsig`]). [`coverage`] is the one subset proof, "does this ReCap grant that
//! request?", that every later stage asks.

pub mod acc;
pub mod auth_context;
pub mod authsig;
pub mod bls;
pub mod cid;
pub mod compile;
pub mod compile_naga;
pub mod compile_pkp;
pub mod coverage;
pub mod erc5573;
pub mod erc5573_decode;
pub mod kind;
pub mod lit;
pub mod naga;
pub mod payment;
pub mod recap;
pub mod siwe;
