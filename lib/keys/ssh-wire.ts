/**
 * SSH wire encoding (RFC 4251 §5), for the few places no library reads or writes it for us: the clear
 * header of an OpenSSH private key (read before ssh2 may run its KDF), PuTTY v3's private blob and MAC,
 * the "ssh-rsa" blob fingerprints are made of, and our encrypted OpenSSH export.
 */

export class SshWireError extends Error {}

export class SshReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  bytes(n: number): Buffer {
    if (this.buf.length - this.offset < n) throw new SshWireError("truncated field");
    this.offset += n;
    return this.buf.subarray(this.offset - n, this.offset);
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString("utf8");
  }

  /** RSA values are never negative: a set sign bit is a damaged file. */
  mpint(): bigint {
    const raw = this.string();
    if (raw.length > 0 && raw[0] & 0x80) throw new SshWireError("negative mpint");
    return raw.length === 0 ? 0n : BigInt(`0x${raw.toString("hex")}`);
  }
}

export function sshUint32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export function sshString(v: Buffer | string): Buffer {
  const b = typeof v === "string" ? Buffer.from(v, "utf8") : v;
  return Buffer.concat([sshUint32(b.length), b]);
}

/** An mpint from an unsigned big-endian magnitude, as JWK holds RSA numbers: minimal, with a zero byte where the sign bit would be set. */
export function sshMpint(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  const v = magnitude.subarray(i);
  return sshString(v.length > 0 && v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
