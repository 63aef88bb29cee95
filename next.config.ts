import type { NextConfig } from "next";
import { PHASE_PRODUCTION_SERVER } from "next/constants";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Native, wasm or protocol libraries load from node_modules at run time rather than being bundled.
  serverExternalPackages: [
    "pg",
    "pg-boss",
    "ssh2",
    "ssh2-sftp-client",
    "basic-ftp",
    "@node-rs/argon2",
    "@zxcvbn-ts/language-common",
    "@tus/server",
    "@tus/file-store",
    "prom-client",
  ],
  typescript: { ignoreBuildErrors: false },
  // Security headers (CSP with a per-request nonce, HSTS, nosniff, framing) are set in server.ts:
  // lib/http/security-headers.ts.
};

/**
 * Route code loads on first use instead of all at start: a lower resting memory for a portal whose
 * admin, support and partner areas are rarely all in use in one process. The flag is experimental
 * and only the running server reads it, so it is set for that phase alone: `next build` then has
 * no experiment to announce (it printed a red "Experiments" line at every build of the demo).
 */
export default function config(phase: string): NextConfig {
  return phase === PHASE_PRODUCTION_SERVER ? { ...nextConfig, experimental: { preloadEntriesOnStart: false } } : nextConfig;
}
