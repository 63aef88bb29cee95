import "server-only";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";
import { isVaultError } from "@/lib/vault/errors";
import { type Keyring } from "@/lib/vault/keyring";
import { KEY_DIR_NAME, loadKeyringFromEnv } from "@/lib/vault/keyring-store";

/*
 * The process's keyring. It is reloaded when the key folder's `active` pointer changes (a rotation
 * by `npm run vault:rotate` in another process), and on demand when a secret names a key id this
 * process has not loaded yet — so running portals keep reading secrets while rotation re-wraps them.
 */
const globalKey = Symbol.for("edi-portal.keyring");
type Cached = { keyring: Keyring; activeStamp: string };
type GlobalWithKeyring = typeof globalThis & { [globalKey]?: Cached };

function activeStamp(dataDir: string): string {
  if (process.env.PORTAL_MASTER_KEY) return "env";
  try {
    const stat = fs.statSync(path.join(dataDir, KEY_DIR_NAME, "active"));
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return "missing";
  }
}

export function currentKeyring(options: { forceReload?: boolean } = {}): Keyring {
  const dataDir = env().DATA_DIR;
  const holder = globalThis as GlobalWithKeyring;
  const stamp = activeStamp(dataDir);
  const cached = holder[globalKey];
  if (cached && !options.forceReload && cached.activeStamp === stamp) return cached.keyring;
  const keyring = loadKeyringFromEnv(dataDir);
  holder[globalKey] = { keyring, activeStamp: activeStamp(dataDir) };
  return keyring;
}

/** Run `operate` with the keyring; if it names a key we have not loaded, reload once from disk and retry. */
export function withKeyring<T>(operate: (keyring: Keyring) => T): T {
  try {
    return operate(currentKeyring());
  } catch (error) {
    if (isVaultError(error) && error.code === "UNKNOWN_KEY_ID") return operate(currentKeyring({ forceReload: true }));
    throw error;
  }
}
