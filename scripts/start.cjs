// `npm start`: the production portal on plain Node, from the bundle `npm run build` writes.
const fs = require("node:fs");
const path = require("node:path");

const bundle = path.join(__dirname, "..", ".next", "portal-server", "server.cjs");
if (!fs.existsSync(bundle)) {
  console.error("The portal is not built yet: run `npm run build` first (or `npm run demo`, which builds when needed).");
  process.exit(1);
}
require("./server-only-shim.cjs");
process.setSourceMapsEnabled(true);
require(bundle).main();
