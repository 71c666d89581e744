//! The shared EIP-4361 test suite (`tests/vectors/siwe/`, from spruceid/siwe) against
//! `litcap::siwe`: every case of every file, none skipped silently.

mod common;

use litcap::internal::eth::Signature;
use litcap::internal::siwe::{SiweField, SiweMessage, VerifyOpts};
use litcap::Timestamp;
use serde_json::Value;

fn cases(file: &str) -> Vec<(String, Value)> {
    let suite = common::siwe_suite(file);
    let obj = suite.as_object().expect("suite is an object");
    assert!(!obj.is_empty(), "{file} has no cases");
    obj.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

#[test]
fn parsing_positive() {
    let cases = cases("parsing_positive.json");
    assert_eq!(cases.len(), 19);
    for (name, case) in cases {
        let text = case["message"].as_str().unwrap();
        let fields = &case["fields"];
        let (m, spans) = SiweMessage::parse_with_spans(text, litcap::internal::siwe::Flavor::Sdk)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(m.scheme, opt_str(fields, "scheme"), "{name}: scheme");
        assert_eq!(
            Some(m.domain.clone()),
            opt_str(fields, "domain"),
            "{name}: domain"
        );
        assert_eq!(
            Some(m.address.clone()),
            opt_str(fields, "address"),
            "{name}: address"
        );
        assert_eq!(
            m.statement,
            opt_str(fields, "statement"),
            "{name}: statement"
        );
        assert_eq!(Some(m.uri.clone()), opt_str(fields, "uri"), "{name}: uri");
        assert_eq!(
            Some(m.version.clone()),
            opt_str(fields, "version"),
            "{name}: version"
        );
        assert_eq!(
            Some(m.chain_id),
            fields["chainId"].as_u64(),
            "{name}: chainId"
        );
        assert_eq!(
            Some(m.nonce.clone()),
            opt_str(fields, "nonce"),
            "{name}: nonce"
        );
        assert_eq!(
            Some(m.issued_at.clone()),
            opt_str(fields, "issuedAt"),
            "{name}: issuedAt"
        );
        assert_eq!(
            m.expiration_time,
            opt_str(fields, "expirationTime"),
            "{name}: expirationTime"
        );
        assert_eq!(
            m.not_before,
            opt_str(fields, "notBefore"),
            "{name}: notBefore"
        );
        assert_eq!(
            m.request_id,
            opt_str(fields, "requestId"),
            "{name}: requestId"
        );
        let resources: Option<Vec<String>> = fields.get("resources").map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        });
        assert_eq!(m.resources, resources, "{name}: resources");
        // Every field the suite lists was compared above.
        for key in fields.as_object().unwrap().keys() {
            assert!(
                SiweField::ALL_VALUE_FIELDS
                    .iter()
                    .any(|f| f.as_str() == key),
                "{name}: field `{key}` not compared"
            );
        }
        assert_eq!(m.to_message(), text, "{name}: to_message round trip");
        assert_eq!(&text[spans.domain.clone()], m.domain, "{name}: domain span");
        assert_eq!(&text[spans.nonce.clone()], m.nonce, "{name}: nonce span");
        assert!(m.validate().is_ok(), "{name}: validate");
    }
}

#[test]
fn parsing_negative() {
    let cases = cases("parsing_negative.json");
    assert_eq!(cases.len(), 29);
    for (name, case) in cases {
        let text = case.as_str().unwrap();
        let e = SiweMessage::parse(text).expect_err(&name);
        assert!(e.span.end <= text.len(), "{name}: span out of range");
        assert!(
            !e.message.is_empty() && e.message.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{name}: {}",
            e.message
        );
    }
}

#[test]
fn parsing_negative_reports_the_right_field() {
    let cases = cases("parsing_negative.json");
    let expect = [
        ("missing domain", SiweField::Domain),
        ("missing address", SiweField::Address),
        ("missing uri", SiweField::Uri),
        ("missing version", SiweField::Version),
        ("missing chainId", SiweField::ChainId),
        ("missing nonce", SiweField::Nonce),
        ("missing issuedAt", SiweField::IssuedAt),
        ("out of order uri", SiweField::Uri),
        ("out of order version", SiweField::Version),
        ("out of order nonce", SiweField::Nonce),
        ("out of order issuedAt", SiweField::IssuedAt),
        ("out of order notBefore", SiweField::NotBefore),
        ("out of order requestId", SiweField::RequestId),
        ("domain not RFC4501 authority", SiweField::Domain),
        ("address not EIP-55", SiweField::Address),
        ("statement has line break", SiweField::Statement),
        ("uri is non-RFC 3986", SiweField::Uri),
        ("version not 1", SiweField::Version),
        ("not a valid chainId", SiweField::ChainId),
        ("nonce with less then 8 chars", SiweField::Nonce),
        ("non-ISO 8601 issuedAt", SiweField::IssuedAt),
        ("non-ISO 8601 expirationTime", SiweField::ExpirationTime),
        ("non-ISO 8601 notBefore", SiweField::NotBefore),
        (
            "resources not separated by line break",
            SiweField::Resources,
        ),
        ("first resource not-RFC 3986", SiweField::Resources),
        ("second resource is not-RFC3986", SiweField::Resources),
    ];
    for (name, field) in expect {
        let text = cases
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no case `{name}`"))
            .1
            .as_str()
            .unwrap()
            .to_string();
        let e = SiweMessage::parse(&text).unwrap_err();
        assert_eq!(e.field, field, "{name}: {}", e.message);
    }
    let domain = cases
        .iter()
        .find(|(n, _)| n == "domain not RFC4501 authority")
        .unwrap()
        .1
        .as_str()
        .unwrap()
        .to_string();
    let e = SiweMessage::parse(&domain).unwrap_err();
    assert_eq!(&domain[e.span.clone()], "#notrfc4501");
    assert!(e.message.contains("`#notrfc4501`"), "{}", e.message);
}

#[test]
fn parsing_negative_objects() {
    let cases = cases("parsing_negative_objects.json");
    assert_eq!(cases.len(), 18);
    for (name, fields) in cases {
        let e = SiweMessage::from_fields(&fields).expect_err(&name);
        assert!(!e.message.is_empty(), "{name}");
    }
}

/// The siwe suite's verification harness: build from fields, verify with `signature` and the
/// options `time` (default: `issuedAt`), `domainBinding` and `matchNonce`.
fn verify_case(case: &Value) -> Result<(), String> {
    let msg = SiweMessage::from_fields(case).map_err(|e| format!("build: {e}"))?;
    let sig = Signature::parse_hex(case["signature"].as_str().unwrap())
        .map_err(|e| format!("signature: {e}"))?;
    let time = opt_str(case, "time").unwrap_or_else(|| msg.issued_at.clone());
    let opts = VerifyOpts {
        time: Some(Timestamp::parse_rfc3339(&time).map_err(|e| e.to_string())?),
        domain: opt_str(case, "domainBinding"),
        nonce: opt_str(case, "matchNonce"),
        ..Default::default()
    };
    msg.verify(&sig, &opts)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn verification_positive() {
    let cases = cases("verification_positive.json");
    assert_eq!(cases.len(), 4);
    for (name, case) in cases {
        verify_case(&case).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn verification_negative() {
    let cases = cases("verification_negative.json");
    assert_eq!(cases.len(), 10);
    for (name, case) in cases {
        assert!(verify_case(&case).is_err(), "{name} verified");
    }
    // The reasons are the specific ones.
    let all = common::siwe_suite("verification_negative.json");
    let reason = |name: &str| verify_case(&all[name]).unwrap_err();
    assert!(reason("expired message").contains("expired"));
    assert!(reason("domain binding").contains("domain"));
    assert!(reason("custom nonce").contains("nonce"));
    assert!(reason("custom time").contains("expired"));
    assert!(reason("not yet valid").contains("not valid before"));
    assert!(reason("wrong signature").contains("signature"));
    assert!(reason("malformed signature").starts_with("signature:"));
    assert!(reason("invalid issuedAt").starts_with("build:"));
    assert!(reason("invalid notBefore").starts_with("build:"));
    assert!(reason("invalid expirationTime").starts_with("build:"));
}

/// EIP-1271 contract-wallet signatures need an Ethereum RPC to call `isValidSignature`;
/// litcap verifies EOA (EIP-191) signatures only, as the Lit nodes do for wallet AuthSigs.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    ("argent", "EIP-1271 contract wallet: needs an Ethereum RPC"),
    (
        "loopring",
        "EIP-1271 contract wallet: needs an Ethereum RPC",
    ),
];

#[test]
fn eip1271_cases_are_exactly_the_not_applicable_ones() {
    let cases = cases("eip1271.json");
    let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected: Vec<&str> = NOT_APPLICABLE.iter().map(|(n, _)| *n).collect();
    let mut got = names.clone();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    for (name, case) in &cases {
        // They parse, and EOA recovery does not match (so a provider would be needed).
        let m = SiweMessage::parse(case["message"].as_str().unwrap()).unwrap();
        assert_eq!(m.to_message(), case["message"].as_str().unwrap(), "{name}");
        if let Ok(sig) = Signature::parse_hex(case["signature"].as_str().unwrap()) {
            let opts = VerifyOpts {
                time: Some(m.issued_at_time().unwrap()),
                ..Default::default()
            };
            assert!(m.verify(&sig, &opts).is_err(), "{name}");
        }
    }
}
