import net from "node:net";

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones for `ms` (a database restart, a network cut). */
  cut(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:targetPort for fault tests. With `bytesPerSecond` it lets the client's
 * bytes through at that rate, as a slow uplink does: the client is paused while its last chunk
 * "travels", so everything it sends after (an SSH keepalive too) waits behind the data, in its own
 * buffers; replies pass at full speed. `cut()` takes the server away and brings it back.
 */
export async function startTcpProxy(targetPort: number, options: { bytesPerSecond?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let downUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    const rate = options.bytesPerSecond;
    if (rate) {
      let linkFreeAt = Date.now();
      client.on("data", (chunk: Buffer) => {
        upstream.write(chunk);
        const now = Date.now();
        linkFreeAt = Math.max(now, linkFreeAt) + (chunk.length * 1000) / rate;
        if (linkFreeAt - now > 5) {
          client.pause();
          setTimeout(() => client.resume(), linkFreeAt - now).unref();
        }
      });
    } else client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async cut(ms) {
      downUntil = Date.now() + ms;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
