//! Secrets and failure paths of `sign`, `authsig` and `delegate`, run as the real binary
//! (issue #12 parts 3 and 4, #16): the session-key seed from a file or the environment, no key
//! material in any message, nothing written to the key store on a failure path, and the
//! inputs that used to be accepted and then fail later (trailing-slash node URLs, expired
//! output, a file as `--store`).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        let mut n = [0u8; 6];
        getrandom::getrandom(&mut n).unwrap();
        let d = std::env::temp_dir().join(format!("litcap-secrets-{tag}-{}", hex::encode(n)));
        std::fs::create_dir_all(&d).unwrap();
        Temp(d)
    }

    fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        p
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("LITCAP_KEYSTORE_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
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
        stderr(&inline).contains("warning: `--session-key-seed` puts")
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
    let cases: Vec<(Vec<String>, Vec<(&str, &str)>, &str)> = vec![
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
    let expired = "warning: the";
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
