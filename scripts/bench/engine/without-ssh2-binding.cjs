/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload for node --require, like scripts/server-only-shim.cjs */
/*
 * Preloaded (NODE_OPTIONS=--require) into a relay child to measure ssh2 without its optional native
 * crypto binding, as on an install where npm did not run ssh2's install script: the binding's
 * require fails, and ssh2 falls back to node:crypto for every cipher, exactly as it does then.
 */
const Module = require("node:module");

const load = Module._load;
Module._load = function loadWithoutSsh2Binding(request, ...rest) {
  if (typeof request === "string" && request.endsWith("sshcrypto.node")) throw new Error("ssh2 native binding hidden by the benchmark");
  return load.call(this, request, ...rest);
};
