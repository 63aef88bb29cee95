import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { VaultError } from "@/lib/vault/errors";
import { Keyring, MASTER_KEY_BYTES, masterKeyId } from "@/lib/vault/keyring";

/*
 * Where master keys come from.
 *
 * 1. PORTAL_MASTER_KEY set (production with a secret manager): that key (base64 of 32 bytes) is active,
 *    and PORTAL_MASTER_KEY_PREVIOUS (comma-separated base64) lists older keys that stay readable while
 *    secrets are re-wrapped. No files are read or written. Rotation: generate a key
 *    (`openssl rand -base64 32`), move the old value to PORTAL_MASTER_KEY_PREVIOUS, set the new one,
 *    restart, re-wrap every secret, then drop the old value.
 *
 * 2. Otherwise (the embedded default), keys live in the data directory:
 *
 *      <dataDir>/vault-master-keys/          mode 0700
 *        <keyId>.key                         mode 0600, base64 of 32 random bytes + "\n"
 *        active                              mode 0600, "<keyId>\n": the key new secrets are sealed under
 *
 *    keyId is masterKeyId(key) (16 hex digits), so a file's name is checked against its content.
 *    First start creates the folder, one key and `active`. createNewMasterKey() adds a key and moves
 *    `active` to it (atomic rename); older keys stay readable until retireMasterKey() removes them,
 *    which must only happen after every secret has been re-wrapped (rewrapSecret).
 *    Files are written to a temporary name, fsynced, then linked/renamed into place, so a crash or two
 *    processes starting at once never leave a half-written key or pointer.
 *    A key file or folder that other users can read or write is refused at start-up: those bytes
 *    decrypt every partner secret.
 *
 * Back the folder up together with the database, but not in the same place: either alone reveals nothing.
 */

export const KEY_DIR_NAME = "vault-master-keys";
const ACTIVE_FILE = "active";
const KEY_FILE_RE = /^([0-9a-f]{16})\.key$/;

export interface LoadKeyringOptions {
  /** PORTAL_MASTER_KEY: base64 of 32 bytes. */
  envMasterKey?: string;
  /** PORTAL_MASTER_KEY_PREVIOUS: comma-separated base64 keys, still readable. */
  envPreviousMasterKeys?: string;
  dataDir: string;
}

export function loadKeyring(options: LoadKeyringOptions): Keyring {
  if (options.envMasterKey && options.envMasterKey.trim()) {
    const active = decodeEnvKey(options.envMasterKey, "PORTAL_MASTER_KEY");
    const previous = (options.envPreviousMasterKeys ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s, i) => decodeEnvKey(s, `PORTAL_MASTER_KEY_PREVIOUS (entry ${i + 1})`));
    return new Keyring([active, ...previous], masterKeyId(active));
  }
  if (options.envPreviousMasterKeys?.trim()) {
    throw new VaultError("MASTER_KEY_INVALID", "PORTAL_MASTER_KEY_PREVIOUS is set but PORTAL_MASTER_KEY is not. Set both, or neither.");
  }
  return loadFileKeyring(options.dataDir);
}

/** Reads PORTAL_MASTER_KEY and PORTAL_MASTER_KEY_PREVIOUS from the environment. */
export function loadKeyringFromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): Keyring {
  return loadKeyring({ envMasterKey: env.PORTAL_MASTER_KEY, envPreviousMasterKeys: env.PORTAL_MASTER_KEY_PREVIOUS, dataDir });
}

/** A fresh key in the form PORTAL_MASTER_KEY takes. */
export function generateMasterKeyBase64(): string {
  return randomBytes(MASTER_KEY_BYTES).toString("base64");
}

function decodeBase64Key(text: string): Buffer | undefined {
  const s = text.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(s)) return undefined;
  const key = Buffer.from(s, "base64");
  return key.length === MASTER_KEY_BYTES && key.toString("base64") === s ? key : undefined;
}

function decodeEnvKey(value: string, name: string): Buffer {
  const key = decodeBase64Key(value);
  if (!key) {
    throw new VaultError("MASTER_KEY_INVALID", `${name} must be the base64 encoding of exactly 32 random bytes (create one with: openssl rand -base64 32).`);
  }
  return key;
}

const keyDir = (dataDir: string) => path.join(dataDir, KEY_DIR_NAME);

function loadFileKeyring(dataDir: string): Keyring {
  const dir = keyDir(dataDir);
  ensureKeyDir(dir);
  if (!fs.existsSync(path.join(dir, ACTIVE_FILE))) {
    const id = writeKeyFile(dir, randomBytes(MASTER_KEY_BYTES));
    // link() fails if another process won the race; then its key is active and ours merely readable.
    publishFile(dir, ACTIVE_FILE, `${id}\n`, "create");
  }
  const keys = readKeyFiles(dir);
  const activeId = fs.readFileSync(path.join(dir, ACTIVE_FILE), "utf8").trim();
  if (!keys.some((k) => masterKeyId(k) === activeId)) {
    throw new VaultError(
      "MASTER_KEY_FILE_INVALID",
      `${path.join(dir, ACTIVE_FILE)} names a master key that has no valid key file in ${dir}. Restore that key file from backup.`,
    );
  }
  return new Keyring(keys, activeId);
}

function ensureKeyDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new VaultError("MASTER_KEY_FILE_INVALID", `${dir} must be a directory.`);
  if (st.mode & 0o077) {
    throw new VaultError("MASTER_KEY_FILE_INSECURE", `${dir} is accessible to other users. Run: chmod 700 ${dir}`);
  }
}

function readKeyFiles(dir: string): Buffer[] {
  const keys: Buffer[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = KEY_FILE_RE.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const st = fs.lstatSync(file);
    if (!st.isFile()) throw new VaultError("MASTER_KEY_FILE_INVALID", `${file} must be a regular file, not a link.`);
    if (st.mode & 0o077) {
      throw new VaultError(
        "MASTER_KEY_FILE_INSECURE",
        `${file} is readable or writable by other users (mode ${(st.mode & 0o777).toString(8)}). ` +
          `Run: chmod 600 ${file} — and treat the key as exposed if others could have read it.`,
      );
    }
    const key = decodeBase64Key(fs.readFileSync(file, "utf8"));
    if (!key) {
      throw new VaultError("MASTER_KEY_FILE_INVALID", `${file} does not hold a 32-byte key in base64. Restore it from backup.`);
    }
    if (masterKeyId(key) !== m[1]) {
      throw new VaultError("MASTER_KEY_FILE_INVALID", `${file} holds a different key than its name says. Restore it from backup.`);
    }
    keys.push(key);
  }
  return keys;
}

/** Writes `<dir>/<name>` atomically with mode 0600: `create` never replaces, `replace` swaps in place. */
function publishFile(dir: string, name: string, content: string, mode: "create" | "replace"): boolean {
  const tmp = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = fs.openSync(tmp, "wx", 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  let published = true;
  try {
    if (mode === "create") {
      try {
        fs.linkSync(tmp, path.join(dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        published = false;
      }
    } else {
      fs.renameSync(tmp, path.join(dir, name));
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(dir);
  return published;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeKeyFile(dir: string, key: Buffer): string {
  const id = masterKeyId(key);
  publishFile(dir, `${id}.key`, `${key.toString("base64")}\n`, "create");
  key.fill(0);
  return id;
}

/** Adds a fresh master key to the file keyring and makes it active. Returns its id. */
export function createNewMasterKey(dataDir: string): string {
  const dir = keyDir(dataDir);
  ensureKeyDir(dir);
  readKeyFiles(dir); // refuses to extend a keyring whose existing files are insecure or damaged
  const id = writeKeyFile(dir, randomBytes(MASTER_KEY_BYTES));
  publishFile(dir, ACTIVE_FILE, `${id}\n`, "replace");
  return id;
}

/** Deletes an old master key file. Only once no stored secret names this key id any more. */
export function retireMasterKey(dataDir: string, keyId: string): void {
  const dir = keyDir(dataDir);
  if (!/^[0-9a-f]{16}$/.test(keyId)) throw new VaultError("UNKNOWN_KEY_ID", "Not a vault master key id.");
  const active = fs.readFileSync(path.join(dir, ACTIVE_FILE), "utf8").trim();
  if (active === keyId) throw new VaultError("MASTER_KEY_IN_USE");
  fs.rmSync(path.join(dir, `${keyId}.key`));
  fsyncDir(dir);
}
