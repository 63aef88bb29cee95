import type { Socket } from "node:net";

/** How long, after the answer is flushed, what the client still sends is read and dropped. */
export const LINGER_MS = 2_000;

/**
 * A lingering close for the HTTP server's connections.
 *
 * When an answer carries `Connection: close` before the request body has all arrived (a 413 at the
 * destination's size limit while a client streams 300 MB), Node ends the socket and destroys it as
 * soon as the answer is flushed. The client's bytes still in flight then reach a closed socket, the
 * kernel answers them with a reset, and the client's kernel drops the unread answer with it: the
 * partner's tool reports "connection reset" instead of "larger than the payer accepts" (measured on
 * loopback: 21 of 30 streamed uploads lost their 413).
 *
 * Replaced here as web servers do it (nginx's lingering_close): the answer is flushed, the write side
 * closed, and what still arrives is read and discarded until the client closes its side or
 * `lingerMs` pass, whichever comes first; then the socket is destroyed. A client that keeps sending
 * holds the socket for at most `lingerMs` after its answer was flushed.
 */
export function lingerOnClose(socket: Socket, lingerMs = LINGER_MS): void {
  socket.destroySoon = function lingeringDestroySoon(this: Socket): void {
    if (this.destroyed) return;
    if (this.writable) this.end();
    const destroy = () => this.destroy();
    const afterFlushed = (then: () => void) => (this.writableFinished ? then() : this.once("finish", then));
    if (this.readableEnded || !this.readable) {
      afterFlushed(destroy);
      return;
    }
    // The HTTP parser is done with this connection: what arrives now is dropped unparsed.
    this.removeAllListeners("data");
    this.on("data", () => undefined);
    this.resume();
    let timer: NodeJS.Timeout | undefined;
    this.once("end", () => afterFlushed(destroy));
    this.once("close", () => clearTimeout(timer));
    afterFlushed(() => {
      timer = setTimeout(destroy, lingerMs);
      timer.unref();
    });
  };
}
