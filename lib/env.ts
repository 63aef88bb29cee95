import path from "node:path";
import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((value) => value === "true" || value === "1" || value === "yes");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOSTNAME: z.string().default("0.0.0.0"),
  /** Where PGlite, the staging store, the auth secret and the vault key file live. */
  DATA_DIR: z.string().default("./data"),
  /** postgres://… switches from the embedded PGlite to a PostgreSQL server. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** Signs session cookies. Generated into DATA_DIR on first start when unset. */
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters").optional(),
  /** Public URL of the portal, used in links and to decide whether cookies are Secure. */
  PUBLIC_URL: z.string().url().optional(),
  /** A session unused for this long ends (checked on the server at every request). */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** A session ends this long after sign-in, however active it is. */
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** Number of reverse-proxy hops whose X-Forwarded-For entries we trust for the client IP (0 = none). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  /** First admin created on an empty database; the password is generated and printed once when unset. */
  BOOTSTRAP_ADMIN_EMAIL: z.string().email().default("admin@portal.local"),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12).optional(),
  /** A generated (printed) first-admin password stops working after this many hours if nobody used it. */
  BOOTSTRAP_PASSWORD_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
  /** Demo mode: sandbox upstream servers, demo organisation and users. `npm run demo` sets it. */
  DEMO: booleanFlag,
  /** Password for the seeded demo users (generated and printed once when unset). */
  DEMO_USER_PASSWORD: z.string().min(12).optional(),
  /** Allows destinations on loopback/private addresses. Only for the sandbox and tests. */
  ALLOW_PRIVATE_DESTINATIONS: booleanFlag,
  /** The fixed egress IP(s) payers must allow-list, comma separated. */
  EGRESS_IPS: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((ip) => ip.trim()).filter(Boolean)),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /**
   * "json": one JSON object a line; "text": readable lines; "auto": JSON unless the log goes to a
   * terminal. lib/logger.ts reads it (worker threads too); it is parsed here so a typo stops the start.
   */
  LOG_FORMAT: z.enum(["auto", "json", "text"], { error: 'LOG_FORMAT must be "auto", "json" or "text"' }).default("auto"),
  /** Delivery attempts per queued transfer before it ends "failed" (permanent errors stop at once). */
  RELAY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  /** First retry waits base..2×base seconds; each further retry doubles (exponential backoff with jitter). */
  RELAY_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Relays one process runs at the same time. */
  RELAY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** A "sending" transfer whose worker has not reported for this long is taken over by another worker. */
  RELAY_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  /** Hard limit of one delivery attempt; it is aborted (and retried) after this. */
  RELAY_ATTEMPT_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(6 * 3600).default(3600),
  /** How often an idle worker looks for new jobs. */
  RELAY_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  /**
   * Slowest acknowledged upload rate (bytes/s, over each minute) a relay may run at before it is
   * stopped and retried; a slow link that still makes progress is never cut by keepalives.
   */
  RELAY_MIN_BYTES_PER_SECOND: z.coerce.number().int().min(0).max(1024 * 1024 * 1024).default(512),
  /** Staged bytes of a file are removed this many days after upload, delivered or not. */
  STAGING_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(14),
  /** …or this many hours after delivery, whichever comes first. */
  STAGING_DELIVERED_GRACE_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  /** Default per-organisation quota of staged bytes (MiB), uploads in progress included; admins can set another per organisation. */
  STAGING_QUOTA_MIB: z.coerce.number().int().min(1).max(1024 * 1024).default(2048),
  /** Default per-organisation limit on unfinished (resumable) uploads at once; admins can set another per organisation. */
  UNFINISHED_UPLOADS_MAX: z.coerce.number().int().min(1).max(10_000).default(10),
  /** An upload not finished this many hours after it started is removed. */
  UNFINISHED_UPLOAD_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
  /**
   * Free space (MiB) kept on the staging volume: an upload is accepted only if its size plus this
   * still fits, and below it health turns "degraded" and admins get an email. Unset: 5% of the
   * volume, at most 1024 MiB (so a small disk still takes uploads). See lib/transfers/staging/space.ts.
   */
  STAGING_RESERVE_MB: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.coerce.number({ error: "STAGING_RESERVE_MB must be a number of MiB, 0 or more" }).min(0).max(1024 * 1024).optional(),
  ),
  /** smtp(s)://user:pass@host:port for outgoing mail. Unset: mail is captured and shown at /admin/mail. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "SMTP_URL must start with smtp:// or smtps://")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** The From address of portal mail. */
  MAIL_FROM: z.string().default("EDI Transfer Portal <no-reply@portal.local>"),
  /** A failed email is tried again after base·2ⁿ⁻¹ seconds (plus jitter), up to MAIL_MAX_ATTEMPTS sends. */
  MAIL_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
  /** Webhook deliveries: attempts per event, first retry after base..2×base seconds, doubling. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How long one webhook request may take before it counts as failed. */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(1).max(60).default(10),
  /**
   * Extra CA certificate(s), PEM, trusted for webhook receivers in addition to the public roots:
   * for a receiver with a private CA (or a self-signed test receiver). Verification stays on.
   */
  WEBHOOK_CA_FILE: z.string().optional().or(z.literal("").transform(() => undefined)),
  /**
   * A destination counts as down (banner for its partners) when every attempt since its last
   * success failed with a connection error, at least two of them, spanning this many minutes.
   */
  DESTINATION_DOWN_AFTER_MINUTES: z.coerce.number().min(0).max(24 * 60).default(10),
  /** A request other than a file upload must arrive completely within this many seconds of its headers (then 408). */
  REQUEST_BODY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** A file upload may take as long as it needs while bytes arrive; it is ended after this many seconds without one. */
  UPLOAD_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /**
   * On SIGTERM, how long requests in progress (uploads) and relays in flight may take to finish
   * before the process hands them back (relays end as interrupted and are retried elsewhere) and exits.
   * A service manager's stop timeout must be longer.
   */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
});

export type Env = Omit<z.infer<typeof envSchema>, "PUBLIC_URL"> & { PUBLIC_URL: string };

let cached: Env | undefined;

/** Parse the environment once. Every default works with no variables at all. */
export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  cached = {
    ...parsed.data,
    DATA_DIR: path.resolve(parsed.data.DATA_DIR),
    // Unset, links point at this machine on the port the portal listens on.
    PUBLIC_URL: parsed.data.PUBLIC_URL ?? `http://localhost:${parsed.data.PORT}`,
  };
  return cached;
}

/** For tests that change variables between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}
