// `npm run build`: the addon with cargo (no prebuilt binaries), copied to ./litcap.node.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const profile = process.env.LITCAP_NODE_PROFILE || 'release';
execFileSync('cargo', ['build', '--locked', '--profile', profile], { cwd: here, stdio: 'inherit' });
const target = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(here, 'target');
const dir = path.join(target, profile === 'dev' ? 'debug' : profile);
const lib = { linux: 'liblitcap_node.so', darwin: 'liblitcap_node.dylib', win32: 'litcap_node.dll' }[process.platform];
if (!lib) throw new Error(`unsupported platform ${process.platform}`);
fs.copyFileSync(path.join(dir, lib), path.join(here, 'litcap.node'));
console.log(`built ${path.join(here, 'litcap.node')} (${profile})`);
