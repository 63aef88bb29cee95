/** SSH wire encoding (RFC 4251 §5): uint32, string, mpint. Used by OpenSSH and PuTTY key blobs. */

export class SshWireError extends Error {}

export class SshReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  uint32(): number {
    if (this.remaining < 4) throw new SshWireError("truncated uint32");
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.remaining < n) throw new SshWireError("truncated field");
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString("utf8");
  }

  /** Returns the magnitude without sign padding; RSA values are never negative. */
  mpint(): bigint {
    const raw = this.string();
    if (raw.length > 0 && raw[0] & 0x80) throw new SshWireError("negative mpint");
    return raw.length === 0 ? 0n : BigInt("0x" + raw.toString("hex"));
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}

export class SshWriter {
  private readonly parts: Buffer[] = [];

  uint32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }

  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  string(v: Buffer | string): this {
    const b = typeof v === "string" ? Buffer.from(v, "utf8") : v;
    return this.uint32(b.length).raw(b);
  }

  mpint(v: bigint): this {
    return this.string(bigintToMpintBytes(v));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function bigintToUnsignedBytes(v: bigint): Buffer {
  if (v < 0n) throw new RangeError("negative");
  if (v === 0n) return Buffer.alloc(0);
  let hex = v.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return Buffer.from(hex, "hex");
}

function bigintToMpintBytes(v: bigint): Buffer {
  const b = bigintToUnsignedBytes(v);
  // A set high bit would read back as negative, so mpint needs a zero sign byte.
  return b.length > 0 && b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

export function bytesToBigint(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + b.toString("hex"));
}
