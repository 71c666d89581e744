//! Any text as a SIWE message (EIP-4361, as siwe 2.3.2 and so the Lit SDK parse it): never
//! panics; whatever parses re-renders with `to_message()` to text that parses to the same
//! message, and that text is a fixed point of parse + render. The nodes' parser (siwe-rs
//! flavour) must not panic either, and neither may validation or the time accessors.
//!
//! Inputs starting with `{` are SIWE fields as JSON (`new SiweMessage({...})`): whatever
//! `from_fields` accepts (it validates) renders to text that parses to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use litcap::internal::siwe::{Flavor, SiweMessage, SiweSpans};
use std::ops::Range;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.starts_with('{') {
        return from_fields(text);
    }
    // Spans (of fields and of errors) point into the input, on character boundaries.
    let in_text = |r: &Range<usize>| {
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "span {r:?} outside the text"
        );
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
    };
    let check_spans = |s: &SiweSpans| {
        let fixed = [
            &s.domain,
            &s.address,
            &s.uri,
            &s.version,
            &s.chain_id,
            &s.nonce,
            &s.issued_at,
        ];
        fixed.into_iter().for_each(in_text);
        let optional = [
            &s.scheme,
            &s.statement,
            &s.expiration_time,
            &s.not_before,
            &s.request_id,
        ];
        optional.into_iter().flatten().for_each(in_text);
        s.resources.iter().for_each(in_text);
    };
    match SiweMessage::parse_with_spans(text, Flavor::Node) {
        Ok((_, spans)) => check_spans(&spans),
        Err(e) => in_text(&e.span),
    }
    let (m, spans) = match SiweMessage::parse_with_spans(text, Flavor::Sdk) {
        Ok(ok) => ok,
        Err(e) => return in_text(&e.span),
    };
    check_spans(&spans);
    let rendered = m.to_message();
    let again = match SiweMessage::parse(&rendered) {
        Ok(a) => a,
        Err(e) => panic!(
            "to_message() does not parse: {e:?}\n--- input\n{text:?}\n--- rendered\n{rendered:?}"
        ),
    };
    assert_eq!(
        m, again,
        "re-rendered message parses differently\n{rendered:?}"
    );
    assert_eq!(again.to_message(), rendered);
    assert!(m.validate().is_ok(), "a parsed message does not validate");
    let _ = m.issued_at_time();
    let _ = m.expiration();
    let _ = m.not_before_time();
    let _ = m.render(Flavor::Node);
    let _ = m.eip191_digest(Flavor::Sdk);
    for r in m.recap_resources() {
        let _ = litcap::Recap::decode(r);
    }
});

/// `SiweMessage::from_fields` validates: the rendered message must parse back to it.
fn from_fields(text: &str) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let Ok(m) = SiweMessage::from_fields(&value) else {
        return;
    };
    let rendered = m.to_message();
    match SiweMessage::parse(&rendered) {
        Ok(again) => assert_eq!(
            m, again,
            "from_fields accepted a message that does not round-trip\n{rendered:?}"
        ),
        Err(e) => {
            panic!("from_fields accepted a message whose text does not parse: {e:?}\n{rendered:?}")
        }
    }
}
