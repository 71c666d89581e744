//! Capability evaluations shared by the maps one thread verifies: a bulk `verify` reads many
//! maps signed under few AuthSigs, and [`evaluate_capability`] (SIWE parse, time, signature,
//! `lit:session:` URI, recap decoding) depends only on the AuthSig, the session key, the
//! nodes' clock and the network key; never on the map, the node or the operation.
//!
//! Rules:
//! - The memo's key is every input of [`evaluate_capability`]: the AuthSig's `sig`,
//!   `signedMessage`, `derivedVia` and `algo` (not its `address`, which it does not read), the
//!   session key, `now` and the network key's bytes. Its rules are Datil's whatever the map's
//!   profile (it reads `crate::profile::DATIL` itself), so the profile is not part of the key.
//! - The per-entry parts (times, node address, the operations and their coverage) are judged
//!   per entry as before, from the shared evaluation.
//! - One memo per thread, cleared when it holds [`MAX_EVALUATIONS`] AuthSigs: the verdicts
//!   do not depend on what it holds.

use super::capability::{evaluate_capability, CapEval};
use super::input::PayloadAuthSig;
use crate::time::Timestamp;
use crate::wire::bls::NetworkKey;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Distinct `signedMessage`s one thread remembers.
const MAX_EVALUATIONS: usize = 1024;

/// Everything [`evaluate_capability`] reads.
#[derive(PartialEq, Eq, Hash)]
struct Inputs {
    sig: String,
    signed_message: String,
    derived_via: String,
    algo: Option<String>,
    session: Option<String>,
    now: Timestamp,
    network_key: Option<Vec<u8>>,
}

impl Inputs {
    fn matches(
        &self,
        cap: &PayloadAuthSig<'_>,
        session: Option<&str>,
        now: Timestamp,
        key: Option<&NetworkKey>,
    ) -> bool {
        self.sig == cap.sig.as_ref()
            && self.signed_message == cap.signed_message.as_ref()
            && self.derived_via == cap.derived_via.as_ref()
            && self.algo.as_deref() == cap.algo.as_deref()
            && self.session.as_deref() == session
            && self.now == now
            && self.network_key.as_deref() == key.map(|k| &k.bytes()[..])
    }
}

/// By the hash of the `signedMessage` (distinct AuthSigs differ there), then compared whole.
type Memo = HashMap<u64, Vec<(Inputs, Rc<CapEval>)>>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::new());
}

fn message_hash(signed_message: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    signed_message.hash(&mut h);
    h.finish()
}

/// [`evaluate_capability`], once per distinct inputs on this thread.
pub(super) fn evaluate_shared(
    cap: &PayloadAuthSig<'_>,
    session: Option<&str>,
    now: Timestamp,
    key: Option<&NetworkKey>,
) -> Rc<CapEval> {
    let hash = message_hash(&cap.signed_message);
    let found = MEMO.with(|memo| {
        memo.borrow().get(&hash).and_then(|bucket| {
            bucket
                .iter()
                .find(|(inputs, _)| inputs.matches(cap, session, now, key))
                .map(|(_, eval)| Rc::clone(eval))
        })
    });
    if let Some(eval) = found {
        return eval;
    }
    let eval = Rc::new(evaluate_capability(cap, session, now, key));
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= MAX_EVALUATIONS {
            memo.clear();
        }
        memo.entry(hash).or_default().push((
            Inputs {
                sig: cap.sig.to_string(),
                signed_message: cap.signed_message.to_string(),
                derived_via: cap.derived_via.to_string(),
                algo: cap.algo.as_deref().map(str::to_string),
                session: session.map(str::to_string),
                now,
                network_key: key.map(|k| k.bytes().to_vec()),
            },
            Rc::clone(&eval),
        ));
    });
    eval
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn cap(signed_message: &str) -> PayloadAuthSig<'_> {
        PayloadAuthSig {
            sig: Cow::Borrowed("0x00"),
            derived_via: Cow::Borrowed("web3.eth.personal.sign"),
            signed_message: Cow::Borrowed(signed_message),
            address: Cow::Borrowed("0x0000000000000000000000000000000000000000"),
            algo: None,
        }
    }

    fn message(eval: &CapEval) -> String {
        match eval {
            CapEval::Fail(kind, why) => format!("{kind:?}: {why}"),
            CapEval::Ready { signer, .. } => format!("ready: {signer}"),
        }
    }

    #[test]
    fn one_evaluation_per_distinct_inputs() {
        let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let later = Timestamp::parse_rfc3339("2026-01-02T00:00:00Z").unwrap();
        let a = cap("not a SIWE message");
        let first = evaluate_shared(&a, Some("lit:session:aa"), now, None);
        // The same inputs from another map (another borrow): the same evaluation.
        let text = String::from("not a SIWE message");
        let again = evaluate_shared(&cap(&text), Some("lit:session:aa"), now, None);
        assert!(Rc::ptr_eq(&first, &again));
        assert_eq!(
            message(&first),
            message(&evaluate_capability(&a, Some("lit:session:aa"), now, None))
        );
        // Any other input is another evaluation.
        for (session, at) in [("lit:session:bb", now), ("lit:session:aa", later)] {
            let other = evaluate_shared(&a, Some(session), at, None);
            assert!(!Rc::ptr_eq(&first, &other));
        }
        let b = cap("another text");
        assert!(!Rc::ptr_eq(
            &first,
            &evaluate_shared(&b, Some("lit:session:aa"), now, None)
        ));
    }
}
