// @ts-check
/**
 * Serves one PGlite instance to many PostgreSQL wire-protocol clients (node-postgres pools, pg-boss).
 *
 * PGlite is a single PostgreSQL session. Clients take turns on it: a client holds the session from
 * its first message until the database answers ReadyForQuery "idle" at the end of a request cycle
 * (a simple Query, or an extended-protocol Sync). A client in a transaction therefore keeps the
 * session until COMMIT or ROLLBACK, exactly as the in-process PGlite mutex behaved, and the
 * unnamed statement and portal of one client's Parse/Bind/Execute can never be overwritten by
 * another's. The rules that keep one misbehaving client from stalling the rest are PostgreSQL's
 * own: a client that disconnects mid-transaction is rolled back, and one that sits idle inside a
 * transaction past the timeout is terminated (SQLSTATE 25P03).
 *
 * Session state that outlives a transaction (SET without LOCAL, named prepared statements,
 * temporary tables, LISTEN) would be shared by every client; the portal uses none of them.
 */
import net from "node:net";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** A single message larger than this is refused: nothing the portal sends comes close. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * @typedef {{ execProtocolRaw(message: Uint8Array): Promise<Uint8Array> }} WireDatabase
 * @typedef {{ idleInTransactionMs?: number, log?: (message: string) => void }} MultiplexerOptions
 */

class Session {
  /** @param {net.Socket} socket @param {number} id */
  constructor(socket, id) {
    this.socket = socket;
    this.id = id;
    /** @type {Buffer} */
    this.pending = Buffer.alloc(0);
    /** @type {{ startup: boolean, bytes: Buffer }[]} */
    this.messages = [];
    this.startupSeen = false;
    /** Transaction status from the last ReadyForQuery: I idle, T in a transaction, E failed transaction. */
    this.status = "I";
    /** Extended-protocol messages were forwarded and their Sync has not been yet. */
    this.midCycle = false;
    this.closed = false;
    /** @type {NodeJS.Timeout | undefined} */
    this.idleTimer = undefined;
  }

  get idle() {
    return this.status === "I" && !this.midCycle;
  }

  /** @param {Buffer} chunk @returns {boolean} false when the stream is not PostgreSQL protocol 3 */
  receive(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (!this.startupSeen) {
        if (this.pending.length < 8) return true;
        const length = this.pending.readInt32BE(0);
        const code = this.pending.readInt32BE(4);
        if (length === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
          // Unix socket only: no TLS or GSSAPI encryption to offer.
          this.socket.write("N");
          this.pending = this.pending.subarray(8);
          continue;
        }
        if (code === CANCEL_REQUEST) return false;
        if (code !== PROTOCOL_3 || length < 8 || length > 10_000) return false;
        if (this.pending.length < length) return true;
        this.messages.push({ startup: true, bytes: this.pending.subarray(0, length) });
        this.pending = this.pending.subarray(length);
        this.startupSeen = true;
        continue;
      }
      if (this.pending.length < 5) return true;
      const length = this.pending.readInt32BE(1);
      if (length < 4 || length > MAX_MESSAGE_BYTES) return false;
      if (this.pending.length < length + 1) return true;
      this.messages.push({ startup: false, bytes: this.pending.subarray(0, length + 1) });
      this.pending = this.pending.subarray(length + 1);
    }
  }
}

/** @param {string} severity @param {string} code @param {string} text */
function errorResponse(severity, code, text) {
  const fields = Buffer.concat([
    Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${text}\0`, "utf8"),
    Buffer.from([0]),
  ]);
  const message = Buffer.alloc(5 + fields.length);
  message.write("E", 0, "latin1");
  message.writeInt32BE(4 + fields.length, 1);
  fields.copy(message, 5);
  return message;
}

/** @param {string} sql */
function simpleQuery(sql) {
  const body = Buffer.from(`${sql}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** The transaction status carried by a trailing ReadyForQuery, if the output ends with one. */
function trailingStatus(/** @type {Uint8Array} */ output) {
  const n = output.length;
  if (n < 6 || output[n - 6] !== 0x5a) return undefined;
  if (output[n - 5] !== 0 || output[n - 4] !== 0 || output[n - 3] !== 0 || output[n - 2] !== 5) return undefined;
  return String.fromCharCode(output[n - 1]);
}

/**
 * @param {WireDatabase} db
 * @param {MultiplexerOptions} [options]
 */
export function createMultiplexer(db, options = {}) {
  const idleInTransactionMs = options.idleInTransactionMs ?? 60_000;
  const log = options.log ?? (() => {});
  /** @type {Session[]} */
  const waiting = [];
  /** @type {Set<Session>} */
  const sessions = new Set();
  /** @type {Session | null} */
  let owner = null;
  let pumping = false;
  let nextId = 1;

  function enqueue(/** @type {Session} */ session) {
    if (session !== owner && !waiting.includes(session)) waiting.push(session);
    void pump();
  }

  function takeNext() {
    for (let session = waiting.shift(); session; session = waiting.shift()) {
      if (!session.closed && session.messages.length) return session;
    }
    return null;
  }

  /** Leaves PGlite idle after a client that held it went away. */
  async function resetAfter(/** @type {Session} */ session) {
    if (session.idle) return;
    try {
      let status = session.status;
      if (session.midCycle) status = trailingStatus(await db.execProtocolRaw(SYNC)) ?? status;
      if (status !== "I") await db.execProtocolRaw(simpleQuery("ROLLBACK"));
      log(`client ${session.id} left inside a transaction: rolled back`);
    } catch (error) {
      log(`client ${session.id}: rollback after disconnect failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function armIdleTimer(/** @type {Session} */ session) {
    clearTimeout(session.idleTimer);
    session.idleTimer = setTimeout(() => {
      if (owner !== session || session.closed || session.messages.length) return;
      log(`client ${session.id} idle in a transaction for ${idleInTransactionMs} ms: terminated`);
      session.socket.end(errorResponse("FATAL", "25P03", "terminating connection due to idle-in-transaction timeout"));
      session.socket.destroySoon();
      close(session);
    }, idleInTransactionMs);
    session.idleTimer.unref();
  }

  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        if (!owner) owner = takeNext();
        if (!owner) break;
        const session = owner;
        if (session.closed) {
          await resetAfter(session);
          owner = null;
          continue;
        }
        const message = session.messages.shift();
        if (!message) {
          if (session.idle) {
            owner = null;
            continue;
          }
          // Inside a transaction or a request cycle: the session stays this client's until it goes on.
          armIdleTimer(session);
          break;
        }
        clearTimeout(session.idleTimer);
        const type = message.startup ? 0 : message.bytes[0];
        if (type === 0x58) {
          // Terminate: PGlite's session must outlive every client.
          close(session);
          continue;
        }
        let output;
        try {
          output = await db.execProtocolRaw(message.bytes);
        } catch (error) {
          log(`client ${session.id}: the database failed a request: ${error instanceof Error ? error.message : String(error)}`);
          session.socket.end(errorResponse("FATAL", "XX000", "the embedded database failed this request"));
          session.socket.destroySoon();
          session.midCycle = true;
          close(session);
          continue;
        }
        if (output.length && !session.closed) session.socket.write(output);
        // The startup packet, a simple Query and a Sync each end with ReadyForQuery.
        const endsCycle = message.startup || type === 0x53 || type === 0x51;
        if (endsCycle) {
          session.midCycle = false;
          session.status = trailingStatus(output) ?? session.status;
          if (session.idle) {
            owner = null;
            // Others waiting go first; this client's further requests queue behind them.
            if (session.messages.length) waiting.push(session);
          }
        } else {
          session.midCycle = true;
        }
      }
    } finally {
      pumping = false;
    }
  }

  function close(/** @type {Session} */ session) {
    if (session.closed) return;
    session.closed = true;
    clearTimeout(session.idleTimer);
    session.messages.length = 0;
    sessions.delete(session);
    // A socket already ending carries a FATAL error to the client; destroySoon() closes it once sent.
    if (!session.socket.destroyed && !session.socket.writableEnded) session.socket.destroy();
    if (owner === session) void pump();
  }

  const server = net.createServer((socket) => {
    const session = new Session(socket, nextId++);
    sessions.add(session);
    socket.setNoDelay(true);
    socket.on("data", (chunk) => {
      if (session.closed) return;
      if (!session.receive(chunk)) {
        socket.end(errorResponse("FATAL", "08P01", "unsupported frontend protocol or malformed message"));
        socket.destroySoon();
        close(session);
        return;
      }
      if (session.messages.length) enqueue(session);
    });
    socket.on("error", () => close(session));
    socket.on("close", () => close(session));
  });

  return {
    server,
    async close() {
      for (const session of [...sessions]) close(session);
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      // Let a reset in progress finish before the caller closes PGlite.
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
