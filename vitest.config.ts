import { defineConfig } from "vitest/config";
import os from "node:os";
import path from "node:path";

const TEST_FILES = ["lib/**/*.test.ts", "db/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"];
const SHARED_SYSTEM_FILES = [
  "test/*sshd*.test.ts",
  "test/*vsftpd*.test.ts",
  "test/ftps-sandbox.test.ts",
  "test/ftps-reconcile.test.ts",
  "test/ftps-relay-thread.test.ts",
  "test/diagnosis-ftps-sandbox.test.ts",
  "test/sandbox-payer-responder.test.ts",
  "test/response-pickup-sandbox.test.ts",
  "test/attack/outbound.test.ts",
  "lib/guides/client-setup.openssh.test.ts",
];

/** Tests that start the portal from the production build: run by vitest.cluster.config.ts once it exists. */
export const AFTER_BUILD_FILES = ["test/cluster/**/*.test.ts"];

/** Shared with vitest.cluster.config.ts. */
export const TEST_RESOLVE = {
  alias: {
    "@": path.resolve(__dirname),
    // `server-only` throws outside a React Server Components bundle; in tests we are the server.
    "server-only": path.resolve(__dirname, "test/support/empty-module.ts"),
  },
};

export default defineConfig({
  resolve: TEST_RESOLVE,
  test: {
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Most of a test's time is spent waiting (on sshd, vsftpd, sockets, the database and timers), not
    // on the CPU: two files per core finish the suite sooner (7.4 → 4.9 minutes on 2 cores, embedded).
    maxWorkers: Math.max(2, os.availableParallelism() * 2),
    setupFiles: ["test/support/runtime.ts"],
    projects: [
      // Every test file owns its database, data directory and ports: files run side by side.
      // test/cluster/ runs the production build: vitest.cluster.config.ts, after the build (scripts/test-all.sh).
      // Each project migrates one template database first; every file's database is a copy (test/support/database-template.ts).
      {
        extends: true,
        test: { name: "isolated", include: TEST_FILES, exclude: [...SHARED_SYSTEM_FILES, ...AFTER_BUILD_FILES], globalSetup: ["test/support/database-template.ts"] },
      },
      // These start the machine's real sshd/vsftpd (each under a temporary local account, swept by
      // the global setup before and after the run), or claim passive port ranges: one file at a time.
      {
        extends: true,
        test: { name: "system servers", include: SHARED_SYSTEM_FILES, globalSetup: ["test/support/global-setup.ts", "test/support/database-template.ts"], poolOptions: { forks: { singleFork: true } } },
      },
    ],
    // next-auth's ESM imports "next/server" without an extension; bundled by Vite it resolves (the
    // attack suite imports the real Auth.js module and replaces only its session lookup).
    server: { deps: { inline: ["next-auth", "@auth/core"] } },
  },
});
