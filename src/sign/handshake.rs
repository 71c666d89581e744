//! The SIWE nonce from a Lit node: the latest Ethereum blockhash its handshake reports.
//!
//! The request, as SDK 7.4.0 sends it (`@lit-protocol/core/src/lib/lit-core.js`,
//! `handshakeWithNode` and `sendCommandToNode`; path from
//! `@lit-protocol/constants/src/lib/constants/endpoints.js`, joined by
//! `core/src/lib/endpoint-version.js` `composeLitUrl` as `${url}${path}${version}`):
//!
//! ```text
//! POST <node url>/web/handshake/
//! Content-Type: application/json
//! Accept: application/json
//! X-Request-Id: lit_<id>            (litcap sends litcap_<random hex>)
//!
//! {"clientPublicKey":"test","challenge":"<64 random hex digits>","epoch":<n>}
//! ```
//!
//! `epoch` is the SDK's current epoch number from the staking contract; litcap has none and
//! leaves it out (as `JSON.stringify` does while the SDK's is still `undefined`).
//!
//! The answer (`NodeCommandServerKeysResponse` in `@lit-protocol/types/src/lib/interfaces.d.ts`):
//! `{serverPublicKey, subnetPublicKey, networkPublicKey, networkPublicKeySet, hdRootPubkeys,
//! attestation?, latestBlockhash?, …}`. The SDK takes `latestBlockhash` from each node
//! (`_handshakeAndVerifyNodeAttestation`), uses the most common one, and throws
//! `InvalidEthBlockhash` when there is none. A non-2xx status is an error
//! (`misc` `sendRequest`).
//!
//! litcap asks one node and accepts only `0x` and 64 hex digits.
//!
//! The same answer carries the network's BLS root key: `networkPublicKey`, which the SDK keeps
//! as `networkPubKey` (`lit-core.js` `_runHandshakeWithBootstrapUrls`: `networkPubKey:
//! handshakeResult.networkPublicKey`) and the nodes call `bls_root_pubkey`. `--handshake` on
//! `verify`, `check --authsig` and `explain` reads it ([`network_key_of`]) to verify `lit.bls`
//! AuthSigs.
//!
//! **SDK v8 (Naga).** The request is the same: `@lit-protocol/lit-client` 8.3.1
//! `orchestrateHandshake` sends `{clientPublicKey: 'test', challenge: createRandomHexString(64)}`
//! (plus `epoch`, `sendNodeRequest`) to `composeLitUrl` of `NAGA_ENDPOINT.HANDSHAKE`
//! (`@lit-protocol/networks` 8.4.1 `endpoints.js`: path `/web/handshake`, version `V0` = `/`,
//! so again `/web/handshake/`), with `X-Request-Id` (the node refuses a request without it:
//! lit-peer `TracingRequired`, 418). The answer is **wrapped**
//! (`RawHandshakeResponseSchema` = `GenericResultBuilder(...)` in `networks`, lit-peer
//! `GenericResponse::ok` in `endpoints/web_client.rs`):
//! `{"ok": true, "error": null, "errorObject": null, "data": {…, "latestBlockhash", "networkPublicKey", …}}`;
//! `parseData()` throws the `error` when `ok` is false. Which shape a network answers in is
//! the profile's ([`AnswerShape::of`]).

#[cfg(feature = "net")] // only the request itself needs the network stack
use super::http::{self, HttpConfig, HttpFailure};
use crate::diag::exit;
use crate::profile::Profile;
use crate::wire::bls::{KeyError, NetworkKey};
use serde_json::{json, Map, Value};

/// The handshake failed (exit code 4).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HandshakeError {
    #[error("cannot reach the Lit node at `{url}`: {reason}")]
    #[diagnostic(
        code(litcap::handshake::unreachable),
        help("check the node URL (e.g. `https://15.235.83.220:7470`), or pass `--nonce` with a recent blockhash")
    )]
    Unreachable { url: String, reason: String },
    #[error("the Lit node at `{url}` did not answer within {secs} s")]
    #[diagnostic(
        code(litcap::handshake::timeout),
        help("try another node, or pass `--nonce`")
    )]
    Timeout { url: String, secs: u64 },
    #[error("the Lit node at `{url}` answered HTTP {status} to the handshake")]
    #[diagnostic(
        code(litcap::handshake::http),
        help("try another node, or pass `--nonce`")
    )]
    Http { url: String, status: u16 },
    #[error("the Lit node at `{url}` sent a handshake answer litcap cannot read: {reason}")]
    #[diagnostic(
        code(litcap::handshake::malformed),
        help("litcap expects a JSON object with `latestBlockhash` (`0x` and 64 hex digits), under `data` on Naga; is `--network` right for this node?")
    )]
    Malformed { url: String, reason: String },
    #[error("invalid handshake URL: {0}")]
    #[diagnostic(code(litcap::handshake::config))]
    Config(String),
}

impl HandshakeError {
    pub fn exit_code(&self) -> u8 {
        match self {
            HandshakeError::Config(_) => exit::USAGE,
            _ => exit::SIGNER,
        }
    }
}

/// `<node>/web/handshake/` (a trailing `/` on the node URL is dropped first).
pub fn handshake_url(node_url: &str) -> String {
    format!("{}/web/handshake/", node_url.trim_end_matches('/'))
}

/// `{"clientPublicKey":"test","challenge":…}`.
pub fn request_body(challenge: &str) -> Value {
    json!({ "clientPublicKey": "test", "challenge": challenge })
}

/// Whether `s` is `0x` and 64 hex digits.
pub fn is_blockhash(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Why a handshake answer does not hold what litcap reads from it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[diagnostic(code(litcap::handshake::malformed))]
pub enum AnswerError {
    #[error("the answer is not a JSON object")]
    NotAnObject,
    /// A Naga answer that reports failure, with its `error` (abbreviated) if any.
    #[error("it says `ok: false`{}", .error.as_deref().map(|e| format!(": {e}")).unwrap_or_default())]
    NotOk { error: Option<String> },
    #[error(
        "its fields are at the top level, as Datil nodes answer, not under `data` as Naga nodes do"
    )]
    #[diagnostic(help("pass `--network datil` for a Datil node"))]
    FlatNotWrapped,
    #[error("it has no `ok` (a Naga node answers `{{ok, error, errorObject, data}}`)")]
    NoOk,
    #[error("it has no `data` object")]
    NoData,
    /// The field is absent or `null`.
    #[error("it has no `{field}`")]
    Missing { field: &'static str },
    #[error("`latestBlockhash` is {shown}, not `0x` and 64 hex digits")]
    #[diagnostic(help("a blockhash is `0x` and 64 hex digits"))]
    NotABlockhash { shown: String },
    #[error("`networkPublicKey` is not usable: {0}")]
    #[diagnostic(help("the network key is 96 hex digits (a compressed BLS12-381 G1 point)"))]
    NetworkKey(#[source] KeyError),
    #[error("`networkPublicKey` is {shown}, not a hex string")]
    NetworkKeyNotAString { shown: String },
}

/// How a network's nodes shape the handshake answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerShape {
    /// The fields at the top level (SDK 7.4.0 `NodeCommandServerKeysResponse`, Datil).
    Flat,
    /// `{ok, error, errorObject, data: {fields}}` (SDK v8 `GenericResultBuilder`, lit-peer
    /// `GenericResponse`, Naga).
    Wrapped,
}

impl AnswerShape {
    /// The shape the profile's nodes answer in: Naga's are wrapped, Datil's flat. (Kept here,
    /// keyed by the profile's name, rather than as a `Profile` field: only the handshake needs it.)
    pub fn of(profile: &Profile) -> AnswerShape {
        match profile.name {
            "naga" => AnswerShape::Wrapped,
            _ => AnswerShape::Flat,
        }
    }
}

/// The object holding the handshake fields: the answer itself (flat), or its `data` once `ok`
/// is `true` (wrapped).
pub fn fields_of(answer: &Value, shape: AnswerShape) -> Result<&Map<String, Value>, AnswerError> {
    let obj = answer.as_object().ok_or(AnswerError::NotAnObject)?;
    if shape == AnswerShape::Flat {
        return Ok(obj);
    }
    match obj.get("ok") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => {
            let error = match obj.get("error") {
                Some(Value::String(e)) => Some(abbreviate(e)),
                _ => None,
            };
            return Err(AnswerError::NotOk { error });
        }
        _ if obj.contains_key("latestBlockhash") => return Err(AnswerError::FlatNotWrapped),
        _ => return Err(AnswerError::NoOk),
    }
    match obj.get("data") {
        Some(Value::Object(data)) => Ok(data),
        _ => Err(AnswerError::NoData),
    }
}

/// Reads `latestBlockhash` from a handshake answer of the given shape.
pub fn blockhash_of(answer: &Value, shape: AnswerShape) -> Result<String, AnswerError> {
    let obj = fields_of(answer, shape)?;
    match obj.get("latestBlockhash") {
        None | Some(Value::Null) => Err(AnswerError::Missing {
            field: "latestBlockhash",
        }),
        Some(Value::String(s)) if is_blockhash(s) => Ok(s.clone()),
        Some(other) => Err(AnswerError::NotABlockhash {
            shown: abbreviate(&other.to_string()),
        }),
    }
}

/// Reads `networkPublicKey` (96 hex digits, a compressed G1 point) from a handshake answer of
/// the given shape.
pub fn network_key_of(answer: &Value, shape: AnswerShape) -> Result<NetworkKey, AnswerError> {
    let obj = fields_of(answer, shape)?;
    match obj.get("networkPublicKey") {
        None | Some(Value::Null) => Err(AnswerError::Missing {
            field: "networkPublicKey",
        }),
        Some(Value::String(s)) => NetworkKey::parse(s).map_err(AnswerError::NetworkKey),
        Some(other) => Err(AnswerError::NetworkKeyNotAString {
            shown: abbreviate(&other.to_string()),
        }),
    }
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Handshakes with one node and returns the handshake URL and its answer.
#[cfg(feature = "net")]
async fn answer_async(
    node_url: &str,
    config: &HttpConfig,
) -> Result<(String, Value), HandshakeError> {
    http::check_url(node_url).map_err(|e| HandshakeError::Config(e.to_string()))?;
    let url = handshake_url(node_url);
    let client = http::client(config).map_err(|f| HandshakeError::Config(format!("{f:?}")))?;
    let body = request_body(&http::random_hex(64));
    let headers = [("X-Request-Id", format!("litcap_{}", http::random_hex(16)))];
    let answer = http::post_json(&client, &url, &body, &headers, config)
        .await
        .map_err(|f| match f {
            HttpFailure::Unreachable(reason) => HandshakeError::Unreachable {
                url: url.clone(),
                reason,
            },
            HttpFailure::Timeout => HandshakeError::Timeout {
                url: url.clone(),
                secs: config.timeout.as_secs().max(1),
            },
            HttpFailure::Status(status) => HandshakeError::Http {
                url: url.clone(),
                status,
            },
            HttpFailure::Body(reason) => HandshakeError::Malformed {
                url: url.clone(),
                reason,
            },
            HttpFailure::Setup(reason) => HandshakeError::Config(reason),
        })?;
    Ok((url, answer))
}

/// Handshakes with one node of the profile's network and returns its latest blockhash.
#[cfg(feature = "net")]
pub async fn latest_blockhash_async(
    node_url: &str,
    config: &HttpConfig,
    profile: &Profile,
) -> Result<String, HandshakeError> {
    let (url, answer) = answer_async(node_url, config).await?;
    blockhash_of(&answer, AnswerShape::of(profile)).map_err(|e| HandshakeError::Malformed {
        url,
        reason: e.to_string(),
    })
}

/// Handshakes with one node of the profile's network and returns the network's BLS root key
/// (`networkPublicKey`).
#[cfg(feature = "net")]
pub fn network_key(
    node_url: &str,
    config: &HttpConfig,
    profile: &Profile,
) -> Result<NetworkKey, HandshakeError> {
    http::block_on(async {
        let (url, answer) = answer_async(node_url, config).await?;
        network_key_of(&answer, AnswerShape::of(profile)).map_err(|e| HandshakeError::Malformed {
            url,
            reason: e.to_string(),
        })
    })
    .map_err(|e| HandshakeError::Config(e.to_string()))?
}

/// The blocking form of [`latest_blockhash_async`].
#[cfg(feature = "net")]
pub fn latest_blockhash(
    node_url: &str,
    config: &HttpConfig,
    profile: &Profile,
) -> Result<String, HandshakeError> {
    http::block_on(latest_blockhash_async(node_url, config, profile))
        .map_err(|e| HandshakeError::Config(e.to_string()))?
}

#[cfg(all(test, feature = "net"))]
mod tests {
    use super::*;
    use crate::profile::{DATIL, NAGA};
    use std::time::Duration;
    use wiremock::matchers::{body_partial_json, header_exists, method, path};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    const HASH: &str = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";

    fn fast() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_millis(400),
            attempts: 2,
            backoff: Duration::from_millis(10),
        }
    }

    #[tokio::test]
    async fn reads_the_blockhash() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/web/handshake/"))
            .and(header_exists("X-Request-Id"))
            .and(body_partial_json(json!({"clientPublicKey": "test"})))
            .respond_with(|req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let challenge = body["challenge"].as_str().unwrap_or_default();
                let ok = challenge.len() == 64 && challenge.bytes().all(|b| b.is_ascii_hexdigit());
                ResponseTemplate::new(if ok { 200 } else { 400 }).set_body_json(json!({
                    "serverPublicKey": "aa", "subnetPublicKey": "bb", "networkPublicKey": "cc",
                    "networkPublicKeySet": "dd", "hdRootPubkeys": [], "latestBlockhash": HASH,
                }))
            })
            .expect(1)
            .mount(&server)
            .await;
        // A trailing slash on the node URL is tolerated.
        let got = latest_blockhash_async(&format!("{}/", server.uri()), &fast(), &DATIL)
            .await
            .unwrap();
        assert_eq!(got, HASH);
    }

    /// The Naga node's handshake (lit-peer `endpoints/web_client.rs` `handshake`): the same
    /// request, `X-Request-Id` required, the answer wrapped in `{ok, error, errorObject, data}`.
    #[tokio::test]
    async fn naga_reads_the_blockhash_under_data() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/web/handshake/"))
            .and(header_exists("X-Request-Id"))
            .and(body_partial_json(json!({"clientPublicKey": "test"})))
            .respond_with(|req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let ok = body["challenge"].as_str().is_some_and(|c| c.len() == 64);
                ResponseTemplate::new(if ok { 200 } else { 400 }).set_body_json(json!({
                    "ok": true, "error": null, "errorObject": null,
                    "data": {
                        "serverPublicKey": "aa", "subnetPublicKey": "bb", "networkPublicKey": "cc",
                        "networkPublicKeySet": "dd", "clientSdkVersion": "1", "hdRootPubkeys": [],
                        "attestation": null, "latestBlockhash": HASH, "nodeVersion": "2.1.0",
                        "nodeIdentityKey": "ee", "epoch": 12, "gitCommitHash": "ff"
                    }
                }))
            })
            .expect(1)
            .mount(&server)
            .await;
        let got = latest_blockhash_async(&server.uri(), &fast(), &NAGA)
            .await
            .unwrap();
        assert_eq!(got, HASH);
    }

    /// A Datil-shaped answer read as Naga's (and the reverse), and Naga's `ok: false`, are
    /// malformed answers that say what they are.
    #[tokio::test]
    async fn the_answer_shape_follows_the_network() {
        let flat = json!({"latestBlockhash": HASH});
        let wrapped = json!({"ok": true, "error": null, "errorObject": null,
            "data": {"latestBlockhash": HASH}});
        let refused = json!({"ok": false, "error": "epoch mismatch", "errorObject": null,
            "data": null});
        let fresh = json!({"ok": true, "error": null, "errorObject": null,
            "data": {"latestBlockhash": "0x"}});
        for (answer, profile, want) in [
            (&flat, &NAGA, Err("top level, as Datil nodes answer")),
            (&wrapped, &DATIL, Err("no `latestBlockhash`")),
            (&refused, &NAGA, Err("`ok: false`: epoch mismatch")),
            // lit-peer answers `"0x"` until its blockhash cache is filled.
            (&fresh, &NAGA, Err("\"0x\"")),
            (&wrapped, &NAGA, Ok(HASH)),
            (&flat, &DATIL, Ok(HASH)),
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
                .mount(&server)
                .await;
            let got = latest_blockhash_async(&server.uri(), &fast(), profile).await;
            match (got, want) {
                (Ok(h), Ok(w)) => assert_eq!(h, w),
                (Err(HandshakeError::Malformed { reason, .. }), Err(w)) => {
                    assert!(reason.contains(w), "{}: {reason}", profile.name)
                }
                (got, want) => panic!("{}: {got:?} for {want:?}", profile.name),
            }
        }
    }

    #[tokio::test]
    async fn unreachable_node() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = latest_blockhash_async(&format!("http://127.0.0.1:{port}"), &fast(), &DATIL)
            .await
            .unwrap_err();
        assert!(matches!(e, HandshakeError::Unreachable { .. }), "{e}");
        assert_eq!(e.exit_code(), exit::SIGNER);
    }

    #[tokio::test]
    async fn malformed_answers() {
        for (template, want) in [
            (
                ResponseTemplate::new(200).set_body_json(json!({"serverPublicKey": "aa"})),
                "no `latestBlockhash`",
            ),
            (
                ResponseTemplate::new(200).set_body_json(json!({"latestBlockhash": "ERR"})),
                "\"ERR\"",
            ),
            (
                ResponseTemplate::new(200).set_body_json(json!({"latestBlockhash": 7})),
                "7",
            ),
            (
                ResponseTemplate::new(200).set_body_string("not json"),
                "not JSON",
            ),
            (
                ResponseTemplate::new(200).set_body_json(json!(["x"])),
                "not a JSON object",
            ),
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(template)
                .expect(1)
                .mount(&server)
                .await;
            let e = latest_blockhash_async(&server.uri(), &fast(), &DATIL)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, HandshakeError::Malformed { reason, .. } if reason.contains(want)),
                "{want}: {e}"
            );
        }
    }

    #[tokio::test]
    async fn http_errors_and_timeouts() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(502))
            .expect(2)
            .mount(&server)
            .await;
        let e = latest_blockhash_async(&server.uri(), &fast(), &DATIL)
            .await
            .unwrap_err();
        assert!(matches!(e, HandshakeError::Http { status: 502, .. }), "{e}");

        let slow = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"latestBlockhash": HASH}))
                    .set_delay(Duration::from_secs(3)),
            )
            .mount(&slow)
            .await;
        let mut cfg = fast();
        cfg.timeout = Duration::from_millis(150);
        let e = latest_blockhash_async(&slow.uri(), &cfg, &DATIL)
            .await
            .unwrap_err();
        assert!(matches!(e, HandshakeError::Timeout { .. }), "{e}");
        assert!(matches!(
            latest_blockhash_async("nope", &cfg, &DATIL)
                .await
                .unwrap_err(),
            HandshakeError::Config(_)
        ));
    }

    #[test]
    fn shapes() {
        assert_eq!(
            handshake_url("https://15.235.83.220:7470/"),
            "https://15.235.83.220:7470/web/handshake/"
        );
        assert_eq!(
            crate::json::stringify(&request_body("ab")),
            r#"{"clientPublicKey":"test","challenge":"ab"}"#
        );
        assert!(is_blockhash(HASH));
        assert!(!is_blockhash(&HASH[..60]));
    }
}

#[cfg(test)]
mod network_key_tests {
    use super::*;

    #[test]
    fn reads_network_public_key() {
        // The SDK fixture's real network key (js-sdk packages/schemas/src/lib/schemas.ts).
        let k = "a6f7c284ac766db1b43f8c65d8ff15c7271a05b0863b5205d96459fd32aa353e9390ce0626560fb76720c1a5c8ca6902";
        let got = network_key_of(
            &json!({"networkPublicKey": k, "latestBlockhash": null}),
            AnswerShape::Flat,
        );
        assert_eq!(got.map(|k| k.to_hex()), Ok(k.to_string()));
        assert!(network_key_of(&json!({}), AnswerShape::Flat)
            .unwrap_err()
            .to_string()
            .contains("no `networkPublicKey`"));
        assert!(
            network_key_of(&json!({"networkPublicKey": 7}), AnswerShape::Flat)
                .unwrap_err()
                .to_string()
                .contains("not a hex string")
        );
        assert!(
            network_key_of(&json!({"networkPublicKey": "00"}), AnswerShape::Flat)
                .unwrap_err()
                .to_string()
                .contains("48")
        );
        assert!(network_key_of(&json!([]), AnswerShape::Flat).is_err());
        // Naga: under `data`.
        let wrapped = json!({"ok": true, "error": null, "errorObject": null,
            "data": {"networkPublicKey": k}});
        assert_eq!(
            network_key_of(&wrapped, AnswerShape::Wrapped).map(|k| k.to_hex()),
            Ok(k.to_string())
        );
    }
}
