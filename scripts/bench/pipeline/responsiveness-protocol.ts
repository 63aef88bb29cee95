/** The parent ↔ responsiveness-seed-child contract (see responsiveness-seed-child.ts). */
export interface ResponsivenessSeedJob {
  adminEmail: string;
  legacy: {
    host: string;
    port: number;
    hostKeyFingerprint: string;
    username: string;
    /** Secrets: arrive on stdin, stored in the vault by the portal's own code. */
    password: string;
    privateKeyPem: string;
    remoteDir: string;
    maxFileMiB: number;
  };
  /** API tokens for the partner, one per name (the API's rate limit counts per token). */
  tokenNames: string[];
}

export interface ResponsivenessSeedResult {
  legacyDestinationId: string;
  legacyAccountId: string;
  legacyKeySha256: string;
  /** Secrets: kept in memory only, never printed by the parent. */
  tokens: string[];
  /** An admin's monitoring token, for GET /api/health/details. */
  monitoringToken: string;
}

/** The health sampler's job (health-sampler-child.ts), one JSON line on its stdin. */
export interface HealthSamplerJob {
  url: string;
  intervalMs: number;
  requestTimeoutMs: number;
}

/**
 * One request: wall-clock start (ms since the epoch), latency (ms), HTTP status (0: failed), and the
 * part the route itself reported spending on the database (`database.latencyMs`: getting a
 * connection and `select 1`; -1 when the answer had none).
 */
export type HealthSample = [startedAt: number, latencyMs: number, status: number, databaseMs: number];

export interface HealthSamplerResult {
  samples: HealthSample[];
  errors: string[];
}

/** What legacy-handshake-child.ts is asked to do: one delivery of a tiny file with the portal's engine. */
export interface LegacyHandshakeJob {
  host: string;
  port: number;
  hostKeyFingerprint: string;
  remoteDir: string;
  username: string;
  password: string;
  privateKeyPem: string;
  localPath: string;
  remoteName: string;
}

export interface LegacyHandshakeResult {
  /** Wall time of the delivery: connect, key exchange, password + key, upload, verify, rename, close. */
  elapsedMs: number;
  /** "Connecting to" → "User authenticated OK" in the transcript. */
  connectToAuthMs: number;
  /** User + system CPU of the process during the delivery. */
  cpuMs: number;
  kex?: string;
  cipher?: string;
  mac?: string;
  hostKeyAlgorithm?: string;
  /** From lib/sftp/group-exchange.ts: the group the server sent, our exponent. */
  groupBits: number;
  exponentBits: number;
  fastGroupExchange: boolean;
}
