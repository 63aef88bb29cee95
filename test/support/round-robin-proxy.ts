import http from "node:http";
import type net from "node:net";

/** One request as the proxy passed it on. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** Index of the backend that received it. */
  backend: number;
  /** The proxy cut the request's body on purpose (see `cut`). */
  cut: boolean;
  /** The request's tus Upload-Offset header, if any. */
  uploadOffset?: number;
}

export interface RoundRobinProxy {
  url: string;
  /** Every request passed on, in order. */
  readonly log: ProxiedRequest[];
  /**
   * Cut the next request matching `match` after `afterBytes` of its body reached the backend, as a
   * dropped link does: the client's connection is destroyed, while the backend's stays open and
   * silent (half-open: it is still waiting for the rest, and holds the upload, until something
   * tells it otherwise). `before` runs once the bytes are through and before the link drops (a
   * test waits there until the backend has taken the upload). Resolves when it happened.
   */
  cut(match: (method: string, path: string) => boolean, afterBytes: number, options?: { before?: (entry: ProxiedRequest) => Promise<void> }): Promise<ProxiedRequest>;
  close(): Promise<void>;
}

/**
 * A load balancer for tests: each request goes to the next backend in turn (not each connection:
 * a kept-alive client still alternates), bodies streamed both ways, headers (every Set-Cookie) kept. A backend that refuses the
 * connection (a killed instance) is skipped for that request, as nginx's `proxy_next_upstream
 * error` does; nothing of the request was sent to it, so the next one gets it whole. One fresh
 * upstream connection per request, so "refused" is always known before a byte is forwarded.
 */
export async function startRoundRobinProxy(
  backends: string[],
  options: {
    /**
     * Requests with the same key take turns among the backends on their own (the next one after
     * the backend the key's last request went to): a test's way to make, say, consecutive PATCHes
     * of one upload always land on different instances while other uploads run beside it.
     */
    alternateBy?: (method: string, path: string) => string | undefined;
  } = {},
): Promise<RoundRobinProxy> {
  const log: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  let next = 0;
  const lastBackendOf = new Map<string, number>();
  const pick = (key: string | undefined) => {
    const last = key === undefined ? undefined : lastBackendOf.get(key);
    const backend = last === undefined ? next++ % backends.length : (last + 1) % backends.length;
    if (key !== undefined) lastBackendOf.set(key, backend);
    return backend;
  };
  let pendingCut:
    | { match: (method: string, path: string) => boolean; afterBytes: number; before?: (entry: ProxiedRequest) => Promise<void>; done: (entry: ProxiedRequest) => void }
    | undefined;

  const server = http.createServer((req, res) => {
    // Held until an upstream accepted the connection, so a refused backend costs nothing.
    req.pause();
    const cut = pendingCut && pendingCut.match(req.method ?? "", req.url ?? "") ? pendingCut : undefined;
    if (cut) pendingCut = undefined;
    const key = options.alternateBy?.(req.method ?? "", req.url ?? "");
    const tryBackend = (tries: number) => {
      const backend = pick(key);
      const target = new URL(req.url ?? "/", backends[backend]);
      const upstream = http.request(target, { method: req.method, headers: req.headers, agent: false });
      upstream.on("socket", (socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
        socket.once("connect", () => {
          const offset = req.headers["upload-offset"];
          const entry: ProxiedRequest = { method: req.method ?? "", path: req.url ?? "", backend, cut: false, uploadOffset: typeof offset === "string" ? Number(offset) : undefined };
          log.push(entry);
          if (cut) {
            let forwarded = 0;
            req.on("data", (chunk: Buffer) => {
              if (entry.cut) return;
              const room = cut.afterBytes - forwarded;
              upstream.write(room < chunk.length ? chunk.subarray(0, Math.max(0, room)) : chunk);
              forwarded += Math.min(room, chunk.length);
              if (forwarded >= cut.afterBytes) {
                entry.cut = true;
                // Let the bytes reach the backend (and the test see what it needs), then drop the client's link only.
                void (cut.before?.(entry) ?? Promise.resolve())
                  .catch(() => undefined)
                  .then(() => {
                    req.socket.destroy();
                    cut.done(entry);
                  });
              }
            });
            req.on("end", () => entry.cut || upstream.end());
            req.resume();
          } else {
            req.pipe(upstream);
          }
        });
      });
      upstream.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      });
      upstream.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED" && tries + 1 < backends.length) return tryBackend(tries + 1);
        if (!res.headersSent) {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`proxy: ${error.code ?? error.message}`);
        } else res.destroy();
      });
    };
    tryBackend(0);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    cut(match, afterBytes, cutOptions = {}) {
      return new Promise((resolve) => {
        pendingCut = { match, afterBytes, before: cutOptions.before, done: resolve };
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
