'use strict';
// litcap for Node.js: compile, check and verify Lit session-signature policies with the
// litcap library (a native addon built from this folder with `npm run build`).
const native = require('./litcap.node');

function call(fn, options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('litcap: the options must be an object');
  }
  const reply = JSON.parse(fn(JSON.stringify(options)));
  if (reply.error) {
    const e = new Error(reply.error.message);
    e.code = reply.error.code;
    e.diagnostics = reply.error.diagnostics;
    throw e;
  }
  return reply.ok;
}

/** What `litcap compile --format json` prints for `session`. */
exports.compile = (options) => call(native.compileJson, options);
/** The `litcap check --format json` report. */
exports.check = (options) => call(native.checkJson, options);
/** The `litcap verify --format json` report for one SessionSigs object. */
exports.verify = (options) => call(native.verifyJson, options);
