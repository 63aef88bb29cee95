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

/** Frontend message types the multiplexer looks at (the first byte of every message after startup). */
const QUERY = 0x51; // "Q"
const SYNC_TYPE = 0x53; // "S"
const TERMINATE = 0x58; // "X"
const READY_FOR_QUERY = 0x5a; // "Z"

/** The part of PGlite the multiplexer uses: one raw protocol exchange at a time. */
export interface WireDatabase {
  execProtocolRaw(message: Uint8Array): Promise<Uint8Array>;
}

export interface MultiplexerOptions {
  /** PostgreSQL's idle_in_transaction_session_timeout (default 60 s). */
  idleInTransactionMs?: number;
  log?: (message: string) => void;
}

export interface Multiplexer {
  server: net.Server;
  /** Closes every client connection and the listener, and waits for a reset in progress. */
  close(): Promise<void>;
}

/** Transaction status from a ReadyForQuery: I idle, T in a transaction, E failed transaction. */
type TransactionStatus = string;

interface FrontendMessage {
  startup: boolean;
  bytes: Buffer;
}

class Session {
  pending: Buffer = Buffer.alloc(0);
  readonly messages: FrontendMessage[] = [];
  startupSeen = false;
  /** Transaction status from the last ReadyForQuery. */
  status: TransactionStatus = "I";
  /** Extended-protocol messages were forwarded and their Sync has not been yet. */
  midCycle = false;
  closed = false;
  idleTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly socket: net.Socket,
    readonly id: number,
  ) {}

  get idle(): boolean {
    return this.status === "I" && !this.midCycle;
  }

  /** Splits what arrived into messages; false when the stream is not PostgreSQL protocol 3. */
  receive(chunk: Buffer): boolean {
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

function errorResponse(severity: string, code: string, text: string): Buffer {
  const fields = Buffer.concat([Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${text}\0`, "utf8"), Buffer.from([0])]);
  const message = Buffer.alloc(5 + fields.length);
  message.write("E", 0, "latin1");
  message.writeInt32BE(4 + fields.length, 1);
  fields.copy(message, 5);
  return message;
}

function simpleQuery(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

const SYNC = Buffer.from([SYNC_TYPE, 0, 0, 0, 4]);

/** The transaction status carried by a trailing ReadyForQuery, if the output ends with one. */
function trailingStatus(output: Uint8Array): TransactionStatus | undefined {
  const n = output.length;
  if (n < 6 || output[n - 6] !== READY_FOR_QUERY) return undefined;
  if (output[n - 5] !== 0 || output[n - 4] !== 0 || output[n - 3] !== 0 || output[n - 2] !== 5) return undefined;
  return String.fromCharCode(output[n - 1]);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createMultiplexer(db: WireDatabase, options: MultiplexerOptions = {}): Multiplexer {
  const idleInTransactionMs = options.idleInTransactionMs ?? 60_000;
  const log = options.log ?? (() => {});
  const waiting: Session[] = [];
  const sessions = new Set<Session>();
  let owner: Session | null = null;
  let pumping = false;
  let nextId = 1;

  function enqueue(session: Session): void {
    if (session !== owner && !waiting.includes(session)) waiting.push(session);
    void pump();
  }

  function takeNext(): Session | null {
    for (let session = waiting.shift(); session; session = waiting.shift()) {
      if (!session.closed && session.messages.length) return session;
    }
    return null;
  }

  /** Leaves PGlite idle after a client that held it went away. */
  async function resetAfter(session: Session): Promise<void> {
    if (session.idle) return;
    try {
      let status = session.status;
      if (session.midCycle) status = trailingStatus(await db.execProtocolRaw(SYNC)) ?? status;
      if (status !== "I") await db.execProtocolRaw(simpleQuery("ROLLBACK"));
      log(`client ${session.id} left inside a transaction: rolled back`);
    } catch (error) {
      log(`client ${session.id}: rollback after disconnect failed: ${messageOf(error)}`);
    }
  }

  function armIdleTimer(session: Session): void {
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

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        if (!owner) owner = takeNext();
        if (!owner) break;
        const session: Session = owner;
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
        if (type === TERMINATE) {
          // Terminate: PGlite's session must outlive every client.
          close(session);
          continue;
        }
        let output: Uint8Array;
        try {
          output = await db.execProtocolRaw(message.bytes);
        } catch (error) {
          log(`client ${session.id}: the database failed a request: ${messageOf(error)}`);
          session.socket.end(errorResponse("FATAL", "XX000", "the embedded database failed this request"));
          session.socket.destroySoon();
          session.midCycle = true;
          close(session);
          continue;
        }
        if (output.length && !session.closed) session.socket.write(output);
        // The startup packet, a simple Query and a Sync each end with ReadyForQuery.
        const endsCycle = message.startup || type === SYNC_TYPE || type === QUERY;
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

  function close(session: Session): void {
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
    socket.on("data", (chunk: Buffer) => {
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Let a reset in progress finish before the caller closes PGlite.
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
