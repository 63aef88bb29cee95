import { spawn, type ChildProcess } from "node:child_process";
import crypto, { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { getDb, type DatabaseHandle } from "@/db/client";
import { destinations, partnerAccounts, sshKeys, transferAttempts, transfers } from "@/db/schema";
import { storeSecret } from "@/lib/vault/secret-store";
import { insertTransfer } from "@/db/repositories/transfers";
import type { RelayConfig } from "@/lib/transfers/queue/config";
import { startRelayRuntime, type RelayRuntime } from "@/lib/transfers/queue/runtime";
import { replaceRuntimeParts } from "@/lib/runtime";
import { generateRsaKeyPair } from "@/lib/keys";
import { newStagingKey, writeStagedFile } from "@/lib/transfers/staging/files";
import { createOrganisation } from "@/test/support/factories";

const repoRoot = path.resolve(__dirname, "..", "..");

/** Fast relay settings for tests: 1 s backoff base, 2 s lease, half-second polling. */
export function fastRelayConfig(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return {
    maxAttempts: 3,
    retryBaseSeconds: 1,
    concurrency: 2,
    leaseSeconds: 2,
    attemptTimeoutSeconds: 60,
    pollSeconds: 0.5,
    retentionDays: 14,
    deliveredGraceHours: 24,
    ...overrides,
  };
}

/** The same settings as environment variables, for child processes. */
export function relayEnv(config: RelayConfig): Record<string, string> {
  return {
    RELAY_MAX_ATTEMPTS: String(config.maxAttempts),
    RELAY_RETRY_BASE_SECONDS: String(config.retryBaseSeconds),
    RELAY_CONCURRENCY: String(config.concurrency),
    RELAY_LEASE_SECONDS: String(config.leaseSeconds),
    RELAY_ATTEMPT_TIMEOUT_SECONDS: String(config.attemptTimeoutSeconds),
    RELAY_POLL_SECONDS: String(config.pollSeconds),
  };
}

/** postgres://… of the database behind a test handle (each test file has its own). */
export async function databaseUrlOf(handle: DatabaseHandle): Promise<string | undefined> {
  if (handle.kind !== "postgres" || !process.env.DATABASE_URL) return undefined;
  const { rows } = await handle.raw.query<{ name: string }>("SELECT current_database() AS name");
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${rows[0].name}`;
  return url.toString();
}

/**
 * The relay queue and its workers on a test database, as the portal's runtime starts them
 * (lib/runtime/start.ts), made the test runtime's relay and notification queue until it stops.
 * `databaseUrl`: pg-boss's PostgreSQL when it is not the handle's own database (a proxy in front).
 */
export async function startTestRelay(handle: DatabaseHandle, config: RelayConfig, options: { databaseUrl?: string } = {}): Promise<RelayRuntime> {
  const relay = await startRelayRuntime({ handle, databaseUrl: options.databaseUrl ?? (await databaseUrlOf(handle)), config });
  const restore = replaceRuntimeParts({ relayQueue: relay, notificationQueue: relay.notifications });
  return {
    ...relay,
    async stop(stopOptions) {
      restore();
      await relay.stop(stopOptions);
    },
  };
}

export function rsaHostKeyPem(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

export const UPSTREAM_USER = "clinic";
export const UPSTREAM_PASSWORD = "payer-issued-Pa55word";

/** An RSA key pair for the upstream account, shared by a test file (generation takes a moment). */
export async function upstreamKeyPair() {
  const pair = await generateRsaKeyPair(2048, "queue-test");
  return { publicKey: pair.publicKey.openssh, privateKeyPem: pair.privateKeyPem };
}

export interface RelayDestination {
  organisationId: string;
  accountId: string;
  destinationId: string;
}

/** An approved organisation with an SFTP destination and an account whose password and key are in the vault. */
export async function createRelayDestination(options: {
  port: number;
  hostKeyFingerprint: string;
  keys: { publicKey: string; privateKeyPem: string };
  password?: string;
}): Promise<RelayDestination> {
  const db = await getDb();
  const organisation = await createOrganisation("approved");
  const [destination] = await db
    .insert(destinations)
    .values({
      name: `Sandbox ${crypto.randomUUID().slice(0, 8)}`,
      protocol: "sftp",
      host: "127.0.0.1",
      port: options.port,
      remoteDir: "/incoming",
      auth: "password_and_key",
      hostKeyFingerprints: [options.hostKeyFingerprint],
      connectTimeoutMs: 3000,
      idleTimeoutMs: 10000,
    })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: destination.id, username: UPSTREAM_USER }).returning();
  await storeSecret({ kind: "partner_account", id: account.id }, "upstream_password", options.password ?? UPSTREAM_PASSWORD, null);
  const [key] = await db
    .insert(sshKeys)
    .values({ organisationId: organisation.id, partnerAccountId: account.id, algorithm: "rsa", bits: 2048, opensshPublic: options.keys.publicKey, sha256: "x", md5: "x", source: "generated", hasPrivateKey: true, status: "installed" })
    .returning();
  await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", options.keys.privateKeyPem, null);
  return { organisationId: organisation.id, accountId: account.id, destinationId: destination.id };
}

/** A staged file and its transfer row, as the upload pipeline leaves it ("received"). */
export async function stageTransfer(target: RelayDestination, options: { bytes?: number } = {}) {
  const stagingKey = newStagingKey();
  const header = `ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *${crypto.randomUUID()}~\n`;
  const content = options.bytes ? Buffer.concat([Buffer.from(header), crypto.randomBytes(Math.max(0, options.bytes - header.length))]) : Buffer.from(header);
  await writeStagedFile(stagingKey, content);
  const remoteName = `S000000050A49-20261121-${crypto.randomInt(1e6).toString().padStart(6, "0")}-${crypto.randomUUID().slice(0, 8)}T.TXT`;
  const transfer = await insertTransfer(await getDb(), {
    organisationId: target.organisationId,
    partnerAccountId: target.accountId,
    destinationId: target.destinationId,
    kind: "upload",
    mode: "test",
    originalName: remoteName,
    remoteName,
    sizeBytes: content.length,
    sha256: sha256(content),
    stagingKey,
    uploadedBy: null,
    uploaderIp: "127.0.0.1",
    status: "received",
  });
  return { transfer, content, remoteName };
}

export function sha256(content: Buffer): string {
  return crypto.createHash("sha256").update(content).digest("hex");
}

export async function loadTransfer(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(transfers).where(eq(transfers.id, id));
  return row;
}

export async function loadAttempts(id: string) {
  const db = await getDb();
  return db.select().from(transferAttempts).where(eq(transferAttempts.transferId, id)).orderBy(transferAttempts.number);
}

/** Polls until `check` returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

export async function waitForStatus(id: string, statuses: string[], timeoutMs = 20_000) {
  return eventually(async () => {
    const row = await loadTransfer(id);
    return statuses.includes(row.status) ? row : undefined;
  }, `transfer ${id} to become ${statuses.join("/")}`, timeoutMs);
}

/** Files in the sandbox's incoming directory (final names and temp files). */
export function remoteFiles(rootDir: string): string[] {
  const dir = path.join(rootDir, "incoming");
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

export interface ChildRelay {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

function track(child: ChildProcess): ChildRelay {
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

const shim = path.join(repoRoot, "scripts", "server-only-shim.cjs");
/*
 * node with tsx as a loader, not the tsx CLI: the CLI runs the script in a grandchild process, and
 * a SIGKILL (the crash these tests simulate) would only reach the CLI.
 */
const nodeWithTsx = ["--require", shim, "--import", "tsx"];

/** scripts/worker.ts (`npm run worker`), with the same loader and server-only shim. */
export function spawnWorkerScript(env: Record<string, string | undefined>): ChildRelay {
  const child = spawn(process.execPath, [...nodeWithTsx, path.join(repoRoot, "scripts", "worker.ts")], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(child);
}

/**
 * The portal's relay on the embedded database, in a child process: opens the PGlite directory as
 * its only owner and starts the runtime with its job queues exactly as server.ts does (without the
 * web server, and without migrating: the test did).
 */
export function spawnEmbeddedPortalRelay(pgliteDir: string, env: Record<string, string | undefined>): ChildRelay {
  const code = `
    const { startRuntime } = require("@/lib/runtime/start");
    (async () => {
      const runtime = await startRuntime({ role: "portal", database: { open: { pgliteDir: ${JSON.stringify(pgliteDir)} } }, queues: {} });
      console.log("embedded relay ready");
      process.on("SIGTERM", async () => { await runtime.stop({ graceMs: 1000 }); process.exit(0); });
    })().catch((error) => { console.error(error); process.exit(1); });
  `;
  const child = spawn(process.execPath, [...nodeWithTsx, "-e", code], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: "test", DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(child);
}

export async function waitForOutput(relay: ChildRelay, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(relay.output())) {
    if (relay.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`child ${relay.child.exitCode !== null ? "exited" : "timed out"} before printing ${pattern}:\n${relay.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
