//! Every `kind: "verify"` SDK vector through `authsig::check_authsig`: the recovered signer,
//! `siwe.verify`, the recap the SDK decodes, each request check, and
//! `checkNeedToResignSessionKey`.

mod common;

use litcap::internal::authsig::{check_authsig, AuthSig, CheckOptions};
use litcap::internal::coverage::Request;
use litcap::Timestamp;
use litcap::{Ability, Resource};
use serde_json::{json, Value};

fn requests(list: &Value) -> Vec<Request> {
    list.as_array()
        .map(|l| {
            l.iter()
                .map(|r| Request {
                    resource: Resource::parse_key(r["resource"].as_str().unwrap()).unwrap(),
                    ability: Ability::parse(r["ability"].as_str().unwrap()).unwrap(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn verify_vectors() {
    let vectors = common::lit_vectors_of("verify");
    assert_eq!(vectors.len(), 7);
    for v in vectors {
        let name = &v.file;
        let input = &v.input;
        let want = &v.expected;
        let authsig = AuthSig::from_value(&input["authSig"]).unwrap();
        let reqs = requests(&input["resourceAbilityRequests"]);
        let opts = CheckOptions {
            now: Timestamp::parse_rfc3339(input["now"].as_str().unwrap()).unwrap(),
            session_key: input["sessionKeyUri"]
                .as_str()
                .map(|u| u.strip_prefix("lit:session:").unwrap().to_string()),
            requests: reqs.clone(),
            network_key: None,
            uri: None,
            profile: None,
        };
        let report = check_authsig(&authsig, &opts);

        assert_eq!(
            report.recovered.map(|a| a.to_checksum()),
            want["recoveredAddress"].as_str().map(str::to_string),
            "{name}: recoveredAddress"
        );
        assert_eq!(
            report.recovered_matches_address,
            want["recoveredMatchesAddress"].as_bool().unwrap(),
            "{name}: recoveredMatchesAddress"
        );

        let sdk_verify = report.sdk_verify.as_ref().expect("siwe verified");
        assert_eq!(
            sdk_verify.is_ok(),
            want["siweVerify"]["success"].as_bool().unwrap(),
            "{name}: siweVerify.success"
        );
        match sdk_verify {
            Ok(_) => assert!(want["siweVerify"].get("error").is_none(), "{name}"),
            Err(e) => assert_eq!(
                Some(e.sdk_message()),
                want["siweVerify"]["error"].as_str(),
                "{name}: siweVerify.error"
            ),
        }

        let recap = report
            .sdk_recap
            .as_ref()
            .expect("has resources")
            .as_ref()
            .expect("first resource decodes");
        assert_eq!(
            recap.to_value()["att"],
            want["recap"]["attenuations"],
            "{name}: recap.attenuations"
        );
        assert_eq!(
            json!(recap.statement()),
            want["recap"]["statement"],
            "{name}: recap.statement"
        );

        let checks = want["checks"].as_array().unwrap();
        assert_eq!(checks.len(), reqs.len(), "{name}: checks");
        for (i, check) in checks.iter().enumerate() {
            assert_eq!(
                json!(reqs[i].resource.key()),
                check["resourceKey"],
                "{name}: checks[{i}].resourceKey"
            );
            assert_eq!(json!(reqs[i].ability.as_str()), check["ability"], "{name}");
            assert_eq!(
                json!(report.sdk_checks[i]),
                check["verified"],
                "{name}: checks[{i}].verified"
            );
        }
        assert_eq!(
            json!(report.sdk_covered()),
            want["covered"],
            "{name}: covered"
        );
        assert_eq!(
            json!(report.sdk.need_to_resign()),
            want["needToResignSessionKey"],
            "{name}: needToResignSessionKey ({:?})",
            report.sdk
        );
        assert_eq!(
            json!(report.session_key_uri),
            want["sessionKeyUriChecked"],
            "{name}: sessionKeyUriChecked"
        );
    }
}

/// The litcap findings for the same vectors: each problem the SDK reacts to has a diagnostic.
#[test]
fn verify_vectors_have_matching_diagnostics() {
    use litcap::diag::Code;
    let expect: &[(&str, &[Code])] = &[
        ("17-verify-covered-wildcard.json", &[]),
        (
            "18-verify-not-covered-decryption.json",
            &[Code::RequestNotCovered],
        ),
        (
            "19-verify-wildcard-shadows-specific.json",
            &[Code::RequestNotCovered],
        ),
        ("20-verify-expired-authsig.json", &[Code::Expired]),
        (
            "21-verify-wrong-session-key-uri.json",
            &[Code::SessionKeyMismatch],
        ),
        (
            "22-verify-tampered-message.json",
            &[Code::SignatureMismatch],
        ),
        ("29-verify-at-exact-expiration.json", &[Code::Expired]),
    ];
    for v in common::lit_vectors_of("verify") {
        let (_, codes) = expect
            .iter()
            .find(|(f, _)| *f == v.file)
            .unwrap_or_else(|| panic!("{} not listed", v.file));
        let authsig = AuthSig::from_value(&v.input["authSig"]).unwrap();
        let opts = CheckOptions {
            now: Timestamp::parse_rfc3339(v.input["now"].as_str().unwrap()).unwrap(),
            session_key: v.input["sessionKeyUri"]
                .as_str()
                .map(|u| u.strip_prefix("lit:session:").unwrap().to_string()),
            requests: requests(&v.input["resourceAbilityRequests"]),
            network_key: None,
            uri: None,
            profile: None,
        };
        let report = check_authsig(&authsig, &opts);
        let mut errors: Vec<Code> = report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect();
        errors.dedup();
        assert_eq!(&errors, codes, "{}: {:#?}", v.file, report.diagnostics);
    }
}

/// Every `kind: "validate"` SDK vector through litcap's `validateSessionSigs`: `isValid`, the
/// error texts exactly, and the oracle's per-node `nacl.sign.detached.verify`.
#[test]
fn validate_vectors() {
    use litcap::internal::verify::sessionsigs::{nacl_verify, sdk_validate_session_sigs};
    let vectors = common::lit_vectors_of("validate");
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        let name = &v.file;
        let now = Timestamp::parse_rfc3339(v.input["now"].as_str().unwrap()).unwrap();
        let sigs = &v.input["sessionSigs"];
        let got = sdk_validate_session_sigs(sigs, now).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            json!(got.is_valid),
            v.expected["isValid"],
            "{name}: isValid"
        );
        assert_eq!(json!(got.errors), v.expected["errors"], "{name}: errors");
        for node in v.expected["perNode"].as_array().unwrap() {
            let url = node["url"].as_str().unwrap();
            assert_eq!(
                json!(nacl_verify(&sigs[url])),
                node["naclVerify"],
                "{name}: perNode {url}"
            );
        }
    }
}

/// The SDK's session signatures from the `sessionsigs` and `validate` vectors, judged as the
/// nodes would at the vectors' times.
#[test]
fn node_verdicts_on_sdk_session_sigs() {
    use litcap::internal::verify::sessionsigs::{verify_text, VerifyOptions};
    let verdicts = |sigs: &Value, now: &str| {
        let opts = VerifyOptions {
            now: Timestamp::parse_rfc3339(now).unwrap(),
            node: None,
            ..Default::default()
        };
        verify_text(&sigs.to_string(), &opts).unwrap()
    };
    let all = common::lit_vectors();
    let by_file = |prefix: &str| all.iter().find(|v| v.file.starts_with(prefix)).unwrap();

    // 23, 24, 25: valid everywhere at the signing time.
    for (file, n) in [("23-", 3), ("24-", 2), ("25-", 1)] {
        let v = by_file(file);
        let out = verdicts(
            &v.expected["sessionSigs"],
            v.input["issuedAt"].as_str().unwrap(),
        );
        assert_eq!(out.len(), n, "{file}");
        for node in &out {
            assert!(node.valid(), "{file} {}: {:?}", node.node, node.error);
        }
    }
    // 26: signed with an expired AuthSig: the SDK signs anyway, the nodes refuse.
    let v = by_file("26-");
    let out = verdicts(
        &v.expected["sessionSigs"],
        v.input["issuedAt"].as_str().unwrap(),
    );
    let e = out[0].error.as_ref().unwrap();
    assert_eq!(e.kind.as_str(), "NodeResourceIdNotFound");
    let (inner_kind, inner) = e.inner.as_ref().unwrap();
    assert_eq!(inner_kind.as_str(), "NodeSIWECapabilityInvalid");
    assert_eq!(inner, "Could not find valid capability.");
    assert_eq!(e.capabilities.len(), 1);
    assert_eq!(e.capabilities[0].kind.as_str(), "NodeSIWEMessageError");
    assert!(
        e.capabilities[0].message.contains("expired"),
        "{}",
        e.message
    );

    // 27: fresh; 28: 1 ms after expiry (the capability's SIWE expired); 30: exactly at expiry,
    // which siwe-rs still accepts.
    for (file, valid) in [("27-", true), ("28-", false), ("30-", true)] {
        let v = by_file(file);
        let out = verdicts(&v.input["sessionSigs"], v.input["now"].as_str().unwrap());
        assert_eq!(out.len(), 3);
        for node in &out {
            assert_eq!(
                node.valid(),
                valid,
                "{file} {}: {:?}",
                node.node,
                node.error
            );
        }
    }
}

/// tests/vectors/extra/siwe-statement-charset.json: the SDK signs a statement its own SIWE
/// parser then rejects; the nodes' parser accepts it.
#[test]
fn extra_statement_charset() {
    use litcap::diag::Code;
    use litcap::internal::authsig::SdkVerdict;
    use litcap::internal::siwe::{Flavor, SiweField, SiweMessage};
    let path = common::vectors_dir().join("extra/siwe-statement-charset.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let verify = cases.iter().find(|c| c["kind"] == "verify").unwrap();
    let sdk_error = verify["expected"]["needToResignError"]["message"]
        .as_str()
        .unwrap();
    assert!(sdk_error.starts_with("Invalid message"));
    assert_eq!(verify["expected"]["needToResignSessionKey"], Value::Null);

    let authsig = AuthSig::from_value(&verify["input"]["authSig"]).unwrap();
    let opts = CheckOptions {
        now: Timestamp::parse_rfc3339(verify["input"]["now"].as_str().unwrap()).unwrap(),
        session_key: None,
        requests: requests(&verify["input"]["resourceAbilityRequests"]),
        network_key: None,
        uri: None,
        profile: None,
    };
    let report = check_authsig(&authsig, &opts);
    assert_eq!(
        report.siwe_error.as_ref().unwrap().field,
        SiweField::Statement
    );
    assert!(matches!(report.sdk, SdkVerdict::Throws(_)));
    assert_eq!(report.sdk.need_to_resign(), None);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::SiweSyntax)
        .unwrap();
    assert!(
        d.message.contains("the nodes' parser accepts it"),
        "{}",
        d.message
    );
    // The signer is right, and the nodes' verification passes.
    assert_eq!(
        report.recovered.map(|a| a.to_checksum()),
        verify["expected"]["recoveredAddress"]
            .as_str()
            .map(str::to_string)
    );
    assert!(report.node_verify.as_ref().unwrap().is_ok());
    assert!(SiweMessage::parse_with_spans(&authsig.signed_message, Flavor::Node).is_ok());
}

/// tests/vectors/extra/authsig-sig-without-0x.json: the SDK cannot read a `sig` without `0x`
/// (and re-signs every time); the nodes can.
#[test]
fn extra_sig_without_0x() {
    use litcap::diag::{Code, Severity};
    let path = common::vectors_dir().join("extra/authsig-sig-without-0x.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = &cases[0];
    let authsig = AuthSig::from_value(&v["input"]["authSig"]).unwrap();
    let opts = CheckOptions {
        now: Timestamp::parse_rfc3339(v["input"]["now"].as_str().unwrap()).unwrap(),
        session_key: None,
        requests: requests(&v["input"]["resourceAbilityRequests"]),
        network_key: None,
        uri: None,
        profile: None,
    };
    let report = check_authsig(&authsig, &opts);
    assert_eq!(report.recovered, None);
    assert_eq!(v["expected"]["recoveredAddress"], Value::Null);
    let e = report.sdk_verify.as_ref().unwrap().as_ref().unwrap_err();
    assert_eq!(
        Some(e.sdk_message()),
        v["expected"]["siweVerify"]["error"].as_str()
    );
    assert_eq!(json!(report.sdk_covered()), v["expected"]["covered"]);
    assert_eq!(
        json!(report.sdk.need_to_resign()),
        v["expected"]["needToResignSessionKey"]
    );
    assert!(report.node_verify.as_ref().unwrap().is_ok());
    let codes: Vec<(Code, Severity)> = report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity))
        .collect();
    assert_eq!(codes, vec![(Code::SignatureFormat, Severity::Warning)]);
}
