/**
 * `npm test`'s build step: the production build (Next.js + compiled server), skipped when it is newer
 * than every source, so the second run of the suite (the other database engine) does not redo it.
 */
import { ensureProductionBuild } from "./production-build";

try {
  ensureProductionBuild((message) => console.log(message));
  console.log("Production build is current.");
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
