import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Route code loads on first use instead of all at start: a lower resting memory for a portal
  // whose admin, support and partner areas are rarely all in use in one process.
  experimental: { preloadEntriesOnStart: false },
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
  ],
  typescript: { ignoreBuildErrors: false },
  // Security headers (CSP with a per-request nonce, HSTS, nosniff, framing) are set in server.ts:
  // lib/http/security-headers.ts.
};

export default nextConfig;
