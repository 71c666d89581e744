// The real Lit JS SDK v7 (packages pinned in package.json) on the operations of litcap's
// `sdk-ops` criterion group (benches/litcap.rs), with the same keys, requests and messages.
//
//   npm ci && node bench.mjs [iterations]      (../compare.sh runs both and prints a table)
//
// stdout: one JSON line {"<operation>": {"usPerOp": µs, "opsPerSec": n, "iterations": n}, ...}.
// SDK logging goes to stderr. Each operation runs 20 warm-up iterations first.
import { createRequire } from 'node:module';
import util from 'node:util';

const require = createRequire(import.meta.url);
for (const m of ['log', 'info', 'debug', 'warn']) console[m] = (...a) => process.stderr.write(util.format(...a) + '\n');
process.noDeprecation = true;
const authHelpers = require('@lit-protocol/auth-helpers');
const { LitNodeClientNodeJs } = require('@lit-protocol/lit-node-client-nodejs');
const { nacl } = require('@lit-protocol/nacl');
const { uint8arrayFromString } = require('@lit-protocol/uint8arrays');
const { ethers } = require('ethers');
const { SiweMessage } = require('siwe');

const N = Number(process.argv[2] ?? 300);

// The same inputs as `sdk_ops` in benches/litcap.rs.
const wallet = new ethers.Wallet('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const nonce = '0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70';
// RFC 8032 test key 1 (seed 9d61…7f60), in tweetnacl's 64-byte secret-key form.
const sessionKey = {
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
};
const nodes = ['https://15.235.83.220:7470', 'https://15.235.83.220:7471', 'https://15.235.83.220:7472'];
// A client that never touches the network: node list and blockhash set by hand.
const client = new LitNodeClientNodeJs({ litNetwork: 'custom', debug: false });
client.ready = true;
client.connectedNodes = new Set(nodes);
client.latestBlockhash = nonce;
client.lastBlockHashRetrieved = Date.now() + 1e12;
const requests = () => [
  { resource: new authHelpers.LitPKPResource('b03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f'), ability: 'pkp-signing' },
  { resource: new authHelpers.LitActionResource('QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3'), ability: 'lit-action-execution' },
  { resource: new authHelpers.LitAccessControlConditionResource('*'), ability: 'access-control-condition-decryption' },
];
const expiration = new Date(Date.now() + 3600e3).toISOString();
const compile = () => authHelpers.createSiweMessageWithRecaps({
  uri: 'lit:session:' + sessionKey.publicKey,
  expiration,
  resources: requests(),
  walletAddress: wallet.address,
  nonce,
  litNodeClient: client,
  domain: 'app.example.com',
  statement: 'Bench.',
});

async function time(name, fn) {
  for (let i = 0; i < Math.min(20, N); i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  return [name, { usPerOp: +us.toFixed(2), opsPerSec: Math.round(1e6 / us), iterations: N }];
}

const message = await compile();
const authSig = await authHelpers.generateAuthSig({ signer: wallet, toSign: message });
const getSessionSigs = () => client.getSessionSigs({
  sessionKey,
  resourceAbilityRequests: requests(),
  authNeededCallback: async () => authSig,
  expiration,
});
const sessionSigs = await getSessionSigs();
if (Object.keys(sessionSigs).length !== 3) throw new Error('expected 3 session signatures');

const out = Object.fromEntries([
  // createSiweMessageWithRecaps with the 3 requests -> the SIWE message text.
  await time('compile_siwe_with_recap', compile),
  // ethers Wallet.signMessage (EIP-191 personal_sign) -> AuthSig.
  await time('authsig_sign_eip191', () => authHelpers.generateAuthSig({ signer: wallet, toSign: message })),
  // Recover the signer, parse the SIWE message, decode the recap, check the 3 requests.
  await time('authsig_verify_and_cover', async () => {
    if (ethers.utils.verifyMessage(authSig.signedMessage, authSig.sig) !== wallet.address) throw new Error('bad signer');
    const cap = authHelpers.RecapSessionCapabilityObject.extract(new SiweMessage(authSig.signedMessage));
    for (const r of requests()) if (!cap.verifyCapabilitiesForResource(r.resource, r.ability)) throw new Error('not covered');
  }),
  // getSessionSigs for 3 nodes with a prepared AuthSig (the SDK also re-checks the AuthSig).
  await time('getSessionSigs_3_nodes', getSessionSigs),
  // Bare ed25519 verification of the 3 entries (what the SDK offers; it has no node verifier).
  await time('sessionsigs_verify_3_nodes', () => {
    for (const s of Object.values(sessionSigs)) {
      const ok = nacl.sign.detached.verify(
        uint8arrayFromString(s.signedMessage, 'utf8'),
        uint8arrayFromString(s.sig, 'base16'),
        uint8arrayFromString(s.address, 'base16'),
      );
      if (!ok) throw new Error('bad session signature');
    }
  }),
]);
process.stdout.write(JSON.stringify(out) + '\n');
