import { defineConfig } from "vitest/config";
import { AFTER_BUILD_FILES, TEST_RESOLVE } from "./vitest.config";

/**
 * The tests that start real portal processes from the production build (`npm run build`), run
 * after it by scripts/test-all.sh: `npx vitest run --config vitest.cluster.config.ts`. On the
 * embedded database they skip, saying why (several processes cannot share it).
 */
export default defineConfig({
  resolve: TEST_RESOLVE,
  test: {
    environment: "node",
    include: AFTER_BUILD_FILES,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
    setupFiles: ["test/support/runtime.ts"],
  },
});
