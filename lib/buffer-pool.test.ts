import { describe, expect, it } from "vitest";
import { BufferPool } from "@/lib/buffer-pool";

describe("BufferPool", () => {
  it("hands a returned buffer to the next taker of its size, and only of its size", () => {
    const pool = new BufferPool(1024 * 1024);
    const first = pool.take(4096);
    expect(first.length).toBe(4096);
    pool.give(first);
    expect(pool.retained).toBe(4096);
    const other = pool.take(8192);
    expect(other).not.toBe(first);
    expect(pool.take(4096)).toBe(first);
    expect(pool.retained).toBe(0);
    expect(pool.take(4096)).not.toBe(first);
  });

  it("gives every taken buffer memory of its own, never a slice of Node's shared pool", () => {
    const pool = new BufferPool(1024 * 1024);
    const small = pool.take(64);
    expect(small.byteOffset).toBe(0);
    expect(small.buffer.byteLength).toBe(64);
  });

  it("keeps no more than its cap, and refuses a slice (it would hand back the whole buffer)", () => {
    const pool = new BufferPool(10_000);
    const buffers = [pool.take(4096), pool.take(4096), pool.take(4096)];
    for (const buffer of buffers) pool.give(buffer);
    expect(pool.retained).toBe(8192);
    pool.give(Buffer.allocUnsafeSlow(1024).subarray(0, 512));
    pool.give(Buffer.allocUnsafe(100)); // a slice of Node's shared pool
    expect(pool.retained).toBe(8192);
  });
});
