//! Stage 4: static verification. Prove that every session asks for no more than its grant
//! (and, given an AuthSig, no more than the AuthSig grants, which grants no more than the
//! policy), explain each denial, and lint for least privilege.

pub mod check;
pub mod check_coverage;
mod check_json;
pub mod check_signer;
pub mod diff;
pub mod explain;
pub mod explain_authsig;
pub mod lints;
pub mod lints_signer;
pub mod operation;
mod pretty_json;
pub mod report;
pub mod request_error;
pub mod sessionsigs;
