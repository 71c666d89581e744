// Writes ../vectors/bls/*.json: `lit.bls` AuthSigs signed like the Lit nodes sign them, by an
// implementation independent of litcap (@noble/curves), each confirmed by the SDK's own BLS
// verifier (@lit-protocol/crypto 7.4.0 `verifySignature`, i.e. wasm `blsVerify('Bls12381G2', ...)`).
//
//   npm ci && node gen-vectors.mjs     (tests/vectors_bls.rs reads the output)
//
// How the nodes sign (LIT-Protocol/lit-peer):
// - `auth/auth_material.rs` `siwe_hash_to_bls_session_hash`: the signed data is
//   sha256("lit_session:" + hex(EIP-191 hash of the SIWE text)), 32 raw bytes;
// - blsful `Signature<Bls12381G2Impl>::ProofOfPossession`: G2 signature, G1 key, DST
//   `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (blsful `impls/g2.rs` `SIG_DST`);
// - the SDK writes `sig: JSON.stringify({ProofOfPossession: hex})`, `algo: 'LIT_BLS'`,
//   `derivedVia: 'lit.bls'`, `address: computeAddress(pkpPublicKey)`
//   (lit-node-client-nodejs 7.4.0 `signSessionKey`).
// Note: the SDK's own `blsSessionSigVerify` (helpers/validate-bls-session-sig) has its verifier
// call commented out ("TODO: Verification currently fails"): it passes the base64 text of the
// hash instead of its bytes. The confirmation here calls `verifySignature` with the bytes.
import { bls12_381 as bls } from '@noble/curves/bls12-381';
import { sha256 } from '@noble/hashes/sha2';
import { ed25519 } from '@noble/curves/ed25519';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { ethers } = require('ethers');
const { verifySignature, combineSignatureShares } = require('@lit-protocol/crypto');
const { SiweMessage } = require('siwe');
const { RecapSessionCapabilityObject } = require('@lit-protocol/auth-helpers');

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'vectors', 'bls');
fs.mkdirSync(out, { recursive: true });

const POP_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

// Public test keys: never real network keys.
const secret = (label) => {
  const h = sha256(new TextEncoder().encode(label));
  h[0] &= 0x3f; // below the group order
  return h;
};
const NETWORK_SK = secret('litcap test network key');
const OTHER_SK = secret('litcap other network key');
const NETWORK_PK = hex(bls.getPublicKey(NETWORK_SK));
const OTHER_PK = hex(bls.getPublicKey(OTHER_SK));
// The session key of seed [7; 32] (litcap's tests sign SessionSigs bundles with it).
const SESSION_KEY = hex(ed25519.getPublicKey(new Uint8Array(32).fill(7)));
const OTHER_SESSION_KEY = 'aa'.repeat(32);
const PKP_PUBKEY = '0x04' + hex(ethers.utils.arrayify(new ethers.Wallet('0x' + '11'.repeat(32)).publicKey).slice(1));
const PKP_ADDRESS = ethers.utils.computeAddress(PKP_PUBKEY);
const ACTION_CID = 'QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA';
const NOW = '2024-09-20T12:00:00.000Z';

/** The data the nodes sign: lit-peer `siwe_hash_to_bls_session_hash`. */
const sessionHash = (text) => {
  const eip191 = ethers.utils.hashMessage(text).slice(2);
  return sha256(new TextEncoder().encode('lit_session:' + eip191));
};
const signPop = (text, sk) => bls.sign(sessionHash(text), sk, { DST: POP_DST });

/** The SIWE the nodes write for a PKP session (see reference/v8-and-bls.md §3). */
const nodeSiwe = ({ actions, expiration = '2024-09-21T12:00:00.000Z', sessionKey = SESSION_KEY }) => {
  const recap = new RecapSessionCapabilityObject({}, []);
  recap.addAttenuation('lit-pkp://*', 'Threshold', 'Signing');
  if (actions.length) recap.addAttenuation('lit-litaction://*', 'Threshold', 'Execution');
  recap.addAttenuation('lit-resolvedauthcontext://*', 'Auth', 'Auth', {
    auth_context: {
      actionIpfsIds: actions,
      authMethodContexts: [
        { appId: 'lit', authMethodType: 1, expiration: 1726920000, usedForSignSessionKeyRequest: true, userId: PKP_ADDRESS },
      ],
      authSigAddress: null,
      customAuthResource: actions.length ? 'true' : '',
      resources: [],
    },
  });
  const siwe = new SiweMessage({
    domain: 'litprotocol.com',
    address: PKP_ADDRESS,
    statement: 'Lit Protocol PKP session signature',
    uri: `lit:session:${sessionKey}`,
    version: '1',
    chainId: 1,
    nonce: '0x' + 'ab'.repeat(32),
    issuedAt: '2024-09-20T11:00:00.000Z',
    expirationTime: expiration,
  });
  return recap.addToSiweMessage(siwe).prepareMessage();
};

const authSig = (text, sigField) => ({
  sig: typeof sigField === 'string' ? sigField : JSON.stringify({ ProofOfPossession: hex(sigField) }),
  derivedVia: 'lit.bls',
  signedMessage: text,
  address: PKP_ADDRESS,
  algo: 'LIT_BLS',
});

/** The SDK's verdict: wasm blsVerify over the node's signed data, with the sig's bytes. */
const sdkVerify = async (networkKey, a) => {
  let bytes;
  try {
    bytes = unhex(JSON.parse(a.sig).ProofOfPossession);
  } catch (e) {
    return { ok: false, error: 'sig is not {"ProofOfPossession": hex}: ' + e.message };
  }
  try {
    await verifySignature(networkKey, sessionHash(a.signedMessage), bytes);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
};
/** noble's own verdict, as a second independent opinion. */
const nobleVerify = (networkKey, a) => {
  try {
    const s = JSON.parse(a.sig).ProofOfPossession;
    return bls.verify(s, sessionHash(a.signedMessage), networkKey, { DST: POP_DST });
  } catch {
    return false;
  }
};

const vectors = [];
const add = async (name, description, { a, networkKey = NETWORK_PK, sessionKey = SESSION_KEY, now = NOW, node, sdkExpected }) => {
  const sdk = await sdkVerify(networkKey, a);
  const noble = nobleVerify(networkKey, a);
  if (sdk.ok !== sdkExpected) throw new Error(`${name}: SDK verify ${sdk.ok}, expected ${sdkExpected} (${sdk.error})`);
  if (noble !== sdkExpected) throw new Error(`${name}: noble verify ${noble}, expected ${sdkExpected}`);
  const v = {
    kind: 'bls',
    description,
    input: { authSig: a, networkKey, sessionKey, now },
    expected: { sdkSignatureValid: sdk.ok, sdkError: sdk.error ?? null, node },
  };
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(v, null, 2) + '\n');
  vectors.push(name);
};

const pkpText = nodeSiwe({ actions: [] });
const actionText = nodeSiwe({ actions: [ACTION_CID] });
const good = authSig(pkpText, signPop(pkpText, NETWORK_SK));
const ok = { valid: true, kind: null };
const msgErr = (why) => ({ valid: false, kind: 'NodeSIWEMessageError', why });
const convErr = (why) => ({ valid: false, kind: 'NodeSIWESigConversionError', why });

await add('valid-pkp', 'a PKP session AuthSig, auth context without Lit Actions', { a: good, node: ok, sdkExpected: true });
await add('valid-action', 'a Lit Action session AuthSig, the action CID in auth_context.actionIpfsIds', {
  a: authSig(actionText, signPop(actionText, NETWORK_SK)), node: ok, sdkExpected: true,
});
await add('wrong-key', 'checked against another network key', { a: good, networkKey: OTHER_PK, node: msgErr('signature'), sdkExpected: false });
await add('other-signer', 'signed by another BLS key than the network key', {
  a: authSig(pkpText, signPop(pkpText, OTHER_SK)), node: msgErr('signature'), sdkExpected: false,
});
await add('other-address', '`address` is not the SIWE address: the node does not compare them (siwe.rs comment)', {
  a: { ...good, address: '0x' + '22'.repeat(20) }, node: ok, sdkExpected: true,
});
await add('tampered-siwe', 'the SIWE text changed after signing (expiration moved)', {
  a: { ...good, signedMessage: pkpText.replace('Expiration Time: 2024-09-21', 'Expiration Time: 2024-09-29') },
  node: msgErr('signature'), sdkExpected: false,
});
await add('expired', 'a valid signature, checked after the SIWE expiration time', {
  a: good, now: '2024-09-22T00:00:00.000Z', node: msgErr('time'), sdkExpected: true,
});
await add('other-session-key', 'a valid signature for another session key (URI)', {
  a: good, sessionKey: OTHER_SESSION_KEY, node: msgErr('uri'), sdkExpected: true,
});
const sigBytes = signPop(pkpText, NETWORK_SK);
await add('sig-not-json', '`sig` is bare hex, not the JSON the nodes deserialize', {
  a: authSig(pkpText, hex(sigBytes)), node: convErr('json'), sdkExpected: false,
});
await add('sig-not-hex', '`ProofOfPossession` is not hex', {
  a: authSig(pkpText, JSON.stringify({ ProofOfPossession: 'zz' + hex(sigBytes).slice(2) })), node: convErr('hex'), sdkExpected: false,
});
await add('sig-wrong-length', '`ProofOfPossession` is 48 bytes, not 96', {
  a: authSig(pkpText, JSON.stringify({ ProofOfPossession: hex(sigBytes).slice(0, 96) })), node: convErr('length'), sdkExpected: false,
});
await add('sig-0x', '`ProofOfPossession` with a 0x prefix (blsful decodes bare hex only)', {
  a: authSig(pkpText, JSON.stringify({ ProofOfPossession: '0x' + hex(sigBytes) })), node: convErr('hex'), sdkExpected: false,
});
// A compressed G2 x that is not on the curve, and one on the curve but outside the subgroup.
const Fp2 = bls.fields.Fp2;
const B2 = Fp2.create({ c0: 4n, c1: 4n });
const encodeX = (x) => {
  const b = new Uint8Array(96);
  b.set(bls.fields.Fp.toBytes(x.c1), 0);
  b.set(bls.fields.Fp.toBytes(x.c0), 48);
  b[0] |= 0x80;
  return b;
};
let notOnCurve, notInGroup;
for (let i = 1n; !(notOnCurve && notInGroup); i++) {
  const x = Fp2.create({ c0: i, c1: 1n });
  const y2 = Fp2.add(Fp2.mul(Fp2.sqr(x), x), B2);
  let square = true;
  try { Fp2.sqrt(y2); } catch { square = false; }
  if (!square && !notOnCurve) notOnCurve = encodeX(x);
  if (square && !notInGroup) {
    const enc = encodeX(x);
    let inGroup = true;
    try { bls.G2.ProjectivePoint.fromHex(enc).assertValidity(); } catch { inGroup = false; }
    if (!inGroup) notInGroup = enc;
  }
}
await add('sig-not-on-curve', '`ProofOfPossession` decodes to no point of the curve', {
  a: authSig(pkpText, notOnCurve), node: convErr('point'), sdkExpected: false,
});
await add('sig-not-in-subgroup', '`ProofOfPossession` is a curve point outside the prime-order subgroup', {
  a: authSig(pkpText, notInGroup), node: convErr('subgroup'), sdkExpected: false,
});
const identity = new Uint8Array(96); identity[0] = 0xc0;
await add('sig-identity', 'the signature is the identity point (blsful `core_verify` rejects it)', {
  a: authSig(pkpText, identity), node: msgErr('identity'), sdkExpected: false,
});

// Real network output: the three BLS shares the SDK keeps as a comment in
// packages/types/src/lib/schemas.ts (js-sdk), with their siweMessage and blsRootPubkey,
// combined with the SDK's own combineSignatureShares as signSessionKey does.
const real = JSON.parse(fs.readFileSync(path.join(here, 'real-shares.json'), 'utf8'));
const shares = real.shares.slice().sort((a, b) => a.shareIndex - b.shareIndex);
const combined = await combineSignatureShares(shares.map((s) => ({ ProofOfPossession: s.signatureShare.ProofOfPossession })));
const realText = shares[0].siweMessage;
if (hex(sessionHash(realText)) !== shares[0].dataSigned) throw new Error('real: dataSigned is not the lit_session hash');
const realSig = {
  sig: JSON.stringify({ ProofOfPossession: combined }),
  algo: 'LIT_BLS',
  derivedVia: 'lit.bls',
  signedMessage: realText,
  address: new SiweMessage(realText).address,
};
const realKey = shares[0].blsRootPubkey;
const realSession = realText.match(/URI: lit:session:([0-9a-f]+)/)[1];
await add('real-network', 'real nodes\' shares (SDK fixture), combined with combineSignatureShares, against their blsRootPubkey', {
  a: realSig, networkKey: realKey, sessionKey: realSession, now: '2024-04-25T12:00:00.000Z', node: ok, sdkExpected: true,
});
await add('real-network-expired', 'the same real AuthSig, checked today: expired', {
  a: realSig, networkKey: realKey, sessionKey: realSession, now: '2024-05-01T00:00:00.000Z', node: msgErr('time'), sdkExpected: true,
});

fs.writeFileSync(path.join(out, 'index.json'), JSON.stringify({ networkKey: NETWORK_PK, vectors }, null, 2) + '\n');
console.log(`${vectors.length} vectors written to ${out}`);
