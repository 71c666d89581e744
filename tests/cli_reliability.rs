//! Faults, hostile input and secrets for `sign`, `authsig` and `delegate`, run as the real
//! binary (issue #12 parts 3 and 4, #16; the table is `docs/reliability.md`): peers that are
//! slow, wrong or garbage; a full disk; a read-only store; truncated, symlinked and huge
//! store entries and inputs; nothing written to the key store on any failure path; no key
//! material in any message; the session-key seed from a file or the environment; and inputs
//! that used to be accepted and then fail later (trailing-slash node URLs, expired output, a
//! file as `--store`).

mod common;
use common::Temp;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_litcap");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sign/sdk-defaults.litcap"
);
const PKP_SIGNER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/pkp-signer.litcap");
/// Hardhat account 0: a public test key.
const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// RFC 8032 test 1.
const SEED1: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUB1: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const NONCE: &str = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";
const NODE: &str = "https://127.0.0.1:7470";

/// Environment variables for one run.
type Env<'a> = Vec<(&'a str, &'a str)>;
type OwnedEnv<'a> = Vec<(&'a str, String)>;
/// Prepares a key store directory for one case.
type MakeStore<'a> = Box<dyn Fn(&Path) + 'a>;

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("LITCAP_KEYSTORE_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// Stderr with the diagnostic frame (`│`) and line wrapping taken out, so that a message can
/// be matched whatever the terminal width.
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn code(o: &Output) -> i32 {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "{e}");
    o.status.code().unwrap_or(-1)
}

fn json_out(o: &Output) -> Value {
    assert_eq!(code(o), 0, "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `sign` of the pkp-signer example for one node, at fixed times, with `extra` arguments.
fn sign_args(key: &Path, extra: &[&str]) -> Vec<String> {
    let mut a = owned(&[
        "sign",
        PKP_SIGNER,
        "--session",
        "treasury",
        "--wallet-key",
        p(key),
        "--node",
        NODE,
        "--nonce",
        NONCE,
        "--issued-at",
        "2024-09-19T13:07:33.606Z",
        "--expiration",
        "2024-09-19T13:12:33.606Z",
    ]);
    a.extend(owned(extra));
    a
}

/// A seed whose bytes are (`point` true) or are not an ed25519 public key.
fn seed_that_is_a_point(point: bool) -> String {
    (0u8..=255)
        .map(|i| {
            let mut b = [0u8; 32];
            b[0] = i;
            b[31] = 0x11;
            b
        })
        .find(|b| ed25519_dalek::VerifyingKey::from_bytes(b).is_ok() == point)
        .map(hex::encode)
        .unwrap()
}

fn public_of(seed: &str) -> String {
    let mut b = [0u8; 32];
    hex::decode_to_slice(seed, &mut b).unwrap();
    hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&b)
            .verifying_key()
            .to_bytes(),
    )
}

#[test]
fn session_key_seed_from_a_file_or_the_environment_and_a_warning_inline() {
    let t = Temp::new("seed");
    let key = t.file("k0", KEY0, 0o600);
    let seed_file = t.file("seed.hex", &format!("{SEED1}\n"), 0o600);
    let inline = run(&refs(&sign_args(&key, &["--session-key-seed", SEED1])), &[]);
    let from_file = run(
        &refs(&sign_args(
            &key,
            &["--session-key-seed-file", p(&seed_file)],
        )),
        &[],
    );
    let from_env = run(
        &refs(&sign_args(
            &key,
            &["--session-key-seed-env", "LITCAP_TEST_SEED"],
        )),
        &[("LITCAP_TEST_SEED", SEED1)],
    );
    let signed = json_out(&inline);
    assert_eq!(signed[NODE]["address"], PUB1);
    assert_eq!(json_out(&from_file), signed);
    assert_eq!(json_out(&from_env), signed);
    assert!(
        stderr(&inline).contains("`--session-key-seed` puts")
            && stderr(&inline).contains("--session-key-seed-file"),
        "{}",
        stderr(&inline)
    );
    for quiet in [&from_file, &from_env] {
        assert!(
            !stderr(quiet).contains("--session-key-seed` puts"),
            "{}",
            stderr(quiet)
        );
    }

    // A seed file other users can read is used, with the fix.
    #[cfg(unix)]
    {
        let loose = t.file("loose.hex", SEED1, 0o644);
        let o = run(
            &refs(&sign_args(&key, &["--session-key-seed-file", p(&loose)])),
            &[],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    }

    // Failures: usage errors (exit 2) with a code, naming the source, never the seed.
    let bad = format!("{}x", &SEED1[..63]);
    let bad_file = t.file("bad.hex", &bad, 0o600);
    let cases: Vec<(Vec<String>, Env, &str)> = vec![
        (
            sign_args(&key, &["--session-key-seed-file", p(&bad_file)]),
            vec![],
            "session_key::seed",
        ),
        (
            sign_args(&key, &["--session-key-seed-env", "LITCAP_TEST_SEED"]),
            vec![("LITCAP_TEST_SEED", bad.as_str())],
            "session_key::seed",
        ),
        (
            sign_args(&key, &["--session-key-seed-env", "LITCAP_TEST_SEED_UNSET"]),
            vec![],
            "session_key::env_missing",
        ),
        (
            sign_args(
                &key,
                &["--session-key-seed-file", p(&t.0.join("missing.hex"))],
            ),
            vec![],
            "session_key::io",
        ),
        (
            sign_args(&key, &["--session-key-seed", &bad]),
            vec![],
            "session_key::seed",
        ),
    ];
    for (args, env, want) in cases {
        let o = run(&refs(&args), &env);
        let e = stderr(&o);
        assert_eq!(code(&o), 2, "{args:?}: {e}");
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!e.contains(&SEED1[..8]), "the seed leaked: {e}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn authsig_takes_the_seed_and_refuses_a_seed_given_as_the_public_key() {
    let t = Temp::new("authsig-seed");
    let key = t.file("k0", KEY0, 0o600);
    let seed_file = t.file("seed.hex", SEED1, 0o600);
    let base = |extra: &[&str]| {
        let mut a = owned(&[
            "authsig",
            FIXTURE,
            "--session",
            "docs",
            "--wallet-key",
            p(&key),
            "--nonce",
            NONCE,
            "--issued-at",
            "2024-09-19T13:07:33.606Z",
        ]);
        a.extend(owned(extra));
        a
    };
    let by_key = json_out(&run(&refs(&base(&["--session-key", PUB1])), &[]));
    let by_seed = json_out(&run(
        &refs(&base(&["--session-key-seed-file", p(&seed_file)])),
        &[],
    ));
    assert_eq!(by_seed, by_key);
    assert!(by_seed["signedMessage"]
        .as_str()
        .unwrap()
        .contains(&format!("URI: lit:session:{PUB1}\n")));

    // A seed that is not a curve point, given as `--session-key`: refused before signing,
    // with the public key it derives, and without echoing it.
    let not_point = seed_that_is_a_point(false);
    let o = run(&refs(&base(&["--session-key", &not_point])), &[]);
    let e = stderr(&o);
    assert_eq!(code(&o), 2, "{e}");
    assert!(e.contains(&public_of(&not_point)), "{e}");
    assert!(e.contains("--session-key-seed-file"), "{e}");
    assert!(!e.contains(&not_point), "{e}");

    // A seed that happens to be a point cannot be told from a key: `authsig` signs for it,
    // and `sign` then says what happened and which key is right, without the seed.
    let point = seed_that_is_a_point(true);
    let o = run(&refs(&base(&["--session-key", &point])), &[]);
    let wrong = t.file("wrong.json", &String::from_utf8_lossy(&o.stdout), 0o600);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let seed2 = t.file("seed2.hex", &point, 0o600);
    let o = run(
        &[
            "sign",
            FIXTURE,
            "--session",
            "docs",
            "--authsig",
            p(&wrong),
            "--session-key-seed-file",
            p(&seed2),
            "--node",
            NODE,
            "--issued-at",
            "2024-09-19T13:08:00Z",
            "--expiration",
            "2024-09-19T13:10:00Z",
        ],
        &[],
    );
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(e.contains("session-key-mismatch"), "{e}");
    assert!(e.contains(&public_of(&point)), "{e}");
    assert!(e.contains("secret seed"), "{e}");
    assert!(!e.contains(&point), "the seed leaked: {e}");
}

/// The set of entries of a directory (empty when it does not exist).
fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// #16 defect 3: `--node https://127.0.0.1:7470/` used to be signed as written, and every node
/// (and litcap's own `verify`) then refused it (`NodeNotAuthorized`). The trailing `/` is now
/// dropped with a note; a path, query or fragment is a usage error showing the fixed form.
#[test]
fn trailing_slash_node_urls_are_signed_as_the_nodes_compare_them() {
    let t = Temp::new("slash");
    let key = t.file("k0", KEY0, 0o600);
    let seed = t.file("seed.hex", SEED1, 0o600);
    let mut args = sign_args(&key, &["--session-key-seed-file", p(&seed)]);
    let node_at = args.iter().position(|a| a == NODE).unwrap();
    args[node_at] = format!("{NODE}/");
    let o = run(&refs(&args), &[]);
    let signed = json_out(&o);
    assert!(
        stderr(&o).contains(&format!("as `{NODE}`")),
        "{}",
        stderr(&o)
    );
    let entry = &signed[NODE];
    let payload: Value = serde_json::from_str(entry["signedMessage"].as_str().unwrap()).unwrap();
    assert_eq!(payload["nodeAddress"], NODE);
    let out = t.file("sigs.json", &String::from_utf8_lossy(&o.stdout), 0o600);
    let verified = run(
        &[
            "verify",
            p(&out),
            "--at",
            "2024-09-19T13:08:00Z",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(
        code(&verified),
        0,
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    for bad in [
        format!("{NODE}/web"),
        format!("{NODE}//"),
        format!("{NODE}/?x=1"),
    ] {
        args[node_at] = bad.clone();
        let o = run(&refs(&args), &[]);
        assert_eq!(code(&o), 2, "{bad}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("pass `{NODE}`")),
            "{bad}: {}",
            stderr(&o)
        );
    }
    // The same node twice (once with the slash) would be two map entries for one node.
    let mut twice = args.clone();
    twice[node_at] = NODE.to_string();
    twice.extend(owned(&["--node", &format!("{NODE}/")]));
    let o = run(&refs(&twice), &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

/// #16: `authsig`, `sign` and `delegate` sign what they are asked to, but say so when the
/// result is already expired (`--issued-at 2020-…`).
#[test]
fn already_expired_output_is_signed_with_a_warning() {
    let t = Temp::new("expired");
    let key = t.file("k0", KEY0, 0o600);
    let seed = t.file("seed.hex", SEED1, 0o600);
    let expired = "⚠ the";
    let authsig = |issued: &[&str]| {
        let mut a = owned(&[
            "authsig",
            FIXTURE,
            "--session",
            "docs",
            "--wallet-key",
            p(&key),
            "--session-key",
            PUB1,
            "--nonce",
            NONCE,
        ]);
        a.extend(owned(issued));
        run(&refs(&a), &[])
    };
    let old = authsig(&["--issued-at", "2020-01-01T00:00:00Z"]);
    assert_eq!(code(&old), 0);
    assert!(
        stderr(&old).contains(expired) && stderr(&old).contains("AuthSig expired at"),
        "{}",
        stderr(&old)
    );
    let fresh = authsig(&[]);
    assert_eq!(code(&fresh), 0);
    assert!(!stderr(&fresh).contains(expired), "{}", stderr(&fresh));

    let old = run(
        &refs(&sign_args(&key, &["--session-key-seed-file", p(&seed)])),
        &[],
    );
    assert_eq!(code(&old), 0);
    assert!(
        stderr(&old).contains("SessionSigs expired at"),
        "{}",
        stderr(&old)
    );
    let delegate = run(
        &[
            "delegate",
            "--capacity-token-id",
            "1",
            "--delegatee",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "--wallet-key",
            p(&key),
            "--nonce",
            NONCE,
            "--issued-at",
            "2020-01-01T00:00:00Z",
        ],
        &[],
    );
    assert_eq!(code(&delegate), 0);
    assert!(
        stderr(&delegate).contains("capacity delegation expired at"),
        "{}",
        stderr(&delegate)
    );
}

/// #16: a file given as `--store` is a usage error (2), not a corrupt store entry (5), and
/// nothing is written.
#[test]
fn a_file_as_store_is_a_usage_error() {
    let t = Temp::new("store-file");
    let key = t.file("k0", KEY0, 0o600);
    let file = t.file("not-a-dir", "x", 0o600);
    let o = run(&refs(&sign_args(&key, &["--store", p(&file)])), &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("store::not_a_directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// #16: `delegate FILE --grant NAME` signs the delegation the grant describes, and `check
/// FILE --authsig` accepts it against that grant (and refuses one for another token).
#[test]
fn delegate_from_a_grant_passes_check_against_it() {
    let t = Temp::new("delegate-grant");
    let key = t.file("k0", KEY0, 0o600);
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/capacity-delegation.litcap"
    );
    let o = run(
        &[
            "delegate",
            policy,
            "--grant",
            "capacity",
            "--wallet-key",
            p(&key),
            "--nonce",
            NONCE,
        ],
        &[],
    );
    let a = json_out(&o);
    let message = a["signedMessage"].as_str().unwrap();
    assert!(
        message.starts_with("app.example.com wants you"),
        "{message}"
    );
    assert!(
        message.contains("URI: lit:capability:delegation\n"),
        "{message}"
    );
    assert!(
        message.contains("Lend capacity credits to our users."),
        "{message}"
    );
    let file = t.file(
        "delegation.json",
        &String::from_utf8_lossy(&o.stdout),
        0o600,
    );
    let checked = run(&["check", policy, "--authsig", p(&file)], &[]);
    assert_eq!(code(&checked), 0, "{}", stderr(&checked));

    // A delegation of another token, signed from flags, is over-privileged for the grant.
    let o = run(
        &[
            "delegate",
            "--capacity-token-id",
            "1",
            "--delegatee",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "--domain",
            "app.example.com",
            "--wallet-key",
            p(&key),
            "--nonce",
            NONCE,
        ],
        &[],
    );
    let other = t.file("other.json", &String::from_utf8_lossy(&o.stdout), 0o600);
    let checked = run(&["check", policy, "--authsig", p(&other)], &[]);
    assert_eq!(code(&checked), 1);
    assert!(
        stderr(&checked).contains("over-privilege"),
        "{}",
        stderr(&checked)
    );
    // A grant that is no delegation, and no grant at all.
    for (grant, want) in [("user-wallet", 2), ("nope", 1)] {
        let o = run(
            &[
                "delegate",
                policy,
                "--grant",
                grant,
                "--wallet-key",
                p(&key),
                "--nonce",
                NONCE,
            ],
            &[],
        );
        assert_eq!(code(&o), want, "{grant}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

// ------------------------------------------------------------------ faults --

/// Hardhat account 1: the wrong key for a signer that should sign as account 0.
const KEY1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDR0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// How a fake JSON-RPC signer or Lit node answers.
#[derive(Clone, Copy)]
enum Peer {
    /// Headers at once, then the body one byte every 300 ms.
    SlowBody,
    /// A 200 answer whose body is not JSON.
    Garbage,
    /// A JSON-RPC answer that is not a signature.
    BadRpc,
    /// `personal_sign` with `KEY1`: a valid signature by another key.
    WrongKey,
}

/// Serves `peer` on a local port until the test ends; returns its URL.
fn fake_peer(peer: Peer) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || answer(conn, peer));
        }
    });
    url
}

fn answer(mut conn: std::net::TcpStream, peer: Peer) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    // Headers, then as much body as Content-Length says.
    let body = loop {
        let Ok(n) = conn.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + len {
                break request[end + 4..end + 4 + len].to_vec();
            }
        }
    };
    let reply = |conn: &mut std::net::TcpStream, body: &str| {
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    match peer {
        Peer::SlowBody => {
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n",
            );
            for _ in 0..4096 {
                std::thread::sleep(Duration::from_millis(300));
                if conn.write_all(b" ").is_err() {
                    return;
                }
            }
        }
        Peer::Garbage => reply(&mut conn, "<html>not json"),
        Peer::BadRpc => reply(&mut conn, r#"{"jsonrpc":"2.0","id":1,"result":"0x1234"}"#),
        Peer::WrongKey => {
            let v: Value = serde_json::from_slice(&body).unwrap_or_default();
            let message = hex::decode(
                v["params"][0]
                    .as_str()
                    .unwrap_or("0x")
                    .trim_start_matches("0x"),
            )
            .unwrap_or_default();
            let sig = personal_sign(KEY1, &message);
            reply(
                &mut conn,
                &format!(
                    r#"{{"jsonrpc":"2.0","id":{},"result":"0x{sig}"}}"#,
                    v["id"].as_u64().unwrap_or(1)
                ),
            );
        }
    }
}

/// EIP-191 `personal_sign` with a hex private key, as a wallet answers it.
fn personal_sign(key_hex: &str, message: &[u8]) -> String {
    use sha3::Digest;
    let mut h = sha3::Keccak256::new();
    h.update(format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes());
    h.update(message);
    let digest: [u8; 32] = h.finalize().into();
    let secp = secp256k1::Secp256k1::new();
    let key =
        secp256k1::SecretKey::from_slice(&hex::decode(key_hex.trim_start_matches("0x")).unwrap())
            .unwrap();
    let sig = secp.sign_ecdsa_recoverable(&secp256k1::Message::from_digest(digest), &key);
    let (id, compact) = sig.serialize_compact();
    format!("{}{:02x}", hex::encode(compact), 27 + id.to_i32() as u8)
}

/// `sign` with a remote signer for `ADDR0` and a key store.
fn remote_sign_args(url: &str, store: &Path, extra: &[&str]) -> Vec<String> {
    let mut a = owned(&[
        "sign",
        PKP_SIGNER,
        "--session",
        "treasury",
        "--signer-url",
        url,
        "--address",
        ADDR0,
        "--store",
        p(store),
        "--node",
        NODE,
        "--nonce",
        NONCE,
        "--signer-timeout",
        "1",
    ]);
    a.extend(owned(extra));
    a
}

/// Signer and node faults with a key store: each exits 4 within a bounded time, says what went
/// wrong, and leaves the store without any entry (a new session key is stored only with its
/// AuthSig). The handshake cases fail before the store is touched at all.
#[test]
fn peer_faults_exit_4_and_write_nothing() {
    let t = Temp::new("peers");
    for (name, peer, want) in [
        ("slow body", Peer::SlowBody, "litcap::signer::timeout"),
        ("garbage body", Peer::Garbage, "litcap::signer"),
        ("garbage JSON-RPC", Peer::BadRpc, "litcap::signer"),
        (
            "wrong key",
            Peer::WrongKey,
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        ),
    ] {
        let url = fake_peer(peer);
        let store = t.0.join(format!("{}.db", name.replace(' ', "-")));
        let t0 = Instant::now();
        let o = run(&refs(&remote_sign_args(&url, &store, &[])), &[]);
        let e = stderr(&o);
        assert_eq!(code(&o), 4, "{name}: {e}");
        assert!(e.contains(want), "{name}: {e}");
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "{name}: {:?}",
            t0.elapsed()
        );
        assert_eq!(entries(&store), BTreeSet::new(), "{name}");
        assert!(o.stdout.is_empty(), "{name}");
    }
    // The handshake that supplies the nonce: slow and garbage answers.
    let key = t.file("k0", KEY0, 0o600);
    for (name, peer) in [("slow body", Peer::SlowBody), ("garbage", Peer::Garbage)] {
        let url = fake_peer(peer);
        let store = t.0.join(format!("handshake-{}.db", name.replace(' ', "-")));
        let args = owned(&[
            "sign",
            PKP_SIGNER,
            "--session",
            "treasury",
            "--wallet-key",
            p(&key),
            "--store",
            p(&store),
            "--node",
            NODE,
            "--handshake",
            &url,
            "--signer-timeout",
            "1",
        ]);
        let o = run(&refs(&args), &[]);
        assert_eq!(code(&o), 4, "handshake {name}: {}", stderr(&o));
        assert!(stderr(&o).contains("litcap::handshake::"), "{}", stderr(&o));
        assert_eq!(entries(&store), BTreeSet::new(), "handshake {name}");
    }
}

/// Runs `litcap args` through `sh` with a file size limit of one 512-byte block (`ulimit -f`,
/// SIGXFSZ ignored so that a write fails with EFBIG instead of killing the process): a disk
/// that fills up after the first small file.
fn run_with_small_disk(args: &[String]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 1 && exec "$0" "$@""#)
        .arg(BIN)
        .args(args)
        .env_remove("LITCAP_KEYSTORE_PASSWORD")
        .output()
        .unwrap()
}

/// A full disk while storing: the session key (223 bytes) fits, the AuthSig (about 1 KB) does
/// not. The run fails with exit 2 and the store is left as it was: no key without its AuthSig,
/// no half-written temporary file. Also on a real 4 KiB tmpfs when this machine lets the test
/// mount one (`unshare -m`, needs root or user namespaces); skipped otherwise.
#[test]
fn a_full_disk_leaves_the_store_as_it_was() {
    let t = Temp::new("full");
    let key = t.file("k0", KEY0, 0o600);
    let store = t.0.join("st.db");
    let args = sign_args(&key, &["--store", p(&store)]);
    let o = run_with_small_disk(&args);
    let e = stderr(&o);
    assert_eq!(code(&o), 2, "{e}");
    assert!(
        e.contains("store::io") && e.contains("lit-wallet-sig"),
        "{e}"
    );
    assert_eq!(entries(&store), BTreeSet::new(), "{e}");
    // The same store then works.
    let o = run(&refs(&args), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // A real full filesystem: a 4 KiB tmpfs (one page: the key file fills it).
    let mnt = t.0.join("tmpfs");
    std::fs::create_dir_all(&mnt).unwrap();
    let store = mnt.join("st.db");
    let script = format!(
        r#"mount -t tmpfs -o size=4k tmpfs '{}' || exit 99; "$0" "$@"; rc=$?; ls -A '{}'; exit $rc"#,
        mnt.display(),
        store.display()
    );
    let o = Command::new("unshare")
        .args(["-m", "sh", "-c", &script, BIN])
        .args(sign_args(&key, &["--store", p(&store)]))
        .output();
    match o {
        Ok(o) if !in_namespace(&o) => {
            eprintln!("skipped: cannot mount a tmpfs here ({})", stderr(&o).trim());
        }
        Ok(o) => {
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{e}");
            assert!(e.contains("No space left"), "{e}");
            // `ls -A` of the store inside the mount: nothing left.
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "", "{e}");
        }
        Err(e) => eprintln!("skipped: `unshare` is not available ({e})"),
    }
}

/// A store on a read-only directory or filesystem: a fitting stored AuthSig is reused (nothing
/// needs writing); one that must be replaced gives exit 2, and the store is untouched. Uses a
/// read-only remount in a private mount namespace when possible, else `chmod 500` (which root
/// ignores); skipped when neither can make the store read-only.
#[test]
fn a_read_only_store_is_read_but_never_half_written() {
    let t = Temp::new("ro");
    let key = t.file("k0", KEY0, 0o600);
    let store = t.0.join("st.db");
    // A store with a key and an AuthSig valid for a day from now.
    let first = run(&refs(&args_now(&key, &store)), &[]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = snapshot(&store);

    // An AuthSig that must be replaced: a session issued two days on outlives the stored one.
    let later = args_at(&key, &store, 2);
    let reuse = args_now(&key, &store);
    let script = format!(
        r#"mount --bind '{0}' '{0}' && mount -o remount,bind,ro '{0}' || exit 99; "$0" "$@""#,
        store.display()
    );
    let in_ro_mount = |a: &[String]| {
        Command::new("unshare")
            .args(["-m", "sh", "-c", &script, BIN])
            .args(a)
            .output()
    };
    let ro = in_ro_mount(&reuse);
    let (reused, replaced) = match ro {
        Ok(o) if in_namespace(&o) => (o, in_ro_mount(&later).unwrap()),
        _ => {
            // No mount namespace: a directory without write permission (not for root).
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o500)).unwrap();
                let probe = std::fs::write(store.join("probe"), "x");
                if probe.is_ok() {
                    let _ = std::fs::remove_file(store.join("probe"));
                    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700))
                        .unwrap();
                    return eprintln!("skipped: cannot make a directory read-only here (root without mount namespaces)");
                }
                let out = (run(&refs(&reuse), &[]), run(&refs(&later), &[]));
                std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700)).unwrap();
                out
            }
            #[cfg(not(unix))]
            return;
        }
    };
    assert_eq!(code(&reused), 0, "{}", stderr(&reused));
    assert!(
        stderr(&reused).contains("reusing the AuthSig"),
        "{}",
        stderr(&reused)
    );
    let e = stderr(&replaced);
    assert_eq!(code(&replaced), 2, "{e}");
    assert!(e.contains("store::io"), "{e}");
    assert_eq!(snapshot(&store), before);
}

/// Whether an `unshare -m sh -c 'mount … || exit 99; …'` run got as far as litcap (it did
/// not, when `unshare` or `mount` is not permitted here).
fn in_namespace(o: &Output) -> bool {
    o.status.code() != Some(99) && !stderr(o).starts_with("unshare:")
}

/// `sign` of the pkp-signer session issued now (its AuthSig then lives a day).
fn args_now(key: &Path, store: &Path) -> Vec<String> {
    owned(&[
        "sign",
        PKP_SIGNER,
        "--session",
        "treasury",
        "--wallet-key",
        p(key),
        "--store",
        p(store),
        "--node",
        NODE,
        "--nonce",
        NONCE,
    ])
}

/// The same, issued `days` days from now (a stored AuthSig from today no longer covers it).
fn args_at(key: &Path, store: &Path, days: u64) -> Vec<String> {
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + days * 86_400;
    let mut a = args_now(key, store);
    a.extend(owned(&["--issued-at", &rfc3339(at)]));
    a
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic Gregorian).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Every entry of a directory with its content.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Truncated, symlinked and oversized store entries are refused with exit 5 and left exactly
/// as they were (and so is a symlink's target).
#[test]
fn truncated_symlinked_and_huge_store_entries_are_left_alone() {
    let t = Temp::new("entries");
    let key = t.file("k0", KEY0, 0o600);
    let good = t.0.join("good.db");
    let o = run(&refs(&args_now(&key, &good)), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let session_key = std::fs::read_to_string(good.join("lit-session-key")).unwrap();
    let wallet_sig = std::fs::read_to_string(good.join("lit-wallet-sig")).unwrap();
    let cases: Vec<(&str, MakeStore)> = vec![
        (
            "truncated session key",
            Box::new(|d: &Path| {
                std::fs::write(d.join("lit-session-key"), &session_key[..100]).unwrap()
            }),
        ),
        (
            "truncated AuthSig",
            Box::new(|d: &Path| {
                std::fs::write(d.join("lit-session-key"), &session_key).unwrap();
                std::fs::write(
                    d.join("lit-wallet-sig"),
                    &wallet_sig[..wallet_sig.len() / 2],
                )
                .unwrap()
            }),
        ),
        (
            "session key replaced by a symlink",
            Box::new(|d: &Path| {
                let target = d.parent().unwrap().join("elsewhere.json");
                std::fs::write(&target, &session_key).unwrap();
                #[cfg(unix)]
                std::os::unix::fs::symlink(&target, d.join("lit-session-key")).unwrap();
            }),
        ),
        (
            "AuthSig replaced by a symlink to a directory",
            Box::new(|d: &Path| {
                std::fs::write(d.join("lit-session-key"), &session_key).unwrap();
                #[cfg(unix)]
                std::os::unix::fs::symlink(d.parent().unwrap(), d.join("lit-wallet-sig")).unwrap();
            }),
        ),
        (
            "10 MB session key entry",
            Box::new(|d: &Path| {
                std::fs::write(d.join("lit-session-key"), vec![b'{'; 10 << 20]).unwrap()
            }),
        ),
    ];
    for (i, (name, make)) in cases.iter().enumerate() {
        let dir = t.0.join(format!("case{i}"));
        let store = dir.join("st.db");
        std::fs::create_dir_all(&store).unwrap();
        make(&store);
        let before = snapshot(&store);
        let outside = snapshot(&dir);
        let o = run(&refs(&args_now(&key, &store)), &[]);
        let e = stderr(&o);
        assert_eq!(code(&o), 5, "{name}: {e}");
        assert!(e.contains("litcap::store::"), "{name}: {e}");
        assert!(
            !e.contains(&session_key[60..120]),
            "{name}: the secret key leaked: {e}"
        );
        assert_eq!(snapshot(&store), before, "{name}");
        assert_eq!(snapshot(&dir), outside, "{name}");
    }
}

/// 10 MB and deeply nested inputs to the signing commands end in a diagnostic and an exit
/// code, never a crash, a hang or a read of the whole file into memory for secrets.
#[test]
fn huge_and_deeply_nested_signing_inputs() {
    let t = Temp::new("huge");
    let key = t.file("k0", KEY0, 0o600);
    let ten_mb_nested = "[".repeat(10 << 20);
    let nested = t.file("nested.json", &ten_mb_nested, 0o600);
    let deep = t.file(
        "deep.json",
        &format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        0o600,
    );
    let huge_key = t.file("huge.key", &"0".repeat(10 << 20), 0o600);
    let seed = t.file("seed.hex", SEED1, 0o600);
    let with_authsig = |file: &Path| {
        let mut a = sign_args(
            &key,
            &["--session-key-seed-file", p(&seed), "--authsig", p(file)],
        );
        let i = a.iter().position(|x| x == "--wallet-key").unwrap();
        a.drain(i..i + 2);
        a
    };
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        ("10 MB --authsig", with_authsig(&nested), 1),
        ("deep --authsig", with_authsig(&deep), 1),
        (
            "10 MB --capacity-delegation",
            sign_args(
                &key,
                &[
                    "--session-key-seed-file",
                    p(&seed),
                    "--capacity-delegation",
                    p(&deep),
                ],
            ),
            1,
        ),
        (
            "10 MB wallet key",
            sign_args(&huge_key, &["--session-key-seed-file", p(&seed)]),
            2,
        ),
        (
            "10 MB seed file",
            sign_args(&key, &["--session-key-seed-file", p(&huge_key)]),
            2,
        ),
        ("10 MB SessionSigs", owned(&["verify", p(&nested)]), 1),
        ("deep SessionSigs", owned(&["verify", p(&deep)]), 1),
    ];
    for (name, args, want) in cases {
        let t0 = Instant::now();
        let o = run(&refs(&args), &[]);
        assert_eq!(code(&o), want, "{name}: {}", stderr(&o));
        assert!(t0.elapsed() < Duration::from_secs(60), "{name}");
    }
}

/// No failure prints key material: the wallet key, the session key's seed or its secret key
/// (nor a prefix of them), whatever goes wrong, for keys given by file, environment or store.
#[test]
fn no_message_carries_key_material() {
    let t = Temp::new("leak");
    let key = t.file("k0", KEY0, 0o600);
    let seed = t.file("seed.hex", SEED1, 0o600);
    let secrets = [&KEY0[2..], SEED1];
    let store = t.0.join("st.db");
    assert_eq!(code(&run(&refs(&args_now(&key, &store)), &[])), 0);
    let stored_secret = {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(store.join("lit-session-key")).unwrap())
                .unwrap();
        v["secretKey"].as_str().unwrap()[..64].to_string()
    };
    // Near-misses of real secrets: one character wrong, a digit missing, a prefix.
    let bad_key = t.file("bad.key", &format!("{}z", &KEY0[..65]), 0o600);
    let short_key = t.file("short.key", &KEY0[..60], 0o600);
    let bad_seed = t.file("bad.hex", &format!("{}-", &SEED1[..63]), 0o600);
    let corrupt = t.0.join("corrupt.db");
    std::fs::create_dir_all(&corrupt).unwrap();
    std::fs::write(
        corrupt.join("lit-session-key"),
        format!(r#"{{"publicKey":"{PUB1}","secretKey":"{SEED1}"}}"#),
    )
    .unwrap();
    let unreachable = format!("http://127.0.0.1:{}", {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    });
    let cases: Vec<(Vec<String>, OwnedEnv)> = vec![
        (
            sign_args(&bad_key, &["--session-key-seed-file", p(&seed)]),
            vec![],
        ),
        (
            sign_args(&short_key, &["--session-key-seed-file", p(&seed)]),
            vec![],
        ),
        (
            sign_args(&key, &["--session-key-seed-file", p(&bad_seed)]),
            vec![],
        ),
        (
            owned(&[
                "delegate",
                "--capacity-token-id",
                "1",
                "--delegatee",
                ADDR0,
                "--wallet-key-env",
                "K",
                "--nonce",
                NONCE,
            ]),
            vec![("K", format!("{}q", &KEY0[..65]))],
        ),
        (
            sign_args(&key, &["--session-key-seed-env", "S"]),
            vec![("S", format!("0x{}", &SEED1[..62]))],
        ),
        (sign_args(&key, &["--store", p(&corrupt)]), vec![]),
        (
            remote_sign_args(&unreachable, &store, &["--session-key-seed-file", p(&seed)]),
            vec![],
        ),
        (
            owned(&[
                "authsig",
                FIXTURE,
                "--session",
                "docs",
                "--wallet-key",
                p(&key),
                "--session-key",
                &SEED1[..63],
                "--nonce",
                NONCE,
            ]),
            vec![],
        ),
    ];
    for (args, env) in cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = run(&refs(&args), &env);
        assert_ne!(code(&o), 0, "{args:?}");
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
        for s in secrets.iter().copied().chain([stored_secret.as_str()]) {
            for probe in [&s[..12], &s[s.len() - 12..]] {
                assert!(
                    !all.to_ascii_lowercase().contains(probe),
                    "{args:?} printed key material `{probe}…`:\n{all}"
                );
            }
        }
    }
}

/// Secrets never need the command line: every option of `sign`, `authsig` and `delegate` that
/// takes a secret takes a FILE or a VAR; the one inline form (`--session-key-seed HEX`) says in
/// its help, and warns when used (see the seed test), that `ps` and shell history show it.
#[test]
fn secrets_are_taken_from_files_and_the_environment() {
    for command in ["sign", "authsig", "delegate"] {
        let o = run(&[command, "--help"], &[]);
        assert_eq!(code(&o), 0);
        let help = String::from_utf8_lossy(&o.stdout).into_owned();
        let options: Vec<&str> = help
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("--"))
            .collect();
        for line in options {
            let flag = line.split_whitespace().next().unwrap();
            let secret = ["wallet-key", "seed", "password"]
                .iter()
                .any(|w| flag.contains(w));
            if !secret {
                continue;
            }
            let value = line.split_whitespace().nth(1).unwrap_or("");
            if flag == "--session-key-seed" {
                assert_eq!(value, "<HEX>", "{command}: {line}");
                assert!(help.contains("`ps` and shell"), "{command}: {help}");
            } else {
                assert!(
                    ["<FILE>", "<VAR>"].contains(&value),
                    "{command}: `{flag}` takes a secret as `{value}`"
                );
            }
        }
    }
}
