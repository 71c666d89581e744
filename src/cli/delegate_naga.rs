//! `litcap delegate --network naga --delegatee 0x.. --max-price WEI --scope SCOPE...`: the
//! payment delegation AuthSig of auth-helpers 8.2.1 `createPaymentDelegationAuthSig` (Naga has
//! no capacity credits).

use super::common::signing::{report, Reported};
use super::common::{print_json, usage_error, usage_error_help};
use super::delegate::DelegateArgs;
use litcap::internal::sign::payment::{
    create_payment_delegation_auth_sig, PaymentDelegationParams, PaymentError,
};
use litcap::internal::wire::payment::PaymentDelegationInput;

/// `--network naga`: `createPaymentDelegationAuthSig`.
pub fn delegate_payment(args: DelegateArgs) -> Result<u8, Reported> {
    if args.grant.is_some() {
        return Err(Reported(usage_error(
            "--grant describes a Datil capacity-credit delegation (`rate-limit-increase-auth`); Naga has no capacity credits: delegate payment with --max-price WEI and --scope (e.g. `--scope pkp_sign`)",
        )));
    }
    if args.capacity_token_id.is_some() {
        return Err(Reported(usage_error(
            "--capacity-token-id is a Datil capacity-credit delegation; Naga has no capacity credits: delegate payment with --max-price WEI and --scope (e.g. `--scope pkp_sign`)",
        )));
    }
    let Some(max_price) = args.max_price.clone() else {
        return Err(Reported(usage_error(
            "--network naga needs --max-price WEI (the most each delegated request may cost)",
        )));
    };
    if let Some(s) = &args.statement {
        if s.contains('\n') || s.contains('\r') {
            return Err(Reported(usage_error(
                "--statement contains a line break; SIWE statements are one line",
            )));
        }
    }
    let (issued_at, expiration) = args.times.resolve()?;
    let params = PaymentDelegationParams {
        delegation: PaymentDelegationInput {
            delegatee_addresses: args.delegatees.clone(),
            scopes: args.scopes.clone(),
            max_price,
        },
        nonce: String::new(),
        issued_at,
        expiration,
        domain: args.domain.clone(),
        statement: args.statement.clone(),
    };
    // The inputs are checked before any wallet or network is touched.
    if let Err(e) = litcap::internal::wire::payment::nota_bene(&params.delegation) {
        return Err(Reported(match e.help() {
            Some(h) => usage_error_help(format!("payment delegation: {e}"), h),
            None => usage_error(format!("payment delegation: {e}")),
        }));
    }
    let signer = args.wallet.signer()?;
    let nonce = args
        .nonce
        .resolve(&args.wallet.http(), args.net.get().profile())?;
    let params = PaymentDelegationParams { nonce, ..params };
    match create_payment_delegation_auth_sig(signer.as_ref(), &params) {
        Ok(a) => Ok(print_json(&a.to_value())),
        Err(PaymentError::Sign(e)) => Err(report(&e)),
        Err(PaymentError::Delegation(e)) => Err(Reported(usage_error(e.to_string()))),
    }
}
