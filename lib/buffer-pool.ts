import { isMainThread } from "node:worker_threads";

/**
 * Large buffers a thread's relays hand on to each other: the 1 MiB blocks a relay reads the staged
 * file into, the SFTP request buffers its packets are encrypted in and the ciphertext a sealed
 * file's records are read into.
 *
 * Why: a relay allocated each of these for itself, and they outlived its young generation, so when
 * it ended they waited as garbage for a full collection, which a relay thread's heap setting puts
 * off until its old generation holds 64 MB (lib/workers/thread-heap.ts). Sixteen relays at once,
 * after earlier ones on the same threads, held their own buffers plus those of the relays before
 * them: the portal's peak RSS was over 300 MiB (docs/benchmarks.md, "16 relays at once"). Buffers
 * handed back here are what the next relay on the thread takes, so the memory a thread holds for
 * relays is what its busiest moment needed, up to `maxRetainedBytes`.
 *
 * Module state is per thread (each worker thread has its own copy), so no buffer crosses threads.
 * A taken buffer holds bytes of an earlier relay, as Buffer.allocUnsafe's may: whoever takes one
 * sends only what it has written into it. Hand a buffer back only when nothing can still read it or
 * write into it: not while a socket write or a file read of it is pending.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private retainedBytes = 0;
  /** How many taken buffers were reused rather than allocated: tests read it. */
  readonly counts = { reused: 0 };

  constructor(private readonly maxRetainedBytes: number) {}

  /** A buffer of exactly `size` bytes, reused when one was handed back, its contents unspecified. */
  take(size: number): Buffer {
    const reused = this.free.get(size)?.pop();
    if (reused) {
      this.counts.reused++;
      this.retainedBytes -= size;
      return reused;
    }
    // Its own memory, never a slice of Node's shared pool: it can be handed back whole.
    return Buffer.allocUnsafeSlow(size);
  }

  /** Hands back a buffer taken here (a slice of it is not accepted: it would hand back the whole). Over the cap, it is left to the garbage collector. */
  give(buffer: Buffer): void {
    if (buffer.byteOffset !== 0 || buffer.length !== buffer.buffer.byteLength) return;
    if (this.retainedBytes + buffer.length > this.maxRetainedBytes) return;
    let list = this.free.get(buffer.length);
    if (!list) {
      list = [];
      this.free.set(buffer.length, list);
    }
    list.push(buffer);
    this.retainedBytes += buffer.length;
  }

  /** Bytes waiting to be taken again: tests read it. */
  get retained(): number {
    return this.retainedBytes;
  }
}

/**
 * This thread's pool. On a protocol thread 64 MiB: more than 16 relays on one thread hold at their
 * busiest (each a few MiB: a block or two, the requests in flight, the ciphertext buffer), and no
 * more than a relay thread's heap setting let its dead buffers grow to before. On the page thread,
 * where only the sealed reader takes from it (hashing and checking uploads, 1 MiB each), 16 MiB:
 * what it keeps after a burst of uploads it keeps for good.
 */
export const relayBuffers = new BufferPool((isMainThread ? 16 : 64) * 1024 * 1024);
