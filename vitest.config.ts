import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(__dirname),
      // `server-only` throws outside a React Server Components bundle; in tests we are the server.
      "server-only": path.resolve(__dirname, "test/support/empty-module.ts"),
    },
  },
  test: {
    environment: "node",
    include: ["lib/**/*.test.ts", "db/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    // next-auth's ESM imports "next/server" without an extension; bundled by Vite it resolves (the
    // attack suite imports the real Auth.js module and replaces only its session lookup).
    server: { deps: { inline: ["next-auth", "@auth/core"] } },
  },
});
