// Reads criterion's estimates for the `sdk-ops` group and bench.mjs's JSON, prints Markdown.
//   node table.mjs <criterion dir> <js.json>
import fs from 'node:fs';
import path from 'node:path';

const [criterionDir, jsFile] = process.argv.slice(2);
const js = JSON.parse(fs.readFileSync(jsFile, 'utf8'));
const rust = {};
const group = path.join(criterionDir, 'sdk-ops');
for (const name of fs.readdirSync(group)) {
  const f = path.join(group, name, 'new', 'estimates.json');
  if (!fs.existsSync(f)) continue;
  const e = JSON.parse(fs.readFileSync(f, 'utf8'));
  rust[name] = e.mean.point_estimate / 1000; // ns -> µs
}
const us = (x) => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const ops = [
  ['compile_siwe_with_recap', 'createSiweMessageWithRecaps (3 requests) → SIWE text'],
  ['authsig_sign_eip191', 'AuthSig: EIP-191 sign the SIWE message'],
  ['authsig_verify_and_cover', 'AuthSig: recover signer, parse SIWE, decode recap, check 3 requests'],
  ['getSessionSigs_3_nodes', 'SessionSigs for 3 nodes (prepared AuthSig)'],
  ['sessionsigs_verify_3_nodes', 'SessionSigs: ed25519-verify the 3 entries'],
  ['sessionsigs_verify_3_nodes_full', '`litcap verify`: each node\'s full check of the map (JSON text → 3 verdicts; litcap only)'],
];
const lines = [];
lines.push('| operation | what | litcap µs/op | JS SDK µs/op | speed-up |');
lines.push('|---|---|---:|---:|---:|');
for (const [name, what] of ops) {
  if (rust[name] === undefined && js[name] === undefined) continue;
  const r = rust[name], j = js[name]?.usPerOp;
  const speedup = r !== undefined && j !== undefined ? `${(j / r).toFixed(j / r < 10 ? 1 : 0)}x` : 'n/a';
  lines.push(`| \`${name}\` | ${what} | ${us(r)} | ${us(j)} | ${speedup} |`);
}
lines.push('');
lines.push('Bare signature costs in the same litcap run, and the targets:');
lines.push('');
lines.push('| target | measured | goal | met |');
lines.push('|---|---:|---:|:---:|');
const ratio = (a, b, goal, label) => {
  if (rust[a] === undefined || rust[b] === undefined) return;
  const x = rust[a] / rust[b];
  lines.push(`| ${label}: \`${a}\` / \`${b}\` (${us(rust[a])} / ${us(rust[b])} µs) | ${x.toFixed(2)}x | ≤ ${goal}x | ${x <= goal ? 'yes' : 'no'} |`);
};
ratio('authsig_sign_eip191', 'bare_secp256k1_sign', 1.2, 'sign');
ratio('getSessionSigs_3_nodes', 'bare_ed25519_sign_3', 1.2, 'sign');
ratio('authsig_verify_and_cover', 'bare_secp256k1_recover', 1.2, 'verify');
ratio('sessionsigs_verify_3_nodes_full', 'bare_sessionsigs_all_signatures', 1.2, 'verify');
if (rust.compile_siwe_with_recap !== undefined && js.compile_siwe_with_recap) {
  const x = js.compile_siwe_with_recap.usPerOp / rust.compile_siwe_with_recap;
  lines.push(`| compile throughput vs the JS SDK | ${x.toFixed(0)}x | ≥ 50x | ${x >= 50 ? 'yes' : 'no'} |`);
}
process.stdout.write(lines.join('\n') + '\n');
