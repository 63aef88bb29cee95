import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { relayBuffers } from "@/lib/buffer-pool";
import { TransferError } from "@/lib/transfers/errors";
import { pooledUploadSource, type PositionalSource } from "@/lib/ftps/pooled-upload";

const KiB = 1024;

/** The file in memory, answered after a short random delay, as the threadpool would. */
function memorySource(content: Buffer, options: { failAtCall?: number; shortAtCall?: number } = {}) {
  const calls: { position: number; length: number; sync?: true }[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const source: PositionalSource = {
    readSync(buffer, offset, length, position) {
      calls.push({ position, length, sync: true });
      if (options.failAtCall === calls.length) throw new TransferError("STAGED_FILE_DAMAGED", "segment 3 failed its check");
      const take = options.shortAtCall === calls.length ? length - 1 : length;
      return { bytesRead: content.copy(buffer, offset, position, position + take) };
    },
    async read(buffer, offset, length, position) {
      calls.push({ position, length });
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        // Mostly faster than the connection takes a block (so blocks queue up), sometimes slower.
        if (Math.random() < 0.2) await sleep(1);
        else await Promise.resolve();
        if (options.failAtCall === calls.length) throw new TransferError("STAGED_FILE_DAMAGED", "segment 3 failed its check");
        const take = options.shortAtCall === calls.length ? length - 1 : length;
        return { bytesRead: content.copy(buffer, offset, position, position + take) };
      } finally {
        concurrent--;
      }
    },
  };
  return { source, calls, maxConcurrent: () => maxConcurrent };
}

/**
 * A data connection that takes each chunk some time after it is written (as a socket whose kernel
 * buffer is full does) and checks, when it finally takes it, that its bytes are still the ones it
 * was given: a block reused before its write's callback would have been overwritten by then.
 */
function slowConnection() {
  const received: Buffer[] = [];
  const blocks = new Set<ArrayBufferLike>();
  let largestWritev = 0;
  let overwritten = 0;
  const take = (chunk: Buffer, done: (error?: Error | null) => void) => {
    const snapshot = Buffer.from(chunk);
    blocks.add(chunk.buffer);
    setTimeout(() => {
      if (!chunk.equals(snapshot)) overwritten++;
      received.push(snapshot);
      done();
    }, 1 + Math.floor(Math.random() * 2));
  };
  const connection = new Writable({
    highWaterMark: 16 * KiB,
    write: (chunk: Buffer, _encoding, done) => take(chunk, done),
    writev: (chunks, done) => {
      largestWritev = Math.max(largestWritev, chunks.length);
      const whole = Buffer.concat(chunks.map((c) => c.chunk as Buffer));
      take(whole, done);
    },
  });
  return { connection, received, blocks, overwritten: () => overwritten, largestWritev: () => largestWritev };
}

describe("pooledUploadSource", () => {
  it.each([
    ["read in libuv's pool", false],
    ["read on this thread", true],
  ] as const)("%s: sends exactly [start, end) in order from at most four blocks, reusing a block only after its write's callback", async (_how, synchronousReads) => {
    const content = randomBytes(3 * 1024 * KiB + 4321);
    const start = 100_000;
    const { source, calls, maxConcurrent } = memorySource(content);
    const sink = slowConnection();
    const sent: number[] = [];
    await pipeline(
      pooledUploadSource({ local: source, start, end: content.length, synchronousReads, dataConnection: () => sink.connection, onSent: (p) => sent.push(p) }),
      sink.connection,
    );
    expect(calls.every((c) => Boolean(c.sync) === synchronousReads)).toBe(true);

    expect(Buffer.concat(sink.received).equals(content.subarray(start))).toBe(true);
    expect(sink.overwritten()).toBe(0);
    // One write at a time: node:tls would copy a writev's chunks into one buffer first.
    expect(sink.largestWritev()).toBeLessThanOrEqual(1);
    expect(sink.blocks.size).toBeLessThanOrEqual(4);
    // One read at a time, in order (the sealed reader decrypts each segment once).
    expect(maxConcurrent()).toBeLessThanOrEqual(1);
    expect(calls.map((c) => c.position)).toEqual(calls.map((_, i) => start + i * 256 * KiB));
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(sent.at(-1)).toBe(content.length);
  });

  it("uploads at once on the thread's pooled blocks, handing them back after the last write for the next upload to take", async () => {
    const contents = [randomBytes(2 * 1024 * KiB + 77), randomBytes(3 * 1024 * KiB + 5), randomBytes(1024 * KiB - 9)];
    const upload = async (content: Buffer) => {
      const sink = slowConnection();
      await pipeline(
        pooledUploadSource({ local: memorySource(content).source, start: 0, end: content.length, synchronousReads: true, dataConnection: () => sink.connection }),
        sink.connection,
      );
      return sink;
    };
    const together = await Promise.all(contents.map(upload));
    together.forEach((sink, i) => {
      expect(Buffer.concat(sink.received).equals(contents[i])).toBe(true);
      expect(sink.overwritten()).toBe(0);
    });
    const firstBlocks = new Set(together.flatMap((sink) => [...sink.blocks]));
    const reusedBefore = relayBuffers.counts.reused;
    const next = await upload(contents[1]);
    expect(Buffer.concat(next.received).equals(contents[1])).toBe(true);
    expect(relayBuffers.counts.reused - reusedBefore).toBe(4);
    expect([...next.blocks].every((block) => firstBlocks.has(block))).toBe(true);
  });

  it("sends nothing and ends at once when the range is empty (a resumed upload already complete, or an empty file)", async () => {
    const { source, calls } = memorySource(Buffer.alloc(0));
    const sink = slowConnection();
    await pipeline(pooledUploadSource({ local: source, start: 0, end: 0, dataConnection: () => sink.connection }), sink.connection);
    expect(sink.received).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each([false, true])("a failed read (on this thread: %s) ends the upload with the file's own error, reported as a local failure, and no read follows", async (synchronousReads) => {
    const content = randomBytes(2 * 1024 * KiB);
    const { source, calls } = memorySource(content, { failAtCall: 3 });
    const sink = slowConnection();
    const local: unknown[] = [];
    const outcome = pipeline(
      pooledUploadSource({ local: source, start: 0, end: content.length, synchronousReads, dataConnection: () => sink.connection, onLocalFailure: (e) => local.push(e) }),
      sink.connection,
    );
    await expect(outcome).rejects.toMatchObject({ code: "STAGED_FILE_DAMAGED" });
    expect(local).toHaveLength(1);
    expect((local[0] as TransferError).code).toBe("STAGED_FILE_DAMAGED");
    await sleep(20);
    expect(calls).toHaveLength(3);
    // Only whole blocks read before the failure went out, in order.
    expect(content.subarray(0, Buffer.concat(sink.received).length).equals(Buffer.concat(sink.received))).toBe(true);
  });

  it("a short read (the staged file shrank) is LOCAL_FILE_MISSING", async () => {
    const content = randomBytes(1024 * KiB);
    const { source } = memorySource(content, { shortAtCall: 2 });
    const sink = slowConnection();
    const local: unknown[] = [];
    await expect(
      pipeline(pooledUploadSource({ local: source, start: 0, end: content.length, dataConnection: () => sink.connection, onLocalFailure: (e) => local.push(e) }), sink.connection),
    ).rejects.toMatchObject({ code: "LOCAL_FILE_MISSING" });
    expect(local).toHaveLength(1);
  });

  it("stops reading once the data connection is destroyed", async () => {
    const content = randomBytes(8 * 1024 * KiB);
    const { source, calls } = memorySource(content);
    const sink = slowConnection();
    const outcome = pipeline(
      pooledUploadSource({
        local: source,
        start: 0,
        end: content.length,
        dataConnection: () => sink.connection,
        onSent: (position) => {
          if (position >= 1024 * KiB) sink.connection.destroy(new Error("connection reset by peer"));
        },
      }),
      sink.connection,
    );
    await expect(outcome).rejects.toThrow("connection reset by peer");
    const readsThen = calls.length;
    await sleep(20);
    expect(calls.length).toBe(readsThen);
    expect(readsThen).toBeLessThan(content.length / (256 * KiB));
  });

  it("reads in libuv's pool by default on the main thread, whose event loop serves pages", async () => {
    const content = randomBytes(600 * KiB);
    const { source, calls } = memorySource(content);
    const sink = slowConnection();
    await pipeline(pooledUploadSource({ local: source, start: 0, end: content.length, dataConnection: () => sink.connection }), sink.connection);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.some((c) => c.sync)).toBe(false);
  });

  it("fails clearly when there is no data connection to write to", async () => {
    const { source } = memorySource(randomBytes(1000));
    const stream = pooledUploadSource({ local: source, start: 0, end: 1000, dataConnection: () => undefined });
    const failed = new Promise<Error>((resolve) => stream.once("error", resolve));
    stream.resume();
    expect((await failed).message).toMatch(/data connection is missing/);
  });
});
