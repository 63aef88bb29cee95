// Outside the Next.js bundler (the custom server, workers, scripts) code is on the server by
// definition, so `import "server-only"` resolves to an empty module instead of throwing.
const Module = require("node:module");
const path = require("node:path");
const empty = path.join(__dirname, "empty-module.cjs");
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveServerOnly(request, ...rest) {
  if (request === "server-only") return empty;
  return originalResolve.call(this, request, ...rest);
};
