'use strict';
// `compile`'s output fed to the real Lit SDK 7.4.0: `createSiweMessageWithRecaps` with the
// session's `resourceAbilityRequests`, under a fixed clock, writes the same SIWE message.
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
