/**
 * What the portal (db/embedded/launch.ts) and the embedded database server (db/embedded/server.ts)
 * tell each other: the server's configuration in argv[2], and its messages on the IPC channel.
 * No dependencies: launch.ts is part of the Next.js bundle and must not pull PGlite into it.
 */

/** The socket file is `<dir>/.s.PGSQL.<port>`: node-postgres finds it from host and port. */
export const SOCKET_PORT = 5432;

/** Socket directories are `<tmpdir>/edi-portal-db-<pid of the portal that made it>-<random>`. */
export const SOCKET_DIR_PREFIX = "edi-portal-db-";

export interface ServerConfig {
  /** A private directory (mode 0700) the portal made for the socket; the server removes it when it stops. */
  socketDir: string;
  /** The PGlite data directory; none means an in-memory database. */
  dataDir?: string;
  /**
   * An in-memory database only: start from this image of a data directory (a tar file written by
   * PGlite's dumpDataDir) instead of creating an empty cluster. Tests start from a migrated one.
   */
  image?: string;
  /** PostgreSQL's idle_in_transaction_session_timeout (default 60 s). */
  idleInTransactionMs?: number;
  /** How long to wait for a previous owner of the data directory to finish closing (default 20 s). */
  lockWaitMs?: number;
  /** Create the cluster in dataDir, close it and exit. */
  initOnly?: boolean;
}

/** Server → portal: accepting connections (or, with initOnly, the cluster exists). */
export interface ReadyMessage {
  ready: true;
  socketPath?: string;
}

/** Server → portal: it could not start; `code` tells a held data directory from other failures. */
export interface ErrorMessage {
  error: string;
  code?: string;
}

export type ServerMessage = ReadyMessage | ErrorMessage;

/** Portal → server: close the database and exit (closing the IPC channel says the same). */
export interface StopMessage {
  stop: true;
}

function optional<T>(value: unknown, type: "string" | "number" | "boolean", name: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw new Error(`The embedded database server's ${name} must be a ${type}.`);
  return value as T;
}

/** Reads the configuration the portal passed in argv[2]. */
export function parseServerConfig(text: string | undefined): ServerConfig {
  const parsed: unknown = JSON.parse(text ?? "{}");
  if (!parsed || typeof parsed !== "object") throw new Error("The embedded database server's configuration is not an object.");
  const fields = parsed as Record<string, unknown>;
  const socketDir = optional<string>(fields.socketDir, "string", "socketDir");
  if (!socketDir) throw new Error("No socket directory given.");
  return {
    socketDir,
    dataDir: optional<string>(fields.dataDir, "string", "dataDir") || undefined,
    image: optional<string>(fields.image, "string", "image") || undefined,
    idleInTransactionMs: optional<number>(fields.idleInTransactionMs, "number", "idleInTransactionMs"),
    lockWaitMs: optional<number>(fields.lockWaitMs, "number", "lockWaitMs"),
    initOnly: optional<boolean>(fields.initOnly, "boolean", "initOnly"),
  };
}
