'use strict';
// `compile`'s output fed to the real Lit SDK 7.4.0, under a fixed clock:
// `createSiweMessageWithRecaps` with the session's `resourceAbilityRequests` writes the same
// SIWE message, and `getSessionSigs` the same SessionSigs as `litcap sign`.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const litcap = require('..');

let authHelpers;
let LitNodeClientNodeJs;
try {
  authHelpers = require('@lit-protocol/auth-helpers');
  ({ LitNodeClientNodeJs } = require('@lit-protocol/lit-node-client-nodejs'));
} catch {
  authHelpers = null;
}

const root = path.resolve(__dirname, '../../..');
const KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const NONCE = '0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70';
const AT = '2024-09-19T13:07:33.606Z';
const EXPIRATION = '2024-09-19T14:07:33.606Z';

/** Runs `fn` with `new Date()` and `Date.now()` fixed at `iso`, as the SDK's clock. */
async function at(iso, fn) {
  const RealDate = Date;
  const ms = new RealDate(iso).getTime();
  class FixedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static now() {
      return ms;
    }
  }
  globalThis.Date = FixedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/** A real, offline client (as the oracle that made tests/vectors/lit/ does): the SDK asks it
 * for the session capability object; the nonce is given, so it never fetches a blockhash. */
function client() {
  const c = new LitNodeClientNodeJs({ litNetwork: 'custom', debug: false });
  c.ready = true;
  c.latestBlockhash = NONCE;
  c.lastBlockHashRetrieved = Date.now();
  return c;
}

// Policies whose session requests exactly what the grant allows: the SDK builds the AuthSig's
// recap from the requests it is given.
const cases = [
  ['policies/pkp-signer.litcap', 'treasury', 'signer.example.com', 'Allow the treasury service to sign with its PKP.', 1],
  ['policies/lit-action-runner.litcap', 'oracle-job', 'oracle.example.org', 'Run the price oracle action.', 175188],
  ['policies/decrypt-only.litcap', 'read-article', 'reader.example.com', 'Decrypt your saved article.', 1],
];

test('the SDK builds the same SIWE message from compile\'s resourceAbilityRequests', { skip: !authHelpers && 'npm ci first (devDependencies)' }, async () => {
  for (const [rel, session, domain, statement, chainId] of cases) {
    const files = [{ name: rel, text: fs.readFileSync(path.join(root, rel), 'utf8') }];
    const compiled = litcap.compile({ files, session, address: ADDRESS, sessionKey: KEY, nonce: NONCE, issuedAt: AT, expiration: EXPIRATION });
    const resources = compiled.resourceAbilityRequests.map((r) => ({
      resource: authHelpers.parseLitResource(`${r.resource.resourcePrefix}://${r.resource.resource}`),
      ability: r.ability,
    }));
    const sdk = await at(AT, () =>
      authHelpers.createSiweMessageWithRecaps({
        uri: `lit:session:${KEY}`,
        walletAddress: ADDRESS,
        nonce: NONCE,
        expiration: EXPIRATION,
        domain,
        statement,
        chainId,
        resources,
        litNodeClient: client(),
      })
    );
    assert.equal(compiled.siweMessage, sdk, rel);
  }
});

// The whole session signing: `compile`'s `resourceAbilityRequests` given to the SDK's
// `getSessionSigs` (an offline client, the clock fixed, the AuthSig made in the documented
// `authNeededCallback` by `createSiweMessageWithRecaps` + `generateAuthSig`) and `litcap sign`
// with the same wallet, session key, nonce and times write the same SessionSigs, byte for byte
// (ed25519 and RFC 6979 ECDSA signatures are deterministic).
const { spawnSync } = require('node:child_process');
const bin = process.env.LITCAP_BIN || path.join(root, 'target/debug/litcap');
const WALLET = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const NODES = ['https://15.235.83.220:7470', 'https://15.235.83.220:7471', 'https://15.235.83.220:7472'];
const SIGN_EXPIRATION = '2024-09-19T13:17:33.606Z';

test('the SDK\'s getSessionSigs with compile\'s requests writes what `litcap sign` writes', { skip: (!authHelpers && 'npm ci first (devDependencies)') || (!fs.existsSync(bin) && 'no litcap binary (cargo build)') }, async () => {
  const { ethers } = require('ethers');
  for (const [rel, session, domain, statement, chainId] of cases) {
    const files = [{ name: rel, text: fs.readFileSync(path.join(root, rel), 'utf8') }];
    const compiled = litcap.compile({ files, session, address: ADDRESS, sessionKey: KEY, nonce: NONCE, issuedAt: AT, expiration: SIGN_EXPIRATION });
    const args = ['sign', rel, '--session', session, '--wallet-key-env', 'LITCAP_TEST_WALLET', '--session-key-seed-env', 'LITCAP_TEST_SEED', '--nonce', NONCE, '--issued-at', AT, '--expiration', SIGN_EXPIRATION];
    for (const n of NODES) args.push('--node', n);
    const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8', env: { ...process.env, LITCAP_TEST_WALLET: WALLET, LITCAP_TEST_SEED: SEED } });
    assert.equal(r.status, 0, `litcap ${args.join(' ')}: ${r.stderr}`);
    const cli = r.stdout.trim();

    const wallet = new ethers.Wallet(WALLET);
    const sdk = await at(AT, async () => {
      const c = client();
      c.connectedNodes = new Set(NODES);
      return c.getSessionSigs({
        chain: 'ethereum',
        sessionKey: { publicKey: KEY, secretKey: SEED + KEY },
        expiration: SIGN_EXPIRATION,
        resourceAbilityRequests: compiled.resourceAbilityRequests.map((q) => ({
          resource: authHelpers.parseLitResource(`${q.resource.resourcePrefix}://${q.resource.resource}`),
          ability: q.ability,
        })),
        authNeededCallback: async (params) => {
          const toSign = await authHelpers.createSiweMessageWithRecaps({
            uri: params.uri,
            expiration: params.expiration,
            resources: params.resourceAbilityRequests,
            walletAddress: wallet.address,
            nonce: NONCE,
            domain,
            statement,
            chainId,
            litNodeClient: c,
          });
          assert.equal(toSign, compiled.siweMessage, `${rel}: the AuthSig's message`);
          return authHelpers.generateAuthSig({ signer: wallet, toSign });
        },
      });
    });
    assert.deepEqual(Object.keys(sdk), NODES, rel);
    // Every entry's signed payload (with the AuthSig inside it) and signatures, as bytes.
    assert.equal(JSON.stringify(sdk), JSON.stringify(JSON.parse(cli)), rel);
  }
});
