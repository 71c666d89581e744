#!/usr/bin/env node
// Generates vectors/*.json by running `node oracle.mjs <kind>` (a fresh process
// per vector) on fixed inputs. Each file: {kind, description, input, output, versions}.
// Usage: node gen-vectors.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTOR_VERSIONS } from './oracle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// litcap: the vectors live in tests/vectors/v8/ (run from tests/interop-v8/).
const outDir = path.join(here, '..', 'vectors', 'v8');

function oracle(kind, input) {
  const r = spawnSync(process.execPath, [path.join(here, 'oracle.mjs'), kind], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    cwd: here,
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  if (!r.stdout) throw new Error(`oracle ${kind} failed (status ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  // stack traces carry machine paths; keep only the error itself
  if (out && out.stack) delete out.stack;
  return out;
}

// ---- fixed material (same as the v7 oracle's vectors where possible) -------
const KEY_A = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'; // 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
const KEY_B = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'; // 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
const ADDR_A = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ADDR_B = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const ADDR_C = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'; // RFC 8032 test 1
const SEED2 = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'; // RFC 8032 test 2
const PUB1 = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const NONCE = '0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70';
const NOW = '2024-09-19T13:07:33.606Z';
const EXP = '2024-09-20T13:07:33.606Z';
const NODES = ['https://15.235.83.220:7470', 'https://15.235.83.220:7471', 'https://15.235.83.220:7472'];
const PKP_TOKEN_ID = '0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f';
const LIT_ACTION_CID = 'QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3';
const ACCS = [
  {
    contractAddress: '',
    standardContractType: '',
    chain: 'ethereum',
    method: 'eth_getBalance',
    parameters: [':userAddress', 'latest'],
    returnValueTest: { comparator: '>=', value: '1000000000000' },
  },
];
const DATA_HASH = '03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4'; // sha256("1234")
const WEI = (n) => (BigInt(n) * 10n ** 18n).toString();

const vectors = [];
const add = (slug, kind, description, input) => {
  const name = `${String(vectors.length + 1).padStart(2, '0')}-${slug}`;
  const output = oracle(kind, input);
  vectors.push({ name, kind, description, input, output, versions: VECTOR_VERSIONS });
  return output;
};

add('keypair-rfc8032', 'keypair',
  '@lit-protocol/crypto generateSessionKeyPair() (noble ed25519.utils.randomPrivateKey) with the WebCrypto draw fed the RFC 8032 test-1 seed: publicKey = 32-byte hex, secretKey = the 32-byte seed only (v7: 64-byte seed||pub).',
  { sessionKeySeed: SEED });

const ACC_KEY = add('acc-resource-key', 'acc-resource',
  'LitAccessControlConditionResource.generateResourceString(accs, dataToEncryptHash) in v8: sha256hex(canonical ACC JSON) + "/" + dataToEncryptHash (same value as the v7 oracle vector 03).',
  { accessControlConditions: ACCS, dataToEncryptHash: DATA_HASH }).resource;

add('siwe-defaults', 'siwe',
  'auth-helpers createSiweMessageWithResources with only walletAddress, uri (from the session seed), nonce, now and one pkp-signing wildcard: SDK defaults domain "localhost", v7 test statement, chain 1, expiration now+7d.',
  { walletAddress: ADDR_A, sessionKeySeed: SEED, nonce: NONCE, now: NOW,
    resources: [{ resource: 'lit-pkp://*', ability: 'pkp-signing' }] });

add('siwe-custom-multi-merge', 'siwe',
  'Custom domain/statement/expiration; several requests merged into one urn:recap: ACC decryption+signing on a hashed key, PKP token id (0x stripped), short PKP id (left-padded to 64), Lit Action CID, duplicate request, and a request with nb data.',
  { walletAddress: ADDR_A, uri: `lit:session:${PUB1}`, nonce: NONCE, now: NOW, expiration: EXP,
    domain: 'app.example.com', statement: 'Sign in to Example.',
    resources: [
      { resource: `lit-accesscontrolcondition://${ACC_KEY}`, ability: 'access-control-condition-decryption' },
      { resource: `lit-accesscontrolcondition://${ACC_KEY}`, ability: 'access-control-condition-signing' },
      { resource: `lit-pkp://${PKP_TOKEN_ID}`, ability: 'pkp-signing' },
      { resource: 'lit-pkp://123', ability: 'pkp-signing' },
      { resource: `lit-litaction://${LIT_ACTION_CID}`, ability: 'lit-action-execution' },
      { resource: `lit-litaction://${LIT_ACTION_CID}`, ability: 'lit-action-execution' },
      { resource: 'lit-litaction://*', ability: 'lit-action-execution', data: { zeta: 1, alpha: ['b', 'a'] } },
    ] });

add('siwe-payment-delegation-resource', 'siwe',
  'v8-only resource/ability: lit-paymentdelegation://* with lit-payment-delegation maps to Auth/Auth (v7 used lit-ratelimitincrease / rate-limit-increase-auth, which v8 constants keep as a prefix but no ability).',
  { walletAddress: ADDR_A, uri: 'lit:capability:delegation', nonce: NONCE, now: NOW, expiration: EXP,
    resources: [{ resource: 'lit-paymentdelegation://*', ability: 'lit-payment-delegation' }] });

const authViem = add('authsig-eoa-viem', 'authsig',
  'EOA AuthSig the v8 way: SIWE from createSiweMessageWithResources, signed by ViemAccountAuthenticator.createAuthSig (viem privateKeyToAccount -> generateAuthSigWithViem). Same message as the v7 oracle vector 14, same signature.',
  { privateKey: KEY_A, sessionKeySeed: SEED, nonce: NONCE, now: NOW, expiration: EXP,
    resources: [
      { resource: 'lit-pkp://*', ability: 'pkp-signing' },
      { resource: 'lit-litaction://*', ability: 'lit-action-execution' },
    ] });

add('authsig-eoa-ethers', 'authsig',
  'Same SIWE signed through auth-helpers generateAuthSig with an ethers v5 Wallet: identical AuthSig to the viem vector before it (EIP-191, 0x r||s||v, v=27/28, checksummed address, no algo).',
  { ...vectors[vectors.length - 1].input, signer: 'ethers' });

const MAXP = { [NODES[0]]: WEI(1), [NODES[1]]: WEI(2), [NODES[2]]: WEI(3) };
const baseSession = {
  privateKey: KEY_A, sessionKeySeed: SEED, nonce: NONCE, issuedAt: NOW, expiration: EXP,
  resources: [
    { resource: 'lit-pkp://*', ability: 'pkp-signing' },
    { resource: 'lit-litaction://*', ability: 'lit-action-execution' },
  ],
};
const ss3 = add('sessionsigs-3-nodes-maxprices', 'sessionsigs',
  'createAuthManager({storage: localStorageNode}).createEoaAuthContext + networks issueSessionFromContext; 3 nodes with per-node maxPrice 1/2/3 ETH-wei (userMaxPrice = sum, so no excess). signedMessage key order ends with nodeAddress, maxPrice (0x-hex); resource JSON order is resourcePrefix, resource; the inner SIWE statement is " I further authorize..." (AuthConfig default statement "").',
  { ...baseSession, maxPrices: MAXP });

add('sessionsigs-defaults-unlimited-price', 'sessionsigs',
  'No expiration, domain, statement or userMaxPrice: AuthConfigSchema defaults (expiration now+15min, domain "localhost", statement "") and getUserMaxPrice default U128 max spread over the nodes: maxPrice = price + (2^128-1 - sum)/n in hex.',
  { privateKey: KEY_A, sessionKeySeed: SEED2, nonce: NONCE, issuedAt: NOW,
    resources: [{ resource: 'lit-pkp://*', ability: 'pkp-signing' }],
    product: 'SIGN',
    nodePrices: NODES.map((url, i) => ({ url, prices: [String(10 + i), String(100 + i), String(1000 + i), String(10000 + i)] })) });

add('sessionsigs-threshold-cheapest-excess', 'sessionsigs',
  'Price feed of 3 nodes, product LIT_ACTION (id 2), threshold 2, userMaxPrice 1000: the SDK sorts by that product price, keeps the 2 cheapest (7471 then 7470), and adds (1000-30)/2 = 485 to each -> maxPrice 10+485 = 0x1ef (7471, listed first) and 20+485 = 0x1f9 (7470); node 7472 gets no session sig.',
  { ...baseSession, product: 'LIT_ACTION', threshold: 2, userMaxPrice: '1000',
    nodePrices: [
      { url: NODES[0], prices: ['5', '5', '20', '5'] },
      { url: NODES[1], prices: ['1', '1', '10', '1'] },
      { url: NODES[2], prices: ['9', '9', '30', '9'] },
    ] });

const pd = add('payment-delegation-viem', 'payment-delegation',
  'auth-helpers 8.2.1 createPaymentDelegationAuthSig with a viem account: lit-paymentdelegation://* Auth/Auth, nb {delegate_to: lowercase no-0x (input may be mixed case / un-prefixed), max_price: bare lowercase hex of the decimal input, scopes: deduplicated in first-seen order}, URI lit:capability:delegation.',
  { privateKey: KEY_A, nonce: NONCE, now: NOW, expiration: EXP,
    delegateeAddresses: [ADDR_B, ADDR_C.slice(2)],
    scopes: ['pkp_sign', 'lit_action', 'pkp_sign'],
    maxPrice: WEI(1) });

add('payment-delegation-ethers-hex-default-exp', 'payment-delegation',
  'Same function with an ethers v5 Wallet (generateAuthSig path), maxPrice "0xABC" (-> "abc"), no expiration (SIWE default now+7d), all four scopes.',
  { privateKey: KEY_A, signer: 'ethers', nonce: NONCE, now: NOW,
    delegateeAddresses: [ADDR_B],
    scopes: ['encryption_sign', 'lit_action', 'pkp_sign', 'sign_session_key'],
    maxPrice: '0xABC' });

add('payment-delegation-bad-scope', 'payment-delegation',
  'Unsupported scope is rejected by the SDK before signing (InvalidArgumentException).',
  { privateKey: KEY_A, nonce: NONCE, now: NOW, delegateeAddresses: [ADDR_B], scopes: ['decrypt'], maxPrice: '1' });

add('sessionsigs-with-payment-delegation-capability', 'sessionsigs',
  'The payment-delegation AuthSig of the payment-delegation-viem vector passed as authConfig.capabilityAuthSigs (it lands before the EOA AuthSig in capabilities); custom domain given as "app.example.com:8443/login" (DomainSchema keeps "app.example.com:8443"), custom statement, nb data on a request and a specific PKP id.',
  { privateKey: KEY_B, sessionKeySeed: SEED2, nonce: NONCE, issuedAt: NOW, expiration: EXP,
    domain: 'app.example.com:8443/login', statement: 'Example dapp session.',
    resources: [
      { resource: `lit-pkp://${PKP_TOKEN_ID}`, ability: 'pkp-signing' },
      { resource: `lit-accesscontrolcondition://${ACC_KEY}`, ability: 'access-control-condition-decryption', data: { note: 'x' } },
    ],
    capabilityAuthSigs: [pd.authSig],
    maxPrices: { [NODES[0]]: '7', [NODES[1]]: '7' } });

add('sessionsigs-shorthand-resources', 'sessionsigs',
  'v8 shorthand resources ([ability, id] tuples) passed untouched to createEoaAuthContext, where processResources/transformShorthandResources build the resource classes.',
  { privateKey: KEY_A, sessionKeySeed: SEED, nonce: NONCE, issuedAt: NOW, expiration: EXP,
    resourcesShorthand: true,
    resources: [['pkp-signing', '*'], ['lit-action-execution', LIT_ACTION_CID], ['access-control-condition-decryption', '*']],
    maxPrices: { [NODES[0]]: '1' } });

add('sessionsigs-max-price-too-low', 'sessionsigs',
  'userMaxPrice below the summed node prices: getMaxPricesForNodeProduct throws MaxPriceTooLow inside issueSessionFromContext (no session sigs).',
  { ...baseSession, userMaxPrice: '5', nodePrices: NODES.map((url) => ({ url, prices: ['2', '2', '2', '2'] })) });

add('validate-fresh', 'validate',
  'networks session-sigs-validator validateSessionSigs on the session sigs of the sessionsigs-3-nodes-maxprices vector at issuedAt.',
  { now: NOW, sessionSigs: ss3.sessionSigs });

add('validate-expired', 'validate',
  'Same session sigs one second after their expiration: both the outer expiration and the inner SIWE Expiration Time are reported.',
  { now: '2024-09-20T13:07:34.606Z', sessionSigs: ss3.sessionSigs });

// ---- write -----------------------------------------------------------------
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const v of vectors) {
  const { name, ...rest } = v;
  writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(rest, null, 2) + '\n');
}
writeFileSync(
  path.join(outDir, 'index.json'),
  JSON.stringify(vectors.map((v) => ({ file: `${v.name}.json`, kind: v.kind, description: v.description })), null, 2) + '\n'
);
process.stdout.write(`wrote ${readdirSync(outDir).length} files to vectors/\n`);
