import "server-only";
import net from "node:net";

export interface PassiveListener {
  /** The address and port we tell the client in the PASV / EPSV reply. */
  advertisedHost: string;
  port: number;
  /** The first data connection from the client's address (rejects after `timeoutMs`). */
  accept(timeoutMs: number): Promise<net.Socket>;
  close(): void;
}

function listenOn(host: string, port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer({ pauseOnConnect: true });
    server.once("error", () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
  });
}

function randomStart(range: { min: number; max: number }): number {
  return range.min + Math.floor(Math.random() * (range.max - range.min + 1));
}

/** Ports of the range in a random rotation, like a payer's server handing out passive ports. */
function* portsOf(range: { min: number; max: number }): Generator<number> {
  const start = randomStart(range);
  const size = range.max - range.min + 1;
  for (let i = 0; i < size; i++) yield range.min + ((start - range.min + i) % size);
}

/**
 * Listen on a port of the passive range. `closed` advertises a port in the range with nothing
 * listening; `foreignHost` listens (and advertises) on another address and counts whoever comes.
 */
export async function openPassiveListener(options: {
  bindHost: string;
  range: { min: number; max: number };
  clientAddress: string;
  closed?: boolean;
  foreignHost?: string;
  onForeignConnection?: () => void;
}): Promise<PassiveListener> {
  const host = options.foreignHost ?? options.bindHost;
  for (const port of portsOf(options.range)) {
    const server = await listenOn(host, port);
    if (!server) continue;
    if (options.closed) {
      // The port was free a moment ago and stays unbound: a blocked/closed passive port.
      await new Promise((resolve) => server.close(resolve));
      return {
        advertisedHost: host,
        port,
        accept: (timeoutMs) => new Promise((_, reject) => setTimeout(() => reject(new Error("no data connection")), timeoutMs).unref()),
        close: () => undefined,
      };
    }
    const waiting: Array<(socket: net.Socket) => void> = [];
    const arrived: net.Socket[] = [];
    let used = false;
    const strip = (ip: string | undefined) => (ip ?? "").replace(/^::ffff:/, "");
    server.on("connection", (socket) => {
      if (options.foreignHost) options.onForeignConnection?.();
      // One data connection per PASV, and only from this control connection's client (port theft).
      if (used || strip(socket.remoteAddress) !== strip(options.clientAddress)) {
        socket.destroy();
        return;
      }
      used = true;
      const next = waiting.shift();
      if (next) next(socket);
      else arrived.push(socket);
    });
    return {
      advertisedHost: host,
      port,
      accept: (timeoutMs) =>
        new Promise((resolve, reject) => {
          const ready = arrived.shift();
          if (ready) return resolve(ready);
          const timer = setTimeout(() => reject(new Error("no data connection")), timeoutMs);
          timer.unref();
          waiting.push((socket) => {
            clearTimeout(timer);
            resolve(socket);
          });
        }),
      close: () => {
        server.close();
        for (const socket of arrived) socket.destroy();
      },
    };
  }
  throw new Error(`no free port in the passive range ${options.range.min}-${options.range.max}`);
}
