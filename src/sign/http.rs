//! The HTTP client shared by the remote signer and the node handshake: JSON POST with a
//! per-attempt timeout and retries with exponential backoff on transient failures only
//! (connection errors, timeouts, HTTP 5xx and 429).
//!
//! Blocking callers go through [`block_on`], which runs a current-thread tokio runtime; it
//! refuses (instead of panicking) when called from inside a runtime.
//!
//! Without the `net` cargo feature only [`HttpConfig`], [`check_url`] and [`random_hex`] exist.

#[cfg(feature = "net")]
use serde_json::Value;
#[cfg(feature = "net")]
use std::future::Future;
use std::time::Duration;

/// Timeouts and retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Per attempt, connection and answer included.
    pub timeout: Duration,
    /// Total attempts (1 = no retry).
    pub attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_secs(30),
            attempts: 3,
            backoff: Duration::from_millis(300),
        }
    }
}

/// Why a POST failed, after retries.
#[cfg(feature = "net")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpFailure {
    /// No connection could be made (or it broke before an answer).
    Unreachable(String),
    Timeout,
    /// A non-success HTTP status.
    Status(u16),
    /// A 2xx answer whose body is not JSON.
    Body(String),
    /// The client could not be set up (bad URL, TLS backend).
    Setup(String),
}

#[cfg(feature = "net")]
impl HttpFailure {
    fn transient(&self) -> bool {
        match self {
            HttpFailure::Unreachable(_) | HttpFailure::Timeout => true,
            HttpFailure::Status(s) => *s >= 500 || *s == 429,
            HttpFailure::Body(_) | HttpFailure::Setup(_) => false,
        }
    }
}

/// A client with the configured timeout.
#[cfg(feature = "net")]
pub fn client(config: &HttpConfig) -> Result<reqwest::Client, HttpFailure> {
    reqwest::Client::builder()
        .timeout(config.timeout)
        .user_agent(concat!("litcap/", env!("CARGO_PKG_VERSION")))
        // A signer or node that redirects is misconfigured or not the one named; following
        // redirects would send the message to be signed somewhere else.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| HttpFailure::Setup(e.to_string()))
}

/// Why a node or signer URL cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum UrlError {
    #[error("`{url}` is not a URL: {reason}")]
    #[diagnostic(code(litcap::url::syntax))]
    NotAUrl {
        url: String,
        #[source]
        reason: url::ParseError,
    },
    #[error("`{url}` uses `{scheme}:`; only `http:` and `https:` are supported")]
    #[diagnostic(code(litcap::url::scheme))]
    Scheme { url: String, scheme: String },
    /// A node URL with more than `scheme://host:port` (see [`node_url`]).
    #[error("`{url}` has {extra}, but a node compares the signed `nodeAddress` with its own `host:port` only, so no node would accept it; pass `{fixed}`")]
    #[diagnostic(code(litcap::url::node_address))]
    NeverMatches {
        url: String,
        /// `user info`, `a query`, `a fragment` or `a path`.
        extra: &'static str,
        fixed: String,
    },
    /// A node URL whose path is more than the one `/` [`node_url`] drops.
    #[error("`{url}` has a path, but a node compares the signed `nodeAddress` with its own `host:port` only; pass `{fixed}`")]
    #[diagnostic(code(litcap::url::node_address))]
    DoubleSlash { url: String, fixed: String },
}

/// Checks that `url` is an absolute `http` or `https` URL.
pub fn check_url(url: &str) -> Result<url::Url, UrlError> {
    let parsed = url::Url::parse(url).map_err(|reason| UrlError::NotAUrl {
        url: url.to_string(),
        reason,
    })?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(UrlError::Scheme {
            url: url.to_string(),
            scheme: other.to_string(),
        }),
    }
}

/// A `--node` URL in the form the nodes accept as `nodeAddress`: `scheme://host:port`, as the
/// SDK writes node URLs (js-sdk v7 `packages/contracts-sdk/src/lib/contracts-sdk.ts`
/// `LitContracts.generateValidatorURLs`: `` `${protocol}${ip}:${port}` ``, no path). A node
/// compares `format!("{api_domain}:{port}")` with the `nodeAddress` after only trimming
/// whitespace, stripping `https://`/`http://` and reading `localhost` as `127.0.0.1`
/// (lit-peer `rust/lit-node/lit-node/src/auth/session_sigs.rs` `validate_session_sig`,
/// `prepare_domain_name`), so `https://h:7470/` is `h:7470/` to it and never matches.
///
/// A lone trailing `/` is dropped (the `Ok` says whether it was); any other path, a query, a
/// fragment or user info can never match, and the `Err` shows the form to use instead.
pub fn node_url(url: &str) -> Result<(String, bool), UrlError> {
    let trimmed = url.trim();
    let parsed = check_url(trimmed)?;
    let fixed = format!(
        "{}://{}{}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default(),
        parsed
            .port_or_known_default()
            .map(|p| format!(":{p}"))
            .unwrap_or_default()
    );
    let extra = if !parsed.username().is_empty() || parsed.password().is_some() {
        Some("user info")
    } else if parsed.query().is_some() {
        Some("a query")
    } else if parsed.fragment().is_some() {
        Some("a fragment")
    } else if parsed.path() != "/" {
        Some("a path")
    } else {
        None
    };
    if let Some(extra) = extra {
        return Err(UrlError::NeverMatches {
            url: url.to_string(),
            extra,
            fixed,
        });
    }
    let without = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if without.ends_with('/') {
        return Err(UrlError::DoubleSlash {
            url: url.to_string(),
            fixed,
        });
    }
    Ok((without.to_string(), without != url))
}

/// POSTs `body` as JSON and returns the parsed JSON answer, retrying transient failures.
#[cfg(feature = "net")]
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    headers: &[(&str, String)],
    config: &HttpConfig,
) -> Result<Value, HttpFailure> {
    let attempts = config.attempts.max(1);
    let mut wait = config.backoff;
    let mut last = HttpFailure::Timeout;
    for attempt in 1..=attempts {
        match post_once(client, url, body, headers).await {
            Ok(v) => return Ok(v),
            Err(f) if f.transient() && attempt < attempts => {
                last = f;
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
            Err(f) => return Err(f),
        }
    }
    Err(last)
}

#[cfg(feature = "net")]
async fn post_once(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    headers: &[(&str, String)],
) -> Result<Value, HttpFailure> {
    let mut req = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(crate::json::stringify(body));
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let resp = req.send().await.map_err(classify)?;
    let status = resp.status();
    if !status.is_success() {
        return Err(HttpFailure::Status(status.as_u16()));
    }
    let bytes = resp.bytes().await.map_err(classify)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let start = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
        HttpFailure::Body(format!("the answer is not JSON ({e}): `{start}`"))
    })
}

#[cfg(feature = "net")]
fn classify(e: reqwest::Error) -> HttpFailure {
    if e.is_timeout() {
        HttpFailure::Timeout
    } else if e.is_builder() {
        HttpFailure::Setup(e.to_string())
    } else {
        // Connect errors and connections broken mid-answer; walk the source chain for the
        // underlying reason (e.g. "connection refused").
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason = s.to_string();
            source = s.source();
        }
        HttpFailure::Unreachable(reason)
    }
}

/// Why a blocking network call could not run.
#[cfg(feature = "net")]
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RuntimeError {
    /// A programming error of the caller (a library user), not of the input.
    #[error("a blocking network call was made inside an async runtime; use the `_async` function")]
    #[diagnostic(code(litcap::net::inside_runtime))]
    InsideRuntime,
    #[error("cannot start the network runtime: {0}")]
    #[diagnostic(code(litcap::net::runtime))]
    Start(#[source] std::io::Error),
}

/// Runs a future to completion on a fresh current-thread runtime.
#[cfg(feature = "net")]
pub fn block_on<F: Future>(future: F) -> Result<F::Output, RuntimeError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(RuntimeError::InsideRuntime);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RuntimeError::Start)?;
    Ok(rt.block_on(future))
}

/// A random `len`-digit lowercase hex string (request ids, handshake challenges).
pub fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len.div_ceil(2)];
    if getrandom::getrandom(&mut bytes).is_err() {
        // Not security relevant: fall back to the clock.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (t >> ((i % 16) * 8)) as u8;
        }
    }
    let mut s = hex::encode(bytes);
    s.truncate(len);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("https://a.example:7470").is_ok());
        assert!(check_url("ftp://a")
            .unwrap_err()
            .to_string()
            .contains("`ftp:`"));
        assert!(check_url("not a url").is_err());
        // Node URLs: a trailing slash is dropped; paths and the like are refused with the fix.
        let ok = |u: &str| node_url(u).unwrap();
        assert_eq!(
            ok("https://127.0.0.1:7470"),
            ("https://127.0.0.1:7470".into(), false)
        );
        assert_eq!(
            ok("https://127.0.0.1:7470/"),
            ("https://127.0.0.1:7470".into(), true)
        );
        assert_eq!(
            ok(" http://localhost:7470/ "),
            ("http://localhost:7470".into(), true)
        );
        for bad in [
            "https://127.0.0.1:7470//",
            "https://127.0.0.1:7470/web",
            "https://127.0.0.1:7470/?a=1",
            "https://127.0.0.1:7470#x",
            "https://u:p@127.0.0.1:7470",
        ] {
            let e = node_url(bad).unwrap_err().to_string();
            assert!(e.contains("pass `https://127.0.0.1:7470`"), "{bad}: {e}");
        }
        assert!(node_url("https://n.example/x")
            .unwrap_err()
            .to_string()
            .contains("pass `https://n.example:443`"));
        assert_eq!(random_hex(64).len(), 64);
        assert_eq!(random_hex(7).len(), 7);
    }

    #[cfg(feature = "net")]
    #[test]
    fn transience() {
        assert!(HttpFailure::Status(503).transient());
        assert!(HttpFailure::Status(429).transient());
        assert!(!HttpFailure::Status(400).transient());
        assert!(!HttpFailure::Body(String::new()).transient());
    }

    #[cfg(feature = "net")]
    #[tokio::test]
    async fn block_on_refuses_inside_a_runtime() {
        assert!(block_on(async { 1 }).is_err());
    }
}
