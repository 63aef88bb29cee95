import { defineConfig } from "@playwright/test";
import { chromiumArgs, resolveChromium } from "./e2e/browser";
import { e2eCredentials } from "./e2e/credentials";

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;
const executablePath = resolveChromium();

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: { executablePath, args: chromiumArgs },
  },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    {
      name: "chromium",
      testMatch: /.*\.spec\.ts/,
      // scripts/test-all.sh sets this for its PostgreSQL pass: the axe scans check markup, not the engine.
      testIgnore: process.env.E2E_SKIP_ACCESSIBILITY === "true" ? /accessibility\.spec\.ts$/ : undefined,
      dependencies: ["setup"],
    },
  ],
  webServer: {
    command: "tsx --require ./scripts/server-only-shim.cjs scripts/e2e-server.ts",
    url: `${baseURL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    // A clean stop: the portal stops its embedded database, which removes its socket directory.
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(port),
      PUBLIC_URL: baseURL,
      E2E_DATA_DIR: process.env.E2E_DATA_DIR ?? ".e2e-data",
      DEMO: "true",
      ALLOW_PRIVATE_DESTINATIONS: "true",
      BOOTSTRAP_ADMIN_EMAIL: e2eCredentials.admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: e2eCredentials.admin.password,
      DEMO_USER_PASSWORD: e2eCredentials.partner.password,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      // Two refused connections are enough to show the "payer down" banner (e2e/notifications.spec.ts).
      DESTINATION_DOWN_AFTER_MINUTES: "0",
      // Every spec reuses the one sign-in per role made by auth.setup; a role unused for a while in a
      // long run must not idle out. Idle expiry itself is tested against the database (vitest).
      SESSION_IDLE_MINUTES: "120",
    },
  },
});
