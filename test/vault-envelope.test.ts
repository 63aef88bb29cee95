import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  Keyring,
  openSecret,
  openSecretText,
  parseSealedSecret,
  rewrapSecret,
  sealSecret,
  secretAad,
  serializeSealedSecret,
  VaultError,
  type SealedSecret,
  type VaultErrorCode,
} from "@/lib/vault";

const PASSWORD = "Tr0ub4dor&3 sftp password";
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ring = new Keyring([keyA]);
const aadPartner1 = secretAad("partner-1", "sftp-password");
const aadPartner2 = secretAad("partner-2", "sftp-password");

function vaultErrorOf(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError);
    expect((err as Error).message).not.toContain(PASSWORD);
    return err as VaultError;
  }
  throw new Error("expected a VaultError, but the call returned");
}

function expectFails(sealed: SealedSecret, aad: string, keyring: Keyring, code: VaultErrorCode) {
  expect(vaultErrorOf(() => openSecret(sealed, aad, keyring)).code).toBe(code);
}

function flipBit(buf: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buf);
  copy[index] ^= 0x01;
  return copy;
}

describe("sealSecret / openSecret", () => {
  it("round-trips text and binary secrets, with fresh randomness each time", () => {
    const sealed = sealSecret(PASSWORD, aadPartner1, ring);
    expect(openSecretText(sealed, aadPartner1, ring)).toBe(PASSWORD);
    const binary = randomBytes(1700);
    expect(openSecret(sealSecret(binary, aadPartner1, ring), aadPartner1, ring).equals(binary)).toBe(true);
    expect(openSecretText(sealSecret("", aadPartner1, ring), aadPartner1, ring)).toBe("");

    const again = sealSecret(PASSWORD, aadPartner1, ring);
    expect(again.nonce.equals(sealed.nonce)).toBe(false);
    expect(again.wrappedKey.equals(sealed.wrappedKey)).toBe(false);
    expect(again.ciphertext.equals(sealed.ciphertext)).toBe(false);
    expect(sealed.ciphertext.includes(Buffer.from(PASSWORD))).toBe(false);
    expect([sealed.nonce.length, sealed.wrapNonce.length, sealed.tag.length, sealed.wrapTag.length, sealed.wrappedKey.length]).toEqual([12, 12, 16, 16, 32]);
    expect(sealed.keyId).toBe(ring.activeKeyId);
  });

  it("round-trips through the compact serialisation", () => {
    const text = serializeSealedSecret(sealSecret(PASSWORD, aadPartner1, ring));
    expect(text).toMatch(/^v1\.[0-9a-f]{16}(\.[A-Za-z0-9_-]*){6}$/);
    expect(text).not.toContain(PASSWORD);
    expect(openSecretText(parseSealedSecret(text), aadPartner1, ring)).toBe(PASSWORD);
  });

  it.each(["wrappedKey", "wrapNonce", "wrapTag", "nonce", "ciphertext", "tag"] as const)("fails on a flipped bit in %s", (field) => {
    const sealed = sealSecret(PASSWORD, aadPartner1, ring);
    expectFails({ ...sealed, [field]: flipBit(sealed[field], sealed[field].length - 1) }, aadPartner1, ring, "DECRYPT_FAILED");
  });

  it("fails on a truncated tag, even though GCM alone would accept a short one", () => {
    const sealed = sealSecret(PASSWORD, aadPartner1, ring);
    expectFails({ ...sealed, tag: sealed.tag.subarray(0, 12) }, aadPartner1, ring, "MALFORMED_SECRET");
    expectFails({ ...sealed, wrapTag: sealed.wrapTag.subarray(0, 4) }, aadPartner1, ring, "MALFORMED_SECRET");
    const text = serializeSealedSecret(sealed);
    expectFails(parseSealedSecret(text.slice(0, -4)), aadPartner1, ring, "MALFORMED_SECRET");
    expect(vaultErrorOf(() => parseSealedSecret(text.split(".").slice(0, 7).join("."))).code).toBe("MALFORMED_SECRET");
  });

  it("fails when blobs are swapped between two partners' records (different AAD)", () => {
    const one = sealSecret(PASSWORD, aadPartner1, ring);
    const two = sealSecret("partner two's password", aadPartner2, ring);
    expectFails(one, aadPartner2, ring, "DECRYPT_FAILED");
    expectFails(two, aadPartner1, ring, "DECRYPT_FAILED");
    // Moving only the wrapped data key (not the payload) between records fails too.
    expectFails({ ...one, wrappedKey: two.wrappedKey, wrapNonce: two.wrapNonce, wrapTag: two.wrapTag }, aadPartner1, ring, "DECRYPT_FAILED");
    // Same record, other purpose.
    expectFails(one, secretAad("partner-1", "ftps-password"), ring, "DECRYPT_FAILED");
  });

  it("fails with UNKNOWN_KEY_ID under a keyring without the key, and with DECRYPT_FAILED if the id is relabelled", () => {
    const sealed = sealSecret(PASSWORD, aadPartner1, ring);
    const other = new Keyring([keyB]);
    const err = vaultErrorOf(() => openSecret(sealed, aadPartner1, other));
    expect(err.code).toBe("UNKNOWN_KEY_ID");
    expect(err.message).toContain(sealed.keyId);
    const both = new Keyring([keyA, keyB]);
    expectFails({ ...sealed, keyId: other.activeKeyId }, aadPartner1, both, "DECRYPT_FAILED");
  });

  it("refuses an empty AAD or ambiguous record ids", () => {
    expect(vaultErrorOf(() => sealSecret(PASSWORD, "", ring)).code).toBe("INVALID_AAD");
    expect(vaultErrorOf(() => secretAad("a:b", "c")).code).toBe("INVALID_AAD");
  });
});

describe("rewrapSecret", () => {
  it("re-wraps only the data key; after the old key is dropped the secret still opens", () => {
    const sealed = sealSecret(PASSWORD, aadPartner1, new Keyring([keyA]));
    const rotating = new Keyring([keyA, keyB], new Keyring([keyB]).activeKeyId);
    const rewrapped = rewrapSecret(sealed, aadPartner1, rotating);
    expect(rewrapped.keyId).toBe(rotating.activeKeyId);
    expect(rewrapped.keyId).not.toBe(sealed.keyId);
    expect(rewrapped.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(rewrapped.nonce.equals(sealed.nonce)).toBe(true);
    expect(rewrapped.tag.equals(sealed.tag)).toBe(true);
    expect(rewrapped.wrappedKey.equals(sealed.wrappedKey)).toBe(false);

    const onlyNew = new Keyring([keyB]);
    expect(openSecretText(rewrapped, aadPartner1, onlyNew)).toBe(PASSWORD);
    expect(vaultErrorOf(() => openSecret(sealed, aadPartner1, onlyNew)).code).toBe("UNKNOWN_KEY_ID");
  });

  it("refuses to carry over a damaged payload or a wrong record binding", () => {
    const sealed = sealSecret(PASSWORD, aadPartner1, ring);
    const both = new Keyring([keyA, keyB]);
    expect(vaultErrorOf(() => rewrapSecret({ ...sealed, ciphertext: flipBit(sealed.ciphertext) }, aadPartner1, both, new Keyring([keyB]).activeKeyId)).code).toBe("DECRYPT_FAILED");
    expect(vaultErrorOf(() => rewrapSecret(sealed, aadPartner2, both)).code).toBe("DECRYPT_FAILED");
  });
});

describe("Keyring", () => {
  it("never shows key bytes when logged or serialised", () => {
    const both = new Keyring([keyA, keyB]);
    const shown = [inspect(both, { showHidden: true, depth: 5 }), JSON.stringify(both), String(Object.values(both))].join("\n");
    for (const key of [keyA, keyB]) {
      expect(shown).not.toContain(key.toString("base64"));
      expect(shown).not.toContain(key.toString("hex"));
    }
    expect(shown).toContain(both.activeKeyId);
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(vaultErrorOf(() => new Keyring([randomBytes(16)])).code).toBe("MASTER_KEY_INVALID");
    expect(vaultErrorOf(() => new Keyring([])).code).toBe("MASTER_KEY_INVALID");
  });
});
