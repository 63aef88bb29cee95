import { KeyError } from "./errors";

/**
 * How costly a passphrase-protected private key may make its own unlocking.
 *
 * A key file chooses its key-derivation cost, and the portal pays it on every attempt to unlock the
 * key, with the right passphrase or a wrong one. These limits leave head-room over what ssh-keygen,
 * PuTTYgen and OpenSSL write by default, and refuse the rest before any derivation runs.
 *
 * Worst cases at the limits, measured on a 2-core AMD EPYC (Node 20): bcrypt 64 rounds ≈ 1.7 s (a
 * pure-JS port, ~27 ms a round; ssh-keygen's 16 ≈ 0.45 s); Argon2id 8 MiB × 64 passes ≈ 0.17 s and
 * 64 MiB × 8 passes ≈ 0.45 s; PBKDF2 1,000,000 iterations ≈ 0.5 s; scrypt N·r·p = 2^19 ≈ 0.2 s.
 * The keys this was written against took 7.7 s (256 bcrypt rounds) and 28 s (256 MiB × 100 passes).
 */
export const KDF_LIMITS = Object.freeze({
  /** OpenSSH (`ssh-keygen -a`): ssh-keygen's default is 16; 4× that. */
  bcryptRounds: 64,
  /** PuTTY .ppk v3: PuTTYgen's default is 8192 KiB (8 MiB); 8× that. */
  argon2MemoryKiB: 64 * 1024,
  /**
   * PuTTY .ppk v3: PuTTYgen picks the passes that take ~100 ms on the machine saving the key, as a
   * Fibonacci number (8 or 13 on a server core; 21, 34, up to 55 on a fast desktop).
   */
  argon2Passes: 64,
  /** PuTTY .ppk v3: PuTTYgen's default is 1 lane. More lanes do not add work, but may add threads. */
  argon2Parallelism: 4,
  /**
   * Argon2's real cost, memory × passes (KiB-passes): 8 MiB × 64 passes, or 64 MiB × 8 passes. A key
   * saved at PuTTYgen's default time (~100 ms) on a machine up to ~4× as fast as a server core stays
   * within it at any memory setting up to the limit (PuTTYgen 0.78 here: 8 MiB → 8 or 13 passes, 64 MiB → 1).
   */
  argon2MemoryTimesPasses: 8 * 1024 * 64,
  /** Encrypted PKCS#8 (PBES2/PBKDF2, also PBES1 and PKCS#12 PBE): OpenSSL's and ssh-keygen's default is 2048. */
  pbkdf2Iterations: 1_000_000,
  /** Encrypted PKCS#8 with scrypt: N × r × p; `openssl pkcs8 -scrypt` writes 16384 × 8 × 1; 4× that. */
  scryptWork: 16384 * 8 * 4,
});

/** The defaults the limits are measured against, for messages and documentation. */
export const KDF_DEFAULTS = Object.freeze({
  sshKeygenBcryptRounds: 16,
  puttygenArgon2MemoryKiB: 8192,
  puttygenArgon2Parallelism: 1,
  puttygenArgon2Milliseconds: 100,
  opensslPbkdf2Iterations: 2048,
});

export type KdfParams =
  | { kdf: "bcrypt"; rounds: number }
  | { kdf: "argon2"; memoryKiB: number; passes: number; parallelism: number }
  | { kdf: "pbkdf2"; iterations: number }
  | { kdf: "scrypt"; n: number; r: number; p: number };

const L = KDF_LIMITS;
const D = KDF_DEFAULTS;
const num = (n: number) => (Number.isSafeInteger(n) ? n.toLocaleString("en-US") : String(n));

/** The limits in words, for the README, guides and benchmarks. */
export function describeKdfLimits(): string {
  return (
    `OpenSSH keys: at most ${L.bcryptRounds} bcrypt rounds (ssh-keygen's default is ${D.sshKeygenBcryptRounds}). ` +
    `PuTTY keys (PPK v3): Argon2 with at most ${num(L.argon2MemoryKiB)} KiB (${L.argon2MemoryKiB / 1024} MiB) of memory, ` +
    `${L.argon2Passes} passes and ${L.argon2Parallelism} threads, and memory × passes at most ${num(L.argon2MemoryTimesPasses)}, ` +
    `i.e. 8 MiB × 64 passes or 64 MiB × 8 (PuTTYgen's default is ${num(D.puttygenArgon2MemoryKiB)} KiB, ${D.puttygenArgon2Parallelism} thread ` +
    `and the passes that take about ${D.puttygenArgon2Milliseconds} ms). ` +
    `Encrypted PKCS#8 keys: at most ${num(L.pbkdf2Iterations)} PBKDF2 iterations (OpenSSL's default is ${num(D.opensslPbkdf2Iterations)}), ` +
    `or scrypt with N × r × p at most ${num(L.scryptWork)} (OpenSSL's default is 16,384 × 8 × 1).`
  );
}

const WHY = "because every attempt to unlock it, with the right passphrase or a wrong one, would tie up the portal's server";

const OPENSSH_FIX =
  "Save a copy with the default setting and upload that: cp yourkey portal-key && ssh-keygen -p -a 16 -f portal-key " +
  "(it asks for the current passphrase, then a new one, which may be the same).";

const PUTTY_FIX =
  "Save a copy with PuTTYgen's default settings and upload that: puttygen yourkey.ppk --reencrypt -o portal-key.ppk " +
  "(it asks for the passphrase), or in PuTTYgen: Load the key, set Key > Parameters for saving key files back to " +
  `${num(D.puttygenArgon2MemoryKiB)} KiB, ${D.puttygenArgon2Milliseconds} ms and ${D.puttygenArgon2Parallelism} thread, then Save private key.`;

const PEM_FIX =
  "Save a copy with default settings and upload that: cp yourkey.pem portal-key && ssh-keygen -p -f portal-key " +
  "(it asks for the current passphrase, then a new one, and saves the key in OpenSSH format), " +
  "or: openssl pkcs8 -topk8 -v2 aes-256-cbc -in yourkey.pem -out portal-key.pem";

/** Whether a key file's KDF settings are within KDF_LIMITS; if not, the partner-facing reason and fix. */
export function kdfCostProblem(params: KdfParams): string | undefined {
  switch (params.kdf) {
    case "bcrypt":
      if (params.rounds <= L.bcryptRounds) return undefined;
      return (
        `This OpenSSH private key's passphrase protection is set to ${num(params.rounds)} bcrypt rounds; the portal accepts at most ` +
        `${L.bcryptRounds} (ssh-keygen's default is ${D.sshKeygenBcryptRounds}), ${WHY}. ${OPENSSH_FIX}`
      );
    case "argon2": {
      const { memoryKiB, passes, parallelism } = params;
      const over: string[] = [];
      if (memoryKiB > L.argon2MemoryKiB) over.push(`memory ${num(memoryKiB)} KiB is over ${num(L.argon2MemoryKiB)} KiB`);
      if (passes > L.argon2Passes) over.push(`${num(passes)} passes are over ${L.argon2Passes}`);
      if (parallelism > L.argon2Parallelism) over.push(`${num(parallelism)} threads are over ${L.argon2Parallelism}`);
      if (over.length === 0 && memoryKiB * passes > L.argon2MemoryTimesPasses) {
        over.push(`memory × passes (${num(memoryKiB * passes)}) is over ${num(L.argon2MemoryTimesPasses)}, e.g. 8 MiB × 64 passes or 64 MiB × 8`);
      }
      if (over.length === 0) return undefined;
      return (
        `This PuTTY key's passphrase protection (Argon2 with ${num(memoryKiB)} KiB of memory, ${num(passes)} passes, ${num(parallelism)} ` +
        `thread${parallelism === 1 ? "" : "s"}) costs far more than PuTTYgen's default (${num(D.puttygenArgon2MemoryKiB)} KiB, ` +
        `about ${D.puttygenArgon2Milliseconds} ms of passes, ${D.puttygenArgon2Parallelism} thread): ${over.join("; ")}. ` +
        `The portal refuses it ${WHY}. ${PUTTY_FIX}`
      );
    }
    case "pbkdf2":
      if (params.iterations <= L.pbkdf2Iterations) return undefined;
      return (
        `This encrypted PKCS#8 key's passphrase protection uses ${num(params.iterations)} key-derivation iterations; the portal accepts at most ` +
        `${num(L.pbkdf2Iterations)} (OpenSSL's and ssh-keygen's default is ${num(D.opensslPbkdf2Iterations)}), ${WHY}. ${PEM_FIX}`
      );
    case "scrypt": {
      const work = params.n * params.r * params.p;
      if (work <= L.scryptWork) return undefined;
      return (
        `This encrypted PKCS#8 key's passphrase protection uses scrypt with N = ${num(params.n)}, r = ${num(params.r)}, p = ${num(params.p)} ` +
        `(N × r × p = ${num(work)}); the portal accepts at most ${num(L.scryptWork)} (OpenSSL's default is 16,384 × 8 × 1), ${WHY}. ${PEM_FIX}`
      );
    }
  }
}

/** Throws KDF_TOO_COSTLY, before any derivation runs, for settings beyond KDF_LIMITS. */
export function assertKdfWithinLimits(params: KdfParams): void {
  const problem = kdfCostProblem(params);
  if (problem) throw new KeyError("KDF_TOO_COSTLY", problem);
}
