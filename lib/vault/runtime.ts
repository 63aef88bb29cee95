import "server-only";
import fs from "node:fs";
import path from "node:path";
import { isVaultError } from "@/lib/vault/errors";
import { type Keyring } from "@/lib/vault/keyring";
import { KEY_DIR_NAME, loadKeyringFromEnv } from "@/lib/vault/keyring-store";
import { runtime } from "@/lib/runtime";

/*
 * The process's keyring, kept by the runtime's `vault`. It is reloaded when the key folder's
 * `active` pointer changes (a rotation by `npm run vault:rotate` in another process), and on demand
 * when a secret names a key id this process has not loaded yet — so running portals keep reading
 * secrets while rotation re-wraps them.
 *
 * A Keyring keeps its key material in a WeakMap of its own module (lib/vault/keyring.ts), so a
 * keyring loaded by server.ts's bundle is unusable by the envelope code of Next's bundle and the
 * other way round. The vault therefore keeps one keyring per loader: each bundle's copy of this
 * module passes its own `loadKeyringFromEnv` and gets back a keyring its own code can open.
 */

type LoadKeyring = (dataDir: string) => Keyring;

export interface Vault {
  /** DATA_DIR: the key files are in its vault-master-keys/, unless PORTAL_MASTER_KEY holds the key. */
  dataDir(): string;
  /** The keyring `load` made, loaded again when the active key changed (or when asked to). */
  keyring(load: LoadKeyring, options?: { forceReload?: boolean }): Keyring;
}

function activeStamp(dataDir: string): string {
  if (process.env.PORTAL_MASTER_KEY) return "env";
  try {
    const stat = fs.statSync(path.join(dataDir, KEY_DIR_NAME, "active"));
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return "missing";
  }
}

/**
 * The vault of a runtime. `dataDir` is read on every use: the test set-up builds its runtime before
 * a test file chooses its data directory.
 */
export function createVault(dataDir: () => string): Vault {
  const cached = new Map<LoadKeyring, { keyring: Keyring; dataDir: string; activeStamp: string }>();
  return {
    dataDir,
    keyring(load, options = {}) {
      const dir = dataDir();
      const stamp = activeStamp(dir);
      const current = cached.get(load);
      if (current && !options.forceReload && current.dataDir === dir && current.activeStamp === stamp) return current.keyring;
      const keyring = load(dir);
      cached.set(load, { keyring, dataDir: dir, activeStamp: activeStamp(dir) });
      return keyring;
    },
  };
}

export function currentKeyring(options: { forceReload?: boolean } = {}): Keyring {
  return runtime().vault.keyring(loadKeyringFromEnv, options);
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
