import net from "node:net";

export interface ThrottlingProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that lets the client's bytes through to `targetPort` at `bytesPerSecond`, as a slow
 * uplink does: the client is paused while its last chunk "travels", so everything it sends after
 * (an SSH keepalive too) waits behind the data, in its own buffers. Replies pass at full speed.
 */
export async function startThrottlingProxy(targetPort: number, bytesPerSecond: number): Promise<ThrottlingProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    let linkFreeAt = Date.now();
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      const now = Date.now();
      linkFreeAt = Math.max(now, linkFreeAt) + (chunk.length * 1000) / bytesPerSecond;
      if (linkFreeAt - now > 5) {
        client.pause();
        setTimeout(() => client.resume(), linkFreeAt - now).unref();
      }
    });
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
