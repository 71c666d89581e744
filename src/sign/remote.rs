//! A remote Ethereum JSON-RPC signer (geth/clef-style `personal_sign`, a wallet bridge, a
//! KMS proxy): `{"jsonrpc":"2.0","id":n,"method":"personal_sign","params":["0x<message hex>",
//! "<address>"]}` over HTTP, as ethers v5's `JsonRpcSigner.signMessage` sends it (address in
//! lowercase).
//!
//! Transient failures (connection errors, timeouts, HTTP 5xx/429) are retried with backoff; a
//! JSON-RPC error is an answer and is not retried. The returned signature must recover to the
//! expected address, so a signer holding another key is caught before anything is signed with
//! its AuthSig.

use super::http::{self, HttpConfig, HttpFailure};
use super::wallet::{SignerError, WalletSigner};
use crate::eth::{recover_personal, Address, Signature};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// A JSON-RPC `personal_sign` signer for one address.
#[derive(Debug)]
pub struct RemoteSigner {
    url: String,
    address: Address,
    config: HttpConfig,
    client: reqwest::Client,
    next_id: AtomicU64,
}

impl RemoteSigner {
    pub fn new(
        url: &str,
        address: Address,
        config: HttpConfig,
    ) -> Result<RemoteSigner, SignerError> {
        http::check_url(url).map_err(|e| SignerError::Config(e.to_string()))?;
        let client = http::client(&config).map_err(|f| SignerError::Config(format!("{f:?}")))?;
        Ok(RemoteSigner {
            url: url.to_string(),
            address,
            config,
            client,
            next_id: AtomicU64::new(1),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `personal_sign`, checked to recover to the expected address.
    pub async fn sign_personal_async(&self, message: &[u8]) -> Result<Signature, SignerError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": "personal_sign",
            "params": [
                format!("0x{}", hex::encode(message)),
                format!("0x{}", hex::encode(self.address.0)),
            ],
        });
        let answer = http::post_json(&self.client, &self.url, &body, &[], &self.config)
            .await
            .map_err(|f| self.failure(f))?;
        let sig = self.read_answer(&answer, id)?;
        match recover_personal(message, &sig) {
            Ok(a) if a == self.address => Ok(sig),
            Ok(a) => Err(SignerError::WrongKey {
                url: self.url.clone(),
                expected: self.address.to_checksum(),
                actual: a.to_checksum(),
            }),
            Err(e) => Err(self.malformed(format!("the signature does not recover: {e}"))),
        }
    }

    fn read_answer(&self, answer: &Value, id: u64) -> Result<Signature, SignerError> {
        let Some(obj) = answer.as_object() else {
            return Err(self.malformed("the answer is not a JSON object"));
        };
        if let Some(got) = obj.get("id") {
            if got.as_u64() != Some(id) && got.as_str() != Some(id.to_string().as_str()) {
                return Err(self.malformed(format!("the answer's `id` is {got}, not {id}")));
            }
        }
        if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
            return Err(SignerError::Rpc {
                url: self.url.clone(),
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message")
                    .to_string(),
            });
        }
        let Some(result) = obj.get("result").and_then(Value::as_str) else {
            return Err(self.malformed("there is no string `result`"));
        };
        let mut sig = Signature::parse_hex(result)
            .map_err(|e| self.malformed(format!("`result` is not a signature: {e}")))?;
        // Some signers return v as 0/1; ethers (and so the SDK) writes 27/28.
        if sig.0[64] < 2 {
            sig.0[64] += 27;
        }
        Ok(sig)
    }

    fn malformed(&self, reason: impl Into<String>) -> SignerError {
        SignerError::Malformed {
            url: self.url.clone(),
            reason: reason.into(),
        }
    }

    fn failure(&self, f: HttpFailure) -> SignerError {
        let url = self.url.clone();
        match f {
            HttpFailure::Unreachable(reason) => SignerError::Unreachable { url, reason },
            HttpFailure::Timeout => SignerError::Timeout {
                url,
                secs: self.config.timeout.as_secs().max(1),
            },
            HttpFailure::Status(status) => SignerError::Http { url, status },
            HttpFailure::Body(reason) => SignerError::Malformed { url, reason },
            HttpFailure::Setup(reason) => SignerError::Config(reason),
        }
    }
}

impl WalletSigner for RemoteSigner {
    fn address(&self) -> Address {
        self.address
    }

    fn sign_personal(&self, message: &[u8]) -> Result<Signature, SignerError> {
        http::block_on(self.sign_personal_async(message))
            .map_err(|e| SignerError::Config(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use std::time::Duration;
    use wiremock::matchers::{body_partial_json, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn fast() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_millis(500),
            attempts: 3,
            backoff: Duration::from_millis(10),
        }
    }

    fn key() -> WalletKey {
        WalletKey::from_hex(KEY0).unwrap()
    }

    fn signer(server: &MockServer) -> RemoteSigner {
        RemoteSigner::new(&server.uri(), key().address(), fast()).unwrap()
    }

    fn ok(sig: &Signature) -> ResponseTemplate {
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": sig.to_hex()}))
    }

    #[tokio::test]
    async fn signs_and_checks_the_signer() {
        let server = MockServer::start().await;
        let sig = key().sign_personal(b"hello");
        Mock::given(method("POST"))
            .and(body_partial_json(json!({
                "method": "personal_sign",
                "params": ["0x68656c6c6f", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"],
            })))
            .respond_with(ok(&sig))
            .expect(1)
            .mount(&server)
            .await;
        assert_eq!(
            signer(&server).sign_personal_async(b"hello").await.unwrap(),
            sig
        );
    }

    #[tokio::test]
    async fn v_of_0_or_1_is_normalised() {
        let server = MockServer::start().await;
        let mut sig = key().sign_personal(b"hello");
        let want = sig;
        sig.0[64] -= 27;
        Mock::given(method("POST"))
            .respond_with(ok(&sig))
            .mount(&server)
            .await;
        assert_eq!(
            signer(&server).sign_personal_async(b"hello").await.unwrap(),
            want
        );
    }

    #[tokio::test]
    async fn json_rpc_errors_are_not_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "jsonrpc": "2.0", "id": 1,
                "error": {"code": -32000, "message": "authentication needed: password or unlock"}
            })))
            .expect(1)
            .mount(&server)
            .await;
        let e = signer(&server).sign_personal_async(b"m").await.unwrap_err();
        assert!(
            matches!(&e, SignerError::Rpc { code: -32000, message, .. } if message.contains("unlock")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn http_500_is_retried_then_fails() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(3)
            .mount(&server)
            .await;
        let e = signer(&server).sign_personal_async(b"m").await.unwrap_err();
        assert!(matches!(e, SignerError::Http { status: 500, .. }), "{e}");
    }

    #[tokio::test]
    async fn a_503_then_success_recovers() {
        let server = MockServer::start().await;
        let sig = key().sign_personal(b"m");
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ok(&sig))
            .expect(1)
            .mount(&server)
            .await;
        assert_eq!(
            signer(&server).sign_personal_async(b"m").await.unwrap(),
            sig
        );
    }

    #[tokio::test]
    async fn an_answer_to_another_request_is_refused() {
        let server = MockServer::start().await;
        let sig = key().sign_personal(b"m");
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"jsonrpc": "2.0", "id": 99, "result": sig.to_hex()})),
            )
            .mount(&server)
            .await;
        let e = signer(&server).sign_personal_async(b"m").await.unwrap_err();
        assert!(matches!(e, SignerError::Malformed { .. }), "{e}");
    }

    #[tokio::test]
    async fn slow_signer_times_out() {
        let server = MockServer::start().await;
        let sig = key().sign_personal(b"m");
        Mock::given(method("POST"))
            .respond_with(ok(&sig).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let mut cfg = fast();
        cfg.timeout = Duration::from_millis(150);
        cfg.attempts = 2;
        let s = RemoteSigner::new(&server.uri(), key().address(), cfg).unwrap();
        let e = s.sign_personal_async(b"m").await.unwrap_err();
        assert!(matches!(e, SignerError::Timeout { .. }), "{e}");
    }

    #[tokio::test]
    async fn signature_from_the_wrong_key() {
        let server = MockServer::start().await;
        let other = WalletKey::from_bytes(&[7u8; 32]).unwrap();
        Mock::given(method("POST"))
            .respond_with(ok(&other.sign_personal(b"m")))
            .mount(&server)
            .await;
        let e = signer(&server).sign_personal_async(b"m").await.unwrap_err();
        assert!(
            matches!(&e, SignerError::WrongKey { actual, .. } if *actual == other.address().to_checksum()),
            "{e}"
        );
    }

    #[tokio::test]
    async fn malformed_answers() {
        for body in [
            ResponseTemplate::new(200).set_body_string("<html>hi</html>"),
            ResponseTemplate::new(200).set_body_json(json!([1, 2])),
            ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": 1})),
            ResponseTemplate::new(200)
                .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": "0x1234"})),
            ResponseTemplate::new(200)
                .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": 5})),
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(body)
                .expect(1)
                .mount(&server)
                .await;
            let e = signer(&server).sign_personal_async(b"m").await.unwrap_err();
            assert!(matches!(e, SignerError::Malformed { .. }), "{e}");
        }
    }

    #[tokio::test]
    async fn unreachable_signer() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let s = RemoteSigner::new(&format!("http://127.0.0.1:{port}"), key().address(), fast())
            .unwrap();
        let e = s.sign_personal_async(b"m").await.unwrap_err();
        assert!(matches!(e, SignerError::Unreachable { .. }), "{e}");
    }

    #[test]
    fn blocking_interface_works_outside_a_runtime() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let server = rt.block_on(MockServer::start());
        let sig = key().sign_personal(b"blocking");
        rt.block_on(
            Mock::given(method("POST"))
                .respond_with(ok(&sig))
                .mount(&server),
        );
        let s = signer(&server);
        assert_eq!(s.sign_personal(b"blocking").unwrap(), sig);
        assert_eq!(WalletSigner::address(&s), key().address());
        assert!(matches!(
            RemoteSigner::new("file:///x", key().address(), fast()),
            Err(SignerError::Config(_))
        ));
    }
}
