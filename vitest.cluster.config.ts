import { defineConfig } from "vitest/config";
import path from "node:path";
import { AFTER_BUILD_FILES } from "./vitest.config";

/**
 * The tests that start real portal processes from the production build (`npm run build`), run
 * after it by scripts/test-all.sh: `npx vitest run --config vitest.cluster.config.ts`. On the
 * embedded database they skip, saying why (several processes cannot share it).
 */
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(__dirname),
      "server-only": path.resolve(__dirname, "test/support/empty-module.ts"),
    },
  },
  test: {
    environment: "node",
    include: AFTER_BUILD_FILES,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
    setupFiles: ["test/support/runtime.ts"],
  },
});
