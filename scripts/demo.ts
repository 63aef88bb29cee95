/**
 * `npm run demo`: the real portal with sandbox payer servers, on the embedded database, with no
 * configuration. Builds the app first when the build is missing or older than the sources.
 */
import { ensureProductionBuild } from "./production-build";

process.env.DEMO ??= "true";
process.env.ALLOW_PRIVATE_DESTINATIONS ??= "true";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

try {
  ensureProductionBuild();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../server").main();
