import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { GEX_PRIVATE_EXPONENT_BITS, ShortExponentDiffieHellman } from "@/lib/sftp/group-exchange";

// RFC 3526 group 14 (2048 bits): a named group, so node:crypto's peer below runs no DH_check either.
const peer = () => {
  const dh = crypto.getDiffieHellman("modp14");
  dh.generateKeys();
  return dh;
};

describe("the short-exponent group exchange", () => {
  it("agrees on the same secret as node:crypto's Diffie-Hellman", () => {
    const server = peer();
    const ours = new ShortExponentDiffieHellman(server.getPrime(), server.getGenerator());
    const e = ours.generateKeys();
    expect(ours.generateKeys()).toBe(e); // generated once
    const secret = ours.computeSecret(server.getPublicKey());
    expect(secret.equals(server.computeSecret(e))).toBe(true);
    expect(ours.getPrime().equals(server.getPrime())).toBe(true);
    expect(ours.getGenerator().equals(server.getGenerator())).toBe(true);
  });

  it("uses a fresh private value of 512 bits each time", () => {
    const server = peer();
    const a = new ShortExponentDiffieHellman(server.getPrime(), server.getGenerator());
    const b = new ShortExponentDiffieHellman(server.getPrime(), server.getGenerator());
    expect(a.generateKeys().equals(b.generateKeys())).toBe(false);
    const der = (a as unknown as { privateKey: crypto.KeyObject }).privateKey.export({ format: "der", type: "pkcs8" });
    // The private value is the last INTEGER of the PKCS#8 structure: 64 bytes (+1 sign byte at most).
    const lengthByte = der[der.length - 65] === 0x40 ? 64 : der[der.length - 66] === 0x41 ? 65 : -1;
    expect(lengthByte).toBeGreaterThan(0);
    expect(GEX_PRIVATE_EXPONENT_BITS).toBe(512);
  });

  it("refuses the server's public value when it is 0, 1, p-1 or larger", () => {
    const server = peer();
    const ours = new ShortExponentDiffieHellman(server.getPrime(), server.getGenerator());
    const p = server.getPrime();
    const pMinusOne = Buffer.from(p);
    pMinusOne[pMinusOne.length - 1] -= 1;
    for (const bad of [Buffer.from([0]), Buffer.from([1]), pMinusOne, p, Buffer.concat([Buffer.from([1]), p])]) {
      expect(() => ours.computeSecret(bad)).toThrow(/out of range/);
    }
  });

  it("refuses an even modulus or a generator out of range", () => {
    const p = crypto.getDiffieHellman("modp14").getPrime();
    const even = Buffer.from(p);
    even[even.length - 1] &= 0xfe;
    expect(() => new ShortExponentDiffieHellman(even, Buffer.from([2]))).toThrow(/invalid/);
    expect(() => new ShortExponentDiffieHellman(p, Buffer.from([1]))).toThrow(/invalid/);
  });

  // If this fails after an ssh2 upgrade, read lib/sftp/group-exchange.ts: the override may no longer
  // apply (or may no longer be needed) and the 50-second legacy handshake could be back.
  it("still matches how ssh2's kex.js builds the group-exchange Diffie-Hellman", () => {
    const kexPath = createRequire(import.meta.url).resolve("ssh2/lib/protocol/kex.js");
    const source = fs.readFileSync(kexPath, "utf8");
    expect(source).toMatch(/const \{[^}]*\bcreateDiffieHellman,[^}]*\} = require\('crypto'\);/);
    const calls = source.match(/createDiffieHellman\(/g) ?? [];
    expect(calls).toHaveLength(1);
    expect(source).toContain("this._dh = createDiffieHellman(this._prime, this._generator);");
    expect(source).toContain("this._dh.getPrime()");
    expect(source).toContain("this._dh.computeSecret(otherPublicKey)");
  });

  // lib/sftp/sftp-session.ts restarts ssh2's keepalive count on acknowledged writes through this
  // internal; if an upgrade renames it, slow links would be cut again (test/relay-fairness.test.ts).
  it("still finds the keepalive reset that acknowledged writes call", () => {
    const clientPath = createRequire(import.meta.url).resolve("ssh2/lib/client.js");
    const source = fs.readFileSync(clientPath, "utf8");
    expect(source).toContain("this._resetKA = resetKA;");
    expect(source).toMatch(/function resetKA\(\) \{\s*if \(kainterval > 0\) \{\s*kacount = 0;/);
  });
});
