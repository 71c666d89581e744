//! The key store under concurrency (issue #12, part 1), with the real binary: many `litcap sign
//! --store` processes on one new store, some of them killed with SIGKILL mid-way, and a holder
//! that keeps the store's lock while its remote signer never answers.
//!
//! Every wait here is bounded (a stuck child is killed and the test fails with what it saw), so
//! the tests stay reliable on a loaded 2-core machine.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_litcap");
const PKP_SIGNER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/pkp-signer.litcap");
/// Hardhat account 0: a public test key.
const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const NONCE: &str = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";
const NODE: &str = "https://127.0.0.1:7470";
/// How long any one group of processes may take before the test gives up on it.
const DEADLINE: Duration = Duration::from_secs(180);

struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        let d = std::env::temp_dir().join(format!("litcap-store-conc-{tag}-{}", random_hex(6)));
        std::fs::create_dir_all(&d).unwrap();
        Temp(d)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::getrandom(&mut b).unwrap();
    hex::encode(b)
}

fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).unwrap();
    u64::from_le_bytes(b) % n.max(1)
}

fn key_file(t: &Temp) -> PathBuf {
    let p = t.0.join("k0");
    std::fs::write(&p, KEY0).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

fn sign_command(key: &Path, store: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(["sign", PKP_SIGNER, "--session", "treasury", "--wallet-key"])
        .arg(key)
        .arg("--store")
        .arg(store)
        .args(["--node", NODE, "--nonce", NONCE])
        .args(extra)
        .env_remove("LITCAP_KEYSTORE_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Waits for every child, killing all of them if they take longer than [`DEADLINE`].
fn wait_all(children: Vec<Child>) -> Vec<Output> {
    let start = Instant::now();
    let mut children: Vec<Option<Child>> = children.into_iter().map(Some).collect();
    loop {
        let running = children
            .iter_mut()
            .flatten()
            .map(|c| matches!(c.try_wait(), Ok(None)))
            .filter(|running| *running)
            .count();
        if running == 0 {
            break;
        }
        if start.elapsed() > DEADLINE {
            for c in children.iter_mut().flatten() {
                let _ = c.kill();
            }
            panic!("{running} `litcap sign` processes still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    children
        .iter_mut()
        .map(|c| c.take().unwrap().wait_with_output().unwrap())
        .collect()
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

/// The stored session key's public half and the stored AuthSig, if present; panics when the
/// store is inconsistent (an entry that does not parse, an AuthSig naming another key, a
/// file node-localstorage would read as an extra key).
fn stored(store: &Path) -> (Option<String>, Option<Value>) {
    if !store.exists() {
        return (None, None);
    }
    let names: BTreeSet<String> = std::fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let read = |name: &str| {
        names
            .contains(name)
            .then(|| std::fs::read_to_string(store.join(name)).unwrap())
    };
    let key = read("lit-session-key").map(|text| {
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let public = v["publicKey"].as_str().unwrap().to_string();
        assert_eq!(public.len(), 64, "{text}");
        assert_eq!(v["secretKey"].as_str().unwrap().len(), 128, "{text}");
        public
    });
    let sig = read("lit-wallet-sig").map(|text| {
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let message = v["signedMessage"].as_str().unwrap();
        let key = key
            .as_deref()
            .unwrap_or_else(|| panic!("an AuthSig is stored without a session key: {names:?}"));
        assert!(
            message.contains(&format!("URI: lit:session:{key}\n")),
            "the stored AuthSig names another key than the stored `{key}`:\n{message}"
        );
        v
    });
    (key, sig)
}

fn entries(store: &Path) -> BTreeSet<String> {
    std::fs::read_dir(store)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What a successful run printed: its session key and the AuthSig it carries.
fn signed_with(o: &Output) -> (String, Value) {
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let entry = &v[NODE];
    let signed: Value = serde_json::from_str(entry["signedMessage"].as_str().unwrap()).unwrap();
    (
        entry["address"].as_str().unwrap().to_string(),
        signed["capabilities"][0].clone(),
    )
}

/// 32 processes sign at once on one new store: one session key, the stored one, and the
/// stored AuthSig names it; every process signed with that key and carries that AuthSig.
/// (Before the store was locked: 9 to 13 different keys out of 16-32 processes, and a stored
/// AuthSig naming a key that was no longer stored.)
#[test]
fn concurrent_signers_share_one_stored_key() {
    let t = Temp::new("32");
    let key = key_file(&t);
    let store = t.0.join("lit_storage.db");
    let children: Vec<Child> = (0..32)
        .map(|_| sign_command(&key, &store, &[]).spawn().unwrap())
        .collect();
    let outputs = wait_all(children);
    let mut keys = BTreeSet::new();
    let mut sigs = BTreeSet::new();
    for o in &outputs {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
        let (k, a) = signed_with(o);
        keys.insert(k);
        sigs.insert(a.to_string());
    }
    let created = outputs
        .iter()
        .filter(|o| stderr(o).contains("stored a new session key"))
        .count();
    let signed = outputs
        .iter()
        .filter(|o| stderr(o).contains("stored the new AuthSig"))
        .count();
    assert_eq!((keys.len(), sigs.len(), created, signed), (1, 1, 1, 1));
    let (stored_key, stored_sig) = stored(&store);
    assert_eq!(stored_key.as_ref(), keys.iter().next());
    assert_eq!(
        stored_sig.map(|v| v.to_string()).as_ref(),
        sigs.iter().next()
    );
    // Nothing else in the directory: node-localstorage reads every entry as a key.
    assert_eq!(
        entries(&store),
        BTreeSet::from(["lit-session-key".to_string(), "lit-wallet-sig".to_string()])
    );
}

/// 32 processes start on one new store and every other one is killed (SIGKILL) at a random
/// moment; then a round where all 32 are killed at random moments. Either way the store is
/// untouched or consistent, every survivor signed with the stored key, and the next run
/// reuses what is stored and leaves no half-written file behind.
#[test]
fn killed_signers_leave_the_store_untouched_or_consistent() {
    let t = Temp::new("kill");
    let key = key_file(&t);
    // How long one run takes here; each kill comes at a random moment of up to three times
    // that after its process started, so that kills land at every stage (start, policy, lock
    // wait, signing, writing) while the others run.
    let t0 = Instant::now();
    let calibration = t.0.join("calibration.db");
    let one = wait_all(vec![sign_command(&key, &calibration, &[]).spawn().unwrap()]);
    assert!(one[0].status.success(), "{}", stderr(&one[0]));
    let span = (t0.elapsed() * 3).clamp(Duration::from_millis(10), Duration::from_secs(10));
    for (round, kill_every) in [(0, 2), (1, 1)] {
        let store = t.0.join(format!("round{round}.db"));
        let mut children = Vec::new();
        let mut due: Vec<(Instant, usize)> = Vec::new();
        let kill_due = |children: &mut Vec<Child>, due: &mut Vec<(Instant, usize)>, all: bool| {
            due.sort();
            while let Some(&(at, i)) = due.first() {
                let now = Instant::now();
                if at > now {
                    if !all {
                        break;
                    }
                    std::thread::sleep(at - now);
                }
                let _ = children[i].kill(); // SIGKILL on Unix
                due.remove(0);
            }
        };
        for i in 0..32 {
            children.push(sign_command(&key, &store, &[]).spawn().unwrap());
            if i % kill_every == 0 {
                let after = Duration::from_micros(random_below(span.as_micros() as u64));
                due.push((Instant::now() + after, i));
            }
            kill_due(&mut children, &mut due, false);
        }
        kill_due(&mut children, &mut due, true);
        let killed: BTreeSet<usize> = (0..32).filter(|i| i % kill_every == 0).collect();
        let outputs = wait_all(children);
        let (stored_key, stored_sig) = stored(&store);
        let mut survivors = 0;
        let mut died = 0;
        for (i, o) in outputs.iter().enumerate() {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                died += usize::from(o.status.signal() == Some(9));
            }
            if o.status.code() == Some(0) {
                let (k, a) = signed_with(o);
                assert_eq!(Some(&k), stored_key.as_ref(), "round {round}, process {i}");
                assert_eq!(Some(&a), stored_sig.as_ref(), "round {round}, process {i}");
                survivors += 1;
            } else {
                assert!(killed.contains(&i), "process {i} failed: {}", stderr(o));
            }
        }
        assert!(round == 1 || survivors >= 16, "round {round}");
        eprintln!(
            "round {round}: kills within {span:?} of the start: {} sent, {died} died of it, {survivors} succeeded, store {}",
            killed.len(),
            if stored_key.is_some() { "written" } else { "untouched" }
        );
        // The next run finds a usable store: it reuses the key and AuthSig if there are any
        // (no new wallet signature, so no nonce is needed for it) and cleans up.
        let extra: &[&str] = &[];
        let next = wait_all(vec![sign_command(&key, &store, extra).spawn().unwrap()]);
        let next = &next[0];
        assert_eq!(next.status.code(), Some(0), "{}", stderr(next));
        let (k, a) = signed_with(next);
        if let (Some(sk), Some(sa)) = (&stored_key, &stored_sig) {
            assert_eq!((&k, &a), (sk, sa));
            assert!(
                stderr(next).contains("reusing the AuthSig"),
                "{}",
                stderr(next)
            );
        }
        assert_eq!(stored(&store), (Some(k), Some(a)));
        assert_eq!(
            entries(&store),
            BTreeSet::from(["lit-session-key".to_string(), "lit-wallet-sig".to_string()]),
            "round {round}"
        );
    }
}

/// A process that holds the store while its remote signer never answers: another one gives up
/// after `--store-wait` with exit 6 and the `store::busy` code, writing nothing; once the
/// holder is killed (SIGKILL) the system releases its lock and the next run goes ahead.
#[cfg(unix)]
#[test]
fn a_held_store_is_busy_and_a_killed_holder_releases_it() {
    use std::io::Read;
    let t = Temp::new("busy");
    let key = key_file(&t);
    let store = t.0.join("lit_storage.db");
    // A JSON-RPC signer that accepts the connection, reads the request and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = tx.send(());
            held.push(conn);
        }
    });
    let mut holder = Command::new(BIN);
    holder
        .args(["sign", PKP_SIGNER, "--session", "treasury"])
        .args([
            "--signer-url",
            &url,
            "--address",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        ])
        .args(["--signer-timeout", "300", "--store"])
        .arg(&store)
        .args(["--node", NODE, "--nonce", NONCE])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut holder = holder.spawn().unwrap();
    // The holder asks its signer only once it holds the lock.
    if rx.recv_timeout(DEADLINE).is_err() {
        let _ = holder.kill();
        panic!("the holder never reached its signer");
    }
    let t0 = Instant::now();
    let busy = wait_all(vec![sign_command(&key, &store, &["--store-wait", "1"])
        .spawn()
        .unwrap()]);
    let waited = t0.elapsed();
    let e = stderr(&busy[0]);
    assert_eq!(busy[0].status.code(), Some(6), "{e}");
    assert!(
        e.contains("litcap::store::busy") && e.contains("--store-wait"),
        "{e}"
    );
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert_eq!(entries(&store), BTreeSet::new(), "nothing is written");

    holder.kill().unwrap();
    holder.wait().unwrap();
    let t0 = Instant::now();
    let next = wait_all(vec![sign_command(&key, &store, &["--store-wait", "60"])
        .spawn()
        .unwrap()]);
    assert_eq!(next[0].status.code(), Some(0), "{}", stderr(&next[0]));
    assert!(
        !stderr(&next[0]).contains("waiting up to"),
        "the killed holder's lock was released at once ({:?}): {}",
        t0.elapsed(),
        stderr(&next[0])
    );
    let (k, _) = signed_with(&next[0]);
    assert_eq!(stored(&store).0, Some(k));
}
