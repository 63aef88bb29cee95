import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { VaultError } from "@/lib/vault/errors";

export const MASTER_KEY_BYTES = 32;

/**
 * Key id = first 16 hex digits of a domain-separated SHA-256 of the key: stable across restarts and
 * machines (so sealed secrets can name their key), and useless for recovering the key.
 */
export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update("edi-portal/vault/master-key-id/v1\0").update(key).digest("hex").slice(0, 16);
}

// Keys live outside the object so that logging, JSON or a debugger's property view of a Keyring shows ids only.
const keyMaterial = new WeakMap<Keyring, Map<string, Buffer>>();

/** The master keys this process may use: one active (for sealing) and older ones still readable. */
export class Keyring {
  readonly activeKeyId: string;

  /** `keys[0]` is active unless `activeKeyId` names another. */
  constructor(keys: Buffer[], activeKeyId?: string) {
    const map = new Map<string, Buffer>();
    for (const key of keys) {
      if (!Buffer.isBuffer(key) || key.length !== MASTER_KEY_BYTES) throw new VaultError("MASTER_KEY_INVALID");
      map.set(masterKeyId(key), Buffer.from(key));
    }
    if (map.size === 0) throw new VaultError("MASTER_KEY_INVALID", "The vault keyring needs at least one master key.");
    const active = activeKeyId ?? masterKeyId(keys[0]);
    if (!map.has(active)) throw new VaultError("UNKNOWN_KEY_ID", `The active master key id ${active} is not in the keyring.`);
    this.activeKeyId = active;
    keyMaterial.set(this, map);
  }

  keyIds(): string[] {
    return [...keyMaterial.get(this)!.keys()];
  }

  has(keyId: string): boolean {
    return keyMaterial.get(this)!.has(keyId);
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds() };
  }

  [inspect.custom](): string {
    return `Keyring { active: ${this.activeKeyId}, ids: [${this.keyIds().join(", ")}] }`;
  }
}

/** For the envelope code only; not re-exported from the vault's index. */
export function masterKeyFor(keyring: Keyring, keyId: string): Buffer {
  const key = keyMaterial.get(keyring)?.get(keyId);
  if (!key) {
    throw new VaultError(
      "UNKNOWN_KEY_ID",
      `A stored secret was sealed under master key ${keyId.replace(/[^0-9a-f]/g, "").slice(0, 16)}, which is not in the keyring. ` +
        "Restore that key (key file, or PORTAL_MASTER_KEY_PREVIOUS) so the secret can be read and re-wrapped.",
    );
  }
  return key;
}
