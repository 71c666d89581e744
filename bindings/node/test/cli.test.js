'use strict';
// Every function of the addon against the CLI's `--format json` output, on the example
// policies and the SDK vectors.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const litcap = require('..');

const root = path.resolve(__dirname, '../../..');
const bin = process.env.LITCAP_BIN || path.join(root, 'target/debug/litcap');
if (!fs.existsSync(bin)) {
  execFileSync('cargo', ['build', '--locked', '--bin', 'litcap'], { cwd: root, stdio: 'inherit' });
}

/** The CLI's JSON on stdout (any exit code), run from the repository root. */
function cli(args) {
  const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8' });
  assert.ok(r.stdout, `litcap ${args.join(' ')}: no output; stderr: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const file = (rel) => ({ name: rel, text: fs.readFileSync(path.join(root, rel), 'utf8') });
const policies = fs
  .readdirSync(path.join(root, 'policies'))
  .filter((f) => /\.litcap(\.ya?ml|\.json)?$/.test(f))
  .map((f) => `policies/${f}`);
const sessionsOf = (rel) => [...file(rel).text.matchAll(/session "([^"]+)"|- session: (\S+)/g)].map((m) => m[1] || m[2]);
const vector = (name) => JSON.parse(fs.readFileSync(path.join(root, 'tests/vectors/lit', name), 'utf8'));

const KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const NONCE = '0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70';
const AT = '2024-09-19T13:07:33.606Z';

test('compile equals `litcap compile --format json` on every example policy and session', () => {
  assert.ok(policies.length >= 8);
  let n = 0;
  for (const p of policies) {
    for (const session of sessionsOf(p)) {
      assert.deepEqual(litcap.compile({ files: [file(p)], session }), cli(['compile', p, '--session', session]), `${p} ${session}`);
      // A plain ERC-5573 policy names its relying party (`uri`), not a Lit session key.
      const erc5573 = /network "erc5573"|network: erc5573|"network": "erc5573"/.test(file(p).text);
      const audience = erc5573 ? { uri: 'https://api.example.com' } : { sessionKey: KEY };
      const audienceArgs = erc5573 ? ['--uri', 'https://api.example.com'] : ['--session-key', KEY];
      const siwe = { address: ADDRESS, nonce: NONCE, issuedAt: AT, ...audience };
      assert.deepEqual(
        litcap.compile({ files: [file(p)], session, ...siwe }),
        cli(['compile', p, '--session', session, '--address', ADDRESS, ...audienceArgs, '--nonce', NONCE, '--issued-at', AT]),
        `${p} ${session} with SIWE inputs`
      );
      n++;
    }
  }
  assert.ok(n >= 8, `${n} sessions`);
});

test('check equals `litcap check --format json`, with and without an AuthSig', () => {
  for (const p of [...policies, 'tests/fixtures/check/lints.litcap']) {
    assert.deepEqual(litcap.check({ files: [file(p)] }), cli(['check', p, '--format', 'json']), p);
  }
  // The AuthSig's text, so that positions in it are the file's.
  const authSig = fs.readFileSync(path.join(root, 'tests/fixtures/check/authsig-14.json'), 'utf8');
  for (const p of ['tests/fixtures/check/vector14.litcap', 'tests/fixtures/check/vector14-narrow.litcap']) {
    const js = litcap.check({ files: [file(p)], authSig, at: '2024-09-19T14:00:00Z', sessionKey: KEY });
    const c = cli(['check', p, '--format', 'json', '--authsig', 'tests/fixtures/check/authsig-14.json', '--at', '2024-09-19T14:00:00Z', '--session-key', KEY]);
    // The AuthSig is named `authSig` in the addon and by its path in the CLI.
    const rename = (v) => JSON.parse(JSON.stringify(v).replaceAll('tests/fixtures/check/authsig-14.json', 'authSig'));
    assert.deepEqual(rename(js), rename(c), p);
  }
});

test('verify equals `litcap verify --format json` on the SDK SessionSigs', () => {
  const dir = path.join(root, 'tests/fixtures/sessionsigs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const rel = `tests/fixtures/sessionsigs/${f}`;
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    for (const at of ['2024-09-19T13:10:00Z', '2024-09-25T00:00:00Z']) {
      assert.deepEqual(litcap.verify({ sessionSigs: text, at }), cli(['verify', rel, '--format', 'json', '--at', at]), `${f} at ${at}`);
    }
  }
  for (const name of ['23-sessionsigs-3-nodes-docs-callback.json', '24-sessionsigs-fixed-authsig-with-capacity.json', '26-sessionsigs-expired-authsig.json']) {
    const sessionSigs = vector(name).expected.sessionSigs;
    const tmp = path.join(require('node:os').tmpdir(), `litcap-node-${process.pid}-${name}`);
    fs.writeFileSync(tmp, JSON.stringify(sessionSigs));
    const at = '2024-09-19T13:10:00Z';
    const policy = [file('tests/fixtures/sessionsigs/policy.litcap')];
    for (const session of ['docs', 'one-pkp']) {
      const js = litcap.verify({ sessionSigs, at, policy, session });
      const c = cli(['verify', tmp, '--format', 'json', '--at', at, '--policy', 'tests/fixtures/sessionsigs/policy.litcap', '--session', session]);
      assert.deepEqual(js, c, `${name} against ${session}`);
    }
    fs.unlinkSync(tmp);
  }
});

test('verify with `request` equals `litcap verify --request`', () => {
  const rel = 'tests/fixtures/sessionsigs/v23-three-nodes.json';
  const sessionSigs = fs.readFileSync(path.join(root, rel), 'utf8');
  const at = '2024-09-19T13:08:00Z';
  // One operation the capabilities cover, one they do not: accepted and refused on every node.
  const covered = 'pkp-signing on lit-pkp://0xABC';
  const refused = 'access-control-condition-decryption on lit-accesscontrolcondition://x/y';
  const both = litcap.verify({ sessionSigs, at, request: [covered, refused] });
  assert.deepEqual(both, cli(['verify', rel, '--format', 'json', '--at', at, '--request', covered, '--request', refused]));
  assert.equal(both.ok, false);
  const one = litcap.verify({ sessionSigs, at, request: covered });
  assert.deepEqual(one, cli(['verify', rel, '--format', 'json', '--at', at, '--request', covered]));
  assert.equal(one.ok, true);
  assert.deepEqual(litcap.verify({ sessionSigs, at, request: [refused] }), cli(['verify', rel, '--format', 'json', '--at', at, '--request', refused]));
  // With a policy session too.
  const policy = [file('tests/fixtures/sessionsigs/policy.litcap')];
  assert.deepEqual(
    litcap.verify({ sessionSigs, at, request: [covered, refused], policy, session: 'docs' }),
    cli(['verify', rel, '--format', 'json', '--at', at, '--request', covered, '--request', refused, '--policy', 'tests/fixtures/sessionsigs/policy.litcap', '--session', 'docs'])
  );
  // A request the CLI refuses as usage (exit 2, no report) is a `usage` error.
  const bad = spawnSync(bin, ['verify', rel, '--format', 'json', '--request', 'pkp-signing lit-pkp://x'], { cwd: root, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.throws(() => litcap.verify({ sessionSigs, at, request: 'pkp-signing lit-pkp://x' }), (e) => e.code === 'usage' && /request/.test(e.message));
  assert.throws(() => litcap.verify({ sessionSigs, at, request: [1] }), (e) => e.code === 'usage');
});

test('verify with `networkKey` equals `litcap verify --network-key` on the BLS vectors', () => {
  const dir = path.join(root, 'tests/vectors/bls');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  assert.ok(index.vectors.length >= 10);
  const otherKey = index.vectors
    .map((n) => JSON.parse(fs.readFileSync(path.join(dir, `${n}.json`), 'utf8')).input.networkKey)
    .find((k) => k !== index.networkKey);
  assert.ok(otherKey);
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'litcap-node-bls-'));
  const seen = new Set();
  try {
    for (const name of index.vectors) {
      const { input } = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
      const f = path.join(tmp, `${name}.json`);
      fs.writeFileSync(f, JSON.stringify(input.authSig));
      const at = input.now;
      const wrong = input.networkKey === otherKey ? index.networkKey : otherKey;
      // Its own key, the same with `0x`, a wrong key, and no key.
      for (const networkKey of [input.networkKey, `0x${input.networkKey}`, wrong, undefined]) {
        const args = ['verify', f, '--format', 'json', '--at', at, '--session-key', input.sessionKey];
        if (networkKey) args.push('--network-key', networkKey);
        const js = litcap.verify({ sessionSigs: input.authSig, at, sessionKey: input.sessionKey, networkKey });
        assert.deepEqual(js, cli(args), `${name} with key ${networkKey}`);
        seen.add(`${js.ok}:${js.authSig.error && js.authSig.error.kind}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Accepted with the right key, refused without one and with a wrong one.
  assert.ok(seen.has('true:null'), [...seen].join(' '));
  assert.ok(seen.has('false:BlsNoNetworkKey'), [...seen].join(' '));
  assert.ok([...seen].some((s) => s.startsWith('false:') && !s.endsWith('BlsNoNetworkKey')), [...seen].join(' '));
  // A key that is not 48 bytes is a usage error, as `--network-key` is (exit 2).
  assert.throws(() => litcap.verify({ sessionSigs: {}, networkKey: 'abcd' }), (e) => e.code === 'usage' && /networkKey/.test(e.message));
});

test('errors are JS Errors with the diagnostic code', () => {
  const p = policies.find((x) => x.endsWith('pkp-signer.litcap'));
  assert.throws(() => litcap.compile({ files: [file(p)], session: 'treasurx' }), (e) => e instanceof Error && e.code === 'unknown-session' && /treasurx/.test(e.message));
  assert.throws(() => litcap.compile({ files: [{ name: 'x.litcap', text: 'grant "g" { allow pkp-sign on "lit-pkp://*" }' }], session: 's' }), (e) => e.code === 'unknown-ability' && e.diagnostics.length >= 1);
  assert.throws(() => litcap.compile({ files: [file(p)] }), (e) => e.code === 'usage');
  assert.throws(() => litcap.verify({}), (e) => e.code === 'usage');
});
