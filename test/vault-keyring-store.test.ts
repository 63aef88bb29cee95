import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createNewMasterKey,
  generateMasterKeyBase64,
  KEY_DIR_NAME,
  loadKeyring,
  masterKeyId,
  openSecretText,
  retireMasterKey,
  rewrapSecret,
  sealSecret,
  secretAad,
  VaultError,
  type VaultErrorCode,
} from "@/lib/vault";

let dataDir: string;
let keyDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "vault-store-"));
  keyDir = path.join(dataDir, KEY_DIR_NAME);
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const keyFiles = () => fs.readdirSync(keyDir).filter((f) => f.endsWith(".key"));
const aad = secretAad("partner-1", "sftp-password");

function vaultErrorOf(fn: () => unknown, code: VaultErrorCode, mustNotContain: string[] = []): VaultError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError);
    expect((err as VaultError).code).toBe(code);
    for (const s of mustNotContain) expect((err as Error).message).not.toContain(s);
    return err as VaultError;
  }
  throw new Error("expected a VaultError");
}

describe("file keyring (no PORTAL_MASTER_KEY)", () => {
  it("creates a 0600 key file in a 0700 folder on first run and reuses it afterwards", () => {
    const first = loadKeyring({ dataDir });
    expect(mode(keyDir)).toBe(0o700);
    const files = keyFiles();
    expect(files).toEqual([`${first.activeKeyId}.key`]);
    expect(mode(path.join(keyDir, files[0]))).toBe(0o600);
    expect(mode(path.join(keyDir, "active"))).toBe(0o600);
    const key = Buffer.from(fs.readFileSync(path.join(keyDir, files[0]), "utf8").trim(), "base64");
    expect(key).toHaveLength(32);
    expect(masterKeyId(key)).toBe(first.activeKeyId);
    expect(fs.readdirSync(keyDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const sealed = sealSecret("s3cret", aad, first);
    const second = loadKeyring({ dataDir });
    expect(second.activeKeyId).toBe(first.activeKeyId);
    expect(openSecretText(sealed, aad, second)).toBe("s3cret");
  });

  it("refuses to start when the key file is readable by others (0644), with the fix in the message", () => {
    const ring = loadKeyring({ dataDir });
    const file = path.join(keyDir, `${ring.activeKeyId}.key`);
    const content = fs.readFileSync(file, "utf8").trim();
    fs.chmodSync(file, 0o644);
    const err = vaultErrorOf(() => loadKeyring({ dataDir }), "MASTER_KEY_FILE_INSECURE", [content]);
    expect(err.message).toContain(`chmod 600 ${file}`);
    fs.chmodSync(file, 0o600);
    expect(loadKeyring({ dataDir }).activeKeyId).toBe(ring.activeKeyId);
  });

  it("refuses a key folder open to other users", () => {
    loadKeyring({ dataDir });
    fs.chmodSync(keyDir, 0o755);
    const err = vaultErrorOf(() => loadKeyring({ dataDir }), "MASTER_KEY_FILE_INSECURE");
    expect(err.message).toContain("chmod 700");
  });

  it("refuses a key file of the wrong length, or whose content does not match its name", () => {
    const ring = loadKeyring({ dataDir });
    const file = path.join(keyDir, `${ring.activeKeyId}.key`);
    fs.writeFileSync(file, randomBytes(16).toString("base64") + "\n", { mode: 0o600 });
    vaultErrorOf(() => loadKeyring({ dataDir }), "MASTER_KEY_FILE_INVALID");
    fs.writeFileSync(file, generateMasterKeyBase64() + "\n", { mode: 0o600 });
    vaultErrorOf(() => loadKeyring({ dataDir }), "MASTER_KEY_FILE_INVALID");
  });

  it("rotates: new key active, old secrets readable, rewrap, retire the old key, still opens", () => {
    const before = loadKeyring({ dataDir });
    const oldId = before.activeKeyId;
    const sealed = sealSecret("rotate me", aad, before);

    const newId = createNewMasterKey(dataDir);
    expect(newId).not.toBe(oldId);
    expect(mode(path.join(keyDir, `${newId}.key`))).toBe(0o600);
    const during = loadKeyring({ dataDir });
    expect(during.activeKeyId).toBe(newId);
    expect(during.keyIds().sort()).toEqual([oldId, newId].sort());
    expect(openSecretText(sealed, aad, during)).toBe("rotate me");

    const rewrapped = rewrapSecret(sealed, aad, during);
    expect(rewrapped.keyId).toBe(newId);
    vaultErrorOf(() => retireMasterKey(dataDir, newId), "MASTER_KEY_IN_USE");
    retireMasterKey(dataDir, oldId);

    const after = loadKeyring({ dataDir });
    expect(after.keyIds()).toEqual([newId]);
    expect(openSecretText(rewrapped, aad, after)).toBe("rotate me");
    vaultErrorOf(() => openSecretText(sealed, aad, after), "UNKNOWN_KEY_ID");
  });
});

describe("PORTAL_MASTER_KEY", () => {
  it("uses the env key as active, reads PORTAL_MASTER_KEY_PREVIOUS keys, and writes no files", () => {
    const oldKey = generateMasterKeyBase64();
    const olderKey = generateMasterKeyBase64();
    const newKey = generateMasterKeyBase64();
    const sealedOld = sealSecret("old", aad, loadKeyring({ envMasterKey: oldKey, dataDir }));

    const ring = loadKeyring({ envMasterKey: newKey, envPreviousMasterKeys: ` ${olderKey}, ${oldKey} `, dataDir });
    expect(ring.activeKeyId).toBe(masterKeyId(Buffer.from(newKey, "base64")));
    expect(ring.keyIds()).toHaveLength(3);
    expect(openSecretText(sealedOld, aad, ring)).toBe("old");
    expect(openSecretText(rewrapSecret(sealedOld, aad, ring), aad, loadKeyring({ envMasterKey: newKey, dataDir }))).toBe("old");
    expect(fs.existsSync(keyDir)).toBe(false);
  });

  it("refuses a malformed key without echoing it", () => {
    for (const bad of ["not base64 at all", randomBytes(16).toString("base64"), randomBytes(33).toString("base64")]) {
      const err = vaultErrorOf(() => loadKeyring({ envMasterKey: bad, dataDir }), "MASTER_KEY_INVALID", [bad]);
      expect(err.message).toContain("PORTAL_MASTER_KEY");
    }
    const badPrev = randomBytes(20).toString("base64");
    const err = vaultErrorOf(
      () => loadKeyring({ envMasterKey: generateMasterKeyBase64(), envPreviousMasterKeys: badPrev, dataDir }),
      "MASTER_KEY_INVALID",
      [badPrev],
    );
    expect(err.message).toContain("PORTAL_MASTER_KEY_PREVIOUS");
  });

  it("refuses PORTAL_MASTER_KEY_PREVIOUS without PORTAL_MASTER_KEY", () => {
    vaultErrorOf(() => loadKeyring({ envPreviousMasterKeys: generateMasterKeyBase64(), dataDir }), "MASTER_KEY_INVALID");
  });
});
