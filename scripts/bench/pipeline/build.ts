import { ensureProductionBuild } from "../../production-build";
import { BenchSetupError } from "../shared/errors";

/**
 * The benchmark measures the production build as `npm start` serves it (Next.js build plus the
 * compiled server on plain Node), rebuilt first when older than the sources.
 */
export function ensureCurrentBuild(): void {
  try {
    ensureProductionBuild((message) => console.log(`bench:pipeline: ${message}`));
  } catch (error) {
    throw new BenchSetupError(`bench:pipeline: ${error instanceof Error ? error.message : String(error)}; the portal cannot be measured without a build.`);
  }
}
